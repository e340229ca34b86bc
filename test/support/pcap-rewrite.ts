// A pcap rewriter for the media tests: it reads a capture that tcpdump wrote on loopback (SIPp
// calls with real RTP), applies a known plan of impairments to the RTP of chosen streams — loss,
// duplicates, arrival jitter, swapped pairs, a stream that stops, an SSRC change, a sequence
// wrap, RFC 4733 digits, a NATed side — can add the RTCP sender and receiver reports the two
// sides would have sent about what they received, and writes a new capture in time order.
// Rewritten packets are built again (Ethernet, IP and UDP lengths and checksums correct);
// packets no plan touches keep their bytes. What each planned stream must show afterwards
// (packets, lost, duplicates) comes from the plan's arithmetic, not from reading the result.

import { ByteWriter, type Packet, prng, text, udpPacketV4, udpPacketV6, writePcap } from './capture-writer.ts';

// ---------------------------------------------------------------- reading

export interface Frame {
  sec: number;
  nsec: number;
  data: Uint8Array;
}

export interface Capture {
  linktype: number;
  frames: Frame[];
}

/** A classic pcap file (either byte order, µs or ns). */
export function readPcap(input: Uint8Array): Capture {
  // a plain view: slice() below must copy (a Node Buffer's slice would share the file's memory)
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new Error('pcap: shorter than its file header');
  const m = v.getUint32(0, true);
  let le: boolean;
  let nanos: boolean;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) {
    le = true;
    nanos = m === 0xa1b23c4d;
  } else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) {
    le = false;
    nanos = m === 0x4d3cb2a1;
  } else throw new Error(`pcap: unknown magic 0x${m.toString(16)}`);
  const linktype = v.getUint32(20, le) & 0xffff;
  const frames: Frame[] = [];
  for (let o = 24; o + 16 <= bytes.length; ) {
    const sec = v.getUint32(o, le);
    const frac = v.getUint32(o + 4, le);
    const incl = v.getUint32(o + 8, le);
    if (o + 16 + incl > bytes.length) break; // a record cut by the end of the file
    frames.push({ sec, nsec: nanos ? frac : frac * 1000, data: bytes.slice(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { linktype, frames };
}

/** RFC 5952 text of 16 address bytes. */
export function ipv6Text(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export interface Udp {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  payload: Uint8Array;
}

/** The UDP datagram of an Ethernet frame (IPv4 unfragmented, or IPv6 with UDP right after the fixed header). */
export function udpOf(frame: Uint8Array, linktype = 1): Udp | null {
  if (linktype !== 1 || frame.length < 14) return null;
  const et = (frame[12] << 8) | frame[13];
  let o = 14;
  let src: string;
  let dst: string;
  let end: number;
  if (et === 0x0800) {
    if (frame.length < o + 20 || frame[o] >> 4 !== 4 || frame[o + 9] !== 17) return null;
    if ((((frame[o + 6] << 8) | frame[o + 7]) & 0x3fff) !== 0) return null; // a fragment
    const hl = (frame[o] & 0x0f) * 4;
    end = Math.min(frame.length, o + ((frame[o + 2] << 8) | frame[o + 3]));
    src = Array.from(frame.subarray(o + 12, o + 16)).join('.');
    dst = Array.from(frame.subarray(o + 16, o + 20)).join('.');
    o += hl;
  } else if (et === 0x86dd) {
    if (frame.length < o + 40 || frame[o + 6] !== 17) return null;
    end = Math.min(frame.length, o + 40 + ((frame[o + 4] << 8) | frame[o + 5]));
    src = ipv6Text(frame.subarray(o + 8, o + 24));
    dst = ipv6Text(frame.subarray(o + 24, o + 40));
    o += 40;
  } else return null;
  if (o + 8 > end) return null;
  const ulen = (frame[o + 4] << 8) | frame[o + 5];
  return {
    src,
    sport: (frame[o] << 8) | frame[o + 1],
    dst,
    dport: (frame[o + 2] << 8) | frame[o + 3],
    payload: frame.slice(o + 8, Math.min(end, o + ulen)),
  };
}

/** An RTP packet (version 2, not an RTCP packet type): its header fields. */
export function rtpOf(p: Uint8Array): { pt: number; marker: boolean; seq: number; ts: number; ssrc: number } | null {
  if (p.length < 12 || p[0] >> 6 !== 2 || (p[1] >= 192 && p[1] <= 223)) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return { pt: p[1] & 0x7f, marker: (p[1] & 0x80) !== 0, seq: v.getUint16(2), ts: v.getUint32(4), ssrc: v.getUint32(8) };
}

/** A UDP datagram as an Ethernet frame, IPv4 or IPv6 by the address form. */
export function udpFrame(src: string, sport: number, dst: string, dport: number, payload: Uint8Array): Uint8Array {
  return src.includes(':') ? udpPacketV6(src, sport, dst, dport, payload) : udpPacketV4(src, sport, dst, dport, payload);
}

// ---------------------------------------------------------------- plans

export interface Endpoint {
  ip: string;
  port: number;
}

/** Impairments of the RTP from `from` to `to` (indices count that stream's packets in capture order). */
export interface StreamPlan {
  from: Endpoint;
  to: Endpoint;
  /** indices never delivered */
  lose?: Iterable<number>;
  /** indices delivered twice (the copy 0.1 ms later) */
  duplicate?: Iterable<number>;
  /** each packet (the first excepted) up to ±jitterMs earlier or later, seeded */
  jitterMs?: number;
  seed?: number;
  /** indices delivered 0.5 ms after the next one */
  swap?: Iterable<number>;
  /** only the first stopAfter packets are delivered */
  stopAfter?: number;
  /** from index `at` on, another SSRC, and sequence numbers from `seq` */
  newSsrc?: { at: number; ssrc: number; seq: number };
  /** sequence numbers shifted so that index `at` carries 0 (the one before it 65535) */
  wrapAt?: number;
  /** RFC 4733 events sent instead of audio: [first index, event code, packets] */
  events?: [number, number, number][];
  eventPt?: number;
  /** the last this many packets of each event carry the end bit, same duration and timestamp (RFC 4733 §2.5.1.4: the final packet sent three times); default 1 */
  endPackets?: number;
}

/** What a planned stream must show: one entry per (source, destination, SSRC) it becomes. */
export interface ExpectedStream {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
  /** packets delivered, duplicates included */
  packets: number;
  /** RFC 3550: expected − packets */
  lost: number;
  duplicates: number;
  /** RFC 4733 digits, in order */
  dtmf: string;
}

export interface RewritePlan {
  streams: StreamPlan[];
  /**
   * A NATed side: every RTP/RTCP packet from `from` is from `to` instead; SIP is left alone. The
   * peer learns `to` from the first packet it gets from there (symmetric RTP): what it sends
   * before goes to the announced `from`, what it sends after goes to `to`.
   */
  nat?: { from: Endpoint; to: Endpoint };
}

/** Seeded random loss: indices 1…count−2 dropped with probability `rate` (the first and last stay). */
export function randomLoss(count: number, rate: number, seed: number): number[] {
  const rnd = prng(seed);
  const out: number[] = [];
  for (let i = 1; i < count - 1; i++) if (rnd() < rate) out.push(i);
  return out;
}

export const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + k);

const DIGITS = '0123456789*#ABCD';

interface Item {
  t: number; // seconds after the capture's first whole second (small: no float rounding of the stamps)
  data: Uint8Array;
  order: number;
  /** the original stamp of a frame left as it was */
  stamp?: { sec: number; nsec: number };
}

const sameEp = (ip: string, port: number, e: Endpoint) => ip === e.ip && port === e.port;

export interface Rewritten {
  packets: Packet[];
  expected: ExpectedStream[];
}

/**
 * Apply `plan` to a capture's frames. Each planned stream's original sequence numbers must be
 * consecutive (a loopback recording loses nothing), so that indices are sequence offsets.
 */
export function rewrite(cap: Capture, plan: RewritePlan): Rewritten {
  const items: Item[] = [];
  let order = 0;
  const base = cap.frames[0]?.sec ?? 0;
  const planned = new Map<string, { plan: StreamPlan; frames: { t: number; udp: Udp }[] }>();
  const key = (src: string, sport: number, dst: string, dport: number) => `${src} ${sport} ${dst} ${dport}`;
  for (const s of plan.streams) planned.set(key(s.from.ip, s.from.port, s.to.ip, s.to.port), { plan: s, frames: [] });
  const nat = plan.nat;
  // when the peer hears the NATed side first (capture seconds, like t below)
  let latch = Number.POSITIVE_INFINITY;
  if (nat) {
    for (const f of cap.frames) {
      const u = udpOf(f.data, cap.linktype);
      if (u && sameEp(u.src, u.sport, nat.from) && u.payload.length >= 8 && u.payload[0] >> 6 === 2) {
        latch = f.sec - base + f.nsec / 1e9;
        break;
      }
    }
  }
  const natDst = (ip: string, port: number, t: number): Endpoint =>
    nat && t > latch && sameEp(ip, port, nat.from) ? nat.to : { ip, port };
  for (const f of cap.frames) {
    const t = f.sec - base + f.nsec / 1e9;
    const u = udpOf(f.data, cap.linktype);
    const rtp = u ? rtpOf(u.payload) : null;
    const p = u && rtp ? planned.get(key(u.src, u.sport, u.dst, u.dport)) : undefined;
    if (u && p) {
      p.frames.push({ t, udp: u });
      continue;
    }
    const isMedia = u !== null && u.payload.length >= 8 && u.payload[0] >> 6 === 2; // RTP or RTCP, not SIP text
    if (u && nat && isMedia && (sameEp(u.src, u.sport, nat.from) || sameEp(u.dst, u.dport, nat.from))) {
      const src = sameEp(u.src, u.sport, nat.from) ? nat.to : { ip: u.src, port: u.sport };
      const dst = natDst(u.dst, u.dport, t);
      items.push({ t, data: udpFrame(src.ip, src.port, dst.ip, dst.port, u.payload), order: order++, stamp: f });
    } else items.push({ t, data: f.data, order: order++, stamp: f });
  }
  const expected: ExpectedStream[] = [];
  for (const { plan: s, frames } of planned.values()) {
    if (frames.length === 0) throw new Error(`rewrite: no RTP from ${s.from.ip}:${s.from.port} to ${s.to.ip}:${s.to.port}`);
    const out = planStream(s, frames, nat, natDst);
    for (const it of out.items) items.push({ ...it, order: order++ });
    expected.push(...out.expected);
  }
  items.sort((a, b) => a.t - b.t || a.order - b.order);
  const stampOf = (i: Item) => {
    if (i.stamp) return { sec: i.stamp.sec, nsec: i.stamp.nsec };
    const whole = Math.floor(i.t);
    const nsec = Math.round((i.t - whole) * 1e9);
    return nsec >= 1e9 ? { sec: base + whole + 1, nsec: nsec - 1e9 } : { sec: base + whole, nsec };
  };
  return { packets: items.map((i) => ({ ts: stampOf(i), data: i.data })), expected };
}

function planStream(
  s: StreamPlan,
  frames: { t: number; udp: Udp }[],
  nat: RewritePlan['nat'],
  natDst: (ip: string, port: number, t: number) => Endpoint,
): { items: Item[]; expected: ExpectedStream[] } {
  const first = rtpOf(frames[0].udp.payload)!;
  frames.forEach((f, i) => {
    const r = rtpOf(f.udp.payload)!;
    if (r.seq !== ((first.seq + i) & 0xffff) || r.ssrc !== first.ssrc)
      throw new Error(`rewrite: ${s.from.ip}:${s.from.port} packet ${i} has sequence ${r.seq}/SSRC ${r.ssrc}, not consecutive`);
  });
  const n = frames.length;
  const lose = new Set(s.lose ?? []);
  const dup = new Set(s.duplicate ?? []);
  const swap = new Set(s.swap ?? []);
  const rnd = prng(s.seed ?? 1);
  const events = new Map<number, [number, number, number]>();
  for (const [at, code, k] of s.events ?? []) for (let j = 0; j < k; j++) events.set(at + j, [code, j, k]);
  const srcEp = nat && sameEp(s.from.ip, s.from.port, nat.from) ? nat.to : s.from;

  // arrival times: jitter, then swaps (a swapped packet arrives 0.5 ms after its successor)
  const times = frames.map((f, i) => (i > 0 && s.jitterMs ? f.t + ((rnd() * 2 - 1) * s.jitterMs) / 1000 : f.t));
  for (const i of swap) if (i + 1 < n) times[i] = times[i + 1] + 0.0005;

  // the stream becomes one stream per (SSRC, destination): an SSRC change, a NAT latch;
  // per stream: delivered indices, duplicates, digits
  interface Part {
    ssrc: number;
    dst: Endpoint;
    min: number;
    max: number;
    delivered: number;
    dups: number;
    dtmf: string;
  }
  const parts = new Map<string, Part>();
  const items: Item[] = [];
  let eventTs = 0;
  for (let i = 0; i < n; i++) {
    const half = s.newSsrc && i >= s.newSsrc.at ? 1 : 0;
    const dstEp = natDst(s.to.ip, s.to.port, frames[i].t);
    const orig = frames[i].udp.payload;
    const r = rtpOf(orig)!;
    let seq = r.seq;
    let ssrc = r.ssrc;
    if (s.wrapAt !== undefined) seq = (i - s.wrapAt) & 0xffff;
    if (half === 1) {
      ssrc = s.newSsrc!.ssrc;
      seq = (s.newSsrc!.seq + i - s.newSsrc!.at) & 0xffff;
    }
    let body: Uint8Array;
    let digit = '';
    const ev = events.get(i);
    if (ev) {
      const [code, j, k] = ev;
      if (j === 0) eventTs = r.ts;
      const ends = Math.min(k, s.endPackets ?? 1);
      const end = j >= k - ends;
      const dur = (Math.min(j, k - ends) + 1) * 160;
      body = new ByteWriter()
        .u8(0x80)
        .u8((j === 0 ? 0x80 : 0) | (s.eventPt ?? 101))
        .u16(seq)
        .u32(eventTs)
        .u32(ssrc)
        .u8(code)
        .u8((end ? 0x80 : 0) | 10)
        .u16(dur)
        .finish();
      if (j === k - 1) digit = DIGITS[code] ?? '?';
    } else {
      body = orig.slice();
      const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
      v.setUint16(2, seq);
      v.setUint32(8, ssrc);
      if (half === 1 && i === s.newSsrc!.at) body[1] |= 0x80; // a new source starts with a marker
    }
    if ((s.stopAfter !== undefined && i >= s.stopAfter) || lose.has(i)) continue;
    const frame = udpFrame(srcEp.ip, srcEp.port, dstEp.ip, dstEp.port, body);
    const pk = `${ssrc} ${dstEp.ip} ${dstEp.port}`;
    let st = parts.get(pk);
    if (!st) parts.set(pk, (st = { ssrc, dst: dstEp, min: i, max: i, delivered: 0, dups: 0, dtmf: '' }));
    st.dtmf += digit;
    st.min = Math.min(st.min, i);
    st.max = Math.max(st.max, i);
    st.delivered++;
    items.push({ t: times[i], data: frame, order: 0 });
    if (dup.has(i)) {
      items.push({ t: times[i] + 0.0001, data: frame, order: 0 });
      st.delivered++;
      st.dups++;
    }
  }
  const expected = [...parts.values()].map((st) => {
    const exp = st.max - st.min + 1;
    return {
      src: srcEp.ip,
      sport: srcEp.port,
      dst: st.dst.ip,
      dport: st.dst.port,
      ssrc: st.ssrc,
      packets: st.delivered,
      lost: exp - st.delivered,
      duplicates: st.dups,
      dtmf: st.dtmf,
    };
  });
  return { items, expected };
}

// ---------------------------------------------------------------- RTCP

/** NTP seconds at the Unix epoch. */
const NTP_UNIX = 2_208_988_800;

/** The 64-bit NTP timestamp of epoch seconds t, as [msw, lsw]. */
export function ntpOf(t: number): [number, number] {
  const sec = Math.floor(t);
  const frac = Math.floor((t - sec) * 2 ** 32);
  return [(sec + NTP_UNIX) >>> 0, frac >>> 0];
}

/** Receiver statistics of one source at a moment (RFC 3550 A.3, A.8). */
class Reception {
  base = -1;
  maxExt = -1;
  received = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  jitter = 0; // timestamp units
  transit: number | null = null;
  constructor(
    readonly ssrc: number,
    readonly clock: number,
  ) {}

  packet(seq: number, ts: number, arrival: number): void {
    let ext: number;
    if (this.maxExt < 0) {
      ext = seq + 0x10000;
      this.base = ext;
    } else {
      // the extended number nearest the highest so far
      const cyc = this.maxExt - (this.maxExt & 0xffff);
      ext = cyc + seq;
      if (ext - this.maxExt > 0x8000) ext -= 0x10000;
      else if (this.maxExt - ext > 0x8000) ext += 0x10000;
    }
    if (ext > this.maxExt) this.maxExt = ext;
    this.received++;
    const transit = arrival * this.clock - ts;
    if (this.transit !== null) {
      let d = transit - this.transit;
      // the RTP timestamp is 32 bits: keep d small across a wrap
      if (d > 2 ** 31) d -= 2 ** 32;
      if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.transit = transit;
  }

  /** A report block's numbers; moves the interval on. */
  block(): { fraction: number; cumLost: number; extHigh: number; jitter: number } {
    const expected = this.maxExt - this.base + 1;
    const lost = expected - this.received;
    const expInt = expected - this.expectedPrior;
    const recInt = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInt = expInt - recInt;
    const fraction = expInt === 0 || lostInt <= 0 ? 0 : Math.floor((lostInt * 256) / expInt);
    const cumLost = Math.max(-0x800000, Math.min(0x7fffff, lost));
    return { fraction: Math.min(255, fraction), cumLost, extHigh: (this.maxExt - 0x10000) >>> 0, jitter: Math.floor(this.jitter) };
  }
}

export interface RtcpSide {
  /** the side's RTP endpoint (its RTCP is on port + 1 unless mux) */
  rtp: Endpoint;
  /** SSRC the side reports as (default: the SSRC of the first RTP it sends) */
  ssrc?: number;
}

export interface RtcpPlan {
  a: RtcpSide;
  b: RtcpSide;
  /** RTCP on the RTP ports (a=rtcp-mux), else on port + 1 */
  mux: boolean;
  /** epoch seconds at which side a reports; side b reports `offsetB` seconds after each */
  times: number[];
  offsetB: number;
  /** the round trip each report's LSR/DLSR tells (DLSR = time since the peer's SR − this), ms; cycled */
  rttMs: number[];
  clock?: number;
}

/** What a side's report said about a source, for the test's own sanity checks. */
export interface SentBlock {
  at: number;
  reporter: Endpoint;
  ssrc: number;
  fraction: number;
  cumLost: number;
  jitter: number;
  lsr: number;
  dlsr: number;
  /** the round trip the block tells against the SR it names: report time − SR time − DLSR, ms (null without LSR) */
  rttMs: number | null;
}

/**
 * The RTCP compounds (SR with a report block about each source the side received, or RR when it
 * sent nothing yet; SDES CNAME) both sides send at `times`, computed from the RTP in `packets`
 * as they arrive; returned merged into the packets in time order.
 */
export function withRtcp(packets: Packet[], plan: RtcpPlan): { packets: Packet[]; blocks: SentBlock[] } {
  const clock = plan.clock ?? 8000;
  const tsOf = (p: Packet) => (typeof p.ts === 'number' ? p.ts : p.ts.sec + p.ts.nsec / 1e9);
  interface Side {
    ep: Endpoint;
    ctl: Endpoint;
    ssrc: number | null;
    sent: number;
    octets: number;
    lastRtpTs: number;
    lastRtpAt: number;
    recv: Map<number, Reception>;
    /** the peer's last SR: NTP middle 32 bits and when it arrived */
    peerSr: { mid: number; at: number } | null;
  }
  const side = (s: RtcpSide): Side => ({
    ep: s.rtp,
    ctl: plan.mux ? s.rtp : { ip: s.rtp.ip, port: s.rtp.port + 1 },
    ssrc: s.ssrc ?? null,
    sent: 0,
    octets: 0,
    lastRtpTs: 0,
    lastRtpAt: 0,
    recv: new Map(),
    peerSr: null,
  });
  const A = side(plan.a);
  const B = side(plan.b);
  const events: { t: number; who: Side; peer: Side; k: number }[] = [];
  plan.times.forEach((t, k) => {
    events.push({ t, who: A, peer: B, k });
    events.push({ t: t + plan.offsetB, who: B, peer: A, k });
  });
  events.sort((x, y) => x.t - y.t);
  const out: Packet[] = [];
  const blocks: SentBlock[] = [];
  let ei = 0;
  let rttIndex = 0;
  const emit = (e: (typeof events)[number]) => {
    const { who, peer, t } = e;
    const ssrc = who.ssrc ?? 0x5eed0000 + (who === A ? 1 : 2);
    const w = new ByteWriter();
    const recv = [...who.recv.values()];
    const isSr = who.sent > 0;
    w.u8(0x80 | recv.length)
      .u8(isSr ? 200 : 201)
      .u16((isSr ? 6 : 1) + 6 * recv.length)
      .u32(ssrc);
    const [msw, lsw] = ntpOf(t);
    if (isSr) {
      const rtpTs = (who.lastRtpTs + Math.round((t - who.lastRtpAt) * clock)) >>> 0;
      w.u32(msw).u32(lsw).u32(rtpTs).u32(who.sent).u32(who.octets);
    }
    for (const r of recv) {
      const b = r.block();
      let lsr = 0;
      let dlsr = 0;
      let rttMs: number | null = null;
      if (who.peerSr) {
        const rtt = plan.rttMs[rttIndex++ % plan.rttMs.length] / 1000;
        lsr = who.peerSr.mid;
        dlsr = Math.max(0, Math.round((t - who.peerSr.at - rtt) * 65536));
        rttMs = (t - who.peerSr.at) * 1000 - (dlsr * 1000) / 65536;
      }
      w.u32(r.ssrc)
        .u8(b.fraction)
        .u8((b.cumLost >> 16) & 0xff)
        .u16(b.cumLost & 0xffff)
        .u32(b.extHigh)
        .u32(b.jitter)
        .u32(lsr)
        .u32(dlsr);
      blocks.push({ at: t, reporter: who.ep, ssrc: r.ssrc, fraction: b.fraction, cumLost: b.cumLost, jitter: b.jitter, lsr, dlsr, rttMs });
    }
    // SDES with one CNAME chunk, padded to a 32-bit boundary
    const cname = text(`side${who === A ? 'a' : 'b'}@sipscope.test`);
    const chunk = new ByteWriter().u32(ssrc).u8(1).u8(cname.length).bytes(cname).u8(0).pad(4).finish();
    w.u8(0x81)
      .u8(202)
      .u16(chunk.length / 4)
      .bytes(chunk);
    out.push({ ts: t, data: udpFrame(who.ctl.ip, who.ctl.port, peer.ctl.ip, peer.ctl.port, w.finish()) });
    if (isSr) peer.peerSr = { mid: ((msw & 0xffff) * 65536 + (lsw >>> 16)) >>> 0, at: t };
  };
  for (const p of packets) {
    const t = tsOf(p);
    while (ei < events.length && events[ei].t <= t) emit(events[ei++]);
    const u = udpOf(p.data);
    const r = u ? rtpOf(u.payload) : null;
    if (!u || !r) continue;
    for (const [from, to] of [
      [A, B],
      [B, A],
    ] as const) {
      if (!sameEp(u.src, u.sport, from.ep) || !sameEp(u.dst, u.dport, to.ep)) continue;
      from.ssrc ??= r.ssrc;
      from.sent++;
      from.octets += u.payload.length - 12;
      from.lastRtpTs = r.ts;
      from.lastRtpAt = t;
      let rec = to.recv.get(r.ssrc);
      if (!rec) to.recv.set(r.ssrc, (rec = new Reception(r.ssrc, clock)));
      rec.packet(r.seq, r.ts, t);
    }
  }
  while (ei < events.length) emit(events[ei++]);
  const all = [...packets, ...out].map((p, i) => ({ p, i, t: tsOf(p) }));
  all.sort((x, y) => x.t - y.t || x.i - y.i);
  return { packets: all.map((x) => x.p), blocks };
}

/** The rewritten capture as pcap bytes (nanosecond stamps: nothing is rounded). */
export function toPcap(packets: Packet[]): Uint8Array {
  return writePcap(packets, { nanos: true });
}
