// Legs (SPEC §9): a record per leg, named by Call-ID + the From-tag of its first initial INVITE.
// A B2BUA that keeps the Call-ID with its own From-tag makes a second leg with its own parties,
// addresses and outcome; a phone that changes its From-tag when it retries with credentials stays
// on its leg; an unrelated call stays alone.

import { describe, expect, it } from 'vitest';
import { jsonLine } from '../../../shared/output/format.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { type Endpoint, Scenario, alice, bob } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;
/** The B2BUA's outgoing side: its own address and From-tag, the same Call-ID. */
const sbc: Endpoint = { ip: '10.0.0.9', port: 5060, uri: 'sip:sbc@example.org', name: 'SBC', tag: 'sbc-7', ua: 'SBC/3' };
const carol: Endpoint = { ip: '10.0.0.3', port: 5060, uri: 'sip:carol@example.net', name: 'Carol', tag: 'c1', ua: 'PhoneC/1' };

function byLeg(recs: CallRecord[]): CallRecord[] {
  return [...recs].sort((a, b) => a.leg - b.leg);
}

describe('legs of one Call-ID', () => {
  it('a B2BUA keeping the Call-ID with its own From-tag: two records, each with its own parties, flow and outcome', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('same-id', alice, sbc);
    const b = new Scenario('same-id', sbc, carol);
    feed(
      a.req('INVITE', T0),
      a.res(100, T0 + 0.01),
      b.req('INVITE', T0 + 0.05),
      b.res(180, T0 + 0.5),
      a.res(180, T0 + 0.51),
      b.res(486, T0 + 2),
      b.req('ACK', T0 + 2.01, { toTag: carol.tag }),
      a.res(486, T0 + 2.02),
      a.req('ACK', T0 + 2.03, { toTag: sbc.tag }),
    );
    tr.finish();
    const [one, two] = byLeg(recs);
    expect(recs).toHaveLength(2);
    expect(one).toMatchObject({ leg: 1, fromTag: 'a1', SIP_CALL_ID: 'same-id', SIP_RESPONSE_CODE: 486, SIP_CALL_STATE: 'CALL_ERROR' });
    expect(one.SIP_CALLING_PARTY).toContain('alice');
    expect(one.SIP_CALLED_PARTY).toContain('sbc');
    expect([one.flow.src, one.flow.dst]).toEqual([alice.ip, sbc.ip]);
    expect(one.messages).toBe(5);
    expect(two).toMatchObject({ leg: 2, fromTag: 'sbc-7', SIP_RESPONSE_CODE: 486, SIP_CALL_STATE: 'CALL_ERROR' });
    expect(two.SIP_CALLING_PARTY).toContain('sbc');
    expect(two.SIP_CALLED_PARTY).toContain('carol');
    expect([two.flow.src, two.flow.dst]).toEqual([sbc.ip, carol.ip]);
    expect(two.messages).toBe(4);
    expect(two.SIP_UAC).toBe('SBC/3');
    const json = JSON.parse(jsonLine(two));
    expect([json.leg, json.fromTag]).toEqual([2, 'sbc-7']);
  });

  it("the callee's requests carry the leg's tag as To-tag: a BYE from the far end ends its own leg only", () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('bye', alice, sbc);
    const b = new Scenario('bye', sbc, carol);
    feed(
      a.req('INVITE', T0),
      b.req('INVITE', T0 + 0.05),
      b.res(200, T0 + 1),
      b.req('ACK', T0 + 1.01),
      a.res(200, T0 + 1.02),
      a.req('ACK', T0 + 1.03),
      b.req('BYE', T0 + 10, { by: 'callee' }),
      b.res(200, T0 + 10.01, { to: 'callee', method: 'BYE' }),
    );
    expect(recs.map((r) => [r.leg, r.SIP_CALL_STATE])).toEqual([[2, 'CALL_COMPLETED']]);
    tr.finish();
    expect(byLeg(recs).map((r) => [r.leg, r.SIP_CALL_STATE, r.exportCause])).toEqual([
      [1, 'CALL_IN_PROGRESS', 'end'],
      [2, 'CALL_COMPLETED', 'bye'],
    ]);
  });

  it('an auth retry under a new From-tag stays one leg; a B2BUA INVITE with a new tag after the retry is a second', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('auth-tag', alice, sbc);
    const retried = { ...alice, tag: 'a2' };
    const a2 = new Scenario('auth-tag', retried, sbc);
    const b = new Scenario('auth-tag', sbc, carol);
    feed(
      a.req('INVITE', T0),
      a.res(407, T0 + 0.02, { toTag: 'px' }),
      a.req('ACK', T0 + 0.03, { toTag: 'px' }),
      // the phone retries with credentials and a fresh From-tag
      a2.req('INVITE', T0 + 0.2, { cseq: 2, extra: ['Proxy-Authorization: Digest x'] }),
      a2.res(100, T0 + 0.21),
      // the B2BUA's own INVITE: a new tag after the leg was retried
      b.req('INVITE', T0 + 0.3),
      b.res(200, T0 + 2),
      b.req('ACK', T0 + 2.01),
      a2.res(200, T0 + 2.02),
      a2.req('ACK', T0 + 2.03),
    );
    tr.finish();
    const [one, two] = byLeg(recs);
    expect(recs).toHaveLength(2);
    expect(one).toMatchObject({ leg: 1, fromTag: 'a1', SIP_RESPONSE_CODE: 200, SIP_CALL_STATE: 'CALL_IN_PROGRESS' });
    expect(one.SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(one.messages).toBe(7);
    expect(two).toMatchObject({ leg: 2, fromTag: 'sbc-7', SIP_RESPONSE_CODE: 200 });
    expect(two.messages).toBe(3);
  });

  it('a new From-tag long after a challenge (32 s and more) is a new leg; without a challenge it always is', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('late-retry', alice, sbc);
    const again = new Scenario('late-retry', { ...alice, tag: 'a9' }, sbc);
    feed(a.req('INVITE', T0), a.res(401, T0 + 0.02, { toTag: 'px' }), again.req('INVITE', T0 + 40));
    tr.finish();
    expect(byLeg(recs).map((r) => [r.leg, r.fromTag, r.SIP_RESPONSE_CODE])).toEqual([
      [1, 'a1', 401],
      [2, 'a9', 0],
    ]);
  });

  it('an unrelated call stays alone: leg 1, its own From-tag', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('other', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 1), s.req('ACK', T0 + 1.1), s.req('BYE', T0 + 5), s.res(200, T0 + 5.1, { method: 'BYE' }));
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.leg, r.fromTag, r.SIP_CALL_STATE])).toEqual([['other', 1, 'a1', 'CALL_COMPLETED']]);
  });

  it('late messages of an exported leg are absorbed while another leg of the Call-ID is still open', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('late', alice, sbc);
    const b = new Scenario('late', sbc, carol);
    feed(
      a.req('INVITE', T0),
      b.req('INVITE', T0 + 0.05),
      b.res(200, T0 + 1),
      b.req('ACK', T0 + 1.01),
      a.res(200, T0 + 1.02),
      a.req('ACK', T0 + 1.03),
      a.req('BYE', T0 + 10),
      a.res(200, T0 + 10.01, { method: 'BYE' }),
      // leg 1 is exported; its 200 (BYE) comes again, and leg 2 is still up
      a.res(200, T0 + 10.5, { method: 'BYE' }),
    );
    expect(recs.map((r) => r.leg)).toEqual([1]);
    expect(tr.stats().lateMessages).toBe(1);
    tr.finish();
    const two = recs.find((r) => r.leg === 2) as CallRecord;
    expect(two.messages).toBe(3);
  });
});
