// Media analysis on real traffic: SIPp calls with RTP both ways on loopback (IPv4, IPv6, a call
// put on hold by re-INVITEs, a call with a=rtcp-mux), recorded with tcpdump, then rewritten with
// known plans of impairments (test/support/pcap-rewrite.ts): loss with a seed and a burst of 12,
// 4 % duplicates, ±6 ms jitter, swapped pairs, a stream that stops after 5 packets, an SSRC
// change, a sequence wrap, RFC 4733 digits, a NATed caller, and RTCP reports (on port + 1, or
// muxed) computed from the RTP as it arrives. For every rewritten capture, sipscope's JSON
// `media[]` against Wireshark's: `tshark -z rtp,streams` (packets and lost exactly, max delta and
// mean/max jitter within 2 % or 0.02 ms) and tshark's RTCP dissection (report blocks, fraction
// and cumulative lost, jitter; the round trip against the SR frame tshark matched: its capture
// gap − DLSR, as tshark computes it before rounding to whole milliseconds);
// packets, lost and duplicates also equal the plan's arithmetic, and the verdicts the plan
// implies are there (and no others where the call is healthy).
//
// Ports (this file alone): SIP 29600-29609, media 29700-29779 (RTCP on media + 1).
// test/system/rtp-hostile.test.ts uses SIP 29610-29619 and media 29780-29799.

import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Packet } from '../support/capture-writer.ts';
import { runCli } from '../support/cli.ts';
import { endpointOf, jsonl } from '../support/jsonl.ts';
import {
  type Capture,
  type Endpoint,
  type ExpectedStream,
  type RewritePlan,
  randomLoss,
  range,
  readPcap,
  rewrite,
  rtpOf,
  type SentBlock,
  type StreamPlan,
  toPcap,
  udpOf,
  withRtcp,
} from '../support/pcap-rewrite.ts';
import { HOLD_TIMELINE, hostOf, type MediaCall, recordCalls } from '../support/sipp-media.ts';
import { tempDir } from '../support/temp.ts';
import { run, toolGate } from '../support/tools/exec.ts';
import { nearTshark, tsharkRtpStreams, type TsharkRtpStream } from '../support/tools/tshark.ts';

const gate = toolGate(['tshark', 'sipp', 'tcpdump'], 'rtp-sipp', { capture: true });
test.runIf(gate.mustFail)('tshark, SIPp and tcpdump are installed (CI)', () => gate.assertAvailable());

const tmp = tempDir('rtp-sipp');

const FILTER = 'udp and (portrange 29600-29609 or portrange 29700-29779)';
const call = (name: string, i: number, rest: Pick<MediaCall, 'ipVersion' | 'kind'> & Partial<MediaCall>): MediaCall => ({
  name,
  sip: { callee: 29600 + 2 * i, caller: 29601 + 2 * i },
  media: { callee: 29700 + 20 * i, caller: 29710 + 20 * i },
  ssrc: { caller: 0xca11e000 + i, callee: 0xca11ee00 + i },
  ...rest,
});
// the basic calls hang up 1 s after their RTP (reports after the last packet come before the
// BYE); the hold call takes longer anyway, the calls run at the same time
const CALLS = {
  basic: call('basic', 0, { ipVersion: 4, kind: 'basic', byeAfterMs: 4000 }),
  v6: call('v6', 1, { ipVersion: 6, kind: 'basic', byeAfterMs: 4000 }),
  hold: call('hold', 2, { ipVersion: 4, kind: 'hold' }),
  mux: call('mux', 3, { ipVersion: 4, kind: 'basic', mux: true, byeAfterMs: 4000 }),
};
/** RTP packets each side plays (basic calls) */
const PACKETS = 150;

const callerEp = (c: MediaCall): Endpoint => ({ ip: hostOf(c), port: c.media.caller });
const calleeEp = (c: MediaCall): Endpoint => ({ ip: hostOf(c), port: c.media.callee });
const up = (c: MediaCall, p: Partial<StreamPlan> = {}): StreamPlan => ({ from: callerEp(c), to: calleeEp(c), ...p });
const down = (c: MediaCall, p: Partial<StreamPlan> = {}): StreamPlan => ({ from: calleeEp(c), to: callerEp(c), ...p });

/** The frames of one call: its SIP ports, RTP ports and RTCP ports. */
function framesOf(cap: Capture, c: MediaCall): Capture {
  const ports = new Set([c.sip.callee, c.sip.caller, c.media.callee, c.media.caller, c.media.callee + 1, c.media.caller + 1]);
  return {
    linktype: cap.linktype,
    frames: cap.frames.filter((f) => {
      const u = udpOf(f.data, cap.linktype);
      return u !== null && ports.has(u.sport) && ports.has(u.dport);
    }),
  };
}

// ---------------------------------------------------------------- the two views

/** One RTCP report block as tshark dissects it, with the round trip it computed for its packet. */
interface TsharkBlock {
  frame: number;
  ssrc: number;
  fraction: number;
  cumLost: number;
  jitter: number;
  /** tshark's round trip: whole ms of the capture gap to the SR it matched (truncated toward 0) − whole ms of DLSR */
  rttMs: number | null;
  /** the same without tshark's truncations: the capture gap between the two frames − DLSR ÷ 65536 */
  exactRttMs: number | null;
}

/** "sec.nnnnnnnnn" as [sec, nsec], exactly */
function epochParts(s: string): [number, number] {
  const [sec, frac = ''] = s.split('.');
  return [Number(sec), Number(frac.padEnd(9, '0').slice(0, 9))];
}

async function tsharkRtcp(path: string): Promise<TsharkBlock[]> {
  const fields = [
    'frame.number',
    'frame.time_epoch',
    'rtcp.ssrc.identifier',
    'rtcp.ssrc.fraction',
    'rtcp.ssrc.cum_nr',
    'rtcp.ssrc.jitter',
    'rtcp.ssrc.dlsr',
    'rtcp.roundtrip-delay',
    'rtcp.lsr-frame',
  ];
  const r = await run(
    'tshark',
    [
      '-n',
      '-r',
      path,
      '-o',
      'rtcp.heuristic_rtcp:TRUE',
      '-o',
      'rtcp.show_roundtrip_calculation:TRUE',
      '-o',
      'rtcp.roundtrip_min_threshhold:0',
      '-Y',
      'rtcp',
      '-T',
      'fields',
      ...fields.flatMap((f) => ['-e', f]),
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
    ],
    { timeoutMs: 60_000 },
  );
  const times = new Map<number, [number, number]>();
  const out: TsharkBlock[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const [frame, epoch, ids, fr, cum, jit, dlsr, rtt, srFrame] = line.split('\t');
    const at = epochParts(epoch);
    times.set(Number(frame), at);
    if (!fr) continue;
    const fractions = fr.split(',').map(Number);
    // report blocks come first in the compound; the SDES chunk's SSRC follows them
    const ssrcs = ids.split(',').map((x) => Number.parseInt(x, 16));
    const cums = cum.split(',').map(Number);
    const jits = jit.split(',').map(Number);
    const dlsrs = dlsr.split(',').map(Number);
    if (rtt && fractions.length !== 1) throw new Error(`frame ${frame}: a round trip and ${fractions.length} report blocks`);
    const sr = srFrame ? times.get(Number(srFrame)) : undefined;
    const exact = rtt && sr ? (at[0] - sr[0]) * 1000 + (at[1] - sr[1]) / 1e6 - (dlsrs[0] * 1000) / 65536 : null;
    for (const [i, f] of fractions.entries())
      out.push({
        frame: Number(frame),
        ssrc: ssrcs[i] >>> 0,
        fraction: f,
        cumLost: cums[i],
        jitter: jits[i],
        rttMs: rtt ? Number(rtt) : null,
        exactRttMs: exact,
      });
  }
  return out;
}

interface Analysed {
  path: string;
  /** what was written to path */
  packets: Packet[];
  records: Record<string, any>[];
  /** the only record (the first when there are several) */
  record: Record<string, any>;
  /** the streams of every record */
  media: Record<string, any>[];
  tshark: TsharkRtpStream[];
  stderr: string;
}

const ssrcHex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

async function analyse(name: string, packets: Packet[], calls = 1): Promise<Analysed> {
  const path = tmp.write(`${name}.pcap`, toPcap(packets));
  const [cli, tshark] = await Promise.all([
    runCli(['read', path, '--format', 'jsonl'], { timeoutMs: 30_000, throwOnTimeout: true }),
    tsharkRtpStreams(path, 60_000),
  ]);
  expect(cli.code, cli.stderr).toBe(0);
  const records = jsonl(cli.stdout);
  expect(records, `${name}: calls`).toHaveLength(calls);
  return { path, packets, records, record: records[0], media: records.flatMap((r) => r.media), tshark, stderr: cli.stderr };
}

/**
 * A stream's sequence numbers as they arrived, read from the capture: how far behind the highest
 * the last packet to arrive is (Wireshark 4.0 counts `expected` up to the last packet's number,
 * RFC 3550 A.3 and the SPEC's table up to the highest), and the packets below the highest that
 * were not duplicates (SPEC: outOfOrder).
 */
function seqFacts(packets: Packet[], m: Record<string, any>): { behind: number; outOfOrder: number } {
  const src = endpointOf(m.src);
  const dst = endpointOf(m.dst);
  let highest: number | null = null;
  let last = 0;
  let outOfOrder = 0;
  const seen = new Set<number>();
  for (const p of packets) {
    const u = udpOf(p.data);
    const r = u ? rtpOf(u.payload) : null;
    if (!u || !r || u.src !== src.ip || u.sport !== src.port || u.dst !== dst.ip || u.dport !== dst.port || ssrcHex(r.ssrc) !== m.ssrc)
      continue;
    // extended: nearest to the highest so far
    let ext = r.seq;
    if (highest !== null) {
      ext = highest - (highest & 0xffff) + r.seq;
      if (ext - highest > 0x8000) ext -= 0x10000;
      else if (highest - ext > 0x8000) ext += 0x10000;
    }
    if (highest !== null && ext < highest && !seen.has(ext)) outOfOrder++;
    seen.add(ext);
    highest = highest === null ? ext : Math.max(highest, ext);
    last = ext;
  }
  return { behind: highest === null ? 0 : highest - last, outOfOrder };
}

/**
 * Every stream sipscope reports against tshark's row for it; the counts must be the same, but
 * tshark's lost is smaller by how far the last packet to arrive is behind the highest (its rule,
 * not RFC 3550's: 0 unless the stream's end was reordered).
 */
function againstTshark(name: string, a: Analysed): void {
  expect(a.media.length, `${name}: streams (sipscope ${a.media.length}, tshark ${a.tshark.length})`).toBe(a.tshark.length);
  for (const m of a.media) {
    const src = endpointOf(m.src);
    const dst = endpointOf(m.dst);
    const what = `${name} ${m.src} > ${m.dst} ${m.ssrc}`;
    const t = a.tshark.find(
      (r) => r.src === src.ip && r.sport === src.port && r.dst === dst.ip && r.dport === dst.port && ssrcHex(r.ssrc) === m.ssrc,
    );
    expect(t, `${what}: tshark has the stream`).toBeDefined();
    if (!t) continue;
    expect(m.packets, `${what} packets`).toBe(t.packets);
    const behind = seqFacts(a.packets, m).behind;
    expect(m.lost - behind, `${what} lost (tshark counts to the last packet, ${behind} behind the highest)`).toBe(t.lost);
    expect(nearTshark(m.maxDeltaMs, t.maxDelta), `${what} max delta ${m.maxDeltaMs} vs tshark ${t.maxDelta}`).toBe(true);
    expect(nearTshark(m.meanJitterMs, t.meanJitter), `${what} mean jitter ${m.meanJitterMs} vs tshark ${t.meanJitter}`).toBe(true);
    expect(nearTshark(m.maxJitterMs, t.maxJitter), `${what} max jitter ${m.maxJitterMs} vs tshark ${t.maxJitter}`).toBe(true);
  }
}

function streamOf(
  a: Analysed,
  e: { src: string; sport: number; dst: string; dport: number; ssrc: number },
): Record<string, any> | undefined {
  return a.media.find((m) => {
    const s = endpointOf(m.src);
    const d = endpointOf(m.dst);
    return s.ip === e.src && s.port === e.sport && d.ip === e.dst && d.port === e.dport && m.ssrc === ssrcHex(e.ssrc);
  });
}

/** The plan's numbers: packets, lost and duplicates exactly; digits; who sent it. */
function againstPlan(name: string, a: Analysed, expected: ExpectedStream[], c: MediaCall): void {
  for (const e of expected) {
    const what = `${name} ${e.src}:${e.sport} > ${e.dst}:${e.dport} ${ssrcHex(e.ssrc)}`;
    const m = streamOf(a, e);
    expect(m, `${what}: sipscope reports the stream`).toBeDefined();
    if (!m) continue;
    expect({ packets: m.packets, lost: m.lost, duplicates: m.duplicates, dtmf: m.dtmf }, what).toEqual({
      packets: e.packets,
      lost: e.lost,
      duplicates: e.duplicates,
      dtmf: e.dtmf,
    });
    const fromCaller = e.dport === c.media.callee && e.dst === hostOf(c);
    expect(m.direction, `${what} direction`).toBe(fromCaller ? 'caller-to-callee' : 'callee-to-caller');
    expect([m.payloadType, m.codec, m.clockRate], `${what} codec`).toEqual([8, 'PCMA', 8000]);
  }
}

/**
 * sipscope's RTCP figures of each stream against the report blocks tshark dissected about it;
 * the round trip against tshark's, or (`planned`: where tshark computes none, e.g. at a NAT's
 * address its SDP did not set up) against the round trips the planned blocks tell.
 */
async function rtcpAgainstTshark(name: string, a: Analysed, planned?: SentBlock[]): Promise<TsharkBlock[]> {
  const blocks = await tsharkRtcp(a.path);
  expect(blocks.length, `${name}: tshark sees report blocks`).toBeGreaterThan(0);
  for (const m of a.media) {
    const what = `${name} ${m.src} ${m.ssrc} rtcp`;
    const about = blocks.filter((b) => ssrcHex(b.ssrc) === m.ssrc);
    if (about.length === 0) {
      expect(m.rtcp, what).toBeNull();
      continue;
    }
    expect(m.rtcp, `${what}: sipscope has figures (tshark: ${about.length} report blocks)`).not.toBeNull();
    if (!m.rtcp) continue;
    const last = about.at(-1)!;
    expect(m.rtcp.reports, `${what} reports`).toBe(about.length);
    expect(m.rtcp.cumulativeLost, `${what} cumulative lost`).toBe(last.cumLost);
    expect(
      Math.abs(m.rtcp.fractionLost - last.fraction / 256),
      `${what} fraction lost ${m.rtcp.fractionLost} vs tshark ${last.fraction}/256`,
    ).toBeLessThan(1 / 512);
    expect(
      Math.abs(m.rtcp.jitterMs - last.jitter / 8),
      `${what} jitter ${m.rtcp.jitterMs} ms vs tshark ${last.jitter} / 8 kHz`,
    ).toBeLessThanOrEqual(0.0005 + 1e-9);
    if (planned) {
      const rtts = planned.filter((b) => ssrcHex(b.ssrc) === m.ssrc && b.rttMs !== null).map((b) => b.rttMs!);
      if (rtts.length === 0) expect(m.rtcp.rttMs, `${what} rtt`).toBeNull();
      else {
        const mean = rtts.reduce((x, y) => x + y, 0) / rtts.length;
        expect(m.rtcp.rttMs, `${what} rtt (planned ${rtts.map((x) => x.toFixed(3)).join(', ')})`).not.toBeNull();
        expect(Math.abs(m.rtcp.rttMs - mean), `${what} rtt ${m.rtcp.rttMs} ms vs planned ${mean} ms`).toBeLessThanOrEqual(0.002);
      }
      continue;
    }
    const timed = about.filter((b) => b.rttMs !== null);
    if (timed.length === 0) expect(m.rtcp.rttMs, `${what} rtt`).toBeNull();
    else {
      // tshark's whole milliseconds are off by −1…+2 (both terms truncated, the gap toward 0 when
      // its nanoseconds part is negative); the figure both compute is the exact gap − DLSR
      for (const b of timed) {
        expect(b.exactRttMs, `${what}: frame ${b.frame}'s SR frame`).not.toBeNull();
        expect(b.rttMs! - b.exactRttMs!, `${what}: tshark's ${b.rttMs} ms for ${b.exactRttMs} ms`).toBeGreaterThan(-1);
        expect(b.rttMs! - b.exactRttMs!, `${what}: tshark's ${b.rttMs} ms for ${b.exactRttMs} ms`).toBeLessThan(2);
      }
      const mean = timed.reduce((x, b) => x + b.exactRttMs!, 0) / timed.length;
      expect(m.rtcp.rttMs, `${what} rtt`).not.toBeNull();
      expect(
        Math.abs(m.rtcp.rttMs - mean),
        `${what} rtt ${m.rtcp.rttMs} ms vs tshark's frames ${mean} ms (${timed.map((b) => `${b.exactRttMs!.toFixed(3)} [${b.rttMs}]`).join(', ')})`,
      ).toBeLessThanOrEqual(0.001);
    }
  }
  return blocks;
}

const tsOf = (p: Packet) => (typeof p.ts === 'number' ? p.ts : p.ts.sec + p.ts.nsec / 1e9);

/** Epoch seconds of the first and the last RTP packet of a capture's packets. */
function rtpSpan(packets: Packet[]): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const p of packets) {
    const u = udpOf(p.data);
    if (!u || !rtpOf(u.payload)) continue;
    const t = tsOf(p);
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  return [first, last];
}

/** Planned RTCP: each side reports every second from 0.5 s, and once more right after the RTP ends. */
function rtcpFor(c: MediaCall, packets: Packet[], mux: boolean, caller: Endpoint = callerEp(c)) {
  const [first, last] = rtpSpan(packets);
  const times: number[] = [];
  for (let t = first + 0.5; t < last - 0.2; t += 1) times.push(t);
  times.push(last + 0.05);
  const bye = packets.find((p) => {
    const u = udpOf(p.data);
    return u !== null && u.payload[0] === 0x42 && new TextDecoder().decode(u.payload.subarray(0, 4)) === 'BYE ';
  });
  expect(bye && tsOf(bye) > last + 0.05 + 0.15 + 0.1, 'the last reports come before the BYE').toBe(true);
  return withRtcp(packets, { a: { rtp: caller }, b: { rtp: calleeEp(c) }, mux, times, offsetB: 0.15, rttMs: [30, 42, 55] });
}

// ---------------------------------------------------------------- the tests

describe.skipIf(gate.missing.length > 0)('media of real SIPp calls, rewritten with planned impairments, against tshark', () => {
  let recorded: Capture;
  const of = (c: MediaCall) => framesOf(recorded, c);

  beforeAll(async () => {
    const rec = await recordCalls(tmp.file('sipp'), Object.values(CALLS), FILTER, 'calls', 40_000);
    console.info(`[rtp-sipp] four SIPp calls recorded in ${rec.ms} ms (${rec.tcpdump.replace(/\n/g, '; ')})`);
    recorded = readPcap(readFileSync(rec.pcap));
  }, 60_000);

  const packetsOf = (cap: Capture): Packet[] => cap.frames.map((f) => ({ ts: { sec: f.sec, nsec: f.nsec }, data: f.data }));
  const rewritten = (c: MediaCall, plan: RewritePlan) => rewrite(of(c), plan);
  const verdicts = (a: Analysed): string[] => a.record.verdicts;

  test('the recording as it is: each side sends from the port its SDP announced, nothing lost on loopback', async () => {
    const a = await analyse('recorded', packetsOf(recorded), 4);
    againstTshark('recorded', a);
    for (const c of Object.values(CALLS)) {
      const r = a.records.find((x) => x.SIP_CALL_ID.startsWith(`sipscope-media-${c.name}-`));
      expect(r, c.name).toBeDefined();
      if (!r) continue;
      expect([r.SIP_CALL_STATE, r.verdicts], c.name).toEqual(['CALL_COMPLETED', []]);
      const host = c.ipVersion === 6 ? `[${hostOf(c)}]` : hostOf(c);
      const want = [
        { src: `${host}:${c.media.caller}`, dst: `${host}:${c.media.callee}`, ssrc: ssrcHex(c.ssrc.caller), direction: 'caller-to-callee' },
        { src: `${host}:${c.media.callee}`, dst: `${host}:${c.media.caller}`, ssrc: ssrcHex(c.ssrc.callee), direction: 'callee-to-caller' },
      ];
      const got = r.media.map((m: Record<string, any>) => ({ src: m.src, dst: m.dst, ssrc: m.ssrc, direction: m.direction }));
      expect(
        got.sort((x: { src: string }, y: { src: string }) => x.src.localeCompare(y.src)),
        c.name,
      ).toEqual(want.sort((x, y) => x.src.localeCompare(y.src)));
      const sent =
        c.kind === 'hold' ? [HOLD_TIMELINE.callerPackets, HOLD_TIMELINE.calleeBefore + HOLD_TIMELINE.calleeAfter] : [PACKETS, PACKETS];
      for (const m of r.media) {
        const n = m.direction === 'caller-to-callee' ? sent[0] : sent[1];
        expect([m.packets, m.lost, m.duplicates, m.outOfOrder, m.rtcp], `${c.name} ${m.src}`).toEqual([n, 0, 0, 0, null]);
      }
    }
  });

  test('random loss (seed 7) and a burst of 12 one way, ±6 ms jitter both ways; RTCP SR/RR on port + 1', async () => {
    const c = CALLS.basic;
    const loss = [...new Set([...randomLoss(PACKETS, 0.03, 7), ...range(60, 12)])];
    const rw = rewritten(c, { streams: [up(c, { lose: loss, jitterMs: 6, seed: 3 }), down(c, { jitterMs: 6, seed: 4 })] });
    expect(rw.expected[0].lost).toBe(loss.length);
    const withReports = rtcpFor(c, rw.packets, false);
    const a = await analyse('loss-burst-rtcp', withReports.packets);
    againstTshark('loss-burst-rtcp', a);
    againstPlan('loss-burst-rtcp', a, rw.expected, c);
    expect(verdicts(a)).toContain('high-loss');
    expect(verdicts(a)).not.toContain('rtp-stopped');
    await rtcpAgainstTshark('loss-burst-rtcp', a);
    // the receiver's last report came after the stream ended: its cumulative loss is the plan's
    const upStream = streamOf(a, rw.expected[0]);
    expect(upStream?.rtcp?.cumulativeLost, 'the last RR about the lossy stream').toBe(rw.expected[0].lost);
    expect(upStream?.rtcp?.rttMs, 'a round trip was measured').not.toBeNull();
  });

  test('4 % duplicates, swapped adjacent pairs, ±6 ms jitter', async () => {
    const c = CALLS.basic;
    const dup = range(0, 6).map((k) => 3 + 25 * k); // 6 of 150
    const rw = rewritten(c, {
      streams: [
        up(c, { duplicate: dup, swap: [20, 70, 110], jitterMs: 6, seed: 5 }),
        down(c, { duplicate: [10, 50], swap: [30], jitterMs: 6, seed: 6 }),
      ],
    });
    expect(rw.expected.map((e) => [e.duplicates, e.lost])).toEqual([
      [6, -6],
      [2, -2],
    ]);
    const a = await analyse('dup-swap-jitter', rw.packets);
    againstTshark('dup-swap-jitter', a);
    againstPlan('dup-swap-jitter', a, rw.expected, c);
    // three swapped pairs, and what the jitter added to SIPp's own spacing
    for (const e of rw.expected) {
      const m = streamOf(a, e)!;
      expect(m.outOfOrder, `${m.src} out of order`).toBe(seqFacts(rw.packets, m).outOfOrder);
    }
    expect(streamOf(a, rw.expected[0])!.outOfOrder).toBeGreaterThanOrEqual(3);
    expect(verdicts(a)).toEqual([]);
  });

  test('±30 ms jitter: packets reordered all along, the last ones too (lost: RFC 3550 counts to the highest number, tshark to the last)', async () => {
    const c = CALLS.basic;
    const rw = rewritten(c, { streams: [up(c, { jitterMs: 30, seed: 5, swap: [148] }), down(c, { jitterMs: 30, seed: 6 })] });
    const a = await analyse('jitter-30', rw.packets);
    againstTshark('jitter-30', a);
    againstPlan('jitter-30', a, rw.expected, c);
    const upStream = streamOf(a, rw.expected[0])!;
    const facts = seqFacts(rw.packets, upStream);
    expect(upStream.outOfOrder, 'reordered packets').toBe(facts.outOfOrder);
    expect(facts.outOfOrder).toBeGreaterThan(10);
    expect(facts.behind, 'the highest number is not the last to arrive').toBeGreaterThan(0);
    expect(upStream.lost, 'nothing was lost').toBe(0);
  });

  test('a stream that stops after 5 packets (rtp-stopped); the other way changes SSRC mid-call', async () => {
    const c = CALLS.basic;
    const rw = rewritten(c, {
      streams: [up(c, { stopAfter: 5 }), down(c, { newSsrc: { at: 75, ssrc: 0xd0d0_0001, seq: 30_000 }, jitterMs: 2, seed: 8 })],
    });
    expect(rw.expected.map((e) => e.packets)).toEqual([5, 75, 75]);
    const a = await analyse('stop-ssrc', rw.packets);
    againstTshark('stop-ssrc', a);
    againstPlan('stop-ssrc', a, rw.expected, c);
    expect(a.media).toHaveLength(3);
    expect(verdicts(a)).toContain('rtp-stopped');
  });

  test('sequence numbers wrapping 65535 → 0 with a loss on each side of the wrap; RFC 4733 digits, each end sent three times', async () => {
    const c = CALLS.basic;
    const rw = rewritten(c, {
      streams: [
        up(c, { wrapAt: 70, lose: [68, 71], jitterMs: 3, seed: 9 }),
        down(c, {
          events: [
            [30, 1, 6],
            [90, 11, 6],
          ],
          endPackets: 3,
        }),
      ],
    });
    expect(rw.expected.map((e) => [e.lost, e.dtmf])).toEqual([
      [2, ''],
      [0, '1#'],
    ]);
    const a = await analyse('wrap-dtmf', rw.packets);
    againstTshark('wrap-dtmf', a);
    againstPlan('wrap-dtmf', a, rw.expected, c);
    expect(streamOf(a, rw.expected[0])?.expected, 'expected across the wrap').toBe(PACKETS);
    expect(verdicts(a)).toEqual([]);
  });

  test('a NATed caller: its RTP comes from another address than its SDP announced (nat, and nothing else)', async () => {
    const c = CALLS.basic;
    const nat = { from: callerEp(c), to: { ip: '127.0.0.77', port: 41_000 } };
    const rw = rewritten(c, { streams: [up(c), down(c)], nat });
    // the callee answers the NAT's address once it has heard from there (what it sent before
    // that, if anything, went to the address the caller's SDP announced)
    const flows = rw.expected.map((e) => `${e.src}:${e.sport} > ${e.dst}:${e.dport} ${e.packets}`);
    expect(flows[0]).toBe(`127.0.0.77:41000 > 127.0.0.1:29700 ${PACKETS}`);
    expect(flows.at(-1)).toMatch(/^127\.0\.0\.1:29700 > 127\.0\.0\.77:41000 \d+$/);
    expect(rw.expected.slice(1).reduce((n, e) => n + e.packets, 0)).toBe(PACKETS);
    const a = await analyse('nat', rw.packets);
    expect(a.media).toHaveLength(rw.expected.length);
    againstTshark('nat', a);
    againstPlan('nat', a, rw.expected, c);
    expect(verdicts(a)).toEqual(['nat']);
  });

  test.each([
    ['on port + 1', 'basic', false],
    ['muxed', 'mux', true],
  ] as const)(
    "a NATed caller whose RTCP comes from the NAT too, %s: both streams have their receivers' figures",
    async (how, which, mux) => {
      const c = CALLS[which];
      const natEp = { ip: '127.0.0.77', port: 41_000 };
      const rw = rewritten(c, {
        streams: [up(c, { lose: [30, 31], jitterMs: 3, seed: 15 }), down(c, { jitterMs: 3, seed: 16 })],
        nat: { from: callerEp(c), to: natEp },
      });
      // the caller's RTCP leaves through the NAT (its port + 1 there when not muxed); the callee
      // answers where it came from (symmetric RTCP, RFC 4961)
      const withReports = rtcpFor(c, rw.packets, mux, natEp);
      const name = `nat-rtcp-${mux ? 'mux' : 'port+1'}`;
      const a = await analyse(name, withReports.packets);
      againstTshark(name, a);
      againstPlan(name, a, rw.expected, c);
      expect(verdicts(a), how).toEqual(['nat']);
      // tshark sets up no RTCP conversation at the NAT's address: no round trips from it; the
      // planned blocks tell them
      await rtcpAgainstTshark(name, a, withReports.blocks);
      for (const e of rw.expected.filter((x) => x.src === natEp.ip || x.dst === natEp.ip))
        expect(streamOf(a, e)?.rtcp, `${how}: ${e.src}:${e.sport} > ${e.dst}:${e.dport}`).not.toBeNull();
    },
  );

  test('IPv6 media: loss, duplicates, a swapped pair and jitter', async () => {
    const c = CALLS.v6;
    const rw = rewritten(c, {
      streams: [
        up(c, { lose: [...randomLoss(PACKETS, 0.02, 21), ...range(100, 12)], duplicate: [40, 80], jitterMs: 6, seed: 11 }),
        down(c, { swap: [15], jitterMs: 4, seed: 12 }),
      ],
    });
    const a = await analyse('ipv6', rw.packets);
    againstTshark('ipv6', a);
    againstPlan('ipv6', a, rw.expected, c);
    expect(verdicts(a)).toContain('high-loss');
  });

  test('hold: re-INVITE a=sendonly, the caller keeps sending, the callee stops, resumes, is held again until BYE', async () => {
    const c = CALLS.hold;
    const a = await analyse('hold', packetsOf(of(c)));
    againstTshark('hold', a);
    expect(a.record.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    const callee = a.media.find((m) => m.direction === 'callee-to-caller');
    const caller = a.media.find((m) => m.direction === 'caller-to-callee');
    // the callee's silence on hold is in its stream: a gap of more than 2 s, and it ends > 2 s before the BYE
    expect(callee?.maxDeltaMs).toBeGreaterThan(2000);
    expect(a.record.SIP_BYE_TIME - callee?.end).toBeGreaterThan(2);
    expect(caller?.packets).toBe(HOLD_TIMELINE.callerPackets);
    // ... which hold explains: neither rtp-gap nor rtp-stopped
    expect(verdicts(a)).toEqual([]);

    // the same call without its re-INVITEs: now the silence is a gap and a stop
    const noHold = of(c).frames.filter((f) => {
      const u = udpOf(f.data);
      return !(u && /^CSeq: [234] /m.test(new TextDecoder().decode(u.payload)));
    });
    const b = await analyse('hold-not-signalled', packetsOf({ linktype: recorded.linktype, frames: noHold }));
    expect(b.record.messages).toBe(a.record.messages - 9);
    expect(verdicts(b)).toContain('rtp-gap');
    expect(verdicts(b)).toContain('rtp-stopped');
  });

  test('RTCP muxed on the RTP ports (a=rtcp-mux in both SDPs): duplicates make a negative cumulative loss', async () => {
    const c = CALLS.mux;
    const rw = rewritten(c, {
      streams: [
        up(c, { duplicate: range(0, 8).map((k) => 5 + 17 * k), lose: [33, 77, 121], jitterMs: 6, seed: 13 }),
        down(c, { lose: range(40, 12), jitterMs: 6, seed: 14 }),
      ],
    });
    expect(rw.expected.map((e) => e.lost)).toEqual([-5, 12]);
    const withReports = rtcpFor(c, rw.packets, true);
    const a = await analyse('rtcp-mux', withReports.packets);
    againstTshark('rtcp-mux', a);
    againstPlan('rtcp-mux', a, rw.expected, c);
    await rtcpAgainstTshark('rtcp-mux', a);
    for (const e of rw.expected) expect(streamOf(a, e)?.rtcp?.cumulativeLost, `last RR about ${ssrcHex(e.ssrc)}`).toBe(e.lost);
    // muxed RTCP is not RTP: the streams' packet counts above are RTP alone
    expect(a.stderr).toMatch(/RTCP packets at media endpoints \d+/);
  });
});
