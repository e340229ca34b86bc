// Endpoints straight from SDP: the core watches an SDP's RTP endpoints the moment it reports the
// message, so RTP that follows in the same input chunk is analysed before JS sees the event. The
// event lists these watches with the address text and port of each: the tracker's watch of the
// same text and port takes the core's, the host releases the rest (see Engine.decode). Each endpoint learns the dynamic payload types its section maps (a=rtpmap), for
// the clock rate of its streams and to know telephone-event.

import {
  EV_ENTRY_SIZE,
  EV_WATCH_SIZE,
  MAX_WATCH,
  S_ATTR,
  S_C,
  S_M,
  S_RTPMAP,
  WATCH_ADDR_LEN,
  WATCH_ADDR_OFF,
  WATCH_ID,
  WATCH_PORT,
  WATCH_RTCP,
} from './abi';
import * as endpoints from './endpoints';
import { findByte, ieq } from './mem';
import { ifind } from './sdp';

export let nWatch: u32 = 0;
/** the watches of the message, EV_WATCH_SIZE bytes each, as the event carries them */
export let watches: usize = 0;
let addrBuf: usize = 0;

export function initSdpWatch(): void {
  watches = heap.alloc(MAX_WATCH * EV_WATCH_SIZE);
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
  let section: u32 = 0; // entry index of the section's m= line
  for (let i: u32 = 0; i <= n; i++) {
    const type = i < n ? load<u32>(entries + <usize>i * EV_ENTRY_SIZE) : S_M;
    if (type == S_M) {
      // an m= line closes the previous media section
      if (inMedia && isRtp && port != 0) {
        let id: i32 = -1;
        const c = mcLen != 0 ? mc : sessC;
        const cLen = mcLen != 0 ? mcLen : sessCLen;
        if (cLen != 0) id = watchText(base, c, cLen, port, false);
        if (id >= 0) {
          mapPayloads(id, base, entries, section + 1, i);
          watchRtcp(base, entries, section + 1, i, c, cLen, port);
        }
      }
      if (i == n) break;
      section = i;
      const v = base + load<u32>(entries + <usize>i * EV_ENTRY_SIZE + 4);
      const len = load<u32>(entries + <usize>i * EV_ENTRY_SIZE + 8);
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
    } else if (type == S_C) {
      const v = base + load<u32>(entries + <usize>i * EV_ENTRY_SIZE + 4);
      const len = load<u32>(entries + <usize>i * EV_ENTRY_SIZE + 8);
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

/** The RTCP port of a section (entries [from, to)) whose RTP is at c:port: none with
 *  a=rtcp-mux (it comes to the RTP port), a=rtcp:PORT (RFC 3605), else port + 1. An address
 *  after the port is not followed: the tracker watches at the c= address too. */
function watchRtcp(base: usize, entries: usize, from: u32, to: u32, c: usize, cLen: u32, port: u32): void {
  let rtcpPort = port + 1;
  for (let i = from; i < to; i++) {
    const q = entries + <usize>i * EV_ENTRY_SIZE;
    if (load<u32>(q) != S_ATTR) continue;
    const v = base + load<u32>(q + 4);
    const len = load<u32>(q + 8);
    if (len == 8 && ieq(v, 'rtcp-mux', 8)) return;
    if (len > 5 && ieq(v, 'rtcp:', 5)) {
      let j: u32 = 5;
      let n: u32 = 0;
      while (j < len && load<u8>(v + j) >= 48 && load<u8>(v + j) <= 57 && n < 65536) {
        n = n * 10 + (<u32>load<u8>(v + j) - 48);
        j++;
      }
      if (n != 0 && n <= 65535) rtcpPort = n;
    }
  }
  if (rtcpPort <= 65535) watchText(base, c, cLen, rtcpPort, true);
}

/** "IN IP4 addr[/ttl]" or "IN IP6 addr" -> watch addr:port (as RTCP when rtcp); the watch id, or -1.
 *  base: the message's first byte (the watch names its address text by offset from it). */
function watchText(base: usize, v: usize, len: u32, port: u32, rtcp: bool): i32 {
  if (nWatch >= MAX_WATCH) return -1;
  let j: u32 = 0;
  for (let f = 0; f < 2; f++) {
    while (j < len && load<u8>(v + j) != 32) j++;
    while (j < len && load<u8>(v + j) == 32) j++;
  }
  let e = j;
  while (e < len && load<u8>(v + e) != 47 && load<u8>(v + e) != 32) e++;
  if (!parseAddr(v + j, e - j, addrBuf)) return -1;
  // unspecified (hold) addresses receive nothing
  if (load<u64>(addrBuf) == 0 && (load<u64>(addrBuf + 8) == 0 || (load<u32>(addrBuf + 8) == 0xffff0000 && load<u32>(addrBuf + 12) == 0)))
    return -1;
  const id = rtcp ? endpoints.watchRtcpAt(addrBuf, port) : endpoints.watchAt(addrBuf, port);
  if (id >= 0) {
    const w = watches + <usize>nWatch * EV_WATCH_SIZE;
    store<i32>(w + WATCH_ID, id);
    store<u16>(w + WATCH_PORT, <u16>port);
    store<u8>(w + WATCH_RTCP, rtcp ? 1 : 0);
    store<u8>(w + WATCH_RTCP + 1, 0);
    store<u32>(w + WATCH_ADDR_OFF, <u32>(v + j - base));
    store<u32>(w + WATCH_ADDR_LEN, e - j);
    nWatch++;
  }
  return id;
}

/** a=rtpmap:PT name/rate[/channels] lines in entries [from, to) -> the endpoint's payload map. */
function mapPayloads(id: i32, base: usize, entries: usize, from: u32, to: u32): void {
  for (let i = from; i < to; i++) {
    const q = entries + <usize>i * EV_ENTRY_SIZE;
    if (load<u32>(q) != S_RTPMAP) continue;
    const v = base + load<u32>(q + 4);
    const len = load<u32>(q + 8);
    let j: u32 = 0;
    let pt: u32 = 0;
    while (j < len && load<u8>(v + j) >= 48 && load<u8>(v + j) <= 57 && pt < 128) {
      pt = pt * 10 + (<u32>load<u8>(v + j) - 48);
      j++;
    }
    if (j == 0 || pt < 96 || pt > 127) continue; // static types have fixed clocks
    while (j < len && (load<u8>(v + j) == 32 || load<u8>(v + j) == 9)) j++;
    const name = j;
    while (j < len && load<u8>(v + j) != 47) j++;
    const event = j - name >= 15 && ieq(v + name, 'telephone-event', 15);
    let rate: u32 = 0;
    if (j < len) j++;
    while (j < len && load<u8>(v + j) >= 48 && load<u8>(v + j) <= 57 && rate < 0x1000000) {
      rate = rate * 10 + (<u32>load<u8>(v + j) - 48);
      j++;
    }
    endpoints.mapPayload(id, pt, rate < 0x1000000 ? rate : 0, event);
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
