// The page's downloads other than JSON Lines — the dump file, CSV, .ipfix and NetFlow v9 — are
// built when clicked, not while the capture is read: the run's files are read again by a fresh
// engine and every record goes through the same shared encoder as `sipscope read` (so the bytes
// are the CLI's) into Blob storage. Encoding four outputs and storing them for every run cost the
// page more than its analysis (docs/PROFILE.md); most runs download one of them, or none.
// No DOM, no worker API: it runs in Node too (tests).

import type { CallRecord } from '../../shared/record.ts';
import { CSV_EOL, csvHeader, csvLine, dumpHeader, dumpLine } from '../../shared/output/format.ts';
import { DEFAULT_TEMPLATE } from '../../shared/output/fields.ts';
import type { TimestampFormat } from '../../shared/time.ts';
import { FlowEncoder } from '../../shared/output/ipfix.ts';
import { ExportFileBuilder, captureExportTime } from '../../shared/output/export-file.ts';
import type { DownloadKind } from '../worker-protocol.ts';
import { ByteSink } from './byte-sink.ts';

/** The downloads built by reading the files again (JSON Lines is kept during the run). */
export type BuiltDownload = Exclude<DownloadKind, 'jsonl'>;

const TYPES: Record<BuiltDownload, string> = {
  dump: 'text/plain',
  csv: 'text/csv',
  ipfix: 'application/octet-stream',
  v9: 'application/octet-stream',
};

/**
 * Read the run's input again, calling `onRecord` for every record in export order; resolves
 * with the capture clock at the end (the export time of the file's last message).
 */
export type Replay = (onRecord: (r: CallRecord) => void) => Promise<number>;

/** One output of a run, written record by record as `sipscope read` writes it. */
export class OutputWriter {
  readonly sink: ByteSink;
  private readonly flows: ExportFileBuilder | null;

  constructor(
    readonly kind: BuiltDownload,
    private readonly timestampFormat: TimestampFormat,
  ) {
    this.sink = new ByteSink(TYPES[kind]);
    this.flows = kind === 'ipfix' || kind === 'v9' ? new ExportFileBuilder(new FlowEncoder({ format: kind })) : null;
    // the first line of the files, as `sipscope read --format csv` and `--dump-file` write them
    if (kind === 'csv') this.sink.text(csvHeader(DEFAULT_TEMPLATE, ',') + CSV_EOL);
    if (kind === 'dump') this.sink.text(dumpHeader(DEFAULT_TEMPLATE, '|') + '\n');
  }

  add(r: CallRecord): void {
    const o = { timestampFormat: this.timestampFormat };
    if (this.kind === 'csv') this.sink.text(csvLine(r, DEFAULT_TEMPLATE, { ...o, separator: ',' }) + CSV_EOL);
    else if (this.kind === 'dump') this.sink.text(dumpLine(r, DEFAULT_TEMPLATE, { ...o, separator: '|' }) + '\n');
    else for (const m of this.flows!.add(r, captureExportTime(r))) this.sink.bytes(m);
  }

  /** End of input: what the CLI writes when it closes its files. */
  end(captureNow: number): Blob {
    if (this.flows) for (const m of this.flows.end(Math.floor(captureNow))) this.sink.bytes(m);
    return this.sink.blob();
  }
}

/** One download of a run: its input read again, every record written by `OutputWriter`. */
export async function buildDownload(kind: BuiltDownload, timestampFormat: TimestampFormat, replay: Replay): Promise<Blob> {
  const out = new OutputWriter(kind, timestampFormat);
  const now = await replay((r) => out.add(r));
  return out.end(now);
}
