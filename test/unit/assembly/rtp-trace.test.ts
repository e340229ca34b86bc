// The stream trace behind a call's plot: an engine made for one re-read follows the streams it is
// given, a sample per packet with where the stream stood, and nothing of other streams.

import { expect, test } from 'vitest';
import { createEngine } from '../../../node/wasm.ts';
import { TcpFlow, rtp, sipMessage, udpPacketV4, writePcap } from '../../support/capture-writer.ts';
import { mergeByTime, plannedStream } from '../../support/rtp-plan.ts';

const T0 = 1_767_261_600;

test('samples of the traced streams only, in packet order, with loss and jitter as the analysis has them', async () => {
  const up = plannedStream({
    src: '192.0.2.10',
    sport: 40000,
    dst: '198.51.100.20',
    dport: 30000,
    ssrc: 0x1000,
    count: 300,
    start: T0,
    lose: [100, 101, 102],
    jitterMs: 4,
    seed: 3,
  });
  const other = plannedStream({ src: '192.0.2.11', sport: 40002, dst: '198.51.100.20', dport: 30000, ssrc: 0x3000, count: 200, start: T0 });
  const elsewhere = plannedStream({
    src: '192.0.2.12',
    sport: 40004,
    dst: '198.51.100.30',
    dport: 30002,
    ssrc: 0x4000,
    count: 200,
    start: T0,
  });
  const pcap = writePcap(mergeByTime(up.packets, other.packets, elsewhere.packets));

  const engine = await createEngine();
  engine.traceStreams([
    { src: '192.0.2.10', sport: 40000, dst: '198.51.100.20', dport: 30000, ssrc: 0x1000 },
    { src: '192.0.2.12', sport: 40004, dst: '198.51.100.30', dport: 30002, ssrc: 0x4000 },
  ]);
  const samples = [];
  engine.beginFile(0);
  // small pieces, as a re-read feeds them: samples are taken between pieces
  for (let o = 0; o < pcap.length; o += 8192) {
    engine.feed(pcap.subarray(o, o + 8192));
    samples.push(...engine.takeSamples());
  }
  engine.endFile();
  engine.finish();
  samples.push(...engine.takeSamples());

  const first = samples.filter((s) => s.stream === 0);
  expect(first).toHaveLength(297);
  expect(samples.filter((s) => s.stream === 1)).toHaveLength(200);
  expect(samples).toHaveLength(497);
  expect(first.map((s) => s.packets)).toEqual(Array.from({ length: 297 }, (_, i) => i + 1));
  // the sequence jumps over the three lost packets
  const last = first[first.length - 1];
  expect(last.seq - last.packets).toBe(3);
  const times = first.map((s) => s.sec + s.nsec / 1e9);
  expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  // the analysis's own final jitter is the last sample's
  const [stream] = engine.streams(engine.watch('198.51.100.20', 30000)).filter((s) => s.ssrc === 0x1000);
  expect(last.jitterMs).toBeCloseTo(stream.jitterMs, 4);
  expect(engine.samplesDropped()).toBe(0);
});

test('a trace beside reassembly: the keys, samples and a message held across segments keep to their own memory', async () => {
  const invite = sipMessage('INVITE sip:b@example.test SIP/2.0', [
    ['Via', 'SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK-t'],
    ['From', '<sip:a@example.test>;tag=a'],
    ['To', '<sip:b@example.test>'],
    ['Call-ID', 'traced-beside-tcp'],
    ['CSeq', '1 INVITE'],
    ['X-Pad', 'p'.repeat(1500)],
  ]);
  const flow = new TcpFlow({ ip: '192.0.2.10', port: 50600 }, { ip: '198.51.100.20', port: 5060 });
  const [head, tail] = flow.split('c2s', invite, [900]);
  const packets = [{ ts: T0, data: head.frame() }];
  // the traced stream's packets arrive while the first part of the INVITE is held
  for (let i = 0; i < 10; i++)
    packets.push({
      ts: T0 + 0.02 * (i + 1),
      data: udpPacketV4('192.0.2.10', 40000, '198.51.100.20', 30000, rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 0x1000 }, 160)),
    });
  packets.push({ ts: T0 + 1, data: tail.frame() });

  const engine = await createEngine();
  engine.traceStreams([{ src: '192.0.2.10', sport: 40000, dst: '198.51.100.20', dport: 30000, ssrc: 0x1000 }]);
  const callIds: string[] = [];
  const sizes: number[] = [];
  engine.onMessage = (m) => {
    callIds.push(m.callId);
    sizes.push(m.rawLen);
  };
  engine.beginFile(0);
  engine.feed(writePcap(packets));
  engine.endFile();
  engine.finish();
  expect(callIds).toEqual(['traced-beside-tcp']);
  expect(sizes).toEqual([new TextEncoder().encode(invite).length]);
  expect(engine.takeSamples().map((s) => s.packets)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});
