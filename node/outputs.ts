// Everything a record goes to in one run: the printed lines, the dump directory, IPFIX/v9
// collectors and .ipfix files. Collectors never stop the run; a dump directory that cannot be
// written does (one clear error, exit 1), after the other outputs are closed properly.

import { LineWriter } from './output.ts';
import { DumpWriter, DumpError } from './dump-writer.ts';
import type { Exporter } from './exporter.ts';
import type { CallRecord } from '../shared/calls.ts';

export class RecordOutputs {
  count = 0;
  /** set when an output failed in a way that must stop the run */
  fatal: Error | null = null;
  /** the dump writer asked us to wait (it has over 1 MiB queued) */
  private dumpBehind: Promise<void> | null = null;

  constructor(
    /** line outputs: the printed records, a single dump file (--dump-file) */
    private readonly lines: { writer: LineWriter; lineOf: (r: CallRecord) => string }[],
    private readonly dump: DumpWriter | null,
    private readonly exporters: Exporter[],
  ) {}

  add(r: CallRecord): void {
    this.count++;
    for (const l of this.lines) l.writer.line(l.lineOf(r));
    if (this.dump && !this.fatal) {
      const w = this.dump.write(r);
      if (w) this.dumpBehind = w.catch((e) => this.fail(e));
    }
    for (const x of this.exporters) x.add(r);
  }

  private fail(e: unknown): void {
    this.fatal ??= e instanceof Error ? e : new Error(String(e));
  }

  /** True when a line output is a pipe whose reader has gone (EPIPE): live mode stops then. */
  stdoutClosed(): boolean {
    return this.lines.some((l) => (l.writer.error as NodeJS.ErrnoException | null)?.code === 'EPIPE');
  }

  /** Write the buffered record lines now (live mode, where records trickle in). */
  flushLines(): void {
    for (const l of this.lines) l.writer.flush();
  }

  /** Back-pressure between input chunks: wait while an output is behind. */
  async drained(): Promise<void> {
    for (const l of this.lines) await l.writer.drained();
    if (this.dump && !this.fatal) {
      // the writer batches its own disk writes; wait only when it says it is behind
      if (this.dumpBehind) await this.dumpBehind;
      this.dumpBehind = null;
      if (this.dump.error) this.fail(this.dump.error);
    }
    for (const x of this.exporters) await x.drained().catch((e) => this.fail(e));
  }

  /** Close everything; returns the problems to report (the fatal one first). */
  async close(): Promise<string[]> {
    const problems: string[] = [];
    for (const l of this.lines) {
      await l.writer.close();
      const e = l.writer.error as NodeJS.ErrnoException | null;
      if (e && e.code !== 'EPIPE') problems.push(`writing records failed: ${e.message}`);
    }
    if (this.dump) {
      await this.dump.close().catch((e) => this.fail(e));
      if (this.dump.error) this.fail(this.dump.error);
    }
    for (const x of this.exporters) await x.close().catch((e) => problems.push((e as Error).message));
    if (this.fatal) problems.unshift(this.fatal instanceof DumpError ? this.fatal.message : `output failed: ${this.fatal.message}`);
    return problems;
  }

  /** One line per output for the end-of-run statistics. */
  summary(): string[] {
    const out: string[] = [];
    if (this.dump) {
      const s = this.dump.stats;
      out.push(`  dump: ${s.files} files, ${s.lines} records${s.execRuns ? `, exec ${s.execRuns} runs (${s.execFailures} failed)` : ''}`);
    }
    for (const x of this.exporters) {
      const s = x.stats;
      out.push(
        `  export ${s.target}: ${s.delivered}/${s.records} records delivered in ${s.messages} messages` +
          (s.undelivered ? `, ${s.undelivered} NOT delivered` : '') +
          (s.reconnects ? `, ${s.reconnects} reconnects` : '') +
          (s.lastError ? ` (last error: ${s.lastError})` : ''),
      );
    }
    return out;
  }
}
