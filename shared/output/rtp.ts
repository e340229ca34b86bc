// Which RTP streams a record's RTP elements speak of (SPEC §8 "Export"), and the stream pairs that
// `--export-rtp-flows` makes a record of, as nProbe's RTP plugin does.
//
// Rules (SPEC §8, and ours where it is silent):
// - A call record's "in" stream is its caller-to-callee stream with the most packets, "out" its
//   callee-to-caller one (a tie goes to the stream that started first). Streams of unknown
//   direction are neither.
// - A pair is a stream and its reverse (source and destination swapped), taken in order of first
//   packet: each stream pairs with the first later stream that reverses it and is not paired yet;
//   a stream without one is a lone pair. A new SSRC on the same ports is a new stream, so it pairs
//   on its own.
// - A pair record is oriented like a call record: its flow goes from the caller's side to the
//   callee's, and "in" is that direction. So its forward stream is the caller-to-callee one, or
//   when neither says so the one that started first, or a lone stream whatever its direction
//   (its flow then goes from that stream's sender: "in" = source → destination, as Wireshark
//   describes nProbe's elements).
// - Its flow fields (SPEC §4 elements): the forward stream's addresses and ports, UDP, the first
//   packet of either stream to the last, the packets of both, and their IP-layer bytes reckoned
//   from the UDP payload bytes (+ 8 UDP + 20 IPv4 / 40 IPv6 header bytes a packet).

import type { CallRecord, FlowInfo, MediaStream } from '../record.ts';
import { compareTimestamps } from '../time.ts';
import { splitEndpoint } from '../addr.ts';

/** The two streams an RTP element speaks of: "in" and "out" (null: nothing to say). */
export interface RtpSides {
  readonly in: MediaStream | null;
  readonly out: MediaStream | null;
}

/** The pair records of rtpFlowRecords(): their own streams, instead of the choice by direction.
 *  (Kept beside them, not in them: one more key on a copy of a record makes V8 give the copy a
 *  slow dictionary shape, 60 times the cost of the copy.) */
const PAIR_SIDES = new WeakMap<CallRecord, RtpSides>();

/** The "in" and "out" streams of a record (a call record, or a pair record of rtpFlowRecords()). */
export function rtpSides(r: CallRecord): RtpSides {
  const own = PAIR_SIDES.get(r);
  if (own !== undefined) return own;
  let inS: MediaStream | null = null;
  let outS: MediaStream | null = null;
  for (const m of r.media) {
    if (m.direction === 'caller-to-callee') {
      if (inS === null || m.packets > inS.packets) inS = m;
    } else if (m.direction === 'callee-to-caller') {
      if (outS === null || m.packets > outS.packets) outS = m;
    }
  }
  return { in: inS, out: outS };
}

const reverses = (a: MediaStream, b: MediaStream): boolean => a.src === b.dst && a.dst === b.src;

/** The stream pairs of a call's media (in order of first packet): forward ("in") and reverse ("out"). */
export function rtpPairs(media: readonly MediaStream[]): { in: MediaStream; out: MediaStream | null }[] {
  const out: { in: MediaStream; out: MediaStream | null }[] = [];
  const paired = new Set<number>();
  for (let i = 0; i < media.length; i++) {
    if (paired.has(i)) continue;
    const a = media[i];
    let j = i + 1;
    while (j < media.length && (paired.has(j) || !reverses(a, media[j]))) j++;
    if (j === media.length) {
      out.push({ in: a, out: null });
      continue;
    }
    paired.add(j);
    const b = media[j];
    // the caller-to-callee stream goes forward; else the one that started first (a)
    const swap = b.direction === 'caller-to-callee' || (a.direction === 'callee-to-caller' && b.direction !== 'callee-to-caller');
    out.push(swap ? { in: b, out: a } : { in: a, out: b });
  }
  return out;
}

const UDP_HEADER = 8;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;

/** The flow of a pair (see the top of the file). */
export function pairFlow(fwd: MediaStream, rev: MediaStream | null): FlowInfo {
  const src = splitEndpoint(fwd.src);
  const dst = splitEndpoint(fwd.dst);
  const ipVersion = src.ip.includes(':') ? 6 : 4;
  const perPacket = UDP_HEADER + (ipVersion === 6 ? IPV6_HEADER : IPV4_HEADER);
  let start = fwd.start;
  let end = fwd.end;
  let packets = fwd.packets;
  let bytes = fwd.bytes + fwd.packets * perPacket;
  if (rev !== null) {
    if (compareTimestamps(rev.start, start) < 0) start = rev.start;
    if (compareTimestamps(rev.end, end) > 0) end = rev.end;
    packets += rev.packets;
    bytes += rev.bytes + rev.packets * perPacket;
  }
  return { ipVersion, src: src.ip, dst: dst.ip, sport: src.port, dport: dst.port, protocol: 17, start, end, packets, bytes };
}

/**
 * One record per stream pair of a call (SPEC §8, `--export-rtp-flows`): the call record with the
 * pair's flow, the pair's streams as its media, and the pair as its "in" and "out" streams. Its
 * RTP_SIP_CALL_ID is the call's Call-ID.
 */
export function rtpFlowRecords(r: CallRecord): CallRecord[] {
  if (r.media.length === 0) return [];
  const out: CallRecord[] = [];
  for (const p of rtpPairs(r.media)) {
    const media = p.out === null ? [p.in] : r.media.filter((m) => m === p.in || m === p.out);
    const view: CallRecord = { ...r, flow: pairFlow(p.in, p.out), media, verdicts: [] };
    PAIR_SIDES.set(view, p);
    out.push(view);
  }
  return out;
}
