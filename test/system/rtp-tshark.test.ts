// The core's RTP stream figures against Wireshark's RTP analysis (`tshark -z rtp,streams`) on
// calls the test writes with a known plan of impairments: packets and loss exactly, max delta and
// mean/max jitter within 2 % (or 0.02 ms). The streams are the ones the calls' SDP announced.

import { describe, expect, test } from 'vitest';
import { createEngine } from '../../node/wasm.ts';
import type { RtpStream } from '../../shared/events.ts';
import { type Packet, prng, sdpBody, sipMessage, udpPacketV4, udpPacketV6, writePcap } from '../support/capture-writer.ts';
import { mergeByTime, plannedStream, type RtpPlan } from '../support/rtp-plan.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';
import { nearTshark, tsharkRtpStreams } from '../support/tools/tshark.ts';

const gate = toolGate(['tshark'], 'rtp-tshark');
test.runIf(gate.mustFail)('tshark is installed', () => gate.assertAvailable());
const tmp = tempDir('rtp-tshark');

const T0 = 1_767_261_600;

interface Side {
  ip: string;
  port: number;
}

/** INVITE with the caller's SDP, 200 OK with the callee's: the media endpoints of one call. */
function call(id: string, t: number, caller: Side, callee: Side, extra = ''): Packet[] {
  const udp = (a: Side, b: Side, s: string) =>
    a.ip.includes(':') ? udpPacketV6(a.ip, 5060, b.ip, 5060, s) : udpPacketV4(a.ip, 5060, b.ip, 5060, s);
  const sdp = (s: Side) =>
    sdpBody({
      sessionC: s.ip,
      media: [{ port: s.port, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
    }) + extra;
  const headers = (kind: 'invite' | 'ok'): [string, string][] => [
    ['Via', `SIP/2.0/UDP ${caller.ip.includes(':') ? `[${caller.ip}]` : caller.ip}:5060;branch=z9hG4bK${id}`],
    ['Call-ID', `${id}@test`],
    ['From', `<sip:a@x>;tag=a${id}`],
    ['To', `<sip:b@x>${kind === 'ok' ? `;tag=b${id}` : ''}`],
    ['CSeq', '1 INVITE'],
    ['Contact', '<sip:a@x>'],
    ['Content-Type', 'application/sdp'],
  ];
  return [
    { ts: t, data: udp(caller, callee, sipMessage('INVITE sip:b@x SIP/2.0', headers('invite'), sdp(caller))) },
    { ts: t + 0.2, data: udp(callee, caller, sipMessage('SIP/2.0 200 OK', headers('ok'), sdp(callee))) },
  ];
}

/** Every stream the core found at the SDP endpoints of the capture. */
async function ourStreams(packets: Packet[]): Promise<RtpStream[]> {
  const engine = await createEngine();
  const ids = new Map<string, number>();
  engine.onMessage = (m) => {
    if (!m.sdp) return;
    for (const md of m.sdp.media) {
      const a = md.connection ?? m.sdp.connection;
      if (a && !ids.has(`${a} ${md.port}`)) ids.set(`${a} ${md.port}`, engine.watch(a, md.port));
    }
  };
  engine.beginFile(0);
  engine.feed(writePcap(packets));
  engine.endFile();
  engine.finish();
  return [...ids.values()].flatMap((id) => engine.streams(id));
}

async function compare(name: string, packets: Packet[], expectStreams: number) {
  const path = tmp.write(`${name}.pcap`, writePcap(packets));
  const [theirs, ours] = await Promise.all([tsharkRtpStreams(path), ourStreams(packets)]);
  expect(ours).toHaveLength(expectStreams);
  for (const s of ours) {
    const t = theirs.find((r) => r.ssrc === s.ssrc && r.sport === s.sport && r.dport === s.dport && r.src === s.src);
    expect(t, `tshark has the stream ${s.src}:${s.sport} > ${s.dst}:${s.dport} ssrc ${s.ssrc}`).toBeDefined();
    if (!t) continue;
    const what = `${name} ${s.src}:${s.sport} ssrc ${s.ssrc}`;
    expect(s.packets, `${what} packets`).toBe(t.packets);
    expect(s.lost, `${what} lost`).toBe(t.lost);
    expect(nearTshark(s.maxDeltaMs, t.maxDelta), `${what} max delta ${s.maxDeltaMs} vs ${t.maxDelta}`).toBe(true);
    expect(nearTshark(s.meanJitterMs, t.meanJitter), `${what} mean jitter ${s.meanJitterMs} vs ${t.meanJitter}`).toBe(true);
    expect(nearTshark(s.maxJitterMs, t.maxJitter), `${what} max jitter ${s.maxJitterMs} vs ${t.maxJitter}`).toBe(true);
  }
  return ours;
}

const caller = { ip: '192.0.2.10', port: 40000 };
const callee = { ip: '198.51.100.20', port: 30000 };
const up = (p: Partial<RtpPlan> & { count: number }): RtpPlan => ({
  src: caller.ip,
  sport: caller.port,
  dst: callee.ip,
  dport: callee.port,
  ssrc: 0x1000,
  start: T0 + 1,
  ...p,
});
const down = (p: Partial<RtpPlan> & { count: number }): RtpPlan => ({
  src: callee.ip,
  sport: callee.port,
  dst: caller.ip,
  dport: caller.port,
  ssrc: 0x2000,
  start: T0 + 1.007,
  ...p,
});

describe.skipIf(gate.missing.length > 0)('RTP streams as tshark -z rtp,streams sees them', () => {
  test('random loss, a burst of 12, ±6 ms jitter, reordered pairs; the other way clean', async () => {
    const rnd = prng(11);
    const lose = new Set<number>();
    for (let i = 1; i < 999; i++) if (rnd() < 0.015) lose.add(i);
    for (let i = 400; i < 412; i++) lose.add(i);
    const a = plannedStream(up({ count: 1000, lose, jitterMs: 6, seed: 5, swap: [100, 300, 700] }));
    const b = plannedStream(down({ count: 1000 }));
    const ours = await compare('loss-jitter', [...call('c1', T0, caller, callee), ...mergeByTime(a.packets, b.packets)], 2);
    expect(ours.find((s) => s.ssrc === 0x1000)?.lost).toBe(a.lost);
  });

  test('4 % duplicates', async () => {
    const dup = new Set<number>();
    for (let i = 3; i < 500; i += 25) dup.add(i);
    const a = plannedStream(up({ count: 500, duplicate: dup, jitterMs: 2, seed: 8 }));
    const b = plannedStream(down({ count: 500, jitterMs: 2, seed: 9 }));
    const ours = await compare('duplicates', [...call('c2', T0, caller, callee), ...mergeByTime(a.packets, b.packets)], 2);
    expect(ours.find((s) => s.ssrc === 0x1000)?.duplicates).toBe(a.duplicates);
  });

  test('sequence and timestamp wrap, a stream that stops after 5 packets', async () => {
    const a = plannedStream(up({ count: 400, firstSeq: 65_300, firstTs: 0xffff_0000, jitterMs: 3, seed: 4 }));
    const b = plannedStream(down({ count: 5 }));
    await compare('wrap-stop', [...call('c3', T0, caller, callee), ...mergeByTime(a.packets, b.packets)], 2);
  });

  test('RFC 4733 digits inside the audio, an SSRC change mid-call', async () => {
    const a = plannedStream(
      up({
        count: 300,
        events: [
          [50, 1, 6],
          [120, 11, 6],
        ],
        duplicate: [55, 125],
        jitterMs: 1,
        seed: 2,
      }),
    );
    const b1 = plannedStream(down({ count: 150 }));
    const b2 = plannedStream(down({ count: 150, ssrc: 0x3000, firstSeq: 7000, start: T0 + 1.007 + 3 }));
    const ours = await compare('dtmf-ssrc', [...call('c4', T0, caller, callee), ...mergeByTime(a.packets, b1.packets, b2.packets)], 3);
    expect(ours.find((s) => s.ssrc === 0x1000)?.dtmf).toBe('1#');
  });

  test('a NATed caller (RTP from an address its SDP did not name), and IPv6 media', async () => {
    const nat = { ip: '203.0.113.9', port: 61000 };
    const a = plannedStream(up({ src: nat.ip, sport: nat.port, count: 300, jitterMs: 4, seed: 6 }));
    const b = plannedStream(down({ dst: nat.ip, dport: nat.port, count: 300 }));
    await compare('nat', [...call('c5', T0, caller, callee), ...mergeByTime(a.packets, b.packets)], 2);
    const c6 = { ip: '2001:db8::10', port: 40000 };
    const d6 = { ip: '2001:db8::20', port: 30000 };
    const x = plannedStream(up({ src: c6.ip, dst: d6.ip, count: 200, lose: [20, 21], jitterMs: 5, seed: 12 }));
    const y = plannedStream(down({ src: d6.ip, dst: c6.ip, count: 200 }));
    await compare('ipv6', [...call('c6', T0, c6, d6), ...mergeByTime(x.packets, y.packets)], 2);
  });
});
