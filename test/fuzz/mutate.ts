// One fuzz case from a seed: the capture is taken apart (capture.ts), mutated at several layers
// (records and file headers here, frames in mutate-frame.ts, payloads in mutate-app.ts), put back
// together, and sometimes hit with byte-level havoc on top. A case depends only on its seed.

import { framesOf, parseCapture, writeCapture, type Capture, type Frame, type Item } from './capture.ts';
import { havoc, INTERESTING_32, Rng } from './havoc.ts';
import { mutateFrame } from './mutate-frame.ts';

/** What a case was made of, to be reported with a finding. */
export interface CaseOrigin {
  seed: string;
  mutations: string[];
}

const LINKTYPES = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276, 147, 65535];

function frameItems(c: Capture): number[] {
  const out: number[] = [];
  c.items.forEach((it, i) => {
    if ('frame' in it) out.push(i);
  });
  return out;
}

/** Records: removed, repeated, reordered, taken from another capture, lying lengths, times. */
function records(c: Capture, rng: Rng, other: Capture | null): string {
  const idx = frameItems(c);
  if (idx.length === 0) return 'records: none';
  const i = rng.pick(idx);
  const f = (c.items[i] as { frame: Frame }).frame;
  switch (rng.int(8)) {
    case 0:
      c.items.splice(i, 1 + rng.small(8));
      return 'records: dropped';
    case 1:
      c.items.splice(rng.int(c.items.length + 1), 0, ...Array.from({ length: rng.range(1, 3) }, () => ({ frame: { ...f } })));
      return 'records: repeated';
    case 2: {
      const j = rng.pick(idx);
      [c.items[i], c.items[j]] = [c.items[j], c.items[i]];
      return 'records: swapped';
    }
    case 3: {
      if (!other) return 'records: none';
      const theirs = framesOf(other);
      if (theirs.length === 0) return 'records: none';
      const n = rng.range(1, Math.min(20, theirs.length));
      const from = rng.int(theirs.length - n + 1);
      const lt = f.linktype;
      c.items.splice(rng.int(c.items.length + 1), 0, ...theirs.slice(from, from + n).map((t): Item => ({ frame: { ...t, linktype: lt } })));
      return 'records: spliced from another capture';
    }
    case 4:
      f.capLenOverride = rng.pick([0, 1, f.data.length - 1, f.data.length + 1, 0xffff, 0x100000, 0x100001, 0x7fffffff, 0xffffffff]);
      return 'records: captured length';
    case 5:
      f.origLen = rng.pick([0, 1, f.data.length - 1, 0xffffffff]);
      return 'records: original length';
    case 6: {
      const pick = rng.int(4);
      if (pick === 0) f.sec = rng.pick(INTERESTING_32);
      else if (pick === 1) f.frac = rng.pick([999_999, 1_000_000, 999_999_999, 1_000_000_000, 0xffffffff]);
      else if (pick === 2) f.tsHigh = rng.pick(INTERESTING_32);
      else f.sec = Math.max(0, f.sec - rng.range(1, 100_000));
      return 'records: time';
    }
    default:
      c.items.length = rng.int(c.items.length + 1);
      return 'records: cut';
  }
}

/** File header fields (pcap) and the blocks of pcapng: interfaces, block types, sections. */
function fileHeader(c: Capture, rng: Rng): string {
  if (c.kind === 'pcap') {
    const dv = new DataView(c.header.buffer, c.header.byteOffset, 24);
    const le = c.littleEndian;
    switch (rng.int(3)) {
      case 0:
        dv.setUint32(20, rng.pick(LINKTYPES) | (rng.chance(0.1) ? 0x10000000 : 0), le);
        return 'pcap: link type';
      case 1:
        dv.setUint32(0, rng.pick([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1]), true);
        return 'pcap: magic';
      default:
        dv.setUint32(16, rng.pick(INTERESTING_32), le);
        return 'pcap: snap length';
    }
  }
  const le = c.littleEndian;
  const idb = c.items.findIndex(
    (it) => 'raw' in it && it.raw.length >= 20 && new DataView(it.raw.buffer, it.raw.byteOffset).getUint32(0, le) === 1,
  );
  switch (rng.int(5)) {
    case 0: {
      if (idb < 0) return 'pcapng: none';
      const raw = (c.items[idb] as { raw: Uint8Array }).raw.slice();
      new DataView(raw.buffer).setUint16(8, rng.pick(LINKTYPES), le);
      c.items[idb] = { raw };
      return 'pcapng: interface link type';
    }
    case 1: {
      // an interface with a time resolution (and offset) option from the extremes
      const res = rng.pick([0, 6, 9, 19, 20, 63, 0x80, 0x80 | 10, 0x80 | 30, 0x80 | 63, 0x80 | 64, 0xff]);
      const body = new Uint8Array(40);
      const dv = new DataView(body.buffer);
      dv.setUint32(0, 1, le);
      dv.setUint32(4, 40, le);
      dv.setUint16(8, 1, le);
      dv.setUint16(16, 9, le);
      dv.setUint16(18, 1, le);
      body[20] = res;
      dv.setUint16(24, 14, le);
      dv.setUint16(26, 8, le);
      dv.setUint32(28, rng.pick(INTERESTING_32), le);
      dv.setUint32(36, 40, le);
      c.items.splice(idb >= 0 ? idb : 1, idb >= 0 && rng.chance(0.5) ? 1 : 0, { raw: body });
      return 'pcapng: interface time resolution';
    }
    case 2: {
      const idx = frameItems(c);
      if (idx.length === 0) return 'pcapng: none';
      const f = (c.items[rng.pick(idx)] as { frame: Frame }).frame;
      if (rng.chance(0.5)) f.block = rng.pick([2, 3, 6]);
      else f.iface = rng.pick([1, 2, 255, 256, 0xffff, 0xffffffff]);
      return 'pcapng: packet block';
    }
    case 3: {
      // a block of an unknown type, or one whose trailing length disagrees
      const body = new Uint8Array(rng.pick([12, 16, 28, 64]));
      const dv = new DataView(body.buffer);
      dv.setUint32(0, rng.pick([4, 5, 0x80000001, 0xbad, 10, 0x0bad]), le);
      dv.setUint32(4, body.length, le);
      dv.setUint32(body.length - 4, rng.chance(0.8) ? body.length : body.length + 4, le);
      c.items.splice(rng.int(c.items.length) + 1, 0, { raw: body });
      return 'pcapng: other block';
    }
    default: {
      // a second section in the other byte order
      const shb = new Uint8Array(28);
      const other = !le;
      const dv = new DataView(shb.buffer);
      dv.setUint32(0, 0x0a0d0d0a, true);
      dv.setUint32(4, 28, other);
      dv.setUint32(8, 0x1a2b3c4d, other);
      dv.setUint16(12, 1, other);
      dv.setBigInt64(16, -1n, other);
      dv.setUint32(24, 28, other);
      const at = rng.int(c.items.length + 1);
      c.items.splice(at, 0, { raw: shb });
      return 'pcapng: section in the other byte order';
    }
  }
}

/** One structured mutation of a frame in place (it may become several frames). */
function frame(c: Capture, rng: Rng): string {
  const idx = frameItems(c);
  if (idx.length === 0) return 'frame: none';
  const i = rng.pick(idx);
  const f = (c.items[i] as { frame: Frame }).frame;
  const out = mutateFrame(f, rng);
  c.items.splice(i, 1, ...out.frames.map((x): Item => ({ frame: x })));
  return `frame ${idx.indexOf(i) + 1}: ${out.what}`;
}

/** Byte havoc inside one frame (the records stay readable). */
function frameHavoc(c: Capture, rng: Rng): string {
  const idx = frameItems(c);
  if (idx.length === 0) return 'frame: none';
  const it = c.items[rng.pick(idx)] as { frame: Frame };
  let data: Uint8Array = it.frame.data.slice();
  for (let n = rng.small(8) + 1; n > 0; n--) data = havoc(data, rng);
  it.frame = { ...it.frame, data };
  return 'frame: bytes';
}

/** The bytes of a case: seed `seedBytes` mutated with the case's random source. */
export function makeCase(seedBytes: Uint8Array, rng: Rng, other: Uint8Array | null, origin: CaseOrigin): Uint8Array {
  const c = parseCapture(seedBytes);
  let bytes: Uint8Array;
  if (c) {
    const oc = other && rng.chance(0.3) ? parseCapture(other) : null;
    const n = 1 + rng.small(8);
    for (let k = 0; k < n; k++) {
      const w = rng.int(100);
      if (w < 55) origin.mutations.push(frame(c, rng));
      else if (w < 75) origin.mutations.push(frameHavoc(c, rng));
      else if (w < 90) origin.mutations.push(records(c, rng, oc));
      else origin.mutations.push(fileHeader(c, rng));
    }
    bytes = writeCapture(c);
  } else bytes = seedBytes.slice();
  if (!c || rng.chance(0.15)) {
    for (let n = rng.small(16) + 1; n > 0; n--) bytes = havoc(bytes, rng, other ?? undefined);
    origin.mutations.push('file: bytes');
  }
  return bytes;
}

export { Rng };
