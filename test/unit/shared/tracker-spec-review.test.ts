// Review tests: tracker behaviour checked against SPEC §1–§3 and §5.3 (and DECISIONS.md).
import { describe, expect, it } from 'vitest';
import { jsonLine } from '../../../shared/output/format.ts';
import type { SipMessage } from '../../../shared/events.ts';
import { Scenario, alice, bob, ts, type SdpDesc } from '../../support/sip-messages.ts';
import { tracker } from '../../support/tracker.ts';

const T0 = 1_700_000_000;
const at = (off: number) => ts(T0 + off);

const offerA: SdpDesc = { ip: '10.0.0.1', media: [{ port: 4000, pts: [0, 8, 101], rtpmap: { 101: 'telephone-event/8000' } }] };
const answerB: SdpDesc = { ip: '10.0.0.2', media: [{ port: 5000, pts: [8, 101], rtpmap: { 101: 'telephone-event/8000' } }] };

describe('review: retransmissions and duplicates (SPEC §1)', () => {
  it('an exact duplicate (same bytes within 1 ms) is a duplicate even when the copy has other IP addresses', () => {
    // SPEC §1: "exact duplicates (same bytes within 1 ms, e.g. from bonded interfaces) are counted,
    // never treated as new events" — the definition is the bytes, not the addresses.
    const { tr, recs, feed } = tracker();
    const s = new Scenario('dup-nat', alice, bob);
    const inv = s.req('INVITE', T0, { sdp: offerA });
    const natCopy: SipMessage = { ...inv, src: '192.0.2.99', sport: 40000, ts: ts('1700000000.000400') };
    feed(inv, natCopy, s.res(200, T0 + 1, { sdp: answerB }));
    tr.finish();
    expect(recs[0].duplicates).toBe(1);
    expect(recs[0].messages).toBe(3);
  });

  it('the copy on the second hop is remembered: its own retransmission 2 s later is a retransmission, not a new message', () => {
    const { tr, recs, feed } = tracker({ keepMessages: true });
    const s = new Scenario('dup-hop', alice, bob);
    const inv = s.req('INVITE', T0, { sdp: offerA });
    const natCopy: SipMessage = { ...inv, src: '192.0.2.99', sport: 40000, ts: ts('1700000000.000400') };
    const natRetry: SipMessage = { ...natCopy, ts: ts('1700000002.000400') };
    feed(inv, natCopy, natRetry, s.res(200, T0 + 3, { sdp: answerB }));
    tr.finish();
    expect(recs[0].ladder!.map((e) => [e.duplicate, e.retransmission])).toEqual([
      [false, false],
      [true, false],
      [false, true],
      [false, false],
    ]);
    expect(recs[0]).toMatchObject({ duplicates: 1, retransmissions: 1, messages: 4 });
  });

  it('a UDP retransmission of the 200 OK does not move the OK time; a BYE retransmission does not restart the 32 s window', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('rtx', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 1), s.res(200, T0 + 1.5), s.req('ACK', T0 + 1.6));
    feed(s.req('BYE', T0 + 10));
    const bye = s.req('BYE', T0 + 20, { cseq: 2 });
    feed(bye); // same CSeq, To-tag, direction: retransmission
    tr.advance(T0 + 42.001);
    expect(recs).toHaveLength(1);
    expect(recs[0].SIP_INVITE_OK_TIME).toEqual(at(1));
    expect(recs[0].retransmissions).toBe(2);
    expect(recs[0].exportCause).toBe('bye');
    expect(recs[0].exportedAt).toBeCloseTo(T0 + 42, 6);
  });
});

describe('review: dialog roles and the setup transaction (SPEC §2)', () => {
  it('responses to a re-INVITE do not set TRYING/RINGING/OK times', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('reinv', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 1), s.req('ACK', T0 + 1.1));
    feed(s.req('INVITE', T0 + 5), s.res(100, T0 + 5.1), s.res(180, T0 + 5.2), s.res(200, T0 + 5.3));
    tr.finish();
    expect(recs[0].SIP_TRYING_TIME).toBeNull();
    expect(recs[0].SIP_RINGING_TIME).toBeNull();
    expect(recs[0].SIP_INVITE_OK_TIME).toEqual(at(1));
  });

  it('callee re-INVITE numbered like the initial INVITE: its 200 (sent by the caller) gives UAC, not UAS', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('roles', { ...alice, ua: null }, { ...bob, ua: null });
    feed(s.req('INVITE', T0, { userAgent: null }), s.res(180, T0 + 0.5, { userAgent: null }));
    feed(s.res(200, T0 + 1, { userAgent: null }), s.req('ACK', T0 + 1.1, { userAgent: null }));
    feed(
      s.req('INVITE', T0 + 5, { by: 'callee', cseq: 1, userAgent: null, sdp: { ip: '10.9.9.9', media: [{ port: 7000, pts: [0] }] } }),
      s.res(200, T0 + 5.1, { to: 'callee', userAgent: 'CallerUA', sdp: { ip: '10.8.8.8', media: [{ port: 6000, pts: [0] }] } }),
    );
    tr.finish();
    const r = recs[0];
    expect(r.SIP_UAC).toBe('CallerUA');
    expect(r.SIP_UAS).toBe('');
    expect(r.rtpSrc).toBe('10.8.8.8:6000');
    expect(r.rtpDst).toBe('10.9.9.9:7000');
    expect(r.SIP_RESPONSE_CODE).toBe(200);
  });

  it('setup transaction = highest CSeq even when a lower-CSeq initial INVITE is seen later; its 486 is not the failure', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('order', alice, bob);
    const inv1 = s.req('INVITE', T0, { cseq: 1 });
    const inv2 = s.req('INVITE', T0 + 0.001, { cseq: 2 });
    feed(inv2, inv1, s.res(486, T0 + 1, { cseq: 1 }), s.res(200, T0 + 2, { cseq: 2 }));
    tr.finish();
    expect(recs[0].SIP_RESPONSE_CODE).toBe(200);
    expect(recs[0].SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
  });

  it("407 then retried INVITE then 486: failure time/code/cause are the retry's; INVITE time is the first", () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('auth', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.res(407, T0 + 0.1, { reasons: ['Q.850;cause=21'] }),
      s.req('ACK', T0 + 0.2, { toTag: bob.tag }),
      s.req('INVITE', T0 + 0.3),
      s.res(183, T0 + 0.4),
      s.res(486, T0 + 3, { reasons: ['Q.850;cause=17'] }),
    );
    tr.finish();
    const r = recs[0];
    expect(r.SIP_INVITE_TIME).toEqual(at(0));
    expect(r.SIP_RINGING_TIME).toEqual(at(0.4));
    expect(r.SIP_INVITE_FAILURE_TIME).toEqual(at(3));
    expect(r.SIP_RESPONSE_CODE).toBe(486);
    expect(r.SIP_REASON_CAUSE).toBe(17);
    // `reason` is the header the cause came from, not the retried 407's
    expect(r.reason).toBe('Q.850;cause=17');
    expect(r.SIP_CALL_STATE).toBe('CALL_ERROR');
    expect(r.setupSec).toBeCloseTo(0.4, 9);
  });
});

describe('review: times and causes (SPEC §2)', () => {
  it('CANCEL_OK only from a 2xx to CANCEL, BYE_OK only from a 2xx to BYE', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('times', alice, bob);
    feed(s.req('INVITE', T0), s.res(180, T0 + 0.5), s.req('CANCEL', T0 + 1, { toTag: '' }));
    feed(s.res(481, T0 + 1.1, { method: 'CANCEL' }), s.res(487, T0 + 1.2, { reasons: ['Q.850;cause=31'] }));
    tr.finish();
    const r = recs[0];
    expect(r.SIP_CANCEL_TIME).toEqual(at(1));
    expect(r.SIP_CANCEL_OK_TIME).toBeNull();
    expect(r.SIP_BYE_OK_TIME).toBeNull();
    expect(r.SIP_INVITE_FAILURE_TIME).toEqual(at(1.2));
    expect(r.SIP_RESPONSE_CODE).toBe(487);
    expect(r.SIP_REASON_CAUSE).toBe(31);
    expect(r.SIP_CALL_STATE).toBe('CALL_CANCELED');
  });

  it('Q.850 in a provisional or in a re-INVITE failure is not SIP_REASON_CAUSE; SIP reason is not either', () => {
    const { recs, feed } = tracker();
    const s = new Scenario('cause', alice, bob);
    feed(s.req('INVITE', T0), s.res(183, T0 + 0.5, { reasons: ['Q.850;cause=1'] }), s.res(200, T0 + 1), s.req('ACK', T0 + 1.1));
    feed(s.req('INVITE', T0 + 5), s.res(488, T0 + 5.1, { reasons: ['Q.850;cause=88'] }), s.req('ACK', T0 + 5.2));
    feed(s.req('BYE', T0 + 9, { reasons: ['SIP;cause=200', 'Q.850;cause=16'] }), s.res(200, T0 + 9.1, { method: 'BYE' }));
    const r = recs[0];
    expect(r.SIP_REASON_CAUSE).toBe(16);
    expect(r.reason, "the Q.850 header, not the 183's or the re-INVITE failure's").toBe('Q.850;cause=16');
    expect(r.SIP_RESPONSE_CODE).toBe(200);
    expect(r.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(r.durationSec).toBeCloseTo(8, 9);
  });

  it('without a Q.850 cause, `reason` is the first Reason header of a BYE, CANCEL or failure (SIP;cause=200 on a CANCEL)', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('elsewhere', alice, bob);
    feed(
      s.req('INVITE', T0),
      s.res(180, T0 + 0.5),
      s.req('CANCEL', T0 + 1, { toTag: '', reasons: ['SIP;cause=200;text="Call completed elsewhere"'] }),
    );
    feed(s.res(200, T0 + 1.1, { method: 'CANCEL' }), s.res(487, T0 + 1.2));
    tr.finish();
    expect(recs[0].SIP_REASON_CAUSE).toBe(0);
    expect(recs[0].reason).toBe('SIP;cause=200;text="Call completed elsewhere"');
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_CANCELED');
  });

  it('SIP_UAS: callee User-Agent wins over its earlier Server header', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('uas', alice, { ...bob, ua: null });
    feed(s.req('INVITE', T0), s.res(180, T0 + 0.5, { server: 'Srv/1' }), s.res(200, T0 + 1, { userAgent: 'BobUA' }));
    tr.finish();
    expect(recs[0].SIP_UAS).toBe('BobUA');
  });
});

describe('review: SDP rules (SPEC §2)', () => {
  it('RTP src: first caller SDP that has m=audio; video-only SDP before it is skipped; audio section after video', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('sdp1', alice, bob);
    feed(
      s.req('INVITE', T0, { sdp: { ip: '10.0.0.1', media: [{ media: 'video', port: 9000, pts: [96], rtpmap: { 96: 'H264/90000' } }] } }),
      s.res(200, T0 + 1, {
        sdp: {
          ip: '10.0.0.2',
          media: [
            { media: 'video', port: 9100, pts: [96], rtpmap: { 96: 'H264/90000' } },
            { port: 5000, pts: [0], ip: '10.2.2.2' },
          ],
        },
      }),
      s.req('ACK', T0 + 1.1),
      s.req('INVITE', T0 + 2, { sdp: { ip: '10.0.0.1', media: [{ port: 4002, pts: [8], ip: '10.1.1.1/127' }], keepTtl: true } }),
    );
    tr.finish();
    const r = recs[0];
    expect(r.SIP_RTP_IPV4_SRC_ADDR).toBe('10.1.1.1');
    expect(r.SIP_RTP_L4_SRC_PORT).toBe(4002);
    expect(r.SIP_RTP_IPV4_DST_ADDR).toBe('10.2.2.2');
    expect(r.SIP_RTP_L4_DST_PORT).toBe(5000);
    expect(r.SIP_RTP_CODECS).toBe('H264;PCMU;PCMA');
    expect(r.SIP_C_IP).toBe('10.0.0.1,10.0.0.2,10.2.2.2,10.1.1.1');
  });

  it('codecs: non-RTP m= lines (udptl/T.38) are left out', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('t38', alice, bob);
    feed(
      s.req('INVITE', T0, {
        sdp: {
          ip: '10.0.0.1',
          media: [
            { port: 4000, pts: [18] },
            { media: 'image', port: 4002, proto: 'udptl', pts: ['t38'] },
          ],
        },
      }),
    );
    tr.finish();
    expect(recs[0].SIP_RTP_CODECS).toBe('G729');
  });
});

describe('review: call states (SPEC §3)', () => {
  it('CANCEL then 486 (no 2xx) is CALL_CANCELED', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('c486', alice, bob);
    feed(s.req('INVITE', T0), s.req('CANCEL', T0 + 1, { toTag: '' }), s.res(486, T0 + 1.1));
    tr.finish();
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_CANCELED');
  });

  it('487 to the setup transaction without a CANCEL is CALL_CANCELED', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('c487', alice, bob);
    feed(s.req('INVITE', T0), s.res(100, T0 + 0.1), s.res(487, T0 + 1));
    tr.finish();
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_CANCELED');
  });

  it('100 only → CALL_IN_PROGRESS; INVITE only → CALL_STARTED', () => {
    const { tr, recs, feed } = tracker();
    const a = new Scenario('p1', alice, bob);
    const b = new Scenario('p2', alice, bob);
    feed(a.req('INVITE', T0), a.res(100, T0 + 0.1), b.req('INVITE', T0 + 0.2));
    tr.finish();
    expect(recs.map((r) => r.SIP_CALL_STATE)).toEqual(['CALL_IN_PROGRESS', 'CALL_STARTED']);
  });
});

describe('review: export timing (SPEC §1)', () => {
  it('a final ≥300 followed within 32 s by a new initial INVITE is not exported at +32 s', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('retry', alice, bob);
    feed(s.req('INVITE', T0), s.res(401, T0 + 1), s.req('ACK', T0 + 1.1, { toTag: bob.tag }), s.req('INVITE', T0 + 20));
    tr.advance(T0 + 40);
    expect(recs).toHaveLength(0);
    feed(s.res(200, T0 + 41));
    tr.advance(T0 + 1000);
    expect(recs).toHaveLength(0); // answered: established timeout
    tr.advance(T0 + 41 + 7200.001);
    expect(recs).toHaveLength(1);
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
    expect(recs[0].SIP_RESPONSE_CODE).toBe(200);
    expect(recs[0].SIP_INVITE_FAILURE_TIME).toBeNull();
    expect(recs[0].exportCause).toBe('idle');
  });

  it('a 481 to BYE does not end the call; it is exported 32 s after the BYE', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('bye481', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 1), s.req('ACK', T0 + 1.1), s.req('BYE', T0 + 10), s.res(481, T0 + 10.1, { method: 'BYE' }));
    expect(recs).toHaveLength(0);
    tr.advance(T0 + 42.001);
    expect(recs).toHaveLength(1);
    expect(recs[0].SIP_BYE_OK_TIME).toBeNull();
    expect(recs[0].SIP_CALL_STATE).toBe('CALL_COMPLETED');
  });

  it('Call-ID seen again (new initial INVITE) long after export starts a new record', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('reuse', alice, bob);
    feed(s.req('INVITE', T0), s.res(200, T0 + 1), s.req('ACK', T0 + 1.1), s.req('BYE', T0 + 5), s.res(200, T0 + 5.1, { method: 'BYE' }));
    const s2 = new Scenario('reuse', alice, bob);
    feed(s2.req('INVITE', T0 + 100), s2.res(486, T0 + 101));
    tr.finish();
    expect(recs).toHaveLength(2);
    expect(recs[1].SIP_CALL_STATE).toBe('CALL_ERROR');
    expect(recs[1].SIP_INVITE_TIME).toEqual(at(100));
  });
});

describe('review: JSON null rules (SPEC §5.3)', () => {
  it('an RTP address 0.0.0.0 (0 on the wire) is null in JSON', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('hold', alice, bob);
    feed(s.req('INVITE', T0, { sdp: { ip: '0.0.0.0', media: [{ port: 4000, pts: [0] }] } }));
    tr.finish();
    const j = JSON.parse(jsonLine(recs[0]));
    expect(j.SIP_RTP_L4_SRC_PORT).toBe(4000);
    expect(j.SIP_RTP_IPV4_SRC_ADDR).toBeNull();
  });

  it('values not seen are null: codes, causes, ports, strings, times, duration/setup', () => {
    const { tr, recs, feed } = tracker();
    const s = new Scenario('nulls', { ...alice, ua: null }, bob);
    feed(s.req('INVITE', T0, { userAgent: null }));
    tr.finish();
    const j = JSON.parse(jsonLine(recs[0]));
    for (const k of [
      'SIP_RTP_CODECS',
      'SIP_TRYING_TIME',
      'SIP_RTP_IPV4_SRC_ADDR',
      'SIP_RTP_L4_SRC_PORT',
      'SIP_RTP_IPV4_DST_ADDR',
      'SIP_RTP_L4_DST_PORT',
      'SIP_RESPONSE_CODE',
      'SIP_REASON_CAUSE',
      'SIP_UAC',
      'SIP_UAS',
      'SIP_C_IP',
      'rtpSrc',
      'rtpDst',
      'reason',
      'durationSec',
      'setupSec',
    ])
      expect(j[k], k).toBeNull();
    expect(j.SIP_CALL_STATE).toBe('CALL_STARTED');
  });

  it('setupSec is INVITE → first 180/183/2xx; durationSec is answer → BYE (exact in JSON)', () => {
    const { recs, feed } = tracker();
    const s = new Scenario('secs', alice, bob);
    feed(
      s.req('INVITE', '1700000000.100000'),
      s.res(100, '1700000000.150000'),
      s.res(183, '1700000001.300000'),
      s.res(200, '1700000004.000000'),
      s.req('ACK', '1700000004.100000'),
      s.req('BYE', '1700000064.250000'),
      s.res(200, '1700000064.300000', { method: 'BYE' }),
    );
    const line = jsonLine(recs[0]);
    expect(line).toContain('"durationSec":60.250000');
    expect(line).toContain('"setupSec":1.200000');
  });
});
