// Shrinking a failing case: whole records removed (halves, then quarters, … then one at a time),
// then each remaining frame cut shorter, then the file's tail; a step is kept when the case
// still fails the same way. Bounded by a number of tries.

import { parseCapture, writeCapture, type Item } from './capture.ts';

export async function minimize(bytes: Uint8Array, fails: (b: Uint8Array) => Promise<boolean>, budget = 300): Promise<Uint8Array> {
  let tries = 0;
  const check = async (b: Uint8Array): Promise<boolean> => {
    if (tries >= budget) return false;
    tries++;
    return fails(b);
  };
  let best = bytes;
  const c = parseCapture(bytes);
  if (c) {
    // records
    let items = c.items;
    const build = (its: Item[]) => writeCapture({ ...c, items: its });
    for (let size = Math.max(1, items.length >> 1); size >= 1; size = size === 1 ? 0 : Math.max(1, size >> 1)) {
      for (let i = 0; i < items.length; ) {
        const keep = (it: Item) => 'raw' in it && i === 0 && it === items[0]; // a section header stays
        const cand = items.filter((it, k) => k < i || k >= i + size || keep(it));
        if (cand.length < items.length && (await check(build(cand)))) {
          items = cand;
          best = build(items);
        } else i += size;
      }
    }
    // frames cut shorter
    for (let k = 0; k < items.length; k++) {
      const it = items[k];
      if (!('frame' in it)) continue;
      let len = it.frame.data.length;
      for (let step = len >> 1; step >= 1; step >>= 1) {
        while (len - step >= 0) {
          const cand = items.slice();
          cand[k] = { frame: { ...it.frame, data: it.frame.data.subarray(0, len - step) } };
          if (!(await check(build(cand)))) break;
          len -= step;
          items = cand;
          best = build(items);
        }
      }
    }
  }
  // the file's tail
  for (let step = best.length >> 1; step >= 1; step >>= 1) {
    while (best.length - step > 0 && (await check(best.subarray(0, best.length - step)))) best = best.slice(0, best.length - step);
  }
  return best;
}
