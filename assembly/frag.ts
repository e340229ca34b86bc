// IPv4 / IPv6 fragment reassembly, fragments in any order. A datagram is complete when its
// pieces cover [0, total); it is then handed back to the IP layer, which decodes it as if it had
// arrived whole, with the time of the fragment that completed it. Incomplete datagrams expire after FRAG_TIMEOUT_SEC capture seconds.

import {
  C_FRAG_PIECES,
  C_FRAG_DONE,
  C_FRAG_INCOMPLETE,
  C_FRAG_BAD,
  C_FRAG_TABLE_FULL,
  MAX_FRAG_CTX,
  FRAG_TIMEOUT_SEC,
  MAX_FRAG_PIECES,
  MAX_IP_DATAGRAM,
} from './abi';
import { Table, hash16, same16 } from './table';
import { alloc, free, capacityFor } from './arena';
import * as ctx from './ctx';
import { count } from './stats';
import { note } from './ctx';

// entry: src[16] dst[16] id proto version buf cap total firstSec wire nPieces = 68, pieces after
const O_ID: usize = 32;
const O_PROTO: usize = 36;
const O_VER: usize = 40; // 0 = entry free
const O_BUF: usize = 44;
const O_CAP: usize = 48;
const O_TOTAL: usize = 52; // i32, -1 until the last fragment is seen
const O_FIRST: usize = 56;
const O_WIRE: usize = 60;
const O_NP: usize = 64;
const O_PIECES: usize = 68; // MAX_FRAG_PIECES x (start u32, end u32)
const ENTRY: usize = O_PIECES + <usize>MAX_FRAG_PIECES * 8;

let table: Table = changetype<Table>(0);
let entries: usize = 0;

export function initFrag(): void {
  table = new Table(MAX_FRAG_CTX);
  entries = heap.alloc(<usize>MAX_FRAG_CTX * ENTRY);
  // not cleared: a new instance's memory is zero, and writing megabytes of zeros cost ~15 ms a start
}

function entry(e: i32): usize {
  return entries + <usize>e * ENTRY;
}

function drop(e: i32): void {
  const p = entry(e);
  free(<usize>load<u32>(p + O_BUF), load<u32>(p + O_CAP));
  store<u32>(p + O_VER, 0);
  table.remove(e);
}

/** The datagram the last fragment() call completed: payload, length and buffer capacity. */
export let doneBuf: usize = 0;
export let doneLen: u32 = 0;
export let doneCap: u32 = 0;

/**
 * Add one fragment of the datagram whose addresses are in ctx. True when it completed the
 * datagram: ctx then holds its addresses and doneBuf/doneLen its payload, which the caller
 * decodes and then releases with freeDatagram(doneBuf, doneCap) (copy both first: the payload
 * may itself complete a tunnelled datagram).
 */
export function fragment(version: u32, id: u32, proto: u32, offset: u32, more: bool, data: usize, dlen: u32): bool {
  note(C_FRAG_PIECES); // a piece on its own decodes to nothing; the completing frame reports the message
  const h = hash16(ctx.ipDst, hash16(ctx.ipSrc, id) ^ proto);
  // note mode: a piece held is reported under the datagram's key, a message it completes with it
  if (ctx.notes) ctx.setHeld(reasmKey(h ^ 0x9e3779b9));
  let s = table.start(h);
  let e: i32 = -1;
  while (true) {
    const c = table.at(s);
    if (c < 0) break;
    const p = entry(c);
    if (
      load<u32>(p + O_ID) == id &&
      load<u32>(p + O_PROTO) == proto &&
      load<u32>(p + O_VER) == version &&
      same16(p, ctx.ipSrc) &&
      same16(p + 16, ctx.ipDst)
    ) {
      e = c;
      break;
    }
    s = table.next(s);
  }
  if (e < 0) {
    e = table.insert(h);
    if (e < 0) {
      note(C_FRAG_TABLE_FULL);
      return false;
    }
    const p = entry(e);
    memory.copy(p, ctx.ipSrc, 16);
    memory.copy(p + 16, ctx.ipDst, 16);
    store<u32>(p + O_ID, id);
    store<u32>(p + O_PROTO, proto);
    store<u32>(p + O_VER, version);
    store<u32>(p + O_BUF, 0);
    store<u32>(p + O_CAP, 0);
    store<i32>(p + O_TOTAL, -1);
    store<u32>(p + O_FIRST, ctx.tsSec);
    store<u32>(p + O_WIRE, 0);
    store<u32>(p + O_NP, 0);
  }
  const p = entry(e);
  const end = offset + dlen;
  const total = load<i32>(p + O_TOTAL);
  if (end > MAX_IP_DATAGRAM || (total >= 0 && end > <u32>total) || (!more && total >= 0 && <u32>total != end)) {
    note(C_FRAG_BAD);
    drop(e);
    return false;
  }
  // grow the buffer to hold [0, end)
  let buf = <usize>load<u32>(p + O_BUF);
  let cap = load<u32>(p + O_CAP);
  if (end > cap) {
    const want = end < 2048 ? 2048 : end;
    const nb = alloc(want);
    if (nb == 0) {
      drop(e);
      return false;
    }
    if (buf != 0) {
      memory.copy(nb, buf, cap);
      free(buf, cap);
    }
    buf = nb;
    cap = capacityFor(want);
    store<u32>(p + O_BUF, <u32>buf);
    store<u32>(p + O_CAP, cap);
  }
  memory.copy(buf + offset, data, dlen);
  if (!more) store<i32>(p + O_TOTAL, <i32>end);
  store<u32>(p + O_WIRE, load<u32>(p + O_WIRE) + ctx.ipLen);
  if (!addPiece(p, offset, end)) {
    note(C_FRAG_BAD);
    drop(e);
    return false;
  }
  const t = load<i32>(p + O_TOTAL);
  if (t < 0 || load<u32>(p + O_NP) != 1 || load<u32>(p + O_PIECES) != 0 || load<u32>(p + O_PIECES + 4) != <u32>t) return false;

  // complete: the entry is released now, the buffer by the caller once it is decoded
  count(C_FRAG_DONE);
  if (ctx.notes) {
    ctx.setMsgKey(ctx.heldKey);
    ctx.setHeld(0);
  }
  const wire = load<u32>(p + O_WIRE);
  ctx.setIp16(version, p, p + 16, wire);
  store<u32>(p + O_BUF, 0);
  store<u32>(p + O_CAP, 0);
  drop(e);
  doneBuf = buf;
  doneLen = <u32>t;
  doneCap = cap;
  return true;
}

/** A reassembly key for notes: never 0 (0 means a message took one frame). */
export function reasmKey(h: u32): u32 {
  return h == 0 ? 1 : h;
}

export function freeDatagram(buf: usize, cap: u32): void {
  free(buf, cap);
}

/** Merge [s, e) into the sorted piece list; false when there are too many pieces. */
function addPiece(p: usize, s: u32, e: u32): bool {
  const n = load<u32>(p + O_NP);
  const list = p + O_PIECES;
  // find insertion point, merge with neighbours that touch or overlap
  let i: u32 = 0;
  while (i < n && load<u32>(list + <usize>i * 8 + 4) < s) i++;
  let j = i;
  let ns = s;
  let ne = e;
  while (j < n && load<u32>(list + <usize>j * 8) <= ne) {
    const ps = load<u32>(list + <usize>j * 8);
    const pe = load<u32>(list + <usize>j * 8 + 4);
    if (ps < ns) ns = ps;
    if (pe > ne) ne = pe;
    j++;
  }
  const removed = j - i;
  const newN = n - removed + 1;
  if (newN > MAX_FRAG_PIECES) return false;
  // shift the tail [j, n) to i+1
  if (removed != 1) memory.copy(list + <usize>(i + 1) * 8, list + <usize>j * 8, <usize>(n - j) * 8);
  store<u32>(list + <usize>i * 8, ns);
  store<u32>(list + <usize>i * 8 + 4, ne);
  store<u32>(p + O_NP, newN);
  return true;
}

/** Expire datagrams older than the timeout (all of them when all is set). */
export function sweepFrags(all: bool): void {
  if (table.used == 0) return;
  for (let e: i32 = 0; <u32>e < MAX_FRAG_CTX; e++) {
    const p = entry(e);
    if (load<u32>(p + O_VER) == 0) continue;
    if (all || <i64>ctx.tsSec - <i64>load<u32>(p + O_FIRST) > <i64>FRAG_TIMEOUT_SEC) {
      count(C_FRAG_INCOMPLETE);
      drop(e);
    }
  }
}
