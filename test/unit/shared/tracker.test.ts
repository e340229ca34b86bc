// The call tracker (shared/tracker/): dialogs and their roles, failures, auth and cancel, forks
// and re-INVITEs, retransmissions, SDP rules, timeouts and eviction, determinism, non-INVITE
// dialogs and bad input; and the header helpers it uses (shared/header-values.ts).

import type { RtpStream } from '../../../shared/events.ts';
import { describe, expect, it } from 'vitest';
import { jsonLine } from '../../../shared/output/format.ts';
import { CallTracker } from '../../../shared/tracker/tracker.ts';
import { partyOf, q850Cause } from '../../../shared/header-values.ts';
import type { MediaHooks } from '../../../shared/tracker/api.ts';
import type { SipMessage } from '../../../shared/events.ts';
import { Scenario, alice, bob, sipMessage, ts, type Endpoint, type SdpDesc } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;
const at = (off: number) => ts(T0 + off);

const offerA: SdpDesc = {
  ip: '10.0.0.1',
  media: [{ port: 4000, pts: [0, 8, 18, 101], rtpmap: { 101: 'telephone-event/8000' } }],
};
const answerB: SdpDesc = {
  ip: '10.0.0.2',
  media: [{ port: 5000, pts: [8, 101], rtpmap: { 101: 'telephone-event/8000' } }],
};

/** INVITE/100/180/200/ACK from T0+0.1 to T0+3.1 */
function setup(s: Scenario): SipMessage[] {
  return [
    s.req('INVITE', T0 + 0.1, { sdp: offerA }),
    s.res(100, T0 + 0.15),
    s.res(180, T0 + 1),
    s.res(200, T0 + 3, { sdp: answerB }),
    s.req('ACK', T0 + 3.1),
  ];
}

class FakeMedia implements MediaHooks {
  nextId = 1;
  watched = new Map<number, string>();
  seen = new Map<string, number>();
  pkts = new Map<string, number>();
  unwatched: string[] = [];
  watch(ip: string, port: number): number {
    const id = this.nextId++;
    this.watched.set(id, `${ip}:${port}`);
    return id;
  }
  unwatch(id: number): void {
    this.unwatched.push(this.watched.get(id) as string);
    this.watched.delete(id);
  }
  lastSeen(id: number): number {
    return this.seen.get(this.watched.get(id) as string) ?? 0;
  }
  packets(id: number): number {
    return this.pkts.get(this.watched.get(id) as string) ?? 0;
  }
  streams(): RtpStream[] {
    return [];
  }
}

describe('CallTracker: a normal call', () => {
  it('fills every field and exports on the 200 OK to BYE', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('call-1@host', alice, bob);
    const msgs = [...setup(s), s.req('BYE', T0 + 63), s.res(200, T0 + 63.1, { method: 'BYE' })];
    feed(...msgs);
    expect(recs).toHaveLength(1); // before finish(): the 200 to BYE ends it
    const r = recs[0];
    expect(r.SIP_CALL_ID).toBe('call-1@host');
    expect(r.SIP_CALLING_PARTY).toBe('"Alice" <sip:alice@example.com>');
    expect(r.SIP_CALLED_PARTY).toBe('"Bob" <sip:bob@example.net>');
    expect(r.SIP_RTP_CODECS).toBe('PCMU;PCMA;G729');
    expect(r.SIP_INVITE_TIME).toEqual(at(0.1));
    expect(r.SIP_TRYING_TIME).toEqual(at(0.15));
    expect(r.SIP_RINGING_TIME).toEqual(at(1));
    expect(r.SIP_INVITE_OK_TIME).toEqual(at(3));
    expect(r.SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(r.SIP_BYE_TIME).toEqual(at(63));
    expect(r.SIP_BYE_OK_TIME).toEqual(at(63.1));
    expect(r.SIP_CANCEL_TIME).toBeNull();
    expect(r.SIP_CANCEL_OK_TIME).toBeNull();
    expect(r.SIP_RTP_IPV4_SRC_ADDR).toBe('10.0.0.1');
    expect(r.SIP_RTP_L4_SRC_PORT).toBe(4000);
    expect(r.SIP_RTP_IPV4_DST_ADDR).toBe('10.0.0.2');
    expect(r.SIP_RTP_L4_DST_PORT).toBe(5000);
    expect(r.SIP_RESPONSE_CODE).toBe(200);
    expect(r.SIP_REASON_CAUSE).toBe(0);
    expect(r.SIP_UAC).toBe('PhoneA/1.0');
    expect(r.SIP_UAS).toBe('PhoneB/2.0');
    expect(r.SIP_C_IP).toBe('10.0.0.1,10.0.0.2');
    expect(r.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(r.flow).toEqual({
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 5060,
      dport: 5060,
      protocol: 17,
      start: at(0.1),
      end: at(63.1),
      packets: 7,
      bytes: msgs.reduce((n, m) => n + m.wireBytes, 0),
    });
    expect(r.rtpSrc).toBe('10.0.0.1:4000');
    expect(r.rtpDst).toBe('10.0.0.2:5000');
    expect(r.reason).toBeNull();
    expect(r.messages).toBe(7);
    expect(r.retransmissions).toBe(0);
    expect(r.durationSec).toBeCloseTo(60, 9);
    expect(r.setupSec).toBeCloseTo(0.9, 9);
    expect(r.exportCause).toBe('bye');
    expect(r.exportedAt).toBeCloseTo(T0 + 63.1, 6);
    expect(r.ladder).toBeUndefined();
    tr.finish();
    expect(recs).toHaveLength(1);
    expect(tr.stats()).toMatchObject({ messages: 7, calls: 1, exported: 1, open: 0, malformed: 0 });
  });

  it('TCP and IPv6 signalling go into the flow fields', () => {
    const { tr, recs, feed } = tracker();
    const a6: Endpoint = { ...alice, ip: '2001:db8::a' };
    const b6: Endpoint = { ...bob, ip: '2001:db8::b' };
    const s = new Scenario('v6', a6, b6, 'tcp');
    feed(s.req('INVITE', T0), s.res(200, T0 + 1));
    tr.finish();
    expect(recs[0].flow).toMatchObject({ ipVersion: 6, src: '2001:db8::a', dst: '2001:db8::b', protocol: 6 });
    const seg = new Scenario('segments', alice, bob, 'tcp');
    const t1 = tracker();
    const inv = { ...seg.req('INVITE', T0), wirePackets: 2 }; // one message over two segments
    const trying = { ...seg.res(100, T0 + 0.01), wirePackets: 1 };
    const ringing = { ...seg.res(180, T0 + 0.01), wirePackets: 0 }; // same segment as the 100
    t1.feed(inv, trying, ringing);
    t1.tr.finish();
    expect(t1.recs[0].flow.packets).toBe(3);
    expect(t1.recs[0].flow.bytes).toBe(inv.wireBytes + trying.wireBytes + ringing.wireBytes);
    expect(t1.recs[0].messages).toBe(3);
    const w = new Scenario('ws', alice, bob, 'ws');
    const t2 = tracker();
    t2.feed(w.req('INVITE', T0));
    t2.tr.finish();
    expect(t2.recs[0].flow.protocol).toBe(6);
  });

  it('keeps the ladder when asked', () => {
    const { tr, recs, feed } = tracker({ keepMessages: true });
    const s = new Scenario('ladder', alice, bob);
    const inv = s.req('INVITE', T0, { sdp: offerA });
    feed(inv, s.res(100, T0 + 0.01), s.req('INVITE', T0 + 0.5, { cseq: 1, sdp: offerA }));
    tr.finish();
    const l = recs[0].ladder!;
    expect(l).toHaveLength(3);
    expect(l[0]).toMatchObject({
      frame: inv.frame,
      label: 'INVITE',
      isRequest: true,
      fromCaller: true,
      retransmission: false,
      duplicate: false,
      cseq: 1,
      cseqMethod: 'INVITE',
      sdp: 'audio 10.0.0.1:4000 RTP/AVP PCMU,PCMA,G729,telephone-event',
    });
    expect(l[1]).toMatchObject({ label: '100 Trying', isRequest: false, fromCaller: false, sdp: null });
    expect(l[2].retransmission).toBe(true);
    expect(l[0].raw).toBe(inv.raw);
  });
});

describe('CallTracker: failures, auth, cancel', () => {
  it('busy 486 with a Q.850 cause → CALL_ERROR, exported after the 32 s window', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('busy', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: offerA }),
      s.res(100, T0 + 0.05),
      s.res(486, T0 + 2, { reasons: ['Q.850;cause=17;text="User busy"'] }),
      s.req('ACK', T0 + 2.01, { toTag: bob.tag }),
    );
    tr.advance(T0 + 33.9);
    tr.advance(T0 + 34); // exactly +32 s: still in the retry window
    expect(recs).toHaveLength(0);
    tr.advance(T0 + 34.001);
    expect(recs).toHaveLength(1);
    const r = recs[0];
    expect(r.SIP_CALL_STATE).toBe('CALL_ERROR');
    expect(r.SIP_RESPONSE_CODE).toBe(486);
    expect(r.SIP_REASON_CAUSE).toBe(17);
    expect(r.reason).toBe('Q.850;cause=17;text="User busy"');
    expect(r.SIP_INVITE_FAILURE_TIME).toEqual(at(2));
    expect(r.SIP_INVITE_OK_TIME).toBeNull();
    expect(r.setupSec).toBeNull();
    expect(r.exportCause).toBe('final');
    expect(r.exportedAt).toBeCloseTo(T0 + 34, 6);
  });

  it('expiry runs on message times too, not only on advance()', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('busy2', alice, bob);
    const o = new Scenario('other', { ...alice, tag: 'zz' }, bob);
    feed(s.req('INVITE', T0), s.res(486, T0 + 1));
    feed(o.req('INVITE', T0 + 40));
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['busy2']);
    tr.finish();
  });

  it('401 then a retried INVITE: no failure from the challenge, setup transaction = the retry', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('auth', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: offerA }),
      s.res(401, T0 + 0.02, { toTag: 'proxy1' }),
      s.req('ACK', T0 + 0.03, { toTag: 'proxy1' }),
      s.req('INVITE', T0 + 0.2, { sdp: offerA, extra: ['Authorization: Digest x'] }),
      s.res(100, T0 + 0.21),
      s.res(183, T0 + 1),
      s.res(200, T0 + 4, { sdp: answerB }),
      s.req('ACK', T0 + 4.1),
    );
    tr.advance(T0 + 100); // past the 32 s window: answered, so no export
    expect(recs).toHaveLength(0);
    tr.finish();
    const r = recs[0];
    expect(r.SIP_INVITE_TIME).toEqual(at(0));
    expect(r.SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(r.SIP_RINGING_TIME).toEqual(at(1)); // 183 rings
    expect(r.SIP_RESPONSE_CODE).toBe(200);
    expect(r.SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
    expect(r.exportCause).toBe('end');
    expect(r.retransmissions).toBe(0);
  });

  it('401 with no retry ends the call as CALL_ERROR 401 after 32 s', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('auth-no', alice, bob);
    feed(s.req('INVITE', T0), s.res(407, T0 + 0.02, { toTag: 'p' }), s.req('ACK', T0 + 0.03, { toTag: 'p' }));
    tr.advance(T0 + 40);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_ERROR', SIP_RESPONSE_CODE: 407, exportCause: 'final' });
    expect(recs[0].SIP_INVITE_FAILURE_TIME).toEqual(at(0.02));
  });

  it('a retry after the challenge resets the failure; its own 486 then counts', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('auth-busy', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.res(401, T0 + 0.02, { toTag: 'p', reasons: ['Q.850;cause=21'] }),
      s.req('INVITE', T0 + 0.2),
      s.res(486, T0 + 1, { reasons: ['Q.850;cause=17'] }),
    );
    tr.advance(T0 + 40);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_ERROR', SIP_RESPONSE_CODE: 486, SIP_REASON_CAUSE: 17 });
    expect(recs[0].SIP_INVITE_FAILURE_TIME).toEqual(at(1));
  });

  it('CANCEL → 200 → 487 → CALL_CANCELED with cancel times', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('cancel', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: offerA }),
      s.res(100, T0 + 0.01),
      s.res(180, T0 + 0.5),
      s.req('CANCEL', T0 + 5, { toTag: '', reasons: ['SIP;cause=200;text="Call completed elsewhere"'] }),
      s.res(200, T0 + 5.01, { method: 'CANCEL', toTag: bob.tag }),
      s.res(487, T0 + 5.02),
      s.req('ACK', T0 + 5.03),
    );
    tr.advance(T0 + 38);
    expect(recs).toHaveLength(1);
    const r = recs[0];
    expect(r.SIP_CALL_STATE).toBe('CALL_CANCELED');
    expect(r.SIP_CANCEL_TIME).toEqual(at(5));
    expect(r.SIP_CANCEL_OK_TIME).toEqual(at(5.01));
    expect(r.SIP_INVITE_FAILURE_TIME).toEqual(at(5.02));
    expect(r.SIP_RESPONSE_CODE).toBe(487);
    expect(r.SIP_REASON_CAUSE).toBe(0); // SIP protocol reason: JSON only
    expect(r.reason).toBe('SIP;cause=200;text="Call completed elsewhere"');
    expect(r.exportCause).toBe('final');
  });

  it('CANCEL crossing the 200 OK leaves the call answered; a later BYE completes it', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('cross', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.res(180, T0 + 0.5),
      s.req('CANCEL', T0 + 5, { toTag: '' }),
      s.res(200, T0 + 5.001, { sdp: answerB }),
      s.res(200, T0 + 5.01, { method: 'CANCEL' }),
      s.req('ACK', T0 + 5.02),
    );
    tr.advance(T0 + 60);
    expect(recs).toHaveLength(0);
    feed(s.req('BYE', T0 + 70, { reasons: ['Q.850;cause=16'] }), s.res(200, T0 + 70.1, { method: 'BYE' }));
    const r = recs[0];
    expect(r.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(r.SIP_RESPONSE_CODE).toBe(200);
    expect(r.SIP_CANCEL_TIME).toEqual(at(5));
    expect(r.SIP_INVITE_OK_TIME).toEqual(at(5.001));
    expect(r.SIP_REASON_CAUSE).toBe(16);
    expect(r.durationSec).toBeCloseTo(64.999, 6);
  });

  it('CANCEL crossing 200 without BYE ends as CALL_IN_PROGRESS, not canceled', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('cross2', alice, bob);
    feed(s.req('INVITE', T0), s.req('CANCEL', T0 + 1, { toTag: '' }), s.res(200, T0 + 1.001));
    tr.finish();
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
  });

  it('BYE without an answer is exported 32 s later', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('bye-lost', alice, bob);
    feed(...setup(s), s.req('BYE', T0 + 10));
    tr.advance(T0 + 41.9);
    expect(recs).toHaveLength(0);
    tr.advance(T0 + 42.1);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_COMPLETED', exportCause: 'bye', SIP_BYE_OK_TIME: null });
  });
});

describe('CallTracker: dialog roles, forks, re-INVITEs', () => {
  it('forked 18x from two To-tags: one record, first ringing time, not retransmissions', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('fork', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: offerA }),
      s.res(180, T0 + 1, { toTag: 'x1' }),
      s.res(183, T0 + 1.2, { toTag: 'x2', sdp: { ip: '10.0.0.3', media: [{ port: 7000, pts: [18] }] } }),
      s.res(200, T0 + 2, { toTag: 'x2', sdp: { ip: '10.0.0.3', media: [{ port: 7000, pts: [18] }] } }),
    );
    tr.finish();
    expect(recs).toHaveLength(1);
    const r = recs[0];
    expect(r.SIP_RINGING_TIME).toEqual(at(1));
    expect(r.retransmissions).toBe(0);
    expect(r.SIP_RTP_IPV4_DST_ADDR).toBe('10.0.0.3'); // first callee SDP with audio (the 183)
    expect(r.SIP_RTP_L4_DST_PORT).toBe(7000);
    expect(r.SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
  });

  it('a re-INVITE keeps INVITE time and response code; its SDP adds codecs and C_IP', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('reinv', alice, bob);
    feed(...setup(s));
    const hold: SdpDesc = { ip: '10.0.0.9', media: [{ port: 6000, pts: [9] }] };
    const reinv = s.req('INVITE', T0 + 30, { sdp: hold });
    expect(reinv.toTag).toBe(bob.tag);
    expect(reinv.cseq).toBe(2);
    feed(reinv, s.res(488, T0 + 30.1, { cseq: 2 }), s.req('ACK', T0 + 30.2, { cseq: 2 }));
    // the callee's own re-INVITE with CSeq 1 (its own numbering) is not the setup transaction
    feed(s.req('INVITE', T0 + 40, { by: 'callee', cseq: 1 }), s.res(491, T0 + 40.1, { to: 'callee', cseq: 1 }));
    tr.advance(T0 + 100);
    expect(recs).toHaveLength(0);
    tr.finish();
    const r = recs[0];
    expect(r.SIP_INVITE_TIME).toEqual(at(0.1));
    expect(r.SIP_RESPONSE_CODE).toBe(200);
    expect(r.SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(r.SIP_RTP_CODECS).toBe('PCMU;PCMA;G729;G722');
    expect(r.SIP_C_IP).toBe('10.0.0.1,10.0.0.2,10.0.0.9');
    expect(r.SIP_RTP_IPV4_SRC_ADDR).toBe('10.0.0.1'); // the first caller SDP stays
    expect(r.SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
  });

  it('BYE from the callee through NAT/proxy: roles by From-tag, not by address', () => {
    const { tr, recs, feed } = tracker();
    const callee: Endpoint = { ...bob, ua: null, server: 'PBX/9' };
    const s = new Scenario('nat', alice, callee);
    feed(...setup(s));
    const proxy = { ip: '192.0.2.50', port: 5070 };
    feed(
      s.req('BYE', T0 + 20, { by: 'callee', src: proxy, userAgent: 'PhoneB/late' }),
      s.res(200, T0 + 20.05, { to: 'callee', method: 'BYE', dst: proxy, server: 'CallerServer/1' }),
    );
    const r = recs[0];
    expect(r.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(r.SIP_UAC).toBe('PhoneA/1.0');
    expect(r.SIP_UAS).toBe('PhoneB/late'); // a User-Agent from the callee beats its Server
    expect(r.flow.src).toBe('10.0.0.1');
    expect(r.SIP_BYE_OK_TIME).toEqual(at(20.05));
    tr.finish();
  });

  it('UAS falls back to the callee Server header', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('srv', alice, { ...bob, ua: null, server: 'PBX/9' });
    feed(...setup(s));
    tr.finish();
    expect(recs[0].SIP_UAS).toBe('PBX/9');
  });

  it('Call-ID reused after BYE+200: late copies are absorbed, a new INVITE is a second record', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('reuse', alice, bob);
    feed(...setup(s), s.req('BYE', T0 + 10), s.res(200, T0 + 10.1, { method: 'BYE' }));
    expect(recs).toHaveLength(1);
    feed(s.res(200, T0 + 10.6, { method: 'BYE' })); // retransmitted 200 OK
    feed(s.req('INVITE', T0 + 11, { cseq: 1, toTag: '' })); // the old INVITE, very late
    expect(recs).toHaveLength(1);
    expect(tr.stats().lateMessages).toBe(2);
    const s2 = new Scenario('reuse', { ...alice, tag: 'a2' }, bob);
    feed(s2.req('INVITE', T0 + 12), s2.res(486, T0 + 12.5));
    tr.advance(T0 + 60);
    expect(recs).toHaveLength(2);
    expect(recs[1]).toMatchObject({ SIP_CALL_ID: 'reuse', SIP_CALL_STATE: 'CALL_ERROR' });
    expect(recs[1].SIP_INVITE_TIME).toEqual(at(12));
    // long after: even the same tag and CSeq start a new call
    const s3 = new Scenario('reuse', alice, bob);
    feed(s3.req('INVITE', T0 + 200));
    tr.finish();
    expect(recs).toHaveLength(3);
    expect(recs[2].SIP_CALL_STATE).toBe('CALL_STARTED');
  });
});

describe('CallTracker: retransmissions and duplicates', () => {
  it('UDP retransmissions of INVITE and 180 are counted, times from the first', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('rtx', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: offerA }),
      s.req('INVITE', T0 + 0.5, { cseq: 1, sdp: offerA }),
      s.res(100, T0 + 0.51),
      s.res(180, T0 + 1),
      s.res(180, T0 + 1.5),
      s.res(200, T0 + 2),
    );
    tr.finish();
    const r = recs[0];
    expect(r.retransmissions).toBe(2);
    expect(r.messages).toBe(6);
    expect(r.SIP_INVITE_TIME).toEqual(at(0));
    expect(r.SIP_RINGING_TIME).toEqual(at(1));
    expect(r.SIP_TRYING_TIME).toEqual(at(0.51));
    expect(tr.stats().retransmissions).toBe(2);
  });

  it('the same message relayed by a proxy (other addresses) is a new hop, not a retransmission', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('hop', alice, bob);
    const proxy = { ip: '192.0.2.1', port: 5060 };
    feed(s.req('INVITE', T0, { dst: proxy }), s.req('INVITE', T0 + 0.001, { cseq: 1, src: proxy }));
    tr.finish();
    expect(recs[0].retransmissions).toBe(0);
    expect(recs[0].messages).toBe(2);
  });

  it('an exact duplicate within 1 ms is counted as a duplicate', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('dup', alice, bob);
    const inv = s.req('INVITE', T0);
    const copy = { ...inv, ts: at(0.0004), frame: inv.frame + 1 };
    const later = { ...inv, ts: at(0.0025), frame: inv.frame + 2 }; // same bytes, 2 ms later: retransmission
    feed(inv, copy, later);
    tr.finish();
    expect(recs[0].duplicates).toBe(1);
    expect(recs[0].retransmissions).toBe(1);
    expect(tr.stats()).toMatchObject({ duplicates: 1, retransmissions: 1 });
  });

  it('different bytes within 1 ms are a retransmission, not a duplicate', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('dup2', alice, bob);
    feed(s.req('INVITE', T0), s.req('INVITE', T0 + 0.0004, { cseq: 1, extra: ['X-Copy: 2'] }));
    tr.finish();
    expect(recs[0]).toMatchObject({ duplicates: 0, retransmissions: 1 });
  });
});

describe('CallTracker: SDP rules', () => {
  it('session- and media-level c=: media wins for RTP, both in C_IP, /ttl removed', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('sdp', alice, bob);
    feed(
      s.req('INVITE', T0, {
        sdp: { ip: '192.0.2.10/127', keepTtl: true, media: [{ port: 4000, pts: [0], ip: '192.0.2.20/64' }] },
      }),
      s.res(200, T0 + 1, { sdp: { ip: '192.0.2.30', media: [{ port: 5000, pts: [0] }] } }),
    );
    tr.finish();
    const r = recs[0];
    expect(r.SIP_RTP_IPV4_SRC_ADDR).toBe('192.0.2.20');
    expect(r.SIP_RTP_IPV4_DST_ADDR).toBe('192.0.2.30');
    expect(r.SIP_C_IP).toBe('192.0.2.10,192.0.2.20,192.0.2.30');
  });

  it('C_IP is cut at a comma to fit 128 bytes', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('cip', alice, bob);
    const v6 = (n: number) => `2001:db8:1111:2222:3333:4444:5555:${String(n).padStart(4, '0')}`;
    feed(s.req('INVITE', T0, { sdp: { ip: v6(1), media: [{ port: 4000, pts: [0], ip: v6(2) }] } }));
    feed(s.res(183, T0 + 1, { sdp: { ip: v6(3), media: [{ port: 4000, pts: [0], ip: v6(4) }] } }));
    feed(s.res(200, T0 + 2, { sdp: { ip: '10.0.0.1', media: [{ port: 4000, pts: [0] }] } }));
    tr.finish();
    const cip = recs[0].SIP_C_IP;
    expect(cip).toBe([v6(1), v6(2), v6(3)].join(','));
    expect(new TextEncoder().encode(cip).length).toBeLessThanOrEqual(128);
  });

  it('IPv6 media: IPv4 fields empty, ports filled, rtpSrc/rtpDst and C_IP carry the v6', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('v6media', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: { ip: '2001:db8::1', media: [{ port: 4000, pts: [0] }] } }),
      s.res(200, T0 + 1, { sdp: { ip: '2001:db8::2', media: [{ port: 5000, pts: [0] }] } }),
    );
    tr.finish();
    const r = recs[0];
    expect(r.SIP_RTP_IPV4_SRC_ADDR).toBe('');
    expect(r.SIP_RTP_L4_SRC_PORT).toBe(4000);
    expect(r.SIP_RTP_IPV4_DST_ADDR).toBe('');
    expect(r.SIP_RTP_L4_DST_PORT).toBe(5000);
    expect(r.rtpSrc).toBe('[2001:db8::1]:4000');
    expect(r.rtpDst).toBe('[2001:db8::2]:5000');
    expect(r.SIP_C_IP).toBe('2001:db8::1,2001:db8::2');
  });

  it('codec rule: static names, rtpmap names, no telephone-event/CN, case-insensitive de-dup, RTP lines only', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('codecs', alice, bob);
    feed(
      s.req('INVITE', T0, {
        sdp: {
          ip: '10.0.0.1',
          media: [
            { port: 4000, pts: [0, 8, 18, 101, 13, 96, 9, 99], rtpmap: { 101: 'telephone-event/8000', 96: 'pcmu/8000' } },
            { media: 'image', port: 4002, proto: 'udptl', pts: ['t38'] },
            { media: 'video', port: 4004, pts: [31] },
          ],
        },
      }),
      s.res(200, T0 + 1, {
        sdp: {
          ip: '10.0.0.2',
          media: [{ port: 5000, pts: [111, 8, 100], rtpmap: { 111: 'opus/48000/2', 100: 'cn/8000', 8: 'pcma/8000' } }],
        },
      }),
    );
    tr.finish();
    expect(recs[0].SIP_RTP_CODECS).toBe('PCMU;PCMA;G729;G722;H261;opus');
  });

  it('late offer: the caller media comes from the SDP in the ACK', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('late', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.res(200, T0 + 1, { sdp: answerB }),
      s.req('ACK', T0 + 1.1, { sdp: { ip: '10.0.0.1', media: [{ port: 4100, pts: [8] }] } }),
    );
    tr.finish();
    expect(recs[0].rtpSrc).toBe('10.0.0.1:4100');
    expect(recs[0].rtpDst).toBe('10.0.0.2:5000');
  });
});

describe('CallTracker: timeouts, eviction, end of input', () => {
  it('idle timeout before the answer is 300 s', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('idle', alice, bob);
    feed(s.req('INVITE', T0), s.res(100, T0 + 0.1));
    tr.advance(T0 + 300.1);
    expect(recs).toHaveLength(0);
    tr.advance(T0 + 300.2);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_IN_PROGRESS', exportCause: 'idle' });
    expect(recs[0].exportedAt).toBeCloseTo(T0 + 300.1, 6);
  });

  it('answered calls wait 7200 s, and RTP on their media keeps them open', () => {
    const media = new FakeMedia();
    const { tr, recs, feed } = tracker({}, media);
    const s = new Scenario('rtp', alice, bob);
    const quiet = new Scenario('quiet', { ...alice, tag: 'q' }, bob);
    feed(...setup(s), quiet.req('INVITE', T0 + 1), quiet.res(200, T0 + 2));
    expect([...media.watched.values()].sort()).toEqual(['10.0.0.1:4000', '10.0.0.2:5000']);
    tr.advance(T0 + 1000);
    expect(recs).toHaveLength(0);
    media.seen.set('10.0.0.2:5000', T0 + 7000);
    media.pkts.set('10.0.0.2:5000', 350_000);
    media.pkts.set('10.0.0.1:4000', 349_000);
    tr.advance(T0 + 7203.5);
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['quiet']); // no media: gone after 7200 s
    expect(recs[0].exportCause).toBe('idle');
    tr.advance(T0 + 14199);
    expect(recs).toHaveLength(1);
    tr.advance(T0 + 14200.5);
    expect(recs).toHaveLength(2);
    expect(recs[1]).toMatchObject({ SIP_CALL_ID: 'rtp', SIP_CALL_STATE: 'CALL_IN_PROGRESS', exportCause: 'idle', rtpPackets: 699_000 });
    expect(media.watched.size).toBe(0);
    expect(media.unwatched.sort()).toEqual(['10.0.0.1:4000', '10.0.0.2:5000']);
  });

  it('custom timeouts are honoured', () => {
    const { tr, recs, feed } = tracker({ idleTimeout: 10, establishedTimeout: 20 });
    const a = new Scenario('a', alice, bob);
    const b = new Scenario('b', { ...alice, tag: 'x' }, bob);
    feed(a.req('INVITE', T0), b.req('INVITE', T0), b.res(200, T0 + 1));
    tr.advance(T0 + 10.5);
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['a']);
    tr.advance(T0 + 21.5);
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['a', 'b']);
  });

  it('maxCalls evicts the longest-idle call and counts it', () => {
    const { tr, recs, feed } = tracker({ maxCalls: 2 });
    const mk = (id: string) => new Scenario(id, { ...alice, tag: id }, bob);
    const [a, b, c, d] = ['A', 'B', 'C', 'D'].map(mk);
    feed(a.req('INVITE', T0), b.req('INVITE', T0 + 1), c.req('INVITE', T0 + 2));
    expect(recs.map((r) => [r.SIP_CALL_ID, r.exportCause])).toEqual([['A', 'evicted']]);
    feed(b.res(180, T0 + 3), d.req('INVITE', T0 + 4));
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['A', 'C']);
    expect(tr.stats()).toMatchObject({ evicted: 2, open: 2 });
    tr.finish();
  });

  it('finish() exports open calls by first message time, then Call-ID, with their state', () => {
    const { tr, recs, feed } = tracker();
    const z = new Scenario('z-answered', alice, bob);
    const y = new Scenario('y-started', { ...alice, tag: 'y' }, bob);
    const x = new Scenario('x-started', { ...alice, tag: 'x' }, bob);
    feed(z.req('INVITE', T0), y.req('INVITE', T0 + 1), x.req('INVITE', T0 + 1), z.res(200, T0 + 2));
    tr.finish();
    expect(recs.map((r) => [r.SIP_CALL_ID, r.SIP_CALL_STATE, r.exportCause])).toEqual([
      ['z-answered', 'CALL_IN_PROGRESS', 'end'],
      ['x-started', 'CALL_STARTED', 'end'],
      ['y-started', 'CALL_STARTED', 'end'],
    ]);
  });
});

describe('CallTracker: determinism', () => {
  it('the same messages give the same records in the same order however often advance() runs', () => {
    const msgs: SipMessage[] = [];
    for (let i = 0; i < 30; i++) {
      const s = new Scenario(`c${i}`, { ...alice, tag: `t${i}` }, bob);
      const t = T0 + i * 7;
      msgs.push(s.req('INVITE', t, { sdp: offerA }));
      if (i % 3 === 0) msgs.push(s.res(486, t + 1));
      else if (i % 3 === 1)
        msgs.push(s.res(200, t + 1, { sdp: answerB }), s.req('BYE', t + 40 + i), s.res(200, t + 40.1 + i, { method: 'BYE' }));
      else msgs.push(s.res(180, t + 1)); // left to the idle timeout
    }
    msgs.sort((a, b) => a.ts.sec - b.ts.sec || a.ts.nsec - b.ts.nsec);
    const run = (advanceEvery: boolean) => {
      const out: string[] = [];
      const tr = new CallTracker({ idleTimeout: 100 }, (r) => out.push(`${r.exportedAt} ${r.exportCause} ${jsonLine(r)}`));
      for (let i = 0; i < msgs.length; i++) {
        tr.onMessage(msgs[i]);
        // a host that runs expiry after every "chunk", up to just before the next message
        if (advanceEvery && i + 1 < msgs.length) tr.advance(T0 + (msgs[i + 1].ts.sec - T0) - 0.001);
      }
      tr.advance(T0 + 1000);
      tr.finish();
      return out;
    };
    const a = run(false);
    const b = run(true);
    expect(a.length).toBe(30);
    expect(b).toEqual(a);
  });
});

describe('CallTracker: non-INVITE dialogs and bad input', () => {
  const registrar: Endpoint = { ip: '10.0.0.5', port: 5060, uri: 'sip:example.com', tag: 'r', server: 'Registrar' };

  function registerFlow(): SipMessage[] {
    const r = new Scenario('reg-1', alice, registrar);
    const o = new Scenario('opt-1', alice, registrar);
    return [
      r.req('REGISTER', T0, { toTag: '' }),
      r.res(401, T0 + 0.01, { method: 'REGISTER' }),
      r.req('REGISTER', T0 + 0.1, { toTag: '' }),
      r.res(200, T0 + 0.11, { method: 'REGISTER' }),
      o.req('OPTIONS', T0 + 1, { toTag: '' }),
      o.res(200, T0 + 1.01, { method: 'OPTIONS' }),
    ];
  }

  it('are counted per method, without records', () => {
    const { tr, recs, feed } = tracker();
    feed(...registerFlow());
    tr.finish();
    expect(recs).toHaveLength(0);
    expect(tr.stats()).toMatchObject({ methods: { REGISTER: 1, OPTIONS: 1 }, otherMessages: 6, calls: 0 });
  });

  it('allDialogs makes them records: REGISTER and UNKNOWN', () => {
    const { tr, recs, feed } = tracker({ allDialogs: true });
    feed(...registerFlow());
    tr.advance(T0 + 32.5);
    expect(recs).toHaveLength(1); // the REGISTER dialog: 32 s after its last final response
    tr.advance(T0 + 33.5);
    expect(recs).toHaveLength(2);
    expect(recs.map((r) => [r.SIP_CALL_ID, r.SIP_CALL_STATE, r.SIP_RESPONSE_CODE, r.exportCause])).toEqual([
      ['reg-1', 'REGISTER', 200, 'final'],
      ['opt-1', 'UNKNOWN', 200, 'final'],
    ]);
    expect(recs[0].SIP_CALLING_PARTY).toBe('"Alice" <sip:alice@example.com>');
    expect(recs[0].SIP_UAS).toBe('Registrar');
    expect(recs[0].messages).toBe(4);
    expect(tr.stats()).toMatchObject({ dialogs: 2, methods: { REGISTER: 1, OPTIONS: 1 } });
  });

  it('allDialogs: a dialog that receives an initial INVITE becomes the call', () => {
    const { tr, recs, feed } = tracker({ allDialogs: true });
    const s = new Scenario('same-id', alice, bob);
    feed(
      s.req('OPTIONS', T0, { toTag: '', src: { ip: '10.9.9.9', port: 5060 } }),
      s.res(200, T0 + 0.01, { method: 'OPTIONS', dst: { ip: '10.9.9.9', port: 5060 } }),
      s.req('INVITE', T0 + 1),
      s.res(486, T0 + 1.5),
    );
    tr.advance(T0 + 40);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_ERROR', SIP_RESPONSE_CODE: 486, messages: 4 });
    expect(recs[0].SIP_INVITE_TIME).toEqual(at(1));
    expect(recs[0].flow.src).toBe('10.0.0.1');
    expect(recs[0].flow.start).toEqual(at(0));
  });

  it('late messages of an evicted call do not make records (allDialogs)', () => {
    const { tr, recs, feed } = tracker({ maxCalls: 1, allDialogs: true });
    const a = new Scenario('A', alice, bob);
    const b = new Scenario('B', { ...alice, tag: 'b' }, bob);
    feed(a.req('INVITE', T0), b.req('INVITE', T0 + 1), a.res(180, T0 + 2));
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['A']);
    expect(tr.stats().lateMessages).toBe(1);
    tr.finish();
    expect(recs.map((r) => r.SIP_CALL_ID)).toEqual(['A', 'B']);
  });

  it('messages without Call-ID or CSeq are counted as malformed', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('', alice, bob);
    feed(s.req('INVITE', T0));
    const noCseq = sipMessage({
      t: T0,
      callId: 'x',
      isRequest: true,
      method: 'INVITE',
      cseq: 0,
      cseqMethod: '',
      from: '<sip:a@x>',
      fromTag: 'a',
      to: '<sip:b@x>',
      toTag: '',
      src: alice,
      dst: bob,
    });
    feed(noCseq);
    tr.finish();
    expect(recs).toHaveLength(0);
    expect(tr.stats()).toMatchObject({ messages: 2, malformed: 2 });
  });
});

describe('header helpers', () => {
  it('partyOf drops header parameters and keeps display name + <URI>', () => {
    expect(partyOf('"Alice" <sip:alice@example.com>;tag=abc')).toBe('"Alice" <sip:alice@example.com>');
    expect(partyOf('sip:bob@x;tag=1')).toBe('sip:bob@x');
    expect(partyOf(' <sip:c@x;transport=tcp>;tag=9 ')).toBe('<sip:c@x;transport=tcp>');
    expect(partyOf('"Smith; <J>" <sip:j@x>;tag=2')).toBe('"Smith; <J>" <sip:j@x>');
    expect(partyOf('Bob <sip:bob@x>')).toBe('Bob <sip:bob@x>');
  });

  it('q850Cause reads only Q.850 reasons', () => {
    expect(q850Cause('Q.850;cause=16;text="Normal"')).toBe(16);
    expect(q850Cause('q.850 ; text="a;b" ; CAUSE = 17')).toBe(17);
    expect(q850Cause('SIP;cause=200')).toBe(0);
    expect(q850Cause('Q.850')).toBe(0);
    expect(q850Cause('Q.850;cause=abc')).toBe(0);
  });

  it('the first Q.850 cause in message order wins across BYE/CANCEL and the failure', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('causes', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.req('CANCEL', T0 + 1, { toTag: '', reasons: ['SIP;cause=200', 'Q.850;cause=31'] }),
      s.res(487, T0 + 1.1, { reasons: ['Q.850;cause=127'] }),
    );
    tr.finish();
    expect(recs[0]).toMatchObject({ SIP_REASON_CAUSE: 31, reason: 'Q.850;cause=31', SIP_CALL_STATE: 'CALL_CANCELED' });
  });
});
