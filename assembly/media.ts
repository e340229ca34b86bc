// RTP media endpoints the call tracker learned from SDP. RTP never produces events: each UDP
// datagram sent to a watched (address, port) is counted here, and the tracker reads the
// counters (packets, last capture time) for its idle rule.

import { C_MEDIA_TABLE_FULL, B_RTP_BYTES, MAX_MEDIA } from './abi';
import { Table, hash16, same16 } from './table';
import * as ctx from './ctx';
import { count, addBytes } from './stats';
import { ieq, findByte } from './mem';
import { ifind } from './sdp';

// entry: ip[16] port u32 refs u32 packets u32 lastSec u32 lastNsec u32 bytesLo u32 = 40 bytes
const ENTRY: u32 = 40;

let table: Table = changetype<Table>(0);
let entries: usize = 0;
export let keyBuf: usize = 0; // JS writes the 16-byte address here before watch()

export function initMedia(): void {
  table = new Table(MAX_MEDIA);
  entries = heap.alloc(<usize>MAX_MEDIA * ENTRY);
  keyBuf = heap.alloc(16);
}

function entry(e: i32): usize {
  return entries + <usize>e * ENTRY;
}

function find(ip: usize, port: u32, h: u32): i32 {
  let s = table.start(h);
  while (true) {
    const e = table.at(s);
    if (e < 0) return -1;
    const p = entry(e);
    if (load<u32>(p + 16) == port && same16(p, ip)) return e;
    s = table.next(s);
  }
}

/** Watch keyBuf:port; returns an id (shared by every watcher of the same endpoint) or -1. */
export function watch(port: u32): i32 {
  const h = hash16(keyBuf, port);
  let e = find(keyBuf, port, h);
  if (e >= 0) {
    const p = entry(e);
    store<u32>(p + 20, load<u32>(p + 20) + 1);
    return e;
  }
  e = table.insert(h);
  if (e < 0) {
    count(C_MEDIA_TABLE_FULL);
    return -1;
  }
  const p = entry(e);
  memory.copy(p, keyBuf, 16);
  store<u32>(p + 16, port);
  store<u32>(p + 20, 1);
  store<u32>(p + 24, 0);
  store<u32>(p + 28, 0);
  store<u32>(p + 32, 0);
  store<u32>(p + 36, 0);
  return e;
}

export function unwatch(e: i32): void {
  if (e < 0 || <u32>e >= MAX_MEDIA) return;
  const p = entry(e);
  const refs = load<u32>(p + 20);
  if (refs == 0) return;
  if (refs > 1) {
    store<u32>(p + 20, refs - 1);
    return;
  }
  store<u32>(p + 20, 0);
  table.remove(e);
}

export function packets(e: i32): u32 {
  return e < 0 || <u32>e >= MAX_MEDIA ? 0 : load<u32>(entry(e) + 24);
}
export function lastSec(e: i32): u32 {
  return e < 0 || <u32>e >= MAX_MEDIA ? 0 : load<u32>(entry(e) + 28);
}
export function lastNsec(e: i32): u32 {
  return e < 0 || <u32>e >= MAX_MEDIA ? 0 : load<u32>(entry(e) + 32);
}

/** Count a UDP datagram to ctx.ipDst:dport if that endpoint is watched. */
export function countMedia(dport: u32, len: u32): bool {
  if (table.used == 0) return false;
  const h = hash16(ctx.ipDst, dport);
  const e = find(ctx.ipDst, dport, h);
  if (e < 0) return false;
  const p = entry(e);
  store<u32>(p + 24, load<u32>(p + 24) + 1);
  store<u32>(p + 28, ctx.tsSec);
  store<u32>(p + 32, ctx.tsNsec);
  addBytes(B_RTP_BYTES, len);
  return true;
}

// ---- endpoints straight from SDP ------------------------------------------------------------
// The core watches an SDP's RTP endpoints the moment it reports the message, so RTP that follows
// in the same input chunk is counted before JS sees the event. The event lists these watches;
// the host releases them once the tracker has taken its own (see Engine.decode).

const MAX_WATCH: u32 = 16;
export let nWatch: u32 = 0;
export let watchIds: usize = 0;
let addrBuf: usize = 0;

export function initSdpWatch(): void {
  watchIds = heap.alloc(MAX_WATCH * 4);
  addrBuf = heap.alloc(16);
  tmpBuf = heap.alloc(16);
}

/** Watch every RTP audio/video m= line (port != 0) at its media- or session-level c= address. */
export function watchSdp(base: usize, entries: usize, n: u32): void {
  nWatch = 0;
  let sessC: usize = 0;
  let sessCLen: u32 = 0;
  let inMedia = false;
  let port: u32 = 0;
  let isRtp = false;
  let mc: usize = 0;
  let mcLen: u32 = 0;
  for (let i: u32 = 0; i <= n; i++) {
    const type = i < n ? load<u32>(entries + <usize>i * 12) : 109;
    if (type == 109) {
      // an m= line closes the previous media section
      if (inMedia && isRtp && port != 0) {
        if (mcLen != 0) watchText(mc, mcLen, port);
        else if (sessCLen != 0) watchText(sessC, sessCLen, port);
      }
      if (i == n) break;
      const v = base + load<u32>(entries + <usize>i * 12 + 4);
      const len = load<u32>(entries + <usize>i * 12 + 8);
      inMedia = true;
      mcLen = 0;
      port = 0;
      isRtp = false;
      // media port proto ...
      let j: u32 = 0;
      const kindStart = j;
      while (j < len && load<u8>(v + j) != 32) j++;
      const kindLen = j - kindStart;
      const kindOk = (kindLen == 5 && ieq(v, 'audio', 5)) || (kindLen == 5 && ieq(v, 'video', 5));
      while (j < len && load<u8>(v + j) == 32) j++;
      while (j < len && load<u8>(v + j) >= 48 && load<u8>(v + j) <= 57 && port < 65536) {
        port = port * 10 + (<u32>load<u8>(v + j) - 48);
        j++;
      }
      if (port > 65535) port = 0;
      while (j < len && load<u8>(v + j) != 32) j++;
      while (j < len && load<u8>(v + j) == 32) j++;
      let k = j;
      while (k < len && load<u8>(v + k) != 32) k++;
      isRtp = kindOk && ifind(v + j, k - j, 0, 'rtp') >= 0;
    } else if (type == 99) {
      const v = base + load<u32>(entries + <usize>i * 12 + 4);
      const len = load<u32>(entries + <usize>i * 12 + 8);
      if (inMedia) {
        mc = v;
        mcLen = len;
      } else {
        sessC = v;
        sessCLen = len;
      }
    }
  }
}

/** "IN IP4 addr[/ttl]" or "IN IP6 addr" -> watch addr:port. */
function watchText(v: usize, len: u32, port: u32): void {
  if (nWatch >= MAX_WATCH) return;
  let j: u32 = 0;
  for (let f = 0; f < 2; f++) {
    while (j < len && load<u8>(v + j) != 32) j++;
    while (j < len && load<u8>(v + j) == 32) j++;
  }
  let e = j;
  while (e < len && load<u8>(v + e) != 47 && load<u8>(v + e) != 32) e++;
  if (!parseAddr(v + j, e - j, addrBuf)) return;
  // unspecified (hold) addresses receive nothing
  if (load<u64>(addrBuf) == 0 && (load<u64>(addrBuf + 8) == 0 || (load<u32>(addrBuf + 8) == 0xffff0000 && load<u32>(addrBuf + 12) == 0)))
    return;
  memory.copy(keyBuf, addrBuf, 16);
  const id = watch(port);
  if (id >= 0) {
    store<i32>(watchIds + ((<usize>nWatch) << 2), id);
    nWatch++;
  }
}

/** Parse dotted IPv4 or IPv6 text into 16 bytes (IPv4 mapped); false when it is neither. */
export function parseAddr(p: usize, len: u32, out: usize): bool {
  if (len == 0 || len > 45) return false;
  if (findByte(p, len, 58) < 0) {
    store<u64>(out, 0);
    store<u32>(out + 8, 0xffff0000);
    return parseV4(p, len, out + 12);
  }
  // IPv6: up to 8 groups, one "::", optional dotted tail
  memory.fill(out, 0, 16);
  let words: u32 = 0; // groups written before "::"
  let gap: i32 = -1; // word index of "::"
  let i: u32 = 0;
  if (len >= 2 && load<u8>(p) == 58 && load<u8>(p + 1) == 58) {
    gap = 0;
    i = 2;
  } else if (load<u8>(p) == 58) return false;
  const tmp = addrTmp();
  let n: u32 = 0;
  while (i < len) {
    // dotted tail?
    let k = i;
    while (k < len && load<u8>(p + k) != 58 && load<u8>(p + k) != 46) k++;
    if (k < len && load<u8>(p + k) == 46) {
      if (n > 6) return false;
      if (!parseV4(p + i, len - i, tmp + ((<usize>n) << 1))) return false;
      n += 2;
      break;
    }
    let v: u32 = 0;
    let digits: u32 = 0;
    while (i < len) {
      const c = <u32>load<u8>(p + i);
      let d: u32 = 0;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      v = (v << 4) | d;
      digits++;
      i++;
    }
    if (digits == 0 || digits > 4 || n >= 8) return false;
    store<u16>(tmp + ((<usize>n) << 1), bswap<u16>(<u16>v));
    n++;
    if (i == len) break;
    if (load<u8>(p + i) != 58) return false;
    i++;
    if (i < len && load<u8>(p + i) == 58) {
      if (gap >= 0) return false;
      gap = <i32>n;
      i++;
    } else if (i == len) return false;
  }
  if (gap < 0) {
    if (n != 8) return false;
    memory.copy(out, tmp, 16);
    return true;
  }
  if (n > 7) return false;
  words = <u32>gap;
  memory.copy(out, tmp, (<usize>words) << 1);
  const tail = n - words;
  memory.copy(out + 16 - ((<usize>tail) << 1), tmp + ((<usize>words) << 1), (<usize>tail) << 1);
  return true;
}

let tmpBuf: usize = 0;
function addrTmp(): usize {
  return tmpBuf;
}

function parseV4(p: usize, len: u32, out: usize): bool {
  let part: u32 = 0;
  let v: u32 = 0;
  let digits: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 46) {
      if (digits == 0 || part >= 3) return false;
      store<u8>(out + part, <u8>v);
      part++;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits++;
      if (digits > 3 || v > 255) return false;
    } else return false;
  }
  if (digits == 0 || part != 3) return false;
  store<u8>(out + 3, <u8>v);
  return true;
}
