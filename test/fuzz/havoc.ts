// The random source of a case and the byte-level mutations that know nothing of the format:
// bit flips, interesting values (length-field extremes) in either byte order, deletion,
// duplication, insertion, truncation and splicing with another input.

import { prng } from '../support/capture-writer.ts';

export class Rng {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = prng(seed);
  }
  /** [0, 1) */
  next(): number {
    return this.r();
  }
  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  /** an integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** small numbers far more often than large ones */
  small(max: number): number {
    return Math.min(max, Math.floor(max ** this.r()));
  }
}

/** The seed of case `n` of a run with seed `seed` (independent of how cases are shared out). */
export function caseSeed(seed: number, n: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (n >>> 0), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ Math.floor(n / 2 ** 32), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x3a, 0x2f];
export const INTERESTING_16 = [0, 1, 2, 4, 7, 8, 12, 16, 20, 40, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000, 0xfffe, 0xffff];
export const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x100000, 0x100001, 0xfffff, 0x10000, 65535 + 40];

/** One byte-level mutation of b (a new array when the length changes). */
export function havoc(b: Uint8Array, rng: Rng, other?: Uint8Array): Uint8Array {
  if (b.length === 0) return rng.chance(0.5) && other ? other.slice(0, rng.int(other.length + 1)) : b;
  const at = rng.int(b.length);
  switch (rng.int(11)) {
    case 0: {
      // bit flips
      const n = rng.small(8) + 1;
      for (let i = 0; i < n; i++) {
        const p = rng.chance(0.7) ? at + rng.int(8) : rng.int(b.length);
        if (p < b.length) b[p] ^= 1 << rng.int(8);
      }
      return b;
    }
    case 1:
      b[at] = rng.chance(0.5) ? rng.pick(INTERESTING_8) : rng.int(256);
      return b;
    case 2: {
      if (at + 2 > b.length) return b;
      const v = rng.pick(INTERESTING_16);
      const le = rng.chance(0.5);
      b[at] = le ? v & 0xff : v >> 8;
      b[at + 1] = le ? v >> 8 : v & 0xff;
      return b;
    }
    case 3: {
      if (at + 4 > b.length) return b;
      const v = rng.pick(INTERESTING_32);
      new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, rng.chance(0.5));
      return b;
    }
    case 4: {
      // delete a run
      const n = Math.min(b.length - at, rng.small(256) + 1);
      const out = new Uint8Array(b.length - n);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + n), at);
      return out;
    }
    case 5: {
      // duplicate a run
      const n = Math.min(b.length - at, rng.small(512) + 1);
      const to = rng.int(b.length + 1);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, to));
      out.set(b.subarray(at, at + n), to);
      out.set(b.subarray(to), to + n);
      return out;
    }
    case 6: {
      // insert random or repeated bytes
      const n = rng.small(128) + 1;
      const fill = rng.chance(0.5) ? rng.int(256) : -1;
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, at));
      for (let i = 0; i < n; i++) out[at + i] = fill >= 0 ? fill : rng.int(256);
      out.set(b.subarray(at), at + n);
      return out;
    }
    case 7:
      return b.slice(0, at);
    case 8: {
      // add or subtract a little from a byte or a 16-bit field
      const d = rng.range(-35, 35);
      if (rng.chance(0.5) || at + 2 > b.length) b[at] = (b[at] + d) & 0xff;
      else {
        const v = (((b[at] << 8) | b[at + 1]) + d) & 0xffff;
        b[at] = v >> 8;
        b[at + 1] = v & 0xff;
      }
      return b;
    }
    case 9: {
      if (!other || other.length === 0) return b;
      // splice: our head, another input's tail
      const from = rng.int(other.length);
      const out = new Uint8Array(at + other.length - from);
      out.set(b.subarray(0, at));
      out.set(other.subarray(from), at);
      return out;
    }
    default: {
      // overwrite a run with another part of the input
      const n = Math.min(b.length - at, rng.small(64) + 1);
      const src = rng.int(b.length - n + 1);
      b.copyWithin(at, src, src + n);
      return b;
    }
  }
}
