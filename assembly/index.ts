// sipscope WASM core: the host writes capture bytes into the input window (inPtr/inSpace/push)
// and calls run(); the core frames pcap/pcapng records itself, decodes each frame and writes
// one event per SIP message into the event buffer. No call per packet crosses into JS.

import {
  C_FRAMES,
  C_SIP_FRAMES,
  C_RTP_FRAMES,
  C_OTHER_FRAMES,
  C_BAD_RECORD,
  C_SKIPPED_BLOCKS,
  C_OVERSIZED_RECORDS,
  C_TRUNCATED_FILE,
  COUNTERS,
  B_BYTES,
  E_NONE,
  E_NOT_CAPTURE,
  E_BAD_RECORD,
  E_BAD_BLOCK,
  E_TRUNCATED,
  E_EMPTY,
  W_MIXED_ORDER,
  IN_CAP,
  EV_CAP,
  EV_RESERVE,
  MAX_RECORD,
  MAX_IFACES,
  SWEEP_EVERY_SEC,
  ST_NEXT,
  RC_NEXT,
} from './abi';
import { rd32, rd16 } from './mem';
import * as ctx from './ctx';
import { initStats, counters, bytes, count, addBytes } from './stats';
import { initArena } from './arena';
import { initSip } from './sip';
import { initSdp } from './sdp';
import { initEvents, clearEvents, clockTo, clockSec, clockNsec, emitNote, emitCopy, evBuf, evLen } from './events';
import { initHep, hepKeyBuf, setHepKey, setHepAgentTime, hepAgentTimeOn } from './hep';
import * as endpoints from './endpoints';
import * as rtcp from './rtcp';
import * as rtp from './rtp';
import { initSdpWatch } from './sdp-watch';
import { initFrag, sweepFrags } from './frag';
import { initTcp, sweepTcp } from './tcp';
import { initSctp } from './sctp';
import { initPorts, addSipPort } from './ports';
import { linkFrame } from './net';

// capture file formats
const F_UNKNOWN: u32 = 0;
const F_PCAP: u32 = 1;
const F_PCAPNG: u32 = 2;
const F_STOPPED: u32 = 3;
const F_SNOOP: u32 = 4; // Solaris snoop (RFC 1761)
const F_NETMON: u32 = 5; // Microsoft Network Monitor 2.x

const SNOOP_MAGIC: u64 = 0x000000706f6f6e73; // "snoop\0\0\0"
const NETMON_MAGIC: u32 = 0x55424d47; // "GMBU"
const NETMON_HEADER: u32 = 128; // the file header, padded
const FILETIME_1970: i64 = 116444736000000000; // 1970-01-01 in 100 ns units since 1601

let inBuf: usize = 0;
let inLen: u32 = 0;
let fileBase: f64 = 0; // file offset of inBuf[0]
let skipBytes: f64 = 0;
let skipStart: f64 = 0; // file offset of the block being skipped

let format: u32 = F_UNKNOWN;
let swap: bool = false; // file header byte order is big-endian
let recSwap: bool = false; // pcap record headers' byte order
let nanos: bool = false;
let linktype: u32 = 0;
let firstRecord: bool = true;
// NetMon 2.x: capture start (UTC), record trailer size, where the frames end (the tables after them)
let nmStartSec: i64 = 0;
let nmStartUs: i64 = 0;
let nmTrailer: u32 = 0;
let nmFramesEnd: f64 = 0;
let fileIdx: u32 = 0;
let fileErr: u32 = E_NONE;
let fileWarn: u32 = 0;
let errOffset: f64 = 0;
let frames: u32 = 0;
let nextSweep: u32 = 0;
// highest capture time seen (captures are not always in time order)

// pcapng interfaces of the current section: linktype, resolution (pow2 flag, exponent), offset
let nIfaces: u32 = 0;
let ifLink: usize = 0;
let ifRes: usize = 0; // u32: exponent | 0x80 when base 2
let ifOff: usize = 0; // i64 seconds

export function init(): void {
  inBuf = heap.alloc(IN_CAP);
  ifLink = heap.alloc(MAX_IFACES * 4);
  ifRes = heap.alloc(MAX_IFACES * 4);
  ifOff = heap.alloc(MAX_IFACES * 8);
  initStats();
  ctx.initCtx();
  initSip();
  initSdp();
  initEvents();
  endpoints.initEndpoints();
  initSdpWatch();
  rtp.initRtp();
  rtcp.initRtcp();
  initFrag();
  initTcp();
  initSctp();
  initPorts();
  initHep();
  // guard: vector loads may read up to 15 bytes past the end of the last buffer
  heap.alloc(64);
  // last: the arena grows memory as it fills (see arena.ts)
  initArena();
}

/** Add a SIP port hint (--sip-ports). */
export function sipPort(port: u32): void {
  addSipPort(port);
}

// ---- input window -------------------------------------------------------------------------

export function inPtr(): usize {
  return inBuf + inLen;
}
export function inSpace(): u32 {
  return IN_CAP - inLen;
}
export function push(n: u32): void {
  inLen += n;
}

/** Start a new input file (the capture goes on: calls and streams are kept). */
export function beginFile(index: u32): void {
  fileIdx = index;
  inLen = 0;
  fileBase = 0;
  skipBytes = 0;
  format = F_UNKNOWN;
  swap = false;
  recSwap = false;
  nanos = false;
  firstRecord = true;
  fileErr = E_NONE;
  fileWarn = 0;
  errOffset = 0;
  nIfaces = 0;
}

/** End of the current file: bytes left over mean it ended inside a record, unless the host
 *  stopped reading on purpose (`stopped` 1: Cancel), when they are let go silently. */
export function endFile(stopped: u32): u32 {
  if (stopped != 0) {
    // nothing is wrong with the file: reading was cut where the host stopped
  } else if (skipBytes > 0 && fileErr == E_NONE) {
    // the file ended inside a block that was being skipped
    fileErr = E_TRUNCATED;
    count(C_TRUNCATED_FILE);
    errOffset = skipStart;
  } else if (inLen > 0 && format != F_STOPPED && fileErr == E_NONE) {
    if (format == F_UNKNOWN) fileErr = inLen >= 4 && knownMagic(load<u32>(inBuf)) ? E_TRUNCATED : E_NOT_CAPTURE;
    else {
      fileErr = E_TRUNCATED;
      count(C_TRUNCATED_FILE);
    }
    errOffset = fileBase;
  } else if (format == F_UNKNOWN && fileErr == E_NONE && fileBase == 0 && inLen == 0) {
    fileErr = E_EMPTY;
  }
  inLen = 0;
  skipBytes = 0;
  return fileErr;
}

export function fileError(): u32 {
  return fileErr;
}
export function fileWarning(): u32 {
  return fileWarn;
}
export function errorOffset(): f64 {
  return errOffset;
}

/** End of input: datagrams and streams still waiting are given up (and counted). */
export function finish(): void {
  sweepFrags(true);
  sweepTcp(true);
}

// ---- events and counters ------------------------------------------------------------------

export function evPtr(): usize {
  return evBuf;
}
export function evLength(): u32 {
  return evLen;
}
export function evClear(): void {
  clearEvents();
}
export function countersPtr(): usize {
  return counters;
}
export function counterCount(): u32 {
  return COUNTERS;
}
export function bytesPtr(): usize {
  return bytes;
}
/** Frames begun so far in the run (the last is the one being decoded if the core failed). */
export function frameCount(): u32 {
  return frames;
}
/** Highest capture time seen so far. */
export function nowSec(): u32 {
  return clockSec;
}
export function nowNsec(): u32 {
  return clockNsec;
}

// ---- media endpoints (the tracker's RTP watch list) ---------------------------------------

export function mediaKey(): usize {
  return endpoints.keyBuf;
}
export function mediaWatch(port: u32): i32 {
  return endpoints.watch(port);
}
export function mediaUnwatch(id: i32): void {
  rtp.release(id);
}
export function mediaPackets(id: i32): u32 {
  return endpoints.packets(id);
}
export function mediaLastSec(id: i32): u32 {
  return endpoints.lastSec(id);
}
export function mediaLastNsec(id: i32): u32 {
  return endpoints.lastNsec(id);
}
/** The RTP streams seen at endpoint id (and at the reverse entries it opened), first packet first:
 *  a stream index, then mediaNextStream(s) until -1; mediaStreamPtr(s) is its entry (abi.ts ST_*). */
export function mediaFirstStream(id: i32): i32 {
  return endpoints.firstStream(id);
}
export function mediaNextStream(s: i32): i32 {
  return s < 0 ? -1 : load<i32>(rtp.streamPtr(s) + ST_NEXT);
}
export function mediaStreamPtr(s: i32): usize {
  return rtp.streamPtr(s);
}
/** Watch mediaKey():port as an RTCP port (an SDP's m= port + 1 or a=rtcp:). */
export function mediaWatchRtcp(port: u32): i32 {
  return endpoints.watchRtcp(port);
}
/** What RTCP sent to endpoint id said (abi.ts RC_*): an entry, then mediaNextRtcp(r) until -1. */
export function mediaFirstRtcp(id: i32): i32 {
  return endpoints.firstRtcp(id);
}
export function mediaNextRtcp(r: i32): i32 {
  return r < 0 ? -1 : load<i32>(rtcp.rtcpPtr(r) + RC_NEXT);
}
export function mediaRtcpPtr(r: i32): usize {
  return rtcp.rtcpPtr(r);
}

// ---- stream trace (one call's plot) ----------------------------------------------------------

export function traceKeyPtr(i: u32): usize {
  return rtp.traceKeyPtr(i);
}
export function traceSet(n: u32): void {
  rtp.traceSet(n);
}
export function traceSamples(): usize {
  return rtp.traceSamples();
}
export function traceCount(): u32 {
  return rtp.traceCount();
}
export function traceDropped(): u32 {
  return rtp.traceDropped();
}
export function traceClear(): void {
  rtp.traceClear();
}

// ---- extracting calls' frames (node/extract.ts, shared/extract.ts) ----------------------------

let copyMode = false;

/** Report a note after each frame that matters for finding a call's frames (abi.ts EV_NOTE_SIZE). */
export function setNotes(on: u32): void {
  ctx.setNotes(on != 0);
}
/** Report every frame as it was read (abi.ts COPY_HEAD), decoding nothing. */
export function setCopy(on: u32): void {
  copyMode = on != 0;
}

// ---- HEP (node/hep-listener.ts) -------------------------------------------------------------

/** Where the host writes the HEP authentication key before hepKey(len) (HEP_KEY_MAX bytes). */
export function hepKeyPtr(): usize {
  return hepKeyBuf();
}
/** Accept only HEP packets whose chunk 0x000e equals the len bytes written (0: any packet). */
export function hepKey(len: u32): void {
  setHepKey(len);
}
/** Report HEP messages at the time the agent gave (chunks 0x0009/0x000a), not the frame's. */
export function hepAgentTime(on: u32): void {
  setHepAgentTime(on != 0);
}

// ---- the loop -----------------------------------------------------------------------------

/**
 * Decode every complete record in the input window. Returns 0 when it needs more input (the
 * unread tail has been moved to the window's start), 1 when the event buffer must be drained
 * first (call run() again without pushing).
 */
export function run(): u32 {
  let pos: u32 = 0;
  let status: u32 = 0;
  while (true) {
    if (EV_CAP - evLen < EV_RESERVE) {
      status = 1;
      break;
    }
    const avail = inLen - pos;
    if (avail == 0) break;
    if (skipBytes > 0) {
      const d: u32 = skipBytes < <f64>avail ? <u32>skipBytes : avail;
      pos += d;
      skipBytes -= <f64>d;
      continue;
    }
    const p = inBuf + pos;
    if (format == F_STOPPED) {
      pos = inLen;
      break;
    }
    if (format == F_UNKNOWN) {
      if (avail < 24) break;
      if (load<u32>(p) == NETMON_MAGIC && avail < NETMON_HEADER) break;
      if (!detect(p)) {
        pos = inLen;
        break;
      }
      if (format == F_PCAP) pos += 24;
      else if (format == F_SNOOP) pos += 16;
      else if (format == F_NETMON) pos += NETMON_HEADER;
      continue;
    }
    let used: u32 = 0;
    if (format == F_PCAP) used = pcapRecord(p, avail, pos);
    else if (format == F_SNOOP) used = snoopRecord(p, avail, pos);
    else if (format == F_NETMON) used = netmonRecord(p, avail, pos);
    else used = pcapngBlock(p, avail, pos);
    if (used == 0) break;
    pos += used;
  }
  // keep the unread tail at the start of the window
  if (pos > 0) {
    if (pos < inLen) memory.copy(inBuf, inBuf + pos, inLen - pos);
    inLen -= pos;
    fileBase += <f64>pos;
  }
  return status;
}

function stop(err: u32, at: u32): void {
  fileErr = err;
  errOffset = fileBase + <f64>at;
  format = F_STOPPED;
}

function knownMagic(m: u32): bool {
  return (
    m == 0xa1b2c3d4 ||
    m == 0xa1b23c4d ||
    m == 0xd4c3b2a1 ||
    m == 0x4d3cb2a1 ||
    m == 0x0a0d0d0a ||
    m == <u32>SNOOP_MAGIC ||
    m == NETMON_MAGIC
  );
}

function detect(p: usize): bool {
  const m = load<u32>(p);
  if (m == 0xa1b2c3d4 || m == 0xa1b23c4d) {
    swap = false;
  } else if (m == 0xd4c3b2a1 || m == 0x4d3cb2a1) {
    swap = true;
  } else if (m == 0x0a0d0d0a) {
    format = F_PCAPNG;
    return true;
  } else if (load<u64>(p) == SNOOP_MAGIC) {
    return detectSnoop(p);
  } else if (m == NETMON_MAGIC) {
    return detectNetmon(p);
  } else {
    stop(E_NOT_CAPTURE, 0);
    return false;
  }
  format = F_PCAP;
  recSwap = swap;
  nanos = m == 0xa1b23c4d || m == 0x4d3cb2a1;
  linktype = rd32(p + 20, swap) & 0xffff; // upper bits carry FCS information
  return true;
}

/** One pcap record; returns bytes used, 0 when incomplete (or the file was stopped). */
function pcapRecord(p: usize, avail: u32, pos: u32): u32 {
  if (avail < 16) return 0;
  let caplen = rd32(p + 8, recSwap);
  if (firstRecord) {
    // some writers put the record headers in the other byte order than the file header
    const alt = rd32(p + 8, !recSwap);
    if (caplen > MAX_RECORD && alt <= MAX_RECORD && rd32(p + 12, !recSwap) >= alt) {
      recSwap = !recSwap;
      caplen = alt;
      fileWarn |= W_MIXED_ORDER;
    }
    firstRecord = false;
  }
  if (caplen > MAX_RECORD) {
    count(C_BAD_RECORD);
    stop(E_BAD_RECORD, pos);
    return 0;
  }
  if (avail < 16 + caplen) return 0;
  const sec = rd32(p, recSwap);
  const frac = rd32(p + 4, recSwap);
  const olen = rd32(p + 12, recSwap);
  frame(linktype, p + 16, caplen, sec, nanos ? frac : frac * 1000, nanos ? 9 : 6, pos, olen);
  return 16 + caplen;
}

/** The link type of a snoop datalink (RFC 1761): Ethernet and 802.3 frames are Ethernet II or
 *  802.3 framed alike, as the Ethernet decoder reads them; others are counted as unknown. */
function detectSnoop(p: usize): bool {
  const version = rd32(p + 8, true);
  if (version < 1 || version > 3) {
    stop(E_NOT_CAPTURE, 0);
    return false;
  }
  const dl = rd32(p + 12, true);
  format = F_SNOOP;
  linktype = dl == 4 || dl == 0 ? 1 : 0xffff;
  return true;
}

/** One snoop record (big-endian): lengths, record length (with padding), drops, time; returns
 *  bytes used, 0 when incomplete. */
function snoopRecord(p: usize, avail: u32, pos: u32): u32 {
  if (avail < 24) return 0;
  const olen = rd32(p, true);
  const caplen = rd32(p + 4, true);
  const reclen = rd32(p + 8, true);
  if (caplen > MAX_RECORD || reclen < 24 + caplen || reclen > MAX_RECORD + 64) {
    count(C_BAD_RECORD);
    stop(E_BAD_RECORD, pos);
    return 0;
  }
  if (avail < reclen) return 0;
  frame(linktype, p + 24, caplen, rd32(p + 16, true), rd32(p + 20, true) * 1000, 6, pos, olen);
  return reclen;
}

/** NetMon media type → link type: Ethernet; others counted as unknown. */
function netmonLink(media: u32): u32 {
  return media == 1 ? 1 : 0xffff;
}

/** NetMon 2.x header (little-endian): version, media type, start time (SYSTEMTIME, UTC), and the
 *  offsets of the tables that follow the frames (the frames are read in order up to the first). */
function detectNetmon(p: usize): bool {
  const minor = <u32>load<u8>(p + 4);
  const major = <u32>load<u8>(p + 5);
  if (major != 2) {
    // NetMon 1.x (and 3.x files are written as 2.x)
    stop(E_NOT_CAPTURE, 0);
    return false;
  }
  format = F_NETMON;
  linktype = netmonLink(<u32>load<u16>(p + 6));
  const days = daysFromCivil(<i32>load<u16>(p + 8), <i32>load<u16>(p + 10), <i32>load<u16>(p + 14));
  nmStartSec = <i64>days * 86400 + <i64>load<u16>(p + 16) * 3600 + <i64>load<u16>(p + 18) * 60 + <i64>load<u16>(p + 20);
  nmStartUs = <i64>load<u16>(p + 22) * 1000;
  nmTrailer = minor == 0 ? 0 : minor == 1 ? 2 : minor == 2 ? 6 : 15;
  nmFramesEnd = Infinity;
  // frame table, user data, comments, process info, network info, conversation stats, extended info
  for (let o: usize = 24; o <= 72; o += 8) {
    const at = <f64>load<u32>(p + o);
    if (at >= <f64>NETMON_HEADER && at < nmFramesEnd) nmFramesEnd = at;
  }
  return true;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(y: i32, m: i32, d: i32): i32 {
  if (m <= 2) y -= 1;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** One NetMon 2.x frame: µs since the start (u64), lengths, the data, a trailer whose first two
 *  bytes may give the frame's own media type. Returns bytes used, 0 when incomplete. */
function netmonRecord(p: usize, avail: u32, pos: u32): u32 {
  if (fileBase + <f64>pos >= nmFramesEnd) {
    // the tables after the frames: done with this file
    format = F_STOPPED;
    return 0;
  }
  if (avail < 16) return 0;
  const olen: u32 = load<u32>(p + 8);
  const caplen: u32 = load<u32>(p + 12);
  if (caplen > MAX_RECORD) {
    count(C_BAD_RECORD);
    stop(E_BAD_RECORD, pos);
    return 0;
  }
  const size: u32 = 16 + caplen + nmTrailer;
  if (avail < size) return 0;
  let lt = linktype;
  if (nmTrailer >= 2) {
    const media = <u32>load<u16>(p + 16 + caplen);
    if (media != 0) lt = netmonLink(media);
  }
  let sec: i64 = 0;
  let nsec: i64 = 0;
  // 2.3 and later: the frame's UTC time (100 ns since 1601) when written; else start + µs delta
  const utc = nmTrailer >= 15 ? load<i64>(p + 16 + caplen + 6) - FILETIME_1970 : -1;
  if (utc >= 0) {
    sec = utc / 10000000;
    nsec = (utc % 10000000) * 100;
  } else {
    const us = nmStartUs + load<i64>(p);
    sec = nmStartSec + us / 1000000;
    nsec = (us % 1000000) * 1000;
  }
  frame(lt, p + 16, caplen, <u32>sec, <u32>nsec, 6, pos, olen);
  return size;
}

/** One pcapng block; returns bytes used, 0 when incomplete (or the file was stopped). */
function pcapngBlock(p: usize, avail: u32, pos: u32): u32 {
  if (avail < 12) return 0;
  let type = rd32(p, swap);
  if (load<u32>(p) == 0x0a0d0d0a) {
    // section header: its byte-order magic sets the order for the whole section
    const bom = load<u32>(p + 8);
    if (bom == 0x1a2b3c4d) swap = false;
    else if (bom == 0x4d3c2b1a) swap = true;
    else {
      stop(E_BAD_BLOCK, pos);
      return 0;
    }
    type = 0x0a0d0d0a;
  }
  const blen = rd32(p + 4, swap);
  if (blen < 12 || (blen & 3) != 0) {
    stop(E_BAD_BLOCK, pos);
    return 0;
  }
  if (blen > IN_CAP - 64) {
    // larger than the window: cannot be a packet we can decode; skip it
    count(type == 6 || type == 3 || type == 2 ? C_OVERSIZED_RECORDS : C_SKIPPED_BLOCKS);
    skipBytes = <f64>blen;
    skipStart = fileBase + <f64>pos;
    return skipNow(avail, blen);
  }
  if (avail < blen) return 0;
  if (rd32(p + blen - 4, swap) != blen) {
    stop(E_BAD_BLOCK, pos);
    return 0;
  }
  switch (type) {
    case 0x0a0d0d0a:
      nIfaces = 0;
      break;
    case 1:
      addInterface(p, blen);
      break;
    case 6: {
      // enhanced packet block
      if (blen < 32) return bad(pos);
      const iface = rd32(p + 8, swap);
      const caplen = rd32(p + 20, swap);
      if (caplen > blen - 32) return bad(pos);
      packet(iface, rd32(p + 12, swap), rd32(p + 16, swap), p + 28, caplen, rd32(p + 24, swap), pos);
      break;
    }
    case 3: {
      // simple packet block: interface 0, no timestamp (the previous packet's time is kept)
      if (blen < 16 || nIfaces == 0) return bad(pos);
      const olen = rd32(p + 8, swap);
      const room = blen - 16;
      const caplen = olen < room ? olen : room;
      const lt = load<u32>(ifLink);
      frame(lt, p + 12, caplen, ctx.tsSec, ctx.tsNsec, ctx.tsDigits, pos, olen);
      break;
    }
    case 2: {
      // obsolete packet block
      if (blen < 32) return bad(pos);
      const iface = rd16(p + 8, swap);
      const caplen = rd32(p + 20, swap);
      if (caplen > blen - 32) return bad(pos);
      packet(iface, rd32(p + 12, swap), rd32(p + 16, swap), p + 28, caplen, rd32(p + 24, swap), pos);
      break;
    }
    default:
      count(C_SKIPPED_BLOCKS);
  }
  return blen;
}

function skipNow(avail: u32, blen: u32): u32 {
  const d = avail < blen ? avail : blen;
  skipBytes -= <f64>d;
  return d;
}

/** A packet block that contradicts itself: counted and skipped, the file goes on. */
function bad(pos: u32): u32 {
  count(C_BAD_RECORD);
  const blen = rd32(inBuf + pos + 4, swap);
  return blen;
}

function addInterface(p: usize, blen: u32): void {
  if (nIfaces >= MAX_IFACES) return;
  const i = nIfaces++;
  store<u32>(ifLink + ((<usize>i) << 2), rd16(p + 8, swap));
  let res: u32 = 6;
  let off: i64 = 0;
  // options: code u16, length u16, value padded to 4
  let o: u32 = 16;
  const end = blen - 4;
  while (o + 4 <= end) {
    const code = rd16(p + o, swap);
    const len = rd16(p + o + 2, swap);
    if (code == 0) break;
    if (o + 4 + len > end) break;
    if (code == 9 && len >= 1) res = <u32>load<u8>(p + o + 4);
    else if (code == 14 && len == 8) {
      const lo = rd32(p + o + 4, swap);
      const hi = rd32(p + o + 8, swap);
      off = swap ? ((<i64>lo) << 32) | <i64>hi : ((<i64>hi) << 32) | <i64>lo;
    }
    o += 4 + ((len + 3) & ~3);
  }
  store<u32>(ifRes + ((<usize>i) << 2), res);
  store<i64>(ifOff + ((<usize>i) << 3), off);
}

const POW10: StaticArray<u64> = [
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
  100000000000000, 1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000, 10000000000000000000,
];

function packet(iface: u32, hi: u32, lo: u32, data: usize, caplen: u32, olen: u32, pos: u32): void {
  if (iface >= nIfaces) {
    count(C_BAD_RECORD);
    return;
  }
  const res = load<u32>(ifRes + ((<usize>iface) << 2));
  const ts: u64 = ((<u64>hi) << 32) | <u64>lo;
  let sec: u64 = 0;
  let nsec: u64 = 0;
  let digits: u32 = 6;
  if (res & 0x80) {
    const e = res & 0x7f;
    if (e >= 64) return;
    sec = ts >> e;
    const rem = ts & (((<u64>1) << e) - 1);
    nsec = <u64>((<f64>rem * 1e9) / <f64>((<u64>1) << e));
    digits = e >= 20 ? 9 : 6;
  } else {
    const e = res > 19 ? 19 : res;
    const div = unchecked(POW10[e]);
    sec = ts / div;
    const rem = ts % div;
    nsec = e <= 9 ? rem * unchecked(POW10[9 - e]) : rem / unchecked(POW10[e - 9]);
    digits = e >= 7 ? 9 : 6;
  }
  const s = <i64>sec + load<i64>(ifOff + ((<usize>iface) << 3));
  frame(load<u32>(ifLink + ((<usize>iface) << 2)), data, caplen, <u32>s, <u32>nsec, digits, pos, olen);
}

function frame(lt: u32, data: usize, caplen: u32, sec: u32, nsec: u32, digits: u32, pos: u32, olen: u32): void {
  frames++;
  if (nsec > 999999999) nsec = 999999999;
  if (copyMode) {
    count(C_FRAMES);
    addBytes(B_BYTES, caplen);
    emitCopy(frames, sec, nsec, digits, fileIdx, lt, data, caplen, olen);
    return;
  }
  // HEP messages at their agent's time move the clock themselves (hep.ts)
  if (!hepAgentTimeOn()) clockTo(sec, nsec);
  ctx.setFrame(frames, sec, nsec, digits, fileIdx, fileBase + <f64>pos, olen);
  ctx.setFrameData(data, caplen, fileBase + <f64>(data - inBuf));
  count(C_FRAMES);
  addBytes(B_BYTES, caplen);
  linkFrame(lt, data, caplen);
  if (ctx.notes) emitNote();
  if (ctx.frameSip) count(C_SIP_FRAMES);
  else if (ctx.frameMedia) count(C_RTP_FRAMES);
  else if (!ctx.frameNoted) count(C_OTHER_FRAMES);
  if (sec >= nextSweep) {
    if (nextSweep != 0) {
      sweepFrags(false);
      sweepTcp(false);
    }
    nextSweep = sec + SWEEP_EVERY_SEC;
  }
}
