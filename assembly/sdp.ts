// SDP line scan: reports the c=, m=, o=, a=rtpmap: lines and the direction and RTCP attributes of
// the SDP part of a body, in order, as (type, offset, length) of the value. JS rebuilds the media sections from the order.

import { S_ATTR, S_C, S_M, S_O, S_RTPMAP, MAX_SDP_ENTRIES } from './abi';
import { u8at, lower, ieq, findLF } from './mem';

export let nSdp: u32 = 0;
export let sdpEntries: usize = 0;

export function initSdp(): void {
  sdpEntries = heap.alloc(MAX_SDP_ENTRIES * 12);
}

/** Case-insensitive search of a lowercase ASCII literal in [p+from, p+len); -1 if absent. */
export function ifind(p: usize, len: u32, from: u32, s: string): i32 {
  const n = <u32>s.length;
  if (n == 0 || len < n) return -1;
  const first = <u32>load<u16>(changetype<usize>(s));
  for (let i = from; i + n <= len; i++) {
    if (lower(u8at(p + i)) == first && ieq(p + i, s, n)) return <i32>i;
  }
  return -1;
}

function add(type: u32, off: u32, len: u32): void {
  if (nSdp >= MAX_SDP_ENTRIES) return;
  const e = sdpEntries + <usize>nSdp * 12;
  store<u32>(e, type);
  store<u32>(e + 4, off);
  store<u32>(e + 8, len);
  nSdp++;
}

/** The attributes of a media section's direction and RTCP (RFC 4566 §6, RFC 3605, RFC 5761). */
function mediaAttribute(a: usize, n: u32): bool {
  if (n == 8)
    return ieq(a, 'sendrecv', 8) || ieq(a, 'sendonly', 8) || ieq(a, 'recvonly', 8) || ieq(a, 'inactive', 8) || ieq(a, 'rtcp-mux', 8);
  return n > 5 && ieq(a, 'rtcp:', 5);
}

/** Scan SDP lines in [base+off, base+off+len); entry offsets are relative to base. */
function scanLines(base: usize, off: u32, len: u32): void {
  let pos = off;
  const end = off + len;
  while (pos < end) {
    const lf = findLF(base, pos, end);
    let stop = lf;
    if (stop > pos && u8at(base + stop - 1) == 13) stop--;
    if (stop >= pos + 2 && u8at(base + pos + 1) == 61) {
      const t = u8at(base + pos);
      if (t == S_C || t == S_M || t == S_O) {
        add(t, pos + 2, stop - pos - 2);
      } else if (t == S_ATTR) {
        const n = stop - pos - 2;
        const a = base + pos + 2;
        if (n >= 7 && ieq(a, 'rtpmap:', 7)) add(S_RTPMAP, pos + 9, n - 7);
        else if (mediaAttribute(a, n)) add(S_ATTR, pos + 2, n);
      }
    }
    pos = lf + 1;
  }
}

/**
 * Find the SDP in a message body and record its lines. The body is SDP when Content-Type is
 * application/sdp, when there is no Content-Type and it starts with "v=", or in the
 * application/sdp part of a multipart body.
 */
export function scanBody(base: usize, bodyOff: u32, bodyLen: u32, ctOff: u32, ctLen: u32): void {
  nSdp = 0;
  if (bodyLen < 3) return;
  if (ctLen == 0) {
    if (u8at(base + bodyOff) == 118 && u8at(base + bodyOff + 1) == 61) scanLines(base, bodyOff, bodyLen);
    return;
  }
  const ct = base + ctOff;
  if (ifind(ct, ctLen, 0, 'multipart/') == 0) {
    scanMultipart(base, bodyOff, bodyLen, ct, ctLen);
    return;
  }
  if (ifind(ct, ctLen, 0, 'application/sdp') == 0) scanLines(base, bodyOff, bodyLen);
}

function scanMultipart(base: usize, bodyOff: u32, bodyLen: u32, ct: usize, ctLen: u32): void {
  const b = ifind(ct, ctLen, 0, 'boundary=');
  if (b < 0) return;
  let bs = <u32>b + 9;
  let be = bs;
  if (bs < ctLen && u8at(ct + bs) == 34) {
    bs++;
    be = bs;
    while (be < ctLen && u8at(ct + be) != 34) be++;
  } else {
    while (be < ctLen && u8at(ct + be) != 59 && u8at(ct + be) != 32 && u8at(ct + be) != 9) be++;
  }
  const blen = be - bs;
  if (blen == 0 || blen > 200) return;
  const body = base + bodyOff;
  // walk the delimiters "--boundary"
  let pos: u32 = 0;
  while (pos + 2 + blen <= bodyLen) {
    const d = findDelimiter(body, bodyLen, pos, ct + bs, blen);
    if (d < 0) return;
    // part starts after the delimiter line
    let ps = <u32>d + 2 + blen;
    if (ps + 1 < bodyLen && u8at(body + ps) == 45 && u8at(body + ps + 1) == 45) return; // closing
    while (ps < bodyLen && u8at(body + ps) != 10) ps++;
    ps++;
    const next = findDelimiter(body, bodyLen, ps, ct + bs, blen);
    const pe: u32 = next < 0 ? bodyLen : <u32>next;
    // part headers end at the first blank line
    const hb = blankLine(body, pe, ps);
    if (hb > 0) {
      const ctp = ifind(body, hb, ps, 'content-type:');
      if (ctp >= 0 && ifind(body, hb, <u32>ctp, 'application/sdp') >= 0) {
        scanLines(base, bodyOff + hb, pe - hb);
        return;
      }
    }
    if (next < 0) return;
    pos = <u32>next;
  }
}

/** Offset of "--boundary" at a line start at or after from, or -1. */
function findDelimiter(body: usize, len: u32, from: u32, bnd: usize, blen: u32): i32 {
  for (let i = from; i + 2 + blen <= len; i++) {
    if (u8at(body + i) == 45 && u8at(body + i + 1) == 45 && (i == 0 || u8at(body + i - 1) == 10)) {
      if (memory.compare(body + i + 2, bnd, blen) == 0) return <i32>i;
    }
  }
  return -1;
}

/** Offset just past the first empty line in [from, end), or 0. */
function blankLine(p: usize, end: u32, from: u32): u32 {
  let pos = from;
  while (pos < end) {
    let lf = pos;
    while (lf < end && u8at(p + lf) != 10) lf++;
    if (lf >= end) return 0;
    let stop = lf;
    if (stop > pos && u8at(p + stop - 1) == 13) stop--;
    if (stop == pos) return lf + 1;
    pos = lf + 1;
  }
  return 0;
}
