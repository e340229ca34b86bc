// The ladder store of a run in the page's worker (web/worker/run-state.ts), in Node on the same
// engine: ladders read back as they were recorded, and beyond the memory budget a ladder is not
// kept and the page is told why.

import { describe, expect, test } from 'vitest';
import { webDownloads as webOutputs } from '../../support/downloads.ts';
import { recordsOf } from '../../support/engine.ts';
import { SAMPLE } from '../../support/paths.ts';

describe('ladder store', () => {
  test('ladders read back as they were recorded', async () => {
    const { state } = await webOutputs([SAMPLE], {});
    const { records } = await recordsOf([SAMPLE], { keepMessages: true });
    for (let i = 0; i < records.length; i++) {
      const got = await state.ladders.get(i);
      expect(got.kept).toBe(true);
      if (!got.kept) continue;
      expect(got.omitted).toBe(0);
      expect(got.entries.map((e) => ({ ...e, raw: Buffer.from(e.raw).toString('latin1') }))).toEqual(
        records[i].ladder!.map((e) => ({ ...e, raw: Buffer.from(e.raw).toString('latin1') })),
      );
    }
  });

  test('beyond the budget a ladder is not kept, and the page is told why', async () => {
    const { state, rows } = await webOutputs([SAMPLE], {}, { ladderBudget: 9000 });
    const kept = rows.filter((r) => r.ladder).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6);
    const s = state.ladders.stats;
    expect(s.bytes).toBeLessThanOrEqual(9000);
    expect(s.kept + s.dropped).toBe(6);
    const lost = rows.find((r) => !r.ladder)!;
    const got = await state.ladders.get(lost.i);
    expect(got.kept).toBe(false);
    if (!got.kept) expect(got.reason).toMatch(/ladder not kept: the ladder memory limit/);
  });
});
