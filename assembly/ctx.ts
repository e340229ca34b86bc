// The frame being decoded: its capture time, place in the input, innermost IP addresses and
// the reasons it was not fully decoded.
// Globals rather than objects: the core allocates nothing per packet.

import { count } from './stats';

export let frameNo: u32 = 0;
export let tsSec: u32 = 0;
export let tsNsec: u32 = 0;
export let tsDigits: u32 = 6;
export let fileIndex: u32 = 0;
export let fileOffset: f64 = 0; // offset of the frame's record in its file
export let origLen: u32 = 0;
// the frame's bytes in the input window, and the file offset of their first byte
export let frameData: usize = 0;
export let frameDataEnd: usize = 0;
export let frameDataAt: f64 = -1;

// innermost IP layer: 16-byte addresses (IPv4 as ::ffff:a.b.c.d), version, datagram length
export let ipVersion: u32 = 0;
export let ipSrc: usize = 0;
export let ipDst: usize = 0;
export let ipLen: u32 = 0;

// did the current frame carry SIP / RTP (for the per-frame outcome counters)
export let frameSip: bool = false;
export let frameMedia: bool = false;

// note mode (extracting calls' frames): the frame's innermost UDP ports, the reassembly key of
// bytes it left held, and the key a message completed now is reported with
export let notes: bool = false;
export let udpSeen: bool = false;
export let udpSport: u32 = 0;
export let udpDport: u32 = 0;
export let heldKey: u32 = 0;
export let msgKey: u32 = 0;
export let preambleKey: u32 = 0;

export function setNotes(on: bool): void {
  notes = on;
}
export function markUdp(sport: u32, dport: u32): void {
  udpSeen = true;
  udpSport = sport;
  udpDport = dport;
}
export function setHeld(key: u32): void {
  heldKey = key;
}
export function setMsgKey(key: u32): void {
  msgKey = key;
}
export function setPreamble(key: u32): void {
  preambleKey = key;
}

export function initCtx(): void {
  ipSrc = heap.alloc(16);
  ipDst = heap.alloc(16);
}

/** Set when the current frame hit a counted problem, so it is not also counted as "other". */
export let frameNoted: bool = false;
/** Reasons already counted for this frame (each counts a frame once, however many layers hit it). */
let notedMask: u64 = 0;

/** Count a reason the frame was not (fully) decoded. */
export function note(counter: i32): void {
  const bit = (<u64>1) << (<u64>counter);
  if ((notedMask & bit) == 0) {
    notedMask |= bit;
    count(counter);
  }
  frameNoted = true;
}

/** The frame hit a problem counted elsewhere (not "other traffic"). */
export function markNoted(): void {
  frameNoted = true;
}

export function setFrame(n: u32, sec: u32, nsec: u32, digits: u32, file: u32, off: f64, olen: u32): void {
  frameNo = n;
  tsSec = sec;
  tsNsec = nsec;
  tsDigits = digits;
  fileIndex = file;
  fileOffset = off;
  origLen = olen;
  ipVersion = 0;
  frameSip = false;
  frameMedia = false;
  frameNoted = false;
  notedMask = 0;
  udpSeen = false;
  heldKey = 0;
  msgKey = 0;
  preambleKey = 0;
}

/** The time a message is reported at, when it is not the frame's (HEP: the agent's own). */
export function setTime(sec: u32, nsec: u32, digits: u32): void {
  tsSec = sec;
  tsNsec = nsec;
  tsDigits = digits;
}

/** Where the frame's bytes are: a message found among them lies in the file as it is. */
export function setFrameData(data: usize, len: u32, at: f64): void {
  frameData = data;
  frameDataEnd = data + len;
  frameDataAt = at;
}

/** File offset of len bytes at p when they are the current frame's own bytes, else -1. */
export function fileOffsetOf(p: usize, len: u32): f64 {
  return p >= frameData && p + len <= frameDataEnd ? frameDataAt + <f64>(p - frameData) : -1;
}

export function markSip(): void {
  frameSip = true;
}
export function markMedia(): void {
  frameMedia = true;
}

/** Write an IPv4 address (4 bytes at p) as a v4-mapped 16-byte address at dst. */
export function mapV4(dst: usize, p: usize): void {
  store<u64>(dst, 0);
  store<u32>(dst + 8, 0xffff0000);
  store<u32>(dst + 12, load<u32>(p));
}

export function setIp(version: u32, src: usize, dst: usize, len: u32): void {
  ipVersion = version;
  ipLen = len;
  if (version == 4) {
    mapV4(ipSrc, src);
    mapV4(ipDst, dst);
  } else {
    memory.copy(ipSrc, src, 16);
    memory.copy(ipDst, dst, 16);
  }
}

/** Restore addresses saved in 16-byte form (reassembled datagrams, TCP streams). */
export function setIp16(version: u32, src16: usize, dst16: usize, len: u32): void {
  ipVersion = version;
  ipLen = len;
  memory.copy(ipSrc, src16, 16);
  memory.copy(ipDst, dst16, 16);
}

/** Capture time compare helper: seconds difference (may be negative) as f64. */
export function secondsSince(sec: u32, nsec: u32): f64 {
  return <f64>(<i64>tsSec - <i64>sec) + <f64>(<i64>tsNsec - <i64>nsec) / 1e9;
}
