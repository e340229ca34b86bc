// RTP stream analysis in the core (assembly/rtp.ts): streams at watched endpoints, with the
// counts a planned impairment must give exactly, and what hostile media cannot do.

import { describe, expect, test } from 'vitest';
import { createEngine } from '../../../node/wasm.ts';
import type { RtpStream } from '../../../shared/events.ts';
import { type Packet, prng, rtp, sdpBody, sipMessage, udpPacketV4, writePcap } from '../../support/capture-writer.ts';
import { mergeByTime, plannedStream, type RtpPlan } from '../../support/rtp-plan.ts';
import { MAX_STREAMS_PER_ENDPOINT } from '../../../shared/engine/core-abi.ts';

const A = '192.0.2.10';
const B = '198.51.100.20';
const base = { src: A, sport: 40000, dst: B, dport: 30000, ssrc: 0x11223344, start: 1_767_261_600 } as const;

/** Feed packets with `watched` endpoints watched first; the streams of each endpoint, and the counters. */
async function run(packets: Packet[], watched: [string, number][] = [[B, 30000]]) {
  const engine = await createEngine();
  const ids = watched.map(([ip, port]) => engine.watch(ip, port));
  engine.beginFile(0);
  engine.feed(writePcap(packets));
  engine.endFile();
  engine.finish();
  return { streams: ids.map((id) => engine.streams(id)), counters: engine.stats().counters, engine, ids };
}

async function one(plan: Partial<RtpPlan> & { count: number }): Promise<{ s: RtpStream; planned: ReturnType<typeof plannedStream> }> {
  const planned = plannedStream({ ...base, ...plan });
  const { streams } = await run(planned.packets);
  expect(streams[0]).toHaveLength(1);
  return { s: streams[0][0], planned };
}

describe('one stream', () => {
  test('a clean stream: every packet, nothing lost, no jitter, 20 ms gaps', async () => {
    const { s } = await one({ count: 250 });
    expect(s).toMatchObject({ src: A, sport: 40000, dst: B, dport: 30000, ssrc: 0x11223344, packets: 250, expected: 250, lost: 0 });
    expect(s).toMatchObject({ duplicates: 0, outOfOrder: 0, payloadType: 0, clockRate: 8000, payloadTypes: [0], bytes: 250 * 172 });
    expect(s.maxDeltaMs).toBeCloseTo(20, 6);
    expect(s.maxJitterMs).toBeLessThan(0.001);
    expect(s.first.sec).toBe(base.start);
    expect(s.last.sec + s.last.nsec / 1e9).toBeCloseTo(base.start + 249 * 0.02, 6);
  });

  test('random loss and a burst of 12: lost is the plan exactly', async () => {
    const rnd = prng(7);
    const lose = new Set<number>();
    for (let i = 1; i < 499; i++) if (rnd() < 0.02) lose.add(i);
    for (let i = 300; i < 312; i++) lose.add(i);
    const { s, planned } = await one({ count: 500, lose });
    expect(planned.lost).toBe(lose.size);
    expect(s.packets).toBe(500 - lose.size);
    expect(s.expected).toBe(500);
    expect(s.lost).toBe(lose.size);
    expect(s.maxDeltaMs).toBeCloseTo(13 * 20, 3); // the burst: 12 missing packets
    expect(s.maxDeltaAt).toBeCloseTo(base.start + 312 * 0.02, 6);
  });

  test('4 % duplicates: counted, and cumulative loss goes negative by as many', async () => {
    const dup = new Set<number>();
    for (let i = 5; i < 500; i += 25) dup.add(i);
    const { s, planned } = await one({ count: 500, duplicate: dup });
    expect(planned.duplicates).toBe(20);
    expect(s).toMatchObject({ packets: 520, duplicates: 20, outOfOrder: 0, expected: 500, lost: -20 });
  });

  test('reordered pairs are out of order, not lost and not duplicates', async () => {
    const { s } = await one({ count: 300, swap: [10, 50, 120, 200] });
    expect(s).toMatchObject({ packets: 300, lost: 0, duplicates: 0, outOfOrder: 4 });
  });

  test('the sequence number wraps 65535 → 0 without loss', async () => {
    const { s } = await one({ count: 200, firstSeq: 65_450, lose: [120] });
    expect(s).toMatchObject({ packets: 199, expected: 200, lost: 1 });
  });

  test('the RTP timestamp wraps 2^32 → 0 without a jitter spike', async () => {
    const { s } = await one({ count: 200, firstTs: 0xffff_f000 });
    expect(s.maxJitterMs).toBeLessThan(0.001);
    expect(s.maxDeltaMs).toBeCloseTo(20, 6);
  });

  test('a stream that stops after 5 packets', async () => {
    const { s } = await one({ count: 5 });
    expect(s).toMatchObject({ packets: 5, expected: 5, lost: 0 });
  });

  test('±6 ms of jitter: interarrival jitter grows, the mean stays below the maximum', async () => {
    const { s } = await one({ count: 500, jitterMs: 6, seed: 3 });
    expect(s.maxJitterMs).toBeGreaterThan(2);
    expect(s.maxJitterMs).toBeLessThan(12);
    expect(s.meanJitterMs).toBeGreaterThan(1);
    expect(s.meanJitterMs).toBeLessThan(s.maxJitterMs);
    expect(s.jitterMs).toBeGreaterThan(0);
  });

  test('a talkspurt (marker bit) after silence is not a gap; a gap without a marker is', async () => {
    const planned = plannedStream({ ...base, count: 100, delay: [[50, 0]] });
    // shift packets 50.. by 2 s; mark packet 50 as the start of a talkspurt
    const shifted = planned.packets.map((p, i) => (i >= 50 ? { ...p, ts: (p.ts as number) + 2 } : p));
    const marked = shifted.map((p, i) => {
      if (i !== 50) return p;
      const d = new Uint8Array(p.data);
      d[14 + 20 + 8 + 1] |= 0x80;
      return { ...p, data: d };
    });
    const [a] = (await run(marked)).streams;
    expect(a[0].maxDeltaMs).toBeCloseTo(20, 6);
    expect(a[0].markers).toBe(2);
    const [b] = (await run(shifted)).streams;
    expect(b[0].maxDeltaMs).toBeCloseTo(2020, 3);
  });

  test('comfort noise is neither the stream payload nor a maximum gap', async () => {
    const planned = plannedStream({ ...base, count: 60 });
    const cn = udpPacketV4(A, 40000, B, 30000, rtp({ pt: 13, seq: 1060, ts: 160_000 + 60 * 160, ssrc: base.ssrc }, 1));
    const after = plannedStream({ ...base, count: 20, firstSeq: 1061, firstTs: 160_000 + 200 * 160, start: base.start + 4 });
    const { streams } = await run([...planned.packets, { ts: base.start + 1.3, data: cn }, ...after.packets]);
    const [s] = streams[0];
    expect(s.payloadType).toBe(0);
    expect(s.payloadTypes).toEqual([0, 13]);
    expect(s.maxDeltaMs).toBeLessThan(30); // the 1.3 s before the CN packet and the 2.7 s after it do not count
  });
});

describe('streams of a call', () => {
  test('an SSRC change mid-call is a new stream, listed after the first', async () => {
    const a = plannedStream({ ...base, count: 100 });
    const b = plannedStream({ ...base, ssrc: 0x55667788, count: 100, firstSeq: 9000, start: base.start + 2 });
    const { streams } = await run([...a.packets, ...b.packets]);
    expect(streams[0].map((s) => [s.ssrc, s.packets, s.lost])).toEqual([
      [0x11223344, 100, 0],
      [0x55667788, 100, 0],
    ]);
  });

  test('symmetric RTP: a NATed side is heard where it sends from (only the callee endpoint is watched)', async () => {
    const NAT = '203.0.113.9';
    const up = plannedStream({ ...base, src: NAT, sport: 61000, count: 100 });
    const down = plannedStream({
      ...base,
      src: B,
      sport: 30000,
      dst: NAT,
      dport: 61000,
      ssrc: 0x99,
      count: 100,
      start: base.start + 0.005,
    });
    const stray = plannedStream({ ...base, src: '198.51.100.99', sport: 5000, dst: NAT, dport: 61000, ssrc: 0x77, count: 10 });
    const { streams, counters } = await run(mergeByTime(up.packets, down.packets, stray.packets));
    expect(streams[0].map((s) => `${s.src}:${s.sport}>${s.dst}:${s.dport} ${s.packets}`)).toEqual([
      `${NAT}:61000>${B}:30000 100`,
      `${B}:30000>${NAT}:61000 100`,
    ]);
    expect(counters.rtpFrames).toBe(200); // the stray source is not the NATed side's peer
  });

  test('IPv6 media', async () => {
    const planned = plannedStream({ ...base, src: '2001:db8::10', dst: '2001:db8::20', count: 50, lose: [7] });
    const { streams } = await run(planned.packets, [['2001:db8::20', 30000]]);
    expect(streams[0][0]).toMatchObject({ src: '2001:db8::10', dst: '2001:db8::20', packets: 49, lost: 1 });
  });

  test('RFC 4733 digits from the SDP-mapped payload type: one per event, end retransmissions merged', async () => {
    const sdp = sdpBody({
      sessionC: B,
      media: [{ port: 30000, formats: [0, 101], rtpmap: { 0: 'PCMU/8000', 101: 'telephone-event/8000' } }],
    });
    const invite = sipMessage(
      'INVITE sip:b@x SIP/2.0',
      [
        ['Call-ID', 'dtmf@x'],
        ['From', '<sip:a@x>;tag=1'],
        ['To', '<sip:b@x>'],
        ['CSeq', '1 INVITE'],
        ['Content-Type', 'application/sdp'],
      ],
      sdp,
    );
    const sip = { ts: base.start - 1, data: udpPacketV4(A, 5060, B, 5060, invite) };
    // digits 1 2 3 4 # at 40, 60, 80, 100, 120, each 5 packets; the end packet sent 3 times
    const planned = plannedStream({
      ...base,
      count: 160,
      events: [
        [40, 1, 5],
        [60, 2, 5],
        [80, 3, 5],
        [100, 4, 5],
        [120, 11, 5],
      ],
      duplicate: [44, 64, 84, 104, 124],
    });
    const engine = await createEngine();
    const id = engine.watch(B, 30000);
    engine.beginFile(0);
    engine.feed(writePcap([sip, ...planned.packets]));
    engine.endFile();
    engine.finish();
    const [s] = engine.streams(id);
    expect(s.dtmf).toBe('1234#');
    expect(s.payloadType).toBe(0);
    expect(s.payloadTypes).toEqual([0, 101]);
    expect(s.clockRate).toBe(8000);
  });

  test('an endpoint let go of takes its streams with it; watched again, it starts afresh', async () => {
    const engine = await createEngine();
    let id = engine.watch(B, 30000);
    engine.beginFile(0);
    engine.feed(writePcap(plannedStream({ ...base, count: 30 }).packets));
    expect(engine.streams(id)[0].packets).toBe(30);
    engine.unwatch(id);
    id = engine.watch(B, 30000);
    engine.feed(writePcap(plannedStream({ ...base, count: 10, start: base.start + 5, firstSeq: 1030 }).packets).subarray(24));
    engine.endFile();
    const s = engine.streams(id);
    expect(s.map((x) => x.packets)).toEqual([10]);
  });
});

describe('hostile media', () => {
  test('broken RTP headers are counted and not analysed', async () => {
    const pkt = (b: number[]) => ({ ts: base.start, data: udpPacketV4(A, 40000, B, 30000, new Uint8Array(b)) });
    const head = [0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9];
    const bad = [
      pkt([0x40, ...head.slice(1)]), // version 1
      pkt([0x8f, ...head.slice(1), 1, 2, 3, 4]), // 15 CSRCs announced, one there
      pkt([0x90, ...head.slice(1), 0xbe, 0xde, 0x00, 0x10]), // extension of 64 bytes, none there
      pkt([0xa0, ...head.slice(1), 1, 2, 40]), // padding of 40 in a 15-byte packet
      pkt([0xa0, ...head.slice(1), 1, 2, 0]), // padding bit with a zero count
      pkt([0x80, 0, 1]), // shorter than a header
    ];
    const { streams, counters } = await run(bad);
    expect(streams[0]).toEqual([]);
    expect(counters.rtpInvalid).toBe(6);
    expect(counters.rtpFrames).toBe(6);
  });

  test('RTCP multiplexed on the RTP port is counted, not taken for a stream', async () => {
    const rr = new Uint8Array([0x80, 201, 0, 1, 0, 0, 0, 9]);
    const { streams, counters } = await run([{ ts: base.start, data: udpPacketV4(A, 40000, B, 30000, rr) }]);
    expect(streams[0]).toEqual([]);
    expect(counters.rtcpPackets).toBe(1);
  });

  test('100 000 SSRCs at one port stay within the per-endpoint limit, and the rest is counted', async () => {
    const packets: Packet[] = [];
    for (let i = 0; i < 100_000; i++) {
      packets.push({ ts: base.start + i / 1e5, data: udpPacketV4(A, 40000, B, 30000, rtp({ pt: 0, seq: i, ts: i, ssrc: i + 1 }, 4)) });
    }
    const { streams, counters } = await run(packets);
    expect(streams[0]).toHaveLength(MAX_STREAMS_PER_ENDPOINT);
    expect(counters.rtpStreams).toBe(MAX_STREAMS_PER_ENDPOINT);
    expect(counters.streamsPerEndpoint).toBe(100_000 - MAX_STREAMS_PER_ENDPOINT);
  });

  test('random bytes to a media port never crash the core', async () => {
    const rnd = prng(99);
    const packets: Packet[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = 1 + Math.floor(rnd() * 199);
      const b = new Uint8Array(n);
      for (let k = 0; k < n; k++) b[k] = Math.floor(rnd() * 256);
      if (n > 0 && rnd() < 0.5) b[0] = (b[0] & 0x3f) | 0x80;
      packets.push({ ts: base.start + i / 1000, data: udpPacketV4(A, 40000 + (i % 7), B, 30000, b) });
    }
    const { streams, counters } = await run(packets);
    expect(counters.rtpFrames).toBe(5000);
    expect(streams[0].length).toBeLessThanOrEqual(MAX_STREAMS_PER_ENDPOINT);
    for (const s of streams[0]) expect(s.packets).toBeGreaterThan(0);
  });
});
