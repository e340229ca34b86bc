// Where a SIP message's time goes, stage by stage, in one process: reading the file into the WASM
// core alone (its events dropped undecoded), then the engine (core and message decoding), then
// with the call tracker, then with each record's JSON Lines text. Each
// stage reads the same capture several times; the fastest run counts (the VM's speed drifts
// between runs, the fastest is the least disturbed). Garbage collection is timed apart.
//
//   node --import tsx bench/sip-path.ts [--runs N] [--capture sip-only-50k|PATH] [--stage S]
//       [--cpu-prof DIR]
//
// --stage core|engine|tracker|jsonl runs that stage alone; --cpu-prof writes the bundle's CPU profile.
//
// For comparing two builds of the SIP path stage by stage; `npm run bench` remains what gives
// the whole-process figures beside tshark and sngrep. Run under tsx, this file bundles itself
// with esbuild, as `npm run build` bundles the CLI, and runs the bundle in a plain Node: tsx's
// transform wraps every function made at run time in a naming helper, which would be timed too.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine } from '../node/wasm.ts';
import { feedFile } from '../node/input.ts';
import { Analyzer } from '../shared/analyzer.ts';
import { jsonLine } from '../shared/output/format.ts';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    capture: { type: 'string', default: 'sip-only-50k' },
    stage: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const RUNS = Math.max(1, Math.floor(Number(opt.runs)));
const which = opt.capture;
const ONLY = opt.stage;
const PROFILE_DIR = opt['cpu-prof'];

async function capturePath(): Promise<string> {
  if (existsSync(which)) return which;
  // not in the bundle's way: that module runs its own command line when it is the main file
  const { BENCH_CAPTURES, cachedCapture } = await import('./make-capture.ts');
  if (!(which in BENCH_CAPTURES)) throw new Error(`--capture: no file and no bench capture named ${which}`);
  const dir = join(dirname(fileURLToPath(import.meta.url)), '.cache');
  const name = which as keyof typeof BENCH_CAPTURES;
  return cachedCapture(name, BENCH_CAPTURES[name], dir, { say: (l) => console.log(l) }).path;
}

// garbage collection pauses, summed while a run is going
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

type Stage = 'core' | 'engine' | 'tracker' | 'jsonl';

interface Run {
  ms: number;
  gcMs: number;
  messages: number;
  records: number;
  chars: number;
}

async function run(path: string, stage: Stage): Promise<Run> {
  const engine = await createEngine();
  let messages = 0;
  let records = 0;
  let chars = 0;
  let analyzer: Analyzer | null = null;
  if (stage === 'core') {
    engine.discardMessages = true;
  } else if (stage === 'engine') {
    engine.keepRaw = false;
    engine.onMessage = () => {
      messages++;
    };
  } else {
    analyzer = new Analyzer(engine, {}, (r) => {
      records++;
      if (stage === 'jsonl') chars += jsonLine(r).length;
    });
  }
  const gc0 = gcMs;
  const t0 = performance.now();
  await feedFile(engine, path, 0);
  if (analyzer !== null) analyzer.finish();
  else engine.finish();
  const ms = performance.now() - t0;
  // the observer reports a pause after it ends: let the last ones in
  await new Promise((r) => setTimeout(r, 20));
  if (analyzer !== null) messages = analyzer.stats().tracker.messages;
  else if (stage === 'core') messages = engine.discarded;
  return { ms, gcMs: gcMs - gc0, messages, records, chars };
}

const here = fileURLToPath(import.meta.url);
if (here.endsWith('.ts')) {
  // the runner: bundle this file, then run the bundle (the capture is made here, once)
  const path = await capturePath();
  // beside the built core, where node/wasm.ts looks for it
  const out = join(dirname(dirname(here)), 'build', 'sip-path-bench.mjs');
  mkdirSync(dirname(out), { recursive: true });
  const { build } = await import('esbuild');
  await build({ entryPoints: [here], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, logLevel: 'warning' });
  const node = PROFILE_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR];
  const args = ['--runs', String(RUNS), '--capture', path, ...(ONLY === undefined ? [] : ['--stage', ONLY])];
  const r = spawnSync(process.execPath, [...node, out, ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const path = await capturePath();
console.log(`${path}: fastest of ${RUNS} runs a stage, in this process (Node ${process.version})`);
const rows: { stage: Stage; best: Run }[] = [];
const STAGES: Stage[] = ['core', 'engine', 'tracker', 'jsonl'];
if (ONLY !== undefined && !STAGES.includes(ONLY as Stage)) throw new Error(`--stage: one of ${STAGES.join(', ')}`);
for (const stage of ONLY === undefined ? STAGES : [ONLY as Stage]) {
  let best: Run | null = null;
  for (let i = 0; i < RUNS; i++) {
    const r = await run(path, stage);
    if (best === null || r.ms < best.ms) best = r;
  }
  rows.push({ stage, best: best as Run });
}
const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(2);
let before: Run | null = null;
for (const { stage, best } of rows) {
  const n = best.messages;
  const added = before === null ? '' : `, +${us(best.ms - before.ms, n)} µs over the stage before`;
  console.log(
    `${stage.padEnd(8)} ${n} messages, ${best.records} records: ${best.ms.toFixed(0)} ms, ${us(best.ms, n)} µs a message (GC ${us(best.gcMs, n)})${added}; ${Math.round((n / best.ms) * 1000)} messages/s`,
  );
  before = best;
}
