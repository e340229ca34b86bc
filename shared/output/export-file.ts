// The bytes of an export file (`--ipfix-file`): an RFC 5655 .ipfix file, or NetFlow v9 packets
// back to back with --export-format v9. One builder for the CLI (node/export/ipfix-transports.ts FileExporter)
// and the browser's download, so both write the same bytes for the same records.
//
// Rules: the templates start the first message of the file; records go in the order they are
// exported; consecutive records with the same export second share messages (up to the mtu, so at
// the default 1400 bytes each record is a message of its own); a file without any record still
// gets one template-only message (so collectors can read it), stamped with the time given to end().
// Which records share a message depends only on the records, never on how they were handed in.

import type { CallRecord } from '../record.ts';
import type { FlowEncoder } from './ipfix.ts';

/** Export time of a record in file (capture-clock) mode: the whole second of its capture export time. */
export function captureExportTime(r: CallRecord): number {
  return Math.floor(r.exportedAt);
}

/** Records held for one encode at most (a bound on memory; the cut is still a function of the records). */
const MAX_GROUP = 256;

export class ExportFileBuilder {
  private started = false;
  private ended = false;
  private group: CallRecord[] = [];
  private groupTime = 0;

  constructor(readonly encoder: FlowEncoder) {}

  /** Add one record exported at `exportTimeSec`; returns the messages completed by it (often none). */
  add(r: CallRecord, exportTimeSec: number): Uint8Array[] {
    if (this.ended) throw new Error('export file already ended');
    const out = this.group.length > 0 && (exportTimeSec !== this.groupTime || this.group.length >= MAX_GROUP) ? this.flush() : [];
    this.groupTime = exportTimeSec;
    this.group.push(r);
    return out;
  }

  /** The last messages of the file: the records still held, or the templates alone when no record came. */
  end(exportTimeSec: number): Uint8Array[] {
    if (this.ended) return [];
    const out = this.flush();
    this.ended = true;
    if (this.started) return out;
    this.started = true;
    return [this.encoder.templateMessage(exportTimeSec)];
  }

  private flush(): Uint8Array[] {
    if (this.group.length === 0) return [];
    const msgs = this.encoder.encode(this.group, this.groupTime, !this.started);
    this.started = true;
    this.group = [];
    return msgs;
  }
}
