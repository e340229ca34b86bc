// A pcapng writer for extracted frames (SPEC §10): one section, an interface per link type and
// clock resolution met (µs or ns, as the source had it), and an Enhanced Packet Block per frame
// with its captured bytes as read and its original length. Little-endian, streamed in pieces of
// `piece` bytes to `write`, so a large extract is never held whole; flush(true) gives the
// buffer back (a writer per call keeps none while its call is quiet).

import type { RawFrame } from '../engine/engine.ts';

const PIECE = 256 << 10;
const SHB = 0x0a0d0d0a;
const IDB = 1;
const EPB = 6;
const OPT_TSRESOL = 9;

export class PcapngWriter {
  private buf = new Uint8Array(0);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  private ifaces = new Map<number, number>();
  /** frames written */
  frames = 0;
  /** bytes written (all blocks) */
  bytes = 0;

  constructor(
    private readonly write: (piece: Uint8Array) => void,
    private readonly piece = PIECE,
  ) {
    // section header: byte-order magic, version 1.0, section length unknown
    const at = this.begin(SHB, 16);
    this.dv.setUint32(at, 0x1a2b3c4d, true);
    this.dv.setUint16(at + 4, 1, true);
    this.dv.setUint16(at + 6, 0, true);
    this.dv.setBigInt64(at + 8, -1n, true);
    this.end(at + 16);
  }

  /** Frame f, with other bytes when given (anonymised: its original length follows theirs). */
  frame(f: RawFrame, data: Uint8Array = f.data): void {
    const iface = this.iface(f.linktype, f.digits);
    const cap = data.length;
    const padded = (cap + 3) & ~3;
    const at = this.begin(EPB, 20 + padded);
    const ts =
      f.digits === 9 ? BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec) : BigInt(f.sec) * 1_000_000n + BigInt(Math.floor(f.nsec / 1000));
    this.dv.setUint32(at, iface, true);
    this.dv.setUint32(at + 4, Number(ts >> 32n), true);
    this.dv.setUint32(at + 8, Number(ts & 0xffffffffn), true);
    this.dv.setUint32(at + 12, cap, true);
    this.dv.setUint32(at + 16, Math.max(f.origLen + cap - f.data.length, cap), true);
    this.buf.set(data, at + 20);
    this.buf.fill(0, at + 20 + cap, at + 20 + padded);
    this.end(at + 20 + padded);
    this.frames++;
  }

  /** Hand over what is still buffered; `release`: and drop the buffer until the next block. */
  flush(release = false): void {
    if (this.len > 0) this.write(this.buf.slice(0, this.len));
    this.len = 0;
    if (release) this.buf = new Uint8Array(0);
  }

  /** Whether blocks wait in the buffer. */
  get buffered(): boolean {
    return this.len > 0;
  }

  private iface(linktype: number, digits: number): number {
    const key = linktype * 16 + (digits === 9 ? 9 : 6);
    let id = this.ifaces.get(key);
    if (id !== undefined) return id;
    id = this.ifaces.size;
    this.ifaces.set(key, id);
    // link type, reserved, snap length 0 (none); if_tsresol when nanoseconds; end of options
    const nanos = digits === 9;
    const at = this.begin(IDB, nanos ? 20 : 8);
    this.dv.setUint16(at, linktype, true);
    this.dv.setUint16(at + 2, 0, true);
    this.dv.setUint32(at + 4, 0, true);
    if (nanos) {
      this.dv.setUint16(at + 8, OPT_TSRESOL, true);
      this.dv.setUint16(at + 10, 1, true);
      this.dv.setUint32(at + 12, 9, true);
      this.dv.setUint32(at + 16, 0, true);
    }
    this.end(at + (nanos ? 20 : 8));
    return id;
  }

  /** Room for a block of `body` bytes; returns where its body starts. */
  private begin(type: number, body: number): number {
    const total = 12 + body;
    if (this.len + total > this.buf.length) {
      this.flush();
      if (total > this.buf.length) {
        this.buf = new Uint8Array(Math.max(total, this.piece));
        this.dv = new DataView(this.buf.buffer);
      }
    }
    this.dv.setUint32(this.len, type, true);
    this.dv.setUint32(this.len + 4, total, true);
    return this.len + 8;
  }

  private end(bodyEnd: number): void {
    const total = bodyEnd + 4 - this.len;
    this.dv.setUint32(bodyEnd, total, true);
    this.len = bodyEnd + 4;
    this.bytes += total;
  }
}
