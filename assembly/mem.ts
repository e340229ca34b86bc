// Byte access helpers. Network byte order is big-endian; WASM loads are little-endian.

@inline export function u8at(p: usize): u32 {
  return <u32>load<u8>(p);
}
@inline export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
@inline export function le16(p: usize): u32 {
  return <u32>load<u16>(p);
}
@inline export function le32(p: usize): u32 {
  return load<u32>(p);
}
/** 32-bit read in the byte order of the capture file (swap = file is big-endian). */
@inline export function rd32(p: usize, swap: bool): u32 {
  const v = load<u32>(p);
  return swap ? bswap<u32>(v) : v;
}
@inline export function rd16(p: usize, swap: bool): u32 {
  const v = load<u16>(p);
  return <u32>(swap ? bswap<u16>(v) : v);
}
@inline export function lower(c: u32): u32 {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}
/** Case-insensitive compare of len bytes at p with a lowercase ASCII literal
 *  (string literals live in static memory as UTF-16, so this allocates nothing). */
export function ieq(p: usize, s: string, len: u32): bool {
  const q = changetype<usize>(s);
  for (let i: u32 = 0; i < len; i++) {
    if (lower(u8at(p + i)) != <u32>load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}
/** Exact compare of the bytes at p with an ASCII literal. */
export function eq(p: usize, s: string): bool {
  const q = changetype<usize>(s);
  const n = <u32>s.length;
  for (let i: u32 = 0; i < n; i++) {
    if (u8at(p + i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
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
