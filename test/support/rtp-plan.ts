// RTP streams with a known plan of impairments, for the media tests: which packets are lost,
// duplicated, swapped with the next, delayed, and where the stream stops. Deterministic for a
// seed. The plan's own counts (packets sent, lost, duplicates) are what the analysis must find.

import { type Packet, prng, rtp, udpPacketV4, udpPacketV6 } from './capture-writer.ts';

export interface RtpPlan {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
  /** packets the sender makes (before loss), one per ptime */
  count: number;
  /** capture seconds of the first packet */
  start: number;
  pt?: number;
  /** RTP clock rate (default 8000) and packet time in ms (default 20) */
  clock?: number;
  ptimeMs?: number;
  firstSeq?: number;
  firstTs?: number;
  /** sender indices never delivered */
  lose?: Iterable<number>;
  /** sender indices delivered twice (the copy 0.1 ms later) */
  duplicate?: Iterable<number>;
  /** sender indices delivered 0.5 ms after the next one */
  swap?: Iterable<number>;
  /** uniform arrival jitter: each packet up to ±jitterMs late/early */
  jitterMs?: number;
  /** extra delay of one packet, ms: [index, ms] */
  delay?: Iterable<[number, number]>;
  /** the sender pauses before this index for pauseMs (its RTP clock runs on; no marker) */
  pauseAt?: number;
  pauseMs?: number;
  seed?: number;
  payloadBytes?: number;
  /** RFC 4733 events: [first sender index, digit code, packets] — sent instead of audio */
  events?: [number, number, number][];
  eventPt?: number;
}

export interface PlannedStream {
  packets: Packet[];
  /** packets delivered (duplicates included) */
  delivered: number;
  lost: number;
  duplicates: number;
}

/** The packets of one planned stream, in arrival order. */
export function plannedStream(p: RtpPlan): PlannedStream {
  const clock = p.clock ?? 8000;
  const ptime = (p.ptimeMs ?? 20) / 1000;
  const step = Math.round(clock * ptime);
  const rnd = prng(p.seed ?? 1);
  const lose = new Set(p.lose ?? []);
  const dup = new Set(p.duplicate ?? []);
  const swap = new Set(p.swap ?? []);
  const delay = new Map(p.delay ?? []);
  const v6 = p.src.includes(':');
  const events = new Map<number, [number, number, number]>();
  for (const [at, code, n] of p.events ?? []) for (let k = 0; k < n; k++) events.set(at + k, [code, k, n]);
  // arrival times first: a swapped packet arrives 0.5 ms after its successor
  const times: number[] = [];
  for (let i = 0; i < p.count; i++) {
    let t = p.start + i * ptime + (delay.get(i) ?? 0) / 1000 + (p.pauseAt !== undefined && i >= p.pauseAt ? (p.pauseMs ?? 0) / 1000 : 0);
    if (p.jitterMs) t += ((rnd() * 2 - 1) * p.jitterMs) / 1000;
    times.push(t);
  }
  for (const i of swap) if (i + 1 < p.count) times[i] = times[i + 1] + 0.0005;
  const out: { t: number; data: Uint8Array }[] = [];
  let duplicates = 0;
  let lost = 0;
  let eventTs = 0;
  for (let i = 0; i < p.count; i++) {
    const seq = ((p.firstSeq ?? 1000) + i) & 0xffff;
    const paused = p.pauseAt !== undefined && i >= p.pauseAt ? Math.round(((p.pauseMs ?? 0) * clock) / 1000) : 0;
    const ts = ((p.firstTs ?? 160_000) + i * step + paused) >>> 0;
    const ev = events.get(i);
    let payload: Uint8Array;
    let pt = p.pt ?? 0;
    let marker = i === 0;
    let evTs = ts;
    if (ev) {
      const [code, k, n] = ev;
      if (k === 0) eventTs = ts;
      evTs = eventTs;
      pt = p.eventPt ?? 101;
      marker = k === 0;
      const end = k === n - 1;
      const dur = (k + 1) * step;
      payload = new Uint8Array([code, (end ? 0x80 : 0) | 10, (dur >> 8) & 0xff, dur & 0xff]);
    } else payload = new Uint8Array(p.payloadBytes ?? 160).fill(0xff);
    const head = rtp({ pt, seq, ts: evTs, ssrc: p.ssrc, marker }, 0);
    const body = new Uint8Array(head.length + payload.length);
    body.set(head);
    body.set(payload, head.length);
    if (lose.has(i)) {
      lost++;
      continue;
    }
    const frame = v6 ? udpPacketV6(p.src, p.sport, p.dst, p.dport, body) : udpPacketV4(p.src, p.sport, p.dst, p.dport, body);
    out.push({ t: times[i], data: frame });
    if (dup.has(i)) {
      out.push({ t: times[i] + 0.0001, data: frame });
      duplicates++;
    }
  }
  out.sort((a, b) => a.t - b.t);
  return { packets: out.map((x) => ({ ts: x.t, data: x.data })), delivered: out.length, lost, duplicates };
}

/** Interleave several streams' packets by time. */
export function mergeByTime(...lists: Packet[][]): Packet[] {
  const all = lists.flat();
  return all.sort((a, b) => (a.ts as number) - (b.ts as number));
}
