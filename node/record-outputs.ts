// Everything a record goes to in one run: the printed lines (standard output, --out,
// --dump-file) here, and the dump directory, .ipfix files and collectors in the export worker
// (export/). Collectors never stop the run; a dump directory that cannot be written does (one
// clear error, exit 1), after the other outputs are closed properly.

import type { LineWriter } from './line-writer.ts';
import type { ExportHost } from './export/host.ts';
import type { CallRecord } from '../shared/record.ts';

export class RecordOutputs {
  count = 0;

  constructor(
    /** line outputs: the printed records, a single dump file (--dump-file) */
    private readonly lines: { writer: LineWriter; lineOf: (r: CallRecord) => string | Uint8Array }[],
    /** dump directory, .ipfix files, collectors (null when none is asked for) */
    private readonly exports: ExportHost | null,
  ) {}

  /** set when an output failed in a way that must stop the run */
  get fatal(): Error | null {
    return this.exports?.fatal ?? null;
  }

  add(r: CallRecord): void {
    this.count++;
    for (const l of this.lines) l.writer.line(l.lineOf(r));
    this.exports?.add(r);
  }

  /** True when a line output is a pipe whose reader has gone (EPIPE): live mode stops then. */
  stdoutClosed(): boolean {
    return this.lines.some((l) => (l.writer.error as NodeJS.ErrnoException | null)?.code === 'EPIPE');
  }

  /** Hand on the records so far now (live mode, where records trickle in). */
  flushLines(): void {
    for (const l of this.lines) l.writer.flush();
    this.exports?.flush();
  }

  /** Back-pressure between input chunks: wait while an output is behind. */
  async drained(): Promise<void> {
    for (const l of this.lines) await l.writer.drained();
    await this.exports?.drained();
  }

  /** Close everything; returns the problems to report (the fatal one first). */
  async close(): Promise<string[]> {
    const problems: string[] = [];
    for (const l of this.lines) {
      await l.writer.close();
      const e = l.writer.error as NodeJS.ErrnoException | null;
      if (e && e.code !== 'EPIPE') problems.push(`writing records failed: ${e.message}`);
    }
    if (this.exports) problems.unshift(...(await this.exports.close()));
    return problems;
  }

  /** One line per output for the end-of-run statistics. */
  summary(): string[] {
    return this.exports?.summary() ?? [];
  }
}
