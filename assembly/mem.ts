// Byte access helpers. Network byte order is big-endian; WASM loads are little-endian.

export function u8at(p: usize): u32 {
  return <u32>load<u8>(p);
}
export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}
export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
export function le16(p: usize): u32 {
  return <u32>load<u16>(p);
}
export function le32(p: usize): u32 {
  return load<u32>(p);
}
/** 32-bit read in the byte order of the capture file (swap = file is big-endian). */
export function rd32(p: usize, swap: bool): u32 {
  const v = load<u32>(p);
  return swap ? bswap<u32>(v) : v;
}
export function rd16(p: usize, swap: bool): u32 {
  const v = load<u16>(p);
  return <u32>(swap ? bswap<u16>(v) : v);
}
export function lower(c: u32): u32 {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}
/** Case-insensitive compare of len bytes at p with a lowercase ASCII literal
 *  (string literals live in static memory as UTF-16, so this allocates nothing). */
export function ieq(p: usize, s: string, len: u32): bool {
  const q = changetype<usize>(s);
  for (let i: u32 = 0; i < len; i++) {
    if (lower(u8at(p + i)) != <u32>load<u16>(q + ((<usize>i) << 1))) return false;
  }
  return true;
}
/** Exact compare of the bytes at p with an ASCII literal. */
export function eq(p: usize, s: string): bool {
  const q = changetype<usize>(s);
  const n = <u32>s.length;
  for (let i: u32 = 0; i < n; i++) {
    if (u8at(p + i) != <u32>load<u16>(q + ((<usize>i) << 1))) return false;
  }
  return true;
}
/** Index of byte c in [p, p+len), or -1. */
export function findByte(p: usize, len: u32, c: u32): i32 {
  for (let i: u32 = 0; i < len; i++) {
    if (u8at(p + i) == c) return <i32>i;
  }
  return -1;
}

/** Index of the first LF in [p+from, p+len), or len. 16 bytes at a time: reading up to 15 bytes
 *  past len is safe because every buffer lies inside linear memory with a guard after the heap. */
export function findLF(p: usize, from: u32, len: u32): u32 {
  let i = from;
  const nl = i8x16.splat(10);
  while (i + 16 <= len) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(p + i), nl));
    if (m != 0) return i + ctz<u32>(m);
    i += 16;
  }
  while (i < len && load<u8>(p + i) != 10) i++;
  return i;
}

/** Index of the first byte below 0x20 (a control character, CR or LF) in [p+from, p+len), or len. */
export function findControl(p: usize, from: u32, len: u32): u32 {
  let i = from;
  const sp = i8x16.splat(32);
  while (i + 16 <= len) {
    const m = i8x16.bitmask(i8x16.lt_u(v128.load(p + i), sp));
    if (m != 0) return i + ctz<u32>(m);
    i += 16;
  }
  while (i < len && load<u8>(p + i) >= 32) i++;
  return i;
}

/** Whether every byte of [p, p+n) is below 0x80 (16 bytes a step, the tail byte by byte). */
export function isAscii(p: usize, n: u32): bool {
  let acc = i8x16.splat(0);
  let i: u32 = 0;
  for (; i + 16 <= n; i += 16) acc = v128.or(acc, v128.load(p + i));
  if (i8x16.bitmask(acc) != 0) return false;
  for (; i < n; i++) if (load<u8>(p + i) >= 0x80) return false;
  return true;
}

/** A 32-bit hash of [p, p+n) (the host tells exact copies of a message by it and its length,
 *  without keeping the bytes; shared/bytes-hash.ts computes the same in JavaScript). Four
 *  independent lanes take 16 bytes a step: one lane's multiply waits for the one before, so four
 *  run in the time of one. The lanes are folded into one, which takes the tail 4 bytes, then 1
 *  byte, a step. */
export function hashBytes(p: usize, n: u32): u32 {
  let v = i32x4.replace_lane(i32x4(0, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2d), 0, 0x9e3779b9 ^ n);
  const k = i32x4.splat(0x27d4eb2d);
  let i: u32 = 0;
  for (; i + 16 <= n; i += 16) {
    const r = v128.or(i32x4.shl(v, 5), i32x4.shr_u(v, 27));
    v = i32x4.mul(v128.xor(r, v128.load(p + i)), k);
  }
  let h: u32 =
    <u32>i32x4.extract_lane(v, 0) ^
    rotl<u32>(<u32>i32x4.extract_lane(v, 1), 8) ^
    rotl<u32>(<u32>i32x4.extract_lane(v, 2), 16) ^
    rotl<u32>(<u32>i32x4.extract_lane(v, 3), 24);
  for (; i + 4 <= n; i += 4) h = (rotl<u32>(h, 5) ^ load<u32>(p + i)) * 0x27d4eb2d;
  for (; i < n; i++) h = (rotl<u32>(h, 5) ^ <u32>load<u8>(p + i)) * 0x27d4eb2d;
  h ^= h >>> 15;
  h *= 0x85ebca6b;
  return h ^ (h >>> 13);
}
