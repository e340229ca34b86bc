// A call's RTP streams over time, for the Media tab's plot: the engine traces the streams of the
// record's media[] (Engine.traceStreams) and hands back a sample per packet after each feed
// (takeSamples: the extended highest sequence and the packets so far, the jitter); TraceBins folds them at once into bins — packets received, packets expected from
// the extended sequence number, the largest jitter — so nothing per packet outlives the feed it
// came from, and a trace of a long call holds ≤ MAX_BINS numbers per series. No DOM, no worker
// API: it runs in Node too (unit tests).

import type { StreamKey, StreamSample } from '../../shared/events.ts';
import { MAX_TRACE_KEYS } from '../../shared/engine/core-abi.ts';
import { type StreamJson, parseEndpoint, ssrcOf } from '../call-media.ts';
import type { MediaTrace, StreamSeries } from '../worker-protocol.ts';

/** A stream the engine is asked to trace, and one traced packet (Engine.traceStreams / takeSamples). */
export type TraceKey = StreamKey;
export type TraceSample = StreamSample;

/** Bins of a trace at most (fewer, wider bins for a long call). */
export const MAX_BINS = 600;
/** Bin widths to choose from, seconds: the narrowest that gives ≤ MAX_BINS. */
const BIN_SECONDS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];
/** JSON times have microseconds; a capture's own may have more. */
const EPSILON = 1e-6;

/** The engine's keys of a record's streams (an endpoint that is no `ip:port` gets port 0 and matches nothing). */
export function traceKeys(media: readonly StreamJson[]): TraceKey[] {
  return media.map((s) => {
    const src = parseEndpoint(s.src);
    const dst = parseEndpoint(s.dst);
    return { src: src?.ip ?? '', sport: src?.port ?? 0, dst: dst?.ip ?? '', dport: dst?.port ?? 0, ssrc: ssrcOf(s) };
  });
}

export function binSeconds(span: number): number {
  for (const b of BIN_SECONDS) if (span / b <= MAX_BINS) return b;
  return Math.ceil(span / MAX_BINS);
}

interface Running {
  /** the figures after the stream's previous sample; null before its first in the call's time */
  seq: number | null;
  packets: number;
  /** arrival of the previous sample in the call's time, seconds since the first bin */
  at: number;
  /** packets counted since the first in the call's time, and whether its last packet was seen */
  seen: number;
  ended: boolean;
}

export class TraceBins {
  readonly start: number;
  readonly binSec: number;
  readonly bins: number;
  private readonly series: StreamSeries[];
  private readonly run: Running[];

  constructor(private readonly media: readonly StreamJson[]) {
    let t0 = Number.POSITIVE_INFINITY;
    let t1 = Number.NEGATIVE_INFINITY;
    for (const s of media) {
      t0 = Math.min(t0, s.start);
      t1 = Math.max(t1, s.end);
    }
    if (!(t1 >= t0)) t0 = t1 = 0;
    this.start = t0;
    this.binSec = binSeconds(t1 - t0);
    this.bins = Math.max(1, Math.ceil((t1 - t0) / this.binSec - EPSILON));
    this.series = media.map(() => ({
      packets: new Array<number>(this.bins).fill(0),
      expected: new Array<number>(this.bins).fill(0),
      jitterMs: new Array<number | null>(this.bins).fill(null),
    }));
    // the engine traces the first MAX_TRACE_KEYS streams: the others have nothing to wait for
    this.run = media.map((_, k) => ({ seq: null, packets: 0, at: 0, seen: 0, ended: k >= MAX_TRACE_KEYS }));
  }

  private bin(at: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.floor(at / this.binSec)));
  }

  /**
   * Packets the sequence numbers skipped between two arrivals were due in between: they are spread
   * over the bins from `from` to `to` by time (whole packets, the total kept), so a burst of loss
   * shows where the audio went missing, not all in the bin of the packet after it.
   */
  private spread(expected: number[], missing: number, from: number, to: number): void {
    const a = this.bin(from);
    const b = this.bin(to);
    if (a === b || !(to > from)) {
      expected[b] += missing;
      return;
    }
    let given = 0;
    for (let k = a; k <= b; k++) {
      const upTo = k === b ? to : (k + 1) * this.binSec;
      const n = Math.round(((upTo - from) / (to - from)) * missing) - given;
      expected[k] += n;
      given += n;
    }
  }

  /** Fold samples into the bins; the running figures of each stream are all that is kept. */
  add(samples: readonly TraceSample[]): void {
    for (const x of samples) {
      const s = this.media[x.stream];
      const r = this.run[x.stream];
      if (!s || !r) continue;
      const t = x.sec + x.nsec / 1e9;
      const at = t - this.start;
      // packets outside the stream's time (the same key in another call) are not this stream's
      if (t < s.start - EPSILON || t > s.end + EPSILON) {
        if (r.seq !== null) {
          r.seq = x.seq;
          r.packets = x.packets;
        }
        continue;
      }
      if (r.seq === null) {
        r.seq = x.seq - 1;
        r.packets = x.packets - 1;
        r.at = at;
      }
      const k = this.bin(at);
      const b = this.series[x.stream];
      const received = x.packets - r.packets;
      const advance = x.seq - r.seq;
      b.packets[k] += received;
      // this packet's own number here; the numbers it skipped over the time since the previous one
      if (advance > 1) this.spread(b.expected, advance - 1, r.at, at);
      if (advance > 0) b.expected[k] += 1;
      const j = b.jitterMs[k];
      if (j === null || x.jitterMs > j) b.jitterMs[k] = x.jitterMs;
      r.seen += received;
      r.seq = x.seq;
      r.packets = x.packets;
      r.at = at;
      if (t >= s.end - EPSILON && r.seen >= s.packets) r.ended = true;
    }
  }

  /** Every stream has had its last packet: the rest of the capture has nothing for the plot. */
  done(): boolean {
    return this.run.every((r) => r.ended);
  }

  result(bytes: number, stoppedEarly: boolean, ms: number, samplesDropped = 0): MediaTrace {
    return { start: this.start, binSec: this.binSec, bins: this.bins, streams: this.series, bytes, stoppedEarly, ms, samplesDropped };
  }
}
