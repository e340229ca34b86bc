// Structure-aware fuzzing of the whole pipeline (engine, tracker, encoders):
//   npm run fuzz -- --cases N [--seed S] [--jobs J] [--corpus [DIR]] [--timeout-ms T] [--json FILE]
//                   [--out DIR] [--corpus-out DIR] [--no-minimize] [--max-rss-mib M]
//   npm run fuzz -- --seed S --replay N [--write FILE]     (make case N again and run it alone)
// Cases run in worker threads (test/fuzz/worker.ts); a watchdog ends a worker whose case runs
// past the time bound and records a hang. Failures of cases made from the project's own seeds are
// written to --out (test/fixtures/fuzz) with fixtures.json; those made from the public corpus go to
// --corpus-out, outside the repository. Exit status 1 when anything failed.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { COUNTER_INFO, PROBLEM_COUNTERS } from '../../shared/engine/core-abi.ts';
import { CORPUS, repoRoot } from '../support/paths.ts';
import { BATCH, makeCaseN, seedPool } from './cases.ts';
import { Pipeline } from './pipeline.ts';
import type { BatchReport, FindingReport, WorkerInput } from './worker.ts';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    jobs: { type: 'string' },
    corpus: { type: 'boolean', default: false },
    'corpus-dir': { type: 'string', default: CORPUS },
    'timeout-ms': { type: 'string', default: '2000' },
    json: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'test', 'fixtures', 'fuzz') },
    'corpus-out': { type: 'string', default: join(tmpdir(), 'sipscope-fuzz-corpus') },
    'no-minimize': { type: 'boolean', default: false },
    'max-rss-mib': { type: 'string', default: '3072' },
    replay: { type: 'string' },
    write: { type: 'string' },
  },
});

const seed = args.seed !== undefined ? Number(args.seed) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const cases = Number(args.cases);
const jobs = Math.max(1, Number(args.jobs ?? Math.min(2, availableParallelism())));
const timeoutMs = Number(args['timeout-ms']);
const corpusDir = args.corpus ? resolve(args['corpus-dir']) : null;
if (corpusDir && !existsSync(corpusDir)) throw new Error(`no corpus at ${corpusDir}`);

const WORKER = new URL('./worker.ts', import.meta.url).href;

/** A worker thread; it is TypeScript: tsx's loader is registered in the thread before it is imported. */
function worker(input: WorkerInput): Worker {
  return new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(WORKER)}); })`, {
    eval: true,
    workerData: input,
  });
}

/**
 * A case the watchdog stopped is run again after the same history, alone on the machine's time:
 * over the bound again (or never done) it is a hang; done within it, the first run was held up by
 * something else (a machine shared with other work), and it is reported as such, not as a hang.
 */
async function confirmHang(n: number): Promise<number | null> {
  const input: WorkerInput = {
    seed,
    cases,
    corpus: corpusDir,
    shared: new SharedArrayBuffer(16),
    slot: 0,
    epoch: 0,
    resume: null,
    minimize: false,
    confirm: n,
  };
  const w = worker(input);
  return new Promise((resolve) => {
    // the history before the case is not timed; a few seconds more for it
    const timer = setTimeout(
      () => {
        void w.terminate();
        resolve(null);
      },
      timeoutMs * 3 + 5000,
    );
    w.on('message', (m: { type: string; ms?: number }) => {
      if (m.type !== 'timed') return;
      clearTimeout(timer);
      void w.terminate();
      resolve(m.ms! > timeoutMs ? null : m.ms!);
    });
  });
}

interface Hang {
  n: number;
}

async function replay(n: number): Promise<void> {
  const c = makeCaseN(seedPool(corpusDir), seed, n);
  process.stdout.write(`case ${n} of seed ${seed}: ${c.bytes.length} bytes from ${c.origin.seed}\n  ${c.origin.mutations.join('\n  ')}\n`);
  process.stdout.write(`  options ${JSON.stringify(c.opts)}\n`);
  if (args.write) writeFileSync(args.write, c.bytes);
  const t = performance.now();
  const r = (await Pipeline.create()).run(c.bytes, c.opts);
  process.stdout.write(
    `  ${(performance.now() - t).toFixed(1)} ms, ${r.records} records, ${r.failure ? `${r.failure.kind}: ${r.failure.message}` : 'no failure'}\n`,
  );
  const hit = r.counters.map((v, i) => (v > 0 ? `${COUNTER_INFO[i][0]}=${v}` : '')).filter(Boolean);
  process.stdout.write(`  ${hit.join(' ')}\n`);
}

async function main(): Promise<number> {
  if (args.replay !== undefined) {
    await replay(Number(args.replay));
    return 0;
  }
  const epoch = Date.now();
  const shared = new SharedArrayBuffer(4 * (1 + 3 * jobs));
  const slots = new Int32Array(shared);
  for (let s = 0; s < jobs; s++) slots[2 + s * 3] = -1;
  const totals = {
    cases: 0,
    records: 0,
    counters: new Array<number>(COUNTER_INFO.length).fill(0),
    hits: new Array<number>(COUNTER_INFO.length).fill(0),
  };
  const findings: FindingReport[] = [];
  const hangs: Hang[] = [];
  const errors: string[] = [];
  let peakRss = process.memoryUsage().rss;
  const maxRss = Number(args['max-rss-mib']) * 2 ** 20;
  let rssExceeded = false;
  const workers: (Worker | null)[] = new Array(jobs).fill(null);
  let running = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => {
    finished = r;
  });

  const start = (slot: number, resume: [number, number] | null): void => {
    const input: WorkerInput = {
      seed,
      cases,
      corpus: corpusDir,
      shared,
      slot,
      epoch,
      resume,
      minimize: !args['no-minimize'],
      confirm: null,
    };
    const w = worker(input);
    workers[slot] = w;
    running++;
    w.on('message', (m: BatchReport | FindingReport | { type: 'done' } | { type: 'error'; message: string }) => {
      if (m.type === 'batch') {
        totals.records += m.records;
        m.counters.forEach((v, i) => {
          totals.counters[i] += v;
          totals.hits[i] += m.hits[i];
        });
      } else if (m.type === 'finding') findings.push(m);
      else if (m.type === 'error') errors.push(m.message);
    });
    w.on('exit', () => {
      if (workers[slot] !== w) return; // ended by the watchdog, replaced already
      workers[slot] = null;
      running--;
      if (running === 0) finished();
    });
  };
  for (let s = 0; s < jobs; s++) start(s, null);

  let reported = Date.now();
  const watchdog = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (Date.now() - reported >= 60_000) {
      // a line a minute on long runs
      reported = Date.now();
      const s = (reported - epoch) / 1000;
      let n = 0;
      for (let k = 0; k < jobs; k++) n += Atomics.load(slots, 3 + k * 3);
      process.stderr.write(
        `  ${n} cases, ${Math.round(n / s)}/s, ${findings.length} crashes, ${hangs.length} hangs, RSS ${Math.round(peakRss / 2 ** 20)} MiB\n`,
      );
    }
    if (peakRss > maxRss) rssExceeded = true;
    const now = Date.now() - epoch;
    for (let s = 0; s < jobs; s++) {
      const began = Atomics.load(slots, 2 + s * 3);
      const w = workers[s];
      if (!w || began < 0 || now - began <= timeoutMs) continue;
      const n = Atomics.load(slots, 1 + s * 3);
      hangs.push({ n });
      Atomics.add(slots, 3 + s * 3, 1); // the case ran, and is counted as a hang
      Atomics.store(slots, 2 + s * 3, -1);
      workers[s] = null;
      running--;
      void w.terminate();
      const batchEnd = Math.min(cases, (Math.floor(n / BATCH) + 1) * BATCH);
      start(s, [n + 1, batchEnd]);
    }
  }, 100);
  await done;
  clearInterval(watchdog);
  for (let s = 0; s < jobs; s++) totals.cases += Atomics.load(slots, 3 + s * 3);
  const wall = (Date.now() - epoch) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  // watchdog stops confirmed (or not) one at a time, with the machine to themselves
  const stalls: { n: number; ms: number }[] = [];
  for (const h of hangs.splice(0)) {
    const ms = await confirmHang(h.n);
    if (ms === null) hangs.push(h);
    else stalls.push({ n: h.n, ms: Math.round(ms) });
  }
  const saved = saveFindings(findings, hangs);
  const problems: ReadonlySet<string> = PROBLEM_COUNTERS;
  const counters = COUNTER_INFO.map((c, i) => ({
    name: c[0],
    problem: problems.has(c[0]),
    cases: totals.hits[i],
    total: totals.counters[i],
  })).filter((c) => c.cases > 0);
  const summary = {
    seed,
    cases: totals.cases,
    jobs,
    wallSeconds: wall,
    casesPerSecond: Math.round(totals.cases / wall),
    crashes: findings.length,
    hangs: hangs.length,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    rssExceeded,
    records: totals.records,
    seeds: seedPool(corpusDir).project.length,
    corpusSeeds: corpusDir ? seedPool(corpusDir).corpus.length : 0,
    counters,
    findings: findings.map((f) => ({
      case: f.n,
      kind: f.kind,
      message: f.message.split('\n')[0],
      seedCapture: f.seedCapture,
      alone: f.alone,
    })),
    hangCases: hangs.map((h) => h.n),
    /** stopped by the watchdog, then done within the bound when run again after the same cases */
    stalls,
    saved,
    errors,
  };
  if (args.json) writeFileSync(args.json, JSON.stringify(summary, null, 2));
  const out = process.stderr;
  out.write(
    `sipscope fuzz: seed ${seed}, ${totals.cases} cases in ${wall.toFixed(1)} s (${summary.casesPerSecond} cases/s, ${jobs} workers)\n`,
  );
  out.write(`  crashes ${findings.length}, hangs ${hangs.length}, peak RSS ${summary.peakRssMiB} MiB, ${totals.records} records encoded\n`);
  out.write(`  seeds: ${summary.seeds} project captures${corpusDir ? ` + ${summary.corpusSeeds} corpus captures` : ''}\n`);
  out.write('  core counters hit (cases with it / total):\n');
  for (const c of counters)
    out.write(
      `    ${c.problem ? 'problem ' : '        '}${c.name.padEnd(20)} ${String(c.cases).padStart(9)} ${String(c.total).padStart(12)}\n`,
    );
  for (const f of findings)
    out.write(`  ${f.kind} at case ${f.n} (${f.seedCapture}${f.alone ? '' : ', needs the cases before it'}): ${f.message}\n`);
  for (const h of hangs) out.write(`  hang at case ${h.n} (over ${timeoutMs} ms, again when run after the same cases)\n`);
  for (const s of stalls)
    out.write(`  case ${s.n} passed the bound once, then took ${s.ms} ms after the same cases: held up, not a hang\n`);
  for (const s of saved) out.write(`  saved ${s}\n`);
  for (const e of errors) out.write(`  worker error: ${e}\n`);
  return findings.length || hangs.length || errors.length || rssExceeded ? 1 : 0;
}

/** Write each failing case: project-seeded ones as fixtures (listed in fixtures.json, their
 *  expected counter to be filled in once fixed), corpus-seeded ones outside the repository. */
function saveFindings(findings: FindingReport[], hangs: Hang[]): string[] {
  const saved: string[] = [];
  const pool = hangs.length ? seedPool(corpusDir) : null;
  const all = [
    ...findings.map((f) => ({
      n: f.n,
      kind: f.kind,
      message: f.message,
      bytes: f.bytes,
      fromCorpus: f.fromCorpus,
      seedCapture: f.seedCapture,
      mutations: f.mutations,
      alone: f.alone,
    })),
    ...hangs.map((h) => {
      const c = makeCaseN(pool!, seed, h.n);
      return {
        n: h.n,
        kind: 'hang',
        message: `over ${timeoutMs} ms`,
        bytes: c.bytes,
        fromCorpus: c.fromCorpus,
        seedCapture: c.origin.seed,
        mutations: c.origin.mutations,
        alone: false,
      };
    }),
  ];
  for (const f of all) {
    const dir = f.fromCorpus ? args['corpus-out'] : args.out;
    mkdirSync(dir, { recursive: true });
    const file = `${f.kind}-s${seed}-c${f.n}.pcap`;
    writeFileSync(join(dir, file), f.bytes);
    const manifest = join(dir, 'fixtures.json');
    const list = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as unknown[]) : [];
    const { bytes: _bytes, fromCorpus: _fc, n, ...rest } = f;
    list.push({ file, seed, case: n, ...rest, expect: null });
    writeFileSync(manifest, `${JSON.stringify(list, null, 2)}\n`);
    saved.push(join(dir, file));
  }
  return saved;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fuzz: ${(e as Error).stack}\n`);
    process.exit(2);
  },
);
