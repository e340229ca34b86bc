// A bounded block allocator for reassembly buffers. Power-of-two size classes from 1 KiB to
// 512 KiB, each with a free list threaded through the blocks; new blocks are carved from one
// fixed arena reserved at start-up, so memory never grows past ARENA_SIZE and views stay valid.

import { ARENA_SIZE } from './limits';
import { count, C_MEM_EXHAUSTED } from './stats';

const MIN_SHIFT: u32 = 10;
const CLASSES: u32 = 10; // 1 KiB .. 512 KiB

let base: usize = 0;
let bump: usize = 0;
let end: usize = 0;
let freeLists: usize = 0; // CLASSES pointers

export function initArena(): void {
  base = heap.alloc(ARENA_SIZE);
  bump = base;
  end = base + ARENA_SIZE;
  freeLists = heap.alloc(CLASSES * 4);
  memory.fill(freeLists, 0, CLASSES * 4);
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
  const head = freeLists + (<usize>c << 2);
  const p = load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(<usize>p));
    return <usize>p;
  }
  const size = (<usize>1) << <usize>(MIN_SHIFT + <u32>c);
  if (bump + size > end) {
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
  const head = freeLists + (<usize>c << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, <u32>p);
}

// A growable byte buffer described by three u32 at d: block pointer, capacity, length in use.

/** Append n bytes at p; false when the arena is exhausted (the buffer is left as it was). */
export function bufAppend(d: usize, p: usize, n: u32): bool {
  const held = load<u32>(d + 8);
  const need = held + n;
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
