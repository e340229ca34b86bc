// The outputs that leave the process: the dump directory, .ipfix files and IPFIX/v9 collectors.
// They run in the export worker (worker.ts), so that encoding, file writes and one datagram per
// record cost the thread that parses the capture nothing; this file is what the worker runs.
// Collectors never stop the run; a dump directory that cannot be written does (one clear error).

import { DumpWriter, DumpError } from './dump-dir.ts';
import { collectorExporter, fileExporter, type Exporter, type ExporterOptions } from './ipfix-transports.ts';
import type { ExportConfig } from './protocol.ts';
import type { CallRecord } from '../../shared/record.ts';
import { DEFAULT_TEMPLATE, parseTemplate } from '../../shared/output/fields.ts';

export class ExportOutputs {
  /** set when the dump directory failed: the run must stop */
  fatal: Error | null = null;
  /** the dump writer asked us to wait (it has over 1 MiB queued) */
  private dumpBehind: Promise<void> | null = null;

  private constructor(
    private readonly dump: DumpWriter | null,
    private readonly exporters: Exporter[],
  ) {}

  /**
   * Open every output of the config. Throws (with a message for the user) when the dump directory
   * or an .ipfix file cannot be opened; collectors never fail here. `captureNow` is the capture
   * time for messages without a record (file mode), `warn` gets one line per warning.
   */
  static async open(c: ExportConfig, captureNow: () => number, warn: (line: string) => void): Promise<ExportOutputs> {
    const opts: ExporterOptions = { ...c.exporter, captureNow };
    let dump: DumpWriter | null = null;
    if (c.dump) {
      dump = await DumpWriter.open(c.dump.dir, {
        nested: c.dump.nested,
        maxLines: c.dump.maxLines,
        template: c.dump.template === null ? DEFAULT_TEMPLATE : parseTemplate(c.dump.template),
        timestampFormat: c.dump.timestampFormat,
        separator: c.dump.separator,
        execCmd: c.dump.execCmd,
        clock: c.exporter.clock,
        onWarning: (m) => warn(`dump: ${m}`),
      });
    }
    const exporters: Exporter[] = [];
    if (c.ipfixFile !== null) exporters.push(await fileExporter(c.ipfixFile, opts));
    for (const url of c.collectors) {
      const x = collectorExporter(url, opts);
      x.onWarning = (m) => warn(`${m} (the run goes on)`);
      exporters.push(x);
    }
    return new ExportOutputs(dump, exporters);
  }

  add(r: CallRecord): void {
    if (this.dump && !this.fatal) {
      try {
        const w = this.dump.write(r);
        if (w) this.dumpBehind = w.catch((e) => this.fail(e));
      } catch (e) {
        this.fail(e);
      }
    }
    for (const x of this.exporters) x.add(r);
  }

  /** Capture time has reached `sec` (file mode): a dump file whose minute is over is finished now,
   *  not when the next record comes. */
  tick(sec: number): void {
    if (!this.dump || this.fatal) return;
    try {
      this.dump.tick(sec);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.fatal ??= e instanceof Error ? e : new Error(String(e));
  }

  /** Resolves when every output has caught up (back-pressure). Call after each batch of records. */
  async drained(): Promise<void> {
    for (const x of this.exporters) x.flush();
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
