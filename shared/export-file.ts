// The bytes of an export file (`--ipfix-file`): an RFC 5655 .ipfix file, or NetFlow v9 packets
// back to back with --export-format v9. One builder for the CLI (node/exporter.ts FileExporter)
// and the browser's download, so both write the same bytes for the same records.
//
// Rules: the templates start the first message of the file; every record is encoded alone, in
// the order records are exported, with its own export time; a file without any record still
// gets one template-only message (so collectors can read it), stamped with the time given to end().

import type { CallRecord } from './calls.ts';
import type { FlowEncoder } from './ipfix.ts';

/** Export time of a record in file (capture-clock) mode: the whole second of its capture export time. */
export function captureExportTime(r: CallRecord): number {
  return Math.floor(r.exportedAt);
}

export class ExportFileBuilder {
  private started = false;
  private ended = false;

  constructor(readonly encoder: FlowEncoder) {}

  /** The messages for one record, exported at `exportTimeSec` (templates first in the file). */
  add(r: CallRecord, exportTimeSec: number): Uint8Array[] {
    if (this.ended) throw new Error('export file already ended');
    const msgs = this.encoder.encode([r], exportTimeSec, !this.started);
    this.started = true;
    return msgs;
  }

  /** The last messages of the file: the templates alone when no record was written, else none. */
  end(exportTimeSec: number): Uint8Array[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.started) return [];
    this.started = true;
    return [this.encoder.templateMessage(exportTimeSec)];
  }
}
