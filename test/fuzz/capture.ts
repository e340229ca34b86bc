// A capture file taken apart for mutation and put back together: the file header, each packet
// record (its header fields and frame bytes) and, in pcapng, every other block as it was.
// Record lengths are written from the frame unless a mutation set them to something else.

export interface Frame {
  linktype: number;
  data: Uint8Array;
  sec: number;
  /** fraction of a second in the file's units (µs or ns; pcapng: the raw low word) */
  frac: number;
  /** pcapng: the high word of the timestamp */
  tsHigh: number;
  origLen: number;
  iface: number;
  /** pcapng: 6 enhanced, 3 simple, 2 obsolete */
  block: number;
  /** a record length that lies about the frame (a mutation), else undefined */
  capLenOverride?: number;
}

export type Item = { frame: Frame } | { raw: Uint8Array };

export interface Capture {
  kind: 'pcap' | 'pcapng';
  /** pcap: the 24-byte file header; pcapng: empty (the section header is an item) */
  header: Uint8Array;
  littleEndian: boolean;
  items: Item[];
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Parse a pcap or pcapng file; null for other formats or when a record is damaged. */
export function parseCapture(bytes: Uint8Array): Capture | null {
  if (bytes.length < 24) return null;
  const dv = view(bytes);
  const m = dv.getUint32(0, true);
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xd4c3b2a1 || m === 0x4d3cb2a1) return parsePcap(bytes, dv, m);
  if (m === 0x0a0d0d0a) return parsePcapng(bytes, dv);
  return null;
}

function parsePcap(bytes: Uint8Array, dv: DataView, magic: number): Capture | null {
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const linktype = dv.getUint32(20, le) & 0xffff;
  const items: Item[] = [];
  let o = 24;
  while (o + 16 <= bytes.length) {
    const cap = dv.getUint32(o + 8, le);
    if (o + 16 + cap > bytes.length) return null;
    items.push({
      frame: {
        linktype,
        sec: dv.getUint32(o, le),
        frac: dv.getUint32(o + 4, le),
        tsHigh: 0,
        origLen: dv.getUint32(o + 12, le),
        data: bytes.subarray(o + 16, o + 16 + cap),
        iface: 0,
        block: 0,
      },
    });
    o += 16 + cap;
  }
  return { kind: 'pcap', header: bytes.slice(0, 24), littleEndian: le, items };
}

function parsePcapng(bytes: Uint8Array, dv: DataView): Capture | null {
  const items: Item[] = [];
  let le = true;
  let first = true;
  const links: number[] = [];
  let o = 0;
  while (o + 12 <= bytes.length) {
    if (dv.getUint32(o, true) === 0x0a0d0d0a) {
      le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      links.length = 0;
    }
    const type = dv.getUint32(o, le);
    const len = dv.getUint32(o + 4, le);
    if (len < 12 || o + len > bytes.length) return null;
    const body = bytes.subarray(o, o + len);
    if (type === 1) links.push(dv.getUint16(o + 8, le));
    if ((type === 6 || type === 2) && len >= 32) {
      const iface = type === 6 ? dv.getUint32(o + 8, le) : dv.getUint16(o + 8, le);
      const cap = Math.min(dv.getUint32(o + 20, le), len - 32);
      items.push({
        frame: {
          linktype: links[iface] ?? 1,
          iface,
          tsHigh: dv.getUint32(o + 12, le),
          frac: dv.getUint32(o + 16, le),
          sec: 0,
          data: bytes.subarray(o + 28, o + 28 + cap),
          origLen: dv.getUint32(o + 24, le),
          block: type,
        },
      });
    } else if (type === 3 && len >= 16) {
      items.push({
        frame: {
          linktype: links[0] ?? 1,
          iface: 0,
          tsHigh: 0,
          frac: 0,
          sec: 0,
          data: bytes.subarray(o + 12, o + len - 4),
          origLen: dv.getUint32(o + 8, le),
          block: 3,
        },
      });
    } else items.push({ raw: body });
    if (first && type !== 0x0a0d0d0a) return null;
    first = false;
    o += len;
  }
  return { kind: 'pcapng', header: new Uint8Array(0), littleEndian: le, items };
}

/** The file's bytes again. */
export function writeCapture(c: Capture): Uint8Array {
  const parts: Uint8Array[] = [c.header];
  let le = c.littleEndian;
  for (const it of c.items) {
    if ('raw' in it) {
      if (it.raw.length >= 12 && view(it.raw).getUint32(0, true) === 0x0a0d0d0a) le = view(it.raw).getUint32(8, true) === 0x1a2b3c4d;
      parts.push(it.raw);
    } else parts.push(c.kind === 'pcap' ? pcapRecord(it.frame, le) : pcapngBlock(it.frame, le));
  }
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

function pcapRecord(f: Frame, le: boolean): Uint8Array {
  const out = new Uint8Array(16 + f.data.length);
  const dv = view(out);
  dv.setUint32(0, f.sec >>> 0, le);
  dv.setUint32(4, f.frac >>> 0, le);
  dv.setUint32(8, (f.capLenOverride ?? f.data.length) >>> 0, le);
  dv.setUint32(12, f.origLen >>> 0, le);
  out.set(f.data, 16);
  return out;
}

function pcapngBlock(f: Frame, le: boolean): Uint8Array {
  const padded = (f.data.length + 3) & ~3;
  if (f.block === 3) {
    const len = 16 + padded;
    const out = new Uint8Array(len);
    const dv = view(out);
    dv.setUint32(0, 3, le);
    dv.setUint32(4, len, le);
    dv.setUint32(8, (f.capLenOverride ?? f.origLen) >>> 0, le);
    out.set(f.data, 12);
    dv.setUint32(len - 4, len, le);
    return out;
  }
  const len = 32 + padded;
  const out = new Uint8Array(len);
  const dv = view(out);
  dv.setUint32(0, f.block === 2 ? 2 : 6, le);
  dv.setUint32(4, len, le);
  if (f.block === 2) dv.setUint16(8, f.iface & 0xffff, le);
  else dv.setUint32(8, f.iface >>> 0, le);
  dv.setUint32(12, f.tsHigh >>> 0, le);
  dv.setUint32(16, f.frac >>> 0, le);
  dv.setUint32(20, (f.capLenOverride ?? f.data.length) >>> 0, le);
  dv.setUint32(24, f.origLen >>> 0, le);
  out.set(f.data, 28);
  dv.setUint32(len - 4, len, le);
  return out;
}

/** The frames of a capture, in order. */
export function framesOf(c: Capture): Frame[] {
  const out: Frame[] = [];
  for (const it of c.items) if ('frame' in it) out.push(it.frame);
  return out;
}
