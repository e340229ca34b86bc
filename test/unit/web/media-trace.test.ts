// The plot of a call's streams over time: web/worker/media-trace.ts folds the engine's per-packet
// samples into bins (packets, expected from the extended sequence, the largest jitter) and keeps
// nothing else; web/views/media-plot-svg.ts draws the bins as line charts.

import { describe, expect, test } from 'vitest';
import { MAX_BINS, TraceBins, binSeconds, traceKeys, type TraceSample } from '../../../web/worker/media-trace.ts';
import { chartSvg, niceMax, plotLines, seriesTotals } from '../../../web/views/media-plot-svg.ts';
import type { StreamJson } from '../../../web/call-media.ts';

const T = 1767261600;

const stream = (v: Partial<StreamJson>): StreamJson => ({
  src: '192.0.2.10:40000',
  dst: '198.51.100.20:30000',
  ssrc: '0x00001000',
  direction: 'caller-to-callee',
  payloadType: 0,
  codec: 'PCMU',
  clockRate: 8000,
  start: T + 1,
  end: T + 10.98,
  packets: 0,
  bytes: 0,
  expected: 0,
  lost: 0,
  lostPct: 0,
  duplicates: 0,
  outOfOrder: 0,
  maxDeltaMs: 20,
  jitterMs: 0,
  meanJitterMs: 0,
  maxJitterMs: 0,
  rFactor: 93.2,
  mos: 4.41,
  dtmf: '',
  rtcp: null,
  ...v,
});

/** The samples the engine gives for a stream: one per packet received, in arrival order. */
function samples(index: number, start: number, seqs: number[], jitter: (k: number) => number = () => 1): TraceSample[] {
  const out: TraceSample[] = [];
  let high = -1;
  seqs.forEach((seq, k) => {
    high = Math.max(high, seq);
    const t = start + k * 0.02;
    const sec = Math.floor(t);
    out.push({ stream: index, sec, nsec: Math.round((t - sec) * 1e9), seq: high, packets: k + 1, jitterMs: jitter(k) });
  });
  return out;
}

describe('a trace folded into bins (web/worker/media-trace.ts)', () => {
  // 500 packets sent, every 10th lost; one packet twice; the other way 200 packets, no loss
  const sentUp = Array.from({ length: 500 }, (_, k) => 1000 + k);
  const up = sentUp.filter((s) => s % 10 !== 3);
  up.splice(100, 0, up[99]); // a duplicate
  const down = Array.from({ length: 200 }, (_, k) => 70000 + k);
  const media = [
    stream({ packets: up.length, end: T + 1 + (up.length - 1) * 0.02, lost: 500 - up.length }),
    stream({
      src: '198.51.100.20:30000',
      dst: '192.0.2.10:40000',
      ssrc: '0x00002000',
      direction: 'callee-to-caller',
      start: T + 2,
      end: T + 2 + 199 * 0.02,
      packets: 200,
    }),
  ];

  test('keys for the engine from the JSON endpoints and SSRC', () => {
    expect(traceKeys([media[0], stream({ src: '[2001:db8::1]:4000', dst: 'bad', ssrc: '0xfffffffe' })])).toEqual([
      { src: '192.0.2.10', sport: 40000, dst: '198.51.100.20', dport: 30000, ssrc: 0x1000 },
      { src: '2001:db8::1', sport: 4000, dst: '', dport: 0, ssrc: 0xfffffffe },
    ]);
  });

  test("the bins add up to the stream's packets and losses; jitter is the largest of each bin", () => {
    const bins = new TraceBins(media);
    expect(bins.binSec).toBe(0.5);
    expect(bins.bins).toBe(Math.ceil((media[0].end - T - 1) / 0.5));
    const all = [...samples(0, T + 1, up, (k) => (k === 120 ? 9.5 : 1)), ...samples(1, T + 2, down)];
    all.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
    // fed in pieces, as after each engine.feed()
    for (let k = 0; k < all.length; k += 37) {
      expect(bins.done()).toBe(false);
      bins.add(all.slice(k, k + 37));
    }
    expect(bins.done()).toBe(true);
    const r = bins.result(1234, true, 5);
    expect(r.streams).toHaveLength(2);
    expect(seriesTotals(r.streams[0])).toEqual({ packets: up.length, lost: 500 - up.length });
    expect(seriesTotals(r.streams[1])).toEqual({ packets: 200, lost: 0 });
    // packet 120 arrives 2.4 s after the first: bin 4
    expect(r.streams[0].jitterMs[4]).toBe(9.5);
    expect(r.streams[0].jitterMs[3]).toBe(1);
    // the answer starts 1 s later: no packet in its first two bins
    expect(r.streams[1].packets.slice(0, 3)).toEqual([0, 0, 25]);
    expect(r.streams[1].jitterMs[0]).toBeNull();
    expect({ bytes: r.bytes, stoppedEarly: r.stoppedEarly, start: r.start }).toEqual({ bytes: 1234, stoppedEarly: true, start: T + 1 });
  });

  test("packets of the same key outside the stream's time are not counted; a stream not seen to its end keeps the reading on", () => {
    const bins = new TraceBins([media[1]]);
    // an earlier call with the same key, then the stream itself up to its 150th packet
    const early = samples(0, T - 30, [5, 6, 7]);
    const own = samples(0, T + 2, down.slice(0, 150)).map((x) => ({ ...x, packets: x.packets + 3 }));
    bins.add([...early, ...own]);
    const r = bins.result(0, false, 0);
    expect(seriesTotals(r.streams[0])).toEqual({ packets: 150, lost: 0 });
    expect(bins.done()).toBe(false);
  });

  test('packets lost in a burst count where they were due, not all in the bin of the packet after', () => {
    // 400 packets over 8 s; 100 in a row (2 s from +3 s) lost
    const sent = Array.from({ length: 400 }, (_, k) => k);
    const got = sent.filter((k) => k < 150 || k >= 250);
    const times = got.map((k) => T + k * 0.02);
    const m = stream({ start: T, end: times[times.length - 1], packets: got.length });
    const bins = new TraceBins([m]);
    bins.add(
      got.map((seq, k) => ({
        stream: 0,
        sec: Math.floor(times[k]),
        nsec: Math.round((times[k] % 1) * 1e9),
        seq,
        packets: k + 1,
        jitterMs: 0,
      })),
    );
    const r = bins.result(0, true, 0).streams[0];
    expect(seriesTotals(r)).toEqual({ packets: 300, lost: 100 });
    // 0.5 s bins: 6..9 carry nothing received and every packet due lost; none more than a bin's worth
    expect(r.packets.slice(6, 10)).toEqual([0, 0, 0, 0]);
    for (const e of r.expected) expect(e).toBeLessThanOrEqual(26);
    expect(r.expected.slice(6, 10).every((e) => e >= 24)).toBe(true);
  });

  test('at most MAX_BINS bins, the narrowest round width', () => {
    expect(binSeconds(10)).toBe(0.5);
    expect(binSeconds(300)).toBe(0.5);
    expect(binSeconds(301)).toBe(1);
    expect(binSeconds(3600)).toBe(10);
    expect(binSeconds(10 * 86400)).toBe(1800);
    const long = new TraceBins([stream({ start: T, end: T + 7200 })]);
    expect(long.bins).toBeLessThanOrEqual(MAX_BINS);
    expect(long.binSec).toBe(15);
  });
});

describe('the charts (web/views/media-plot-svg.ts)', () => {
  const media = [stream({ start: T, end: T + 3.99 }), stream({ direction: 'callee-to-caller', start: T + 2, end: T + 3.99 })];
  const trace = {
    start: T,
    binSec: 1,
    bins: 4,
    streams: [
      { packets: [50, 45, 0, 50], expected: [50, 50, 0, 50], jitterMs: [1, 2, null, 1.5] },
      { packets: [0, 0, 50, 50], expected: [0, 0, 50, 50], jitterMs: [null, null, 3, 4] },
    ],
    bytes: 0,
    stoppedEarly: false,
    ms: 0,
    samplesDropped: 0,
  };

  test('a line per stream; values outside a stream, and bins without a packet for jitter and loss, are left out', () => {
    const rate = plotLines(trace, media, 'rate');
    expect(rate.map((l) => l.values)).toEqual([
      [50, 45, 0, 50],
      [null, null, 50, 50],
    ]);
    // a stream that covers a quarter of a bin or more: its rate over what it covers
    const short = [stream({ start: T, end: T + 2.5 - 0.02, packets: 125 })];
    const t2 = { ...trace, streams: [{ packets: [50, 50, 25, 0], expected: [50, 50, 25, 0], jitterMs: [1, 1, 1, null] }] };
    const v = plotLines(t2, short, 'rate')[0].values;
    expect(v[3]).toBeNull();
    expect(v.slice(0, 3).map((x) => Math.round(x! * 1000) / 1000)).toEqual([50, 50, 50]);
    expect(plotLines(trace, media, 'loss')[0].values).toEqual([0, 10, null, 0]);
    expect(plotLines(trace, media, 'jitter')[0].values).toEqual([1, 2, null, 1.5]);
    expect(rate.map((l) => [l.color, l.dashed])).toEqual([
      ['#0e7490', false],
      ['#7c3aed', false],
    ]);
  });

  test('paths break where a value is missing; axes on round numbers', () => {
    const svg = chartSvg('jitter', plotLines(trace, media, 'jitter'), trace);
    expect(svg.match(/data-testid="media-plot"/g)).toHaveLength(1);
    expect(svg.match(/<path /g)).toHaveLength(2);
    const first = /<g data-stream="0">\s*<path d="([^"]+)"/.exec(svg)![1];
    expect(first.match(/M/g)).toHaveLength(2); // two pieces around the empty bin
    expect(svg).toContain('>5 ms</text>'); // the axis' top above the largest 4 ms
    expect(svg).toContain('>+3 s</text>');
    expect([niceMax(0), niceMax(4), niceMax(51), niceMax(0.3), niceMax(50.000001)]).toEqual([1, 4, 60, 0.3, 60]);
  });
});
