// The whole-call ladder (web/views/ladder-legs.ts, worker/ladder-store.ts getLegs, ladder-svg.ts
// with legs): a call of two legs tied by X-CID, read by the engine with its messages kept, merged
// in time order, laid out with the first leg's caller leftmost and the last leg's callee rightmost,
// each leg's arrows in its colour.

import { beforeAll, describe, expect, test } from 'vitest';
import { ladderModel } from '../../../shared/output/ladder.ts';
import type { CallRecord, LadderEntry } from '../../../shared/record.ts';
import { LadderStore } from '../../../web/worker/ladder-store.ts';
import { legColor, wholeCallModel } from '../../../web/views/ladder-legs.ts';
import { ladderLayout, ladderPieces, ladderSvg } from '../../../web/views/ladder-svg.ts';
import { recordsOf } from '../../support/engine.ts';
import { tempDir } from '../../support/temp.ts';
import { xcidCapture } from '../../support/b2bua-capture.ts';
import { base, ts } from '../../support/ladder-messages.ts';

const tmp = tempDir('ladder-legs');

describe('whole-call ladder', () => {
  const written = xcidCapture();
  let records: CallRecord[] = [];
  const store = new LadderStore();
  let ia = -1;
  let ib = -1;
  beforeAll(async () => {
    records = (await recordsOf([tmp.write('xcid.pcap', written.bytes)], { keepMessages: true })).records;
    for (let i = 0; i < records.length; i++) store.add(i, records[i].ladder);
    ia = records.findIndex((r) => r.SIP_CALL_ID === 'a-leg@test');
    ib = records.findIndex((r) => r.SIP_CALL_ID === 'b-leg@test');
  });
  const endpoint = (e: LadderEntry, side: 'src' | 'dst') => `${e[side]}:${e[side === 'src' ? 'sport' : 'dport']}`;

  test('the two legs are tied by X-CID', () => {
    expect(records.length).toBe(3);
    expect(records[ia]).toMatchObject({ callGroup: 'a-leg@test', correlatedBy: ['x-cid'] });
    expect(records[ib]).toMatchObject({ callGroup: 'a-leg@test', correlatedBy: ['x-cid'] });
  });

  test("the store reads both legs' messages as one list, in capture time order, each with its leg", async () => {
    const d = await store.getLegs([ia, ib]);
    expect(d.legs.map((l) => [l.i, l.kept])).toEqual([
      [ia, true],
      [ib, true],
    ]);
    const legMessages = written.messages.filter((m) => m.callId !== 'other@test');
    expect(d.entries.length).toBe(14);
    expect(d.entries.map((e) => [e.label, endpoint(e, 'src'), endpoint(e, 'dst')])).toEqual(
      legMessages.map((m) => [m.label, m.src, m.dst]),
    );
    expect(d.legOf).toEqual(legMessages.map((m) => (m.callId === 'a-leg@test' ? 0 : 1)));
    const frames = d.entries.map((e) => e.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(new TextDecoder().decode(d.entries[2].raw)).toMatch(/^INVITE sip:carol@10\.0\.0\.3 SIP\/2\.0\r\n[\s\S]*X-CID: a-leg@test\r\n/);
  });

  test('messages at the same time keep frame order', async () => {
    const s = new LadderStore();
    const e = (frame: number, t: number, label: string): LadderEntry => ({
      ...base,
      rawAt: -1,
      rawLen: label.length,
      rawHash: 0,
      frame,
      ts: ts(t),
      src: '10.0.0.1',
      sport: 5060,
      dst: '10.0.0.2',
      dport: 5060,
      label,
      isRequest: true,
      raw: new TextEncoder().encode(label),
    });
    s.add(0, [e(1, 0, 'A1'), e(4, 1, 'A4')]);
    s.add(1, [e(2, 0, 'B2'), e(3, 1, 'B3')]);
    const d = await s.getLegs([0, 1]);
    expect(d.entries.map((x) => x.label)).toEqual(['A1', 'B2', 'B3', 'A4']);
    expect(d.legOf).toEqual([0, 1, 1, 0]);
    expect(new TextDecoder().decode(d.entries[2].raw)).toBe('B3');
  });

  test('columns: the caller leftmost, the SBC in the middle, the last callee rightmost; arrows between their own endpoints', async () => {
    const d = await store.getLegs([ia, ib]);
    const m = wholeCallModel(d.entries, d.legOf);
    expect(m.participants.map((p) => p.label)).toEqual(['10.0.0.1:5060', '10.0.0.2:5060', '10.0.0.2:5070', '10.0.0.3:5060']);
    expect(m.participants.map((p) => p.role)).toEqual(['caller', null, null, 'callee']);
    m.arrows.forEach((a, k) => {
      expect(m.participants[a.from].label).toBe(endpoint(d.entries[k], 'src'));
      expect(m.participants[a.to].label).toBe(endpoint(d.entries[k], 'dst'));
      expect(a.index).toBe(k);
    });
    const merged = wholeCallModel(d.entries, d.legOf, { mergeByIp: true });
    expect(merged.participants.map((p) => p.label)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    // one leg's own ladder is unchanged
    const one = ladderModel(d.entries.filter((_, k) => d.legOf[k] === 1));
    expect(one.participants.map((p) => p.label)).toEqual(['10.0.0.2:5070', '10.0.0.3:5060']);
  });

  test('each leg in its colour, with a legend in the SVG download', async () => {
    const d = await store.getLegs([ia, ib]);
    const m = wholeCallModel(d.entries, d.legOf);
    const legs = { of: d.legOf, list: [0, 1].map((k) => ({ label: `${records[[ia, ib][k]].SIP_CALL_ID} · leg 1`, color: legColor(k) })) };
    const L = ladderLayout(m, 'absolute', [], legs);
    const body = ladderPieces(L).body;
    for (let k = 0; k < 14; k++) {
      const g = body.slice(body.indexOf(`data-index="${k}"`), body.indexOf('</g>', body.indexOf(`data-index="${k}"`)));
      expect(g).toContain(`data-leg="${d.legOf[k]}"`);
      expect(g).toContain(`stroke="${legColor(d.legOf[k])}"`);
    }
    const svg = ladderSvg(m, { time: 'absolute', title: ['Call: a-leg@test · 2 legs'], legs });
    expect(svg.match(/data-testid="ladder-legend-leg"/g)?.length).toBe(2);
    expect(svg).toContain(`fill="${legColor(1)}">b-leg@test · leg 1</text>`);
    // without legs, nothing changes
    expect(ladderPieces(ladderLayout(m, 'absolute')).body).not.toContain('data-leg=');
  });
});
