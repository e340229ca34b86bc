// RTCP at watched endpoints (SPEC §8): compound packets of SR, RR and the rest (RFC 3550 §6.4),
// at an RTCP port or muxed on the RTP port (RFC 5761). What is kept is what a receiver said
// about each stream it gets: per reported SSRC the last fraction lost, cumulative lost and jitter,
// and the round-trip time that the report's LSR/DLSR give against the capture time of the SR it
// names (as Wireshark's "roundtrip calculation" does: RR arrival − SR arrival − DLSR). A
// compound with a bad version or a length past its end is counted and left whole.

import {
  C_RTCP,
  C_RTCP_BAD,
  C_RTCP_FULL,
  MAX_RTCP,
  MAX_RTCP_PER_ENDPOINT,
  RC_CUM_LOST,
  RC_ENDPOINT,
  RC_FRACTION,
  RC_JITTER,
  RC_KIND,
  RC_NEXT,
  RC_REPORT,
  RC_REPORTS,
  RC_RTTS,
  RC_RTT_MAX_MS,
  RC_RTT_SUM_MS,
  RC_SIZE,
  RC_SR,
  RC_SR_NSEC,
  RC_SR_NTP,
  RC_SR_SEC,
  RC_SSRC,
} from './abi';
import * as ctx from './ctx';
import * as endpoints from './endpoints';
import { be16, be32, u8at } from './mem';
import { count } from './stats';
import { Table } from './table';

let table: Table = changetype<Table>(0);
let entries: usize = 0;

export function initRtcp(): void {
  table = new Table(MAX_RTCP);
  entries = heap.alloc(<usize>MAX_RTCP * RC_SIZE);
}

export function rtcpPtr(r: i32): usize {
  return entries + <usize>r * RC_SIZE;
}

/** Report entries are the receiver's endpoint's; SR entries are found by sender SSRC alone. */
function keyOf(owner: i32, ssrc: u32, kind: u32): u32 {
  const k = kind == RC_SR ? ssrc ^ 0x5bd1e995 : ssrc ^ (<u32>owner * 0x9e3779b1);
  return (k ^ (k >> 15)) * 0x2c1b3c6d;
}

function lookup(owner: i32, ssrc: u32, kind: u32): i32 {
  let slot = table.start(keyOf(owner, ssrc, kind));
  while (true) {
    const r = table.at(slot);
    if (r < 0) return -1;
    const q = rtcpPtr(r);
    if (load<u32>(q + RC_SSRC) == ssrc && <u32>load<u8>(q + RC_KIND) == kind && (kind == RC_SR || load<i32>(q + RC_ENDPOINT) == owner))
      return r;
    slot = table.next(slot);
  }
}

/** The entry of (owner, ssrc, kind), made when new; -1 when it cannot be (counted). */
function entryFor(owner: i32, ssrc: u32, kind: u32): i32 {
  const found = lookup(owner, ssrc, kind);
  if (found >= 0) return found;
  if (endpoints.rtcpCount(owner) >= MAX_RTCP_PER_ENDPOINT) {
    count(C_RTCP_FULL);
    return -1;
  }
  const r = table.insert(keyOf(owner, ssrc, kind));
  if (r < 0) {
    count(C_RTCP_FULL);
    return -1;
  }
  const q = rtcpPtr(r);
  memory.fill(q, 0, RC_SIZE);
  store<u32>(q + RC_SSRC, ssrc);
  store<i32>(q + RC_ENDPOINT, owner);
  store<u8>(q + RC_KIND, <u8>kind);
  store<i32>(q + RC_NEXT, endpoints.firstRtcp(owner));
  endpoints.setFirstRtcp(owner, r);
  endpoints.setRtcpCount(owner, endpoints.rtcpCount(owner) + 1);
  return r;
}

/**
 * Walk the compound (p, len), checking every packet as RFC 3550 A.2 does (version 2, its length
 * within the datagram, SR and RR long enough for their report count, nothing left over) and,
 * when `keep`, taking what its SRs and RRs say for endpoint e. False at the first fault.
 */
function walk(e: i32, p: usize, len: u32, keep: bool): bool {
  let off: u32 = 0;
  while (off + 4 <= len) {
    const b0 = u8at(p + off);
    const size = (be16(p + off + 2) + 1) << 2;
    if (b0 >> 6 != 2 || off + size > len) return false;
    const pt = u8at(p + off + 1);
    const rc = b0 & 0x1f;
    if (pt == 200) {
      if (size < 28 + rc * 24) return false;
      if (keep) {
        senderReport(e, p + off);
        for (let i: u32 = 0; i < rc; i++) reportBlock(e, p + off + 28 + i * 24);
      }
    } else if (pt == 201) {
      if (size < 8 + rc * 24) return false;
      if (keep) for (let i: u32 = 0; i < rc; i++) reportBlock(e, p + off + 8 + i * 24);
    }
    off += size;
  }
  return off == len;
}

/** A UDP payload (p, len) sent to endpoint e that is RTCP (version 2 checked by the caller):
 *  false when the compound is damaged (counted, nothing of it kept: it is checked whole first). */
export function rtcpPacket(e: i32, p: usize, len: u32): bool {
  if (!walk(e, p, len, false)) {
    count(C_RTCP_BAD);
    return false;
  }
  walk(e, p, len, true);
  count(C_RTCP);
  return true;
}

/** An SR: its NTP timestamp's middle 32 bits and when it was captured, for a later LSR. */
function senderReport(e: i32, p: usize): void {
  const r = entryFor(e, be32(p + 4), RC_SR);
  if (r < 0) return;
  const q = rtcpPtr(r);
  store<u32>(q + RC_SR_NTP, (be32(p + 8) << 16) | (be32(p + 12) >> 16));
  store<u32>(q + RC_SR_SEC, ctx.tsSec);
  store<u32>(q + RC_SR_NSEC, ctx.tsNsec);
}

function reportBlock(e: i32, b: usize): void {
  const ssrc = be32(b);
  const r = entryFor(e, ssrc, RC_REPORT);
  if (r < 0) return;
  const q = rtcpPtr(r);
  store<u32>(q + RC_REPORTS, load<u32>(q + RC_REPORTS) + 1);
  store<u8>(q + RC_FRACTION, u8at(b + 4));
  // 24-bit two's complement
  store<i32>(q + RC_CUM_LOST, <i32>(((<u32>u8at(b + 5)) << 24) | ((<u32>u8at(b + 6)) << 16) | ((<u32>u8at(b + 7)) << 8)) >> 8);
  store<u32>(q + RC_JITTER, be32(b + 12));
  const lsr = be32(b + 16);
  if (lsr == 0) return; // no SR received yet
  // the SR this block answers was sent by the SSRC reported on
  const s = lookup(-1, ssrc, RC_SR);
  if (s < 0) return;
  const sq = rtcpPtr(s);
  if (load<u32>(sq + RC_SR_NTP) != lsr) return;
  const gapMs =
    <f64>(<i32>(ctx.tsSec - load<u32>(sq + RC_SR_SEC))) * 1000 + <f64>(<i32>ctx.tsNsec - <i32>load<u32>(sq + RC_SR_NSEC)) * 1e-6;
  const rtt = gapMs - (<f64>be32(b + 20) * 1000) / 65536;
  if (rtt < 0) return; // the reporter's clock and ours disagree: no figure rather than a wrong one
  store<u32>(q + RC_RTTS, load<u32>(q + RC_RTTS) + 1);
  store<f64>(q + RC_RTT_SUM_MS, load<f64>(q + RC_RTT_SUM_MS) + rtt);
  if (rtt > load<f64>(q + RC_RTT_MAX_MS)) store<f64>(q + RC_RTT_MAX_MS, rtt);
}

/** The endpoint e goes: its entries with it. */
export function releaseRtcp(e: i32): void {
  let r = endpoints.firstRtcp(e);
  while (r >= 0) {
    const next = load<i32>(rtcpPtr(r) + RC_NEXT);
    table.remove(r);
    r = next;
  }
  endpoints.setFirstRtcp(e, -1);
  endpoints.setRtcpCount(e, 0);
}
