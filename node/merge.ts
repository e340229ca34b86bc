// `read --merge`: captures of the same traffic taken at different points, read as one capture in
// timestamp order. Each file is read record by record (pcap or pcapng, gzip or not) and the
// records are merged k-way (one pending record per file, reads in pieces that share 16 MiB:
// memory does not grow with the size of the files). The merged stream is a pcapng with one
// interface per source interface (its link type, clock resolution and offset kept, each
// timestamp copied as written), fed to the engine as one capture. A packet seen at two points is
// then two frames, as in a capture taken where both pass.

import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Engine, FileStatus } from '../shared/engine/engine.ts';
import { boundYoungGeneration } from './heap.ts';

/** Read-ahead of all inputs together: each reads pieces of an even share of it (64 KiB … 1 MiB). */
const READ_AHEAD = 16 << 20;
/** A record larger than this is not from a sane capture (the core's own bound). */
const MAX_RECORD = 1 << 20;

/** A record of one input: its bytes are buf[at, at + caplen) (valid until its next record). One
 *  object per input, rewritten for each record: nothing is allocated per packet. */
interface Rec {
  /** when, for the merge's order (if_tsoffset included) */
  sec: number;
  nsec: number;
  /** the timestamp as the source wrote it, in its interface's resolution: written back as is */
  hi: number;
  lo: number;
  /** the merged interface */
  iface: number;
  buf: Uint8Array;
  at: number;
  caplen: number;
  origLen: number;
}

/** What became of one input. */
export interface MergeInput {
  path: string;
  records: number;
  bytesRead: number;
  /** why it stopped early (damaged, truncated, unreadable), null when read to its end */
  problem: string | null;
}

/**
 * Bytes of one file in a buffer of its own, refilled in place (no allocation per piece): a plain
 * file is read straight into it, a gzip one inflated into it. A record handed out is a view of
 * the buffer, valid until the reader's next record (the merge writes it before asking).
 */
class ByteSource {
  private buf: Uint8Array;
  private dv: DataView;
  private off = 0;
  private len = 0;
  private ended = false;
  /** plain file: where the next read starts; gzip: inflated bytes left over from the last chunk */
  private filePos = 0;
  private spill: Uint8Array | null = null;
  /** bytes of the file consumed by records (for "at byte N") */
  pos = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly inflated: AsyncIterator<Uint8Array> | null,
    piece: number,
    readonly raw: () => number,
  ) {
    this.buf = new Uint8Array(piece);
    this.dv = new DataView(this.buf.buffer);
  }

  static async open(path: string, piece: number): Promise<ByteSource> {
    const fh = await open(path, 'r');
    try {
      const head = new Uint8Array(2);
      await fh.read(head, 0, 2, 0);
      if (head[0] === 0x1f && head[1] === 0x8b) {
        const stream = fh.createReadStream({ start: 0, autoClose: false, highWaterMark: piece });
        const gunzip = createGunzip({ chunkSize: Math.min(piece, 64 << 10) });
        stream.on('error', (e) => gunzip.destroy(e));
        const it = (stream.pipe(gunzip) as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        return new ByteSource(fh, it, piece, () => stream.bytesRead);
      }
      const src: ByteSource = new ByteSource(fh, null, piece, () => src.filePos);
      return src;
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** At least n bytes at base(); false when the file ends before. */
  async need(n: number): Promise<boolean> {
    while (this.len - this.off < n) {
      if (this.ended) return false;
      // keep the unread rest at the front; a record larger than the buffer grows it (rare)
      if (this.off > 0) {
        this.buf.copyWithin(0, this.off, this.len);
        this.len -= this.off;
        this.off = 0;
      }
      if (n > this.buf.length) {
        const bigger = new Uint8Array(n);
        bigger.set(this.buf.subarray(0, this.len));
        this.buf = bigger;
        this.dv = new DataView(bigger.buffer);
      }
      const got = await this.fill(this.buf.length - this.len);
      if (got === 0) this.ended = true;
    }
    return true;
  }

  private async fill(room: number): Promise<number> {
    if (this.inflated === null) {
      const { bytesRead } = await this.fh.read(this.buf, this.len, room, this.filePos);
      this.filePos += bytesRead;
      this.len += bytesRead;
      return bytesRead;
    }
    let got = 0;
    while (got < room) {
      let c = this.spill;
      this.spill = null;
      if (c === null) {
        const r = await this.inflated.next();
        if (r.done) break;
        c = r.value;
      }
      const take = Math.min(c.length, room - got);
      this.buf.set(c.subarray(0, take), this.len);
      this.len += take;
      got += take;
      if (take < c.length) this.spill = c.subarray(take);
    }
    return got;
  }

  /** Nothing left at all. */
  async atEnd(): Promise<boolean> {
    return !(await this.need(1));
  }
  /** The buffer's view, and where the unread bytes start in it. */
  get view(): DataView {
    return this.dv;
  }
  get base(): number {
    return this.off;
  }
  get bytes(): Uint8Array {
    return this.buf;
  }
  skip(n: number): void {
    this.off += n;
    this.pos += n;
  }
  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

interface Iface {
  link: number;
  /** ticks per second is 10^exp (pow2: 2^exp) */
  exp: number;
  pow2: boolean;
  offsetSec: number;
  merged: number;
}

/** Records of one capture file in file order. */
class Reader {
  private src!: ByteSource;
  private pcapng = false;
  private little = true;
  private nanos = false;
  private link = 0;
  private ifaces: Iface[] = [];
  private rec: Rec = { sec: 0, nsec: 0, hi: 0, lo: 0, iface: 0, buf: new Uint8Array(0), at: 0, caplen: 0, origLen: 0 };
  readonly result: MergeInput;

  constructor(
    readonly path: string,
    private readonly piece: number,
    private readonly newIface: (link: number, exp: number, pow2: boolean, offsetSec: number) => number,
  ) {
    this.result = { path, records: 0, bytesRead: 0, problem: null };
  }

  async start(): Promise<void> {
    try {
      this.src = await ByteSource.open(this.path, this.piece);
      if (!(await this.src.need(24)))
        return this.fail((await this.src.atEnd()) ? 'the file is empty' : 'not a pcap or pcapng capture (--merge reads those two)');
      const v = this.src.view;
      const b = this.src.base;
      const m = v.getUint32(b, true);
      if (m === 0x0a0d0d0a) {
        this.pcapng = true;
        return;
      }
      const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
      const be = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
      if (!le && !be) return this.fail('not a pcap or pcapng capture (--merge reads those two)');
      this.little = le;
      this.nanos = m === 0xa1b23c4d || m === 0x4d3cb2a1;
      this.link = v.getUint32(b + 20, this.little) & 0x0fffffff;
      this.src.skip(24);
      const exp = this.nanos ? 9 : 6;
      this.ifaces.push({ link: this.link, exp, pow2: false, offsetSec: 0, merged: this.newIface(this.link, exp, false, 0) });
    } catch (e) {
      this.fail((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
    }
  }

  private fail(why: string): void {
    this.result.problem ??= why;
  }

  /** The next record, null at the end (or when the file stops: result.problem says why). */
  async next(): Promise<Rec | null> {
    if (this.result.problem !== null || !this.src) return null;
    try {
      const r = this.pcapng ? await this.nextBlock() : await this.nextRecord();
      if (r) this.result.records++;
      return r;
    } catch (e) {
      this.fail((e as Error).message);
      return null;
    }
  }

  private async nextRecord(): Promise<Rec | null> {
    if (await this.src.atEnd()) return null;
    if (!(await this.src.need(16))) return this.stop('the file ends in the middle of a record (truncated capture)');
    let v = this.src.view;
    let b = this.src.base;
    const caplen = v.getUint32(b + 8, this.little);
    if (caplen > MAX_RECORD) return this.stop('a record has an impossible length: the file is damaged');
    if (!(await this.src.need(16 + caplen))) return this.stop('the file ends in the middle of a record (truncated capture)');
    v = this.src.view;
    b = this.src.base;
    const sec = v.getUint32(b, this.little);
    const frac = v.getUint32(b + 4, this.little);
    const origLen = v.getUint32(b + 12, this.little);
    const r = this.rec;
    r.sec = sec;
    r.nsec = this.nanos ? frac : frac * 1000;
    if (this.nanos) {
      const ticks = BigInt(sec) * 1_000_000_000n + BigInt(frac);
      r.hi = Number(ticks >> 32n);
      r.lo = Number(ticks & 0xffffffffn);
    } else {
      // below 2^53: exact in doubles
      const ticks = sec * 1_000_000 + frac;
      r.hi = Math.floor(ticks / 4294967296);
      r.lo = ticks - r.hi * 4294967296;
    }
    r.iface = this.ifaces[0].merged;
    r.buf = this.src.bytes;
    r.at = b + 16;
    r.caplen = caplen;
    r.origLen = origLen;
    this.src.skip(16 + caplen);
    return r;
  }

  private async nextBlock(): Promise<Rec | null> {
    while (true) {
      if (await this.src.atEnd()) return null;
      if (!(await this.src.need(12))) return this.stop('the file ends in the middle of a record (truncated capture)');
      let v = this.src.view;
      let b = this.src.base;
      if (v.getUint32(b, true) === 0x0a0d0d0a) {
        const bom = v.getUint32(b + 8, true);
        if (bom === 0x1a2b3c4d) this.little = true;
        else if (bom === 0x4d3c2b1a) this.little = false;
        else return this.stop('a pcapng block is damaged');
        this.ifaces = []; // a new section: its own interfaces
      }
      const type = v.getUint32(b, this.little);
      const blen = v.getUint32(b + 4, this.little);
      if (blen < 12 || (blen & 3) !== 0 || blen > MAX_RECORD + 64) return this.stop('a pcapng block is damaged');
      if (!(await this.src.need(blen))) return this.stop('the file ends in the middle of a record (truncated capture)');
      v = this.src.view;
      b = this.src.base;
      if (v.getUint32(b + blen - 4, this.little) !== blen) return this.stop('a pcapng block is damaged');
      const r = this.rec;
      let found = false;
      if (type === 1) this.addInterface(v, b, blen);
      else if (type === 6 || type === 2) {
        const id = type === 6 ? v.getUint32(b + 8, this.little) : v.getUint16(b + 8, this.little);
        const caplen = v.getUint32(b + 20, this.little);
        const iface = this.ifaces[id];
        if (iface !== undefined && blen >= 32 && caplen <= blen - 32) {
          r.hi = v.getUint32(b + 12, this.little);
          r.lo = v.getUint32(b + 16, this.little);
          this.time(iface, r.hi, r.lo, r);
          r.iface = iface.merged;
          r.at = b + 28;
          r.caplen = caplen;
          r.origLen = v.getUint32(b + 24, this.little);
          found = true;
        }
      } else if (type === 3 && this.ifaces.length > 0 && blen >= 16) {
        // simple packet block: interface 0, no time of its own (the previous packet's, kept in r)
        r.origLen = v.getUint32(b + 8, this.little);
        r.caplen = Math.min(r.origLen, blen - 16);
        r.iface = this.ifaces[0].merged;
        r.at = b + 12;
        found = true;
      }
      this.src.skip(blen);
      if (found) {
        r.buf = this.src.bytes;
        return r;
      }
    }
  }

  private addInterface(v: DataView, b: number, blen: number): void {
    const link = v.getUint16(b + 8, this.little);
    const f: Iface = { link, exp: 6, pow2: false, offsetSec: 0, merged: -1 };
    for (let o = 16; o + 4 <= blen - 4; ) {
      const code = v.getUint16(b + o, this.little);
      const len = v.getUint16(b + o + 2, this.little);
      if (code === 0) break;
      if (code === 9 && len >= 1) {
        const r = v.getUint8(b + o + 4);
        f.pow2 = (r & 0x80) !== 0;
        f.exp = r & 0x7f;
      } else if (code === 14 && len >= 8) {
        f.offsetSec = Number(v.getBigInt64(b + o + 4, this.little));
      }
      o += 4 + ((len + 3) & ~3);
    }
    f.merged = this.newIface(link, f.exp, f.pow2, f.offsetSec);
    this.ifaces.push(f);
  }

  /** Seconds and nanoseconds of a 64-bit pcapng timestamp in the interface's resolution (into r);
   *  exact in doubles below 2^53 ticks (microseconds until the year 2255), else in BigInt. */
  private time(f: Iface, hi: number, lo: number, r: Rec): void {
    if (!f.pow2 && f.exp <= 9 && hi < 0x200000) {
      const ticks = hi * 4294967296 + lo;
      const per = 10 ** f.exp;
      const sec = Math.floor(ticks / per);
      r.sec = sec + f.offsetSec;
      r.nsec = (ticks - sec * per) * 10 ** (9 - f.exp);
      return;
    }
    const ticks = (BigInt(hi) << 32n) | BigInt(lo);
    const per = f.pow2 ? 1n << BigInt(f.exp) : 10n ** BigInt(f.exp);
    r.sec = Number(ticks / per) + f.offsetSec;
    r.nsec = Number(((ticks % per) * 1_000_000_000n) / per);
  }

  private stop(why: string): null {
    this.fail(`${why} (at byte ${this.src.pos})`);
    return null;
  }

  async close(): Promise<void> {
    if (!this.src) return;
    this.result.bytesRead = this.src.raw();
    await this.src.close();
  }
}

/** The merged capture: a pcapng written straight into the engine's input window (one copy). */
class PcapngOut {
  private w: Uint8Array | null = null;
  private dv: DataView | null = null;
  private n = 0;
  /** the window was handed to the core since the caller last looked */
  committed = false;

  constructor(private readonly engine: Engine) {
    // section header: byte-order magic, version 1.0, section length unknown
    this.block(0x0a0d0d0a, 28, (v, o) => {
      v.setUint32(o + 8, 0x1a2b3c4d, true);
      v.setUint16(o + 12, 1, true);
      v.setUint16(o + 14, 0, true);
      v.setBigInt64(o + 16, -1n, true);
    });
  }

  private block(type: number, len: number, body: (v: DataView, o: number) => void): void {
    if (this.w === null || this.n + len > this.w.length) {
      this.commit();
      this.w = this.engine.inputWindow();
      this.dv = new DataView(this.w.buffer, this.w.byteOffset, this.w.length);
    }
    const v = this.dv as DataView;
    const o = this.n;
    v.setUint32(o, type, true);
    v.setUint32(o + 4, len, true);
    body(v, o);
    v.setUint32(o + len - 4, len, true);
    this.n += len;
  }

  /** Interface `link` with its source's time resolution and offset: timestamps are copied as
   *  they were written, so times keep their digits and their exact value. */
  iface(link: number, exp: number, pow2: boolean, offsetSec: number): void {
    const len = offsetSec !== 0 ? 44 : 32;
    this.block(1, len, (v, o) => {
      v.setUint16(o + 8, link, true);
      v.setUint16(o + 10, 0, true);
      v.setUint32(o + 12, 0, true); // no snap length limit
      v.setUint16(o + 16, 9, true); // if_tsresol
      v.setUint16(o + 18, 1, true);
      v.setUint32(o + 20, (pow2 ? 0x80 : 0) | exp, true); // padded
      let q = o + 24;
      if (offsetSec !== 0) {
        v.setUint16(q, 14, true); // if_tsoffset
        v.setUint16(q + 2, 8, true);
        v.setBigInt64(q + 4, BigInt(offsetSec), true);
        q += 12;
      }
      v.setUint32(q, 0, true); // opt_endofopt
    });
  }

  packet(r: Rec): void {
    const len = 32 + ((r.caplen + 3) & ~3);
    this.block(6, len, (v, o) => {
      v.setUint32(o + 8, r.iface, true);
      v.setUint32(o + 12, r.hi, true);
      v.setUint32(o + 16, r.lo, true);
      v.setUint32(o + 20, r.caplen, true);
      v.setUint32(o + 24, r.origLen, true);
      const w = this.w as Uint8Array;
      w.set(r.buf.subarray(r.at, r.at + r.caplen), o + 28);
      w.fill(0, o + 28 + r.caplen, o + len - 4);
    });
  }

  /** Hand what is written to the core. */
  commit(): void {
    if (this.n > 0) {
      this.engine.commitInput(this.n);
      this.committed = true;
      boundYoungGeneration();
    }
    this.n = 0;
    this.w = null; // memory may have grown: the next block takes a fresh window
  }
}

export interface MergeHooks {
  /** after each piece fed: records merged so far */
  onChunk?(records: number): void | Promise<void>;
  stopped?(): boolean;
}

/**
 * Feed `paths` to the engine as one capture in timestamp order (ties: the earlier file first).
 * Returns the engine's status for the merged stream and what became of each input.
 */
export async function feedMerged(
  engine: Engine,
  paths: string[],
  hooks: MergeHooks = {},
): Promise<{ status: FileStatus; inputs: MergeInput[] }> {
  engine.beginFile(0);
  const pending: [number, number, boolean, number][] = []; // interfaces not yet written: link, resolution, offset
  let nIfaces = 0;
  const piece = Math.min(1 << 20, Math.max(64 << 10, Math.floor(READ_AHEAD / Math.max(1, paths.length))));
  const readers = paths.map(
    (p) =>
      new Reader(p, piece, (link, exp, pow2, offsetSec) => {
        pending.push([link, exp, pow2, offsetSec]);
        return nIfaces++;
      }),
  );
  let merged = 0;
  const out = new PcapngOut(engine);
  const heads: (Rec | null)[] = [];
  for (const r of readers) {
    await r.start();
    heads.push(await r.next());
  }
  const writeInterfaces = () => {
    for (const [link, exp, pow2, offsetSec] of pending.splice(0)) out.iface(link, exp, pow2, offsetSec);
  };
  while (!hooks.stopped?.()) {
    let k = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === null) continue;
      if (k < 0) k = i;
      else {
        const b = heads[k] as Rec;
        if (h.sec < b.sec || (h.sec === b.sec && h.nsec < b.nsec)) k = i;
      }
    }
    if (k < 0) break;
    writeInterfaces();
    out.packet(heads[k] as Rec);
    merged++;
    heads[k] = await readers[k].next();
    // a block read for the next record may have declared interfaces: before any packet uses them
    writeInterfaces();
    if (out.committed) {
      out.committed = false;
      await hooks.onChunk?.(merged);
    }
  }
  out.commit();
  for (const r of readers) await r.close();
  return { status: engine.endFile(), inputs: readers.map((r) => r.result) };
}
