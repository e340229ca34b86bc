// Media endpoints: the (address, port) pairs an SDP announced, watched for RTP. Each entry keeps
// how many watchers hold it, the packets and last time seen (the tracker's idle rule), the
// payload types its SDP mapped (clock rates, telephone-event), and the head of its list of RTP
// streams (rtp.ts). A reverse entry is the source of a stream seen at an announced endpoint,
// watched for the other direction of symmetric RTP (a NATed phone receives where it sends from).

import { C_MEDIA_TABLE_FULL, MAX_MEDIA, PT_MAP_SIZE } from './abi';
import { Table, hash16, same16 } from './table';
import * as ctx from './ctx';
import { count } from './stats';

// An entry is one cache line, what every packet to it reads or writes (the table is aligned):
//   ip[16] port refs packets lastSec lastNsec firstStream streams flags owner lastStream
//   firstRtcp rtcpEntries
// and what few packets need lies in a second table, a line per entry:
//   peer[16] peerPort ptMap[PT_MAP_SIZE] (u32 each: pt << 25 | event << 24 | clock rate)
const O_PORT: usize = 16;
const O_REFS: usize = 20;
const O_PACKETS: usize = 24;
const O_LAST_SEC: usize = 28;
const O_LAST_NSEC: usize = 32;
const O_FIRST_STREAM: usize = 36;
const O_STREAMS: usize = 40;
const O_FLAGS: usize = 44;
const O_OWNER: usize = 48;
const O_LAST_STREAM: usize = 52;
const O_FIRST_RTCP: usize = 56;
const O_RTCP_COUNT: usize = 60;
const ENTRY: usize = 64;
const C_PEER: usize = 0;
const C_PEER_PORT: usize = 16;
const C_PT_MAP: usize = 20;
const C_RTCP_REVERSE: usize = 52; // i32 (RTCP endpoints, whose payload map is unused) the reverse entry it opened
const COLD: usize = 64;

/** Entry flag: a reverse entry (matched only from its peer, owned by the endpoint it answers). */
const F_REVERSE: u32 = 1;
/** Entry flag: an RTCP port (m= port + 1 or a=rtcp:); RTCP also arrives at RTP ports (rtcp-mux). */
export const F_RTCP: u32 = 2;
export const PT_EVENT: u32 = 1 << 24;

let table: Table = changetype<Table>(0);
let entries: usize = 0;
let colds: usize = 0;
export let keyBuf: usize = 0; // JS writes the 16-byte address here before watch()

export function initEndpoints(): void {
  table = new Table(MAX_MEDIA);
  entries = (heap.alloc(<usize>MAX_MEDIA * ENTRY + 64) + 63) & ~(<usize>63);
  colds = heap.alloc(<usize>MAX_MEDIA * COLD);
  keyBuf = heap.alloc(16);
}

function entry(e: i32): usize {
  return entries + <usize>e * ENTRY;
}

function cold(e: i32): usize {
  return colds + <usize>e * COLD;
}

/** Where endpoint e's entry lies: the per-packet functions below take it, not the id. */
export function entryOf(e: i32): usize {
  return entry(e);
}

function valid(e: i32): bool {
  return e >= 0 && <u32>e < MAX_MEDIA && load<u32>(entry(e) + O_REFS) != 0;
}

export function find(ip: usize, port: u32): i32 {
  if (table.used == 0) return -1;
  const h = hash16(ip, port);
  let s = table.start(h);
  while (true) {
    const e = table.at(s);
    if (e < 0) return -1;
    const p = entry(e);
    if (load<u32>(p + O_PORT) == port && same16(p, ip)) return e;
    s = table.next(s);
  }
}

function add(ip: usize, port: u32): i32 {
  const e = table.insert(hash16(ip, port));
  if (e < 0) {
    count(C_MEDIA_TABLE_FULL);
    return -1;
  }
  const p = entry(e);
  memory.copy(p, ip, 16);
  memory.fill(p + O_PORT, 0, ENTRY - O_PORT);
  memory.fill(cold(e), 0, COLD);
  store<i32>(cold(e) + C_RTCP_REVERSE, -1);
  store<u32>(p + O_PORT, port);
  store<u32>(p + O_REFS, 1);
  store<i32>(p + O_FIRST_STREAM, -1);
  store<i32>(p + O_OWNER, -1);
  store<i32>(p + O_LAST_STREAM, -1);
  store<i32>(p + O_FIRST_RTCP, -1);
  return e;
}

/** Watch ip:port (16-byte address at ip); returns an id (shared by every watcher) or -1. A
 *  reverse entry at the same place becomes an announced endpoint of its own. */
export function watchAt(ip: usize, port: u32): i32 {
  const e = find(ip, port);
  if (e >= 0) {
    const p = entry(e);
    if (load<u32>(p + O_FLAGS) & F_REVERSE) {
      store<u32>(p + O_FLAGS, 0);
      store<i32>(p + O_OWNER, -1);
      return e; // its owner's reference is dropped when the owner goes (release() checks the flag)
    }
    store<u32>(p + O_REFS, load<u32>(p + O_REFS) + 1);
    return e;
  }
  return add(ip, port);
}

/** Watch keyBuf:port (the host's way in). */
export function watch(port: u32): i32 {
  return watchAt(keyBuf, port);
}

/** Watch ip:port as an RTCP port; a place watched already keeps its kind (one more watcher). */
export function watchRtcpAt(ip: usize, port: u32): i32 {
  if (find(ip, port) >= 0) return watchAt(ip, port);
  const e = add(ip, port);
  if (e >= 0) store<u32>(entry(e) + O_FLAGS, F_RTCP);
  return e;
}
export function watchRtcp(port: u32): i32 {
  return watchRtcpAt(keyBuf, port);
}

/** The reverse entry RTCP endpoint e opened for a side that sends its RTCP from elsewhere (a NAT),
 *  -1 none. */
export function rtcpReverse(e: i32): i32 {
  return valid(e) ? load<i32>(cold(e) + C_RTCP_REVERSE) : -1;
}
export function setRtcpReverse(e: i32, r: i32): void {
  store<i32>(cold(e) + C_RTCP_REVERSE, r);
}

/** The entry's flags (F_REVERSE, F_RTCP): 0 for an announced RTP endpoint, what most packets reach. */
export function flagsAt(p: usize): u32 {
  return load<u32>(p + O_FLAGS);
}

/** A reverse entry for ip:port, matched only from peer:peerPort and owned by `owner`; -1 when
 *  the place is watched already or the table is full. */
export function addReverse(ip: usize, port: u32, peer: usize, peerPort: u32, owner: i32): i32 {
  if (find(ip, port) >= 0) return -1;
  const e = add(ip, port);
  if (e < 0) return -1;
  const p = entry(e);
  store<u32>(p + O_FLAGS, F_REVERSE | (load<u32>(entry(owner) + O_FLAGS) & F_RTCP));
  memory.copy(cold(e) + C_PEER, peer, 16);
  store<u32>(cold(e) + C_PEER_PORT, peerPort);
  store<i32>(p + O_OWNER, owner);
  memory.copy(cold(e) + C_PT_MAP, cold(owner) + C_PT_MAP, <usize>PT_MAP_SIZE * 4);
  return e;
}

/** Drop one reference; true when it was the last (the entry is gone). */
export function unref(e: i32): bool {
  if (!valid(e)) return false;
  const p = entry(e);
  const refs = load<u32>(p + O_REFS);
  if (refs > 1) {
    store<u32>(p + O_REFS, refs - 1);
    return false;
  }
  store<u32>(p + O_REFS, 0);
  table.remove(e);
  return true;
}

export function refs(e: i32): u32 {
  return valid(e) ? load<u32>(entry(e) + O_REFS) : 0;
}

/** The reverse entry e, if it still answers `owner` (and was not announced since). */
export function isReverseOf(e: i32, owner: i32): bool {
  return valid(e) && (load<u32>(entry(e) + O_FLAGS) & F_REVERSE) != 0 && load<i32>(entry(e) + O_OWNER) == owner;
}

/** For a reverse entry (at p), the endpoint whose streams it feeds; for an announced one, e. */
export function streamOwnerAt(p: usize, e: i32): i32 {
  return load<u32>(p + O_FLAGS) & F_REVERSE ? load<i32>(p + O_OWNER) : e;
}

/** A reverse entry (e, at p) takes packets from its peer only. */
export function acceptsFromAt(p: usize, e: i32, src: usize, sport: u32): bool {
  if ((load<u32>(p + O_FLAGS) & F_REVERSE) == 0) return true;
  const c = cold(e);
  return load<u32>(c + C_PEER_PORT) == sport && same16(c + C_PEER, src);
}

export function notePacketAt(p: usize): void {
  store<u32>(p + O_PACKETS, load<u32>(p + O_PACKETS) + 1);
  store<u32>(p + O_LAST_SEC, ctx.tsSec);
  store<u32>(p + O_LAST_NSEC, ctx.tsNsec);
}

export function packets(e: i32): u32 {
  return valid(e) ? load<u32>(entry(e) + O_PACKETS) : 0;
}
export function lastSec(e: i32): u32 {
  return valid(e) ? load<u32>(entry(e) + O_LAST_SEC) : 0;
}
export function lastNsec(e: i32): u32 {
  return valid(e) ? load<u32>(entry(e) + O_LAST_NSEC) : 0;
}

// ---- the streams list (kept by rtp.ts) -------------------------------------------------------

/** The stream the last packet to the entry at p went to (a hint: rtp.ts checks its key). */
export function lastStreamAt(p: usize): i32 {
  return load<i32>(p + O_LAST_STREAM);
}
export function setLastStreamAt(p: usize, s: i32): void {
  store<i32>(p + O_LAST_STREAM, s);
}

export function firstStream(e: i32): i32 {
  return valid(e) ? load<i32>(entry(e) + O_FIRST_STREAM) : -1;
}
export function setFirstStream(e: i32, s: i32): void {
  store<i32>(entry(e) + O_FIRST_STREAM, s);
}
export function firstRtcp(e: i32): i32 {
  return valid(e) ? load<i32>(entry(e) + O_FIRST_RTCP) : -1;
}
export function setFirstRtcp(e: i32, r: i32): void {
  store<i32>(entry(e) + O_FIRST_RTCP, r);
}
export function rtcpCount(e: i32): u32 {
  return load<u32>(entry(e) + O_RTCP_COUNT);
}
export function setRtcpCount(e: i32, n: u32): void {
  store<u32>(entry(e) + O_RTCP_COUNT, n);
}
export function streamCount(e: i32): u32 {
  return load<u32>(entry(e) + O_STREAMS);
}
export function setStreamCount(e: i32, n: u32): void {
  store<u32>(entry(e) + O_STREAMS, n);
}

// ---- payload types announced for the endpoint ------------------------------------------------

/** Map a dynamic payload type (from a=rtpmap) to its clock rate, or mark it telephone-event. */
export function mapPayload(e: i32, pt: u32, rate: u32, event: bool): void {
  const p = cold(e) + C_PT_MAP;
  const v = (pt << 25) | (event ? PT_EVENT : 0) | (rate & 0xffffff);
  for (let i: usize = 0; i < <usize>PT_MAP_SIZE; i++) {
    const cur = load<u32>(p + (i << 2));
    if (cur == 0 || cur >> 25 == pt) {
      store<u32>(p + (i << 2), v);
      return;
    }
  }
}

/** The mapping of pt for endpoint e (PT_EVENT | rate), 0 when its SDP did not map it. */
export function payloadOf(e: i32, pt: u32): u32 {
  const p = cold(e) + C_PT_MAP;
  for (let i: usize = 0; i < <usize>PT_MAP_SIZE; i++) {
    const cur = load<u32>(p + (i << 2));
    if (cur == 0) return 0;
    if (cur >> 25 == pt) return cur & 0x1ffffff;
  }
  return 0;
}
