// Fixtures of the capture writer's own tests (test/unit/support/capture-writer.test.ts and
// test/system/capture-writer-tshark.test.ts): addresses, a time, SIP messages and UDP packets.

import * as cw from './capture-writer.ts';

export const A4 = '192.0.2.1';
export const B4 = '198.51.100.2';
export const A6 = '2001:db8::1';
export const B6 = '2001:db8:0:1::2';
export const T0 = { sec: 1_700_000_000, nsec: 123_456_789 };

export function invite(callId: string, cseq = 1, transport = 'UDP'): string {
  return cw.sipMessage(
    'INVITE sip:bob@example.com SIP/2.0',
    [
      ['Via', `SIP/2.0/${transport} ${A4}:5060;branch=z9hG4bK-${callId}`],
      ['Max-Forwards', '70'],
      ['From', '"Alice" <sip:alice@example.com>;tag=a1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', callId],
      ['CSeq', `${cseq} INVITE`],
      ['Contact', `<sip:alice@${A4}:5060>`],
      ['Content-Type', 'application/sdp'],
    ],
    cw.sdpBody({
      sessionC: A4,
      media: [
        { port: 40000, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } },
        { media: 'video', port: 40002, formats: [96], rtpmap: { 96: 'H264/90000' }, c: B6 },
      ],
    }),
  );
}

export function response(code: number, reason: string, callId: string, cseq = '1 INVITE'): string {
  return cw.sipMessage(`SIP/2.0 ${code} ${reason}`, [
    ['Via', `SIP/2.0/TCP ${A4}:5060;branch=z9hG4bK-${callId}`],
    ['From', '"Alice" <sip:alice@example.com>;tag=a1'],
    ['To', '<sip:bob@example.com>;tag=b1'],
    ['Call-ID', callId],
    ['CSeq', cseq],
  ]);
}

export function udp4(callId: string, sport = 5060, dport = 5060): Uint8Array {
  return cw.ipv4({ src: A4, dst: B4, proto: 17 }, cw.udp({ sport, dport }, invite(callId), { src: A4, dst: B4 }));
}
export function udp6(callId: string): Uint8Array {
  return cw.ipv6({ src: A6, dst: B6, nextHeader: 17 }, cw.udp({ sport: 5060, dport: 5060 }, invite(callId), { src: A6, dst: B6 }));
}
