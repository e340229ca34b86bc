// The captures the fuzzer found failing (test/fixtures/fuzz/, made from the project's own seeds):
// each one now goes through the whole pipeline without a trap, an exception or a broken invariant,
// and the core counts the reason it drops what it cannot decode.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { COUNTER_INFO } from '../../../shared/engine/core-abi.ts';
import { repoRoot } from '../../support/paths.ts';
import { Pipeline, PLAIN } from '../../fuzz/pipeline.ts';

const DIR = join(repoRoot, 'test', 'fixtures', 'fuzz');

interface Fixture {
  file: string;
  seed: number;
  case: number;
  found: string;
  /** the counter the fixed core counts for it (null: not reviewed yet) */
  expect: string | null;
}

const fixtures = JSON.parse(readFileSync(join(DIR, 'fixtures.json'), 'utf8')) as Fixture[];

describe('fuzz findings', () => {
  test('every capture in the folder is listed with the counter it must hit', () => {
    const files = readdirSync(DIR).filter((f) => /\.pcap(\.gz)?$/.test(f));
    expect(files.sort()).toEqual(fixtures.map((f) => f.file).sort());
    for (const f of fixtures) expect(COUNTER_INFO.map((c) => c[0])).toContain(f.expect);
  });

  for (const f of fixtures) {
    test(`${f.file} (seed ${f.seed}, case ${f.case})`, async () => {
      const raw = new Uint8Array(readFileSync(join(DIR, f.file)));
      const bytes = f.file.endsWith('.gz') ? new Uint8Array(gunzipSync(raw)) : raw;
      const pipeline = await Pipeline.create();
      const r = pipeline.run(bytes, PLAIN);
      expect(r.failure).toBeNull();
      expect(r.counters[COUNTER_INFO.findIndex((c) => c[0] === f.expect)]).toBeGreaterThan(0);
      // the engine goes on: the next file of the run is read as usual
      expect(pipeline.run(bytes, PLAIN).failure).toBeNull();
    });
  }
});
