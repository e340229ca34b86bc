// The RTP elements of the exports (SPEC §8 "Export"), read back by tshark's CFLOW dissector and by
// libfixbuf's ipfixDump: `sipscope read … --ipfix-file` in IPFIX and NetFlow v9 on calls written
// with planned RTP streams (loss, duplicates, DTMF, an SSRC change, RTCP round trips, IPv6, a call
// without RTP). Every RTP element of every call record must equal what the JSONL of the same run
// says of the call's "in" and "out" streams; with --export-rtp-flows every stream pair is one more
// record carrying the call's Call-ID, the pair's addresses and ports, and its sequence numbers and
// RTP timestamps as the plan sent them. Skipped with a message when a tool is missing, unless CI=true.

import { ipfixDumpRecords, ntopRegistryXml, type NtopElement } from '../support/ipfix-dump.ts';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { concat, type Packet, sdpBody, sipMessage, udpPacketV4, udpPacketV6, writePcap } from '../support/capture-writer.ts';
import { endpointOf, jsonl } from '../support/jsonl.ts';
import { lsrOf, ntpOf, receiverReport, senderReport } from '../support/rtcp-packets.ts';
import { mergeByTime, plannedStream, type RtpPlan } from '../support/rtp-plan.ts';
import { tempDir } from '../support/temp.ts';
import { run, toolGate, toolPath } from '../support/tools/exec.ts';

const tsharkGate = toolGate(['tshark'], 'ipfix-rtp: tshark');
const ipfixDumpGate = toolGate(['ipfixDump'], 'ipfix-rtp: ipfixDump');
test.runIf(tsharkGate.mustFail)('tshark is installed (required on CI)', () => tsharkGate.assertAvailable());
test.runIf(ipfixDumpGate.mustFail)('ipfixDump is installed (required on CI)', () => ipfixDumpGate.assertAvailable());

const tmp = tempDir('ipfix-rtp');
const TZ_ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
const T0 = 1_767_261_600;

// ---------------------------------------------------------------- the capture

interface Side {
  ip: string;
  port: number;
}

/** INVITE with the caller's SDP, 200 OK with the callee's, ACK, and at `end` BYE and its 200. */
function sipCall(id: string, t: number, end: number, caller: Side, callee: Side): Packet[] {
  const v6 = caller.ip.includes(':');
  const udp = (a: Side, b: Side, s: string) => (v6 ? udpPacketV6(a.ip, 5060, b.ip, 5060, s) : udpPacketV4(a.ip, 5060, b.ip, 5060, s));
  const sdp = (s: Side) =>
    sdpBody({
      sessionC: s.ip,
      media: [{ port: s.port, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
    });
  const h = (cseq: string, toTag: boolean, body: boolean): [string, string][] => [
    ['Via', `SIP/2.0/UDP ${v6 ? `[${caller.ip}]` : caller.ip}:5060;branch=z9hG4bK${id}${cseq.replace(/\W/g, '')}`],
    ['Call-ID', `${id}@rtp.test`],
    ['From', `<sip:a@x>;tag=a${id}`],
    ['To', `<sip:b@x>${toTag ? `;tag=b${id}` : ''}`],
    ['CSeq', cseq],
    ['Contact', '<sip:a@x>'],
    ...(body ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
  ];
  return [
    { ts: t, data: udp(caller, callee, sipMessage('INVITE sip:b@x SIP/2.0', h('1 INVITE', false, true), sdp(caller))) },
    { ts: t + 0.2, data: udp(callee, caller, sipMessage('SIP/2.0 200 OK', h('1 INVITE', true, true), sdp(callee))) },
    { ts: t + 0.3, data: udp(caller, callee, sipMessage('ACK sip:b@x SIP/2.0', h('1 ACK', true, false))) },
    { ts: end, data: udp(caller, callee, sipMessage('BYE sip:b@x SIP/2.0', h('2 BYE', true, false))) },
    { ts: end + 0.05, data: udp(callee, caller, sipMessage('SIP/2.0 200 OK', h('2 BYE', true, false))) },
  ];
}

/**
 * RTCP on port + 1: an SR from each side, the callee's naming the caller's (DLSR 20 ms, 50 ms
 * later), then the caller's RR naming the callee's (DLSR 10 ms, 50 ms later): round trips of
 * about 30 and 40 ms, so RTP_RTT is their mean.
 */
function rtcpExchange(t1: number, a: Side, b: Side, ssrcA: number, ssrcB: number): Packet[] {
  const ntpA = ntpOf(t1 + 1000);
  const ntpB = ntpOf(t1 + 0.05 - 300);
  const blk = (ssrc: number, lsr: number, dlsr: number) => ({ ssrc, fraction: 0, cumulative: 0, highestSeq: 0, jitter: 8, lsr, dlsr });
  const pkt = (from: Side, to: Side, t: number, data: Uint8Array): Packet => ({
    ts: t,
    data: udpPacketV4(from.ip, from.port + 1, to.ip, to.port + 1, data),
  });
  return [
    pkt(a, b, t1, senderReport(ssrcA, ntpA, 32_000, [blk(ssrcB, 0, 0)])),
    pkt(b, a, t1 + 0.05, senderReport(ssrcB, ntpB, 32_400, [blk(ssrcA, lsrOf(ntpA), Math.round(0.02 * 65536))])),
    pkt(a, b, t1 + 0.1, concat(receiverReport(ssrcA, [blk(ssrcB, lsrOf(ntpB), Math.round(0.01 * 65536))]))),
  ];
}

const caller = { ip: '192.0.2.10', port: 40000 };
const callee = { ip: '198.51.100.20', port: 30000 };
const caller6 = { ip: '2001:db8::10', port: 41000 };
const callee6 = { ip: '2001:db8::20', port: 31000 };

/** What each stream was sent as (the plan), by SSRC: its first and last sequence number and timestamp. */
const PLANS: RtpPlan[] = [
  // call 1, caller → callee: random loss, jitter, the digits 1 and #
  {
    src: caller.ip,
    sport: caller.port,
    dst: callee.ip,
    dport: callee.port,
    ssrc: 0x1000,
    start: T0 + 1,
    count: 500,
    lose: [10, 11, 200],
    jitterMs: 3,
    seed: 3,
    events: [
      [50, 1, 6],
      [120, 11, 6],
    ],
  },
  // call 1, callee → caller: duplicates (lost < 0, sent as 0), sequence and timestamp wrap, PCMA
  {
    src: callee.ip,
    sport: callee.port,
    dst: caller.ip,
    dport: caller.port,
    ssrc: 0x2000,
    start: T0 + 1.007,
    count: 300,
    duplicate: [5, 6, 7],
    firstSeq: 65_400,
    firstTs: 0xffff_f000,
    pt: 8,
  },
  // call 1, callee → caller again with a new SSRC after the first stopped: a lone pair
  {
    src: callee.ip,
    sport: callee.port,
    dst: caller.ip,
    dport: caller.port,
    ssrc: 0x3000,
    start: T0 + 7.5,
    count: 100,
    firstSeq: 7000,
    firstTs: 5000,
    pt: 8,
  },
  // call 2, IPv6 both ways
  {
    src: caller6.ip,
    sport: caller6.port,
    dst: callee6.ip,
    dport: callee6.port,
    ssrc: 0x6001,
    start: T0 + 21,
    count: 200,
    firstSeq: 65_500, // sequence number and timestamp wrap
    firstTs: 0xffff_ff00,
    lose: [50],
    jitterMs: 2,
    seed: 9,
  },
  {
    src: callee6.ip,
    sport: callee6.port,
    dst: caller6.ip,
    dport: caller6.port,
    ssrc: 0x6002,
    start: T0 + 21.01,
    count: 200,
    firstSeq: 100,
    firstTs: 1,
  },
];

function capture(): string {
  const streams = PLANS.map((p) => plannedStream(p).packets);
  const packets = mergeByTime(
    sipCall('rtp1', T0, T0 + 12, caller, callee),
    rtcpExchange(T0 + 5, caller, callee, 0x1000, 0x2000),
    sipCall('rtp6', T0 + 20, T0 + 27, caller6, callee6),
    // answered, no RTP at all: every element 0 / empty, no stream pair record
    sipCall('silent', T0 + 30, T0 + 33, { ip: '192.0.2.30', port: 42000 }, { ip: '198.51.100.40', port: 32000 }),
    ...streams,
  );
  return tmp.write('rtp-calls.pcap', writePcap(packets));
}

// ---------------------------------------------------------------- what the JSONL says

type J = Record<string, any>;

/** The elements a record must carry, worked out from its JSONL media (independently of shared/output). */
function expectedElements(inS: J | null, outS: J | null, all: J[]): Record<string, string> {
  const num = (m: J | null, f: (m: J) => number) => String(m === null ? 0 : f(m));
  const mean = (f: (m: J) => number | null) => {
    const v = [inS, outS]
      .filter((m): m is J => m !== null)
      .map(f)
      .filter((x): x is number => x !== null);
    return String(v.length === 0 ? 0 : Math.round(v.reduce((a, b) => a + b, 0) / v.length));
  };
  return {
    rtp_in_jitter: num(inS, (m) => Math.round(m.meanJitterMs * 1000)),
    rtp_out_jitter: num(outS, (m) => Math.round(m.meanJitterMs * 1000)),
    rtp_in_pkt_lost: num(inS, (m) => Math.max(0, m.lost)),
    rtp_out_pkt_lost: num(outS, (m) => Math.max(0, m.lost)),
    rtp_out_payload_type: num(outS, (m) => m.payloadType ?? 0),
    rtp_in_max_delta: num(inS, (m) => Math.round(m.maxDeltaMs * 100)),
    rtp_out_max_delta: num(outS, (m) => Math.round(m.maxDeltaMs * 100)),
    rtp_in_payload_type: num(inS, (m) => m.payloadType ?? 0),
    rtp_in_mos: num(inS, (m) => Math.round(m.mos * 100)),
    rtp_out_mos: num(outS, (m) => Math.round(m.mos * 100)),
    rtp_mos: mean((m) => Math.round(m.mos * 100)),
    rtp_in_r_factor: num(inS, (m) => Math.round(m.rFactor * 100)),
    rtp_out_r_factor: num(outS, (m) => Math.round(m.rFactor * 100)),
    rtp_r_factor: mean((m) => Math.round(m.rFactor * 100)),
    rtp_rtt: mean((m) => m.rtcp?.rttMs ?? null),
    rtp_dtmf_tones: all.map((m) => m.dtmf).join(''),
    rtp_ssrc: num(inS, (m) => Number.parseInt(m.ssrc, 16)),
  };
}
const ELEMENTS = Object.keys(expectedElements(null, null, []));

/** SPEC §8: "in" = the caller-to-callee stream with the most packets, "out" the callee-to-caller one. */
function sides(media: J[]): { inS: J | null; outS: J | null } {
  const most = (dir: string) =>
    media.filter((m) => m.direction === dir).reduce<J | null>((best, m) => (best === null || m.packets > best.packets ? m : best), null);
  return { inS: most('caller-to-callee'), outS: most('callee-to-caller') };
}

// ---------------------------------------------------------------- export files as tshark and ipfixDump read them

/** The messages of an export file: IPFIX by their length field, v9 packets by their record count. */
function messages(b: Uint8Array, format: 'ipfix' | 'v9'): Uint8Array[] {
  const out: Uint8Array[] = [];
  const u16 = (p: number) => (b[p] << 8) | b[p + 1];
  const recordLength = new Map<number, number>();
  let o = 0;
  while (o < b.length) {
    if (format === 'ipfix') {
      out.push(b.subarray(o, o + u16(o + 2)));
      o += u16(o + 2);
      continue;
    }
    const count = u16(o + 2);
    let p = o + 20;
    for (let n = 0; n < count; ) {
      const id = u16(p);
      const len = u16(p + 2);
      if (id === 0) {
        for (let q = p + 4; q + 4 <= p + len; ) {
          const fields = u16(q + 2);
          let rl = 0;
          for (let i = 0; i < fields; i++) rl += u16(q + 4 + 4 * i + 2);
          recordLength.set(u16(q), rl);
          q += 4 + 4 * fields;
          n++;
        }
      } else n += Math.floor((len - 4) / (recordLength.get(id) ?? Number.POSITIVE_INFINITY));
      p += len;
    }
    out.push(b.subarray(o, p));
    o = p;
  }
  return out;
}

interface Flow {
  set: number;
  f: Record<string, any>;
}

/** Every data record tshark decodes in an export file wrapped as UDP payloads (4739 IPFIX, 2055 v9). */
async function tsharkFlows(file: string, format: 'ipfix' | 'v9'): Promise<{ flows: Flow[]; templates: number[] }> {
  const msgs = messages(readFileSync(file), format);
  const port = format === 'ipfix' ? 4739 : 2055;
  const pcap = `${file}.pcap`;
  writeFileSync(pcap, writePcap(msgs.map((m, i) => ({ ts: T0 + 100 + i, data: udpPacketV4('192.0.2.50', 40000, '192.0.2.60', port, m) }))));
  const { stdout } = await run(toolPath('tshark'), ['-n', '-r', pcap, '-T', 'json', '--no-duplicate-keys'], {
    timeoutMs: 60_000,
    env: TZ_ENV,
  });
  const flows: Flow[] = [];
  const templates: number[] = [];
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const p of JSON.parse(stdout) as any[]) {
    for (const c of list<any>(p._source.layers.cflow)) {
      for (const [key, value] of Object.entries<any>(c)) {
        const m = /^(?:Flow)?Set \d+ \[id=(\d+)\]/.exec(key);
        if (!m) continue;
        for (const v of list<any>(value)) {
          for (const [k2, v2] of Object.entries<any>(v)) {
            const t = /^Template \(Id = (\d+)/.exec(k2);
            if (t) templates.push(Number(t[1]));
            if (/^Flow \d+$/.test(k2)) for (const f of list<any>(v2)) flows.push({ set: Number(m[1]), f });
          }
        }
      }
    }
  }
  return { flows, templates };
}

/** An ntop element of a tshark flow; tshark shows no value for an empty IPFIX variable-length string. */
const ntop = (f: Record<string, any>, name: string): string => {
  const v = f[`cflow.pie.ntop.${name}`];
  if (v === undefined && name === 'rtp_dtmf_tones' && f['cflow.pie.ntop.rtp_dtmf_tones_tree'] === undefined) return '';
  expect(v, `cflow.pie.ntop.${name} is decoded`).toBeDefined();
  return String(v);
};

// ---------------------------------------------------------------- the runs

async function sipscope(args: string[]) {
  const r = await runCli(['read', ...args], { env: TZ_ENV, timeoutMs: 60_000, throwOnTimeout: true });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe.skipIf(tsharkGate.missing.length > 0)('tshark decodes the RTP elements and the stream pair records', () => {
  for (const format of ['ipfix', 'v9'] as const) {
    test(`${format}: every RTP element of every call record equals the JSONL; --export-rtp-flows: one record per stream pair`, async () => {
      const cap = capture();
      const file = tmp.file(`rtp.${format}`);
      const r = await sipscope([cap, '--format', 'jsonl', '--ipfix-file', file, '--export-format', format, '--export-rtp-flows']);
      const records = jsonl(r.stdout);
      expect(records.map((x) => x.SIP_CALL_ID)).toEqual(['rtp1@rtp.test', 'rtp6@rtp.test', 'silent@rtp.test']);
      const { flows, templates } = await tsharkFlows(file, format);
      expect(templates).toEqual([257, 258, 259, 260]);

      // the call records: every element as the JSONL says
      const calls = flows.filter((x) => x.set === 257 || x.set === 258);
      expect(calls.map((x) => x.f['cflow.pie.ntop.sip_call_id'])).toEqual(records.map((x) => x.SIP_CALL_ID));
      for (const [i, rec] of records.entries()) {
        const { inS, outS } = sides(rec.media);
        const want = expectedElements(inS, outS, rec.media);
        const got = Object.fromEntries(ELEMENTS.map((k) => [k, ntop(calls[i].f, k)]));
        expect(got, `${format} ${rec.SIP_CALL_ID}`).toEqual(want);
        expect(calls[i].set).toBe(rec.flow.ipVersion === 6 ? 258 : 257);
      }
      // … and what the plan makes them: loss, digits, the duplicates' negative loss sent as 0, RTT from RTCP
      const c1 = Object.fromEntries(ELEMENTS.map((k) => [k, ntop(calls[0].f, k)]));
      expect(c1).toMatchObject({
        rtp_in_pkt_lost: '3',
        rtp_out_pkt_lost: '0',
        rtp_in_payload_type: '0',
        rtp_out_payload_type: '8',
        rtp_dtmf_tones: '1#',
        rtp_ssrc: String(0x1000),
        rtp_rtt: '35', // (30 + 40) / 2 ms
      });
      expect(records[0].media.find((m: J) => m.ssrc === '0x00002000').lost).toBe(-3);
      expect(Number(c1.rtp_in_jitter)).toBeGreaterThan(0);
      const silent = Object.fromEntries(ELEMENTS.map((k) => [k, ntop(calls[2].f, k)]));
      expect(silent).toEqual(Object.fromEntries(ELEMENTS.map((k) => [k, k === 'rtp_dtmf_tones' ? '' : '0'])));

      // the stream pairs: (0x1000, 0x2000) and 0x3000 alone of call 1, (0x6001, 0x6002) of call 2
      const pairs = flows.filter((x) => x.set === 259 || x.set === 260);
      expect(pairs.map((x) => [x.set, ntop(x.f, 'rtp_sip_call_id'), Number(ntop(x.f, 'rtp_ssrc'))])).toEqual([
        [259, 'rtp1@rtp.test', 0x1000],
        [259, 'rtp1@rtp.test', 0x3000],
        [260, 'rtp6@rtp.test', 0x6001],
      ]);
      const bySsrc = (rec: J, ssrc: number) => rec.media.find((m: J) => Number.parseInt(m.ssrc, 16) === ssrc) as J;
      const expectations: [J, number, number | null][] = [
        [records[0], 0x1000, 0x2000],
        [records[0], 0x3000, null],
        [records[1], 0x6001, 0x6002],
      ];
      for (const [k, [rec, fwd, rev]] of expectations.entries()) {
        const f = pairs[k].f;
        const a = bySsrc(rec, fwd);
        const b = rev === null ? null : bySsrc(rec, rev);
        const src = endpointOf(a.src);
        const dst = endpointOf(a.dst);
        const v6 = src.ip.includes(':');
        const what = `${format} pair ${fwd.toString(16)}`;
        expect(
          {
            src: f[v6 ? 'cflow.srcaddrv6' : 'cflow.srcaddr'],
            dst: f[v6 ? 'cflow.dstaddrv6' : 'cflow.dstaddr'],
            sport: Number(f['cflow.srcport']),
            dport: Number(f['cflow.dstport']),
            protocol: Number(f['cflow.protocol']),
            packets: Number(f['cflow.packets']),
            octets: Number(f['cflow.octets']),
          },
          what,
        ).toEqual({
          src: src.ip,
          dst: dst.ip,
          sport: src.port,
          dport: dst.port,
          protocol: 17,
          packets: a.packets + (b?.packets ?? 0),
          // UDP payload + 8 UDP + 20 IPv4 / 40 IPv6 header bytes a packet
          octets: a.bytes + (b?.bytes ?? 0) + (a.packets + (b?.packets ?? 0)) * (v6 ? 48 : 28),
        });
        // the forward stream is the pair's "in" (a lone callee-to-caller one too: its flow goes from its sender)
        const want = expectedElements(a, b, b === null ? [a] : [a, b]);
        expect(Object.fromEntries(ELEMENTS.map((e) => [e, ntop(f, e)])), what).toEqual(want);
        // first / last sequence number and timestamp: as the plan sent the forward stream (20 ms of 8 kHz a packet)
        const plan = PLANS.find((p) => p.ssrc === fwd)!;
        const seq0 = plan.firstSeq ?? 1000;
        const ts0 = plan.firstTs ?? 160_000;
        const seqTs = ['rtp_first_seq', 'rtp_first_ts', 'rtp_last_seq', 'rtp_last_ts'].map((e) => Number(ntop(f, e)));
        expect(seqTs, what).toEqual([seq0, ts0, (seq0 + plan.count - 1) & 0xffff, (ts0 + (plan.count - 1) * 160) >>> 0]);
      }
    });
  }

  test('without --export-rtp-flows: only the call templates and the call records, the RTP elements in them', async () => {
    const cap = capture();
    const file = tmp.file('plain.ipfix');
    const r = await sipscope([cap, '--format', 'jsonl', '--ipfix-file', file]);
    const { flows, templates } = await tsharkFlows(file, 'ipfix');
    expect(templates).toEqual([257, 258]);
    expect(flows.map((x) => x.set)).toEqual([257, 258, 257]);
    const records = jsonl(r.stdout);
    const { inS, outS } = sides(records[1].media);
    expect(Object.fromEntries(ELEMENTS.map((k) => [k, ntop(flows[1].f, k)]))).toEqual(expectedElements(inS, outS, records[1].media));
  });
});

// ---------------------------------------------------------------- --template

describe('the RTP elements in --template columns', () => {
  test('CSV, --dump-file and --dump-dir (written by the export worker) show the same values as the JSONL', async () => {
    const cap = capture();
    const names = ELEMENTS.map((e) => e.toUpperCase());
    const template = ['%SIP_CALL_ID', ...names.map((n) => `%${n}`)].join(' ');
    const dir = tmp.file('dump');
    const dumpFile = tmp.file('calls.sip');
    const csv = await sipscope([
      cap,
      '--format',
      'csv',
      '--template',
      template,
      '--dump-file',
      dumpFile,
      '--dump-dir',
      dir,
      '--dont-nest-dump-dirs',
    ]);
    const records = jsonl((await sipscope([cap, '--format', 'jsonl'])).stdout);
    const header = ['SIP_CALL_ID', ...names];
    const rows = (text: string, sep: string) =>
      text
        .split(/\r?\n/)
        .filter((l) => l !== '')
        .map((l) => l.split(sep));
    // text: the wire integer, empty when the element has nothing to say (no such stream, no RTT)
    const says = (k: string, inS: J | null, outS: J | null): boolean => {
      if (k === 'rtp_ssrc' || k.startsWith('rtp_in_')) return inS !== null;
      if (k.startsWith('rtp_out_')) return outS !== null;
      if (k === 'rtp_rtt') return [inS, outS].some((m) => typeof m?.rtcp?.rttMs === 'number');
      return k === 'rtp_dtmf_tones' || inS !== null || outS !== null; // RTP_MOS, RTP_R_FACTOR: either
    };
    const want = records.map((rec) => {
      const { inS, outS } = sides(rec.media);
      const e = expectedElements(inS, outS, rec.media);
      return [rec.SIP_CALL_ID, ...ELEMENTS.map((k) => (says(k, inS, outS) ? e[k] : ''))];
    });
    expect(rows(csv.stdout, ',')).toEqual([header, ...want]);
    expect(rows(readFileSync(dumpFile, 'utf8'), '|')).toEqual([header, ...want]);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sip'))
      .sort();
    const fromDir = files.flatMap((f) => rows(readFileSync(join(dir, f), 'utf8'), '|').slice(1));
    expect(fromDir).toEqual(want);
    expect(want[0].slice(1, 4), 'jitter, loss: real values').toEqual([expect.stringMatching(/^[1-9]\d*$/), expect.any(String), '3']);
  });
});

// ---------------------------------------------------------------- ipfixDump

/** ipfixDump element definitions (-e): ntop's RTP elements (PEN 35632) with their types. */
function rtpElementXml(): string {
  const el: NtopElement[] = [
    [150, 'rtpFirstSeq', 'unsigned16'],
    [151, 'rtpFirstTs', 'unsigned32'],
    [152, 'rtpLastSeq', 'unsigned16'],
    [153, 'rtpLastTs', 'unsigned32'],
    [154, 'rtpInJitter', 'unsigned32'],
    [155, 'rtpOutJitter', 'unsigned32'],
    [156, 'rtpInPktLost', 'unsigned32'],
    [157, 'rtpOutPktLost', 'unsigned32'],
    [158, 'rtpOutPayloadType', 'unsigned8'],
    [159, 'rtpInMaxDelta', 'unsigned32'],
    [160, 'rtpOutMaxDelta', 'unsigned32'],
    [161, 'rtpInPayloadType', 'unsigned8'],
    [348, 'rtpSipCallId', 'string'],
    [370, 'rtpInMos', 'unsigned32'],
    [371, 'rtpInRFactor', 'unsigned32'],
    [380, 'rtpRtt', 'unsigned32'],
    [395, 'rtpDtmfTones', 'string'],
    [432, 'rtpOutMos', 'unsigned32'],
    [433, 'rtpOutRFactor', 'unsigned32'],
    [434, 'rtpMos', 'unsigned32'],
    [436, 'rtpRFactor', 'unsigned32'],
    [437, 'rtpSsrc', 'unsigned32'],
  ];
  return ntopRegistryXml('ntop-rtp', el);
}

describe.skipIf(ipfixDumpGate.missing.length > 0)('ipfixDump reads the RTP elements', () => {
  test('every template and record without a warning; the RTP elements as typed values equal the JSONL', async () => {
    const cap = capture();
    const file = tmp.file('dump.ipfix');
    const r = await sipscope([cap, '--format', 'jsonl', '--ipfix-file', file, '--export-rtp-flows']);
    const records = jsonl(r.stdout);
    const st = await run(toolPath('ipfixDump'), ['--in', file, '-s'], { timeoutMs: 30_000, env: TZ_ENV });
    expect(st.stderr.trim()).toBe('');
    const stats = /File Stats: (\d+) Messages, (\d+) Data Records, (\d+) Template Records/.exec(st.stdout);
    expect(stats, st.stdout).not.toBeNull();
    expect(Number(stats![2]), 'data records: 3 calls + 3 stream pairs').toBe(6);
    expect(Number(stats![3]), 'template records: 257, 258, 259, 260').toBe(4);

    const xml = tmp.file('ntop-rtp.xml');
    writeFileSync(xml, rtpElementXml());
    const typed = await run(toolPath('ipfixDump'), ['--in', file, '-e', xml], { timeoutMs: 30_000, env: TZ_ENV });
    expect(typed.stderr.trim()).toBe('');
    const recs = ipfixDumpRecords(typed.stdout);
    expect(recs).toHaveLength(6);
    const text = (v: string | undefined) => {
      const m = /^\(len: \d+\) ?(.*)$/.exec(v ?? '');
      return m ? m[1] : (v ?? '');
    };
    const ids: Record<string, number> = {
      rtp_in_jitter: 154,
      rtp_out_jitter: 155,
      rtp_in_pkt_lost: 156,
      rtp_out_pkt_lost: 157,
      rtp_out_payload_type: 158,
      rtp_in_max_delta: 159,
      rtp_out_max_delta: 160,
      rtp_in_payload_type: 161,
      rtp_in_mos: 370,
      rtp_out_mos: 432,
      rtp_mos: 434,
      rtp_in_r_factor: 371,
      rtp_out_r_factor: 433,
      rtp_r_factor: 436,
      rtp_rtt: 380,
      rtp_dtmf_tones: 395,
      rtp_ssrc: 437,
    };
    // records in file order: call 1, its two pairs, call 2, its pair, the silent call
    const callRecs = recs.filter((x) => x.has('35632/130'));
    expect(callRecs).toHaveLength(3);
    for (const [i, rec] of records.entries()) {
      const { inS, outS } = sides(rec.media);
      const want = expectedElements(inS, outS, rec.media);
      const got = Object.fromEntries(ELEMENTS.map((k) => [k, text(callRecs[i].get(`35632/${ids[k]}`))]));
      expect(got, rec.SIP_CALL_ID).toEqual(want);
    }
    const pairRecs = recs.filter((x) => x.has('35632/348'));
    expect(pairRecs.map((x) => [text(x.get('35632/348')), Number(x.get('35632/437')), Number(x.get('35632/150'))])).toEqual([
      ['rtp1@rtp.test', 0x1000, 1000],
      ['rtp1@rtp.test', 0x3000, 7000],
      ['rtp6@rtp.test', 0x6001, 65_500],
    ]);
    expect(pairRecs.map((x) => Number(x.get('35632/153')))).toEqual([
      (160_000 + 499 * 160) >>> 0,
      (5000 + 99 * 160) >>> 0,
      (0xffff_ff00 + 199 * 160) >>> 0,
    ]);
  });
});
