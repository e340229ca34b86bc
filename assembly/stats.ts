// Run counters and byte totals, read by the host through countersPtr()/bytesPtr(); their ids
// and names are in abi.ts.

import { COUNTERS, BYTE_COUNTERS } from './abi';

export let counters: usize = 0;
export let bytes: usize = 0;

export function initStats(): void {
  counters = heap.alloc(COUNTERS * 4);
  memory.fill(counters, 0, COUNTERS * 4);
  bytes = heap.alloc(BYTE_COUNTERS * 8);
  memory.fill(bytes, 0, BYTE_COUNTERS * 8);
}

export function count(i: i32): void {
  const p = counters + ((<usize>i) << 2);
  store<u32>(p, load<u32>(p) + 1);
}
export function countN(i: i32, n: u32): void {
  const p = counters + ((<usize>i) << 2);
  store<u32>(p, load<u32>(p) + n);
}
export function addBytes(i: i32, n: u32): void {
  const p = bytes + ((<usize>i) << 3);
  store<f64>(p, load<f64>(p) + <f64>n);
}
