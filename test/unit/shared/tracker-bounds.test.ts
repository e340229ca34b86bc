// Every table of the tracker has a limit that holds on a long SIP-heavy stream, and each limit
// is counted when hit: open calls (evicted), exported calls kept for their late messages
// (tombsDropped), counted-only Call-IDs, retransmission signatures (those of open calls, of their
// last 32 s) and the correlation maps (they follow the open legs).
// Not a timing test: it counts entries.

import { describe, expect, it } from 'vitest';
import { MAX_KEYS_PER_LEG } from '../../../shared/tracker/correlation.ts';
import { type Endpoint, Scenario, alice, bob } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;
const MAX = 1000;

describe('a long SIP-only stream', () => {
  it(`keeps every table within its limit (${MAX} open calls), counting what it lets go`, () => {
    const { tr, recs, feed } = tracker({ maxCalls: MAX });
    const N = 12_000;
    const maxTables: Record<string, number> = {};
    const grow = () => {
      const t = tr.tables();
      for (const [k, v] of Object.entries(t)) maxTables[k] = Math.max(maxTables[k] ?? 0, v);
    };
    for (let i = 0; i < N; i++) {
      // 2 000 calls a second of capture time, all within the 32 s a tomb lives
      const t = T0 + i / 2000;
      const caller: Endpoint = { ...alice, tag: `a${i}` };
      if (i % 3 === 0) {
        // answered and hung up: exported at once, remembered for its late messages
        const s = new Scenario(`done-${i}`, caller, bob);
        const sdp = { origin: `- ${i} 1 IN IP4 10.0.0.1`, ip: '10.0.0.1', media: [{ port: 4000, pts: [0] }] };
        feed(
          s.req('INVITE', t, { sdp, sessionId: `${i.toString(16).padStart(32, 'a')};remote=${'0'.repeat(32)}` }),
          s.res(200, t + 0.0001),
          s.req('ACK', t + 0.0002),
          s.req('BYE', t + 0.0003),
          s.res(200, t + 0.0004, { method: 'BYE' }),
        );
      } else if (i % 3 === 1) {
        // never answered: stays open until evicted; names a Call-ID nobody has and carries keys
        const s = new Scenario(`open-${i}`, caller, bob);
        feed(
          s.req('INVITE', t, {
            xCallId: `nobody-${i}`,
            chargingVector: `icid-value=${i}`,
            sdp: { origin: `- ${i} 1 IN IP4 10.0.0.2`, ip: '10.0.0.2', media: [{ port: 4002, pts: [8] }] },
          }),
        );
      } else {
        // REGISTER noise: counted per Call-ID, no record
        const s = new Scenario(`reg-${i}`, caller, bob);
        feed(s.req('REGISTER', t), s.res(200, t + 0.0001, { method: 'REGISTER' }));
      }
      if (i % 97 === 0) grow();
    }
    grow();
    const st = tr.stats();
    const neverAnswered = Math.floor((N + 1) / 3);
    // open calls: at most MAX; the others were exported early and counted
    expect(maxTables.open).toBeLessThanOrEqual(MAX);
    expect(st.evicted).toBe(neverAnswered - st.open);
    expect(st.open).toBeLessThanOrEqual(MAX);
    // exported calls: as many remembered as calls can be open (at least 1024); the rest counted
    expect(maxTables.tombs).toBeLessThanOrEqual(Math.max(1024, MAX));
    expect(st.tombsDropped).toBeGreaterThan(0);
    // (every export leaves a tomb, none expired within these 6 s of capture time)
    expect(st.tombsDropped).toBe(st.exported - tr.tables().tombs);
    // counted-only Call-IDs: an LRU of MAX
    expect(maxTables.counted).toBeLessThanOrEqual(MAX);
    // retransmission signatures: those of open calls only (an unanswered call has its INVITE's)
    expect(maxTables.signatures).toBeLessThanOrEqual(MAX);
    expect(maxTables.signatures).toBeGreaterThan(0);
    // correlation: keys go with their legs
    expect(maxTables.origins).toBeLessThanOrEqual(2 * MAX);
    expect(maxTables.headerKeys).toBeLessThanOrEqual(MAX_KEYS_PER_LEG * MAX);
    expect(maxTables.xcidWaits).toBeLessThanOrEqual(MAX);
    tr.finish();
    expect(recs.length).toBe(st.calls);
    expect(tr.tables()).toMatchObject({ open: 0, signatures: 0, origins: 0, headerKeys: 0, xcidWaits: 0 });
  });
});

describe('a long call with many transactions', () => {
  it('keeps only the retransmission signatures of the last 32 s, and still tells retransmissions', () => {
    const { tr, recs, feed } = tracker({});
    const s = new Scenario('long-call', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 0.1), s.req('ACK', T0 + 0.2));
    let most = 0;
    // an OPTIONS and its 200 every second for 200 s: 400 signatures made in all
    for (let i = 1; i <= 200; i++) {
      feed(s.req('OPTIONS', T0 + i), s.res(200, T0 + i + 0.01, { method: 'OPTIONS' }));
      most = Math.max(most, tr.tables().signatures);
    }
    // the last OPTIONS again, 0.5 s later: a retransmission of a signature kept
    const last = s.req('OPTIONS', T0 + 200.5, { cseq: s.req('OPTIONS', T0 + 200.5).cseq - 1 });
    feed(last);
    feed(s.req('BYE', T0 + 201), s.res(200, T0 + 201.01, { method: 'BYE' }));
    // 32 s of two signatures a second, the stale ones let go in batches of more than 8
    expect(most).toBeGreaterThanOrEqual(64);
    expect(most).toBeLessThanOrEqual(64 + 3 + 10);
    tr.finish();
    expect(recs).toHaveLength(1);
    expect(recs[0].retransmissions).toBe(1);
    expect(tr.tables().signatures).toBe(0);
  });
});
