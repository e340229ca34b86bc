// The call tracker fed by hand: SIP messages from sip-messages.ts in, call records out.

import { expect } from 'vitest';
import { CallTracker } from '../../shared/tracker/tracker.ts';
import type { CallRecord } from '../../shared/record.ts';
import type { MediaHooks, TrackerOptions } from '../../shared/tracker/api.ts';
import type { SipMessage } from '../../shared/events.ts';
import { Scenario, alice, bob } from './sip-messages.ts';

/** A tracker whose records are collected in `recs`; `feed` gives it messages in order. */
export function tracker(opts: Partial<TrackerOptions> = {}, media?: MediaHooks) {
  const recs: CallRecord[] = [];
  const tr = new CallTracker(opts, (r) => recs.push(r), media);
  const feed = (...ms: SipMessage[]) => {
    for (const m of ms) tr.onMessage(m);
  };
  return { tr, recs, feed };
}

/** A realistic call through the tracker, INVITE/100/180/200/ACK/BYE/200 from capture time t0. */
export function trackedCall(t0: number, callId = 'a84b4c76e66710@pc33.example.com'): CallRecord {
  const { tr, recs, feed } = tracker();
  const s = new Scenario(callId, alice, bob);
  const offer = { ip: '10.0.0.1', media: [{ port: 4000, pts: [0, 8, 101], rtpmap: { 101: 'telephone-event/8000' } }] };
  const answer = { ip: '10.0.0.2', media: [{ port: 5000, pts: [8] }] };
  feed(
    s.req('INVITE', t0 + 0.1, { sdp: offer }),
    s.res(100, t0 + 0.2),
    s.res(180, t0 + 1),
    s.res(200, t0 + 3, { sdp: answer }),
    s.req('ACK', t0 + 3.1),
    s.req('BYE', t0 + 10, { reasons: ['Q.850;cause=16'] }),
    s.res(200, t0 + 10.1, { method: 'BYE' }),
  );
  tr.finish();
  expect(recs).toHaveLength(1);
  return recs[0];
}
