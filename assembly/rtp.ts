// RTP stream analysis (SPEC §8). A UDP datagram to a watched endpoint that is RTP version 2 with
// sound header lengths updates its stream, (source, destination, SSRC): packets, bytes, the
// RFC 3550 A.1 extended sequence number, duplicates and reordering, arrival gaps and the A.8
// interarrival jitter, RFC 4733 events. Delta and jitter follow Wireshark 4.0's RTP analysis
// (ui/tap-rtp-analysis.c) so the figures agree with `tshark -z rtp,streams`: jitter against the
// previous packet in timestamp order, the clock rate in whole kHz, marker, comfort-noise and
// "stamped before the first" packets left out of the maxima and the mean. Nothing crosses into
// JS per packet; the host reads a stream's entry when its call is exported.

import {
  C_RTCP_BAD,
  C_RTP_BAD,
  C_RTP_STREAMS,
  C_STREAM_CAP,
  C_STREAM_TABLE_FULL,
  DTMF_MAX,
  MAX_STREAMS,
  MAX_STREAMS_PER_ENDPOINT,
  SEQ_WINDOW,
  ST_BYTES,
  ST_CLOCK,
  ST_DPORT,
  ST_DST,
  ST_DTMF,
  ST_DTMF_LEN,
  ST_DTMF_TS,
  ST_DUPLICATES,
  ST_FIRST_EXT,
  ST_FIRST_NSEC,
  ST_FIRST_SEC,
  ST_FIRST_TS,
  ST_JITTER_MS,
  ST_LAST_NOMINAL_MS,
  ST_LAST_NSEC,
  ST_LAST_PT,
  ST_LAST_SEC,
  ST_MARKERS,
  ST_MAX_DELTA_AT,
  ST_MAX_DELTA_MS,
  ST_MAX_EXT,
  ST_MAX_JITTER_MS,
  ST_JITTER_SUM,
  ST_BYTES_HIGH,
  ST_CUR_FLAGS,
  ST_CUR_KHZ,
  ST_NEXT,
  ST_OUT_OF_ORDER,
  ST_PACKETS,
  ST_PREV_MS,
  ST_PT,
  ST_PTS,
  ST_REVERSE,
  ST_SEEN,
  ST_SIZE,
  ST_SPORT,
  ST_SRC,
  ST_SSRC,
  ST_LAST_TS,
  ST_TRACED,
  MAX_TRACE_KEYS,
  MAX_TRACE_SAMPLES,
  TR_EXPECTED,
  TR_JITTER_MS,
  TR_KEY,
  TR_NSEC,
  TR_PACKETS,
  TR_SEC,
  TR_SIZE,
} from './abi';
import * as ctx from './ctx';
import * as endpoints from './endpoints';
import { be16, be32, u8at } from './mem';
import { releaseRtcp, rtcpPacket } from './rtcp';
import { count } from './stats';
import { Table, hash16, same16 } from './table';

const NO_PT: u32 = 255;
/** first extended sequence number: one cycle up, so a packet older than the first stays positive */
const EXT_BASE: u32 = 0x10000;

let table: Table = changetype<Table>(0);
let streams: usize = 0;

export function initRtp(): void {
  table = new Table(MAX_STREAMS);
  // aligned, so an entry's hot fields share two cache lines
  streams = (heap.alloc(<usize>MAX_STREAMS * ST_SIZE + 64) + 63) & ~(<usize>63);
  // here, not on first use: the arena is the last allocation (arena.ts), and pages never
  // written cost runs without a plot nothing
  keys = heap.alloc(<usize>MAX_TRACE_KEYS * KEY_SIZE);
  samples = heap.alloc(<usize>MAX_TRACE_SAMPLES * TR_SIZE);
}

export function streamPtr(s: i32): usize {
  return streams + <usize>s * ST_SIZE;
}

/** Clock rate of a payload type below 96 (RFC 3551, as Wireshark 4.0 knows them), 0 unknown. */
function staticClock(pt: u32): u32 {
  if (pt <= 5 || pt == 7 || pt == 8 || pt == 9 || pt == 12 || pt == 13 || pt == 15 || pt == 18 || pt == 19) return 8000;
  if (pt == 6) return 16000;
  if (pt == 10 || pt == 11) return 44100;
  if (pt == 16) return 11025;
  if (pt == 17) return 22050;
  if (pt == 14 || pt == 25 || pt == 26 || pt == 28 || (pt >= 31 && pt <= 34)) return 90000;
  return 0;
}

function isComfortNoise(pt: u32): bool {
  return pt == 13 || pt == 19;
}

/**
 * A UDP payload (p, len) sent to watched endpoint e from ctx.ipSrc:sport to ctx.ipDst:dport.
 * False when e does not take it (a reverse entry hears its peer only).
 */
export function mediaPacket(e: i32, p: usize, len: u32, sport: u32, dport: u32): bool {
  const ep = endpoints.entryOf(e);
  const kind = endpoints.flagsAt(ep);
  if (kind != 0) {
    if (!endpoints.acceptsFromAt(ep, e, ctx.ipSrc, sport)) return false;
    if (kind & endpoints.F_RTCP) {
      endpoints.notePacketAt(ep);
      const owner = endpoints.streamOwnerAt(ep, e);
      if (len < 8 || u8at(p) >> 6 != 2) count(C_RTCP_BAD);
      else if (rtcpPacket(owner, p, len) && owner == e && endpoints.rtcpReverse(e) < 0) {
        // symmetric RTCP: the other side answers where this came from (a NAT's address)
        endpoints.setRtcpReverse(e, endpoints.addReverse(ctx.ipSrc, sport, ctx.ipDst, dport, e));
      }
      return true;
    }
  }
  if (len < 8 || u8at(p) >> 6 != 2) {
    endpoints.notePacketAt(ep);
    count(C_RTP_BAD);
    return true;
  }
  const b1 = u8at(p + 1);
  // RTCP on the RTP port (rtcp-mux): packet types 200-204 where RTP would have marker + PT 72-76;
  // not an RTP packet of the call
  if (b1 >= 200 && b1 <= 204) {
    rtcpPacket(endpoints.streamOwnerAt(ep, e), p, len);
    return true;
  }
  endpoints.notePacketAt(ep);
  if (len < 12) {
    count(C_RTP_BAD);
    return true;
  }
  const b0 = u8at(p);
  let hdr: u32 = 12 + ((b0 & 0x0f) << 2);
  if (b0 & 0x10) {
    if (hdr + 4 > len) {
      count(C_RTP_BAD);
      return true;
    }
    hdr += 4 + (be16(p + hdr + 2) << 2);
  }
  let pad: u32 = 0;
  if (b0 & 0x20) {
    pad = u8at(p + len - 1);
    if (pad == 0) hdr = len + 1; // invalid: padding announced without a count
  }
  if (hdr + pad > len) {
    count(C_RTP_BAD);
    return true;
  }
  const ssrc = be32(p + 8);
  const owner = endpoints.streamOwnerAt(ep, e);
  // most packets continue the stream of the packet before them at this endpoint
  let s = endpoints.lastStreamAt(ep);
  if (s < 0 || !sameSource(streamPtr(s), ssrc, sport)) {
    s = streamFor(owner, e, ssrc, sport, dport);
    if (s < 0) return true;
    endpoints.setLastStreamAt(ep, s);
  }
  const q = streamPtr(s);
  analyse(q, owner, p, len, hdr, pad);
  if (load<u8>(q + ST_TRACED) != 0) sample(q);
  return true;
}

/** The hint of endpoint e names a stream to e: only the source and SSRC need checking. */
function sameSource(q: usize, ssrc: u32, sport: u32): bool {
  return load<u32>(q + ST_SSRC) == ssrc && load<u16>(q + ST_SPORT) == <u16>sport && same16(q + ST_SRC, ctx.ipSrc);
}

function isStream(q: usize, ssrc: u32, sport: u32, dport: u32): bool {
  return sameSource(q, ssrc, sport) && load<u16>(q + ST_DPORT) == <u16>dport && same16(q + ST_DST, ctx.ipDst);
}

/** The stream of (ctx.ipSrc:sport, ctx.ipDst:dport, ssrc), made when new; -1 when it cannot be. */
function streamFor(owner: i32, at: i32, ssrc: u32, sport: u32, dport: u32): i32 {
  const h = hash16(ctx.ipSrc, hash16(ctx.ipDst, (sport << 16) | dport) ^ ssrc);
  let slot = table.start(h);
  while (true) {
    const c = table.at(slot);
    if (c < 0) break;
    if (isStream(streamPtr(c), ssrc, sport, dport)) return c;
    slot = table.next(slot);
  }
  if (endpoints.streamCount(owner) >= MAX_STREAMS_PER_ENDPOINT) {
    count(C_STREAM_CAP);
    return -1;
  }
  const s = table.insert(h);
  if (s < 0) {
    count(C_STREAM_TABLE_FULL);
    return -1;
  }
  count(C_RTP_STREAMS);
  const q = streamPtr(s);
  memory.fill(q, 0, ST_SIZE);
  memory.copy(q + ST_SRC, ctx.ipSrc, 16);
  memory.copy(q + ST_DST, ctx.ipDst, 16);
  store<u16>(q + ST_SPORT, <u16>sport);
  store<u16>(q + ST_DPORT, <u16>dport);
  store<u32>(q + ST_SSRC, ssrc);
  store<u8>(q + ST_PT, <u8>NO_PT);
  store<u8>(q + ST_LAST_PT, <u8>NO_PT);
  // the answering direction of symmetric RTP comes back to where this stream came from
  store<i32>(q + ST_REVERSE, at == owner ? endpoints.addReverse(ctx.ipSrc, sport, ctx.ipDst, dport, owner) : -1);
  // append: streams are listed in order of first packet
  store<i32>(q + ST_NEXT, -1);
  let t = endpoints.firstStream(owner);
  if (t < 0) endpoints.setFirstStream(owner, s);
  else {
    while (load<i32>(streamPtr(t) + ST_NEXT) >= 0) t = load<i32>(streamPtr(t) + ST_NEXT);
    store<i32>(streamPtr(t) + ST_NEXT, s);
  }
  endpoints.setStreamCount(owner, endpoints.streamCount(owner) + 1);
  if (traceKeys > 0) store<u8>(q + ST_TRACED, <u8>traceKeyOf(q));
  return s;
}

/** Bit n of the received-sequence window. */
function seen(q: usize, ext: u32): bool {
  const i = ext & (SEQ_WINDOW - 1);
  return (load<u8>(q + ST_SEEN + (i >> 3)) & ((<u8>1) << (<u8>(i & 7)))) != 0;
}
function mark(q: usize, ext: u32): void {
  const a = q + ST_SEEN + ((ext & (SEQ_WINDOW - 1)) >> 3);
  store<u8>(a, load<u8>(a) | ((<u8>1) << (<u8>(ext & 7))));
}
function unmark(q: usize, ext: u32): void {
  const a = q + ST_SEEN + ((ext & (SEQ_WINDOW - 1)) >> 3);
  store<u8>(a, load<u8>(a) & ~((<u8>1) << (<u8>(ext & 7))));
}

const CUR_CN: u32 = 1;
const CUR_EVENT: u32 = 2;

function analyse(q: usize, owner: i32, p: usize, len: u32, hdr: u32, pad: u32): void {
  const b1 = u8at(p + 1);
  const marker = (b1 & 0x80) != 0;
  const pt: u32 = b1 & 0x7f;
  const seq = be16(p + 2);
  const ts = be32(p + 4);
  const n = load<u32>(q + ST_PACKETS);

  store<u32>(q + ST_LAST_SEC, ctx.tsSec);
  store<u32>(q + ST_LAST_NSEC, ctx.tsNsec);
  store<u32>(q + ST_PACKETS, n + 1);
  store<u32>(q + ST_LAST_TS, ts);
  const bytes = load<u32>(q + ST_BYTES);
  store<u32>(q + ST_BYTES, bytes + len);
  if (bytes + len < bytes) store<u32>(q + ST_BYTES_HIGH, load<u32>(q + ST_BYTES_HIGH) + 1);
  if (marker) {
    const m = load<u16>(q + ST_MARKERS);
    if (m < 0xffff) store<u16>(q + ST_MARKERS, m + 1);
  }

  // what the payload type means is worked out when it changes, not for every packet
  const prevPt = <u32>load<u8>(q + ST_LAST_PT);
  const prevFlags = <u32>load<u8>(q + ST_CUR_FLAGS);
  if (pt != prevPt) payloadChange(q, owner, pt);
  const flags = <u32>load<u8>(q + ST_CUR_FLAGS);
  const khz = <u32>load<u16>(q + ST_CUR_KHZ);
  const cn = (flags & CUR_CN) != 0;
  if (flags & CUR_EVENT) dtmf(q, p + hdr, len - hdr - pad, ts);

  if (n == 0) {
    store<u32>(q + ST_FIRST_SEC, ctx.tsSec);
    store<u32>(q + ST_FIRST_NSEC, ctx.tsNsec);
    store<u32>(q + ST_FIRST_TS, ts);
    store<u32>(q + ST_FIRST_EXT, EXT_BASE + seq);
    store<u32>(q + ST_MAX_EXT, EXT_BASE + seq);
    mark(q, EXT_BASE + seq);
    return;
  }
  const maxExt = load<u32>(q + ST_MAX_EXT);
  if (((seq - maxExt) & 0xffff) == 1) {
    // the next packet (almost every one)
    mark(q, maxExt + 1);
    store<u32>(q + ST_MAX_EXT, maxExt + 1);
  } else sequence(q, seq);

  // arrival and RTP time, in ms after the stream's first packet
  // (multiplications: a division per packet is measurable at a million packets a second)
  const now =
    <f64>(<i32>(ctx.tsSec - load<u32>(q + ST_FIRST_SEC))) * 1000 + <f64>(<i32>ctx.tsNsec - <i32>load<u32>(q + ST_FIRST_NSEC)) * 1e-6;
  const tsDiff = ts - load<u32>(q + ST_FIRST_TS);
  // Wireshark's running mean is mean·n_prev + J over n: kept as that sum (ST_JITTER_SUM), so a
  // packet that does not count only rescales it by n / n_prev
  if (tsDiff >= 0x80000000) {
    // stamped before the first packet: no delta, no jitter
    rescale(q, n, false, 0);
    return;
  }
  const counted = !marker && !cn && (prevFlags & CUR_CN) == 0;
  const prev = load<f64>(q + ST_PREV_MS);
  const delta = now - prev;
  let jitter = load<f64>(q + ST_JITTER_MS);
  if (khz != 0) {
    const nominal = <f64>tsDiff / <f64>khz;
    const d = Math.abs(now - (prev + (nominal - load<f64>(q + ST_LAST_NOMINAL_MS))));
    jitter = (jitter * 15 + d) * 0.0625; // / 16, exactly
    store<f64>(q + ST_JITTER_MS, jitter);
    store<f64>(q + ST_LAST_NOMINAL_MS, nominal);
  }
  if (counted) {
    if (delta > load<f64>(q + ST_MAX_DELTA_MS)) {
      store<f64>(q + ST_MAX_DELTA_MS, delta);
      store<f64>(q + ST_MAX_DELTA_AT, <f64>ctx.tsSec + <f64>ctx.tsNsec / 1e9);
    }
    if (khz != 0 && jitter > load<f64>(q + ST_MAX_JITTER_MS)) store<f64>(q + ST_MAX_JITTER_MS, jitter);
  }
  rescale(q, n, counted && khz != 0, jitter);
  store<f64>(q + ST_PREV_MS, now);
}

/** Packet n (0-based) updated the mean with j, or (not counted) left it as it was. */
function rescale(q: usize, n: u32, counted: bool, j: f64): void {
  const sum = load<f64>(q + ST_JITTER_SUM);
  if (counted) store<f64>(q + ST_JITTER_SUM, sum + j);
  else if (n > 1 && sum != 0) store<f64>(q + ST_JITTER_SUM, (sum * <f64>n) / <f64>(n - 1));
}

/** The stream's payload type becomes pt: its clock, whether it is comfort noise or an event. */
function payloadChange(q: usize, owner: i32, pt: u32): void {
  const mapped = pt >= 96 ? endpoints.payloadOf(owner, pt) : 0;
  const event = (mapped & endpoints.PT_EVENT) != 0;
  const clock: u32 = pt < 96 ? staticClock(pt) : mapped & 0xffffff;
  const cn = isComfortNoise(pt);
  store<u8>(q + ST_LAST_PT, <u8>pt);
  store<u8>(q + ST_CUR_FLAGS, <u8>((cn ? CUR_CN : 0) | (event ? CUR_EVENT : 0)));
  store<u16>(q + ST_CUR_KHZ, <u16>(event ? 0 : clock / 1000));
  const pts = q + ST_PTS + (pt >> 3);
  store<u8>(pts, load<u8>(pts) | ((<u8>1) << (<u8>(pt & 7))));
  if (!event && !cn && load<u8>(q + ST_PT) == NO_PT) {
    store<u8>(q + ST_PT, <u8>pt);
    store<u32>(q + ST_CLOCK, clock);
  }
}

/** RFC 3550 A.1: extend the sequence number, tell duplicates and reordered packets apart. */
function sequence(q: usize, seq: u32): void {
  const maxExt = load<u32>(q + ST_MAX_EXT);
  const forward = (seq - maxExt) & 0xffff;
  if (forward != 0 && forward < 0x8000) {
    const ext = maxExt + forward;
    if (forward >= SEQ_WINDOW) memory.fill(q + ST_SEEN, 0, SEQ_WINDOW >> 3);
    else for (let x = maxExt + 1; x < ext; x++) unmark(q, x);
    mark(q, ext);
    store<u32>(q + ST_MAX_EXT, ext);
    return;
  }
  const back: u32 = forward == 0 ? 0 : 0x10000 - forward;
  if (back < SEQ_WINDOW && back <= maxExt && seen(q, maxExt - back)) {
    store<u32>(q + ST_DUPLICATES, load<u32>(q + ST_DUPLICATES) + 1);
    return;
  }
  store<u32>(q + ST_OUT_OF_ORDER, load<u32>(q + ST_OUT_OF_ORDER) + 1);
  if (back < SEQ_WINDOW && back <= maxExt) mark(q, maxExt - back);
}

/** RFC 4733: one event per RTP timestamp (the end packet's retransmissions share it). */
function dtmf(q: usize, p: usize, len: u32, ts: u32): void {
  if (len < 4) return;
  const n = load<u32>(q + ST_DTMF_LEN);
  if (n > 0 && load<u32>(q + ST_DTMF_TS) == ts) return;
  store<u32>(q + ST_DTMF_TS, ts);
  if (n >= DTMF_MAX) return;
  const ev = u8at(p);
  let c: u32 = 63; // '?'
  if (ev <= 9) c = 48 + ev;
  else if (ev == 10)
    c = 42; // '*'
  else if (ev == 11)
    c = 35; // '#'
  else if (ev <= 15) c = 65 + ev - 12; // 'A'..'D'
  store<u8>(q + ST_DTMF + n, <u8>c);
  store<u32>(q + ST_DTMF_LEN, n + 1);
}

// ---- releasing -----------------------------------------------------------------------------

/** A watcher lets go of endpoint e; with the last one its streams and reverse entries go. */
export function release(e: i32): void {
  if (endpoints.refs(e) == 1) {
    let s = endpoints.firstStream(e);
    while (s >= 0) {
      const q = streamPtr(s);
      const next = load<i32>(q + ST_NEXT);
      const rev = load<i32>(q + ST_REVERSE);
      if (rev >= 0 && endpoints.isReverseOf(rev, e)) release(rev);
      // an address no packet has: a hint still naming this entry misses and looks it up again
      memory.fill(q + ST_SRC, 0xff, 16);
      table.remove(s);
      s = next;
    }
    endpoints.setFirstStream(e, -1);
    endpoints.setStreamCount(e, 0);
    const rr = endpoints.rtcpReverse(e);
    if (rr >= 0 && endpoints.isReverseOf(rr, e)) release(rr);
    releaseRtcp(e);
  }
  endpoints.unref(e);
}

// ---- trace: a sample per packet of chosen streams (one call's plot, on demand) ----------------

/** A trace key as the host writes it: src[16] dst[16] sport u16 dport u16 ssrc u32. */
const KEY_SIZE: usize = 40;
let traceKeys: u32 = 0;
let keys: usize = 0;
let samples: usize = 0;
let nSamples: u32 = 0;
let dropped: u32 = 0;

/** Where the host writes key i (i < MAX_TRACE_KEYS). */
export function traceKeyPtr(i: u32): usize {
  return keys + <usize>(i < MAX_TRACE_KEYS ? i : MAX_TRACE_KEYS - 1) * KEY_SIZE;
}
/** Follow the first n keys written (streams made from now on). */
export function traceSet(n: u32): void {
  traceKeys = n < MAX_TRACE_KEYS ? n : MAX_TRACE_KEYS;
}
export function traceSamples(): usize {
  return samples;
}
export function traceCount(): u32 {
  return nSamples;
}
export function traceDropped(): u32 {
  return dropped;
}
export function traceClear(): void {
  nSamples = 0;
}

function traceKeyOf(q: usize): u32 {
  for (let i: u32 = 0; i < traceKeys; i++) {
    const k = keys + <usize>i * KEY_SIZE;
    if (
      same16(k, q + ST_SRC) &&
      same16(k + 16, q + ST_DST) &&
      load<u16>(k + 32) == load<u16>(q + ST_SPORT) &&
      load<u16>(k + 34) == load<u16>(q + ST_DPORT) &&
      load<u32>(k + 36) == load<u32>(q + ST_SSRC)
    )
      return i + 1;
  }
  return 0;
}

function sample(q: usize): void {
  if (nSamples >= MAX_TRACE_SAMPLES) {
    dropped++;
    return;
  }
  const t = samples + <usize>nSamples * TR_SIZE;
  store<u32>(t + TR_SEC, ctx.tsSec);
  store<u32>(t + TR_NSEC, ctx.tsNsec);
  store<u32>(t + TR_KEY, <u32>load<u8>(q + ST_TRACED) - 1);
  store<u32>(t + TR_EXPECTED, load<u32>(q + ST_MAX_EXT) - load<u32>(q + ST_FIRST_EXT) + 1);
  store<u32>(t + TR_PACKETS, load<u32>(q + ST_PACKETS));
  store<f32>(t + TR_JITTER_MS, <f32>load<f64>(q + ST_JITTER_MS));
  nSamples++;
}
