// The event buffer the host reads after each run(): one event per SIP message and a tick per
// capture second (and, when asked, frame notes or frame copies), laid out as abi.ts says.

import {
  F_BODY_SHORT,
  F_NO_BLANK_LINE,
  F_ASCII,
  C_SIP_MESSAGES,
  C_SIP_TOO_LARGE,
  C_SIP_MALFORMED,
  C_SIP_BODY_SHORT,
  C_EVENT_OVERFLOW,
  B_SIP_BYTES,
  EV_CAP,
  MAX_SIP_MSG,
  EV_SIZE,
  EV_FRAME,
  EV_TS_SEC,
  EV_TS_NSEC,
  EV_FILE_OFFSET,
  EV_FILE_INDEX,
  EV_IP_VERSION,
  EV_TRANSPORT,
  EV_TS_DIGITS,
  EV_N_HDR,
  EV_N_SDP,
  EV_FLAGS,
  EV_SRC,
  EV_DST,
  EV_SPORT,
  EV_DPORT,
  EV_WIRE_BYTES,
  EV_WIRE_PACKETS,
  EV_RAW_LEN,
  EV_START_LINE_LEN,
  EV_BODY_OFF,
  EV_N_WATCH,
  EV_WATCH_SIZE,
  MAX_WATCH,
  EV_RAW_HASH,
  EV_RAW_AT,
  EV_HEAD,
  EV_ENTRY_SIZE,
  EV_TICK_SIZE,
  EV_KEY,
  EV_NOTE_SIZE,
  NOTE_KEY,
  NOTE_FLAGS,
  NOTE_IP_VERSION,
  NOTE_SRC,
  NOTE_DST,
  NOTE_SPORT,
  NOTE_DPORT,
  NOTE_FILE_INDEX,
  NOTE_HELD,
  NOTE_UDP,
  NOTE_PREAMBLE,
  COPY_LINKTYPE,
  COPY_CAPLEN,
  COPY_ORIG_LEN,
  COPY_FILE_INDEX,
  COPY_TS_DIGITS,
  COPY_HEAD,
} from './abi';
import * as ctx from './ctx';
import { hashBytes, isAscii } from './mem';
import { count, addBytes } from './stats';
import { startLine, scanHeaders, addTagEntries, hdrEnd, contentLength, ctypeOff, ctypeLen, nHdr, hdrEntries } from './sip';
import { scanBody, nSdp, sdpEntries } from './sdp';
import { watchSdp, nWatch, watches } from './sdp-watch';

export let evBuf: usize = 0;
export let evLen: u32 = 0;

export function initEvents(): void {
  evBuf = heap.alloc(EV_CAP);
}

/**
 * Report the SIP message at p. For datagrams (framed=false) the message is the whole payload
 * (len), cut at Content-Length; for stream transports the caller has framed it already.
 * Ports are those of the current transport; addresses come from ctx.
 */
export function emitSip(p: usize, len: u32, transport: u32, sport: u32, dport: u32, wireBytes: u32, wirePackets: u32): void {
  const sl = startLine(p, len);
  if (sl == 0) return;
  if (len > MAX_SIP_MSG) {
    count(C_SIP_TOO_LARGE);
    return;
  }
  scanHeaders(p, len, sl, true, true);
  let flags: u32 = 0;
  let bodyOff = hdrEnd;
  let msgLen = len;
  if (bodyOff == 0) {
    // no blank line: headers cut short (snap length or a broken sender); report what is there
    flags |= F_NO_BLANK_LINE;
    count(C_SIP_MALFORMED);
    bodyOff = len;
  } else if (contentLength >= 0) {
    const avail = len - bodyOff;
    if (<u32>contentLength <= avail) {
      msgLen = bodyOff + <u32>contentLength;
    } else {
      flags |= F_BODY_SHORT;
      count(C_SIP_BODY_SHORT);
    }
  }
  const bodyLen = msgLen - bodyOff;
  scanBody(p, bodyOff, bodyLen, ctypeOff, ctypeLen);
  const ascii = isAscii(p, msgLen);
  if (ascii) addTagEntries(p);

  const need = EV_HEAD + (nHdr + nSdp) * EV_ENTRY_SIZE + MAX_WATCH * EV_WATCH_SIZE + ((msgLen + 3) & ~3);
  if (evLen + need > EV_CAP) {
    count(C_EVENT_OVERFLOW);
    return;
  }
  watchSdp(p, sdpEntries, nSdp);
  const size = EV_HEAD + (nHdr + nSdp) * EV_ENTRY_SIZE + nWatch * EV_WATCH_SIZE + ((msgLen + 3) & ~3);
  const e = evBuf + evLen;
  head(e, size, ctx.frameNo, ctx.tsSec, ctx.tsNsec);
  store<f64>(e + EV_FILE_OFFSET, ctx.fileOffset);
  store<u16>(e + EV_FILE_INDEX, <u16>ctx.fileIndex);
  store<u8>(e + EV_IP_VERSION, <u8>ctx.ipVersion);
  store<u8>(e + EV_TRANSPORT, <u8>transport);
  store<u8>(e + EV_TS_DIGITS, <u8>ctx.tsDigits);
  store<u8>(e + EV_N_HDR, <u8>nHdr);
  store<u8>(e + EV_N_SDP, <u8>nSdp);
  if (ascii) flags |= F_ASCII;
  store<u8>(e + EV_FLAGS, <u8>flags);
  memory.copy(e + EV_SRC, ctx.ipSrc, 16);
  memory.copy(e + EV_DST, ctx.ipDst, 16);
  store<u16>(e + EV_SPORT, <u16>sport);
  store<u16>(e + EV_DPORT, <u16>dport);
  store<u32>(e + EV_WIRE_BYTES, wireBytes);
  store<u32>(e + EV_WIRE_PACKETS, wirePackets);
  store<u32>(e + EV_RAW_LEN, msgLen);
  store<u32>(e + EV_START_LINE_LEN, sl);
  store<u32>(e + EV_BODY_OFF, bodyOff);
  store<u32>(e + EV_N_WATCH, nWatch);
  store<u32>(e + EV_RAW_HASH, hashBytes(p, msgLen));
  store<f64>(e + EV_RAW_AT, ctx.fileOffsetOf(p, msgLen));
  store<u32>(e + EV_KEY, ctx.msgKey);
  let q = e + EV_HEAD;
  const hb = <usize>nHdr * EV_ENTRY_SIZE;
  memory.copy(q, hdrEntries, hb);
  q += hb;
  const sb = <usize>nSdp * EV_ENTRY_SIZE;
  memory.copy(q, sdpEntries, sb);
  q += sb;
  const wb = <usize>nWatch * EV_WATCH_SIZE;
  memory.copy(q, watches, wb);
  q += wb;
  memory.copy(q, p, msgLen);
  evLen += size;
  count(C_SIP_MESSAGES);
  addBytes(B_SIP_BYTES, msgLen);
  ctx.markSip();
}

/** The head every event shares: its size, frame number and capture time. */
function head(e: usize, size: u32, frame: u32, sec: u32, nsec: u32): void {
  store<u32>(e + EV_SIZE, size);
  store<u32>(e + EV_FRAME, frame);
  store<u32>(e + EV_TS_SEC, sec);
  store<u32>(e + EV_TS_NSEC, nsec);
}

// capture time: the latest time a frame (or a HEP agent) gave
export let clockSec: u32 = 0;
export let clockNsec: u32 = 0;

/** Capture time reached sec.nsec: moves on (never back), with a tick at each new second. */
export function clockTo(sec: u32, nsec: u32): void {
  if (sec > clockSec || (sec == clockSec && nsec > clockNsec)) {
    if (sec > clockSec) emitTick(sec, nsec);
    clockSec = sec;
    clockNsec = nsec;
  }
}

/** A time tick (EV_TICK_SIZE bytes: size, 0, sec, nsec): capture time passed a new second. Ticks sit in
 *  the event stream in frame order, so the tracker's timeouts fire at the same point of the
 *  capture however the input was cut into chunks. */
export function emitTick(sec: u32, nsec: u32): void {
  if (evLen + EV_TICK_SIZE > EV_CAP) return;
  const e = evBuf + evLen;
  head(e, EV_TICK_SIZE, 0, sec, nsec);
  evLen += EV_TICK_SIZE;
}

/** Note mode: what the frame just decoded was (see EV_NOTE_SIZE in abi.ts), when it matters. */
export function emitNote(): void {
  const key = ctx.heldKey != 0 ? ctx.heldKey : ctx.preambleKey;
  const udp = ctx.udpSeen && !ctx.frameSip;
  if (!udp && key == 0) return;
  if (evLen + EV_NOTE_SIZE > EV_CAP) return;
  const e = evBuf + evLen;
  head(e, EV_NOTE_SIZE, ctx.frameNo, ctx.tsSec, ctx.tsNsec);
  store<u32>(e + NOTE_KEY, key);
  const flags = (ctx.heldKey != 0 ? NOTE_HELD : 0) | (ctx.preambleKey != 0 ? NOTE_PREAMBLE : 0) | (udp ? NOTE_UDP : 0);
  store<u8>(e + NOTE_FLAGS, <u8>flags);
  store<u8>(e + NOTE_IP_VERSION, <u8>ctx.ipVersion);
  memory.copy(e + NOTE_SRC, ctx.ipSrc, 16);
  memory.copy(e + NOTE_DST, ctx.ipDst, 16);
  store<u16>(e + NOTE_SPORT, <u16>ctx.udpSport);
  store<u16>(e + NOTE_DPORT, <u16>ctx.udpDport);
  store<u16>(e + NOTE_FILE_INDEX, <u16>ctx.fileIndex);
  evLen += EV_NOTE_SIZE;
}

/** Copy mode: the frame as read (see COPY_HEAD in abi.ts). */
export function emitCopy(
  frame: u32,
  sec: u32,
  nsec: u32,
  digits: u32,
  file: u32,
  linktype: u32,
  data: usize,
  caplen: u32,
  olen: u32,
): void {
  const size = COPY_HEAD + ((caplen + 3) & ~3);
  if (evLen + size > EV_CAP) {
    count(C_EVENT_OVERFLOW);
    return;
  }
  const e = evBuf + evLen;
  head(e, size, frame, sec, nsec);
  store<u32>(e + COPY_LINKTYPE, linktype);
  store<u32>(e + COPY_CAPLEN, caplen);
  store<u32>(e + COPY_ORIG_LEN, olen);
  store<u16>(e + COPY_FILE_INDEX, <u16>file);
  store<u8>(e + COPY_TS_DIGITS, <u8>digits);
  memory.copy(e + COPY_HEAD, data, caplen);
  evLen += size;
}

export function clearEvents(): void {
  evLen = 0;
}
