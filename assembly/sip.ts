// SIP message recognition and header scan. A message is recognised by its start line alone
// (any port). The scan records (offset, length) of the header values the call tracker needs;
// JS decodes only those slices.

import {
  H_CALL_ID,
  H_FROM,
  H_TO,
  H_CSEQ,
  H_USER_AGENT,
  H_SERVER,
  H_REASON,
  H_CONTENT_TYPE,
  H_CONTENT_LENGTH,
  H_X_CID,
  H_SESSION_ID,
  H_CHARGING_VECTOR,
  H_FROM_TAG,
  H_TO_TAG,
  H_FOLDED,
  MAX_HDR_ENTRIES,
} from './abi';
import { u8at, lower, ieq, eq, findByte, findLF, findControl } from './mem';

/** Longest start line looked at (long Request-URIs exist in the wild). */
const MAX_START_LINE: u32 = 16384;
const MAX_METHOD: u32 = 32;

// Results of scanHeaders (globals: no allocation).
export let hdrEnd: u32 = 0; // offset just past the blank line, 0 when not found
export let contentLength: i32 = -1; // -1 when absent or unparsable
export let ctypeOff: u32 = 0;
export let ctypeLen: u32 = 0;
export let nHdr: u32 = 0;
export let hdrEntries: usize = 0; // MAX_HDR_ENTRIES x (id, off, len) u32

export function initSip(): void {
  hdrEntries = heap.alloc(MAX_HDR_ENTRIES * 12);
}

/** RFC 3261 token characters (method names). */
function isToken(c: u32): bool {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return true;
  return c == 45 || c == 46 || c == 33 || c == 37 || c == 42 || c == 95 || c == 43 || c == 96 || c == 39 || c == 126;
}
function isDigit(c: u32): bool {
  return c >= 48 && c <= 57;
}

/** Length of the SIP start line at p (through its LF), or 0 when p does not start a SIP message. */
export function startLine(p: usize, len: u32): u32 {
  if (len < 12) return 0;
  const c0 = u8at(p);
  if (c0 == 83 && eq(p, 'SIP/2.0 ')) {
    // response: SIP/2.0 DDD[ reason]
    if (!isDigit(u8at(p + 8)) || !isDigit(u8at(p + 9)) || !isDigit(u8at(p + 10))) return 0;
    const c11 = u8at(p + 11);
    if (c11 != 32 && c11 != 13 && c11 != 10) return 0;
    return lineEnd(p, len, 11);
  }
  // request: METHOD SP Request-URI SP SIP/2.0
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return 0;
  let i: u32 = 1;
  const mmax = len < MAX_METHOD ? len : MAX_METHOD;
  while (i < mmax && isToken(u8at(p + i))) i++;
  if (i >= mmax || u8at(p + i) != 32) return 0;
  const e = lineEnd(p, len, i);
  if (e == 0) return 0;
  let stop = e - 1; // at LF
  if (stop > 0 && u8at(p + stop - 1) == 13) stop--;
  if (stop < i + 10) return 0;
  if (u8at(p + stop - 8) != 32 || !ieq(p + stop - 7, 'sip/2.0', 7)) return 0;
  return e;
}

/** Offset just past the LF that ends the start line, or 0 if none in the window or the line
 *  holds control characters (binary data that happens to begin like SIP). */
function lineEnd(p: usize, len: u32, from: u32): u32 {
  const lim = len < MAX_START_LINE ? len : MAX_START_LINE;
  let i = from;
  while (i < lim) {
    i = findControl(p, i, lim);
    if (i >= lim) return 0;
    const c = u8at(p + i);
    if (c == 10) return i + 1;
    if (c != 13 && c != 9) return 0;
    i++;
  }
  return 0;
}

/** Header id for the name [p, p+n), 0 when not one the tracker needs. */
function headerId(p: usize, n: u32): u32 {
  switch (n) {
    case 1: {
      const c = lower(u8at(p));
      if (c == 105) return H_CALL_ID; // i
      if (c == 102) return H_FROM; // f
      if (c == 116) return H_TO; // t
      if (c == 99) return H_CONTENT_TYPE; // c
      if (c == 108) return H_CONTENT_LENGTH; // l
      return 0;
    }
    case 2:
      return ieq(p, 'to', 2) ? H_TO : 0;
    case 4:
      if (ieq(p, 'from', 4)) return H_FROM;
      return ieq(p, 'cseq', 4) ? H_CSEQ : 0;
    case 5:
      return ieq(p, 'x-cid', 5) ? H_X_CID : 0;
    case 6:
      if (ieq(p, 'server', 6)) return H_SERVER;
      return ieq(p, 'reason', 6) ? H_REASON : 0;
    case 7:
      return ieq(p, 'call-id', 7) ? H_CALL_ID : 0;
    case 9:
      return ieq(p, 'x-call-id', 9) ? H_X_CID : 0;
    case 10:
      if (ieq(p, 'user-agent', 10)) return H_USER_AGENT;
      return ieq(p, 'session-id', 10) ? H_SESSION_ID : 0;
    case 12:
      return ieq(p, 'content-type', 12) ? H_CONTENT_TYPE : 0;
    case 14:
      if (ieq(p, 'content-length', 14)) return H_CONTENT_LENGTH;
      return ieq(p, 'x-orig-call-id', 14) ? H_X_CID : 0;
    case 17:
      return ieq(p, 'p-charging-vector', 17) ? H_CHARGING_VECTOR : 0;
    case 18:
      return ieq(p, 'x-original-call-id', 18) ? H_X_CID : 0;
  }
  return 0;
}

function parseLength(p: usize, n: u32): i32 {
  if (n == 0 || n > 9) return -1;
  let v: i32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = u8at(p + i);
    if (!isDigit(c)) return -1;
    v = v * 10 + <i32>(c - 48);
  }
  return v;
}

/**
 * Scan the header section of the message at p (len bytes, start line of slLen bytes).
 * Sets hdrEnd (0 if the blank line is not within len), contentLength, the Content-Type slice,
 * and, when record is set, the header entries (offsets relative to p). With final set (a whole
 * datagram), a last line without its LF still counts as a header line.
 */
export function scanHeaders(p: usize, len: u32, slLen: u32, record: bool, final: bool = false): void {
  hdrEnd = 0;
  contentLength = -1;
  ctypeOff = 0;
  ctypeLen = 0;
  nHdr = 0;
  let pos = slLen;
  let lastEntry: usize = 0; // entry a folded line continues
  while (pos < len) {
    // find the end of this line
    const lf = findLF(p, pos, len);
    if (lf >= len && !final) return; // incomplete header section
    let stop = lf;
    if (stop > pos && u8at(p + stop - 1) == 13) stop--;
    if (stop == pos) {
      if (lf < len) hdrEnd = lf + 1;
      return;
    }
    const c0 = u8at(p + pos);
    if (c0 == 32 || c0 == 9) {
      // folded continuation of the previous header value
      if (lastEntry != 0) {
        let e = stop;
        while (e > pos && (u8at(p + e - 1) == 32 || u8at(p + e - 1) == 9)) e--;
        const off = load<u32>(lastEntry + 4);
        if (e > off) {
          store<u32>(lastEntry + 8, e - off);
          store<u32>(lastEntry, load<u32>(lastEntry) | H_FOLDED);
        }
      }
      pos = lf + 1;
      continue;
    }
    lastEntry = 0;
    // name up to ':'
    let colon = pos;
    while (colon < stop && u8at(p + colon) != 58) colon++;
    if (colon < stop) {
      let ne = colon;
      while (ne > pos && (u8at(p + ne - 1) == 32 || u8at(p + ne - 1) == 9)) ne--;
      const id = headerId(p + pos, ne - pos);
      if (id != 0) {
        let vs = colon + 1;
        while (vs < stop && (u8at(p + vs) == 32 || u8at(p + vs) == 9)) vs++;
        let ve = stop;
        while (ve > vs && (u8at(p + ve - 1) == 32 || u8at(p + ve - 1) == 9)) ve--;
        if (id == H_CONTENT_LENGTH) {
          if (contentLength < 0) contentLength = parseLength(p + vs, ve - vs);
        } else if (id == H_CONTENT_TYPE && ctypeLen == 0) {
          ctypeOff = vs;
          ctypeLen = ve - vs;
        }
        if (record && nHdr < MAX_HDR_ENTRIES) {
          const ent = hdrEntries + <usize>nHdr * 12;
          store<u32>(ent, id);
          store<u32>(ent + 4, vs);
          store<u32>(ent + 8, ve - vs);
          nHdr++;
          lastEntry = ent;
        }
      }
    }
    pos = lf + 1;
  }
}

// ---- From / To tags ---------------------------------------------------------------------------

/** JavaScript's \s on ASCII: HT, LF, VT, FF, CR, space. */
function isSpace(c: u32): bool {
  return c == 32 || (c >= 9 && c <= 13);
}

let tagOff: u32 = 0;
let tagLen: u32 = 0;

/**
 * The tag parameter of the ASCII value at p + off (len bytes) into tagOff (relative to p) and
 * tagLen (0: none), read as the host's tagOf reads a value's text: the parameters start after the
 * last '>' of a name-addr, else at the first ';'; the first ";tag=" with a value wins, else the
 * first parameter that /;\s*tag\s*=\s*([^;,\s]+)/i matches.
 */
function findTag(p: usize, off: u32, len: u32): void {
  tagOff = 0;
  tagLen = 0;
  const v = p + off;
  // the last '>' (the parameters usually follow it closely), then any '<' at all
  let gt: i32 = <i32>len - 1;
  while (gt >= 0 && u8at(v + gt) != 62) gt--;
  let from: u32;
  if (gt >= 0 && findByte(v, len, 60) >= 0) from = <u32>gt + 1;
  else {
    const semi = findByte(v, len, 59);
    if (semi < 0) return;
    from = <u32>semi;
  }
  if (from >= len) return;
  // the common spelling first: ";tag=value" (its first occurrence only)
  for (let i = from; i + 5 <= len; i++) {
    if (u8at(v + i) != 59 || !eq(v + i + 1, 'tag=')) continue;
    let j = i + 5;
    while (j < len) {
      const c = u8at(v + j);
      if (c == 59 || c == 44 || c == 32 || c == 9 || c == 13 || c == 10) break;
      j++;
    }
    if (j > i + 5) {
      tagOff = off + i + 5;
      tagLen = j - i - 5;
      return;
    }
    break;
  }
  // any case, spaces around the name and '='
  for (let k = from; k < len; k++) {
    if (u8at(v + k) != 59) continue;
    let m = k + 1;
    while (m < len && isSpace(u8at(v + m))) m++;
    if (m + 3 > len || !ieq(v + m, 'tag', 3)) continue;
    m += 3;
    while (m < len && isSpace(u8at(v + m))) m++;
    if (m >= len || u8at(v + m) != 61) continue;
    m++;
    while (m < len && isSpace(u8at(v + m))) m++;
    const s = m;
    while (m < len) {
      const c = u8at(v + m);
      if (c == 59 || c == 44 || isSpace(c)) break;
      m++;
    }
    if (m > s) {
      tagOff = off + s;
      tagLen = m - s;
      return;
    }
  }
}

/**
 * After scanHeaders of an ASCII message at p: an H_FROM_TAG and an H_TO_TAG entry for the first
 * From and To values, when they are on one line and there is room among the entries.
 */
export function addTagEntries(p: usize): void {
  const n = nHdr;
  let from: usize = 0;
  let to: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const ent = hdrEntries + <usize>i * 12;
    const id = load<u32>(ent) & 0xff;
    if (id == H_FROM && from == 0) from = ent;
    else if (id == H_TO && to == 0) to = ent;
  }
  if (from != 0) addTag(p, from, H_FROM_TAG);
  if (to != 0) addTag(p, to, H_TO_TAG);
}

function addTag(p: usize, ent: usize, id: u32): void {
  if (nHdr >= MAX_HDR_ENTRIES || (load<u32>(ent) & H_FOLDED) != 0) return;
  findTag(p, load<u32>(ent + 4), load<u32>(ent + 8));
  const t = hdrEntries + <usize>nHdr * 12;
  store<u32>(t, id);
  store<u32>(t + 4, tagOff);
  store<u32>(t + 8, tagLen);
  nHdr++;
}
