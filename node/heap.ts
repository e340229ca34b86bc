// Bounds on V8's heap for a run. sipscope keeps little alive (open calls and its tables, ~10 MiB
// on a busy SIP-only capture), yet left to its defaults V8 lets a reading process reach 130-150
// MiB: the young generation grows to two 16 MiB semi-spaces, and the old generation to several
// times what is live before it is collected. Both bounds are V8 flags that can only be given on
// the command line (`node --max-semi-space-size=8`), which `sipscope` and `node bin/sipscope.js`
// do not get; the growth flags below can be changed while running. Measured on the SIP-only
// captures (docs/PROFILE.md): peak RSS 132 -> 98 MiB (183 MB) and 149 -> 98 MiB (1 GiB), GC
// +0.4 s of a 16 s run. A young generation of 8 MiB gave 90 MiB but cost 8-20% more CPU on the
// 1 GiB capture: what a call keeps is copied once more for every scavenge it lives through.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The young generation's size (both semi-spaces) at which it stops growing. */
const YOUNG_MAX = 16 << 20;

let youngCapped = false;

/** Collect the old generation once it has grown by half of what was live (V8's default: up to
 *  four times). Its collections are short here: little is live. */
export function boundOldGeneration(): void {
  setFlagsFromString('--heap-growing-percent=50');
}

/** Called as input is fed: once the young generation has reached YOUNG_MAX it grows no more.
 *  It grows a step at a time, each step after as much has survived as it holds, so a call every
 *  MiB of input sees each step. */
export function boundYoungGeneration(): void {
  if (youngCapped) return;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space' && s.space_size >= YOUNG_MAX) {
      setFlagsFromString('--semi-space-growth-factor=1');
      youngCapped = true;
    }
  }
}
