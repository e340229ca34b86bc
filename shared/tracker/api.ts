// What the call tracker takes and gives besides records: its options, the media hooks the
// engine offers it, and its statistics.

import type { RtcpReport, RtpStream } from '../events.ts';
import type { ExportCause } from '../record.ts';

export interface TrackerOptions {
  /** seconds without SIP or RTP before an unanswered call (or a non-INVITE dialog) is exported */
  idleTimeout: number;
  /** the same once the call is answered */
  establishedTimeout: number;
  /** most open calls; the longest-idle one is exported early when a new one would exceed it */
  maxCalls: number;
  /** non-INVITE dialogs become records too (state REGISTER / UNKNOWN) */
  allDialogs: boolean;
  /** keep every message (with its bytes) in `ladder` */
  keepMessages: boolean;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  idleTimeout: 300,
  establishedTimeout: 7200,
  maxCalls: 1_000_000,
  allDialogs: false,
  keepMessages: false,
});

/** RTP counters kept by the WASM core for endpoints learned from SDP. */
export interface MediaHooks {
  watch(ip: string, port: number): number;
  unwatch(id: number): void;
  /** capture seconds of the last RTP packet sent to that endpoint, 0 if none */
  lastSeen(id: number): number;
  packets(id: number): number;
  /** the RTP streams analysed at that endpoint, in order of first packet */
  streams(id: number): RtpStream[];
  /** RTCP: watch an RTCP port, and what RTCP sent to an endpoint (RTCP or, muxed, RTP) said */
  watchRtcp?(ip: string, port: number): number;
  rtcpReports?(id: number): RtcpReport[];
}

export interface TrackerStats {
  /** every message handed to onMessage */
  messages: number;
  /** no Call-ID, no/unparsable CSeq, no method/status */
  malformed: number;
  retransmissions: number;
  duplicates: number;
  /** records started by an initial INVITE */
  calls: number;
  /** records of non-INVITE dialogs (allDialogs) */
  dialogs: number;
  open: number;
  exported: number;
  evicted: number;
  /** messages of an exported call that came within 32 s of its export (absorbed, no new record) */
  lateMessages: number;
  /** messages of Call-IDs that are not records (non-INVITE dialogs without allDialogs) */
  otherMessages: number;
  /** exported calls forgotten before their 32 s because as many were remembered as calls can be
   *  open (their late messages then count as other messages, a late INVITE as a new call) */
  tombsDropped: number;
  /** SPEC §9: ties refused because a group had its most legs, and correlation keys not kept
   *  because a leg had its most */
  groupFull: number;
  correlationKeysDropped: number;
  /** non-INVITE dialogs (distinct Call-IDs) by the method of their first message */
  methods: Record<string, number>;
  exportCauses: Record<ExportCause, number>;
}
