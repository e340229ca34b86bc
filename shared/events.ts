// What the engine hands the call tracker: one decoded SIP message.
// The WASM core writes a compact binary event; engine.ts turns it into this shape.

import type { Timestamp } from './time.ts';

export type Transport = 'udp' | 'tcp' | 'sctp' | 'ws';

/** One SDP media section (`m=` line) with what sipscope needs from it. */
export interface SdpMedia {
  media: string; // "audio", "video", "image"...
  port: number;
  proto: string; // "RTP/AVP", "udptl"...
  formats: readonly string[]; // payload types / formats in line order (shared: never changed)
  rtpmap: ReadonlyMap<string, string>; // payload type -> encoding name (as written); shared by equal sections, never changed
  connection: string | null; // media-level c= address (no /ttl), else null
  /** a=sendrecv/sendonly/recvonly/inactive of the section, else null (the session's applies) */
  direction: SdpDirection | null;
  /** a=rtcp: port (RFC 3605), else null (RTP port + 1) */
  rtcpPort: number | null;
  /** a=rtcp-mux (RFC 5761): RTCP on the RTP port */
  rtcpMux: boolean;
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface Sdp {
  connection: string | null; // session-level c= address (no /ttl)
  /** every c= address of the body (session and media level) in order, without /ttl */
  connections: readonly string[];
  media: readonly SdpMedia[];
  /** session-level direction attribute, else null (sendrecv) */
  direction: SdpDirection | null;
  /** the session-level o= value as written (trimmed), else null */
  origin: string | null;
}

export interface SipMessage {
  /** 1-based number of the frame in the run (across all input files), as Wireshark numbers them */
  frame: number;
  /** index of the input file (0-based) and byte offset of the frame's record in it */
  fileIndex: number;
  fileOffset: number;
  ts: Timestamp;
  ipVersion: 4 | 6;
  src: string; // dotted IPv4 or RFC 5952 IPv6
  dst: string;
  sport: number;
  dport: number;
  transport: Transport;
  /** IP-layer bytes of the packet(s) that carried the message (for the flow's octet count) */
  wireBytes: number;
  /** packets that carried it: 1 for a datagram, the segments since the previous message on a
   *  TCP stream (0 when one segment held several messages and an earlier one counted it) */
  wirePackets: number;

  isRequest: boolean;
  method: string; // request method ('' for responses)
  requestUri: string; // '' for responses
  status: number; // 0 for requests
  reasonPhrase: string; // '' for requests
  cseq: number; // NaN-free: 0 when missing
  cseqMethod: string;

  callId: string; // trimmed; '' when missing
  from: string; // raw header value
  to: string;
  fromTag: string; // '' when none
  toTag: string;
  userAgent: string | null;
  server: string | null;
  /** every Reason header value as written, in order (a comma list kept whole) */
  reasonHeaders: readonly string[];
  contentType: string | null;
  /** SPEC §9 correlation headers, the first of each as written (null when absent): X-CID (or
   *  X-Call-ID, X-Orig-Call-ID, X-Original-Call-ID) trimmed, Session-ID, P-Charging-Vector */
  xCallId: string | null;
  sessionId: string | null;
  chargingVector: string | null;
  sdp: Sdp | null;
  /** the whole message as captured (start line, headers, body), when the engine keeps bytes
   *  (Engine.keepRaw: for ladders), else null */
  raw: Uint8Array | null;
  /** its length, and a hash of its bytes made by the core: exact duplicates are told by both */
  rawLen: number;
  rawHash: number;
  /** offset of the message in its input file when its bytes lie there as they are (one frame,
   *  not reassembled or unmasked), else -1 */
  rawAt: number;
}

/** One RTP stream (source, destination, SSRC) at a watched media endpoint, as the core analysed
 *  it (SPEC §8; rules in assembly/rtp.ts). */
export interface RtpStream {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
  first: Timestamp;
  last: Timestamp;
  /** every packet, duplicates included */
  packets: number;
  /** UDP payload bytes */
  bytes: number;
  /** extended highest sequence number − first + 1 (RFC 3550 A.3) */
  expected: number;
  /** expected − packets: duplicates make it smaller, it can be negative */
  lost: number;
  duplicates: number;
  outOfOrder: number;
  /** first payload type that is not telephone-event or comfort noise, null when none */
  payloadType: number | null;
  /** its clock rate, 0 when unknown */
  clockRate: number;
  /** every payload type seen, ascending */
  payloadTypes: number[];
  markers: number;
  jitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
  maxDeltaMs: number;
  /** capture seconds of the packet that ended the largest gap, 0 when none */
  maxDeltaAt: number;
  /** RFC 4733 events, one character each */
  dtmf: string;
  /** RTP time of the last timed packet after the first, ms (0 when the clock is unknown) */
  rtpTimeMs: number;
  /** sequence number of the first packet, and the highest one (RFC 3550 A.1), 0…65535 */
  firstSeq: number;
  lastSeq: number;
  /** RTP timestamp of the first packet, and of the last one in arrival order */
  firstTs: number;
  lastTs: number;
}

/** What RTCP sent to one endpoint said about one SSRC (report blocks of SR and RR). */
export interface RtcpReport {
  ssrc: number;
  reports: number;
  /** the last block's fraction lost field, 0…255 (÷ 256) */
  fraction: number;
  cumulativeLost: number;
  /** the last block's interarrival jitter, RTP timestamp units */
  jitter: number;
  /** blocks whose LSR named an SR seen in the capture, their mean and largest round trip */
  rtts: number;
  rttMeanMs: number;
  rttMaxMs: number;
}

/** The key of a stream to trace (Engine.traceStreams). */
export interface StreamKey {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
}

/** One RTP packet of a traced stream: where the stream stood after it. */
export interface StreamSample {
  /** index into the keys given to traceStreams */
  stream: number;
  sec: number;
  nsec: number;
  /** extended highest sequence − first + 1 so far */
  seq: number;
  /** packets of the stream so far */
  packets: number;
  jitterMs: number;
}
