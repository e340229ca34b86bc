// Correlation (SPEC §9): the legs of one end-to-end call share callGroup (the Call-ID of the
// earliest leg) and say why in correlatedBy: same Call-ID, X-CID family, RFC 7989 Session-ID,
// P-Charging-Vector icid-value, SDP o= passed through. Unrelated calls stay alone; keys go
// with their legs; groups and keys are bounded.

import { describe, expect, it } from 'vitest';
import { icidValue, MAX_GROUP_LEGS, MAX_KEYS_PER_LEG, originHash, originKey, sessionUuids } from '../../../shared/tracker/correlation.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { type Endpoint, Scenario, type SdpDesc, alice, bob } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;
const sbcIn: Endpoint = { ip: '10.0.0.9', port: 5060, uri: 'sip:sbc@example.org', name: 'SBC', tag: 'sbc-in' };
const sbcOut: Endpoint = { ip: '10.0.1.9', port: 5070, uri: 'sip:sbc@example.org', name: 'SBC', tag: 'sbc-out' };
const carol: Endpoint = { ip: '10.0.0.3', port: 5060, uri: 'sip:carol@example.net', name: 'Carol', tag: 'c1' };
const dave: Endpoint = { ip: '10.0.0.4', port: 5060, uri: 'sip:dave@example.net', name: 'Dave', tag: 'd1' };

type Extra = { xCallId?: string; sessionId?: string; chargingVector?: string; sdp?: SdpDesc };

/** One answered and hung-up call (INVITE/100/200/ACK/BYE/200) from t, headers on every message
 *  of the caller (`req`) and of the callee (`res`). */
function call(s: Scenario, t: number, req: Extra = {}, res: Extra = {}) {
  const { sdp: offer, ...rh } = req;
  const { sdp: answer, ...sh } = res;
  return [
    s.req('INVITE', t, { ...rh, sdp: offer }),
    s.res(100, t + 0.01, sh),
    s.res(200, t + 0.5, { ...sh, sdp: answer }),
    s.req('ACK', t + 0.51, rh),
    s.req('BYE', t + 5, rh),
    s.res(200, t + 5.01, { ...sh, method: 'BYE' }),
  ];
}

/** Messages of several calls in time order. */
function merged(...calls: ReturnType<typeof call>[]) {
  return calls.flat().sort((a, b) => a.ts.sec - b.ts.sec || a.ts.nsec - b.ts.nsec);
}

function run(...calls: ReturnType<typeof call>[]): Map<string, CallRecord> {
  const { tr, recs, feed } = tracker();
  feed(...merged(...calls));
  tr.finish();
  return new Map(recs.map((r) => [`${r.SIP_CALL_ID}#${r.leg}`, r]));
}

const groupOf = (r: CallRecord | undefined) => [r?.callGroup, r?.correlatedBy];

describe('correlation keys', () => {
  it('reads RFC 7989 and RFC 7329 Session-IDs, leaving the null UUID out', () => {
    const a = 'ab30317f1a784dc48ff824d0d3715d86';
    const b = '47755a9de7794ba387653f2099600ef2';
    expect(sessionUuids(`${a};remote=${b}`)).toEqual([a, b]);
    expect(sessionUuids(`${a.toUpperCase()} ; Remote = ${'0'.repeat(32)}`)).toEqual([a]);
    expect(sessionUuids(a)).toEqual([a]);
    expect(sessionUuids('not-a-uuid;remote=xyz')).toEqual([]);
    expect(sessionUuids(`${'0'.repeat(32)};remote=${b}`)).toEqual([b]);
  });

  it('reads the SDP o= key as session id and address, whatever the username, version or spacing', () => {
    const a = 'alice 3720427384 1 IN IP4 10.0.0.1';
    expect(originKey(a)).toBe('3720427384 10.0.0.1');
    expect(originKey('sbc\t3720427384  7 IN IP4 10.0.0.1')).toBe('3720427384 10.0.0.1');
    expect(originKey('- 1 1 IN IP4')).toBeNull();
    const h = originHash(a);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(2 ** 30);
    expect(originHash('sbc\t3720427384  7 IN IP4 10.0.0.1')).toBe(h);
    expect(originHash('bob 3720427384 99 IN IP4 10.0.0.1')).toBe(h);
    expect(originHash('alice 3720427385 1 IN IP4 10.0.0.1')).not.toBe(h);
    expect(originHash('alice 3720427384 1 IN IP4 10.0.0.2')).not.toBe(h);
    expect(originHash('- 1 1 IN IP4')).toBe(-1);
  });

  it('reads icid-value as a token or a quoted string', () => {
    expect(icidValue('icid-value=1234bc9876e;icid-generated-at=192.0.6.8;orig-ioi=home1.net')).toBe('1234bc9876e');
    expect(icidValue('orig-ioi=x; icid-value = "AyretyU0dm+6O2IrT5tAFrbHLso=023551024"')).toBe('AyretyU0dm+6O2IrT5tAFrbHLso=023551024');
    expect(icidValue('orig-ioi=x')).toBe('');
  });
});

describe('legs tied together', () => {
  it('same Call-ID: a B2BUA keeping it ties its leg to the caller\'s ("call-id")', () => {
    const recs = run(call(new Scenario('same', alice, sbcIn), T0), call(new Scenario('same', sbcOut, carol), T0 + 0.05));
    expect(groupOf(recs.get('same#1'))).toEqual(['same', ['call-id']]);
    expect(groupOf(recs.get('same#2'))).toEqual(['same', ['call-id']]);
  });

  it('a new Call-ID naming the first in an X-CID header ("x-cid"), the first leg failing', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('leg-a', alice, sbcIn);
    const b = new Scenario('leg-b', sbcOut, carol);
    feed(
      a.req('INVITE', T0),
      b.req('INVITE', T0 + 0.05, { xCallId: 'leg-a' }),
      b.res(486, T0 + 0.4),
      b.req('ACK', T0 + 0.41),
      a.res(486, T0 + 0.42),
      a.req('ACK', T0 + 0.43),
    );
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.callGroup, r.correlatedBy, r.SIP_CALL_STATE])).toEqual([
      ['leg-a', 'leg-a', ['x-cid'], 'CALL_ERROR'],
      ['leg-b', 'leg-a', ['x-cid'], 'CALL_ERROR'],
    ]);
  });

  it('X-CID naming a Call-ID seen only later (captures merged out of order) still ties', () => {
    const recs = run(
      call(new Scenario('late-a', alice, sbcIn), T0 + 0.1),
      call(new Scenario('early-b', sbcOut, carol), T0, { xCallId: 'late-a' }),
    );
    // the group is named after its earliest leg: here the one that named the other
    expect(groupOf(recs.get('late-a#1'))).toEqual(['early-b', ['x-cid']]);
    expect(groupOf(recs.get('early-b#1'))).toEqual(['early-b', ['x-cid']]);
  });

  it('Session-ID with local and remote swapped on the other leg ("session-id")', () => {
    const u1 = 'ab30317f1a784dc48ff824d0d3715d86';
    const u2 = '47755a9de7794ba387653f2099600ef2';
    const zero = '0'.repeat(32);
    const { tr, recs, feed } = tracker();
    const a = new Scenario('s-a', alice, sbcIn);
    const b = new Scenario('s-b', sbcOut, carol);
    feed(
      // only the callee's answer on leg B and the caller's ACK on leg A carry both UUIDs
      a.req('INVITE', T0, { sessionId: `${u1};remote=${zero}` }),
      b.req('INVITE', T0 + 0.05, { sessionId: `${u2};remote=${zero}` }),
      b.res(200, T0 + 1, { sessionId: `${u1};remote=${u2}` }),
    );
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.callGroup, r.correlatedBy])).toEqual([
      ['s-a', 's-a', ['session-id']],
      ['s-b', 's-a', ['session-id']],
    ]);
  });

  it('P-Charging-Vector icid-value ("icid")', () => {
    const pcv = (ioi: string) => `icid-value="9f1b-77";icid-generated-at=10.0.0.9;orig-ioi=${ioi}`;
    const recs = run(
      call(new Scenario('i-a', alice, sbcIn), T0, { chargingVector: pcv('a.net') }),
      call(new Scenario('i-b', sbcOut, carol), T0 + 0.05, { chargingVector: 'icid-value=9f1b-77;orig-ioi=b.net' }),
      call(new Scenario('i-c', dave, bob), T0 + 0.06, { chargingVector: 'icid-value=other' }),
    );
    expect(groupOf(recs.get('i-a#1'))).toEqual(['i-a', ['icid']]);
    expect(groupOf(recs.get('i-b#1'))).toEqual(['i-a', ['icid']]);
    expect(groupOf(recs.get('i-c#1'))).toEqual(['i-c', []]);
  });

  it('SDP passed through: the same o= from another host within 10 s ("sdp"), both ways', () => {
    const offer = (ip: string): SdpDesc => ({
      origin: `alice 3720427384 3720427384 IN IP4 10.0.0.1`,
      ip,
      media: [{ port: 4000, pts: [8] }],
    });
    const answer: SdpDesc = { origin: 'carol 99 1 IN IP4 10.0.0.3', ip: '10.0.0.3', media: [{ port: 6000, pts: [8] }] };
    const recs = run(
      call(new Scenario('o-a', alice, sbcIn), T0, { sdp: offer('10.0.0.1') }, { sdp: { ...answer, ip: '10.0.0.9' } }),
      call(new Scenario('o-b', sbcOut, carol), T0 + 0.05, { sdp: offer('10.0.1.9') }, { sdp: answer }),
    );
    expect(groupOf(recs.get('o-a#1'))).toEqual(['o-a', ['sdp']]);
    expect(groupOf(recs.get('o-b#1'))).toEqual(['o-a', ['sdp']]);
  });

  it('the same o= is not a tie when it comes 10 s later, or from the host that sent it before', () => {
    const sdp: SdpDesc = { origin: '- 0 0 IN IP4 10.0.0.1', ip: '10.0.0.1', media: [{ port: 4000, pts: [0] }] };
    const recs = run(
      call(new Scenario('p1', alice, bob), T0, { sdp }),
      // the same phone again (a dialer writing one o= for every call)
      call(new Scenario('p2', alice, carol), T0 + 1, { sdp }),
      // another host, but 30 s after the last sighting
      call(new Scenario('p3', dave, bob), T0 + 31, { sdp }),
    );
    for (const id of ['p1', 'p2', 'p3']) expect(groupOf(recs.get(`${id}#1`))).toEqual([id, []]);
  });

  it('calls of one phone that overlap, caller and callee writing the same o= (as SIPp does), stay alone', () => {
    const uas: Endpoint = { ...bob, port: 5070 };
    const sdp: SdpDesc = { origin: 'user1 53655765 2353687637 IN IP4 127.0.0.1', ip: '127.0.0.1', media: [{ port: 6000, pts: [0] }] };
    const calls = [0, 1, 2, 3, 4].map((i) => {
      const s = new Scenario(`sipp-${i}`, { ...alice, ip: '127.0.0.1', tag: `t${i}` }, { ...uas, ip: '127.0.0.1' });
      const t = T0 + i * 0.2;
      return [
        s.req('INVITE', t, { sdp }),
        s.res(200, t + 0.5, { sdp }),
        s.req('ACK', t + 0.51),
        s.req('BYE', t + 3),
        s.res(200, t + 3.01, { method: 'BYE' }),
      ];
    });
    const recs = run(...calls);
    for (let i = 0; i < 5; i++) expect(groupOf(recs.get(`sipp-${i}#1`))).toEqual([`sipp-${i}`, []]);
  });

  it('ties are transitive and each leg says which ties it takes part in', () => {
    const sdp: SdpDesc = { origin: 'sbc 42 1 IN IP4 10.0.1.9', ip: '10.0.1.9', media: [{ port: 7000, pts: [0] }] };
    const recs = run(
      call(new Scenario('t-a', alice, sbcIn), T0),
      call(new Scenario('t-b', sbcOut, carol), T0 + 0.05, { xCallId: 't-a', sdp }),
      call(new Scenario('t-c', { ...sbcOut, port: 5080, ip: '10.0.2.9' }, dave), T0 + 0.08, { sdp }),
      call(new Scenario('alone', bob, carol), T0 + 0.09),
    );
    expect(groupOf(recs.get('t-a#1'))).toEqual(['t-a', ['x-cid']]);
    expect(groupOf(recs.get('t-b#1'))).toEqual(['t-a', ['x-cid', 'sdp']]);
    expect(groupOf(recs.get('t-c#1'))).toEqual(['t-a', ['sdp']]);
    expect(groupOf(recs.get('alone#1'))).toEqual(['alone', []]);
  });

  it('an auth retry under a new From-tag is one leg (alone); a later B2BUA INVITE on the Call-ID ties by call-id', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('auth', alice, sbcIn);
    const retried = new Scenario('auth', { ...alice, tag: 'a2' }, sbcIn);
    const b = new Scenario('auth', sbcOut, carol);
    feed(
      a.req('INVITE', T0),
      a.res(407, T0 + 0.01),
      a.req('ACK', T0 + 0.02, { toTag: sbcIn.tag }),
      retried.req('INVITE', T0 + 0.1, { cseq: 2 }),
      b.req('INVITE', T0 + 0.15),
      b.res(200, T0 + 1),
      b.req('ACK', T0 + 1.01),
      retried.res(200, T0 + 1.02, { cseq: 2 }),
      retried.req('ACK', T0 + 1.03, { cseq: 2 }),
    );
    tr.finish();
    expect(recs.map((r) => [r.leg, r.fromTag, r.callGroup, r.correlatedBy, r.SIP_CALL_STATE])).toEqual([
      [1, 'a1', 'auth', ['call-id'], 'CALL_IN_PROGRESS'],
      [2, 'sbc-out', 'auth', ['call-id'], 'CALL_IN_PROGRESS'],
    ]);
  });

  it('a key outlives the first leg that showed it: a third leg after the first ended ties to the second', () => {
    const u = 'ab30317f1a784dc48ff824d0d3715d86';
    const sid = `${u};remote=${'0'.repeat(32)}`;
    const { tr, recs, feed } = tracker();
    const a = new Scenario('k-a', alice, sbcIn);
    const b = new Scenario('k-b', sbcOut, carol);
    const c = new Scenario('k-c', { ...sbcOut, ip: '10.0.2.9', tag: 'sbc-c' }, dave);
    feed(
      ...call(a, T0, { sessionId: sid }).slice(0, 4),
      ...call(b, T0 + 0.05, { sessionId: sid }).slice(0, 4),
      a.req('BYE', T0 + 5, { sessionId: sid }),
      a.res(200, T0 + 5.01, { method: 'BYE' }),
      ...call(c, T0 + 6, { sessionId: sid }),
      b.req('BYE', T0 + 9, { sessionId: sid }),
      b.res(200, T0 + 9.01, { method: 'BYE' }),
    );
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.callGroup, r.correlatedBy])).toEqual([
      ['k-a', 'k-a', ['session-id']],
      ['k-c', 'k-a', ['session-id']],
      ['k-b', 'k-a', ['session-id']],
    ]);
  });

  it('a leg exported before the other appears is not tied (keys go with their legs)', () => {
    const { tr, recs, feed } = tracker();
    feed(...call(new Scenario('gone', alice, bob), T0));
    expect(recs).toHaveLength(1);
    feed(...call(new Scenario('after', carol, dave), T0 + 6, { xCallId: 'gone' }));
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.callGroup, r.correlatedBy])).toEqual([
      ['gone', 'gone', []],
      ['after', 'after', []],
    ]);
    expect(tr.stats()).toMatchObject({ groupFull: 0, correlationKeysDropped: 0 });
  });

  it(`a group stops at ${MAX_GROUP_LEGS} legs and a leg keeps at most ${MAX_KEYS_PER_LEG} keys, both counted`, () => {
    const { tr, recs, feed } = tracker();
    const n = MAX_GROUP_LEGS + 6;
    for (let i = 0; i < n; i++) {
      const s = new Scenario(`icid-${i}`, { ...alice, tag: `t${i}` }, bob);
      feed(s.req('INVITE', T0 + i * 0.001, { chargingVector: 'icid-value=constant' }));
    }
    const many = new Scenario('many', carol, dave);
    for (let i = 0; i < MAX_KEYS_PER_LEG + 3; i++) {
      feed(many.req(i === 0 ? 'INVITE' : 'INFO', T0 + 1 + i * 0.01, { sessionId: `${String(i).padStart(32, 'a')}` }));
    }
    tr.finish();
    const grouped = recs.filter((r) => r.correlatedBy.length > 0);
    expect(grouped).toHaveLength(MAX_GROUP_LEGS);
    expect(new Set(grouped.map((r) => r.callGroup))).toEqual(new Set(['icid-0']));
    expect(tr.stats()).toMatchObject({ groupFull: n - MAX_GROUP_LEGS, correlationKeysDropped: 3 });
  });
});
