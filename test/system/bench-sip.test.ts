// `npm run bench:sip` (bench/sip-path.ts) on the project's sample: the four stages read the same
// messages, the tracker's stages export every call `sipscope read` exports, and the bundle it
// times is the one it builds. Not a speed test: the figures are not checked.

import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/paths.ts';
import { run } from '../support/tools/exec.ts';

test('bench:sip runs every stage on the sample', { timeout: 120_000 }, async () => {
  const sample = join(repoRoot, 'samples', 'sample.pcap');
  const bench = await run(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'sip-path.ts'), '--runs', '1', '--capture', sample],
    {
      cwd: repoRoot,
    },
  );
  const stages = [...bench.stdout.matchAll(/^(\w+) +(\d+) messages, (\d+) records: /gm)].map((m) => ({
    stage: m[1],
    messages: Number(m[2]),
    records: Number(m[3]),
  }));
  const read = await run(process.execPath, [join(repoRoot, 'bin', 'sipscope.js'), 'read', sample, '--format', 'jsonl', '-q'], {
    cwd: repoRoot,
  });
  const records = read.stdout.split('\n').filter((l) => l !== '').length;
  expect(records).toBeGreaterThan(0);
  expect(stages.map((s) => s.stage)).toEqual(['core', 'engine', 'tracker', 'jsonl']);
  expect(new Set(stages.map((s) => s.messages)).size).toBe(1);
  expect(stages[0].messages).toBeGreaterThan(0);
  expect(stages.map((s) => s.records)).toEqual([0, 0, records, records]);
});
