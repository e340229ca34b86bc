// A bounded block allocator for reassembly buffers. Power-of-two size classes from 1 KiB to
// 512 KiB, each with a free list threaded through the blocks; new blocks are carved from one
// arena at the end of linear memory, which grows as it fills and never past ARENA_SIZE (the host
// renews its views of memory after it grows).

import { C_MEM_EXHAUSTED, ARENA_SIZE } from './abi';
import { count } from './stats';

const MIN_SHIFT: u32 = 10;
const CLASSES: u32 = 10; // 1 KiB .. 512 KiB

let base: usize = 0;
let bump: usize = 0;
let end: usize = 0;
let freeLists: usize = 0; // CLASSES pointers

/** Linear memory grows in steps of this many 64 KiB pages as the arena fills. */
const GROW_PAGES: i32 = 16;
/** Bytes kept readable past the last block (vector loads read up to 15 bytes past a buffer). */
const GUARD: usize = 64;

/**
 * The arena is the last thing in linear memory and memory grows only as blocks are carved from
 * it: growing by the whole ARENA_SIZE at start-up cost ~5 ms, and most captures need no
 * reassembly at all. Call it after every other allocation (nothing may be allocated after it).
 */
export function initArena(): void {
  freeLists = heap.alloc(CLASSES * 4);
  base = (heap.alloc(16) + 15) & ~15;
  bump = base;
  end = base + ARENA_SIZE;
}

/** Memory up to `top` (plus the guard) is there; false when it cannot grow. */
function reach(top: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (top + GUARD <= have) return true;
  const need = <i32>((top + GUARD - have + 0xffff) >> 16);
  return memory.grow(need > GROW_PAGES ? need : GROW_PAGES) >= 0;
}

/** Size class able to hold n bytes, or -1 if n is larger than the largest class. */
function classOf(n: u32): i32 {
  let c: u32 = 0;
  let size: u32 = 1 << MIN_SHIFT;
  while (size < n) {
    size <<= 1;
    c++;
    if (c >= CLASSES) return -1;
  }
  return <i32>c;
}

/** Capacity of the block that alloc(n) returns. */
export function capacityFor(n: u32): u32 {
  const c = classOf(n);
  return c < 0 ? 0 : (<u32>1) << (MIN_SHIFT + <u32>c);
}

/** A block of at least n bytes, or 0 when the arena is exhausted (counted). */
export function alloc(n: u32): usize {
  const c = classOf(n);
  if (c < 0) {
    count(C_MEM_EXHAUSTED);
    return 0;
  }
  const head = freeLists + ((<usize>c) << 2);
  const p = load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(<usize>p));
    return <usize>p;
  }
  const size = (<usize>1) << (<usize>(MIN_SHIFT + <u32>c));
  if (bump + size > end || !reach(bump + size)) {
    count(C_MEM_EXHAUSTED);
    return 0;
  }
  const b = bump;
  bump += size;
  return b;
}

/** Give back a block obtained from alloc(n) with the same n (or any n of the same class). */
export function free(p: usize, n: u32): void {
  if (p == 0) return;
  const c = classOf(n);
  if (c < 0) return;
  const head = freeLists + ((<usize>c) << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, <u32>p);
}

// A growable byte buffer described by three u32 at d: block pointer, capacity, length in use.

/** Append n bytes at p; false when the arena is exhausted (the buffer is left as it was). */
export function bufAppend(d: usize, p: usize, n: u32): bool {
  const held = load<u32>(d + 8);
  const need = held + n;
  if (need < held) {
    // larger than memory can be: refused like any block the arena cannot give
    count(C_MEM_EXHAUSTED);
    return false;
  }
  let buf = <usize>load<u32>(d);
  const cap = load<u32>(d + 4);
  if (need > cap) {
    const nb = alloc(need);
    if (nb == 0) return false;
    if (held != 0) memory.copy(nb, buf, held);
    free(buf, cap);
    buf = nb;
    store<u32>(d, <u32>nb);
    store<u32>(d + 4, capacityFor(need));
  }
  memory.copy(buf + held, p, n);
  store<u32>(d + 8, need);
  return true;
}

/** Give the block back and empty the buffer. */
export function bufClear(d: usize): void {
  free(<usize>load<u32>(d), load<u32>(d + 4));
  store<u32>(d, 0);
  store<u32>(d + 4, 0);
  store<u32>(d + 8, 0);
}
