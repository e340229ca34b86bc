// A capture whose every frame has a known owner, for `extract` (SPEC §10): three calls between the
// same two hosts with RTP both ways and RTCP on the next ports; the second overlaps the first in
// time; the third comes later on the first one's media ports (port reuse: only time tells them
// apart) with an INVITE cut into IP fragments and another sent over TCP in two segments; around
// them an OPTIONS ping, DNS-like datagrams and RTP to a port no SDP announced.

import {
  IPPROTO,
  ipv4Fragments,
  linkFrame,
  rtp,
  sdpBody,
  sipMessage,
  tcp,
  ipv4,
  udpPacketV4,
  writePcap,
  type Packet,
} from './capture-writer.ts';
import { receiverReport } from './rtcp-packets.ts';

export const T0 = 1_767_268_800; // 2026-01-01 12:00:00 UTC
const A = '10.1.0.1';
const B = '10.1.0.2';

export interface OwnedCapture {
  bytes: Uint8Array;
  /** the Call-ID each frame belongs to, null for frames of no call (in capture order) */
  owners: (string | null)[];
  callIds: string[];
}

interface CallPlan {
  callId: string;
  start: number; // seconds after T0
  talk: number; // seconds of RTP
  offer: number; // caller's RTP port
  answer: number; // callee's RTP port
  fragmentInvite?: boolean;
  tcpReinvite?: boolean;
}

export function ownedCapture(): OwnedCapture {
  const frames: { t: number; data: Uint8Array; owner: string | null }[] = [];
  const plans: CallPlan[] = [
    { callId: 'first@extract.test', start: 1, talk: 4, offer: 40000, answer: 50000 },
    { callId: 'second@extract.test', start: 2.5, talk: 4, offer: 40002, answer: 50002 },
    { callId: 'third@extract.test', start: 40, talk: 3, offer: 40000, answer: 50000, fragmentInvite: true, tcpReinvite: true },
  ];
  for (const p of plans) call(p, frames);
  // not calls: an OPTIONS ping and its answer, DNS-like traffic, RTP nobody announced
  const options = sipMessage('OPTIONS sip:b@10.1.0.2 SIP/2.0', [
    ['Via', 'SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bK-ping'],
    ['From', '<sip:a@10.1.0.1>;tag=p1'],
    ['To', '<sip:b@10.1.0.2>'],
    ['Call-ID', 'ping@extract.test'],
    ['CSeq', '1 OPTIONS'],
  ]);
  frames.push({ t: 3.3, data: udpPacketV4(A, 5060, B, 5060, options), owner: null });
  for (let i = 0; i < 10; i++) frames.push({ t: 1.05 + i, data: udpPacketV4(A, 33000 + i, B, 53, 'query'), owner: null });
  for (let i = 0; i < 30; i++)
    frames.push({
      t: 4 + i * 0.02,
      data: udpPacketV4(A, 41000, B, 51000, rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 77 }, 160)),
      owner: null,
    });
  frames.sort((x, y) => x.t - y.t);
  const packets: Packet[] = frames.map((f) => ({ ts: T0 + f.t, data: f.data }));
  return { bytes: writePcap(packets), owners: frames.map((f) => f.owner), callIds: plans.map((p) => p.callId) };
}

function report(ssrc: number, highestSeq: number) {
  return { ssrc, fraction: 0, cumulative: 0, highestSeq, jitter: 8, lsr: 0, dlsr: 0 };
}

function call(p: CallPlan, out: { t: number; data: Uint8Array; owner: string | null }[]): void {
  const own = (t: number, data: Uint8Array) => out.push({ t, data, owner: p.callId });
  const msg = (start: string, method: string, cseq: number, fromCaller: boolean, toTag: boolean, body = '') => {
    const headers: [string, string][] = [
      ['Via', `SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${p.callId}-${cseq}${method}`],
      ['From', `<sip:alice@${A}>;tag=a-${p.start}`],
      ['To', `<sip:bob@${B}>${toTag ? `;tag=b-${p.start}` : ''}`],
      ['Call-ID', p.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Contact', `<sip:${fromCaller ? 'alice' : 'bob'}@${fromCaller ? A : B}:5060>`],
    ];
    if (body) headers.push(['Content-Type', 'application/sdp']);
    return sipMessage(start, headers, body);
  };
  const sdp = (addr: string, port: number, pad = 0) =>
    sdpBody({ sessionC: addr, media: [{ port, formats: [0, 101], rtpmap: { 0: 'PCMU/8000', 101: 'telephone-event/8000' } }] }) +
    (pad ? `a=x-pad:${'p'.repeat(pad)}\r\n` : '');
  const t = p.start;
  const invite = msg(`INVITE sip:bob@${B} SIP/2.0`, 'INVITE', 1, true, false, sdp(A, p.offer, p.fragmentInvite ? 2400 : 0));
  if (p.fragmentInvite) {
    const datagram = udpPacketV4(A, 5060, B, 5060, invite, 'raw');
    const pieces = ipv4Fragments({ src: A, dst: B, proto: IPPROTO.UDP, id: 0x4242 }, datagram.subarray(20), 1200);
    for (const [i, f] of pieces.entries()) own(t + i * 0.0001, linkFrame('eth', f));
  } else own(t, udpPacketV4(A, 5060, B, 5060, invite));
  own(t + 0.01, udpPacketV4(B, 5060, A, 5060, msg('SIP/2.0 100 Trying', 'INVITE', 1, false, false)));
  own(t + 0.2, udpPacketV4(B, 5060, A, 5060, msg('SIP/2.0 180 Ringing', 'INVITE', 1, false, true)));
  own(t + 0.5, udpPacketV4(B, 5060, A, 5060, msg('SIP/2.0 200 OK', 'INVITE', 1, false, true, sdp(B, p.answer))));
  own(t + 0.51, udpPacketV4(A, 5060, B, 5060, msg(`ACK sip:bob@${B} SIP/2.0`, 'ACK', 1, true, true)));
  // RTP both ways every 20 ms, RTCP receiver reports every second on the next ports
  const n = Math.round(p.talk / 0.02);
  const ssrcA = 0x1000 + p.start * 16;
  const ssrcB = 0x2000 + p.start * 16;
  for (let i = 0; i < n; i++) {
    const at = t + 0.6 + i * 0.02;
    own(at, udpPacketV4(A, p.offer, B, p.answer, rtp({ pt: 0, seq: 100 + i, ts: i * 160, ssrc: ssrcA }, 160)));
    own(at + 0.003, udpPacketV4(B, p.answer, A, p.offer, rtp({ pt: 0, seq: 900 + i, ts: i * 160, ssrc: ssrcB }, 160)));
    if (i % 50 === 49) {
      own(at + 0.005, udpPacketV4(A, p.offer + 1, B, p.answer + 1, receiverReport(ssrcA, [report(ssrcB, 900 + i)])));
      own(at + 0.006, udpPacketV4(B, p.answer + 1, A, p.offer + 1, receiverReport(ssrcB, [report(ssrcA, 100 + i)])));
    }
  }
  const end = t + 0.6 + p.talk;
  if (p.tcpReinvite) {
    // a re-INVITE over TCP in two segments (the first ends mid-header)
    const re = msg(`INVITE sip:bob@${B};transport=tcp SIP/2.0`, 'INVITE', 2, true, true, sdp(A, p.offer));
    const bytes = new TextEncoder().encode(re);
    const cut = 90;
    const seq = 1000;
    own(
      end - 0.3,
      linkFrame(
        'eth',
        ipv4(
          { src: A, dst: B, proto: IPPROTO.TCP },
          tcp({ sport: 45000, dport: 5060, seq, flags: 'PA' }, bytes.subarray(0, cut), { src: A, dst: B }),
        ),
      ),
    );
    own(
      end - 0.29,
      linkFrame(
        'eth',
        ipv4(
          { src: A, dst: B, proto: IPPROTO.TCP },
          tcp({ sport: 45000, dport: 5060, seq: seq + cut, flags: 'PA' }, bytes.subarray(cut), { src: A, dst: B }),
        ),
      ),
    );
    own(
      end - 0.28,
      linkFrame(
        'eth',
        ipv4(
          { src: B, dst: A, proto: IPPROTO.TCP },
          tcp({ sport: 5060, dport: 45000, seq: 5000, flags: 'PA' }, msg('SIP/2.0 200 OK', 'INVITE', 2, false, true, sdp(B, p.answer)), {
            src: B,
            dst: A,
          }),
        ),
      ),
    );
  }
  own(end, udpPacketV4(A, 5060, B, 5060, msg(`BYE sip:bob@${B} SIP/2.0`, 'BYE', 3, true, true)));
  own(end + 0.01, udpPacketV4(B, 5060, A, 5060, msg('SIP/2.0 200 OK', 'BYE', 3, false, true)));
}
