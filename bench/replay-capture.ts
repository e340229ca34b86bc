// A bench capture repeated N times in one file, for replay at a given rate for a given time.
//
// A plain repetition would not do: the same Call-ID coming again within 32 s of its call's end
// is taken as late copies of that call (no new record), and the same RTP stream (addresses,
// ports, SSRC) would run on across loops. So each loop L gets its own Call-IDs (the first two
// characters of every Call-ID value become L in hex; the generator's Call-IDs are unique within
// a file by their "-INDEX@" part) and its own SSRCs (the SSRC's top byte XOR L), with the UDP
// checksum updated (RFC 1624), and its timestamps moved on by L × (capture length + 10 s), so
// that `sipscope read` of the file sees the loops one after the other, as the replay does.
//
// Only the generator's captures (bench/make-capture.ts: classic pcap, Ethernet, IPv4, UDP; SIP
// on port 5060, everything else RTP) are handled.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CaptureSummary } from './make-capture.ts';

export const MAX_LOOPS = 255;
const SIP_PORT = 5060;
const CALL_ID = Buffer.from('\r\nCall-ID: ', 'latin1');
const HEX = '0123456789abcdef';

export interface LoopedCapture {
  path: string;
  loops: number;
  bytes: number;
  packets: number;
  sipPackets: number;
  rtpPackets: number;
  /** records `sipscope read` makes of the base capture, times loops */
  calls: number;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Word sum of b[from, to) in 16-bit words aligned on `base` (the UDP header's start). */
function alignedSum(b: Buffer, base: number, from: number, to: number): number {
  let s = 0;
  for (let i = base + ((from - base) & ~1); i < to; i += 2) s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  return s;
}

/** Overwrite b[at, at + bytes.length) inside the UDP datagram at `udp`, keeping its checksum right. */
function patch(b: Buffer, udp: number, at: number, bytes: number[]): void {
  const end = at + bytes.length;
  const before = fold(alignedSum(b, udp, at, end));
  for (let i = 0; i < bytes.length; i++) b[at + i] = bytes[i];
  const sum = b.readUInt16BE(udp + 6);
  if (sum === 0) return; // sent without a checksum
  const after = fold(alignedSum(b, udp, at, end));
  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
  const c = ~fold((~sum & 0xffff) + (~before & 0xffff) + after) & 0xffff;
  b.writeUInt16BE(c === 0 ? 0xffff : c, udp + 6);
}

/** Give one loop of the capture in `b` (a copy of the base file) its own Call-IDs, SSRCs and times. */
function makeLoop(b: Buffer, loop: number, shiftSec: number, count: { sip: number; rtp: number }): void {
  const tag = [HEX.charCodeAt(loop >> 4), HEX.charCodeAt(loop & 15)];
  let off = 24;
  while (off + 16 <= b.length) {
    const incl = b.readUInt32LE(off + 8);
    const frame = off + 16;
    b.writeUInt32LE(b.readUInt32LE(off) + shiftSec, off);
    off = frame + incl;
    if (b.readUInt16BE(frame + 12) !== 0x0800 || b[frame + 23] !== 17) continue;
    const udp = frame + 14 + (b[frame + 14] & 15) * 4;
    const payload = udp + 8;
    const end = udp + b.readUInt16BE(udp + 4);
    if (b.readUInt16BE(udp) === SIP_PORT || b.readUInt16BE(udp + 2) === SIP_PORT) {
      count.sip++;
      const at = b.indexOf(CALL_ID, payload);
      if (at >= 0 && at + CALL_ID.length + 2 <= end) patch(b, udp, at + CALL_ID.length, tag);
    } else if (end - payload >= 12 && b[payload] >> 6 === 2) {
      count.rtp++;
      patch(b, udp, payload + 8, [b[payload + 8] ^ loop]);
    }
  }
}

/** Write `loops` loops of `base` to `path`. */
export function loopCapture(base: CaptureSummary, loops: number, path: string): LoopedCapture {
  if (!Number.isInteger(loops) || loops < 1 || loops > MAX_LOOPS) throw new Error(`loops must be 1…${MAX_LOOPS} (got ${loops})`);
  const src = readFileSync(base.path);
  if (src.readUInt32LE(0) !== 0xa1b2c3d4 || src.readUInt32LE(20) !== 1) throw new Error(`${base.path}: not a µs Ethernet pcap`);
  const shiftSec = Math.ceil(base.duration) + 10;
  const fd = openSync(path, 'w');
  const count = { sip: 0, rtp: 0 };
  let bytes = 0;
  try {
    bytes += writeSync(fd, src, 0, 24);
    const b = Buffer.allocUnsafe(src.length);
    for (let loop = 0; loop < loops; loop++) {
      src.copy(b);
      makeLoop(b, loop, loop * shiftSec, count);
      for (let at = 24; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
      bytes += b.length - 24;
    }
  } finally {
    closeSync(fd);
  }
  return {
    path,
    loops,
    bytes,
    packets: base.packets * loops,
    sipPackets: count.sip,
    rtpPackets: count.rtp,
    calls: base.calls * loops,
  };
}
