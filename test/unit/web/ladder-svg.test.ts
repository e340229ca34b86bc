// web/views/ladder-svg.ts: the one layout the page's ladder pieces and the SVG download are
// drawn from (column widths, captions and SDP lines cut to their arrow, row heights), and the RTP
// streams drawn as bands on it (web/views/ladder-rtp.ts: columns, lanes, labels, end marks).

import { describe, expect, test } from 'vitest';
import { ladderModel, shortSdp, type LadderMessage } from '../../../shared/output/ladder.ts';
import { bandSpan, columnX, ladderLayout, ladderPieces, ladderSvg } from '../../../web/views/ladder-svg.ts';
import type { LadderBand } from '../../../web/views/ladder-rtp.ts';
import { callMedia, streamMarks, type StreamJson } from '../../../web/call-media.ts';
import { base, ts, viaProxy } from '../../support/ladder-messages.ts';

describe('SVG ladder layout (web/views/ladder-svg.ts)', () => {
  const longSdp = `audio 10.0.0.1:4000 RTP/AVP ${Array.from({ length: 30 }, (_, k) => `codec${k}`).join(',')}`;
  const messages: LadderMessage[] = [
    ...viaProxy,
    {
      ...base,
      frame: 9,
      ts: ts(2),
      src: '10.0.0.1',
      sport: 5060,
      dst: '10.0.0.2',
      dport: 5060,
      label: 'INVITE',
      isRequest: true,
      sdp: longSdp,
    },
    {
      ...base,
      frame: 10,
      ts: ts(2),
      src: '10.0.0.2',
      sport: 5060,
      dst: '10.0.0.1',
      dport: 5060,
      label: `499 ${'Very '.repeat(20)}Long Reason`,
      isRequest: false,
      fromCaller: false,
    },
  ];
  const model = ladderModel(messages);
  const L = ladderLayout(model, 'absolute');

  test('columns fit the endpoints and captions within a bound; longer text is cut to the arrow, whole in its tooltip', () => {
    expect(L.colW).toBeGreaterThanOrEqual(170);
    expect(L.colW).toBeLessThanOrEqual(270);
    const k = 4; // the INVITE with the long SDP, between adjacent columns
    const room = Math.abs(columnX(L, 1) - columnX(L, 0));
    expect(L.sdps[k].endsWith('…')).toBe(true);
    expect(L.sdps[k].length * 6.5).toBeLessThanOrEqual(room);
    expect(L.captions[5].endsWith('…')).toBe(true);
    expect(L.captions[5].length * 7.5).toBeLessThanOrEqual(room);
    const svg = ladderSvg(model, { time: 'absolute' });
    expect(svg).toContain(`<title>INVITE (SDP)\n${shortSdp(longSdp)}\nframe 9 `);
    expect(svg).toContain(`>${L.sdps[k]}</text>`);
    // the short SDP line of the 200 is drawn whole
    expect(svg).toContain(`>${L.fullSdps[3]}</text>`);
  });

  test("rows with an SDP line are taller; the download is the page's pieces in one document", () => {
    expect(L.rows.map((r) => r.h)).toEqual([30, 30, 30, 42, 42, 30]);
    expect(L.rows[1].top).toBe(L.rows[0].top + L.rows[0].h);
    const p = ladderPieces(L);
    const svg = ladderSvg(model, { time: 'absolute', title: ['Call-ID: x'], footer: ['end'] });
    for (const piece of [p.corner, p.head, p.gutter, p.body]) expect(svg).toContain(piece);
    expect(svg.match(/<svg /g)?.length).toBe(1);
    expect(svg.match(/data-testid="ladder-arrow"/g)?.length).toBe(messages.length);
    expect(svg.match(/data-testid="ladder-participant"/g)?.length).toBe(3);
  });
});

describe('RTP streams on the ladder (web/views/ladder-rtp.ts)', () => {
  const T = 1767261600;
  const messages: LadderMessage[] = [
    ...viaProxy,
    { ...base, frame: 5, ts: ts(10), src: '10.0.0.1', sport: 5060, dst: '10.0.0.2', dport: 5060, label: 'BYE', isRequest: true, cseq: 2 },
    {
      ...base,
      frame: 6,
      ts: ts(10, 1e8),
      src: '10.0.0.2',
      sport: 5060,
      dst: '10.0.0.1',
      dport: 5060,
      label: '200 OK',
      isRequest: false,
      cseq: 2,
      cseqMethod: 'BYE',
      fromCaller: false,
    },
  ];
  const stream = (v: Partial<StreamJson>): StreamJson => ({
    src: '10.0.0.1:4000',
    dst: '10.0.0.2:4000',
    ssrc: '0x00001000',
    direction: 'caller-to-callee',
    payloadType: 0,
    codec: 'PCMU',
    clockRate: 8000,
    start: T + 1.2,
    end: T + 9.98,
    packets: 440,
    bytes: 440 * 172,
    expected: 440,
    lost: 0,
    lostPct: 0,
    duplicates: 0,
    outOfOrder: 0,
    maxDeltaMs: 20.1,
    jitterMs: 0.1,
    meanJitterMs: 0.1,
    maxJitterMs: 0.2,
    rFactor: 93.2,
    mos: 4.41,
    dtmf: '',
    rtcp: null,
    ...v,
  });
  // the record as JSON: answered, BYE at +10 s; the callee's stream stops at +5 s, a NATed one pauses
  const json = JSON.stringify({
    SIP_INVITE_OK_TIME: T + 1,
    SIP_BYE_TIME: T + 10,
    flow: { end: T + 10.1 },
    media: [
      stream({}),
      stream({
        src: '10.0.0.2:4000',
        dst: '10.0.0.1:4000',
        ssrc: '0x00002000',
        direction: 'callee-to-caller',
        start: T + 1.21,
        end: T + 5,
      }),
      stream({ src: '203.0.113.9:5000', ssrc: '0x00003000', start: T + 6, end: T + 9.9, packets: 71, maxDeltaMs: 2500 }),
    ],
    verdicts: ['rtp-stopped', 'rtp-gap', 'nat'],
  });
  const call = callMedia(json);
  const bands: LadderBand[] = call.media.map((s) => ({ stream: s, marks: streamMarks(s, call) }));
  const model = ladderModel(messages);

  test('marks: stopped before the call ended, a gap of 2 s or more', () => {
    expect(bands.map((b) => b.marks)).toEqual([
      { end: null, gapMs: null },
      { end: 'stopped', gapMs: null },
      { end: null, gapMs: 2500 },
    ]);
  });

  test("a band between its endpoints' columns, a NATed sender at its side's column, lanes for streams at the same time", () => {
    const L = ladderLayout(model, 'absolute', bands);
    expect(L.bands.map((b) => [b.place.from, b.place.to, b.place.lane, b.place.lanes])).toEqual([
      [0, 1, 0, 2],
      [1, 0, 1, 2],
      [0, 1, 1, 2], // after the second ended: its lane again
    ]);
    expect(L.bands[2].place.moved).toEqual(['203.0.113.9:5000']);
    expect(L.bands.map((b) => b.fullLabel)).toEqual(['PCMU · 440 pkts', 'PCMU · 440 pkts', 'PCMU · 71 pkts · 203.0.113.9:5000']);
    expect(L.bands.map((b) => b.mark)).toEqual(['', 'stopped', 'gap 2.5 s']);
    // lanes side by side between the two lifelines
    const [a0, a1] = bandSpan(L, L.bands[0]);
    const [b0, b1] = bandSpan(L, L.bands[1]);
    expect(a0).toBeGreaterThan(columnX(L, 0));
    expect(a1).toBeLessThanOrEqual(b0);
    expect(b1).toBeLessThan(columnX(L, 1));
  });

  test("starts and ends take rows among the messages by time; the messages' rows keep their order", () => {
    const L = ladderLayout(model, 'relative', bands);
    const plain = ladderLayout(model, 'relative');
    expect(plain.mediaRows).toEqual([]);
    expect(L.mediaRows.map((r) => [r.band, r.end])).toEqual([
      [0, false],
      [1, false],
      [1, true],
      [2, false],
      [2, true],
      [0, true],
    ]);
    expect(L.mediaRows.map((r) => r.time)).toEqual(['+1.200000', '+1.210000', '+5.000000', '+6.000000', '+9.900000', '+9.980000']);
    // six media rows between the 200 OK (+1 s) and the BYE (+10 s); the two bands whose end
    // follows their start at once get 18 px more, so they still show as bands
    expect(L.rows[3].top).toBe(plain.rows[3].top);
    expect(L.rows[4].top - plain.rows[4].top).toBe(6 * 26 + 2 * 18);
    expect(L.mediaRows[0].top).toBe(L.rows[3].top + L.rows[3].h);
    expect(L.mediaRows.map((r, k) => (k ? r.top - L.mediaRows[k - 1].top : 0))).toEqual([0, 26, 26 + 18, 26, 26 + 18, 26]);
    expect(L.bodyH - plain.bodyH).toBe(6 * 26 + 2 * 18);
    expect(L.bands[0].startTop).toBe(L.mediaRows[0].top);
    expect(L.bands[0].endTop).toBe(L.mediaRows[5].top);
    expect(ladderLayout(model, 'absolute', bands).mediaRows[0].time).toBe('10:00:01.200000');
  });

  test('drawn under the arrows, with labels, marks and tooltips; in the download too', () => {
    const L = ladderLayout(model, 'absolute', bands);
    const body = ladderPieces(L).body;
    expect(body.match(/data-testid="ladder-rtp"/g)?.length).toBe(3);
    expect(body.match(/data-testid="ladder-rtp-mark"/g)?.length).toBe(2);
    expect(body.indexOf('data-testid="ladder-rtp"')).toBeLessThan(body.indexOf('data-testid="ladder-arrow"'));
    expect(body).toContain('data-mark="stopped"');
    expect(body).toContain('data-mark="gap 2.5 s"');
    expect(body).toContain('>PCMU · 440 pkts</text>');
    expect(body).toContain('\n203.0.113.9:5000: not a signalling address, drawn at the column of its side\n');
    const svg = ladderSvg(model, { time: 'absolute', bands });
    expect(svg.match(/data-testid="ladder-rtp"/g)?.length).toBe(3);
    expect(ladderSvg(model, { time: 'absolute' })).not.toContain('ladder-rtp');
  });

  test('one column per IP: the streams join the address columns', () => {
    const merged = ladderModel(messages, { mergeByIp: true });
    const L = ladderLayout(merged, 'absolute', bands);
    expect(merged.participants.map((p) => p.key)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(L.bands.map((b) => [b.place.from, b.place.to])).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
  });
});
