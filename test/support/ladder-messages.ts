// Ladder messages written out by hand (a call through a proxy with a retransmission), for the
// ladder model, text ladder and SVG layout tests.

import type { LadderMessage } from '../../shared/output/ladder.ts';

export const ts = (s: number, ns = 0) => ({ sec: 1767261600 + s, nsec: ns, digits: 6 });
export const base = {
  fileIndex: 0,
  fileOffset: 0,
  transport: 'udp' as const,
  cseq: 1,
  cseqMethod: 'INVITE',
  retransmission: false,
  duplicate: false,
  sdp: null,
  fromCaller: true,
};
/** A caller, a proxy on 10.0.0.2:5060 and a callee on the same host, port 5070. */
export const viaProxy: LadderMessage[] = [
  { ...base, frame: 1, ts: ts(0), src: '10.0.0.1', sport: 5060, dst: '10.0.0.2', dport: 5060, label: 'INVITE', isRequest: true },
  { ...base, frame: 2, ts: ts(0, 5e8), src: '10.0.0.2', sport: 5060, dst: '10.0.0.2', dport: 5070, label: 'INVITE', isRequest: true },
  {
    ...base,
    frame: 3,
    ts: ts(0, 5e8),
    src: '10.0.0.2',
    sport: 5060,
    dst: '10.0.0.2',
    dport: 5070,
    label: 'INVITE',
    isRequest: true,
    retransmission: true,
  },
  {
    ...base,
    frame: 4,
    ts: ts(1),
    src: '10.0.0.2',
    sport: 5070,
    dst: '10.0.0.1',
    dport: 5060,
    label: '200 OK',
    isRequest: false,
    fromCaller: false,
    sdp: 'audio 10.0.0.2:4000 RTP/AVP PCMU; video 10.0.0.2:5000 RTP/AVP H264',
  },
];
