// The fuzz harness as `npm run fuzz` runs it: 20 000 structure-aware cases with a fixed seed on
// two worker threads, every one through the engine, the tracker and the encoders. None may trap,
// throw, break an invariant or run past the time bound, and the cases must reach the layers the
// mutations aim at (the core counts what it met).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';

const tmp = tempDir('fuzz');

test('20 000 fuzz cases: no crash, no hang', () => {
  const json = tmp.file('summary.json');
  const args = ['--import', 'tsx', join(repoRoot, 'test', 'fuzz', 'run.ts'), '--cases', '20000', '--seed', '20260101', '--jobs', '2'];
  args.push('--json', json, '--out', tmp.file('findings'), '--corpus-out', tmp.file('corpus-findings'));
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 110_000 });
  const summary = JSON.parse(readFileSync(json, 'utf8'));
  expect({ crashes: summary.findings, hangs: summary.hangCases, errors: summary.errors }, r.stderr).toEqual({
    crashes: [],
    hangs: [],
    errors: [],
  });
  expect(r.status).toBe(0);
  expect(summary.cases).toBe(20000);
  const hit = new Set(summary.counters.map((c: { name: string }) => c.name));
  for (const c of [
    'sipMessages',
    'rtpStreams',
    'rtcpPackets',
    'hep',
    'wsFrames',
    'fragReassembled',
    'tcpGaps',
    'tunnelTooDeep',
    'rtpInvalid',
    'rtcpInvalid',
    'badRecords',
    'sipTooLarge',
  ])
    expect(hit, c).toContain(c);
}, 120_000);
