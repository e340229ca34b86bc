// Main-thread side of the export worker (worker.ts): records go over in batches, so the
// thread that parses the capture only hands them on. A bounded number of records may be on
// their way; beyond it drained() waits for the worker (back-pressure between input chunks).

import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { CallRecord } from '../../shared/record.ts';
import { checkDumpDir } from './dump-dir.ts';
import type { ExportConfig, HostMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import { packRecord, type Wire } from './wire.ts';

/** records per message to the worker (a message costs about as much as a few records) */
const BATCH = 256;
/** values per message at most: a longer array costs more per value to build (measured: 256
 *  records with two RTP streams each, 24 K values, take 5× the time of the same in 4 K batches) */
const BATCH_VALUES = 4096;
/** records sent but not yet written by the worker before drained() waits */
const MAX_IN_FLIGHT = 16_384;

/**
 * What can fail when opening, tried at once on the main thread (the worker opens them again):
 * the dump directory is created and must be writable, the .ipfix file must be creatable.
 * Throws with the message for the user.
 */
async function checkExportConfig(c: ExportConfig): Promise<void> {
  if (c.dump) await checkDumpDir(c.dump.dir);
  if (c.ipfixFile !== null) {
    // a named pipe or a device is left to the worker: opening a FIFO here and closing it again
    // would end the stream for the program reading it
    const st = await stat(c.ipfixFile).catch(() => null);
    if (st === null || st.isFile() || st.isDirectory()) await (await open(c.ipfixFile, 'w')).close();
  }
}

export class ExportHost {
  /** the worker said the run must stop (the dump directory failed), or the worker died */
  fatal: Error | null = null;
  private batch: Wire = [];
  private batchCount = 0;
  /** capture minute of the last message to the worker */
  private minuteSent = -Infinity;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private result: { problems: string[]; summary: string[] } | null = null;
  private done: Promise<void>;
  private settle!: () => void;

  private constructor(
    private readonly worker: Worker,
    private readonly captureNow: () => number,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  /**
   * Check that the outputs can be opened (throws with the user's message when one cannot), then
   * start the worker. Reading need not wait for the worker: records queue up until it is ready.
   */
  static async start(config: ExportConfig, captureNow: () => number, warn: (line: string) => void): Promise<ExportHost> {
    await checkExportConfig(config);
    // bundled: build/export-worker.js beside build/cli.js; from source (tests run node/cli.ts
    // under tsx): node/export/worker.ts, with tsx loaded in the worker too
    const workerData: WorkerInit = { config, now: captureNow() };
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}))`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./export-worker.js', import.meta.url), { workerData });
    const host = new ExportHost(worker, captureNow);
    worker.on('message', (m: WorkerMessage) => {
      switch (m.t) {
        case 'ack':
          host.inFlight -= m.n;
          return host.wake();
        case 'warn':
          return warn(m.line);
        case 'fatal': // the outputs could not be opened after all, or the dump directory failed
          host.fatal ??= new Error(m.message);
          return;
        case 'closed':
          // every output is closed: the thread has nothing left to do
          host.result = { problems: m.problems, summary: m.summary };
          host.settle();
          void worker.terminate();
          return;
      }
    });
    worker.on('error', (e) => {
      host.fatal ??= new Error(`export failed: ${e.message}`);
    });
    worker.on('exit', () => {
      if (host.result === null) host.fatal ??= new Error('export stopped unexpectedly');
      host.inFlight = 0;
      host.wake();
      host.settle();
    });
    return host;
  }

  add(r: CallRecord): void {
    packRecord(r, this.batch);
    if (++this.batchCount >= BATCH || this.batch.length >= BATCH_VALUES) this.flush();
  }

  /** Send the records collected so far (live mode: a record leaves when its call ends). Without
   *  records, a new minute of capture time is still sent on (the dump file of the last one ends). */
  flush(): void {
    if (this.result !== null) return;
    const now = this.captureNow();
    const minute = Math.floor(now / 60);
    if (this.batchCount === 0 && minute <= this.minuteSent) return;
    this.minuteSent = minute;
    this.inFlight += this.batchCount;
    this.post({ t: 'records', records: this.batch, count: this.batchCount, now });
    this.batch = [];
    this.batchCount = 0;
  }

  async drained(): Promise<void> {
    this.flush();
    while (this.inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Deliver everything, close the outputs in the worker; returns the problems to report. */
  async close(): Promise<string[]> {
    this.flush();
    this.post({ t: 'close', now: this.captureNow() });
    await this.done;
    const problems = this.result?.problems ?? [];
    if (this.result === null && this.fatal) problems.push(this.fatal.message);
    return problems;
  }

  summary(): string[] {
    return this.result?.summary ?? [];
  }

  private post(m: HostMessage): void {
    try {
      this.worker.postMessage(m);
    } catch (e) {
      this.fatal ??= new Error(`export failed: ${(e as Error).message}`);
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
