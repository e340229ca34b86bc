// A call record (SPEC §1–§5): what the tracker makes of one dialog, and what every output
// (field table, JSON, CSV, dump, IPFIX, the browser) reads.

import type { Transport } from './events.ts';
import type { Timestamp } from './time.ts';

export type CallState = 'CALL_STARTED' | 'CALL_IN_PROGRESS' | 'CALL_COMPLETED' | 'CALL_CANCELED' | 'CALL_ERROR' | 'REGISTER' | 'UNKNOWN';

export type ExportCause = 'bye' | 'final' | 'idle' | 'evicted' | 'end';

/** The signalling flow of a record (SPEC §4): the initial INVITE's addresses, caller as source. */
export interface FlowInfo {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  protocol: number; // 17 UDP, 6 TCP (also WebSocket), 132 SCTP
  start: Timestamp; // first SIP message of the dialog
  end: Timestamp; // last SIP message of the dialog
  packets: number; // packets that carried the dialog's SIP messages (retransmissions and duplicates included)
  bytes: number; // their IP-layer bytes
}

export interface LadderEntry {
  frame: number;
  fileIndex: number;
  fileOffset: number;
  ts: Timestamp;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  transport: Transport;
  /** method, or "status reason" */
  label: string;
  isRequest: boolean;
  cseq: number;
  cseqMethod: string;
  retransmission: boolean;
  duplicate: boolean;
  /** one line per media section, e.g. "audio 192.0.2.1:4000 RTP/AVP PCMU,telephone-event" */
  sdp: string | null;
  fromCaller: boolean;
  /** the message's bytes; empty when they are read from the file when needed (rawAt) */
  raw: Uint8Array;
  /** where the bytes are in file fileIndex when they were not kept (-1: they are in raw) */
  rawAt: number;
  /** their length, and the core's hash of them (a file read again is checked against it) */
  rawLen: number;
  rawHash: number;
}

export interface CallRecord {
  SIP_CALL_ID: string;
  SIP_CALLING_PARTY: string;
  SIP_CALLED_PARTY: string;
  SIP_RTP_CODECS: string;
  SIP_INVITE_TIME: Timestamp | null;
  SIP_TRYING_TIME: Timestamp | null;
  SIP_RINGING_TIME: Timestamp | null;
  SIP_INVITE_OK_TIME: Timestamp | null;
  SIP_INVITE_FAILURE_TIME: Timestamp | null;
  SIP_BYE_TIME: Timestamp | null;
  SIP_BYE_OK_TIME: Timestamp | null;
  SIP_CANCEL_TIME: Timestamp | null;
  SIP_CANCEL_OK_TIME: Timestamp | null;
  SIP_RTP_IPV4_SRC_ADDR: string;
  SIP_RTP_L4_SRC_PORT: number;
  SIP_RTP_IPV4_DST_ADDR: string;
  SIP_RTP_L4_DST_PORT: number;
  SIP_RESPONSE_CODE: number;
  SIP_REASON_CAUSE: number;
  SIP_UAC: string;
  SIP_UAS: string;
  SIP_C_IP: string;
  SIP_CALL_STATE: CallState;

  flow: FlowInfo;
  /** caller's / callee's media as "ip:port" or "[v6]:port", null when unknown */
  rtpSrc: string | null;
  rtpDst: string | null;
  /** first Reason header value of the dialog, raw */
  reason: string | null;
  messages: number;
  retransmissions: number;
  duplicates: number;
  /** first 2xx to an initial INVITE → first BYE, seconds */
  durationSec: number | null;
  /** initial INVITE → first 180/183/2xx, seconds */
  setupSec: number | null;
  /** SPEC §9: the leg of its Call-ID (1, 2…) and the From-tag that names it */
  leg: number;
  fromTag: string;
  /** SPEC §9: the Call-ID of the earliest leg of its end-to-end call (its own when alone), and
   *  why this leg is tied to the others, in CORRELATIONS order ([] when alone) */
  callGroup: string;
  correlatedBy: Correlation[];
  /** which group of that name (a Call-ID can name two groups when it is used again after its
   *  legs ended): the same number on every leg of one group; not written out */
  groupSeq?: number;
  /** the dialog's method (INVITE, REGISTER, OPTIONS …), for filters; not written out */
  method?: string;
  exportCause: ExportCause;
  /** capture seconds of the export (the deadline for idle/window exports): dump files are per minute of it */
  exportedAt: number;
  /** RTP packets the core counted to this call's SDP endpoints (0 without MediaHooks) */
  rtpPackets: number;
  /** the RTP streams of the call, in order of first packet (SPEC §8) */
  media: MediaStream[];
  /** what went wrong with the media, in SPEC §8 order; [] when all is well */
  verdicts: Verdict[];
  ladder?: LadderEntry[];
}

/** Why legs are tied together (SPEC §9), in the order they are listed. */
export const CORRELATIONS = ['call-id', 'x-cid', 'session-id', 'icid', 'sdp'] as const;
export type Correlation = (typeof CORRELATIONS)[number];

export type Verdict =
  | 'no-rtp'
  | 'one-way'
  | 'rtp-stopped'
  | 'rtp-gap'
  | 'high-loss'
  | 'high-jitter'
  | 'low-mos'
  | 'unexpected-payload'
  | 'nat';

export type MediaDirection = 'caller-to-callee' | 'callee-to-caller' | 'unknown';

/** One RTP stream of a call (SPEC §8, JSON `media[]`). */
/** A stream that ends this long before its call, or pauses this long, lost its audio (SPEC §8:
 *  rtp-stopped, rtp-gap); the tracker's verdicts and the browser's ladder marks both use it. */
export const STOPPED_SEC = 2;

export interface MediaStream {
  src: string; // "ip:port", IPv6 "[addr]:port"
  dst: string;
  ssrc: number;
  direction: MediaDirection;
  payloadType: number | null;
  codec: string | null;
  clockRate: number | null;
  start: Timestamp;
  end: Timestamp;
  packets: number;
  bytes: number;
  expected: number;
  lost: number;
  lostPct: number;
  duplicates: number;
  outOfOrder: number;
  maxDeltaMs: number;
  jitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
  rFactor: number;
  mos: number;
  dtmf: string;
  /** first and highest sequence number, first and last RTP timestamp (RTP_FIRST_SEQ … RTP_LAST_TS of
   *  --export-rtp-flows; not JSON keys) */
  firstSeq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  /** RTCP receiver reports about this stream (SR/RR report blocks whose SSRC is this stream's), null when none was seen */
  rtcp: RtcpFigures | null;
}

/** What the receiver of a stream said about it in RTCP (SPEC §8). */
export interface RtcpFigures {
  /** report blocks about the stream */
  reports: number;
  /** fraction lost of the last report, 0…1 (the 8-bit field ÷ 256) */
  fractionLost: number;
  /** cumulative packets lost of the last report (can be negative) */
  cumulativeLost: number;
  /** interarrival jitter of the last report, in ms (timestamp units ÷ the stream's clock rate) */
  jitterMs: number | null;
  /** mean round-trip time from LSR/DLSR over the reports that had one, ms; null when none */
  rttMs: number | null;
}

/** The lowest MOS of a call's streams (the CLI table's MOS column, the page's, filters and KPIs);
 *  null without streams. */
export function worstMos(r: Pick<CallRecord, 'media'>): number | null {
  let mos: number | null = null;
  for (const m of r.media) if (mos === null || m.mos < mos) mos = m.mos;
  return mos;
}

/** One end-to-end call (SPEC §9): its callGroup, and which group of that name (groupSeq). */
export function groupKey(r: Pick<CallRecord, 'callGroup' | 'groupSeq'>): string {
  return `${r.callGroup}\n${r.groupSeq ?? 0}`;
}
