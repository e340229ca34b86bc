// Ladders (every message of a call, with its bytes) kept for the calls of a run, in Blob storage
// (see byte-sink.ts), up to a budget: beyond it a call's ladder is not kept and the page says so.
// One call's ladder is stored as [u32 length][JSON of its distinct texts][u32 count][a fixed
// binary row per message][the bytes of the messages kept].
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
import { utf8Length } from '../../shared/header-values.ts';

/** Messages kept per call at most (a long-lived dialog with thousands of OPTIONS). */
export const MAX_MESSAGES = 5000;
/** Default budget of stored ladder bytes (messages and their descriptions). */
export const DEFAULT_LADDER_BUDGET = 256 << 20;

const utf8d = new TextDecoder();

const NO_BYTES = new Uint8Array(0);

/** Bytes [offset, offset + length) of input file `file` of the run. */
export type FileReader = (file: number, offset: number, length: number) => Promise<Uint8Array>;

/** Ranges of one file closer than this are read in one go. */
const READ_GAP = 64 << 10;

/** Transports by their number in a stored row. */
const TRANSPORTS: readonly LadderEntry['transport'][] = ['udp', 'tcp', 'sctp', 'ws'];

// One entry without its bytes: a fixed row of ROW bytes (little-endian); its texts (addresses,
// label, CSeq method, SDP summary) are numbers into the call's table of distinct texts, so a
// call's few addresses and labels are stored once. A third of the bytes of a JSON row.
const ROW = 64;
const R_FRAME = 0; // u32
const R_FILE = 4; // u16 fileIndex
const R_TRANSPORT = 6; // u8
const R_FLAGS = 7; // u8: F_*
const R_FILE_OFFSET = 8; // f64
const R_SEC = 16; // u32
const R_NSEC = 20; // u32
const R_DIGITS = 24; // u8
const R_SPORT = 26; // u16
const R_DPORT = 28; // u16
const R_CSEQ = 32; // u32
const R_RAW_LEN = 36; // u32
const R_RAW_AT = 40; // f64, -1: the bytes follow the rows
const R_RAW_HASH = 48; // u32
const R_SRC = 52; // u16 text numbers…
const R_DST = 54;
const R_LABEL = 56;
const R_CSEQ_METHOD = 58;
const R_SDP = 60; // 0xffff: no SDP
const F_REQUEST = 1;
const F_RETRANSMISSION = 2;
const F_DUPLICATE = 4;
const F_FROM_CALLER = 8;
const NO_TEXT = 0xffff;

/** Distinct texts of one ladder, numbered in order of first use. A call has a handful (its
 *  addresses, methods, statuses): a look along the list beats hashing each string. */
class Texts {
  readonly list: string[] = [];
  private index: Map<string, number> | null = null;
  of(s: string): number {
    const list = this.list;
    if (this.index === null) {
      for (let i = 0; i < list.length; i++) if (list[i] === s) return i;
      list.push(s);
      if (list.length > 16) this.index = new Map(list.map((t, i) => [t, i]));
      return list.length - 1;
    }
    let i = this.index.get(s);
    if (i === undefined) {
      i = list.length;
      list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** The rows of `entries` into `out` (ROW bytes each), their texts into `texts`. */
function writeRows(entries: readonly LadderEntry[], out: DataView, texts: Texts): void {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    const o = k * ROW;
    out.setUint32(o + R_FRAME, e.frame, true);
    out.setUint16(o + R_FILE, e.fileIndex, true);
    out.setUint8(o + R_TRANSPORT, Math.max(0, TRANSPORTS.indexOf(e.transport)));
    out.setUint8(
      o + R_FLAGS,
      (e.isRequest ? F_REQUEST : 0) |
        (e.retransmission ? F_RETRANSMISSION : 0) |
        (e.duplicate ? F_DUPLICATE : 0) |
        (e.fromCaller ? F_FROM_CALLER : 0),
    );
    out.setFloat64(o + R_FILE_OFFSET, e.fileOffset, true);
    out.setUint32(o + R_SEC, e.ts.sec, true);
    out.setUint32(o + R_NSEC, e.ts.nsec, true);
    out.setUint8(o + R_DIGITS, e.ts.digits);
    out.setUint16(o + R_SPORT, e.sport, true);
    out.setUint16(o + R_DPORT, e.dport, true);
    out.setUint32(o + R_CSEQ, e.cseq, true);
    // kept bytes: as many as are stored after the rows
    out.setUint32(o + R_RAW_LEN, e.rawAt < 0 ? e.raw.length : e.rawLen, true);
    out.setFloat64(o + R_RAW_AT, e.rawAt, true);
    out.setUint32(o + R_RAW_HASH, e.rawHash, true);
    out.setUint16(o + R_SRC, texts.of(e.src), true);
    out.setUint16(o + R_DST, texts.of(e.dst), true);
    out.setUint16(o + R_LABEL, texts.of(e.label), true);
    out.setUint16(o + R_CSEQ_METHOD, texts.of(e.cseqMethod), true);
    out.setUint16(o + R_SDP, e.sdp === null ? NO_TEXT : texts.of(e.sdp), true);
  }
}

/** Row k of `rows` as an entry (its bytes in `raw`). */
function entryAt(rows: DataView, k: number, texts: readonly string[], raw: Uint8Array): LadderEntry {
  const o = k * ROW;
  const flags = rows.getUint8(o + R_FLAGS);
  const sdp = rows.getUint16(o + R_SDP, true);
  return {
    frame: rows.getUint32(o + R_FRAME, true),
    fileIndex: rows.getUint16(o + R_FILE, true),
    fileOffset: rows.getFloat64(o + R_FILE_OFFSET, true),
    ts: { sec: rows.getUint32(o + R_SEC, true), nsec: rows.getUint32(o + R_NSEC, true), digits: rows.getUint8(o + R_DIGITS) },
    src: texts[rows.getUint16(o + R_SRC, true)],
    sport: rows.getUint16(o + R_SPORT, true),
    dst: texts[rows.getUint16(o + R_DST, true)],
    dport: rows.getUint16(o + R_DPORT, true),
    transport: TRANSPORTS[rows.getUint8(o + R_TRANSPORT)],
    label: texts[rows.getUint16(o + R_LABEL, true)],
    isRequest: (flags & F_REQUEST) !== 0,
    cseq: rows.getUint32(o + R_CSEQ, true),
    cseqMethod: texts[rows.getUint16(o + R_CSEQ_METHOD, true)],
    retransmission: (flags & F_RETRANSMISSION) !== 0,
    duplicate: (flags & F_DUPLICATE) !== 0,
    sdp: sdp === NO_TEXT ? null : texts[sdp],
    fromCaller: (flags & F_FROM_CALLER) !== 0,
    raw,
    rawAt: rows.getFloat64(o + R_RAW_AT, true),
    rawLen: rows.getUint32(o + R_RAW_LEN, true),
    rawHash: rows.getUint32(o + R_RAW_HASH, true),
  };
}

export class LadderStore {
  private readonly sink = new ByteSink();
  /** per record index: offset and length in the sink (-1: not kept), and omitted messages */
  private readonly off = new NumberList();
  private readonly len = new NumberList();
  private readonly omitted = new NumberList();
  private st: LadderStoreStats;
  /** rows of the ladder being stored (reused: a fresh buffer per call costs Chromium more) */
  private rows = new DataView(new ArrayBuffer(64 * ROW));
  private readonly countBytes = new Uint8Array(4);
  private readonly count = new DataView(this.countBytes.buffer);

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
    // a cheap size check first: the bytes alone over the budget need no rows
    if (this.st.bytes + rawBytes > this.st.budget) return this.drop();
    const rowBytes = shown.length * ROW;
    if (this.rows.byteLength < rowBytes) this.rows = new DataView(new ArrayBuffer(Math.max(rowBytes, this.rows.byteLength * 2)));
    const texts = new Texts();
    writeRows(shown, this.rows, texts);
    const json = JSON.stringify(texts.list);
    const size = 4 + utf8Length(json) + 4 + rowBytes + rawBytes;
    if (this.st.bytes + size > this.st.budget) return this.drop();
    // [length][JSON of the texts][u32 rows][rows][bytes of each message not left in its file]
    const at = this.sink.size;
    this.sink.textWithLength(json);
    this.count.setUint32(0, shown.length, true);
    this.sink.bytes(this.countBytes);
    this.sink.bytes(new Uint8Array(this.rows.buffer, 0, rowBytes));
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
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = dv.getUint32(0, true);
    const texts = JSON.parse(utf8d.decode(buf.subarray(4, 4 + n))) as string[];
    const count = dv.getUint32(4 + n, true);
    const rows = new DataView(buf.buffer, buf.byteOffset + 8 + n, count * ROW);
    let p = 8 + n + count * ROW;
    const entries: LadderEntry[] = [];
    for (let k = 0; k < count; k++) {
      const e = entryAt(rows, k, texts, NO_BYTES);
      if (e.rawAt < 0) {
        e.raw = buf.subarray(p, p + e.rawLen);
        p += e.rawLen;
      }
      entries.push(e);
    }
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
