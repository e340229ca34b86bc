// The event buffer JS reads after each run(): one record per SIP message.
// Layout (little-endian; the contract with shared/engine.ts, decodeEvents):
//   0 u32 size   4 u32 frame   8 u32 tsSec   12 u32 tsNsec   16 f64 fileOffset
//  24 u16 fileIndex  26 u8 ipVersion  27 u8 transport  28 u8 tsDigits  29 u8 nHdr  30 u8 nSdp
//  31 u8 flags  32 src[16]  48 dst[16]  64 u16 sport  66 u16 dport  68 u32 wireBytes
//  72 u32 wirePackets  76 u32 rawLen  80 u32 startLineLen  84 u32 bodyOff  88 u32 nWatch  92 0
//  96 nHdr x (u32 id, u32 off, u32 len)  then nSdp x (u32 type, u32 off, u32 len)
//  then nWatch x i32 media watch ids the core took for the SDP's RTP endpoints (the host
//  releases them after the tracker has seen the message), then rawLen bytes, padded to 4.

import { EV_CAP, MAX_SIP_MSG } from './limits';
import * as ctx from './ctx';
import { count, addBytes, C_SIP_MESSAGES, C_SIP_TOO_LARGE, C_SIP_MALFORMED, C_SIP_BODY_SHORT, C_EVENT_OVERFLOW, B_SIP_BYTES } from './stats';
import { startLine, scanHeaders, hdrEnd, contentLength, ctypeOff, ctypeLen, nHdr, hdrEntries } from './sip';
import { scanBody, nSdp, sdpEntries } from './sdp';
import { watchSdp, nWatch, watchIds } from './media';

export const T_UDP: u32 = 1;
export const T_TCP: u32 = 2;
export const T_SCTP: u32 = 3;
export const T_WS: u32 = 4;

export const F_BODY_SHORT: u32 = 1;
export const F_NO_BLANK_LINE: u32 = 2;

const HEAD: u32 = 96;

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

  const need = HEAD + (nHdr + nSdp) * 12 + 16 * 4 + ((msgLen + 3) & ~3);
  if (evLen + need > EV_CAP) {
    count(C_EVENT_OVERFLOW);
    return;
  }
  watchSdp(p, sdpEntries, nSdp);
  const size = HEAD + (nHdr + nSdp) * 12 + nWatch * 4 + ((msgLen + 3) & ~3);
  const e = evBuf + evLen;
  store<u32>(e, size);
  store<u32>(e + 4, ctx.frameNo);
  store<u32>(e + 8, ctx.tsSec);
  store<u32>(e + 12, ctx.tsNsec);
  store<f64>(e + 16, ctx.fileOffset);
  store<u16>(e + 24, <u16>ctx.fileIndex);
  store<u8>(e + 26, <u8>ctx.ipVersion);
  store<u8>(e + 27, <u8>transport);
  store<u8>(e + 28, <u8>ctx.tsDigits);
  store<u8>(e + 29, <u8>nHdr);
  store<u8>(e + 30, <u8>nSdp);
  store<u8>(e + 31, <u8>flags);
  memory.copy(e + 32, ctx.ipSrc, 16);
  memory.copy(e + 48, ctx.ipDst, 16);
  store<u16>(e + 64, <u16>sport);
  store<u16>(e + 66, <u16>dport);
  store<u32>(e + 68, wireBytes);
  store<u32>(e + 72, wirePackets);
  store<u32>(e + 76, msgLen);
  store<u32>(e + 80, sl);
  store<u32>(e + 84, bodyOff);
  store<u32>(e + 88, nWatch);
  store<u32>(e + 92, 0);
  let q = e + HEAD;
  const hb = <usize>nHdr * 12;
  memory.copy(q, hdrEntries, hb);
  q += hb;
  const sb = <usize>nSdp * 12;
  memory.copy(q, sdpEntries, sb);
  q += sb;
  const wb = <usize>nWatch << 2;
  memory.copy(q, watchIds, wb);
  q += wb;
  memory.copy(q, p, msgLen);
  evLen += size;
  count(C_SIP_MESSAGES);
  addBytes(B_SIP_BYTES, msgLen);
  ctx.markSip();
}

/** A time tick (16 bytes: size 16, 0, sec, nsec): capture time passed a new second. Ticks sit in
 *  the event stream in frame order, so the tracker's timeouts fire at the same point of the
 *  capture however the input was cut into chunks. */
export function emitTick(sec: u32, nsec: u32): void {
  if (evLen + 16 > EV_CAP) return;
  const e = evBuf + evLen;
  store<u32>(e, 16);
  store<u32>(e + 4, 0);
  store<u32>(e + 8, sec);
  store<u32>(e + 12, nsec);
  evLen += 16;
}

export function clearEvents(): void {
  evLen = 0;
}
