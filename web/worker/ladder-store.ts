// Ladders (every message of a call, with its bytes) kept for the calls of a run, in Blob storage
// (see byte-sink.ts), up to a budget: beyond it a call's ladder is not kept and the page says so.
// One call's ladder is stored as [u32 length of the JSON][JSON of the entries][their bytes…].
// A message whose bytes lie in its capture file as they are (LadderEntry.rawAt: one frame, a file
// that is not gzip) is stored without them: they are read again from the file when the ladder is
// shown, and checked against the core's hash. Copying every message out of the engine and into
// Blob storage was most of what the page spent beyond the analysis (docs/PROFILE.md).
// The legs of one end-to-end call (SPEC §9) are read together as one ladder (getLegs).

import type { LadderEntry } from '../../shared/record.ts';
import { compareTimestamps } from '../../shared/time.ts';
import type { LadderData, LadderStoreStats, LegsData } from '../worker-protocol.ts';
import { ByteSink, NumberList } from './byte-sink.ts';
import { hashBytes } from '../../shared/bytes-hash.ts';

/** Messages kept per call at most (a long-lived dialog with thousands of OPTIONS). */
export const MAX_MESSAGES = 5000;
/** Default budget of stored ladder bytes (messages and their descriptions). */
export const DEFAULT_LADDER_BUDGET = 256 << 20;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

const NO_BYTES = new Uint8Array(0);

/** UTF-8 length of a string (the JSON of a ladder is nearly always ASCII). */
function utf8Length(s: string): number {
  return /[^\x00-\x7f]/.test(s) ? utf8.encode(s).length : s.length;
}

/** Bytes [offset, offset + length) of input file `file` of the run. */
export type FileReader = (file: number, offset: number, length: number) => Promise<Uint8Array>;

/** Ranges of one file closer than this are read in one go. */
const READ_GAP = 64 << 10;

/** One entry without its bytes, as a JSON array (objects with spread cost 3× more per call). */
type Row = [
  frame: number,
  fileIndex: number,
  fileOffset: number,
  sec: number,
  nsec: number,
  digits: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  transport: LadderEntry['transport'],
  label: string,
  isRequest: 0 | 1,
  cseq: number,
  cseqMethod: string,
  retransmission: 0 | 1,
  duplicate: 0 | 1,
  sdp: string | null,
  fromCaller: 0 | 1,
  rawLen: number,
  rawAt: number,
  rawHash: number,
];

function rowOf(e: LadderEntry): Row {
  return [
    e.frame,
    e.fileIndex,
    e.fileOffset,
    e.ts.sec,
    e.ts.nsec,
    e.ts.digits,
    e.src,
    e.sport,
    e.dst,
    e.dport,
    e.transport,
    e.label,
    e.isRequest ? 1 : 0,
    e.cseq,
    e.cseqMethod,
    e.retransmission ? 1 : 0,
    e.duplicate ? 1 : 0,
    e.sdp,
    e.fromCaller ? 1 : 0,
    e.rawLen,
    e.rawAt,
    e.rawHash,
  ];
}

function entryOf(r: Row, raw: Uint8Array): LadderEntry {
  return {
    frame: r[0],
    fileIndex: r[1],
    fileOffset: r[2],
    ts: { sec: r[3], nsec: r[4], digits: r[5] },
    src: r[6],
    sport: r[7],
    dst: r[8],
    dport: r[9],
    transport: r[10],
    label: r[11],
    isRequest: r[12] === 1,
    cseq: r[13],
    cseqMethod: r[14],
    retransmission: r[15] === 1,
    duplicate: r[16] === 1,
    sdp: r[17],
    fromCaller: r[18] === 1,
    raw,
    rawAt: r[20],
    rawLen: r[19],
    rawHash: r[21],
  };
}

export class LadderStore {
  private readonly sink = new ByteSink();
  /** per record index: offset and length in the sink (-1: not kept), and omitted messages */
  private readonly off = new NumberList();
  private readonly len = new NumberList();
  private readonly omitted = new NumberList();
  private st: LadderStoreStats;

  constructor(
    budget = DEFAULT_LADDER_BUDGET,
    private readonly readFile: FileReader | null = null,
  ) {
    this.st = { kept: 0, dropped: 0, bytes: 0, budget };
  }

  get stats(): LadderStoreStats {
    return { ...this.st };
  }

  /** Keep the ladder of record `index` (records are added in index order). Returns whether it was kept. */
  add(index: number, ladder: readonly LadderEntry[] | undefined): boolean {
    if (index !== this.off.length) throw new Error(`ladder store: record ${index} out of order`);
    const entries = ladder ?? [];
    const shown = entries.length > MAX_MESSAGES ? entries.slice(0, MAX_MESSAGES) : entries;
    let rawBytes = 0;
    for (const e of shown) rawBytes += e.rawAt < 0 ? e.raw.length : 0;
    // a cheap size check first: the bytes alone over the budget need no JSON
    if (this.st.bytes + rawBytes > this.st.budget) return this.drop();
    const json = JSON.stringify(shown.map(rowOf));
    const size = 4 + utf8Length(json) + rawBytes;
    if (this.st.bytes + size > this.st.budget) return this.drop();
    // [length of the JSON][JSON][bytes of each message not left in its file], written in place
    const at = this.sink.size;
    this.sink.textWithLength(json);
    for (const e of shown) if (e.rawAt < 0) this.sink.bytes(e.raw);
    this.off.push(at);
    this.len.push(size);
    this.omitted.push(entries.length - shown.length);
    this.st.bytes += size;
    this.st.kept++;
    return true;
  }

  private drop(): false {
    this.off.push(-1);
    this.len.push(0);
    this.omitted.push(0);
    this.st.dropped++;
    return false;
  }

  kept(index: number): boolean {
    return this.off.get(index) >= 0;
  }

  async get(index: number): Promise<LadderData> {
    const at = this.off.get(index);
    if (Number.isNaN(at)) return { kept: false, reason: 'no such call' };
    if (at < 0) {
      return {
        kept: false,
        reason: `ladder not kept: the ladder memory limit (${Math.round(this.st.budget / 2 ** 20)} MiB of messages) was reached before this call ended`,
      };
    }
    const buf = new Uint8Array(await this.sink.read(at, this.len.get(index)));
    const n = new DataView(buf.buffer, buf.byteOffset).getUint32(0, true);
    const rows = JSON.parse(utf8d.decode(buf.subarray(4, 4 + n))) as Row[];
    let p = 4 + n;
    const entries = rows.map((r) => {
      if (r[20] >= 0) return entryOf(r, NO_BYTES);
      const raw = buf.subarray(p, p + r[19]);
      p += r[19];
      return entryOf(r, raw);
    });
    const problem = await this.fromFiles(entries);
    if (problem) return { kept: false, reason: problem };
    return { kept: true, entries, omitted: this.omitted.get(index) };
  }

  /** The bytes of the entries that were left in their files, read again (nearby ones in one
   *  read) and checked; a problem as one line, or null. */
  private async fromFiles(entries: LadderEntry[]): Promise<string | null> {
    const wanted = entries.filter((e) => e.rawAt >= 0).sort((a, b) => a.fileIndex - b.fileIndex || a.rawAt - b.rawAt);
    if (wanted.length === 0) return null;
    if (!this.readFile) return 'the messages of this call are in its capture file, which is not open here';
    for (let i = 0; i < wanted.length; ) {
      const first = wanted[i];
      let end = first.rawAt + first.rawLen;
      let j = i + 1;
      while (j < wanted.length && wanted[j].fileIndex === first.fileIndex && wanted[j].rawAt <= end + READ_GAP) {
        end = Math.max(end, wanted[j].rawAt + wanted[j].rawLen);
        j++;
      }
      let bytes: Uint8Array;
      try {
        bytes = await this.readFile(first.fileIndex, first.rawAt, end - first.rawAt);
      } catch (err) {
        return `the capture file could not be read again: ${err instanceof Error ? err.message : String(err)}`;
      }
      for (; i < j; i++) {
        const e = wanted[i];
        const raw = bytes.subarray(e.rawAt - first.rawAt, e.rawAt - first.rawAt + e.rawLen);
        if (raw.length !== e.rawLen || hashBytes(raw) !== e.rawHash)
          return 'the capture file changed after it was read: open it again to see this ladder';
        e.raw = raw;
      }
    }
    return null;
  }

  /**
   * The ladders of several records (the legs of one call) as one: every kept message in capture
   * time order, ties by frame number, each tagged with the leg it came from. Each leg's JSON is
   * the caller's to add (`json` is left '').
   */
  async getLegs(indices: readonly number[]): Promise<LegsData> {
    const got = await Promise.all(indices.map((i) => this.get(i)));
    const entries: LadderEntry[] = [];
    const legOf: number[] = [];
    const legs = got.map((d, k) => {
      if (d.kept)
        for (const e of d.entries) {
          entries.push(e);
          legOf.push(k);
        }
      return { i: indices[k], json: '', kept: d.kept, omitted: d.kept ? d.omitted : 0, reason: d.kept ? null : d.reason };
    });
    const order = entries.map((_, k) => k);
    order.sort((a, b) => compareTimestamps(entries[a].ts, entries[b].ts) || entries[a].frame - entries[b].frame || a - b);
    return { legs, entries: order.map((k) => entries[k]), legOf: order.map((k) => legOf[k]) };
  }
}
