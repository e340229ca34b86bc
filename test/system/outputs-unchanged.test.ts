// Every output of the CLI (JSONL, CSV, dump, IPFIX, v9, statistics) on the sample, two
// generated captures and the public corpus matches golden-outputs.json digest for digest. A
// change of behaviour updates the golden file in the same commit (test/system/golden.ts --update).

import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATOR_VERSION } from '../../bench/make-capture.ts';
import { isCI } from '../support/tools/exec.ts';
import { tempDir } from '../support/temp.ts';
import { computeGolden, CORPUS, GOLDEN_FILE, type Golden } from './golden.ts';

const work = tempDir('golden');

test('every output is byte-identical to the golden digests', { timeout: 300_000 }, async () => {
  const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Golden;
  expect(golden.generatorVersion, 'bench/make-capture.ts changed its bytes: run golden.ts --update').toBe(GENERATOR_VERSION);
  const now = await computeGolden(work.path);
  if (isCI || existsSync(CORPUS)) {
    expect(Object.keys(now.outputs).filter((n) => n.startsWith('corpus/')).length).toBeGreaterThan(40);
  }
  const changed: string[] = [];
  for (const [input, outs] of Object.entries(now.outputs)) {
    const want = golden.outputs[input];
    if (!want) {
      changed.push(`${input}: not in the golden file`);
      continue;
    }
    for (const [name, digest] of Object.entries(outs)) if (want[name] !== digest) changed.push(`${input}: ${name}`);
  }
  for (const input of Object.keys(golden.outputs))
    if (!now.outputs[input] && !(input.startsWith('corpus/') && !existsSync(CORPUS))) changed.push(`${input}: input missing`);
  // see what changed: node --import tsx test/system/golden.ts --write DIR on both commits, then diff -r
  expect(changed).toEqual([]);
});
