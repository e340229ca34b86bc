// Captures of calls through a B2BUA, written with the capture writer: a call of two legs with their
// own Call-IDs tied by an X-CID header (SPEC §9 x-cid), with the second leg's messages interleaved
// in time between the first leg's, and an unrelated call beside it; and a B2BUA that keeps the
// Call-ID (two From-tags, SPEC §9 call-id). Each message is listed with its leg, addresses and time,
// so a test can say where its arrow must be.

import { sdpBody, sipMessage, udpPacketV4, writePcap, type Packet } from './capture-writer.ts';

export const T0 = 1_767_261_600; // 2026-01-01 10:00:00 UTC

/** One message of a written capture. */
export interface WrittenMessage {
  /** the Call-ID it carries */
  callId: string;
  /** method, or "status reason" */
  label: string;
  /** "ip:port" */
  src: string;
  dst: string;
  /** seconds after T0 */
  t: number;
}

export interface WrittenCapture {
  bytes: Uint8Array;
  /** every SIP message, in capture order */
  messages: WrittenMessage[];
}

interface Leg {
  callId: string;
  fromTag: string;
  toTag: string;
  caller: [string, number];
  callee: [string, number];
  from: string;
  to: string;
  /** extra headers of every message of the leg */
  extra?: [string, string][];
  /** o= and address of the leg's SDP (a B2BUA that does not pass SDP through has its own) */
  origin: { offer: string; answer: string };
  media: { offer: [string, number]; answer: [string, number] };
}

type Step = [t: number, leg: Leg, what: 'INVITE' | 100 | 180 | 200 | 'ACK' | 'BYE' | 'BYE200'];

const REASONS: Record<number, string> = { 100: 'Trying', 180: 'Ringing', 200: 'OK' };

function render(steps: Step[]): WrittenCapture {
  const packets: Packet[] = [];
  const messages: WrittenMessage[] = [];
  for (const [t, leg, what] of steps) {
    const fromCaller = what === 'INVITE' || what === 'ACK' || what === 'BYE';
    const [src, sport] = fromCaller ? leg.caller : leg.callee;
    const [dst, dport] = fromCaller ? leg.callee : leg.caller;
    const method = what === 'BYE' || what === 'BYE200' ? 'BYE' : what === 'ACK' ? 'ACK' : 'INVITE';
    const cseq = method === 'BYE' ? 2 : 1;
    const answered = what !== 'INVITE' && what !== 100;
    const headers: [string, string][] = [
      ['Via', `SIP/2.0/UDP ${leg.caller[0]}:${leg.caller[1]};branch=z9hG4bK-${leg.fromTag}-${cseq}${method === 'ACK' ? 'a' : ''}`],
      ['From', `${leg.from};tag=${leg.fromTag}`],
      ['To', `${leg.to}${answered ? `;tag=${leg.toTag}` : ''}`],
      ['Call-ID', leg.callId],
      ['CSeq', `${cseq} ${method}`],
      ...(leg.extra ?? []),
    ];
    let body = '';
    if (what === 'INVITE' || what === 200) {
      const side = what === 'INVITE' ? 'offer' : 'answer';
      const [addr, port] = leg.media[side];
      body = sdpBody({
        origin: leg.origin[side],
        sessionC: addr,
        media: [{ port, formats: [8, 0], rtpmap: { 8: 'PCMA/8000', 0: 'PCMU/8000' } }],
      });
      headers.push(['Content-Type', 'application/sdp']);
    }
    const status = what === 'BYE200' ? 200 : typeof what === 'number' ? what : 0;
    const start = status ? `SIP/2.0 ${status} ${REASONS[status]}` : `${method} sip:${leg.to.replace(/^.*<sip:|>.*$/g, '')} SIP/2.0`;
    packets.push({ ts: T0 + t, data: udpPacketV4(src, sport, dst, dport, sipMessage(start, headers, body)) });
    messages.push({
      callId: leg.callId,
      label: status ? `${status} ${REASONS[status]}` : method,
      src: `${src}:${sport}`,
      dst: `${dst}:${dport}`,
      t,
    });
  }
  return { bytes: writePcap(packets), messages };
}

/** The full exchange of a leg: INVITE 100 180 200 ACK BYE 200 at the given times. */
function exchange(leg: Leg, times: readonly number[]): Step[] {
  const what: Step[2][] = ['INVITE', 100, 180, 200, 'ACK', 'BYE', 'BYE200'];
  return what.map((w, k) => [times[k], leg, w]);
}

/**
 * Leg A: phone 10.0.0.1:5060 → SBC 10.0.0.2:5060 (Call-ID a-leg@test, From-tag a1); leg B: SBC
 * 10.0.0.2:5070 → 10.0.0.3:5060 (Call-ID b-leg@test, From-tag b1, `X-CID: a-leg@test`), each
 * INVITE 100 180 200 ACK BYE 200, B's messages between A's; and an unrelated call
 * 10.0.0.4 → 10.0.0.5 (other@test) during it.
 */
export function xcidCapture(): WrittenCapture {
  const a: Leg = {
    callId: 'a-leg@test',
    fromTag: 'a1',
    toTag: 'a2',
    caller: ['10.0.0.1', 5060],
    callee: ['10.0.0.2', 5060],
    from: '"Alice" <sip:alice@example.com>',
    to: '<sip:carol@example.net>',
    origin: { offer: 'alice 1001 1 IN IP4 10.0.0.1', answer: 'sbc 3003 1 IN IP4 10.0.0.2' },
    media: { offer: ['10.0.0.1', 40000], answer: ['10.0.0.2', 50000] },
  };
  const b: Leg = {
    callId: 'b-leg@test',
    fromTag: 'b1',
    toTag: 'b2',
    caller: ['10.0.0.2', 5070],
    callee: ['10.0.0.3', 5060],
    from: '"Alice" <sip:alice@sbc.example.com>',
    to: '<sip:carol@10.0.0.3>',
    extra: [['X-CID', 'a-leg@test']],
    origin: { offer: 'sbc 4004 1 IN IP4 10.0.0.2', answer: 'carol 5005 1 IN IP4 10.0.0.3' },
    media: { offer: ['10.0.0.2', 50002], answer: ['10.0.0.3', 60000] },
  };
  const u: Leg = {
    callId: 'other@test',
    fromTag: 'u1',
    toTag: 'u2',
    caller: ['10.0.0.4', 5060],
    callee: ['10.0.0.5', 5060],
    from: '<sip:dave@example.org>',
    to: '<sip:erin@example.org>',
    origin: { offer: 'dave 7007 1 IN IP4 10.0.0.4', answer: 'erin 8008 1 IN IP4 10.0.0.5' },
    media: { offer: ['10.0.0.4', 42000], answer: ['10.0.0.5', 44000] },
  };
  const steps: Step[] = [
    ...exchange(a, [0, 0.01, 0.21, 1.01, 1.02, 5, 5.03]),
    ...exchange(b, [0.02, 0.03, 0.2, 1, 1.03, 5.01, 5.02]),
    ...exchange(u, [0.5, 0.51, 0.6, 2, 2.01, 3, 3.01]),
  ];
  steps.sort((x, y) => x[0] - y[0]);
  return render(steps);
}

/**
 * A B2BUA that keeps the Call-ID: 192.0.2.10 → SBC 192.0.2.99 (From-tag a1), then the SBC's own
 * INVITE to 192.0.2.30 (From-tag s1) once the first leg is answered, both legs completed.
 */
export function sameCallIdCapture(): WrittenCapture {
  const common = { callId: 'b2bua-kept@test', from: '<sip:a@x>', to: '<sip:c@x>' };
  const a: Leg = {
    ...common,
    fromTag: 'a1',
    toTag: 's2',
    caller: ['192.0.2.10', 5060],
    callee: ['192.0.2.99', 5060],
    origin: { offer: 'a 11 1 IN IP4 192.0.2.10', answer: 'sbc 12 1 IN IP4 192.0.2.99' },
    media: { offer: ['192.0.2.10', 40000], answer: ['192.0.2.99', 50000] },
  };
  const b: Leg = {
    ...common,
    fromTag: 's1',
    toTag: 'c1',
    caller: ['192.0.2.99', 5060],
    callee: ['192.0.2.30', 5060],
    origin: { offer: 'sbc 13 1 IN IP4 192.0.2.99', answer: 'c 14 1 IN IP4 192.0.2.30' },
    media: { offer: ['192.0.2.99', 50002], answer: ['192.0.2.30', 60000] },
  };
  const steps: Step[] = [...exchange(a, [0, 0.01, 0.05, 0.1, 0.11, 4, 4.03]), ...exchange(b, [0.2, 0.21, 0.3, 1, 1.01, 4.01, 4.02])];
  steps.sort((x, y) => x[0] - y[0]);
  return render(steps);
}

/**
 * The busy B2BUA of one Call-ID the page's first leg test drops (web-ui.test.ts): A → SBC with
 * From-tag a1, SBC → C with its own From-tag s1 before anything is answered, C busy, A told so.
 */
export function sameCallIdBusyCapture(): Uint8Array {
  const h = (tag: string, to: string, cseq: string): [string, string][] => [
    ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK' + tag + cseq.replace(' ', '')],
    ['Call-ID', 'b2bua-legs@test'],
    ['From', `<sip:a@x>;tag=${tag}`],
    ['To', `<sip:c@x>${to}`],
    ['CSeq', cseq],
  ];
  const pkt = (t: number, src: string, dst: string, text: string): Packet => ({
    ts: T0 + t,
    data: udpPacketV4(src, 5060, dst, 5060, text),
  });
  return writePcap([
    pkt(0, '192.0.2.10', '192.0.2.99', sipMessage('INVITE sip:c@x SIP/2.0', h('a1', '', '1 INVITE'))),
    pkt(0.05, '192.0.2.99', '192.0.2.30', sipMessage('INVITE sip:c@x SIP/2.0', h('s1', '', '1 INVITE'))),
    pkt(1, '192.0.2.30', '192.0.2.99', sipMessage('SIP/2.0 486 Busy Here', h('s1', ';tag=c1', '1 INVITE'))),
    pkt(1.01, '192.0.2.99', '192.0.2.30', sipMessage('ACK sip:c@x SIP/2.0', h('s1', ';tag=c1', '1 ACK'))),
    pkt(1.02, '192.0.2.99', '192.0.2.10', sipMessage('SIP/2.0 486 Busy Here', h('a1', ';tag=s2', '1 INVITE'))),
    pkt(1.03, '192.0.2.10', '192.0.2.99', sipMessage('ACK sip:c@x SIP/2.0', h('a1', ';tag=s2', '1 ACK'))),
  ]);
}
