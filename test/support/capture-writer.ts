// Byte-exact builders for pcap/pcapng test fixtures. Pure TypeScript (no node: imports) so the
// same fixtures can be produced in the browser. Everything is deterministic.

// ---------------------------------------------------------------- bytes

export type Payload = Uint8Array | string;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function text(s: string): Uint8Array {
  return encoder.encode(s);
}

function asBytes(p: Payload): Uint8Array {
  return typeof p === 'string' ? text(p) : p;
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Growable buffer with explicit byte order; big-endian unless told otherwise. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;
  constructor(public littleEndian = false) {}

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.length, v & 0xff);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.view.setUint16(this.length, v & 0xffff, this.littleEndian);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, this.littleEndian);
    this.length += 4;
    return this;
  }
  u64(v: bigint): this {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), this.littleEndian);
    this.length += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** Zero bytes up to the next multiple of n. */
  pad(n = 4): this {
    while (this.length % n) this.u8(0);
    return this;
  }
  /** Overwrite a u32 already written (e.g. a length known only at the end). */
  setU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, this.littleEndian);
    return this;
  }
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

/** Seeded PRNG (mulberry32): fixtures must be byte-reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, used to derive stable per-flow values from their endpoints. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------- checksums

/** RFC 1071 one's-complement sum, not yet inverted. */
function onesSum(data: Uint8Array, start = 0): number {
  let sum = start;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(data: Uint8Array): number {
  return ~onesSum(data) & 0xffff;
}

function pseudoHeader(src: string, dst: string, proto: number, len: number): Uint8Array {
  const v6 = src.includes(':');
  const w = new ByteWriter();
  w.bytes(v6 ? parseIPv6(src) : parseIPv4(src));
  w.bytes(v6 ? parseIPv6(dst) : parseIPv4(dst));
  if (v6) w.u32(len).u8(0).u8(0).u8(0).u8(proto);
  else w.u8(0).u8(proto).u16(len);
  return w.finish();
}

function transportChecksum(ip: { src: string; dst: string }, proto: number, seg: Uint8Array): number {
  const c = ~onesSum(seg, onesSum(pseudoHeader(ip.src, ip.dst, proto, seg.length))) & 0xffff;
  return c === 0 ? 0xffff : c; // 0 means "no checksum" for UDP
}

let crc32cTable: Uint32Array | undefined;
/** CRC32c (Castagnoli), as SCTP uses. */
export function crc32c(data: Uint8Array): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      crc32cTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crc32cTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- addresses

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${s}`);
  return Uint8Array.from(
    parts.map((p) => {
      const n = Number(p);
      if (!/^\d{1,3}$/.test(p) || n > 255) throw new Error(`bad IPv4 address: ${s}`);
      return n;
    }),
  );
}

/** Text IPv6 address (with `::` and an optional trailing dotted IPv4) to 16 bytes. */
export function parseIPv6(s: string): Uint8Array {
  const addr = s.replace(/%.*$/, ''); // drop a zone id
  const halves = addr.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address: ${s}`);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    items.forEach((g, i) => {
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`bad IPv6 address: ${s}`);
        out.push(parseInt(g, 16));
      }
    });
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) throw new Error(`bad IPv6 address: ${s}`);
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

export function parseMac(m: string | Uint8Array): Uint8Array {
  if (typeof m !== 'string') return m;
  const parts = m.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address: ${m}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

// ---------------------------------------------------------------- capture files

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type Timestamp = number | { sec: number; nsec: number };

export interface Packet {
  ts: Timestamp;
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origLen?: number;
}

/** Normalise to whole seconds + nanoseconds (floats rounded to the nearest ns). */
function toSecNsec(ts: Timestamp): { sec: bigint; nsec: bigint } {
  if (typeof ts === 'number') {
    const sec = Math.floor(ts);
    let nsec = Math.round((ts - sec) * 1e9);
    let s = BigInt(sec);
    if (nsec >= 1e9) {
      s += 1n;
      nsec -= 1e9;
    }
    return { sec: s, nsec: BigInt(nsec) };
  }
  return { sec: BigInt(ts.sec) + BigInt(Math.floor(ts.nsec / 1e9)), nsec: BigInt(ts.nsec % 1e9) };
}

/** Units per second of an if_tsresol byte: 10^-n, or 2^-n when the top bit is set. */
function unitsPerSecond(tsresol: number): bigint {
  const n = BigInt(tsresol & 0x7f);
  return tsresol & 0x80 ? 1n << n : 10n ** n;
}

/** Timestamp as an integer count of 1/perSec units, rounded to the nearest unit. */
function toUnits(ts: Timestamp, perSec: bigint, offsetSec = 0): bigint {
  const { sec, nsec } = toSecNsec(ts);
  const frac = (nsec * perSec * 2n + 1_000_000_000n) / 2_000_000_000n;
  const units = (sec - BigInt(offsetSec)) * perSec + frac;
  if (units < 0n) throw new Error('timestamp before if_tsoffset / epoch');
  return units;
}

export interface PcapOptions {
  /** Default 1 (Ethernet). */
  linktype?: number;
  /** Nanosecond magic (a1b23c4d) instead of microsecond (a1b2c3d4). */
  nanos?: boolean;
  bigEndian?: boolean;
  /** Header snaplen; packets longer than this are truncated (caplen < origLen). */
  snaplen?: number;
}

/** Classic libpcap file. Timestamps are rounded to the nearest µs (or ns with `nanos`). */
export function writePcap(packets: Packet[], opts: PcapOptions = {}): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter(!opts.bigEndian);
  const perSec = opts.nanos ? 1_000_000_000n : 1_000_000n;
  w.u32(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4);
  w.u16(2).u16(4); // version 2.4
  w.u32(0).u32(0); // thiszone, sigfigs
  w.u32(opts.snaplen ?? 262144);
  w.u32(opts.linktype ?? LINKTYPE.ETHERNET);
  for (const p of packets) {
    const units = toUnits(p.ts, perSec);
    const cap = opts.snaplen !== undefined ? p.data.subarray(0, opts.snaplen) : p.data;
    w.u32(Number(units / perSec)).u32(Number(units % perSec));
    w.u32(cap.length).u32(p.origLen ?? p.data.length);
    w.bytes(cap);
  }
  return w.finish();
}

/** Solaris snoop (RFC 1761): big-endian, µs timestamps, records padded to 4 bytes. Datalink 4
 *  is Ethernet. */
export function writeSnoop(packets: Packet[], opts: { datalink?: number } = {}): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter(false);
  w.bytes(text('snoop\0\0\0'))
    .u32(2)
    .u32(opts.datalink ?? 4);
  for (const p of packets) {
    const units = toUnits(p.ts, 1_000_000n);
    const reclen = 24 + p.data.length + ((4 - (p.data.length % 4)) % 4);
    w.u32(p.origLen ?? p.data.length)
      .u32(p.data.length)
      .u32(reclen)
      .u32(0);
    w.u32(Number(units / 1_000_000n)).u32(Number(units % 1_000_000n));
    w.bytes(p.data).pad(4);
  }
  return w.finish();
}

export interface NetmonOptions {
  /** minor version of 2.x: 0 (no record trailer) … 3 (15-byte trailer); default 3 */
  minor?: number;
  /** media type of the file (1 Ethernet) and, from 2.1, of each frame's trailer (0: the file's) */
  media?: number;
  frameMedia?: number;
}

/**
 * Microsoft Network Monitor 2.x: a 128-byte little-endian header with the capture start
 * (SYSTEMTIME, UTC), the frames in order (µs since the start, lengths, data, a trailer from 2.1),
 * then the frame table (each frame's offset) that the header points at.
 */
export function writeNetmon(packets: Packet[], opts: NetmonOptions = {}): Uint8Array<ArrayBuffer> {
  const minor = opts.minor ?? 3;
  const trailer = minor === 0 ? 0 : minor === 1 ? 2 : minor === 2 ? 6 : 15;
  const startUs = packets.length ? toUnits(packets[0].ts, 1_000_000n) : 0n;
  const start = new Date(Number(startUs / 1000n));
  const w = new ByteWriter(true);
  w.bytes(text('GMBU'))
    .u8(minor)
    .u8(2)
    .u16(opts.media ?? 1);
  w.u16(start.getUTCFullYear())
    .u16(start.getUTCMonth() + 1)
    .u16(start.getUTCDay())
    .u16(start.getUTCDate());
  w.u16(start.getUTCHours()).u16(start.getUTCMinutes()).u16(start.getUTCSeconds()).u16(start.getUTCMilliseconds());
  const tableAt = w.length;
  for (let i = 0; i < 14; i++) w.u32(0); // the tables' offsets and lengths, filled in below
  while (w.length < 128) w.u8(0);
  // the header's own start is whole milliseconds: frames count µs from it
  const base = (startUs / 1000n) * 1000n;
  const offsets: number[] = [];
  for (const p of packets) {
    offsets.push(w.length);
    w.u64(toUnits(p.ts, 1_000_000n) - base)
      .u32(p.origLen ?? p.data.length)
      .u32(p.data.length)
      .bytes(p.data);
    if (trailer >= 2) w.u16(opts.frameMedia ?? 0);
    if (trailer >= 6) w.u32(0);
    // 2.3: the frame's time again, in 100 ns units since 1601 (Wireshark reads this one)
    if (trailer >= 15) w.u64(toUnits(p.ts, 10_000_000n) + 116_444_736_000_000_000n).u8(0);
  }
  const table = w.length;
  for (const o of offsets) w.u32(o);
  w.setU32(tableAt, table).setU32(tableAt + 4, offsets.length * 4);
  return w.finish();
}

export interface PcapngInterface {
  linktype: number;
  /** Raw if_tsresol byte: 6 = µs (default, option omitted), 9 = ns, 0x80|10 = 2^-10 s. */
  tsresol?: number;
  /** if_tsoffset in seconds, added by readers to every timestamp. */
  tsoffset?: number;
  /** IDB snaplen; longer packets on this interface are truncated. 0 = no limit (default). */
  snaplen?: number;
  /** if_name option. */
  name?: string;
}

export interface PcapngPacket {
  /** Interface index within the section; default 0. SPB always uses interface 0. */
  iface?: number;
  /** Ignored for SPB, which has no timestamp. */
  ts: Timestamp;
  data: Uint8Array;
  block?: 'epb' | 'spb' | 'opb';
  origLen?: number;
}

/**
 * Any other block, written verbatim (body zero-padded to 4) to test that readers skip it.
 * Multi-byte fields in the body must already be in the section's byte order.
 */
export interface PcapngRawBlock {
  rawBlock: { type: number; body: Uint8Array };
}

export interface PcapngSection {
  interfaces: PcapngInterface[];
  packets: (PcapngPacket | PcapngRawBlock)[];
}

export const PCAPNG_BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  OPB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  CUSTOM_COPY: 0x00000bad,
  CUSTOM_NO_COPY: 0x40000bad,
} as const;

function block(w: ByteWriter, type: number, body: (w: ByteWriter) => void): void {
  const start = w.length;
  w.u32(type).u32(0);
  body(w);
  w.pad(4);
  const total = w.length - start + 4;
  w.u32(total);
  w.setU32(start + 4, total);
}

function option(w: ByteWriter, code: number, value: Uint8Array): void {
  w.u16(code).u16(value.length).bytes(value).pad(4);
}

/** pcapng file with one or more sections. */
export function writePcapng(sections: PcapngSection[], opts: { bigEndian?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const le = !opts.bigEndian;
  const w = new ByteWriter(le);
  for (const section of sections) {
    block(w, PCAPNG_BLOCK.SHB, (b) => {
      b.u32(0x1a2b3c4d).u16(1).u16(0); // byte-order magic, version 1.0
      b.u64(-1n); // section length unknown
    });
    for (const itf of section.interfaces) {
      block(w, PCAPNG_BLOCK.IDB, (b) => {
        b.u16(itf.linktype)
          .u16(0)
          .u32(itf.snaplen ?? 0);
        let any = false;
        if (itf.name !== undefined) {
          option(b, 2, text(itf.name));
          any = true;
        }
        if (itf.tsresol !== undefined) {
          option(b, 9, Uint8Array.of(itf.tsresol));
          any = true;
        }
        if (itf.tsoffset !== undefined) {
          const v = new ByteWriter(le).u64(BigInt(itf.tsoffset)).finish();
          option(b, 14, v);
          any = true;
        }
        if (any) b.u32(0); // opt_endofopt
      });
    }
    for (const p of section.packets) {
      if ('rawBlock' in p) {
        block(w, p.rawBlock.type, (b) => b.bytes(p.rawBlock.body));
        continue;
      }
      const kind = p.block ?? 'epb';
      const ifIndex = kind === 'spb' ? 0 : (p.iface ?? 0);
      const itf = section.interfaces[ifIndex];
      if (!itf) throw new Error(`packet refers to missing interface ${ifIndex}`);
      const cap = itf.snaplen ? p.data.subarray(0, itf.snaplen) : p.data;
      const origLen = p.origLen ?? p.data.length;
      if (kind === 'spb') {
        block(w, PCAPNG_BLOCK.SPB, (b) => b.u32(origLen).bytes(cap));
        continue;
      }
      const units = toUnits(p.ts, unitsPerSecond(itf.tsresol ?? 6), itf.tsoffset ?? 0);
      const hi = Number(units >> 32n);
      const lo = Number(units & 0xffffffffn);
      if (kind === 'epb') {
        block(w, PCAPNG_BLOCK.EPB, (b) => {
          b.u32(ifIndex).u32(hi).u32(lo).u32(cap.length).u32(origLen).bytes(cap);
        });
      } else {
        block(w, PCAPNG_BLOCK.OPB, (b) => {
          b.u16(ifIndex).u16(0).u32(hi).u32(lo).u32(cap.length).u32(origLen).bytes(cap);
        });
      }
    }
  }
  return w.finish();
}

/** A Name Resolution Block (IPv4/IPv6 records) ready to insert among pcapng packets. */
export function nameResolutionBlock(entries: { ip: string; names: string[] }[], opts: { bigEndian?: boolean } = {}): PcapngRawBlock {
  const b = new ByteWriter(!opts.bigEndian);
  for (const e of entries) {
    const v6 = e.ip.includes(':');
    const value = concat(v6 ? parseIPv6(e.ip) : parseIPv4(e.ip), ...e.names.map((n) => text(n + '\0')));
    b.u16(v6 ? 2 : 1)
      .u16(value.length)
      .bytes(value)
      .pad(4);
  }
  b.u16(0).u16(0); // nrb_record_end
  return { rawBlock: { type: PCAPNG_BLOCK.NRB, body: b.finish() } };
}

/**
 * A pcapng Custom Block (0x00000BAD, or 0x40000BAD when it must not be copied): PEN in the
 * section's byte order, then opaque data. Wireshark shows these as non-packet records.
 */
export function customBlock(pen: number, data: Uint8Array, opts: { copy?: boolean; bigEndian?: boolean } = {}): PcapngRawBlock {
  const body = new ByteWriter(!opts.bigEndian).u32(pen).bytes(data).finish();
  return { rawBlock: { type: opts.copy === false ? PCAPNG_BLOCK.CUSTOM_NO_COPY : PCAPNG_BLOCK.CUSTOM_COPY, body } };
}

/** gzip via the standard CompressionStream (Node 18+ and browsers). Result is Blob-ready. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const cs = new CompressionStream('gzip');
  const writer = cs.writable.getWriter();
  // write without awaiting first: the readable side must drain or large inputs stall
  const written = writer.write(new Uint8Array(bytes)).then(() => writer.close());
  const chunks: Uint8Array[] = [];
  const reader = cs.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  await written;
  return concat(...chunks);
}

// ---------------------------------------------------------------- link layers

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  PPPOE_SESSION: 0x8864,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  ERSPAN_II: 0x88be,
  ERSPAN_III: 0x22eb,
  TEB: 0x6558,
} as const;

export interface EthernetOptions {
  src?: string | Uint8Array;
  dst?: string | Uint8Array;
  /** Outer service tags (802.1ad 0x88a8 or legacy 0x9100), written before `vlans`. */
  outerTags?: { tpid: number; vid: number; pcp?: number }[];
  /** 802.1Q VLAN ids (TPID 0x8100), outermost first. */
  vlans?: number[];
  /** MPLS labels, top first; bottom-of-stack set on the last. */
  mpls?: number[];
  /** PPPoE session; the PPP protocol is derived from etherType (IPv4 0x0021, IPv6 0x0057). */
  pppoe?: { session: number };
  /** Type of the payload (for MPLS/PPPoE: of what they carry). */
  etherType: number;
  /** Pad to the 60-byte Ethernet minimum like a NIC would. */
  padTo60?: boolean;
}

const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
const DEFAULT_DST_MAC = '02:00:00:00:00:02';

export function ethernet(o: EthernetOptions, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.bytes(parseMac(o.dst ?? DEFAULT_DST_MAC)).bytes(parseMac(o.src ?? DEFAULT_SRC_MAC));
  for (const t of o.outerTags ?? []) w.u16(t.tpid).u16(((t.pcp ?? 0) << 13) | (t.vid & 0xfff));
  for (const vid of o.vlans ?? []) w.u16(ETHERTYPE.VLAN).u16(vid & 0xfff);
  if (o.pppoe && o.mpls?.length) throw new Error('ethernet: choose MPLS or PPPoE, not both');
  if (o.pppoe) {
    if (o.etherType !== ETHERTYPE.IPV4 && o.etherType !== ETHERTYPE.IPV6) {
      throw new Error('PPPoE: only IPv4/IPv6 payloads');
    }
    w.u16(ETHERTYPE.PPPOE_SESSION);
    w.u8(0x11)
      .u8(0x00)
      .u16(o.pppoe.session)
      .u16(payload.length + 2); // ver/type 1/1, code 0 = session data
    w.u16(o.etherType === ETHERTYPE.IPV4 ? 0x0021 : 0x0057);
  } else if (o.mpls?.length) {
    w.u16(ETHERTYPE.MPLS);
    o.mpls.forEach((label, i) => {
      const bos = i === o.mpls!.length - 1 ? 1 : 0;
      w.u32(((label & 0xfffff) << 12) | (bos << 8) | 64); // TC 0, TTL 64
    });
  } else {
    w.u16(o.etherType);
  }
  w.bytes(payload);
  while (o.padTo60 && w.length < 60) w.u8(0);
  return w.finish();
}

/** Linux cooked capture v1 (linktype 113). pktType: 0 = to us, 4 = outgoing. */
export function sll(o: { protocol: number; pktType?: number; addr?: string | Uint8Array }, payload: Uint8Array): Uint8Array {
  const addr = parseMac(o.addr ?? DEFAULT_SRC_MAC);
  const w = new ByteWriter();
  w.u16(o.pktType ?? 0)
    .u16(1 /* ARPHRD_ETHER */)
    .u16(addr.length);
  const a = new Uint8Array(8);
  a.set(addr.subarray(0, 8));
  w.bytes(a).u16(o.protocol).bytes(payload);
  return w.finish();
}

/** Linux cooked capture v2 (linktype 276). */
export function sll2(
  o: { protocol: number; ifindex?: number; pktType?: number; addr?: string | Uint8Array },
  payload: Uint8Array,
): Uint8Array {
  const addr = parseMac(o.addr ?? DEFAULT_SRC_MAC);
  const w = new ByteWriter();
  w.u16(o.protocol)
    .u16(0)
    .u32(o.ifindex ?? 1)
    .u16(1 /* ARPHRD_ETHER */)
    .u8(o.pktType ?? 0)
    .u8(addr.length);
  const a = new Uint8Array(8);
  a.set(addr.subarray(0, 8));
  w.bytes(a).bytes(payload);
  return w.finish();
}

/**
 * BSD loopback: NULL (linktype 0) stores the family in the capturing host's byte order
 * (little-endian here); LOOP (108) in network order, so pass bigEndian = true.
 * Families: 2 = AF_INET; 24/28/30 = AF_INET6 on NetBSD-OpenBSD/FreeBSD/macOS.
 */
export function nullLoop(family: 2 | 24 | 28 | 30, payload: Uint8Array, bigEndian = false): Uint8Array {
  return new ByteWriter(!bigEndian).u32(family).bytes(payload).finish();
}

// ---------------------------------------------------------------- network

export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const;

export interface IPv4Header {
  src: string;
  dst: string;
  proto: number;
  id?: number;
  ttl?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** In bytes; must be a multiple of 8. */
  fragOffset?: number;
  /** Raw options; zero-padded to a multiple of 4. */
  options?: Uint8Array;
}

export function ipv4(h: IPv4Header, payload: Uint8Array): Uint8Array {
  const opts = h.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const hl = 20 + optLen;
  if (hl > 60) throw new Error('IPv4 options too long');
  const off = h.fragOffset ?? 0;
  if (off % 8) throw new Error('IPv4 fragment offset must be a multiple of 8');
  const w = new ByteWriter();
  w.u8(0x40 | (hl / 4))
    .u8(h.tos ?? 0)
    .u16(hl + payload.length);
  w.u16(h.id ?? 0).u16((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | (off / 8));
  w.u8(h.ttl ?? 64)
    .u8(h.proto)
    .u16(0);
  w.bytes(parseIPv4(h.src)).bytes(parseIPv4(h.dst)).bytes(opts).pad(4);
  const head = w.finish();
  const c = internetChecksum(head);
  head[10] = c >> 8;
  head[11] = c & 0xff;
  return concat(head, payload);
}

/** Only options with the "copied" flag are repeated in non-first fragments (RFC 791). */
function copiedOptions(opts: Uint8Array): Uint8Array {
  const keep: number[] = [];
  for (let i = 0; i < opts.length; ) {
    const type = opts[i];
    if (type === 0) break;
    const len = type === 1 ? 1 : opts[i + 1];
    if (type & 0x80) keep.push(...opts.subarray(i, i + len));
    i += Math.max(len, 1);
  }
  return Uint8Array.from(keep);
}

/** Split an IPv4 payload into fragments carrying fragSize bytes each (multiple of 8). */
export function ipv4Fragments(h: IPv4Header, payload: Uint8Array, fragSize: number): Uint8Array[] {
  if (fragSize <= 0 || fragSize % 8) throw new Error('fragment size must be a positive multiple of 8');
  const out: Uint8Array[] = [];
  const id = h.id ?? 0x5a5a;
  for (let off = 0; off < payload.length || off === 0; off += fragSize) {
    const last = off + fragSize >= payload.length;
    out.push(
      ipv4(
        {
          ...h,
          id,
          df: false,
          mf: !last,
          fragOffset: off,
          options: off === 0 ? h.options : h.options && copiedOptions(h.options),
        },
        payload.subarray(off, off + fragSize),
      ),
    );
    if (last) break;
  }
  return out;
}

export interface IPv6ExtHeader {
  /** 0 hop-by-hop, 43 routing, 60 destination options. */
  type: 0 | 43 | 60;
  /** Body after the next-header and length bytes; padded to fill 8-byte units. */
  data?: Uint8Array;
}

export interface IPv6Header {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit?: number;
  flowLabel?: number;
  trafficClass?: number;
  extHeaders?: IPv6ExtHeader[];
}

function extHeaderBody(e: IPv6ExtHeader): Uint8Array {
  // default routing body: type 0, segments left 0, reserved; option headers get plain padding
  const data = e.data ?? (e.type === 43 ? new Uint8Array(6) : new Uint8Array(0));
  const total = Math.max(8, (2 + data.length + 7) & ~7);
  const padLen = total - 2 - data.length;
  const body = new Uint8Array(total - 2);
  body.set(data);
  if (e.type !== 43 && padLen > 0) {
    if (padLen === 1)
      body[data.length] = 0; // Pad1
    else {
      body[data.length] = 1; // PadN
      body[data.length + 1] = padLen - 2;
    }
  }
  return body;
}

/** The IPv6 header plus extension chain, with `last` as the next header after the chain. */
function ipv6Prefix(h: IPv6Header, last: number, payloadLen: number, extra: Uint8Array[] = []): Uint8Array {
  const exts = h.extHeaders ?? [];
  const chain = new ByteWriter();
  exts.forEach((e, i) => {
    const body = extHeaderBody(e);
    const next = i + 1 < exts.length ? exts[i + 1].type : last;
    chain
      .u8(next)
      .u8((body.length + 2) / 8 - 1)
      .bytes(body);
  });
  const ext = concat(chain.finish(), ...extra);
  const w = new ByteWriter();
  w.u32((6 << 28) | ((h.trafficClass ?? 0) << 20) | ((h.flowLabel ?? 0) & 0xfffff));
  w.u16(ext.length + payloadLen);
  w.u8(exts.length ? exts[0].type : last).u8(h.hopLimit ?? 64);
  w.bytes(parseIPv6(h.src)).bytes(parseIPv6(h.dst)).bytes(ext);
  return w.finish();
}

export function ipv6(h: IPv6Header, payload: Uint8Array): Uint8Array {
  return concat(ipv6Prefix(h, h.nextHeader, payload.length), payload);
}

/** IPv6 fragments: Fragment header (44) placed after all given extension headers. */
export function ipv6Fragments(h: IPv6Header, payload: Uint8Array, fragSize: number, id = 0x1357_9bdf): Uint8Array[] {
  if (fragSize <= 0 || fragSize % 8) throw new Error('fragment size must be a positive multiple of 8');
  const out: Uint8Array[] = [];
  for (let off = 0; ; off += fragSize) {
    const last = off + fragSize >= payload.length;
    const part = payload.subarray(off, off + fragSize);
    const frag = new ByteWriter()
      .u8(h.nextHeader)
      .u8(0)
      .u16(off | (last ? 0 : 1))
      .u32(id)
      .finish();
    out.push(concat(ipv6Prefix(h, IPPROTO.FRAGMENT, part.length, [frag]), part));
    if (last) break;
  }
  return out;
}

/** IPv4 or IPv6 by the source address's form. */
export function ipPacket(h: { src: string; dst: string; proto: number }, payload: Uint8Array): Uint8Array {
  return h.src.includes(':')
    ? ipv6({ src: h.src, dst: h.dst, nextHeader: h.proto }, payload)
    : ipv4({ src: h.src, dst: h.dst, proto: h.proto }, payload);
}

// ---------------------------------------------------------------- transport

/** UDP datagram; the checksum is computed when the IP addresses are given, else 0. */
export function udp(o: { sport: number; dport: number }, payload: Payload, ip?: { src: string; dst: string }): Uint8Array {
  const data = asBytes(payload);
  const out = new ByteWriter()
    .u16(o.sport)
    .u16(o.dport)
    .u16(8 + data.length)
    .u16(0)
    .bytes(data)
    .finish();
  if (ip) {
    const c = transportChecksum(ip, IPPROTO.UDP, out);
    out[6] = c >> 8;
    out[7] = c & 0xff;
  }
  return out;
}

const TCP_FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

export function tcpFlags(flags: string): number {
  let v = 0;
  for (const ch of flags.toUpperCase()) {
    const b = TCP_FLAG_BITS[ch];
    if (b === undefined) throw new Error(`unknown TCP flag ${ch}`);
    v |= b;
  }
  return v;
}

export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Letters among F S R P A U E C; default 'PA'. */
  flags?: string;
  window?: number;
}

/** 20-byte TCP header + payload; checksum computed when the IP addresses are given, else 0. */
export function tcp(o: TcpHeader, payload: Payload, ip?: { src: string; dst: string }): Uint8Array {
  const data = asBytes(payload);
  const w = new ByteWriter();
  w.u16(o.sport)
    .u16(o.dport)
    .u32(o.seq)
    .u32(o.ack ?? 0);
  w.u8(5 << 4)
    .u8(tcpFlags(o.flags ?? 'PA'))
    .u16(o.window ?? 65535);
  w.u16(0).u16(0).bytes(data);
  const out = w.finish();
  if (ip) {
    const c = transportChecksum(ip, IPPROTO.TCP, out);
    out[16] = c >> 8;
    out[17] = c & 0xff;
  }
  return out;
}

export interface SctpDataOptions {
  sport: number;
  dport: number;
  tsn: number;
  stream?: number;
  streamSeq?: number;
  ppid?: number;
  /** DATA chunk flags: E = 1, B = 2, U = 4; default B|E (a whole message). */
  flags?: number;
  vtag?: number;
}

/** SCTP common header + one DATA chunk, padded to 4, with a real CRC32c. */
export function sctpData(o: SctpDataOptions, payload: Payload): Uint8Array {
  const data = asBytes(payload);
  const w = new ByteWriter();
  w.u16(o.sport)
    .u16(o.dport)
    .u32(o.vtag ?? 0x0badcafe)
    .u32(0);
  w.u8(0)
    .u8(o.flags ?? 0x03)
    .u16(16 + data.length);
  w.u32(o.tsn)
    .u16(o.stream ?? 0)
    .u16(o.streamSeq ?? 0)
    .u32(o.ppid ?? 0);
  w.bytes(data).pad(4);
  const out = w.finish();
  // the reflected CRC goes least-significant byte first (RFC 4960 appendix B)
  const crc = crc32c(out);
  out[8] = crc & 0xff;
  out[9] = (crc >>> 8) & 0xff;
  out[10] = (crc >>> 16) & 0xff;
  out[11] = (crc >>> 24) & 0xff;
  return out;
}

// ---------------------------------------------------------------- tunnels

export interface GreOptions {
  protocol: number;
  key?: number;
  seq?: number;
  checksum?: boolean;
}

export function gre(o: GreOptions, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  const flags = (o.checksum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
  w.u16(flags).u16(o.protocol);
  if (o.checksum) w.u16(0).u16(0);
  if (o.key !== undefined) w.u32(o.key);
  if (o.seq !== undefined) w.u32(o.seq);
  w.bytes(payload);
  const out = w.finish();
  if (o.checksum) {
    const c = internetChecksum(out);
    out[4] = c >> 8;
    out[5] = c & 0xff;
  }
  return out;
}

/** GRE (0x88BE, sequence bit set — without it readers assume type I) + ERSPAN type II header. */
export function erspan2(o: { sessionId: number; vlan?: number; index?: number; seq?: number }, ethernetFrame: Uint8Array): Uint8Array {
  const h = new ByteWriter();
  h.u16((1 << 12) | ((o.vlan ?? 0) & 0xfff)); // version 1 = type II
  h.u16(o.sessionId & 0x3ff); // COS 0, En 0, T 0
  h.u32((o.index ?? 0) & 0xfffff);
  return gre({ protocol: ETHERTYPE.ERSPAN_II, seq: o.seq ?? 0 }, concat(h.finish(), ethernetFrame));
}

/** GRE (0x22EB) + ERSPAN type III 12-byte header (no platform sub-header). */
export function erspan3(
  o: { sessionId: number; vlan?: number; timestamp?: number; sgt?: number; hwId?: number; seq?: number },
  ethernetFrame: Uint8Array,
): Uint8Array {
  const h = new ByteWriter();
  h.u16((2 << 12) | ((o.vlan ?? 0) & 0xfff)); // version 2 = type III
  h.u16(o.sessionId & 0x3ff);
  h.u32(o.timestamp ?? 0);
  h.u16(o.sgt ?? 0);
  h.u16(((o.hwId ?? 0) & 0x3f) << 4); // P 0, FT 0 (Ethernet), D 0, Gra 0, O 0
  return gre({ protocol: ETHERTYPE.ERSPAN_III, seq: o.seq ?? 0 }, concat(h.finish(), ethernetFrame));
}

/** 8-byte VXLAN header (I flag, 24-bit VNI); wrap in UDP dport 4789. */
export function vxlan(vni: number, ethernetFrame: Uint8Array): Uint8Array {
  return new ByteWriter()
    .u32(0x08000000)
    .u32((vni & 0xffffff) << 8)
    .bytes(ethernetFrame)
    .finish();
}

/** GTPv1-U G-PDU (message type 0xFF), 8-byte header; wrap in UDP port 2152. */
export function gtpu(teid: number, ipPacket: Uint8Array): Uint8Array {
  return new ByteWriter().u8(0x30).u8(0xff).u16(ipPacket.length).u32(teid).bytes(ipPacket).finish();
}

// ---------------------------------------------------------------- application

/** SIP message with CRLF line ends; Content-Length (UTF-8 bytes) added unless present. */
export function sipMessage(startLine: string, headers: [string, string][], body = ''): string {
  const hasLen = headers.some(([n]) => /^(content-length|l)$/i.test(n.trim()));
  const all = hasLen ? headers : [...headers, ['Content-Length', String(text(body).length)] as [string, string]];
  return `${startLine}\r\n${all.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
}

export interface SdpMedia {
  media?: 'audio' | 'video' | 'image';
  port: number;
  /** Default RTP/AVP (udptl for image). */
  proto?: string;
  formats: (number | string)[];
  /** payload type -> encoding, e.g. { 0: 'PCMU/8000' }. */
  rtpmap?: Record<string, string>;
  /** Media-level connection address. */
  c?: string;
}

function connLine(addr: string): string {
  return `c=IN ${addr.includes(':') ? 'IP6' : 'IP4'} ${addr}\r\n`;
}

/**
 * SDP body. sessionC: undefined = 192.0.2.10, null = no session-level c= line.
 * origin: the whole o= value; by default built from the session (or first media) address.
 */
export function sdpBody(o: { origin?: string; sessionC?: string | null; media: SdpMedia[] }): string {
  const sessionC = o.sessionC === undefined ? '192.0.2.10' : o.sessionC;
  const oAddr = sessionC ?? o.media.find((m) => m.c)?.c ?? '192.0.2.10';
  const origin = o.origin ?? `sipscope 1 1 IN ${oAddr.includes(':') ? 'IP6' : 'IP4'} ${oAddr}`;
  let s = `v=0\r\no=${origin}\r\ns=-\r\n`;
  if (sessionC) s += connLine(sessionC);
  s += 't=0 0\r\n';
  for (const m of o.media) {
    const kind = m.media ?? 'audio';
    const proto = m.proto ?? (kind === 'image' ? 'udptl' : 'RTP/AVP');
    s += `m=${kind} ${m.port} ${proto} ${m.formats.join(' ')}\r\n`;
    if (m.c) s += connLine(m.c);
    for (const [pt, enc] of Object.entries(m.rtpmap ?? {})) s += `a=rtpmap:${pt} ${enc}\r\n`;
  }
  return s;
}

/** 12-byte RTP header (V=2) + payloadLen bytes of `fill` (0xFF = PCMU silence). */
export function rtp(
  o: { pt: number; seq: number; ts: number; ssrc: number; marker?: boolean; fill?: number },
  payloadLen: number,
): Uint8Array {
  const w = new ByteWriter();
  w.u8(0x80)
    .u8((o.marker ? 0x80 : 0) | (o.pt & 0x7f))
    .u16(o.seq)
    .u32(o.ts)
    .u32(o.ssrc);
  w.bytes(new Uint8Array(payloadLen).fill(o.fill ?? 0xff));
  return w.finish();
}

// ---------------------------------------------------------------- convenience

export type Link = 'eth' | 'raw' | 'sll' | 'sll2' | 'null' | 'loop';

/** Linktype to put in the file header for frames built with the given link. */
export const LINKTYPE_OF: Record<Link, number> = {
  eth: LINKTYPE.ETHERNET,
  raw: LINKTYPE.RAW,
  sll: LINKTYPE.LINUX_SLL,
  sll2: LINKTYPE.LINUX_SLL2,
  null: LINKTYPE.NULL,
  loop: LINKTYPE.LOOP,
};

/** Wrap an IP packet in the chosen link layer. */
export function linkFrame(link: Link, ipPkt: Uint8Array): Uint8Array {
  const v6 = ipPkt[0] >> 4 === 6;
  const et = v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
  switch (link) {
    case 'eth':
      return ethernet({ etherType: et }, ipPkt);
    case 'raw':
      return ipPkt;
    case 'sll':
      return sll({ protocol: et }, ipPkt);
    case 'sll2':
      return sll2({ protocol: et }, ipPkt);
    case 'null':
      return nullLoop(v6 ? 30 : 2, ipPkt, false);
    case 'loop':
      return nullLoop(v6 ? 30 : 2, ipPkt, true);
  }
}

export function udpPacketV4(src: string, sport: number, dst: string, dport: number, payload: Payload, link: Link = 'eth'): Uint8Array {
  return linkFrame(link, ipv4({ src, dst, proto: IPPROTO.UDP }, udp({ sport, dport }, payload, { src, dst })));
}

export function udpPacketV6(src: string, sport: number, dst: string, dport: number, payload: Payload, link: Link = 'eth'): Uint8Array {
  return linkFrame(link, ipv6({ src, dst, nextHeader: IPPROTO.UDP }, udp({ sport, dport }, payload, { src, dst })));
}

// ---------------------------------------------------------------- TCP flows

export type TcpDir = 'c2s' | 's2c';

export interface TcpEndpoint {
  ip: string;
  port: number;
}

/** One TCP segment of a TcpFlow; turn it into an IP packet or frame when needed. */
export class TcpSegment {
  constructor(
    readonly dir: TcpDir,
    readonly src: TcpEndpoint,
    readonly dst: TcpEndpoint,
    readonly seq: number,
    readonly ack: number,
    readonly flags: string,
    readonly payload: Uint8Array,
    readonly window = 65535,
  ) {}

  /** TCP header + payload, checksum computed. */
  tcp(): Uint8Array {
    return tcp(
      { sport: this.src.port, dport: this.dst.port, seq: this.seq, ack: this.ack, flags: this.flags, window: this.window },
      this.payload,
      { src: this.src.ip, dst: this.dst.ip },
    );
  }
  ipv4(extra: Partial<IPv4Header> = {}): Uint8Array {
    return ipv4({ src: this.src.ip, dst: this.dst.ip, proto: IPPROTO.TCP, df: true, ...extra }, this.tcp());
  }
  ipv6(extra: Partial<IPv6Header> = {}): Uint8Array {
    return ipv6({ src: this.src.ip, dst: this.dst.ip, nextHeader: IPPROTO.TCP, ...extra }, this.tcp());
  }
  /** IPv4 or IPv6 by address form. */
  ip(): Uint8Array {
    return this.src.ip.includes(':') ? this.ipv6() : this.ipv4();
  }
  frame(link: Link = 'eth'): Uint8Array {
    return linkFrame(link, this.ip());
  }
  /** Same segment, but a different (e.g. smaller) payload view at an offset — for overlaps. */
  slice(start: number, end = this.payload.length): TcpSegment {
    return new TcpSegment(
      this.dir,
      this.src,
      this.dst,
      (this.seq + start) >>> 0,
      this.ack,
      this.flags,
      this.payload.subarray(start, end),
      this.window,
    );
  }
}

/**
 * One TCP connection. Sequence numbers run per direction from an ISN derived from the
 * endpoints and seed, so the same calls always give the same bytes.
 */
export class TcpFlow {
  readonly next: Record<TcpDir, number>;
  private window: number;

  constructor(
    readonly client: TcpEndpoint,
    readonly server: TcpEndpoint,
    opts: { seed?: number; isn?: Partial<Record<TcpDir, number>>; window?: number } = {},
  ) {
    const key = `${client.ip}:${client.port}>${server.ip}:${server.port}`;
    const rnd = prng(fnv1a(key) ^ (opts.seed ?? 0));
    const c2s = Math.floor(rnd() * 2 ** 32);
    const s2c = Math.floor(rnd() * 2 ** 32);
    this.next = { c2s: opts.isn?.c2s ?? c2s, s2c: opts.isn?.s2c ?? s2c };
    this.window = opts.window ?? 65535;
  }

  private seg(dir: TcpDir, flags: string, data: Uint8Array, consumes: number): TcpSegment {
    const [src, dst] = dir === 'c2s' ? [this.client, this.server] : [this.server, this.client];
    const other: TcpDir = dir === 'c2s' ? 's2c' : 'c2s';
    const ack = flags.includes('A') ? this.next[other] : 0;
    const s = new TcpSegment(dir, src, dst, this.next[dir], ack, flags, data, this.window);
    this.next[dir] = (this.next[dir] + consumes) >>> 0;
    return s;
  }

  /** SYN, SYN/ACK, ACK. */
  handshake(): TcpSegment[] {
    return [this.seg('c2s', 'S', new Uint8Array(0), 1), this.seg('s2c', 'SA', new Uint8Array(0), 1), this.ack('c2s')];
  }

  /** One data segment (PSH/ACK by default). */
  send(dir: TcpDir, data: Payload, flags = 'PA'): TcpSegment {
    const b = asBytes(data);
    return this.seg(dir, flags, b, b.length);
  }

  /** Pure ACK. */
  ack(dir: TcpDir): TcpSegment {
    return this.seg(dir, 'A', new Uint8Array(0), 0);
  }

  fin(dir: TcpDir): TcpSegment {
    return this.seg(dir, 'FA', new Uint8Array(0), 1);
  }

  /** One message over several segments of the given sizes; any remainder goes in a last one. */
  split(dir: TcpDir, data: Payload, sizes: number[]): TcpSegment[] {
    const b = asBytes(data);
    if (!b.length) throw new Error('split: empty message');
    const out: TcpSegment[] = [];
    let off = 0;
    for (const n of sizes) {
      if (off >= b.length) break;
      out.push(this.send(dir, b.subarray(off, off + n), 'A'));
      off += n;
    }
    if (off < b.length) out.push(this.send(dir, b.subarray(off), 'A'));
    // PSH on the segment that completes the message, like a real sender
    const last = out[out.length - 1];
    out[out.length - 1] = new TcpSegment(last.dir, last.src, last.dst, last.seq, last.ack, 'PA', last.payload, last.window);
    return out;
  }

  /** Several messages in one segment. */
  coalesce(dir: TcpDir, messages: Payload[]): TcpSegment {
    return this.send(dir, concat(...messages.map(asBytes)));
  }

  /** An identical copy (what a retransmission looks like on the wire). */
  retransmit(seg: TcpSegment): TcpSegment {
    return new TcpSegment(seg.dir, seg.src, seg.dst, seg.seq, seg.ack, seg.flags, seg.payload, seg.window);
  }

  /** Segments in the order given by indexes, e.g. reorder(s, [2, 0, 1]). */
  static reorder<T>(segs: T[], order: number[]): T[] {
    if (order.length !== segs.length || new Set(order).size !== order.length) throw new Error('order must be a permutation');
    return order.map((i) => {
      if (segs[i] === undefined) throw new Error(`no segment ${i}`);
      return segs[i];
    });
  }
}
