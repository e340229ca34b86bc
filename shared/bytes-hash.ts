// The core's hash of a message's bytes (assembly/mem.ts hashBytes), in JavaScript: bytes read
// again from a capture file are checked against the hash the core gave them (SipMessage.rawHash).

/** Same result as the core's hashBytes for the same bytes (32-bit, unsigned). */
export function hashBytes(b: Uint8Array): number {
  const n = b.length;
  let h = (0x9e3779b9 ^ n) | 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    h = Math.imul(((h << 5) | (h >>> 27)) ^ w, 0x27d4eb2d);
  }
  for (; i < n; i++) h = Math.imul(((h << 5) | (h >>> 27)) ^ b[i], 0x27d4eb2d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
