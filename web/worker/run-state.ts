// One run of the page: every finished record goes at once to the outputs the page can download
// — JSON Lines, CSV, the dump file, the .ipfix and NetFlow v9 files — built by the same shared
// functions as `sipscope read` (so the bytes are the same) and kept in Blob storage
// (byte-sink.ts), its ladder to the ladder store, and a small row for the page's list.
// No DOM, no worker API: it runs in Node too (tests, profiling).

import type { CallRecord } from '../../shared/record.ts';
import { CSV_EOL, csvHeader, csvLine, dumpHeader, dumpLine, jsonLine } from '../../shared/output/format.ts';
import { DEFAULT_TEMPLATE } from '../../shared/output/fields.ts';
import { isoTimestamp, type TimestampFormat } from '../../shared/time.ts';
import { FlowEncoder } from '../../shared/output/ipfix.ts';
import { ExportFileBuilder, captureExportTime } from '../../shared/output/export-file.ts';
import type { CallRow, DownloadKind, RunOptions } from '../worker-protocol.ts';
import { ByteSink, NumberList } from './byte-sink.ts';
import { LadderStore, DEFAULT_LADDER_BUDGET } from './ladder-store.ts';

/** The options of a run that shape its outputs (the rest go to the tracker). */
export type RunStateOptions = Pick<RunOptions, 'timestampFormat' | 'ladderBudget'>;

/** Everything a finished or running run keeps for the page. */
export class RunState {
  cancel = false;
  readonly ladders: LadderStore;
  readonly sinks: Record<DownloadKind, ByteSink> = {
    jsonl: new ByteSink('application/x-ndjson'),
    csv: new ByteSink('text/csv'),
    dump: new ByteSink('text/plain'),
    ipfix: new ByteSink('application/octet-stream'),
    v9: new ByteSink('application/octet-stream'),
  };
  /** per record: offset and length of its JSON line in the JSONL output */
  readonly jsonOff = new NumberList();
  readonly jsonLen = new NumberList();
  records = 0;
  private readonly tsFormat: TimestampFormat;
  private readonly ipfix = new ExportFileBuilder(new FlowEncoder({ format: 'ipfix' }));
  private readonly v9 = new ExportFileBuilder(new FlowEncoder({ format: 'v9' }));

  constructor(
    readonly id: number,
    readonly options: RunStateOptions,
  ) {
    this.tsFormat = options.timestampFormat ?? 1;
    this.ladders = new LadderStore(options.ladderBudget ?? DEFAULT_LADDER_BUDGET);
    // the first lines of the files, as `sipscope read --format csv` and `--dump-file` write them
    this.sinks.csv.text(csvHeader(DEFAULT_TEMPLATE, ',') + CSV_EOL);
    this.sinks.dump.text(dumpHeader(DEFAULT_TEMPLATE, '|') + '\n');
  }

  /** One finished record into every output; its row for the list. */
  add(r: CallRecord): CallRow {
    const i = this.records++;
    const lo = { timestampFormat: this.tsFormat };
    const [off, len] = this.sinks.jsonl.text(jsonLine(r) + '\n');
    this.jsonOff.push(off);
    this.jsonLen.push(len - 1);
    this.sinks.csv.text(csvLine(r, DEFAULT_TEMPLATE, { ...lo, separator: ',' }) + CSV_EOL);
    this.sinks.dump.text(dumpLine(r, DEFAULT_TEMPLATE, { ...lo, separator: '|' }) + '\n');
    const t = captureExportTime(r);
    for (const m of this.ipfix.add(r, t)) this.sinks.ipfix.bytes(m);
    for (const m of this.v9.add(r, t)) this.sinks.v9.bytes(m);
    const ladder = this.ladders.add(i, r.ladder);
    r.ladder = undefined;
    return rowOf(i, r, ladder);
  }

  /** End of input: what the CLI writes when it closes its files. */
  end(captureNow: number): void {
    const t = Math.floor(captureNow);
    for (const m of this.ipfix.end(t)) this.sinks.ipfix.bytes(m);
    for (const m of this.v9.end(t)) this.sinks.v9.bytes(m);
  }

  sizes(): Record<DownloadKind, number> {
    const s = {} as Record<DownloadKind, number>;
    for (const k of Object.keys(this.sinks) as DownloadKind[]) s[k] = this.sinks[k].size;
    return s;
  }
}

function rowOf(i: number, r: CallRecord, ladder: boolean): CallRow {
  const start = r.SIP_INVITE_TIME ?? r.flow.start;
  return {
    i,
    callId: r.SIP_CALL_ID,
    leg: r.leg,
    fromTag: r.fromTag,
    callGroup: r.callGroup,
    correlatedBy: r.correlatedBy,
    groupKey: `${r.callGroup}\n${r.groupSeq ?? 0}`,
    from: r.SIP_CALLING_PARTY,
    to: r.SIP_CALLED_PARTY,
    state: r.SIP_CALL_STATE,
    start: start.sec + start.nsec / 1e9,
    startText: isoTimestamp(start, ' ', Math.min(3, start.digits)).slice(0, -1),
    setup: r.setupSec,
    duration: r.durationSec,
    code: r.SIP_RESPONSE_CODE,
    cause: r.SIP_REASON_CAUSE,
    codecs: r.SIP_RTP_CODECS,
    messages: r.messages,
    retransmissions: r.retransmissions,
    duplicates: r.duplicates,
    uac: r.SIP_UAC,
    uas: r.SIP_UAS,
    src: r.flow.ipVersion === 6 ? `[${r.flow.src}]:${r.flow.sport}` : `${r.flow.src}:${r.flow.sport}`,
    dst: r.flow.ipVersion === 6 ? `[${r.flow.dst}]:${r.flow.dport}` : `${r.flow.dst}:${r.flow.dport}`,
    transport: r.flow.protocol,
    exportCause: r.exportCause,
    exportedAt: r.exportedAt,
    rtpPackets: r.rtpPackets,
    mos: worstMos(r),
    verdicts: r.verdicts,
    ladder,
  };
}

/** The lowest MOS of the call's streams (the CLI table's MOS column), null without streams. */
function worstMos(r: CallRecord): number | null {
  let mos: number | null = null;
  for (const m of r.media) if (mos === null || m.mos < mos) mos = m.mos;
  return mos;
}
