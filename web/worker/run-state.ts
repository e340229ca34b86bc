// One run of the page: every finished record's JSON line goes at once to the JSON Lines output
// (written by the same shared function as `sipscope read`, kept in Blob storage, byte-sink.ts;
// the page reads a call's JSON from it), its ladder to the ladder store, and a small row to the
// page's list. The other downloads are built when clicked (downloads.ts), from the input this
// run read (`inputs`). No DOM, no worker API: it runs in Node too (tests, profiling).

import { groupKey, worstMos, type CallRecord } from '../../shared/record.ts';
import { jsonLineBytes } from '../../shared/output/format.ts';
import { factsExtra, factsOf } from '../../shared/filter.ts';
import { KpiCollector } from '../../shared/output/summary.ts';
import { isoTimestamp } from '../../shared/time.ts';
import type { RunOptions, SentRow } from '../worker-protocol.ts';
import type { BuiltDownload } from './downloads.ts';
import { ByteSink, NumberList } from './byte-sink.ts';
import { LadderStore, DEFAULT_LADDER_BUDGET, type FileReader } from './ladder-store.ts';

const NEWLINE = new Uint8Array([10]);

/** The options of a run that shape its outputs (the rest go to the tracker). */
export type RunStateOptions = Pick<RunOptions, 'timestampFormat' | 'ladderBudget'>;

/** How much of one input file a run read: a download reads exactly as much again. */
export interface InputRead {
  /** bytes given to the engine (after gzip inflation) */
  bytesFed: number;
  /** reading stopped there on purpose (Cancel) */
  stopped: boolean;
}

/** Everything a finished or running run keeps for the page. */
export class RunState {
  cancel = false;
  readonly ladders: LadderStore;
  /** the JSON Lines download, one line per record */
  readonly jsonl = new ByteSink('application/x-ndjson');
  /** the input files as far as they were read, in order */
  readonly inputs: InputRead[] = [];
  /** downloads built so far (a second click costs nothing) */
  readonly built = new Map<BuiltDownload, Promise<Blob>>();
  /** per record: offset and length of its JSON line in the JSONL output */
  readonly jsonOff = new NumberList();
  readonly jsonLen = new NumberList();
  records = 0;
  /** KPIs of the calls so far (the dashboard) */
  readonly kpis = new KpiCollector();

  /** `readFile` reads the run's files again (ladders whose messages were left in them) */
  constructor(
    readonly id: number,
    readonly options: RunStateOptions,
    readFile: FileReader | null = null,
  ) {
    this.ladders = new LadderStore(options.ladderBudget ?? DEFAULT_LADDER_BUDGET, readFile);
  }

  /** One finished record: its JSON line and ladder kept; its row for the list. */
  add(r: CallRecord): SentRow {
    const i = this.records++;
    const line = jsonLineBytes(r);
    this.jsonOff.push(this.jsonl.bytes(line));
    this.jsonLen.push(line.length);
    this.jsonl.bytes(NEWLINE);
    this.kpis.add(r);
    const ladder = this.ladders.add(i, r.ladder);
    r.ladder = undefined;
    return rowOf(i, r, ladder);
  }
}

function rowOf(i: number, r: CallRecord, ladder: boolean): SentRow {
  const start = r.SIP_INVITE_TIME ?? r.flow.start;
  return {
    i,
    callId: r.SIP_CALL_ID,
    leg: r.leg,
    fromTag: r.fromTag,
    callGroup: r.callGroup,
    correlatedBy: r.correlatedBy,
    groupKey: groupKey(r),
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
    extra: factsExtra(factsOf(r)),
  };
}
