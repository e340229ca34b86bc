// Mutations of a frame's headers below the application, as assembly/net.ts, frag.ts, tcp.ts and
// sctp.ts read them: VLAN tags, IPv4/IPv6 header fields and extension chains, IP fragments
// (split, reordered, overlapping, missing), tunnels wrapped around tunnels, UDP lengths, TCP
// sequence numbers, flags and segmentation, SCTP chunks, and payloads grown past the bounds.

import { concat } from '../support/capture-writer.ts';
import type { Frame } from './capture.ts';
import { dissect, fixLengths, replacePayload, type Layers } from './dissect.ts';
import { INTERESTING_16, INTERESTING_32, type Rng } from './havoc.ts';
import { mutateHep, mutateRtcp, mutateRtp, mutateSip, mutateWs } from './mutate-app.ts';

const set16 = (d: Uint8Array, at: number, v: number) => {
  if (at + 2 > d.length) return;
  d[at] = (v >>> 8) & 0xff;
  d[at + 1] = v & 0xff;
};
const get16 = (d: Uint8Array, at: number) => (d[at] << 8) | d[at + 1];
const set32 = (d: Uint8Array, at: number, v: number) => {
  if (at + 4 <= d.length) new DataView(d.buffer, d.byteOffset, d.byteLength).setUint32(at, v >>> 0);
};
const get32 = (d: Uint8Array, at: number) => (at + 4 <= d.length ? new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(at) : 0);

/** A frame with new bytes (the others fields kept). */
const withData = (f: Frame, data: Uint8Array): Frame => ({ ...f, data, capLenOverride: undefined });

/** One mutation of a frame: the frames that replace it (often just one) and what was done. */
export function mutateFrame(f: Frame, rng: Rng): { frames: Frame[]; what: string } {
  const l = dissect(f.linktype, f.data);
  if (!l) return { frames: [withData(f, f.data.slice())], what: 'no layers' };
  const d = f.data.slice();
  const kind = rng.int(14);
  const one = (data: Uint8Array, what: string) => ({ frames: [withData(f, data)], what });
  if (kind <= 3 && l.app !== 'none' && l.payload < l.end) return one(appPayload(d, l, rng), `${l.app} payload`);
  switch (kind) {
    case 4:
      return one(ipFields(d, l, rng), `IPv${l.ipVersion} header`);
    case 5:
      return { frames: fragmentIp(f, d, l, rng), what: `IPv${l.ipVersion} fragments` };
    case 6:
      return one(tunnel(d, l, rng), 'tunnels');
    case 7:
      return l.proto === 6
        ? { frames: resegment(f, d, l, rng), what: 'TCP segments' }
        : one(transportFields(d, l, rng), `transport ${l.proto}`);
    case 8:
      return one(transportFields(d, l, rng), `transport ${l.proto}`);
    case 9:
      return one(v6Extensions(d, l, rng), 'IPv6 extension headers');
    case 10:
      return one(grow(d, l, rng), 'payload grown');
    case 11:
      return { frames: flood(f, d, l, rng), what: 'flood' };
    case 12:
      return one(icmpQuote(d, l), 'quoted in ICMP');
    default:
      return one(linkFields(d, l, f.linktype, rng), 'link layer');
  }
}

function appPayload(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  const p = d.subarray(l.payload, l.end);
  let np: Uint8Array;
  switch (l.app) {
    case 'sip':
      np = mutateSip(p, rng);
      break;
    case 'hep':
      np = mutateHep(p, rng);
      break;
    case 'rtp':
      np = rng.chance(0.8) ? mutateRtp(p, rng) : mutateRtcp(p, rng);
      break;
    case 'rtcp':
      np = mutateRtcp(p, rng);
      break;
    case 'ws':
      np = mutateWs(p, rng);
      break;
    default:
      np = l.proto === 132 ? sctpChunks(p, rng) : mutateSip(p, rng);
  }
  return replacePayload(d, l, np);
}

/** IPv4: total length, header length, version, flags and offset, protocol; IPv6: payload
 *  length, next header, version. */
function ipFields(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  const at = l.ip;
  if (l.ipVersion === 4) {
    switch (rng.int(5)) {
      case 0:
        set16(d, at + 2, rng.pick([0, 1, 19, 20, 21, d.length - at + 1, 0xffff, get16(d, at + 2) - 1]));
        break;
      case 1:
        d[at] = (d[at] & 0xf0) | rng.int(16);
        break;
      case 2:
        d[at] = (rng.pick([0, 4, 5, 6, 15]) << 4) | (d[at] & 15);
        break;
      case 3:
        set16(d, at + 6, rng.pick([0x2000, 0x0001, 0x1fff, 0x3fff, 0x2000 | rng.int(0x2000), rng.int(0x10000)]));
        break;
      default:
        d[at + 9] = rng.pick([0, 1, 4, 6, 17, 41, 47, 58, 132, 255]);
    }
  } else {
    switch (rng.int(3)) {
      case 0:
        set16(d, at + 4, rng.pick([0, 1, 7, 8, d.length - at - 39, 0xffff]));
        break;
      case 1:
        d[at + 6] = rng.pick([0, 4, 6, 17, 41, 43, 44, 47, 51, 58, 59, 60, 132, 135, 139, 140]);
        break;
      default:
        d[at] = (rng.pick([0, 4, 6, 15]) << 4) | (d[at] & 15);
    }
  }
  return d;
}

/** An IPv6 extension chain inserted before the transport: options, routing, authentication and
 *  atomic fragments (offset 0, no more fragments), from a few up to thousands. */
function v6Extensions(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  if (l.ipVersion !== 6) return ipFields(d, l, rng);
  const n = rng.chance(0.1) ? rng.range(100, 4000) : rng.range(1, 12);
  const types = rng.chance(0.5) ? [44] : [0, 43, 44, 51, 60, 135, 139, 140];
  const ext: Uint8Array[] = [];
  let first = -1;
  let prev: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const t = rng.pick(types);
    const h = new Uint8Array(8);
    if (t === 44) {
      set32(h, 4, rng.chance(0.8) ? 0x1234 + i : rng.int(2 ** 32)); // id
      set16(h, 2, rng.chance(0.9) ? 0 : rng.int(0x10000)); // offset 0, M 0: atomic
    } else if (t === 51) h[1] = 0; // (0 + 2) × 4 bytes
    if (prev) prev[0] = t;
    else first = t;
    prev = h;
    ext.push(h);
  }
  if (prev) prev[0] = d[l.ip + 6];
  const out = concat(d.subarray(0, l.ip + 40), ...ext, d.subarray(l.ip + 40));
  out[l.ip + 6] = first;
  fixLengths(out, l, l.end + ext.length * 8);
  return out;
}

/** The innermost IP packet cut into fragments: sizes, order, overlaps, repeats and holes vary. */
function fragmentIp(f: Frame, d: Uint8Array, l: Layers, rng: Rng): Frame[] {
  const v4 = l.ipVersion === 4;
  const hl = v4 ? (d[l.ip] & 15) * 4 : 40;
  const payload = d.subarray(l.ip + hl, l.end);
  if (payload.length < 16) return [withData(f, ipFields(d, l, rng))];
  const size = Math.max(8, rng.small(payload.length) & ~7) || 8;
  const id = rng.chance(0.5) ? 0x77 : rng.int(0x10000);
  const pieces: { off: number; end: number }[] = [];
  for (let off = 0; off < payload.length; off += size) pieces.push({ off, end: Math.min(payload.length, off + size) });
  if (pieces.length > 200) pieces.length = 200;
  if (rng.chance(0.3)) pieces.push({ ...rng.pick(pieces) }); // a repeat
  if (rng.chance(0.2)) {
    const p = rng.pick(pieces); // an overlap that reaches further
    pieces.push({ off: p.off, end: Math.min(payload.length + rng.int(64), p.end + 8 * rng.range(1, 4)) });
  }
  if (rng.chance(0.2)) pieces.splice(rng.int(pieces.length), 1); // a hole
  if (rng.chance(0.5))
    for (let i = pieces.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
    }
  const proto = v4 ? d[l.ip + 9] : d[l.ip + 6];
  const total = payload.length;
  return pieces.map((p) => {
    const part = new Uint8Array(p.end - p.off);
    part.set(payload.subarray(p.off, Math.min(p.end, total)));
    const more = p.end < total;
    let ipHead: Uint8Array;
    if (v4) {
      ipHead = d.slice(l.ip, l.ip + hl);
      set16(ipHead, 2, hl + part.length);
      set16(ipHead, 4, id);
      set16(ipHead, 6, (more ? 0x2000 : 0) | ((p.off >> 3) & 0x1fff));
    } else {
      ipHead = concat(d.subarray(l.ip, l.ip + 40), new Uint8Array(8));
      ipHead[6] = 44;
      set16(ipHead, 4, 8 + part.length);
      ipHead[40] = proto;
      set16(ipHead, 42, (p.off & 0xfff8) | (more ? 1 : 0));
      set32(ipHead, 44, id);
    }
    const data = concat(d.subarray(0, l.ip), ipHead, part);
    // enclosing tunnels get lengths that cover the fragment
    fixLengths(data, { ...l, enclosing: l.enclosing.filter((e) => e.at < l.ip) }, data.length);
    return withData(f, data);
  });
}

/** The IP packet wrapped in tunnels, one to a dozen deep: IP in IP, GRE, VXLAN, GTP-U. */
function tunnel(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  let inner: Uint8Array = d.slice(l.ip, l.end);
  const n = rng.chance(0.2) ? rng.range(7, 14) : rng.range(1, 3);
  for (let i = 0; i < n; i++) {
    const v6 = inner[0] >> 4 === 6;
    const ip4 = (proto: number, p: Uint8Array) => {
      const h = new Uint8Array(20);
      h[0] = 0x45;
      set16(h, 2, 20 + p.length);
      h[8] = 64;
      h[9] = proto;
      h.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
      return concat(h, p);
    };
    const udp = (port: number, p: Uint8Array) => {
      const h = new Uint8Array(8);
      set16(h, 0, 40000);
      set16(h, 2, port);
      set16(h, 4, 8 + p.length);
      return ip4(17, concat(h, p));
    };
    const eth = (p: Uint8Array) => concat(new Uint8Array(12), Uint8Array.of(v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00), p);
    switch (rng.int(4)) {
      case 0:
        inner = ip4(v6 ? 41 : 4, inner);
        break;
      case 1:
        inner = ip4(47, concat(Uint8Array.of(0x20, 0, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0, 0, 0, 0, 1), inner));
        break;
      case 2:
        inner = udp(4789, concat(Uint8Array.of(8, 0, 0, 0, 0, 0, 7, 0), eth(inner)));
        break;
      default:
        inner = udp(2152, concat(Uint8Array.of(0x30, 0xff, inner.length >> 8, inner.length & 0xff, 0, 0, 0, 9), inner));
    }
  }
  const out = concat(d.subarray(0, l.ip), inner);
  fixLengths(out, { ...l, enclosing: l.enclosing.filter((e) => e.at < l.ip) }, out.length);
  if (l.linkEnd >= 14 && l.linkEnd === l.ip) set16(out, l.linkEnd - 2, 0x0800);
  return out;
}

/** UDP length and ports, TCP header length, flags and sequence number. */
function transportFields(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  const at = l.l4;
  if (at < 0) return ipFields(d, l, rng);
  if (l.proto === 17) {
    if (rng.chance(0.5)) set16(d, at + 4, rng.pick([0, 1, 7, 8, 9, l.end - at + 1, 0xffff]));
    else set16(d, at + (rng.chance(0.5) ? 0 : 2), rng.pick([5060, 5080, 4789, 2152, 0, 53, 40000, 50000, rng.int(0x10000)]));
  } else if (l.proto === 6) {
    switch (rng.int(4)) {
      case 0:
        d[at + 12] = (rng.int(16) << 4) | (d[at + 12] & 15);
        break;
      case 1:
        d[at + 13] = rng.pick([0x01, 0x02, 0x04, 0x10, 0x18, 0x11, 0x14, 0x12, rng.int(256)]);
        break;
      case 2:
        set32(d, at + 4, rng.chance(0.5) ? rng.pick(INTERESTING_32) : get32(d, at + 4) + rng.range(-70000, 70000));
        break;
      default:
        set16(d, at + (rng.chance(0.5) ? 0 : 2), rng.pick([5060, 5080, 8080, 443, rng.int(0x10000)]));
    }
  } else if (l.proto === 132 && l.payload < l.end) return replacePayload(d, l, sctpChunks(d.subarray(l.payload, l.end), rng));
  return d;
}

/** A TCP segment's payload cut into segments with their own sequence numbers, reordered,
 *  repeated, overlapping, with a hole or a FIN. */
function resegment(f: Frame, d: Uint8Array, l: Layers, rng: Rng): Frame[] {
  const p = d.subarray(l.payload, l.end);
  if (p.length < 2) return [withData(f, transportFields(d, l, rng))];
  const seq = get32(d, l.l4 + 4);
  const cuts = [0];
  for (let n = rng.range(1, 12); n > 0; n--) cuts.push(rng.int(p.length));
  cuts.push(p.length);
  cuts.sort((a, b) => a - b);
  const segs: { off: number; end: number }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) if (cuts[i + 1] > cuts[i]) segs.push({ off: cuts[i], end: cuts[i + 1] });
  if (rng.chance(0.3)) segs.push({ ...rng.pick(segs) });
  if (rng.chance(0.2)) {
    const s = rng.pick(segs);
    segs.push({ off: Math.max(0, s.off - rng.int(20)), end: Math.min(p.length, s.end + rng.int(20)) });
  }
  if (rng.chance(0.15)) segs.splice(rng.int(segs.length), 1);
  if (rng.chance(0.5))
    for (let i = segs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [segs[i], segs[j]] = [segs[j], segs[i]];
    }
  return segs.map((s, i) => {
    const data = replacePayload(d, l, p.slice(s.off, s.end));
    set32(data, l.l4 + 4, seq + s.off);
    if (i === segs.length - 1 && rng.chance(0.2)) data[l.l4 + 13] |= 0x01;
    return withData(f, data);
  });
}

/** SCTP chunks: lengths (below the header, past the packet), DATA flags (B/E), TSN, types. */
function sctpChunks(p: Uint8Array, rng: Rng): Uint8Array {
  const c = p.slice();
  const chunks: number[] = [];
  for (let o = 0; o + 4 <= c.length && chunks.length < 16; ) {
    chunks.push(o);
    const len = get16(c, o + 2);
    if (len < 4) break;
    o += (len + 3) & ~3;
  }
  if (chunks.length === 0) return c;
  const o = rng.pick(chunks);
  switch (rng.int(5)) {
    case 0:
      set16(c, o + 2, rng.pick([0, 3, 4, 15, 16, 17, c.length - o + 1, 0xffff, ...INTERESTING_16]));
      break;
    case 1:
      c[o + 1] = rng.int(8);
      break;
    case 2:
      set32(c, o + 4, rng.chance(0.5) ? rng.pick(INTERESTING_32) : get32(c, o + 4) + rng.range(-3, 3));
      break;
    case 3:
      c[o] = rng.pick([0, 1, 3, 6, 63, 255]);
      break;
    default: {
      // a chunk cut short at the end of the packet
      return c.slice(0, Math.min(c.length, o + rng.range(4, 20)));
    }
  }
  return c;
}

/** The frame many times over, each copy a new stream, SSRC, report or datagram: the bounds of
 *  the core's tables (streams per endpoint, RTCP reports, TCP streams, fragment contexts, the
 *  reassembly arena) are reached. */
function flood(f: Frame, d: Uint8Array, l: Layers, rng: Rng): Frame[] {
  // at most 1 MB in all, and a few hundred SIP messages (each goes through the tracker and every
  // encoder): a case stays within milliseconds
  const most = Math.min(l.app === 'sip' ? 300 : 8300, Math.floor(1_000_000 / Math.max(64, d.length)));
  const n = Math.min(rng.pick([40, 100, 600, 2100, 8300]), most);
  const how = rng.int(4);
  const out: Frame[] = [];
  for (let i = 0; i < n; i++) {
    const c = d.slice();
    if (how === 0 && l.app === 'rtp') set32(c, l.payload + 8, 0x5000 + i);
    else if (how === 0 && l.app === 'rtcp') {
      set32(c, l.payload + 4, 0x6000 + i);
      set32(c, l.payload + 8, 0x7000 + i); // the first report block's SSRC (an SR's NTP word otherwise)
    } else if (how === 1 && l.ipVersion === 4) {
      // a first piece far into a datagram of its own: its buffer holds [0, offset)
      set16(c, l.ip + 4, i);
      set16(c, l.ip + 6, 0x2000 | (0x1f00 + (i & 0xff)));
    } else if (l.l4 >= 0) set16(c, l.l4, 1024 + (i % 60000)); // a new source port: a new stream
    out.push(withData(f, c));
  }
  return out;
}

/** The IP packet quoted in an ICMP error (destination unreachable) sent back by a router. */
function icmpQuote(d: Uint8Array, l: Layers): Uint8Array {
  const quoted = d.slice(l.ip, Math.min(l.end, l.ip + 576));
  const v6 = l.ipVersion === 6;
  const icmp = concat(Uint8Array.of(v6 ? 1 : 3, 3, 0, 0, 0, 0, 0, 0), quoted);
  let ip: Uint8Array;
  if (v6) {
    ip = concat(d.subarray(l.ip, l.ip + 40), icmp);
    set16(ip, 4, icmp.length);
    ip[6] = 58;
  } else {
    ip = concat(d.subarray(l.ip, l.ip + 20), icmp);
    ip[0] = 0x45;
    set16(ip, 2, ip.length);
    set16(ip, 6, 0);
    ip[9] = 1;
  }
  const out = concat(d.subarray(0, l.ip), ip);
  fixLengths(out, { ...l, enclosing: l.enclosing.filter((e) => e.at < l.ip) }, out.length);
  return out;
}

/** The payload grown to tens or hundreds of KiB (the IP length then says 0: offload). */
function grow(d: Uint8Array, l: Layers, rng: Rng): Uint8Array {
  const n = rng.pick([70_000, 140_000, 262_200, 300_000, 600_000, 1_000_000]);
  const p = new Uint8Array(n);
  const src = d.subarray(l.payload, l.end);
  if (src.length) for (let i = 0; i < n; i += src.length) p.set(src.subarray(0, Math.min(src.length, n - i)), i);
  else p.fill(rng.pick([0x41, 0x0d, 0x80, 0]));
  return replacePayload(d, l, p);
}

/** VLAN tags (up to past the decoder's bound), another EtherType, MPLS and PPPoE. */
function linkFields(d: Uint8Array, l: Layers, linktype: number, rng: Rng): Uint8Array {
  if (linktype !== 1 || l.linkEnd < 14) return ipFields(d, l, rng);
  switch (rng.int(4)) {
    case 0: {
      const n = rng.chance(0.2) ? rng.range(15, 20) : rng.range(1, 3);
      const tags = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) {
        set16(tags, i * 4, rng.pick([0x8100, 0x88a8, 0x9100]));
        set16(tags, i * 4 + 2, rng.int(4096));
      }
      return concat(d.subarray(0, l.linkEnd - 2), tags, d.subarray(l.linkEnd - 2));
    }
    case 1: {
      // MPLS labels, bottom-of-stack anywhere (or nowhere)
      const n = rng.range(1, 20);
      const labels = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) set32(labels, i * 4, (rng.int(1 << 20) << 12) | (rng.chance(i === n - 1 ? 0.9 : 0.05) ? 0x100 : 0) | 64);
      const out = concat(d.subarray(0, l.linkEnd - 2), Uint8Array.of(0x88, 0x47), labels, d.subarray(l.linkEnd));
      return out;
    }
    case 2: {
      const pppoe = Uint8Array.of(0x11, 0, 0, 1, 0, 0, 0, rng.pick([0x21, 0x57, 0x00, 0x03]));
      return concat(d.subarray(0, l.linkEnd - 2), Uint8Array.of(0x88, 0x64), pppoe, d.subarray(l.linkEnd));
    }
    default:
      set16(d, l.linkEnd - 2, rng.pick([0x0800, 0x86dd, 0x0806, 0x8100, 0x8847, 0x8864, 0x88cc, rng.int(0x10000)]));
      return d;
  }
}
