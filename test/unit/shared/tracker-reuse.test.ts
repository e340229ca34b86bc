// The tracker uses the objects of exported dialogs again for new calls (tracker.ts spare): a
// reused dialog starts as a new one does, and no record depends on whether its dialog object had
// been used before.

import { describe, expect, it } from 'vitest';
import type { SipMessage } from '../../../shared/events.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { Dialog } from '../../../shared/tracker/dialog.ts';
import { prng } from '../../support/capture-writer.ts';
import { type Endpoint, Scenario, alice, bob } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;

describe('a dialog object used again', () => {
  it('is reset to what the constructor makes, every field', () => {
    const m = new Scenario('new@x', alice, bob).req('INVITE', T0);
    const old = new Scenario('old@x', bob, alice).req('REGISTER', T0 - 100);
    const fresh = new Dialog('new@x', 'call', 'INVITE', T0, m.ts);
    const used = new Dialog('old@x', 'dialog', 'REGISTER', T0 - 100, old.ts);
    const stale = { stale: true };
    const fields = used as unknown as Record<string, unknown>;
    // what it keeps: its own time objects, which reset() writes
    const clock = used.clock;
    for (const k of Object.keys(used)) if (k !== 'clock') fields[k] = stale;
    used.reset('new@x', 'call', 'INVITE', T0, m.ts);
    for (const k of Object.keys(used)) expect(fields[k], k).not.toBe(stale);
    expect(used.clock).toBe(clock);
    // same fields in the same order (one object shape for new and reused dialogs)
    expect(Object.keys(used)).toEqual(Object.keys(fresh));
    expect(used).toEqual(fresh);
  });

  it('gives every call the record it has on a tracker of its own', () => {
    // calls of many shapes, several open at a time: each ended call's dialog is taken by a later one
    const rand = prng(7);
    const flows: SipMessage[][] = [];
    for (let i = 0; i < 300; i++) flows.push(callFlow(i, rand, T0 + i * 0.5));
    // interleaved: call i's messages spread over the next few calls' time
    const all = flows.flat().sort((a, b) => a.ts.sec - b.ts.sec || a.ts.nsec - b.ts.nsec);
    const shared = tracker({ maxCalls: 16 });
    const end = T0 + 1000; // past every call's 32 s window: each ends as it would in a longer capture
    shared.feed(...all);
    shared.tr.advance(end);
    shared.tr.finish();
    expect(shared.tr.stats().evicted).toBeGreaterThan(0);
    // the dialogs kept for reuse have no field the constructor does not set (a field set only
    // later would keep its last call's value into the next)
    const spare = (shared.tr as unknown as { spare: Dialog[] }).spare;
    expect(spare.length).toBeGreaterThan(0);
    const fields = Object.keys(new Dialog('x', 'call', 'INVITE', T0, flows[0][0].ts));
    for (const d of spare) expect(Object.keys(d)).toEqual(fields);

    const alone = new Map<string, CallRecord>();
    for (const f of flows) {
      const own = tracker({ maxCalls: 16 });
      own.feed(...f);
      own.tr.advance(end);
      own.tr.finish();
      expect(own.recs).toHaveLength(1);
      alone.set(own.recs[0].SIP_CALL_ID, own.recs[0]);
    }
    expect(shared.recs).toHaveLength(flows.length);
    let compared = 0;
    for (const r of shared.recs) {
      // eviction ends a call early, and the order of creation names its group's place
      if (r.exportCause === 'evicted') continue;
      const a = alone.get(r.SIP_CALL_ID) as CallRecord;
      expect(comparable(r), r.SIP_CALL_ID).toEqual(comparable(a));
      compared++;
    }
    expect(compared).toBeGreaterThan(120);
  });
});

/** A record without what depends on the other calls of the run. */
function comparable(r: CallRecord): Record<string, unknown> {
  const { groupSeq: _seq, ...rest } = r;
  return rest;
}

/** Call i: its own parties, codecs (1 to 10 of them), user agents, hold, causes and outcome. */
function callFlow(i: number, rand: () => number, t: number): SipMessage[] {
  const caller: Endpoint = { ...alice, tag: `c${i}`, name: `Caller ${i}`, ua: rand() < 0.5 ? `Phone/${i}` : null };
  const callee: Endpoint = { ...bob, tag: `e${i}`, uri: `sip:user${i}@example.org`, ua: null, server: rand() < 0.5 ? `PBX ${i}` : null };
  const s = new Scenario(`call-${i}@test`, caller, callee);
  const pts = Array.from({ length: 1 + Math.floor(rand() * 10) }, (_, k) => 96 + k);
  const rtpmap = Object.fromEntries(pts.map((p) => [p, `codec${i % 7}x${p}/8000`]));
  const offer = { ip: `10.1.${i % 250}.1`, media: [{ port: 4000 + 2 * i, pts, rtpmap }] };
  const answer = { ip: `10.2.${i % 250}.2`, media: [{ port: 6000 + 2 * i, pts: [pts[0]], rtpmap }] };
  const out: SipMessage[] = [s.req('INVITE', t, { sdp: offer, xCallId: i % 5 === 0 ? `other-${i}` : undefined }), s.res(100, t + 0.01)];
  const outcome = i % 4;
  if (outcome === 0) {
    out.push(s.res(486, t + 0.5, { reasons: [`Q.850;cause=${17 + (i % 3)}`] }), s.req('ACK', t + 0.51));
  } else if (outcome === 1) {
    out.push(s.res(180, t + 0.2), s.req('CANCEL', t + 1), s.res(200, t + 1.01, { method: 'CANCEL' }), s.res(487, t + 1.02));
  } else {
    out.push(s.res(180, t + 0.2), s.res(200, t + 1, { sdp: answer }), s.req('ACK', t + 1.01));
    if (outcome === 3) out.push(s.req('INVITE', t + 1.5, { sdp: { ...offer, media: [{ ...offer.media[0], pts: [pts[0]] }] } }));
    out.push(s.req('BYE', t + 2, { reasons: i % 3 === 0 ? ['Q.850;cause=16'] : undefined }), s.res(200, t + 2.01, { method: 'BYE' }));
  }
  return out;
}
