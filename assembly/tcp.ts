// TCP stream reassembly for SIP (RFC 3261 §18.3 framing by Content-Length) and SIP over
// WebSocket (RFC 7118). A stream (one direction of a connection) is followed from the first
// segment that starts a SIP message or a WebSocket handshake, so captures that begin mid-stream
// work. Segments may arrive out of order, retransmitted, split or coalesced; a hole that never
// fills is declared a gap and the stream resynchronises at the next SIP start line.
// Whole messages inside one in-order segment are parsed in place; only a partial message is
// copied into an arena buffer.

import {
  T_TCP,
  T_WS,
  C_TCP_STREAMS,
  C_TCP_RETRANS,
  C_TCP_OOO,
  C_TCP_GAP,
  C_TCP_TABLE_FULL,
  C_SIP_TOO_LARGE,
  C_SIP_MALFORMED,
  C_WS_FRAMES,
  MAX_SIP_MSG,
  MAX_TCP_STREAMS,
  TCP_IDLE_SEC,
  MAX_OOO_SEGS,
} from './abi';
import { Table, hash16, same16 } from './table';
import { alloc, free, bufAppend, bufClear } from './arena';
import { u8at, be16, be32, eq, findByte } from './mem';
import * as ctx from './ctx';
import { note } from './ctx';
import { count } from './stats';
import { startLine, scanHeaders, hdrEnd, contentLength } from './sip';
import { ifind } from './sdp';
import { emitSip } from './events';
import { reasmKey } from './frag';
import { isSipPort } from './ports';

const M_FREE: u32 = 0;
const M_SIP: u32 = 1;
const M_WS_HANDSHAKE: u32 = 2;
const M_WS: u32 = 3;

const O_PORTS: usize = 32;
const O_VER: usize = 36;
const O_NEXT: usize = 40;
const O_BUF: usize = 44; // buffer triple (block, capacity, length) for bufAppend
const O_CAP: usize = 48;
const O_LEN: usize = 52;
const O_MODE: usize = 56;
const O_RESYNC: usize = 60;
const O_LAST: usize = 64;
const O_WIRE: usize = 68;
const O_WPKT: usize = 72;
const O_SKIP: usize = 76;
const O_NOOO: usize = 80;
const O_OOOB: usize = 84;
const O_HOLE: usize = 88; // [O_HOLE, O_HOLE_END): sequence numbers skipped at a message boundary
const O_HOLE_END: usize = 92;
const O_OOO: usize = 96; // MAX_OOO_SEGS x (seq, len, block)
const ENTRY: usize = O_OOO + <usize>MAX_OOO_SEGS * 12;

/** Bytes of out-of-order data held per stream before the hole is declared a gap. */
const MAX_OOO_BYTES: u32 = 256 << 10;
/** A header section or WebSocket handshake longer than this is not waited for. */
const MAX_WAIT_LINE: u32 = 16384;

let table: Table = changetype<Table>(0);
let entries: usize = 0;
let wsScratch: usize = 0;
// ports of the segment being handled
let curSport: u32 = 0;
let curDport: u32 = 0;

export function initTcp(): void {
  table = new Table(MAX_TCP_STREAMS);
  entries = heap.alloc(<usize>MAX_TCP_STREAMS * ENTRY);
  // not cleared: a new instance's memory is zero, and writing megabytes of zeros cost ~15 ms a start
  wsScratch = heap.alloc(MAX_SIP_MSG);
}

function entry(e: i32): usize {
  return entries + <usize>e * ENTRY;
}

/** What a first segment of a stream holds: M_SIP, M_WS_HANDSHAKE, or M_FREE (not ours). */
function classify(p: usize, len: u32): u32 {
  if (startLine(p, len) != 0) return M_SIP;
  if (len > 16 && eq(p, 'GET ')) {
    const lim = len < 8192 ? len : 8192;
    if (ifind(p, lim, 0, 'upgrade: websocket') >= 0) return M_WS_HANDSHAKE;
  }
  if (len > 16 && eq(p, 'HTTP/1.1 101')) return M_WS_HANDSHAKE;
  return M_FREE;
}

export function segment(p: usize, len: u32, seq: u32, flags: u32, sport: u32, dport: u32): void {
  curSport = sport;
  curDport = dport;
  const ports = (sport << 16) | dport;
  const h = hash16(ctx.ipDst, hash16(ctx.ipSrc, ports));
  let s = table.start(h);
  let e: i32 = -1;
  while (true) {
    const c = table.at(s);
    if (c < 0) break;
    const q = entry(c);
    if (load<u32>(q + O_PORTS) == ports && same16(q, ctx.ipSrc) && same16(q + 16, ctx.ipDst)) {
      e = c;
      break;
    }
    s = table.next(s);
  }
  const fin = (flags & 0x05) != 0; // FIN or RST
  if (e < 0) {
    if (len == 0) return;
    let mode = classify(p, len);
    let resync: u32 = 0;
    if (mode == M_FREE) {
      // mid-stream start on a SIP port: a message may begin after the tail of another
      if (!isSipPort(sport) && !isSipPort(dport)) return;
      if (findStart(p, len, 0) <= 0) return;
      mode = M_SIP;
      resync = 1;
    }
    e = table.insert(h);
    if (e < 0) return note(C_TCP_TABLE_FULL);
    const q = entry(e);
    memory.copy(q, ctx.ipSrc, 16);
    memory.copy(q + 16, ctx.ipDst, 16);
    store<u32>(q + O_PORTS, ports);
    store<u32>(q + O_VER, ctx.ipVersion);
    store<u32>(q + O_NEXT, seq);
    store<u32>(q + O_BUF, 0);
    store<u32>(q + O_CAP, 0);
    store<u32>(q + O_LEN, 0);
    store<u32>(q + O_MODE, mode);
    store<u32>(q + O_RESYNC, resync);
    store<u32>(q + O_WIRE, 0);
    store<u32>(q + O_WPKT, 0);
    store<u32>(q + O_SKIP, 0);
    store<u32>(q + O_NOOO, 0);
    store<u32>(q + O_OOOB, 0);
    store<u32>(q + O_HOLE, seq);
    store<u32>(q + O_HOLE_END, seq);
    count(C_TCP_STREAMS);
  }
  const q = entry(e);
  store<u32>(q + O_LAST, ctx.tsSec);
  // note mode: messages completed now carry the stream's key, and so does bytes left held
  const key = ctx.notes ? reasmKey(h) : 0;
  if (ctx.notes) {
    ctx.setMsgKey(key);
    if (len > 0 && load<u32>(q + O_MODE) == M_WS_HANDSHAKE) ctx.setPreamble(key);
  }
  if (len > 0) place(q, p, len, seq);
  if (fin) {
    if (load<u32>(q + O_NOOO) != 0) gap(q);
    close(e);
  } else if (ctx.notes && len > 0 && (load<u32>(q + O_LEN) != 0 || load<u32>(q + O_NOOO) != 0)) {
    ctx.setHeld(key);
  }
}

/** Put a segment's data where it belongs in the stream. */
function place(q: usize, p: usize, len: u32, seq: u32): void {
  ctx.markSip();
  const diff = <i32>(seq - load<u32>(q + O_NEXT));
  if (diff == 0) {
    deliver(q, p, len);
    drain(q);
  } else if (diff < 0) {
    const old = <u32>-diff;
    if (old >= len) {
      if (inHole(q, seq, len)) return late(p, len);
      return note(C_TCP_RETRANS);
    }
    deliver(q, p + old, len - old);
    drain(q);
  } else {
    stash(q, p, len, seq);
  }
}

/** Hold a segment that arrived before the bytes preceding it. */
function stash(q: usize, p: usize, len: u32, seq: u32): void {
  note(C_TCP_OOO);
  const n = load<u32>(q + O_NOOO);
  if (n == 0 && load<u32>(q + O_LEN) == 0 && load<u32>(q + O_SKIP) == 0 && load<u32>(q + O_MODE) == M_SIP && startLine(p, len) != 0) {
    // Between messages, a segment that starts a message need not wait for the hole: the hole
    // can only hold whole messages (a capture that missed them, or one call's frames cut from
    // a connection that carried many). Remember the hole: segments filling it come late.
    store<u32>(q + O_HOLE, load<u32>(q + O_NEXT));
    store<u32>(q + O_HOLE_END, seq);
    store<u32>(q + O_NEXT, seq);
    deliver(q, p, len);
    return;
  }
  const held = load<u32>(q + O_OOOB);
  if (n == 0 && len > MAX_OOO_BYTES) {
    // more than a stream may hold on its own: the hole before it is not waited for
    skipTo(q, seq);
    deliver(q, p, len);
    return;
  }
  if (n >= MAX_OOO_SEGS || held + len > MAX_OOO_BYTES) {
    // the hole is not going to fill: give it up, then place this segment again (each round
    // delivers at least the earliest segment held, so this ends)
    gap(q);
    place(q, p, len, seq);
    return;
  }
  const b = alloc(len);
  if (b == 0) return;
  memory.copy(b, p, len);
  const s = q + O_OOO + <usize>n * 12;
  store<u32>(s, seq);
  store<u32>(s + 4, len);
  store<u32>(s + 8, <u32>b);
  store<u32>(q + O_NOOO, n + 1);
  store<u32>(q + O_OOOB, held + len);
}

/** Deliver held segments that now continue the stream. */
function drain(q: usize): void {
  let progress = true;
  while (progress && load<u32>(q + O_NOOO) != 0) {
    progress = false;
    const n = load<u32>(q + O_NOOO);
    for (let i: u32 = 0; i < n; i++) {
      const s = q + O_OOO + <usize>i * 12;
      const seq = load<u32>(s);
      const len = load<u32>(s + 4);
      const b = <usize>load<u32>(s + 8);
      const diff = <i32>(seq - load<u32>(q + O_NEXT));
      if (diff > 0) continue;
      // take it out (move the last one into its place)
      const last = q + O_OOO + <usize>(n - 1) * 12;
      store<u32>(s, load<u32>(last));
      store<u32>(s + 4, load<u32>(last + 4));
      store<u32>(s + 8, load<u32>(last + 8));
      store<u32>(q + O_NOOO, n - 1);
      store<u32>(q + O_OOOB, load<u32>(q + O_OOOB) - len);
      const old = <u32>-diff;
      if (old < len) deliver(q, b + old, len - old);
      else count(C_TCP_RETRANS);
      free(b, len);
      progress = true;
      break;
    }
  }
}

/** Whether [seq, seq+len) lies in the hole skipped last. */
function inHole(q: usize, seq: u32, len: u32): bool {
  const start = load<u32>(q + O_HOLE);
  const end = load<u32>(q + O_HOLE_END);
  return <i32>(seq - start) >= 0 && <i32>(end - (seq + len)) >= 0 && start != end;
}

/** A segment that fills a skipped hole after the stream went on: its whole messages. */
function late(p: usize, len: u32): void {
  let off: u32 = 0;
  while (off < len) {
    const rem = len - off;
    const c = u8at(p + off);
    if (c == 13 || c == 10) {
      off++;
      continue;
    }
    const sl = startLine(p + off, rem);
    if (sl == 0) break;
    scanHeaders(p + off, rem, sl, false);
    if (hdrEnd == 0) break;
    const total = hdrEnd + (contentLength > 0 ? <u32>contentLength : 0);
    if (total > rem || total > MAX_SIP_MSG) break;
    emitSip(p + off, total, T_TCP, curSport, curDport, ctx.ipLen, 1);
    off += total;
  }
  if (off < len) note(C_TCP_GAP); // the rest of a message cut by the hole's end
}

/** Bytes between the stream position and the earliest held segment were never seen. */
function gap(q: usize): void {
  const n = load<u32>(q + O_NOOO);
  if (n == 0) return;
  const next = load<u32>(q + O_NEXT);
  let best: u32 = load<u32>(q + O_OOO);
  for (let i: u32 = 1; i < n; i++) {
    const seq = load<u32>(q + O_OOO + <usize>i * 12);
    if (<i32>(seq - next) < <i32>(best - next)) best = seq;
  }
  skipTo(q, best);
  drain(q);
}

/** The stream goes on at seq: the bytes before it were never seen (a gap), the partial message
 *  held is given up and the stream resynchronises at the next start line. */
function skipTo(q: usize, seq: u32): void {
  note(C_TCP_GAP);
  clearBuffer(q);
  store<u32>(q + O_SKIP, 0);
  store<u32>(q + O_NEXT, seq);
  if (load<u32>(q + O_MODE) == M_WS) {
    // WebSocket framing cannot be found again inside masked data: drop what is held
    dropHeld(q);
    store<u32>(q + O_MODE, M_SIP);
  }
  store<u32>(q + O_RESYNC, 1);
}

function dropHeld(q: usize): void {
  const n = load<u32>(q + O_NOOO);
  for (let i: u32 = 0; i < n; i++) {
    const s = q + O_OOO + <usize>i * 12;
    free(<usize>load<u32>(s + 8), load<u32>(s + 4));
  }
  store<u32>(q + O_NOOO, 0);
  store<u32>(q + O_OOOB, 0);
}

function clearBuffer(q: usize): void {
  bufClear(q + O_BUF);
}

function close(e: i32): void {
  const q = entry(e);
  clearBuffer(q);
  dropHeld(q);
  store<u32>(q + O_MODE, M_FREE);
  table.remove(e);
}

/** In-order bytes for the stream: parse whole messages, keep a partial one. */
function deliver(q: usize, p: usize, len: u32): void {
  store<u32>(q + O_NEXT, load<u32>(q + O_NEXT) + len);
  store<u32>(q + O_WIRE, load<u32>(q + O_WIRE) + ctx.ipLen);
  store<u32>(q + O_WPKT, load<u32>(q + O_WPKT) + 1);
  const skip = load<u32>(q + O_SKIP);
  if (skip != 0) {
    const d = skip < len ? skip : len;
    store<u32>(q + O_SKIP, skip - d);
    p += d;
    len -= d;
    if (len == 0) return;
  }
  const held = load<u32>(q + O_LEN);
  if (held == 0) {
    const used = consume(q, p, len);
    if (used < len) append(q, p + used, len - used);
    return;
  }
  if (!append(q, p, len)) return;
  const buf = <usize>load<u32>(q + O_BUF);
  const total = held + len;
  const used = consume(q, buf, total);
  if (used >= total || load<u32>(q + O_BUF) == 0) {
    clearBuffer(q);
  } else if (used > 0) {
    memory.copy(buf, buf + used, total - used);
    store<u32>(q + O_LEN, total - used);
  }
}

/** Add bytes to the stream buffer; false (and the stream resynchronises) when too large. */
function append(q: usize, p: usize, n: u32): bool {
  const held = load<u32>(q + O_LEN);
  const need = held + n;
  if (need > MAX_SIP_MSG + MAX_WAIT_LINE) {
    count(C_SIP_TOO_LARGE);
    clearBuffer(q);
    store<u32>(q + O_RESYNC, 1);
    if (load<u32>(q + O_MODE) != M_SIP) store<u32>(q + O_MODE, M_SIP);
    return false;
  }
  if (!bufAppend(q + O_BUF, p, n)) {
    clearBuffer(q);
    store<u32>(q + O_RESYNC, 1);
    return false;
  }
  return true;
}

/** Parse complete messages (or WebSocket frames) from [p, p+n); returns bytes consumed. */
function consume(q: usize, p: usize, n: u32): u32 {
  let off: u32 = 0;
  for (let guard = 0; guard < 1 << 20 && off < n; guard++) {
    const mode = load<u32>(q + O_MODE);
    const rem = n - off;
    if (mode == M_WS_HANDSHAKE) {
      const lim = rem < MAX_WAIT_LINE ? rem : MAX_WAIT_LINE;
      const end = findCrlfCrlf(p + off, lim);
      if (end < 0) {
        if (rem >= MAX_WAIT_LINE) {
          store<u32>(q + O_MODE, M_SIP);
          store<u32>(q + O_RESYNC, 1);
          continue;
        }
        return off;
      }
      off += <u32>end;
      store<u32>(q + O_MODE, M_WS);
      continue;
    }
    if (mode == M_WS) {
      const used = wsFrame(q, p + off, rem);
      if (used == 0) return off;
      off += used;
      continue;
    }
    // SIP
    if (load<u32>(q + O_RESYNC) != 0) {
      const at = findStart(p, n, off);
      if (at < 0) {
        // keep the last partial line: a start line may be completing in it
        let keep = n;
        while (keep > off && u8at(p + keep - 1) != 10) keep--;
        if (n - keep >= MAX_WAIT_LINE) keep = n;
        return keep;
      }
      off = <u32>at;
      store<u32>(q + O_RESYNC, 0);
      continue;
    }
    const c = u8at(p + off);
    if (c == 13 || c == 10) {
      off++; // CRLF keep-alive between messages
      continue;
    }
    const sl = startLine(p + off, rem);
    if (sl == 0) {
      const lim = rem < MAX_WAIT_LINE ? rem : MAX_WAIT_LINE;
      if (findByte(p + off, lim, 10) < 0 && rem < MAX_WAIT_LINE) return off; // start line incomplete
      count(C_SIP_MALFORMED);
      store<u32>(q + O_RESYNC, 1);
      off++;
      continue;
    }
    scanHeaders(p + off, rem, sl, false);
    if (hdrEnd == 0) {
      if (rem >= MAX_SIP_MSG) {
        count(C_SIP_TOO_LARGE);
        store<u32>(q + O_RESYNC, 1);
        off += sl;
        continue;
      }
      return off;
    }
    const total = hdrEnd + (contentLength > 0 ? <u32>contentLength : 0);
    if (total > MAX_SIP_MSG) {
      count(C_SIP_TOO_LARGE);
      if (total <= rem) {
        off += total;
        continue;
      }
      store<u32>(q + O_SKIP, total - rem);
      return n;
    }
    if (total > rem) return off;
    emit(q, p + off, total, T_TCP);
    off += total;
  }
  return off;
}

function emit(q: usize, p: usize, len: u32, transport: u32): void {
  emitSip(p, len, transport, curSport, curDport, load<u32>(q + O_WIRE), load<u32>(q + O_WPKT));
  store<u32>(q + O_WIRE, 0);
  store<u32>(q + O_WPKT, 0);
}

/** One WebSocket frame at p; returns its size, or 0 when it is not complete yet. */
function wsFrame(q: usize, p: usize, rem: u32): u32 {
  if (rem < 2) return 0;
  const b0 = u8at(p);
  const b1 = u8at(p + 1);
  const op = b0 & 15;
  let hl: u32 = 2;
  let plen: u32 = b1 & 127;
  if (plen == 126) {
    if (rem < 4) return 0;
    plen = be16(p + 2);
    hl = 4;
  } else if (plen == 127) {
    if (rem < 10) return 0;
    if (be32(p + 2) != 0 || be32(p + 6) > MAX_SIP_MSG * 4) {
      // impossible size for SIP: framing lost
      store<u32>(q + O_MODE, M_SIP);
      store<u32>(q + O_RESYNC, 1);
      return rem;
    }
    plen = be32(p + 6);
    hl = 10;
  }
  const masked = (b1 & 0x80) != 0;
  const key = p + hl;
  if (masked) hl += 4;
  const size = hl + plen;
  if (plen > MAX_SIP_MSG) {
    count(C_SIP_TOO_LARGE);
    if (size <= rem) return size;
    store<u32>(q + O_SKIP, size - rem);
    return rem;
  }
  if (size > rem) return 0;
  if (op <= 2 && plen > 0) {
    let d = p + hl;
    if (masked) {
      for (let i: u32 = 0; i < plen; i++) {
        store<u8>(wsScratch + i, <u8>(u8at(d + i) ^ u8at(key + (i & 3))));
      }
      d = wsScratch;
    }
    if (startLine(d, plen) != 0) {
      count(C_WS_FRAMES);
      emit(q, d, plen, T_WS);
    }
  }
  return size;
}

/** Offset just past the first CRLFCRLF in [p, p+len), or -1. */
function findCrlfCrlf(p: usize, len: u32): i32 {
  for (let i: u32 = 3; i < len; i++) {
    if (u8at(p + i) == 10 && u8at(p + i - 1) == 13 && u8at(p + i - 2) == 10 && u8at(p + i - 3) == 13) return <i32>(i + 1);
  }
  return -1;
}

/** First line start at or after from where a SIP start line begins, or -1. */
function findStart(p: usize, n: u32, from: u32): i32 {
  for (let i = from; i < n; i++) {
    if (i != from && u8at(p + i - 1) != 10) continue;
    const c = u8at(p + i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      if (startLine(p + i, n - i) != 0) return <i32>i;
    }
  }
  return -1;
}

/** Close streams idle for TCP_IDLE_SEC (all of them when all is set). */
export function sweepTcp(all: bool): void {
  if (table.used == 0) return;
  for (let e: i32 = 0; <u32>e < MAX_TCP_STREAMS; e++) {
    const q = entry(e);
    if (load<u32>(q + O_MODE) == M_FREE) continue;
    if (all || <i64>ctx.tsSec - <i64>load<u32>(q + O_LAST) > <i64>TCP_IDLE_SEC) {
      // data after a hole that never filled is still delivered; a message cut short is counted
      if (load<u32>(q + O_NOOO) != 0) gap(q);
      if (load<u32>(q + O_LEN) != 0 && load<u32>(q + O_MODE) == M_SIP && load<u32>(q + O_RESYNC) == 0) count(C_TCP_GAP);
      close(e);
    }
  }
}
