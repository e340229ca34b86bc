// RTP media endpoints the call tracker learned from SDP. RTP never produces events: each UDP
// datagram sent to a watched (address, port) is counted here, and the tracker reads the
// counters (packets, last capture time) for its idle rule.

import { MAX_MEDIA } from './limits';
import { Table, hash16, same16 } from './table';
import * as ctx from './ctx';
import { count, addBytes, C_MEDIA_TABLE_FULL, B_RTP_BYTES } from './stats';

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

@inline function entry(e: i32): usize {
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
