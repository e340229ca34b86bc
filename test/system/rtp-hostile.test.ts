// Hostile RTP and RTCP at the media ports of a real call: a SIPp call with RTP both ways and its
// RTCP reports, recorded on loopback, then the same call with hostile datagrams merged in (the
// capture writer): random bytes, version-2 packets whose CSRC count, extension length or padding
// points past their end, short packets, truncated RTCP compounds, RTCP whose length fields point
// past the end or that ends in stray bytes, RTCP reports about 200 unknown sources, and 100 000
// SSRCs on one port. The run exits 0, the call's record is the record of the clean call (the 23
// nProbe fields, its own streams with their RTCP figures), the streams of one endpoint stay
// within the core's cap, and the statistics count what was refused, by reason. In-process:
// a truncated compound whose valid first report names the call's stream, and random datagrams
// with several seeds.
//
// Ports (this file alone): SIP 29610-29619, media 29780-29799 (RTCP on media + 1).
// test/system/rtp-sipp.test.ts uses SIP 29600-29609 and media 29700-29779.

import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { COUNTER_INFO, MAX_RTCP_PER_ENDPOINT, MAX_STREAMS_PER_ENDPOINT } from '../../shared/engine/core-abi.ts';
import { ByteWriter, type Packet, prng, rtp, sdpBody, sipMessage, udpPacketV4 } from '../support/capture-writer.ts';
import { runCli } from '../support/cli.ts';
import { recordsOf } from '../support/engine.ts';
import { jsonl } from '../support/jsonl.ts';
import { type Capture, type Endpoint, readPcap, rtpOf, toPcap, udpOf, withRtcp } from '../support/pcap-rewrite.ts';
import { DEFAULT_DUMP_HEADER } from '../support/records.ts';
import { receiverReport, senderReport, ntpOf } from '../support/rtcp-packets.ts';
import { type MediaCall, recordCalls } from '../support/sipp-media.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';

const tmp = tempDir('rtp-hostile');

const NPROBE_FIELDS = DEFAULT_DUMP_HEADER.split('|');
const VERDICTS = ['no-rtp', 'one-way', 'rtp-stopped', 'rtp-gap', 'high-loss', 'high-jitter', 'low-mos', 'unexpected-payload', 'nat'];

/** Counter values from the statistics on standard error (labels of COUNTER_INFO, and the frames line), 0 when not printed. */
function countersOf(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, label] of COUNTER_INFO) {
    const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`(?:: |; )${esc} (\\d+)`).exec(stderr);
    out[key] = m ? Number(m[1]) : 0;
  }
  const f = /frames: (\d+) SIP, (\d+) RTP or RTCP to SDP endpoints, (\d+) other traffic/.exec(stderr);
  if (f) [out.sipFrames, out.rtpFrames, out.otherFrames] = [Number(f[1]), Number(f[2]), Number(f[3])];
  return out;
}

const tsOf = (p: Packet) => (typeof p.ts === 'number' ? p.ts : p.ts.sec + p.ts.nsec / 1e9);
const streamKey = (m: Record<string, any>) => `${m.src} ${m.dst} ${m.ssrc}`;

// ---------------------------------------------------------------- the hostile datagrams

const ATTACKER = '127.0.0.66';

interface Hostile {
  packets: Packet[];
  /** datagrams the core must count as invalid RTP, invalid RTCP, valid RTCP */
  rtpInvalid: number;
  rtcpInvalid: number;
  rtcpValid: number;
  /** SSRCs of the flood (one packet each, to the first RTP endpoint) */
  floodSsrcs: number;
  /** empty datagrams (counted as other traffic) */
  empty: number;
}

/**
 * Hostile datagrams from t0 on: to the RTP endpoints `rtpEps`, to their RTCP ports, and the
 * flood of `floodSsrcs` sources to rtpEps[0]. `legit` is the caller's endpoint and SSRC: some
 * broken packets come from it, with its SSRC, and must not touch its stream.
 */
function hostile(t0: number, rtpEps: Endpoint[], legit: { ep: Endpoint; ssrc: number }, floodSsrcs: number, seed = 1): Hostile {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const out: Packet[] = [];
  let t = t0;
  const at = () => (t += 0.0005);
  const send = (from: Endpoint, to: Endpoint, payload: Uint8Array, when = at()) =>
    out.push({ ts: when, data: udpPacketV4(from.ip, from.port, to.ip, to.port, payload) });
  const attacker = () => ({ ip: ATTACKER, port: 40_000 + int(20_000) });
  const rtcpOf = (e: Endpoint) => ({ ip: e.ip, port: e.port + 1 });
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  let rtpInvalid = 0;
  let rtcpInvalid = 0;
  let rtcpValid = 0;

  // random bytes whose version field is not 2
  for (let i = 0; i < 300; i++) {
    const b = randomBytes(1 + int(300));
    b[0] = (b[0] & 0x3f) | ([0, 1, 3][int(3)] << 6);
    if (i < 200) send(attacker(), rtpEps[i % rtpEps.length], b);
    else send(attacker(), rtcpOf(rtpEps[i % rtpEps.length]), b);
  }
  rtpInvalid += 200;
  rtcpInvalid += 100;
  // empty datagrams: no first byte to say RTP, so not media (SPEC §8), other traffic
  send(attacker(), rtpEps[0], new Uint8Array(0));
  send(attacker(), rtcpOf(rtpEps[1]), new Uint8Array(0));
  const empty = 2;

  const v2 = (b0: number, len: number, ssrc: number) => {
    const b = randomBytes(len);
    b[0] = b0;
    b[1] = 8; // PCMA, no marker
    if (len >= 12) new DataView(b.buffer).setUint32(8, ssrc);
    return b;
  };
  // version 2 with a CSRC count past the end (from the caller itself, its own SSRC)
  for (let i = 0; i < 50; i++) {
    const cc = 1 + int(15);
    send(legit.ep, rtpEps[0], v2(0x80 | cc, 12 + int(4 * cc), legit.ssrc));
  }
  // version 2 with an extension whose length points past the end
  for (let i = 0; i < 50; i++) {
    const len = 16 + int(40);
    const b = v2(0x90, len, legit.ssrc);
    new DataView(b.buffer).setUint16(14, Math.ceil((len - 16) / 4) + 1 + int(60000));
    send(i % 2 ? legit.ep : attacker(), rtpEps[i % rtpEps.length], b);
  }
  // version 2 with padding: a count of 0, or more than the packet holds
  for (let i = 0; i < 50; i++) {
    const len = 12 + int(200);
    const b = v2(0xa0, len, legit.ssrc);
    // 12 + count > length; len ≤ 211 so the count fits its byte
    b[len - 1] = i % 5 === 0 ? 0 : len - 11 + int(256 - (len - 11));
    send(legit.ep, rtpEps[0], b);
  }
  // version 2, 8 to 11 bytes: shorter than an RTP header
  for (let i = 0; i < 30; i++) send(attacker(), rtpEps[i % rtpEps.length], v2(0x80, 8 + int(4), 0));
  rtpInvalid += 50 + 50 + 50 + 30;

  const block = () => ({
    ssrc: (0x7e570000 + int(0xffff)) >>> 0,
    fraction: int(256),
    cumulative: int(1000),
    highestSeq: int(65536),
    jitter: int(500),
    lsr: 0,
    dlsr: 0,
  });
  // truncated compounds: a valid SR, then an RR whose block is cut
  for (let i = 0; i < 40; i++) {
    const sr = senderReport((0x5e000000 + i) >>> 0, ntpOf(t), int(1 << 30), [block()]);
    const rr = receiverReport((0x5e000000 + i) >>> 0, [block()]);
    const cut = rr.subarray(0, 8 + 4 + int(19));
    const b = new Uint8Array(sr.length + cut.length);
    b.set(sr);
    b.set(cut, sr.length);
    send(attacker(), rtcpOf(rtpEps[i % rtpEps.length]), b);
  }
  // RTCP whose length field points past the end: to the RTCP ports and (muxed) to the RTP ports
  for (let i = 0; i < 60; i++) {
    const rr = receiverReport((0x1e000000 + i) >>> 0, [block()]);
    new DataView(rr.buffer).setUint16(2, 7 + 1 + int(1000));
    send(attacker(), i < 40 ? rtcpOf(rtpEps[i % rtpEps.length]) : rtpEps[i % rtpEps.length], rr);
  }
  // a valid RR and 1 to 3 stray bytes
  for (let i = 0; i < 20; i++) {
    const rr = receiverReport((0x2e000000 + i) >>> 0, []);
    const b = new Uint8Array(rr.length + 1 + int(3));
    b.set(rr);
    send(attacker(), rtcpOf(rtpEps[i % rtpEps.length]), b);
  }
  rtcpInvalid += 40 + 60 + 20;
  // valid RRs about 200 sources nobody sent: more than an endpoint keeps
  for (let i = 0; i < 200; i++) send(attacker(), rtcpOf(rtpEps[0]), receiverReport((0x3e000000 + i) >>> 0, [block()]));
  rtcpValid += 200;

  // the flood: one packet from each of floodSsrcs SSRCs, 10 µs apart, to one port
  const from = { ip: ATTACKER, port: 50_000 };
  const t1 = t + 0.01;
  for (let i = 0; i < floodSsrcs; i++)
    out.push({
      ts: t1 + i * 1e-5,
      data: udpPacketV4(
        from.ip,
        from.port,
        rtpEps[0].ip,
        rtpEps[0].port,
        rtp({ pt: 8, seq: i & 0xffff, ts: i * 160, ssrc: (0x10000000 + i) >>> 0 }, 0),
      ),
    });
  return { packets: out, rtpInvalid, rtcpInvalid, rtcpValid, floodSsrcs, empty };
}

function merge(a: Packet[], b: Packet[]): Packet[] {
  return [...a.map((p, i) => ({ p, i, t: tsOf(p) })), ...b.map((p, i) => ({ p, i: a.length + i, t: tsOf(p) }))]
    .sort((x, y) => x.t - y.t || x.i - y.i)
    .map((x) => x.p);
}

// ---------------------------------------------------------------- a real call, attacked

const gate = toolGate(['sipp', 'tcpdump'], 'rtp-hostile', { capture: true });
test.runIf(gate.mustFail)('SIPp and tcpdump are installed (CI)', () => gate.assertAvailable());

const CALL: MediaCall = {
  name: 'attacked',
  ipVersion: 4,
  kind: 'basic',
  byeAfterMs: 4000, // the last reports, 0.2 s after the last packet, come well before the BYE
  sip: { callee: 29610, caller: 29611 },
  media: { callee: 29780, caller: 29790 },
  ssrc: { caller: 0xa77ac4ed, callee: 0xa77ac4ee },
};
const CALLER = { ip: '127.0.0.1', port: CALL.media.caller };
const CALLEE = { ip: '127.0.0.1', port: CALL.media.callee };

describe.skipIf(gate.missing.length > 0)('hostile RTP and RTCP at the media ports of a real SIPp call', () => {
  let clean: Packet[] = [];
  let rtpStart = 0;

  beforeAll(async () => {
    const rec = await recordCalls(tmp.file('sipp'), [CALL], 'udp and (portrange 29610-29619 or portrange 29780-29799)', 'call', 30_000);
    const cap: Capture = readPcap(readFileSync(rec.pcap));
    const packets = cap.frames.map((f) => ({ ts: { sec: f.sec, nsec: f.nsec }, data: f.data }));
    const rtpTimes = packets.filter((p) => {
      const u = udpOf(p.data);
      return u !== null && rtpOf(u.payload) !== null;
    });
    rtpStart = tsOf(rtpTimes[0]);
    const end = tsOf(rtpTimes.at(-1)!);
    // the call's own RTCP: both sides report at 0.5 s and every second, and after the last packet
    const times = [rtpStart + 0.5, rtpStart + 1.5, rtpStart + 2.5, end + 0.05];
    clean = withRtcp(packets, { a: { rtp: CALLER }, b: { rtp: CALLEE }, mux: false, times, offsetB: 0.15, rttMs: [20, 35] }).packets;
  }, 60_000);

  test('the run ends well, the call is the clean call, one endpoint keeps at most 32 streams, every refusal is counted', async () => {
    const cleanPath = tmp.write('clean.pcap', toPcap(clean));
    // after the call's first reports: what it already has must survive what follows
    const h = hostile(rtpStart + 0.8, [CALLEE, CALLER], { ep: CALLER, ssrc: CALL.ssrc.caller }, 100_000);
    const hostilePath = tmp.write('hostile.pcap', toPcap(merge(clean, h.packets)));
    const [c, x] = await Promise.all([
      runCli(['read', cleanPath, '--format', 'jsonl'], { timeoutMs: 30_000, throwOnTimeout: true }),
      runCli(['read', hostilePath, '--format', 'jsonl'], { timeoutMs: 30_000, throwOnTimeout: true }),
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect([x.code, x.signal], x.stderr).toEqual([0, null]);
    console.info(`[rtp-hostile] ${h.packets.length} hostile datagrams read in ${x.ms} ms (the clean call: ${c.ms} ms)`);

    const [r0] = jsonl(c.stdout);
    const recs = jsonl(x.stdout);
    expect(recs).toHaveLength(1);
    const r = recs[0];
    // the clean call is healthy and has its RTCP figures
    expect(r0.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(r0.verdicts).toEqual([]);
    expect(r0.media).toHaveLength(2);
    for (const m of r0.media) expect(m.rtcp?.reports, `${m.src}: the clean call's RTCP`).toBeGreaterThan(0);
    // the attacked call: the same 23 fields
    const fields = (rec: Record<string, any>) => Object.fromEntries(NPROBE_FIELDS.map((f) => [f, rec[f]]));
    expect(fields(r)).toEqual(fields(r0));
    expect(r.SIP_INVITE_TIME).toBeLessThan(r.SIP_INVITE_OK_TIME);
    expect(r.SIP_INVITE_OK_TIME).toBeLessThan(r.SIP_BYE_TIME);
    expect([r.SIP_RTP_L4_SRC_PORT, r.SIP_RTP_L4_DST_PORT].sort()).toEqual([CALL.media.callee, CALL.media.caller]);
    // its own two streams exactly as in the clean call, RTCP figures included
    const byKey = new Map(r.media.map((m: Record<string, any>) => [streamKey(m), m]));
    for (const m0 of r0.media) expect(byKey.get(streamKey(m0)), `${m0.src} > ${m0.dst}`).toEqual(m0);
    // the flood: the callee's endpoint holds the cap, the rest are refused and counted
    const atCallee = r.media.filter((m: Record<string, any>) => m.dst === `127.0.0.1:${CALL.media.callee}`);
    expect(atCallee).toHaveLength(MAX_STREAMS_PER_ENDPOINT);
    expect(r.media).toHaveLength(2 + MAX_STREAMS_PER_ENDPOINT - 1);
    for (const m of r.media.filter((s: Record<string, any>) => s.src.startsWith(`${ATTACKER}:`))) expect(m.packets).toBe(1);
    // streams from an address the caller's SDP did not announce: nat, nothing else
    expect(r.verdicts).toEqual(['nat']);
    for (const v of r.verdicts) expect(VERDICTS).toContain(v);

    const k0 = countersOf(c.stderr);
    const k = countersOf(x.stderr);
    const refused = h.floodSsrcs - (MAX_STREAMS_PER_ENDPOINT - 1);
    expect({
      rtpInvalid: k.rtpInvalid - k0.rtpInvalid,
      rtcpInvalid: k.rtcpInvalid - k0.rtcpInvalid,
      rtcpPackets: k.rtcpPackets - k0.rtcpPackets,
      rtpStreams: k.rtpStreams - k0.rtpStreams,
      otherFrames: k.otherFrames - k0.otherFrames,
      streamsPerEndpoint: k.streamsPerEndpoint,
      streamTableFull: k.streamTableFull,
    }).toEqual({
      rtpInvalid: h.rtpInvalid,
      rtcpInvalid: h.rtcpInvalid,
      rtcpPackets: h.rtcpValid,
      rtpStreams: MAX_STREAMS_PER_ENDPOINT - 1,
      otherFrames: h.empty,
      streamsPerEndpoint: refused,
      streamTableFull: 0,
    });
    // reports about 200 unknown sources: an endpoint keeps 16 entries, the rest are counted
    expect(k.rtcpTableFull).toBeGreaterThanOrEqual(200 - MAX_RTCP_PER_ENDPOINT);
    // (a truncated compound's SR and its block may each be refused too)
    expect(k.rtcpTableFull).toBeLessThanOrEqual(200 + 2 * 40);
    expect(k0.rtcpTableFull).toBe(0);
    // the problems are printed as such
    expect(x.stderr).toMatch(/not decoded: .*invalid RTP headers at media endpoints \d+/);
    expect(x.stderr).toMatch(/RTP streams not analysed: too many at one endpoint \d+/);
  });
});

// ---------------------------------------------------------------- in-process: the engine alone

const A = { ip: '192.0.2.10', port: 40_000 };
const B = { ip: '198.51.100.20', port: 30_000 };
const T0 = 1_767_261_600;

/** A whole call written by the capture writer: SDPs, 100 RTP packets each way, BYE at T0 + 4. */
function writtenCall(id: string): Packet[] {
  const sip = (from: Endpoint, to: Endpoint, first: string, cseq: string, toTag: boolean, body = '') =>
    udpPacketV4(
      from.ip,
      5060,
      to.ip,
      5060,
      sipMessage(
        first,
        [
          ['Via', `SIP/2.0/UDP ${A.ip}:5060;branch=z9hG4bK${id}${cseq.replace(' ', '')}`],
          ['Call-ID', `${id}@hostile.test`],
          ['From', `<sip:a@x>;tag=a${id}`],
          ['To', `<sip:b@x>${toTag ? `;tag=b${id}` : ''}`],
          ['CSeq', cseq],
          ...(body ? ([['Content-Type', 'application/sdp']] as [string, string][]) : []),
        ],
        body,
      ),
    );
  const sdp = (e: Endpoint) => sdpBody({ sessionC: e.ip, media: [{ port: e.port, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const out: Packet[] = [
    { ts: T0, data: sip(A, B, 'INVITE sip:b@x SIP/2.0', '1 INVITE', false, sdp(A)) },
    { ts: T0 + 0.1, data: sip(B, A, 'SIP/2.0 200 OK', '1 INVITE', true, sdp(B)) },
    { ts: T0 + 0.11, data: sip(A, B, 'ACK sip:b@x SIP/2.0', '1 ACK', true) },
    { ts: T0 + 4, data: sip(A, B, 'BYE sip:b@x SIP/2.0', '2 BYE', true) },
    { ts: T0 + 4.01, data: sip(B, A, 'SIP/2.0 200 OK', '2 BYE', true) },
  ];
  for (let i = 0; i < 100; i++) {
    out.push({
      ts: T0 + 0.2 + i * 0.02,
      data: udpPacketV4(A.ip, A.port, B.ip, B.port, rtp({ pt: 0, seq: 100 + i, ts: i * 160, ssrc: 0xaaaa }, 160)),
    });
    out.push({
      ts: T0 + 0.205 + i * 0.02,
      data: udpPacketV4(B.ip, B.port, A.ip, A.port, rtp({ pt: 0, seq: 900 + i, ts: i * 160, ssrc: 0xbbbb }, 160)),
    });
  }
  return out;
}

async function readRecords(name: string, packets: Packet[]) {
  const path = tmp.write(`${name}.pcap`, toPcap(packets.sort((x, y) => tsOf(x) - tsOf(y))));
  const r = await recordsOf([path]);
  return { records: r.records, counters: r.stats.engine.counters };
}

describe('hostile RTCP and random datagrams, in-process', () => {
  test("a truncated compound whose first, valid, RR is about the call's stream is left whole", async () => {
    const rr = (fraction: number, cumulative: number) =>
      receiverReport(0xbbbb, [{ ssrc: 0xaaaa, fraction, cumulative, highestSeq: 150, jitter: 40, lsr: 0, dlsr: 0 }]);
    const good = { ts: T0 + 1, data: udpPacketV4(B.ip, B.port + 1, A.ip, A.port + 1, rr(12, 3)) };
    const cleanRun = await readRecords('rr-good', [...writtenCall('t1'), good]);
    // the same RR with other numbers, then a second RR whose length points past the end
    const bad = new ByteWriter().bytes(rr(255, 5000)).bytes(receiverReport(0xbbbb, []).subarray(0, 4)).finish();
    new DataView(bad.buffer).setUint16(bad.length - 2, 9);
    const withBad = await readRecords('rr-truncated', [
      ...writtenCall('t1'),
      good,
      { ts: T0 + 2, data: udpPacketV4(B.ip, B.port + 1, A.ip, A.port + 1, bad) },
    ]);
    const figures = (rs: typeof cleanRun.records) => rs[0].media.find((m) => m.ssrc === 0xaaaa)?.rtcp;
    expect(figures(cleanRun.records)).toMatchObject({ reports: 1, cumulativeLost: 3 });
    expect(withBad.counters.rtcpInvalid).toBe(1);
    expect(figures(withBad.records), 'nothing of a compound that fails its length check is used').toEqual(figures(cleanRun.records));
  });

  test.each([1, 2, 3, 4, 5])('random datagrams to the RTP and RTCP ports (seed %i): no crash, the call intact, caps kept', async (seed) => {
    const base = await readRecords(`fuzz-base-${seed}`, writtenCall(`f${seed}`));
    const rnd = prng(seed * 7919);
    const noise: Packet[] = [];
    let surelyBadRtp = 0;
    let surelyBadRtcp = 0;
    for (let i = 0; i < 4000; i++) {
      const to = [A, B][i % 2];
      const rtcpPort = i % 4 >= 2;
      const len = Math.floor(rnd() * 200);
      const b = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      // half of them version 2, so that lengths and types are what is tried
      if (len > 0 && i % 8 < 4) b[0] = 0x80 | (b[0] & 0x3f);
      const bad = len < 8 || b[0] >> 6 !== 2;
      if (bad && rtcpPort) surelyBadRtcp++;
      else if (bad) surelyBadRtp++;
      const from = { ip: `203.0.113.${1 + Math.floor(rnd() * 50)}`, port: 1024 + Math.floor(rnd() * 60000) };
      noise.push({ ts: T0 + 0.3 + i * 0.0009, data: udpPacketV4(from.ip, from.port, to.ip, to.port + (rtcpPort ? 1 : 0), b) });
    }
    const x = await readRecords(`fuzz-${seed}`, [...writtenCall(`f${seed}`), ...noise]);
    expect(x.records).toHaveLength(1);
    const r = x.records[0];
    const r0 = base.records[0];
    expect(r.SIP_CALL_STATE).toBe(r0.SIP_CALL_STATE);
    expect(r.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    for (const m0 of r0.media)
      expect(
        r.media.find((m) => streamKey(m) === streamKey(m0)),
        `${m0.src}`,
      ).toEqual(m0);
    for (const ep of [A, B])
      expect(r.media.filter((m) => m.dst === `${ep.ip}:${ep.port}`).length).toBeLessThanOrEqual(MAX_STREAMS_PER_ENDPOINT);
    const k = x.counters;
    expect(k.rtpInvalid).toBeGreaterThanOrEqual(surelyBadRtp);
    expect(k.rtcpInvalid).toBeGreaterThanOrEqual(surelyBadRtcp);
    expect(k.rtpInvalid + k.rtcpInvalid + k.rtcpPackets - base.counters.rtcpPackets).toBeLessThanOrEqual(noise.length);
    expect(k.streamTableFull).toBe(0);
  });
});
