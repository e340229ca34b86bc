// A fuzz worker thread: takes the next batch of cases from the shared counter, runs each through
// the pipeline on a fresh engine per batch, and reports counter totals every 32 cases and every
// failure (made again alone on a new engine, and shrunk when it fails alone too). It writes the
// case it is on and when it began (each try of a shrink too) into shared memory, where the
// watchdog of run.ts reads them.

import { parentPort, workerData } from 'node:worker_threads';
import { BATCH, makeCaseN, seedPool } from './cases.ts';
import { minimize } from './minimize.ts';
import { Pipeline, type CaseResult } from './pipeline.ts';

export interface WorkerInput {
  seed: number;
  cases: number;
  corpus: string | null;
  /** Int32Array: [0] next batch, then per worker slot: case being run, its start (ms after epoch),
   *  cases finished */
  shared: SharedArrayBuffer;
  slot: number;
  epoch: number;
  /** after a hang: the rest of that batch, [from, to), before taking new batches */
  resume: [number, number] | null;
  minimize: boolean;
  /** time case n again after the cases before it in its batch, and report how long it took */
  confirm: number | null;
}

export interface BatchReport {
  type: 'batch';
  cases: number;
  counters: number[];
  /** cases in which each counter went up */
  hits: number[];
  records: number;
}

export interface FindingReport {
  type: 'finding';
  n: number;
  kind: string;
  message: string;
  seedCapture: string;
  mutations: string[];
  fromCorpus: boolean;
  /** fails on a new engine alone (else it needs the cases before it in its batch) */
  alone: boolean;
  bytes: Uint8Array;
  originalSize: number;
}

const input = workerData as WorkerInput;
const shared = new Int32Array(input.shared);
const pool = seedPool(input.corpus);
const nBatches = Math.ceil(input.cases / BATCH);

async function runRange(from: number, to: number): Promise<void> {
  let pipeline = await Pipeline.create();
  let report: BatchReport = { type: 'batch', cases: 0, counters: [], hits: [], records: 0 };
  for (let n = from; n < to; n++) {
    Atomics.store(shared, 1 + input.slot * 3, n);
    Atomics.store(shared, 2 + input.slot * 3, Date.now() - input.epoch);
    let c: ReturnType<typeof makeCaseN>;
    try {
      c = makeCaseN(pool, input.seed, n);
    } catch (e) {
      // a fault of the harness, not of what it tests: reported, and the run goes on
      parentPort?.postMessage({ type: 'error', message: `case ${n}: ${(e as Error)?.stack ?? String(e)}` });
      continue;
    }
    const r = pipeline.run(c.bytes, c.opts);
    Atomics.add(shared, 3 + input.slot * 3, 1);
    add(report, r);
    // counters handed on often: a worker ended by the watchdog loses few
    if (report.cases >= 32) {
      parentPort?.postMessage(report);
      report = { type: 'batch', cases: 0, counters: [], hits: [], records: 0 };
    }
    if (r.failure) {
      await reportFailure(n, r, c);
      pipeline = await Pipeline.create(); // a failed engine is not trusted with the next case
    }
  }
  Atomics.store(shared, 2 + input.slot * 3, -1);
  parentPort?.postMessage(report);
}

function add(report: BatchReport, r: CaseResult): void {
  report.cases++;
  report.records += r.records;
  for (let i = 0; i < r.counters.length; i++) {
    report.counters[i] = (report.counters[i] ?? 0) + r.counters[i];
    report.hits[i] = (report.hits[i] ?? 0) + (r.counters[i] > 0 ? 1 : 0);
  }
}

async function reportFailure(n: number, r: CaseResult, c: ReturnType<typeof makeCaseN>): Promise<void> {
  const failure = r.failure!;
  const failsAlone = async (b: Uint8Array): Promise<boolean> => {
    Atomics.store(shared, 2 + input.slot * 3, Date.now() - input.epoch);
    const p = await Pipeline.create();
    return p.run(b, c.opts).failure?.kind === failure.kind;
  };
  const alone = await failsAlone(c.bytes);
  let bytes = c.bytes;
  // each try on a new engine: what is kept must fail alone
  if (alone && input.minimize) bytes = await minimize(c.bytes, failsAlone);
  const msg: FindingReport = {
    type: 'finding',
    n,
    kind: failure.kind,
    message: failure.message,
    seedCapture: c.origin.seed,
    mutations: c.origin.mutations,
    fromCorpus: c.fromCorpus,
    alone,
    bytes,
    originalSize: c.bytes.length,
  };
  parentPort?.postMessage(msg);
}

/** A case the watchdog stopped, run again with the same history (its batch up to it). */
async function confirm(n: number): Promise<void> {
  const pipeline = await Pipeline.create();
  for (let k = Math.floor(n / BATCH) * BATCH; k < n; k++) {
    const c = makeCaseN(pool, input.seed, k);
    pipeline.run(c.bytes, c.opts);
  }
  const c = makeCaseN(pool, input.seed, n);
  const t = performance.now();
  pipeline.run(c.bytes, c.opts);
  parentPort?.postMessage({ type: 'timed', ms: performance.now() - t });
}

async function main(): Promise<void> {
  if (input.confirm !== null) return confirm(input.confirm);
  if (input.resume) await runRange(input.resume[0], input.resume[1]);
  while (true) {
    const b = Atomics.add(shared, 0, 1);
    if (b >= nBatches) break;
    await runRange(b * BATCH, Math.min(input.cases, (b + 1) * BATCH));
  }
  parentPort?.postMessage({ type: 'done' });
}

main().catch((e) => {
  parentPort?.postMessage({ type: 'error', message: (e as Error)?.stack ?? String(e) });
});
