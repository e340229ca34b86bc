// The protocol between the page and its engine worker (comlink): the API the worker exposes and
// every type that crosses between the two. The worker (worker/engine-worker.ts) implements
// EngineApi, the page reaches it through engine-client.ts; both import these types from here only.
// Type-only: importing this module pulls no code into either bundle.

import type { FileStatus } from '../shared/engine/engine.ts';
import type { FactsExtra, FilterFacts } from '../shared/filter.ts';
import type { Kpis } from '../shared/output/summary.ts';
import type { RunStats } from '../shared/analyzer.ts';
import type { Correlation, LadderEntry, Verdict } from '../shared/record.ts';
import type { TimestampFormat } from '../shared/time.ts';

// ---------------------------------------------------------------- the API

/**
 * What the worker exposes. Callbacks passed in are comlink proxies (Comlink.proxy) and are
 * released by the worker when the call ends; results are structured-cloned (a call's ladder bytes
 * are transferred).
 */
export interface EngineApi {
  /** Analyse files as one capture (in the given order): JSON Lines, for tests and scripting. */
  analyze(files: File[], opts?: AnalyzeOptions, onProgress?: (p: Progress) => void): Promise<AnalyzeResult>;
  /**
   * The page's run: rows and progress go to `onUpdate` (~10 a second; the first rows at once), the
   * summary (with the rows not yet sent) comes back when the input is done or cancelled. A new run
   * cancels the one before.
   */
  run(files: File[], options: RunOptions, onUpdate?: (u: RunUpdate) => void): Promise<RunSummary>;
  /** Stop reading the current run; the calls still open are exported, as at the end of a file. */
  cancel(): void;
  /** One call of a run: its JSON record and its ladder (fails once a newer run has started). */
  call(runId: number, i: number): Promise<CallData>;
  /**
   * Several legs of a run as one call (SPEC §9): each leg's JSON record, and the messages of all
   * of them on one ladder, in capture time order (fails once a newer run has started).
   */
  legs(runId: number, indices: number[]): Promise<LegsData>;
  /** A download: the bytes `sipscope read` writes for the same capture and options. */
  download(runId: number, kind: DownloadKind): Promise<Blob>;
  /**
   * The frames of these records' calls (SIP, RTP, RTCP) as a pcapng file: the bytes of
   * `sipscope extract FILE --filter … -o OUT.pcapng` for the same calls (SPEC §10); anonymised
   * (`--anonymize`) with a key made once per page.
   */
  extract(runId: number, indices: number[], anonymize?: boolean): Promise<Blob>;
  /**
   * A call's RTP streams over time (packet rate, loss, jitter in bins), by reading the run's files
   * again with a fresh engine that traces only those streams; nothing per packet is kept after.
   * A newer trace stops this one (it fails with "replaced").
   */
  trace(runId: number, i: number, onProgress?: (p: TraceProgress) => void): Promise<MediaTrace>;
}

// ---------------------------------------------------------------- analyze()

export interface AnalyzeOptions {
  allDialogs?: boolean;
  idleTimeout?: number;
}

export interface Progress {
  /** index of the file being read */
  file: number;
  /** bytes of that file read so far (compressed bytes for gzip) */
  bytes: number;
  /** records finished so far in this run */
  records: number;
}

export interface FileResult extends FileStatus {
  name: string;
  /** bytes of the file itself (compressed size for gzip) */
  bytesRead: number;
  /** the file could not be read or inflated */
  readError: string | null;
}

export interface AnalyzeResult {
  jsonl: string;
  fileStatus: FileResult[];
  stats: RunStats;
}

// ---------------------------------------------------------------- run() and what follows it

/** Options of a run in the page: the same meaning as the CLI options of the same name. */
export interface RunOptions {
  /** --all-dialogs */
  allDialogs?: boolean;
  /** --idle-timeout SEC */
  idleTimeout?: number;
  /** --established-timeout SEC */
  establishedTimeout?: number;
  /** --timestamp-format 0|1|2 (dump and CSV) */
  timestampFormat?: TimestampFormat;
  /** bytes of ladders kept in this run (default 256 MiB) */
  ladderBudget?: number;
}

/** The files a run offers for download (the same bytes as the CLI's outputs). */
export type DownloadKind = 'dump' | 'ipfix' | 'v9' | 'jsonl' | 'csv';

/** What the call list needs of a record, and nothing more. */
export interface CallRow {
  /** record number in the run (0-based; the line of the JSONL/CSV/dump downloads) */
  i: number;
  /** its number in time order (1-based), set by the page as rows arrive */
  n?: number;
  callId: string;
  /** SPEC §9: the leg of its Call-ID, 1, 2…, and the From-tag that names it */
  leg: number;
  fromTag: string;
  /** SPEC §9: the Call-ID of the earliest leg of its end-to-end call (its own when alone) */
  callGroup: string;
  /** SPEC §9: why it is tied to the other legs of its group ([] when alone) */
  correlatedBy: Correlation[];
  /** the group's identity in the page: callGroup, and which group of that name when a Call-ID
   *  named two (absent: callGroup) */
  groupKey?: string;
  from: string;
  to: string;
  state: string;
  /** SIP_INVITE_TIME (else the first message), epoch seconds */
  start: number;
  /** the same as UTC text with milliseconds */
  startText: string;
  setup: number | null;
  duration: number | null;
  code: number;
  cause: number;
  codecs: string;
  messages: number;
  retransmissions: number;
  duplicates: number;
  uac: string;
  uas: string;
  /** caller → callee signalling addresses */
  src: string;
  dst: string;
  transport: number;
  exportCause: string;
  exportedAt: number;
  rtpPackets: number;
  /** the worst RTP stream's MOS, null without media (SPEC §8) */
  mos: number | null;
  /** media verdicts, in SPEC §8 order; [] when all is well */
  verdicts: Verdict[];
  /** the ladder of this call was kept */
  ladder: boolean;
  /** what the list's filter reads (shared/filter.ts), made by the page as the row arrives */
  facts: FilterFacts;
}

/** A row as the worker sends it: without its facts, with what they need beyond its own fields
 *  (flat: a structured clone of the facts' nested lists cost more than the rest of the row). */
export type SentRow = Omit<CallRow, 'facts'> & { extra: FactsExtra };

export interface RunUpdate {
  runId: number;
  /** file being read, its bytes read so far, and bytes of all files read so far */
  file: number;
  fileBytes: number;
  bytes: number;
  records: number;
  /** rows of the records finished since the previous update */
  rows: SentRow[];
}

export interface LadderStoreStats {
  /** calls whose ladder is kept */
  kept: number;
  /** calls whose ladder was not kept (budget reached) */
  dropped: number;
  /** bytes stored */
  bytes: number;
  budget: number;
}

export interface RunSummary {
  runId: number;
  files: FileResult[];
  stats: RunStats;
  /** KPIs of the run's calls (`sipscope read --summary json`) */
  kpis: Kpis;
  records: number;
  /** the rows not yet sent in an update */
  rows: SentRow[];
  cancelled: boolean;
  /** the run stopped on an error (the records before it are kept) */
  error: string | null;
  ladders: LadderStoreStats;
  /** ms from the start of the run to the first record, and to the end */
  firstRecordMs: number | null;
  elapsedMs: number;
  /** ms of it the engine spent parsing (and the tracker and outputs working); the rest is reading */
  parseMs: number;
  options: RunOptions;
}

/** A call's ladder as it crosses to the page (each entry's bytes as their own Uint8Array), or why it was not kept. */
export type LadderData =
  | { kept: true; entries: LadderEntry[] /** messages left out (a call beyond MAX_MESSAGES, worker/ladder-store.ts) */; omitted: number }
  | { kept: false; reason: string };

export interface CallData {
  /** the record's JSON line (the same text as in the JSONL download) */
  json: string;
  ladder: LadderData;
}

/** One leg of LegsData: its record and whether its ladder was kept. */
export interface LegData {
  /** record number in the run */
  i: number;
  /** the record's JSON line */
  json: string;
  kept: boolean;
  /** messages left out of its ladder (beyond MAX_MESSAGES) */
  omitted: number;
  /** why the ladder was not kept, null when it was */
  reason: string | null;
}

/** The legs of one end-to-end call on one ladder. */
export interface LegsData {
  /** the legs asked for, in that order */
  legs: LegData[];
  /** every kept message of those legs, in capture time order (ties: frame number) */
  entries: LadderEntry[];
  /** per entry: the position in `legs` of the leg it belongs to */
  legOf: number[];
}

// ---------------------------------------------------------------- trace()

export interface TraceProgress {
  /** bytes of the run's files read so far, and of all of them */
  bytes: number;
  total: number;
}

/** One stream of a trace: a value per bin (bins without a packet: 0 packets, jitter null). */
export interface StreamSeries {
  /** packets received in the bin (duplicates included) */
  packets: number[];
  /** packets the sequence numbers say were sent in the bin (extended highest sequence, its increase) */
  expected: number[];
  /** the largest RFC 3550 jitter of the bin's packets, ms */
  jitterMs: (number | null)[];
}

export interface MediaTrace {
  /** epoch seconds where the first bin starts (the call's first RTP packet), and the width of a bin */
  start: number;
  binSec: number;
  bins: number;
  /** one per stream of the record's media[], in its order */
  streams: StreamSeries[];
  /** bytes of the files read, and whether the reading stopped once every stream had ended */
  bytes: number;
  stoppedEarly: boolean;
  ms: number;
  /** samples the engine could not hold between two takes (then the bins miss packets) */
  samplesDropped: number;
}
