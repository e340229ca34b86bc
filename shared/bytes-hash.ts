// The core's hash of a message's bytes (assembly/mem.ts hashBytes), in JavaScript: bytes read
// again from a capture file are checked against the hash the core gave them (SipMessage.rawHash).

/** Same result as the core's hashBytes for the same bytes (32-bit, unsigned): its four SIMD
 *  lanes as four variables, each taking every fourth little-endian word of the 16-byte blocks. */
export function hashBytes(b: Uint8Array): number {
  const n = b.length;
  let h0 = (0x9e3779b9 ^ n) | 0;
  let h1 = 0x85ebca6b | 0;
  let h2 = 0xc2b2ae35 | 0;
  let h3 = 0x27d4eb2d;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    h0 = step(h0, word(b, i));
    h1 = step(h1, word(b, i + 4));
    h2 = step(h2, word(b, i + 8));
    h3 = step(h3, word(b, i + 12));
  }
  let h = h0 ^ rotl(h1, 8) ^ rotl(h2, 16) ^ rotl(h3, 24);
  for (; i + 4 <= n; i += 4) h = step(h, word(b, i));
  for (; i < n; i++) h = step(h, b[i]);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function step(h: number, w: number): number {
  return Math.imul(rotl(h, 5) ^ w, 0x27d4eb2d);
}

function word(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}
