// Where the layers of a frame lie, as the core reads them (assembly/net.ts): link header, IP
// headers (tunnels included), the transport header and its payload, and what the payload is.
// A structured mutation edits one layer and then makes the enclosing lengths agree again.

export type App = 'sip' | 'hep' | 'rtp' | 'rtcp' | 'ws' | 'ws-handshake' | 'other' | 'none';

export interface Layers {
  /** link header bytes before the first IP header */
  linkEnd: number;
  /** outermost first: every IP and UDP header whose length field covers the payload */
  enclosing: { kind: 'ip4' | 'ip6' | 'udp'; at: number }[];
  /** the innermost IP header */
  ip: number;
  ipVersion: 4 | 6;
  /** the innermost transport header (-1 when none was reached) */
  l4: number;
  proto: number;
  /** payload of the transport: [payload, end) */
  payload: number;
  end: number;
  app: App;
}

const be16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

function linkStart(linktype: number, d: Uint8Array): { at: number; type: number } | null {
  switch (linktype) {
    case 1: {
      if (d.length < 14) return null;
      let type = be16(d, 12);
      let at = 14;
      for (let i = 0; i < 8 && (type === 0x8100 || type === 0x88a8 || type === 0x9100); i++) {
        if (d.length < at + 4) return null;
        type = be16(d, at + 2);
        at += 4;
      }
      return { at, type };
    }
    case 113:
      return d.length >= 16 ? { at: 16, type: be16(d, 14) } : null;
    case 276:
      return d.length >= 20 ? { at: 20, type: be16(d, 0) } : null;
    case 0:
    case 108:
      return d.length >= 5 ? { at: 4, type: d[4] >> 4 === 6 ? 0x86dd : 0x0800 } : null;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return d.length >= 1 ? { at: 0, type: d[0] >> 4 === 6 ? 0x86dd : 0x0800 } : null;
  }
  return null;
}

/** The layers of a frame; null when it has no IP layer this walk understands. */
export function dissect(linktype: number, d: Uint8Array): Layers | null {
  const start = linkStart(linktype, d);
  if (!start || (start.type !== 0x0800 && start.type !== 0x86dd)) return null;
  const l: Layers = {
    linkEnd: start.at,
    enclosing: [],
    ip: start.at,
    ipVersion: 4,
    l4: -1,
    proto: -1,
    payload: d.length,
    end: d.length,
    app: 'none',
  };
  ip(d, start.at, d.length, l, 0);
  return l;
}

function ip(d: Uint8Array, at: number, end: number, l: Layers, depth: number): void {
  if (depth > 6 || at >= end) return;
  const v = d[at] >> 4;
  l.ip = at;
  if (v === 4) {
    const ihl = (d[at] & 15) * 4;
    if (ihl < 20 || at + ihl > end) return;
    const tot = be16(d, at + 2);
    const e = tot >= ihl && at + tot <= end ? at + tot : end;
    l.ipVersion = 4;
    l.enclosing.push({ kind: 'ip4', at });
    if ((be16(d, at + 6) & 0x3fff) !== 0) return; // a fragment: its payload is not whole
    transport(d, d[at + 9], at + ihl, e, l, depth);
  } else if (v === 6) {
    if (at + 40 > end) return;
    const plen = be16(d, at + 4);
    const e = plen > 0 && at + 40 + plen <= end ? at + 40 + plen : end;
    l.ipVersion = 6;
    l.enclosing.push({ kind: 'ip6', at });
    let nh = d[at + 6];
    let o = at + 40;
    for (let i = 0; i < 8 && (nh === 0 || nh === 43 || nh === 60); i++) {
      if (o + 2 > e) return;
      const next = d[o];
      o += (d[o + 1] + 1) * 8;
      nh = next;
    }
    if (nh === 44) return;
    transport(d, nh, o, e, l, depth);
  }
}

function transport(d: Uint8Array, proto: number, at: number, end: number, l: Layers, depth: number): void {
  if (at > end) return;
  l.proto = proto;
  l.l4 = at;
  l.end = end;
  if (proto === 4 || proto === 41) {
    ip(d, at, end, l, depth + 1);
    return;
  }
  if (proto === 47) {
    if (at + 4 > end) return;
    const flags = be16(d, at);
    const type = be16(d, at + 2);
    let o = at + 4 + (flags & 0xc000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
    if ((flags & 7) !== 0) return;
    if (type === 0x6558) {
      if (o + 14 > end) return;
      const t = be16(d, o + 12);
      o += 14;
      if (t !== 0x0800 && t !== 0x86dd) return;
    } else if (type !== 0x0800 && type !== 0x86dd) return;
    ip(d, o, end, l, depth + 1);
    return;
  }
  if (proto === 17) {
    if (at + 8 > end) return;
    const ulen = be16(d, at + 4);
    const e = ulen >= 8 && at + ulen <= end ? at + ulen : end;
    l.enclosing.push({ kind: 'udp', at });
    l.payload = at + 8;
    l.end = e;
    const sport = be16(d, at);
    const dport = be16(d, at + 2);
    if ((dport === 4789 || sport === 4789) && e - at >= 8 + 8 + 14 && be16(d, at + 8 + 8 + 12) === 0x0800)
      ip(d, at + 8 + 8 + 14, e, l, depth + 1);
    else if ((dport === 2152 || sport === 2152) && e - at >= 8 + 8 + 20 && d[at + 8] === 0x30) ip(d, at + 16, e, l, depth + 1);
    else l.app = classify(d, l.payload, e, false);
    return;
  }
  if (proto === 6) {
    if (at + 20 > end) return;
    const off = (d[at + 12] >> 4) * 4;
    if (off < 20 || at + off > end) return;
    l.payload = at + off;
    l.app = classify(d, l.payload, end, true);
    return;
  }
  if (proto === 132) {
    l.payload = at + 12 <= end ? at + 12 : end;
    l.app = 'other';
  }
}

const SIP_START = /^(SIP\/2\.0 \d\d\d|[A-Za-z]+ \S+ SIP\/2\.0)/;

function classify(d: Uint8Array, at: number, end: number, tcp: boolean): App {
  if (at >= end) return 'none';
  const head = String.fromCharCode(...d.subarray(at, Math.min(end, at + 64)));
  if (SIP_START.test(head)) return 'sip';
  if (head.startsWith('HEP3')) return 'hep';
  if (tcp && (head.startsWith('GET ') || head.startsWith('HTTP/1.1 101'))) return 'ws-handshake';
  if (tcp && end - at >= 2 && (d[at] & 0x70) === 0 && (d[at] & 15) <= 10) return 'ws';
  if (!tcp && end - at >= 8 && d[at] >> 6 === 2) return d[at + 1] >= 200 && d[at + 1] <= 204 ? 'rtcp' : 'rtp';
  return 'other';
}

/** Replace the payload [l.payload, l.end) of frame d with p; the enclosing IP and UDP lengths
 *  are made to cover it again (bytes after the payload, such as Ethernet padding, stay). */
export function replacePayload(d: Uint8Array, l: Layers, p: Uint8Array): Uint8Array {
  const out = new Uint8Array(d.length - (l.end - l.payload) + p.length);
  out.set(d.subarray(0, l.payload));
  out.set(p, l.payload);
  out.set(d.subarray(l.end), l.payload + p.length);
  const end = l.payload + p.length;
  fixLengths(out, l, end);
  return out;
}

/** Set every enclosing length field so that it ends at `end`. */
export function fixLengths(d: Uint8Array, l: Layers, end: number): void {
  for (const e of l.enclosing) {
    const n = e.kind === 'ip4' ? end - e.at : e.kind === 'ip6' ? end - e.at - 40 : end - e.at;
    const at = e.kind === 'ip4' ? e.at + 2 : e.at + 4;
    const v = n > 0xffff ? 0 : n; // larger than the field: "filled in by the NIC" (offload)
    d[at] = v >> 8;
    d[at + 1] = v & 0xff;
  }
}
