// node/heap.ts bounds V8's young generation while a run goes on: once it has grown to its bound
// it grows no more. Run in a process of its own (the flags are the whole process's): objects that
// survive pile up, as a run's open calls do, with the bound checked between steps as the input
// loop checks it, and without it for comparison.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HEAP = fileURLToPath(new URL('../../../node/heap.ts', import.meta.url));

/** The largest young generation (both semi-spaces, MiB) seen while 150 MB of objects that live
 *  a while go through the heap. */
function youngHighWater(bounded: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { boundOldGeneration, boundYoungGeneration } from ${JSON.stringify(HEAP)};
    const bounded = ${bounded};
    if (bounded) boundOldGeneration();
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let high = young();
    const kept = [];
    for (let step = 0; step < 600; step++) {
      // about 250 KB a step, kept for 100 steps: like calls that last a while
      const batch = [];
      for (let i = 0; i < 2000; i++) batch.push({ id: step * 2000 + i, text: 'x'.repeat(20) + i, at: [step, i] });
      kept.push(batch);
      if (kept.length > 100) kept.shift();
      if (bounded) boundYoungGeneration();
      high = Math.max(high, young());
    }
    console.log(high / 1048576);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return Number(r.stdout.trim());
}

describe('heap bounds', () => {
  it('the young generation stops growing at its bound; without the bound it grows past it', () => {
    const free = youngHighWater(false);
    const bounded = youngHighWater(true);
    expect(free).toBeGreaterThan(16);
    expect(bounded).toBeLessThanOrEqual(16);
    expect(bounded).toBeGreaterThan(2);
  });
});
