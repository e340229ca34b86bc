// IPFIX / NetFlow v9 export read back by real decoders (SPEC §5.1): what `sipscope read … --collector`
// and `--ipfix-file` send must be what tshark's CFLOW dissector, libfixbuf's ipfixDump and nfdump's
// nfcapd see, value for value against the JSON Lines of the same run. Also: byte-identical output
// on two runs, collectors that are down or die mid-run, SIGINT during a dump, an IPv6 collector.
//
// Every process is started through test/support/procs.ts or cli.ts and ended in finally/afterAll; every wait
// has a timeout. Loopback only, ports 27000–27999.

import { ipfixDumpRecords, ntopRegistryXml, type NtopElement } from '../support/ipfix-dump.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { udpPacketV4, writePcap, type Packet } from '../support/capture-writer.ts';
import { FlowParser, str } from '../support/ipfix-parse.ts';
import { jsonl } from '../support/jsonl.ts';
import { BIN, repoRoot, SAMPLE } from '../support/paths.ts';
import { sleep, startBg, stopAll, stopBg, tail, waitExit, waitFor, type Bg } from '../support/procs.ts';
import { DEFAULT_DUMP_HEADER as DUMP_HEADER } from '../support/records.ts';
import { tempDir } from '../support/temp.ts';
import { run, toolGate, toolPath } from '../support/tools/exec.ts';
import { generateCapture } from '../../bench/make-capture.ts';

const TZ_ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };

// ports of this file (27000–27999), one per use so a slow close never collides with the next test
const PORT = {
  udpIpfix: 27101,
  udpV9: 27102,
  tcpIpfix: 27103,
  tcpV9: 27104,
  v6: 27105,
  nfcapd: 27110,
  udpClosed: 27120,
  tcpRefused: 27121,
  tcpKill: 27122,
  tcpKillSmallQueue: 27123,
} as const;

const tsharkGate = toolGate(['tshark'], 'export: tshark', { capture: true });
const ipfixDumpGate = toolGate(['ipfixDump'], 'export: ipfixDump');
const nfGate = toolGate(['nfcapd', 'nfdump'], 'export: nfcapd');

const work = tempDir('export');
let many = ''; // sip-only capture with MANY_CALLS calls
const MANY_CALLS = 1000;

beforeAll(() => {
  many = work.file('many.pcap');
  generateCapture({ kind: 'sip-only', path: many, calls: MANY_CALLS, seed: 7 });
});

afterAll(async () => {
  await stopAll();
});

// ---------------------------------------------------------------- the CLI

/** `node bin/sipscope.js read …`; fails the test when it does not end within timeoutMs. */
async function sipscope(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return runCli(['read', ...args], { env: TZ_ENV, timeoutMs, throwOnTimeout: true });
}

type JRec = Record<string, any>;

interface ExportSummary {
  target: string;
  delivered: number;
  records: number;
  messages: number;
  undelivered: number;
  reconnects: number;
  line: string;
}

/** The `export TARGET: D/R records delivered in M messages[, U NOT delivered][, K reconnects]` line. */
function exportSummary(stderr: string, target: string): ExportSummary | null {
  for (const line of stderr.split('\n')) {
    const m = /^\s*export (\S+): (\d+)\/(\d+) records delivered in (\d+) messages(?:, (\d+) NOT delivered)?(?:, (\d+) reconnects)?/.exec(
      line,
    );
    if (!m || m[1] !== target) continue;
    return {
      target: m[1],
      delivered: Number(m[2]),
      records: Number(m[3]),
      messages: Number(m[4]),
      undelivered: Number(m[5] ?? 0),
      reconnects: Number(m[6] ?? 0),
      line,
    };
  }
  return null;
}

// ---------------------------------------------------------------- what the wire must carry

/** One record as an export decoder shows it: 0 / empty on the wire ↔ null. */
interface WireRecord {
  SIP_CALL_ID: string | null;
  SIP_CALLING_PARTY: string | null;
  SIP_CALLED_PARTY: string | null;
  SIP_RTP_CODECS: string | null;
  times: (number | null)[]; // the nine times, whole seconds
  SIP_RTP_IPV4_SRC_ADDR: string | null;
  SIP_RTP_L4_SRC_PORT: number | null;
  SIP_RTP_IPV4_DST_ADDR: string | null;
  SIP_RTP_L4_DST_PORT: number | null;
  SIP_RESPONSE_CODE: number | null;
  SIP_REASON_CAUSE: number | null;
  SIP_UAC: string | null;
  SIP_UAS: string | null;
  SIP_C_IP: string | null;
  SIP_CALL_STATE: string | null;
  flow: {
    src: string;
    dst: string;
    sport: number;
    dport: number;
    protocol: number;
    startMs: number;
    endMs: number;
    packets: number;
    bytes: number;
  };
}

const TIME_FIELDS = [
  'SIP_INVITE_TIME',
  'SIP_TRYING_TIME',
  'SIP_RINGING_TIME',
  'SIP_INVITE_OK_TIME',
  'SIP_INVITE_FAILURE_TIME',
  'SIP_BYE_TIME',
  'SIP_BYE_OK_TIME',
  'SIP_CANCEL_TIME',
  'SIP_CANCEL_OK_TIME',
] as const;

/** tshark's names of the nine times, in SPEC order (INVITE_OK is sip_ok_time in tshark 4.0). */
const TSHARK_TIMES = [
  'cflow.pie.ntop.sip_invite_time',
  'cflow.pie.ntop.sip_trying_time',
  'cflow.pie.ntop.sip_ringing_time',
  'cflow.pie.ntop.sip_ok_time',
  'cflow.pie.ntop.sip_invite_failure_time',
  'cflow.pie.ntop.sip_bye_time',
  'cflow.pie.ntop.sip_bye_ok_time',
  'cflow.pie.ntop.sip_cancel_time',
  'cflow.pie.ntop.sip_cancel_ok_time',
] as const;

const utf8 = new TextEncoder();

/** A string as the wire carries it: cut to `max` bytes at a UTF-8 boundary; '' → null. */
function wireString(v: unknown, max: number): string | null {
  if (v === null || v === undefined || v === '') return null;
  const b = utf8.encode(String(v));
  let n = Math.min(b.length, max);
  while (n > 0 && n < b.length && (b[n] & 0xc0) === 0x80) n--;
  const s = new TextDecoder().decode(b.subarray(0, n));
  return s === '' ? null : s;
}

const zeroToNull = (v: unknown): number | null => (v === null || v === undefined || Number(v) === 0 ? null : Number(v));
const msOf = (sec: number): number => Math.floor(Math.round(sec * 1e6) / 1000);

/** What a decoder must show for a JSONL record (string caps of SPEC §5.1: the same in IPFIX and v9). */
function expectedWire(r: JRec): WireRecord {
  return {
    SIP_CALL_ID: wireString(r.SIP_CALL_ID, 96),
    SIP_CALLING_PARTY: wireString(r.SIP_CALLING_PARTY, 96),
    SIP_CALLED_PARTY: wireString(r.SIP_CALLED_PARTY, 96),
    SIP_RTP_CODECS: wireString(r.SIP_RTP_CODECS, 512),
    times: TIME_FIELDS.map((f) => (r[f] === null || r[f] === undefined ? null : zeroToNull(Math.floor(r[f])))),
    SIP_RTP_IPV4_SRC_ADDR: r.SIP_RTP_IPV4_SRC_ADDR ?? null,
    SIP_RTP_L4_SRC_PORT: zeroToNull(r.SIP_RTP_L4_SRC_PORT),
    SIP_RTP_IPV4_DST_ADDR: r.SIP_RTP_IPV4_DST_ADDR ?? null,
    SIP_RTP_L4_DST_PORT: zeroToNull(r.SIP_RTP_L4_DST_PORT),
    SIP_RESPONSE_CODE: zeroToNull(r.SIP_RESPONSE_CODE),
    SIP_REASON_CAUSE: zeroToNull(r.SIP_REASON_CAUSE),
    SIP_UAC: wireString(r.SIP_UAC, 96),
    SIP_UAS: wireString(r.SIP_UAS, 96),
    SIP_C_IP: wireString(r.SIP_C_IP, 128),
    SIP_CALL_STATE: wireString(r.SIP_CALL_STATE, 16),
    flow: {
      src: r.flow.src,
      dst: r.flow.dst,
      sport: r.flow.sport,
      dport: r.flow.dport,
      protocol: r.flow.protocol,
      startMs: msOf(r.flow.start),
      endMs: msOf(r.flow.end),
      packets: r.flow.packets,
      bytes: r.flow.bytes,
    },
  };
}

// ---------------------------------------------------------------- tshark's CFLOW decode

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Jan  1, 2026 10:00:04.310000000 UTC" → epoch milliseconds (floored). */
function tsharkTimeMs(s: string): number {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2}), (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? UTC$/.exec(s.trim());
  if (!m) throw new Error(`unexpected tshark time "${s}"`);
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) throw new Error(`unexpected month in "${s}"`);
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  return Date.UTC(Number(m[3]), month, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6])) + ms;
}

interface CflowPdu {
  frame: number;
  version: number;
  sequence: number;
  domain: number;
  /** template ids defined in this PDU, in order */
  templates: number[];
  /** sets in order: template sets (id 2 / 0) and data sets (≥ 256) */
  sets: { id: number; flows: Record<string, any>[] }[];
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every CFLOW PDU tshark decodes in a capture, in frame order. */
async function tsharkCflow(pcap: string, decodeAs: string | null): Promise<CflowPdu[]> {
  const args = ['-n', '-r', pcap, '-T', 'json', '--no-duplicate-keys'];
  if (decodeAs) args.push('-d', decodeAs);
  const { stdout } = await run(toolPath('tshark'), args, { timeoutMs: 60_000, env: TZ_ENV });
  const packets = JSON.parse(stdout === '' ? '[]' : stdout) as any[];
  const out: CflowPdu[] = [];
  for (const p of packets) {
    const layers = p._source.layers;
    const frame = Number(asArray(layers.frame)[0]?.['frame.number']);
    for (const c of asArray<any>(layers.cflow)) {
      const pdu: CflowPdu = {
        frame,
        version: Number(c['cflow.version']),
        sequence: Number(c['cflow.sequence']),
        domain: Number(c['cflow.od_id'] ?? c['cflow.source_id']),
        templates: [],
        sets: [],
      };
      for (const [key, value] of Object.entries<any>(c)) {
        const m = /^(?:Flow)?Set \d+ \[id=(\d+)\]/.exec(key);
        if (!m) continue;
        const id = Number(m[1]);
        const set = { id, flows: [] as Record<string, any>[] };
        for (const v of asArray<any>(value)) {
          for (const [k2, v2] of Object.entries<any>(v)) {
            const t = /^Template \(Id = (\d+)/.exec(k2);
            if (t) pdu.templates.push(Number(t[1]));
            if (/^Flow \d+$/.test(k2)) set.flows.push(...asArray<Record<string, any>>(v2));
          }
        }
        pdu.sets.push(set);
      }
      out.push(pdu);
    }
  }
  return out;
}

function hexToText(hex: string): string {
  const bytes = Buffer.from(hex.replace(/:/g, ''), 'hex');
  let n = bytes.length;
  while (n > 0 && bytes[n - 1] === 0) n--; // v9 fixed-length padding
  return bytes.subarray(0, n).toString('utf8');
}

/** A tshark "Flow N" tree as a WireRecord. */
function wireFromTshark(f: Record<string, any>, format: 'ipfix' | 'v9'): WireRecord {
  const s = (k: string): string | null => {
    const v = f[k];
    if (v === undefined || v === '') return null;
    return String(Array.isArray(v) ? v[0] : v);
  };
  const n = (k: string): number | null => zeroToNull(s(k));
  const addr = (k: string): string | null => {
    const v = s(k);
    return v === null || v === '0.0.0.0' ? null : v;
  };
  // SIP_UAC / SIP_UAS have no name in tshark 4.0: raw enterprise entries (IPFIX) / unknown fields (v9)
  const raw = asArray<string>(f[format === 'ipfix' ? 'cflow.enterprise_private_entry' : 'cflow.unknown_field_type']);
  expect(raw.length, `UAC and UAS as two unnamed elements (${format})`).toBe(2);
  const uaText = (h: string): string | null => {
    const t = hexToText(h);
    return t === '' ? null : t;
  };
  const tree = f['cflow.timedelta_tree'] ?? {};
  return {
    SIP_CALL_ID: s('cflow.pie.ntop.sip_call_id'),
    SIP_CALLING_PARTY: s('cflow.pie.ntop.sip_calling_party'),
    SIP_CALLED_PARTY: s('cflow.pie.ntop.sip_called_party'),
    SIP_RTP_CODECS: s('cflow.pie.ntop.sip_rtp_codecs'),
    times: TSHARK_TIMES.map((k) => {
      const v = s(k);
      if (v === null) return null;
      const ms = tsharkTimeMs(v);
      return ms === 0 ? null : ms / 1000;
    }),
    SIP_RTP_IPV4_SRC_ADDR: addr('cflow.pie.ntop.sip_rtp_ipv4_src_addr'),
    SIP_RTP_L4_SRC_PORT: n('cflow.pie.ntop.sip_rtp_l4_src_port'),
    SIP_RTP_IPV4_DST_ADDR: addr('cflow.pie.ntop.sip_rtp_ipv4_dst_addr'),
    SIP_RTP_L4_DST_PORT: n('cflow.pie.ntop.sip_rtp_l4_dst_port'),
    SIP_RESPONSE_CODE: n('cflow.pie.ntop.sip_response_code'),
    SIP_REASON_CAUSE: n('cflow.pie.ntop.sip_reason_cause'),
    SIP_UAC: uaText(raw[0]),
    SIP_UAS: uaText(raw[1]),
    SIP_C_IP: s('cflow.pie.ntop.sip_c_ip'),
    SIP_CALL_STATE: s('cflow.pie.ntop.sip_call_state'),
    flow: {
      src: s('cflow.srcaddr') ?? s('cflow.srcaddrv6') ?? '',
      dst: s('cflow.dstaddr') ?? s('cflow.dstaddrv6') ?? '',
      sport: Number(s('cflow.srcport')),
      dport: Number(s('cflow.dstport')),
      protocol: Number(s('cflow.protocol')),
      startMs: tsharkTimeMs(String(tree['cflow.abstimestart'])),
      endMs: tsharkTimeMs(String(tree['cflow.abstimeend'])),
      packets: Number(s('cflow.packets')),
      bytes: Number(s('cflow.octets')),
    },
  };
}

/**
 * The checks every decoded export stream gets: templates before data, sequence numbers
 * (IPFIX: data records before the message; v9: packets before), domain, version, and one decoded
 * record per JSONL record with the same values.
 */
function checkCflowStream(pdus: CflowPdu[], records: JRec[], o: { format: 'ipfix' | 'v9'; domain: number; label: string }): void {
  const { format, label } = o;
  expect(pdus.length, `${label}: tshark decoded export messages`).toBeGreaterThan(0);
  const known = new Set<number>();
  let dataBefore = 0;
  const seen: WireRecord[] = [];
  pdus.forEach((pdu, i) => {
    expect(pdu.version, `${label}: message ${i} version`).toBe(format === 'ipfix' ? 10 : 9);
    expect(pdu.domain, `${label}: message ${i} observation domain / source id`).toBe(o.domain);
    expect(pdu.sequence, `${label}: message ${i} sequence number`).toBe(format === 'ipfix' ? dataBefore : i);
    for (const set of pdu.sets) {
      if (set.id === (format === 'ipfix' ? 2 : 0)) continue;
      expect(set.id, `${label}: message ${i}: data set id`).toBeGreaterThanOrEqual(256);
      // a data set whose template was not seen before is not decoded by tshark (no Flow trees)
      expect(known.has(set.id) || pdu.templates.includes(set.id), `${label}: message ${i}: template ${set.id} sent before its data`).toBe(
        true,
      );
      for (const f of set.flows) seen.push(wireFromTshark(f, format));
      dataBefore += set.flows.length;
    }
    for (const t of pdu.templates) known.add(t);
  });
  expect(pdus[0].templates, `${label}: the first message carries both templates`).toEqual(expect.arrayContaining([257, 258]));
  expect(seen.length, `${label}: every record arrives once`).toBe(records.length);
  const byId = new Map(seen.map((w) => [w.SIP_CALL_ID, w]));
  expect(byId.size, `${label}: Call-IDs on the wire are distinct`).toBe(seen.length);
  for (const r of records) {
    const got = byId.get(wireString(r.SIP_CALL_ID, 96));
    expect(got, `${label}: record ${r.SIP_CALL_ID} on the wire`).toBeDefined();
    expect(got, `${label}: record ${r.SIP_CALL_ID}`).toEqual(expectedWire(r));
  }
}

// ---------------------------------------------------------------- tshark capture on lo

interface Capture {
  file: string;
  bg: Bg;
  stop(): Promise<void>;
}

/** `tshark -i lo -f FILTER -w FILE`, resolved once dumpcap reports that it is capturing. */
async function startCapture(filter: string, file: string): Promise<Capture> {
  const bg = startBg('tshark capture', toolPath('tshark'), ['-n', '-i', 'lo', '-f', filter, '-w', file], { group: true, env: TZ_ENV });
  await waitFor(() => /Capture started|Capturing on/.test(bg.stderr()), 15_000, 'tshark to start capturing', bg);
  await sleep(300); // dumpcap's filter is set before it reports; a little slack for the ring buffer
  return {
    file,
    bg,
    async stop() {
      await sleep(400); // let the last packets reach the file
      await stopBg(bg, 'SIGINT', 5000);
    },
  };
}

/** A TCP collector that keeps every connection's bytes (and can drop the first one early). */
/** A UDP collector that keeps every datagram. */
class UdpSink {
  datagrams: Buffer[] = [];
  private sock: UdpSocket | null = null;
  listen(port: number, host = '127.0.0.1'): Promise<void> {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.sock = sock;
    sock.on('message', (d) => this.datagrams.push(d));
    return new Promise((res, rej) => {
      sock.once('error', rej);
      sock.bind({ port, address: host, exclusive: true }, () => res());
    });
  }
  close(): Promise<void> {
    return new Promise((res) => (this.sock ? this.sock.close(() => res()) : res()));
  }
}

class TcpSink {
  server: Server;
  conns: Buffer[][] = [];
  private sockets = new Set<Socket>();
  constructor(private readonly onData?: (conn: number, all: Buffer, sock: Socket) => void) {
    this.server = createServer((sock) => {
      const idx = this.conns.length;
      const chunks: Buffer[] = [];
      this.conns.push(chunks);
      this.sockets.add(sock);
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        this.onData?.(idx, Buffer.concat(chunks), sock);
      });
      sock.on('error', () => {});
      sock.on('close', () => this.sockets.delete(sock));
    });
  }
  listen(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((res, rej) => {
      this.server.once('error', rej);
      this.server.listen({ port, host, exclusive: true }, () => res());
    });
  }
  bytes(conn: number): Buffer {
    return Buffer.concat(this.conns[conn] ?? []);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => {
      const t = setTimeout(res, 2000);
      this.server.close(() => {
        clearTimeout(t);
        res();
      });
    });
  }
}

/** Split a byte stream of IPFIX messages on their length fields (a partial tail is left out). */
function ipfixMessages(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (stream.length - o >= 16) {
    const len = stream.readUInt16BE(o + 2);
    if (len < 16 || o + len > stream.length) break;
    out.push(stream.subarray(o, o + len));
    o += len;
  }
  return out;
}

// ================================================================ 1, 7: tshark reads the collector stream

describe('tshark decodes what a collector receives', () => {
  test.runIf(tsharkGate.mustFail)('tshark and loopback capture are available', () => tsharkGate.assertAvailable());

  const cases = [
    { transport: 'udp', format: 'ipfix', port: PORT.udpIpfix, host: '127.0.0.1', domain: 0 },
    { transport: 'udp', format: 'v9', port: PORT.udpV9, host: '127.0.0.1', domain: 4242 },
    { transport: 'tcp', format: 'ipfix', port: PORT.tcpIpfix, host: '127.0.0.1', domain: 77 },
    { transport: 'tcp', format: 'v9', port: PORT.tcpV9, host: '127.0.0.1', domain: 0 },
    { transport: 'udp', format: 'ipfix', port: PORT.v6, host: '::1', domain: 9 },
  ] as const;

  for (const c of cases) {
    const hostInUrl = c.host.includes(':') ? `[${c.host}]` : c.host;
    const url = `${c.transport}://${hostInUrl}:${c.port}`;
    test.skipIf(tsharkGate.missing.length > 0)(`${c.format} over ${c.transport} to ${hostInUrl}: every record, every field`, async () => {
      const file = work.file(`cap-${c.transport}-${c.format}-${c.port}.pcap`);
      const sink = c.transport === 'tcp' ? new TcpSink() : null;
      const udpSink = c.transport === 'udp' ? new UdpSink() : null;
      let cap: Capture | null = null;
      try {
        if (sink) await sink.listen(c.port, c.host);
        if (udpSink) await udpSink.listen(c.port, c.host);
        cap = await startCapture(`${c.transport} port ${c.port}`, file);
        const r = await sipscope([
          SAMPLE,
          '--collector',
          url,
          '--export-format',
          c.format,
          '--observation-domain',
          String(c.domain),
          '--format',
          'jsonl',
        ]);
        await cap.stop();
        expect(r.code, r.stderr).toBe(0);
        const records = jsonl(r.stdout);
        expect(records.length).toBe(6);
        expect(
          records.some((x) => x.flow.ipVersion === 6),
          'the sample has an IPv6 call (template 258)',
        ).toBe(true);

        const sum = exportSummary(r.stderr, url);
        expect(sum, `export summary line for ${url} in:\n${r.stderr}`).not.toBeNull();
        expect(sum!.records).toBe(records.length);
        expect(sum!.delivered).toBe(records.length);
        expect(sum!.undelivered).toBe(0);
        // a clean run never reconnected: its stats must not claim it did
        expect.soft(sum!.reconnects, `clean run reports no reconnects: ${sum!.line}`).toBe(0);

        const pdus = await tsharkCflow(file, `${c.transport}.port==${c.port},cflow`);
        checkCflowStream(pdus, records, { format: c.format, domain: c.domain, label: url });
        expect(sum!.messages, 'messages counted = CFLOW messages on the wire').toBe(pdus.length);

        if (c.host === '::1') {
          const { stdout } = await run(toolPath('tshark'), ['-n', '-r', file, '-T', 'fields', '-e', 'ipv6.dst'], { timeoutMs: 30_000 });
          const dsts = stdout.split('\n').filter(Boolean);
          expect(dsts.length).toBe(pdus.length);
          expect(new Set(dsts)).toEqual(new Set(['::1']));
        }
        if (udpSink) {
          // the collector got every message, and each datagram is one whole message
          await waitFor(() => udpSink.datagrams.length >= pdus.length, 5000, 'the datagrams to arrive');
          expect(udpSink.datagrams.length).toBe(pdus.length);
          if (c.format === 'ipfix')
            expect(
              udpSink.datagrams.every((d) => d.readUInt16BE(2) === d.length),
              'IPFIX length = datagram length',
            ).toBe(true);
        }
        if (sink && c.format === 'ipfix') {
          // the collector's own bytes: the same messages, parsed by an independent parser
          expect(sink.conns.length, 'one TCP connection').toBe(1);
          const msgs = ipfixMessages(sink.bytes(0));
          const parser = new FlowParser('ipfix');
          const ids = msgs.flatMap((m) => parser.parse(new Uint8Array(m)).sets.flatMap((s) => s.records.map((rec) => str(rec[9]))));
          expect(ids).toEqual(records.map((x) => x.SIP_CALL_ID));
          expect(
            msgs.reduce((a, m) => a + m.length, 0),
            'no partial message on the stream',
          ).toBe(sink.bytes(0).length);
        }
      } finally {
        await cap?.stop();
        await sink?.close();
        await udpSink?.close();
      }
    });
  }
});

// ================================================================ 2: ipfixDump reads the .ipfix file

/** Element definitions for ipfixDump (-e): ntop's SIP elements (PEN 35632) with their types. */
function ntopElementXml(): string {
  const el: NtopElement[] = [
    [130, 'sipCallId', 'string'],
    [131, 'sipCallingParty', 'string'],
    [132, 'sipCalledParty', 'string'],
    [133, 'sipRtpCodecs', 'string'],
    ...TIME_FIELDS.map((_f, i): NtopElement => [134 + i, `sipTime${i}`, 'dateTimeSeconds']),
    [143, 'sipRtpIpv4SrcAddr', 'ipv4Address'],
    [144, 'sipRtpL4SrcPort', 'unsigned16'],
    [145, 'sipRtpIpv4DstAddr', 'ipv4Address'],
    [146, 'sipRtpL4DstPort', 'unsigned16'],
    [147, 'sipResponseCode', 'unsigned32'],
    [148, 'sipReasonCause', 'unsigned32'],
    [316, 'sipUac', 'string'],
    [317, 'sipUas', 'string'],
    [362, 'sipCIp', 'string'],
    [363, 'sipCallState', 'string'],
  ];
  return ntopRegistryXml('ntop-sip', el);
}

describe('ipfixDump reads --ipfix-file', () => {
  test.runIf(ipfixDumpGate.mustFail)('ipfixDump is available', () => ipfixDumpGate.assertAvailable());

  test.skipIf(ipfixDumpGate.missing.length > 0)('one data record per call, no warnings, values match the JSONL', async () => {
    for (const [capture, label] of [
      [SAMPLE, 'sample'],
      [many, `${MANY_CALLS} calls`],
    ] as const) {
      const f = work.file(`dump-${label.replace(/\W/g, '')}.ipfix`);
      const r = await sipscope([capture, '--ipfix-file', f, '--format', 'jsonl']);
      expect(r.code, r.stderr).toBe(0);
      const records = jsonl(r.stdout);
      expect(records.length).toBe(capture === SAMPLE ? 6 : MANY_CALLS);
      const v4 = records.filter((x) => x.flow.ipVersion === 4).length;
      const v6 = records.length - v4;

      // -s: statistics only
      const st = await run(toolPath('ipfixDump'), ['--in', f, '-s'], { timeoutMs: 30_000, env: TZ_ENV });
      expect(st.stderr.trim(), `${label}: ipfixDump -s stderr`).toBe('');
      const fileStats = /File Stats: (\d+) Messages, (\d+) Data Records, (\d+) Template Records/.exec(st.stdout);
      expect(fileStats, st.stdout).not.toBeNull();
      expect(Number(fileStats![2]), `${label}: data records`).toBe(records.length);
      expect(Number(fileStats![3]), `${label}: template records (both templates, once: file mode)`).toBe(2);
      const per = new Map([...st.stdout.matchAll(/^\s*(\d+) \(0x[0-9a-f]+\)\s*\|\s*(\d+)/gim)].map((m) => [Number(m[1]), Number(m[2])]));
      expect(per.get(257) ?? 0, `${label}: IPv4 records`).toBe(v4);
      expect(per.get(258) ?? 0, `${label}: IPv6 records`).toBe(v6);
      const sum = exportSummary(r.stderr, f);
      expect(sum?.messages, `${label}: messages in the file`).toBe(Number(fileStats![1]));

      // plain: ntop elements are unknown to libfixbuf and printed as octet arrays
      const plain = await run(toolPath('ipfixDump'), ['--in', f, '--hexdump=512'], { timeoutMs: 30_000, env: TZ_ENV });
      expect(plain.stderr.trim(), `${label}: ipfixDump stderr`).toBe('');
      const recsPlain = ipfixDumpRecords(plain.stdout);
      expect(recsPlain.length).toBe(records.length);
      const hexOfText = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
      recsPlain.forEach((d, i) => {
        const j = records[i];
        expect(d.get('35632/130'), `${label} #${i}: Call-ID`).toBe(
          `(len: ${Buffer.byteLength(j.SIP_CALL_ID)}) 0x${hexOfText(j.SIP_CALL_ID)}`,
        );
        expect(d.get('35632/363'), `${label} #${i}: call state`).toBe(
          `(len: ${Buffer.byteLength(j.SIP_CALL_STATE)}) 0x${hexOfText(j.SIP_CALL_STATE)}`,
        );
      });

      // with element definitions: every SIP field as its type
      const xml = work.file('ntop-sip.xml');
      writeFileSync(xml, ntopElementXml());
      const typed = await run(toolPath('ipfixDump'), ['--in', f, '-e', xml], { timeoutMs: 30_000, env: TZ_ENV });
      expect(typed.stderr.trim(), `${label}: ipfixDump -e stderr`).toBe('');
      const recsTyped = ipfixDumpRecords(typed.stdout);
      expect(recsTyped.length).toBe(records.length);
      const text = (v: string | undefined): string | null => {
        const m = /^\(len: \d+\) ?(.*)$/.exec(v ?? '');
        const s = (m ? m[1] : (v ?? '')).replace(/\0+$/, '');
        return s === '' ? null : s;
      };
      const dateSec = (v: string | undefined): number | null => {
        const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(v ?? '');
        if (!m) throw new Error(`unexpected ipfixDump time "${v}"`);
        const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
        return t === 0 ? null : t;
      };
      recsTyped.forEach((d, i) => {
        const e = expectedWire(records[i]);
        const got = {
          SIP_CALL_ID: text(d.get('35632/130')),
          SIP_CALLING_PARTY: text(d.get('35632/131')),
          SIP_CALLED_PARTY: text(d.get('35632/132')),
          SIP_RTP_CODECS: text(d.get('35632/133')),
          times: TIME_FIELDS.map((_, k) => dateSec(d.get(`35632/${134 + k}`))),
          SIP_RTP_IPV4_SRC_ADDR: d.get('35632/143') === '0.0.0.0' ? null : (d.get('35632/143') ?? null),
          SIP_RTP_L4_SRC_PORT: zeroToNull(d.get('35632/144')),
          SIP_RTP_IPV4_DST_ADDR: d.get('35632/145') === '0.0.0.0' ? null : (d.get('35632/145') ?? null),
          SIP_RTP_L4_DST_PORT: zeroToNull(d.get('35632/146')),
          SIP_RESPONSE_CODE: zeroToNull(d.get('35632/147')),
          SIP_REASON_CAUSE: zeroToNull(d.get('35632/148')),
          SIP_UAC: text(d.get('35632/316')),
          SIP_UAS: text(d.get('35632/317')),
          SIP_C_IP: text(d.get('35632/362')),
          SIP_CALL_STATE: text(d.get('35632/363')),
        };
        const { flow: _flow, ...want } = e;
        expect(got, `${label} #${i} (${records[i].SIP_CALL_ID})`).toEqual(want);
      });
    }
  });

  test.runIf(process.platform === 'linux')('--ipfix-file on a named pipe: the program reading it gets the whole file', async () => {
    const fifo = work.file('export.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const got = new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      createReadStream(fifo)
        .on('data', (d) => chunks.push(d as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks)))
        .on('error', reject);
    });
    const plain = work.file('export-plain.ipfix');
    const r1 = await sipscope([SAMPLE, '--format', 'none', '-q', '--ipfix-file', fifo]);
    const r2 = await sipscope([SAMPLE, '--format', 'none', '-q', '--ipfix-file', plain]);
    expect([r1.code, r2.code], r1.stderr + r2.stderr).toEqual([0, 0]);
    expect((await got).equals(readFileSync(plain))).toBe(true);
  });

  test.skipIf(tsharkGate.missing.length > 0)('tshark reads the .ipfix messages as UDP/4739 payloads', async () => {
    const f = work.file('wrapped.ipfix');
    const r = await sipscope([SAMPLE, '--ipfix-file', f, '--observation-domain', '31', '--format', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const msgs = ipfixMessages(readFileSync(f));
    expect(
      msgs.reduce((a, m) => a + m.length, 0),
      'the file is whole messages back to back',
    ).toBe(statSync(f).size);
    const packets: Packet[] = msgs.map((m, i) => ({
      ts: 1_767_261_700 + i / 1000,
      data: udpPacketV4('192.0.2.1', 40000, '192.0.2.2', 4739, new Uint8Array(m)),
    }));
    const pcap = work.file('wrapped.pcap');
    writeFileSync(pcap, writePcap(packets));
    const pdus = await tsharkCflow(pcap, null); // 4739 is IPFIX to tshark by default
    checkCflowStream(pdus, jsonl(r.stdout), { format: 'ipfix', domain: 31, label: '.ipfix in UDP/4739' });
  });
});

// ================================================================ 3: nfcapd, sequence numbers

describe('nfcapd receives IPFIX and v9 without sequence errors', () => {
  test.runIf(nfGate.mustFail)('nfcapd and nfdump are available', () => nfGate.assertAvailable());

  test.skipIf(nfGate.missing.length > 0)(`${MANY_CALLS} calls, IPFIX and v9, template refresh every 7 messages`, async () => {
    const dir = work.file('nfcapd');
    mkdirSync(dir, { recursive: true });
    const nf = startBg(
      'nfcapd',
      toolPath('nfcapd'),
      ['-w', dir, '-p', String(PORT.nfcapd), '-b', '127.0.0.1', '-B', '8000000', '-t', '3600'],
      {
        group: true,
        env: TZ_ENV,
      },
    );
    try {
      await waitFor(() => /Startup nfcapd/.test(nf.stderr()), 10_000, 'nfcapd to start', nf);
      const url = `udp://127.0.0.1:${PORT.nfcapd}`;
      const common = [many, '--collector', url, '--template-refresh', '7', '--format', 'none'];
      const a = await sipscope([...common, '--export-format', 'ipfix', '--observation-domain', '1']);
      expect(a.code, a.stderr).toBe(0);
      const b = await sipscope([...common, '--export-format', 'v9', '--observation-domain', '2']);
      expect(b.code, b.stderr).toBe(0);
      for (const res of [a, b]) {
        const s = exportSummary(res.stderr, url);
        expect(s?.records).toBe(MANY_CALLS);
        expect(s?.delivered).toBe(MANY_CALLS);
      }
      await sleep(500);
      await stopBg(nf, 'SIGTERM', 10_000);
      const log = nf.stderr();
      expect(log, 'nfcapd saw both exporters').toMatch(/New ipfix exporter/);
      expect(log).toMatch(/New v9 exporter/);
      const summary = /Flows: (\d+), Packets: \d+, Bytes: \d+, Sequence Errors: (\d+), Bad Packets: (\d+)/.exec(log);
      expect(summary, `nfcapd summary in:\n${tail(log)}`).not.toBeNull();
      expect(Number(summary![2]), 'sequence errors').toBe(0);
      expect(Number(summary![3]), 'bad packets').toBe(0);
      expect(Number(summary![1]), 'flows').toBe(2 * MANY_CALLS);
      const files = readdirSync(dir).filter((n) => /^nfcapd\.\d{12}$/.test(n));
      expect(files.length, `nfcapd files in ${dir}: ${readdirSync(dir).join(', ')}`).toBeGreaterThan(0);
      let flows = 0;
      for (const n of files) {
        const st = await run(toolPath('nfdump'), ['-r', join(dir, n), '-I'], { timeoutMs: 30_000, env: TZ_ENV });
        flows += Number(/^Flows: (\d+)/m.exec(st.stdout)?.[1] ?? NaN);
        expect(Number(/^Sequence failures: (\d+)/m.exec(st.stdout)?.[1] ?? NaN), 'nfdump -I sequence failures').toBe(0);
      }
      expect(flows, 'nfdump -r: flows').toBe(2 * MANY_CALLS);
    } finally {
      await stopBg(nf, 'SIGKILL', 2000);
    }
  });
});

// ================================================================ 4: reproducible

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('reproducible output', () => {
  test('the same captures give byte-identical .ipfix (IPFIX and v9) files and dump trees', async () => {
    const outs: { ipfix: Buffer; v9: Buffer; dumpDir: string }[] = [];
    for (const i of [1, 2]) {
      const base = work.file(`repro-${i}`);
      mkdirSync(base, { recursive: true });
      const r1 = await sipscope([
        many,
        SAMPLE,
        '--ipfix-file',
        join(base, 'x.ipfix'),
        '--dump-dir',
        join(base, 'dump'),
        '--format',
        'none',
      ]);
      expect(r1.code, r1.stderr).toBe(0);
      const r2 = await sipscope([many, SAMPLE, '--ipfix-file', join(base, 'x.v9'), '--export-format', 'v9', '--format', 'none']);
      expect(r2.code, r2.stderr).toBe(0);
      outs.push({ ipfix: readFileSync(join(base, 'x.ipfix')), v9: readFileSync(join(base, 'x.v9')), dumpDir: join(base, 'dump') });
      if (i === 1) await sleep(1100); // a second later: wall-clock leaks would show
    }
    expect(outs[0].ipfix.length).toBeGreaterThan(0);
    expect(outs[0].ipfix.equals(outs[1].ipfix), '.ipfix identical').toBe(true);
    expect(outs[0].v9.equals(outs[1].v9), 'v9 file identical').toBe(true);
    const fa = filesUnder(outs[0].dumpDir);
    const fb = filesUnder(outs[1].dumpDir);
    expect(fa.length, 'dump files (the captures span several minutes)').toBeGreaterThan(1);
    expect(fb).toEqual(fa);
    for (const f of fa) {
      const a = readFileSync(join(outs[0].dumpDir, f));
      const b = readFileSync(join(outs[1].dumpDir, f));
      expect(a.equals(b), `dump file ${f} identical`).toBe(true);
    }
  });
});

// ================================================================ 5: collector down

describe('collector down', () => {
  test('UDP to a closed port: the run completes, JSONL complete, stats say the records were refused', async () => {
    const url = `udp://127.0.0.1:${PORT.udpClosed}`;
    const r = await sipscope([many, '--collector', url, '--format', 'jsonl'], 20_000);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonl(r.stdout).length).toBe(MANY_CALLS);
    const s = exportSummary(r.stderr, url);
    expect(s, `export summary for ${url} in:\n${r.stderr}`).not.toBeNull();
    expect(s!.records).toBe(MANY_CALLS);
    expect(s!.delivered + s!.undelivered, s!.line).toBe(MANY_CALLS);
    // the kernel sends at most ~50 ICMP errors at once and 1000 a second (icmp_msgs_burst,
    // icmp_msgs_per_sec), so of 1000 datagrams in a fraction of a second only some come back refused
    expect(s!.undelivered, s!.line).toBeGreaterThan(0);
    expect(s!.line).toMatch(/ICMP port unreachable/);
    expect(r.stderr, 'the statistics line is printed').toMatch(/records \(\d+ calls\)/);
    // a few records, within that burst: every one but perhaps the last is known not delivered (the
    // connected socket learns of a refusal at the next send)
    const few = await sipscope([SAMPLE, '--collector', url, '--format', 'none'], 20_000);
    const f = exportSummary(few.stderr, url)!;
    expect(f.delivered + f.undelivered, f.line).toBe(6);
    expect(f.undelivered, f.line).toBeGreaterThanOrEqual(5);
  });

  test('TCP refused: bounded time, stderr says how many records were NOT delivered', async () => {
    const url = `tcp://127.0.0.1:${PORT.tcpRefused}`;
    const r = await sipscope([SAMPLE, '--collector', url, '--format', 'jsonl'], 30_000);
    expect(r.ms, 'the run ends within the ~5 s grace + start-up').toBeLessThan(15_000);
    expect(jsonl(r.stdout).length, 'JSONL complete').toBe(6);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect.soft(r.code, `exit status 0 (collectors never stop the run):\n${r.stderr}`).toBe(0);
    expect.soft(r.stderr, 'the statistics line is printed').toMatch(/6 records \(6 calls\)/);
    expect.soft(r.stderr, 'the undelivered records are named with their count').toMatch(/\b6 records not delivered/);
    const s = exportSummary(r.stderr, url);
    expect(s, `export summary for ${url} in:\n${r.stderr}`).not.toBeNull();
    expect(s!.records).toBe(6);
    expect(s!.delivered).toBe(0);
    expect(s!.undelivered).toBe(6);
    expect(s!.reconnects, 'never connected: no reconnects').toBe(0);
  });

  /**
   * Records the exporter may have handed to the kernel before the collector's reset reached it: they
   * are lost without any sign (TCP has no application acknowledgement) and may be reported delivered.
   * On loopback the reset arrives within a millisecond or so of the collector's 5th message; at
   * ~4 records/ms that is tens of records. Anything beyond this bound was lost *after* the exporter
   * could know (write errors on the reset socket) and must be re-sent or reported NOT delivered.
   */
  const IN_FLIGHT_SLACK = 250;

  for (const variant of [
    { name: 'default queue', port: PORT.tcpKill, extra: [] as string[] },
    { name: '--export-queue 10', port: PORT.tcpKillSmallQueue, extra: ['--export-queue', '10'] },
  ]) {
    test(`TCP collector resets the connection mid-run (${variant.name}): counts are honest, JSONL complete`, async () => {
      const url = `tcp://127.0.0.1:${variant.port}`;
      let dropped = false;
      // first connection: read 5 messages, then reset it; later connections: read everything
      const sink = new TcpSink((conn, all, sock) => {
        if (conn === 0 && !dropped && ipfixMessages(all).length >= 5) {
          dropped = true;
          sock.resetAndDestroy();
        }
      });
      try {
        await sink.listen(variant.port);
        const r = await sipscope([many, '--collector', url, '--format', 'jsonl', ...variant.extra], 30_000);
        expect(r.ms, 'bounded: ~5 s grace at most').toBeLessThan(20_000);
        expect(r.code, r.stderr).toBe(0);
        const records = jsonl(r.stdout);
        expect(records.length, 'JSONL is complete').toBe(MANY_CALLS);
        expect(dropped, 'the collector reset the first connection').toBe(true);

        // what the collector received: per connection, templates first, IPFIX sequence from 0
        const received: string[] = [];
        sink.conns.forEach((_, i) => {
          const msgs = ipfixMessages(sink.bytes(i));
          const parser = new FlowParser('ipfix');
          let before = 0;
          msgs.forEach((m, k) => {
            const p = parser.parse(new Uint8Array(m)); // throws on data before its template
            if (k === 0) expect(p.templateRecords, `connection ${i}: starts with the templates`).toBe(2);
            expect(p.header.sequence, `connection ${i} message ${k}: sequence`).toBe(before);
            before += p.dataRecords;
            for (const set of p.sets) for (const rec of set.records) received.push(str(rec[9]));
          });
        });
        const all = new Set(records.map((x) => x.SIP_CALL_ID));
        expect(new Set(received).size, 'no record received twice').toBe(received.length);
        expect(
          received.every((id) => all.has(id)),
          'received records are records of the run',
        ).toBe(true);

        const s = exportSummary(r.stderr, url);
        expect(s, `export summary for ${url} in:\n${r.stderr}`).not.toBeNull();
        const seen = `${s!.line.trim()} — the collector received ${received.length} records over ${sink.conns.length} connection(s)`;
        console.info(`[export] ${variant.name}: ${seen}`);
        expect(s!.records).toBe(MANY_CALLS);
        expect(s!.delivered + s!.undelivered, `delivered + undelivered = records: ${seen}`).toBe(MANY_CALLS);
        expect(received.length, `received ≤ reported delivered: ${seen}`).toBeLessThanOrEqual(s!.delivered);
        expect
          .soft(s!.delivered - received.length, `records reported delivered that never arrived ≤ ${IN_FLIGHT_SLACK}: ${seen}`)
          .toBeLessThanOrEqual(IN_FLIGHT_SLACK);
        expect.soft(s!.reconnects, `reconnects reported = reconnections the collector saw: ${seen}`).toBe(sink.conns.length - 1);
        if (variant.extra.length) {
          // ~all records were exported while the connection was down: a 10-record queue overflows
          expect.soft(s!.undelivered, `undelivered > 0 with a 10-record queue: ${seen}`).toBeGreaterThan(0);
        }
      } finally {
        await sink.close();
      }
    });
  }
});

// ================================================================ 6: dump + SIGINT

/** A complete call (INVITE, 200, ACK, BYE, 200) over UDP starting at capture second t. */
function callPackets(id: string, t: number): Packet[] {
  const a = '192.0.2.10',
    b = '198.51.100.20';
  const hdr = (first: string, cseq: string, toTag = '') =>
    `${first}\r\nVia: SIP/2.0/UDP ${a}:5060;branch=z9hG4bK-${id}-${cseq.replace(' ', '')}\r\nFrom: <sip:alice@example.com>;tag=f-${id}\r\n` +
    `To: <sip:bob@example.net>${toTag}\r\nCall-ID: ${id}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  const tt = `;tag=t-${id}`;
  const msgs: [number, boolean, string][] = [
    [0, true, hdr('INVITE sip:bob@example.net SIP/2.0', '1 INVITE')],
    [1, false, hdr('SIP/2.0 200 OK', '1 INVITE', tt)],
    [1.1, true, hdr('ACK sip:bob@example.net SIP/2.0', '1 ACK', tt)],
    [5, true, hdr('BYE sip:bob@example.net SIP/2.0', '2 BYE', tt)],
    [5.1, false, hdr('SIP/2.0 200 OK', '2 BYE', tt)],
  ];
  return msgs.map(([dt, up, text]) => ({
    ts: t + dt,
    data: up
      ? udpPacketV4(a, 5060, b, 5060, new TextEncoder().encode(text))
      : udpPacketV4(b, 5060, a, 5060, new TextEncoder().encode(text)),
  }));
}

describe('dump files as capture time goes on', () => {
  test('read from a pipe: the file of a minute is finished when capture time has passed the minute, not at exit', async () => {
    const t0 = 1_767_261_600; // 2026-01-01 10:00:00 UTC
    const first = writePcap([
      ...callPackets('minute-0@x', t0 + 10),
      { ts: t0 + 75, data: udpPacketV4('192.0.2.1', 9, '192.0.2.2', 9, new Uint8Array(8)) },
    ]);
    const dump = work.file('pipe-dump');
    const bg = startBg('sipscope', process.execPath, [BIN, 'read', '-', '--dump-dir', dump, '--format', 'none', '-q'], {
      cwd: repoRoot,
      env: TZ_ENV,
      stdin: true,
    });
    try {
      bg.proc.stdin!.write(first);
      // the call ended in 10:00; a packet at 10:01:15 follows and then the pipe is quiet
      await waitFor(
        () => existsSync(dump) && filesUnder(dump).includes('2026/01/01/10/00.sip'),
        10_000,
        'the 10:00 file to be finished',
        bg,
      );
      expect(bg.done, 'still reading the pipe').toBe(false);
      expect(readFileSync(join(dump, '2026/01/01/10/00.sip'), 'utf8').split('\n')[1]).toMatch(/^minute-0@x\|/);
      bg.proc.stdin!.end();
      expect(await waitExit(bg, 10_000)).toBe(true);
      expect(bg.code, bg.stderr()).toBe(0);
    } finally {
      await stopBg(bg, 'SIGKILL', 2000);
    }
  });
});

describe('messages of several records', () => {
  test.skipIf(ipfixDumpGate.missing.length > 0)(
    'with --mtu 9000 records exported in the same second share messages; ipfixDump reads every one',
    async () => {
      const t0 = 1_767_261_600;
      // 20 calls whose BYE/200 come in the same second, then 1 alone
      const pkts = [
        ...Array.from({ length: 20 }, (_, i) => callPackets(`pack-${i}@x`, t0 + i * 0.01)).flat(),
        ...callPackets('alone@x', t0 + 30),
      ];
      pkts.sort((a, b) => (a.ts as number) - (b.ts as number));
      const pcap = work.file('pack.pcap');
      writeFileSync(pcap, writePcap(pkts));
      for (const mtu of ['1400', '9000']) {
        const file = work.file(`pack-${mtu}.ipfix`);
        const r = await sipscope([pcap, '--format', 'jsonl', '--ipfix-file', file, '--mtu', mtu]);
        expect(r.code, r.stderr).toBe(0);
        expect(jsonl(r.stdout)).toHaveLength(21);
        const s = exportSummary(r.stderr, file)!;
        // at the default mtu one record a message, after the template set alone (740 bytes with the RTP elements: no record fits beside it)
        if (mtu === '1400') expect(s.messages, 'one record per message at the default mtu').toBe(1 + 21);
        else expect(s.messages, 'the 20 records of one second fill ~7 messages of 9000 bytes, the last is alone').toBeLessThan(10);
        const d = await run(toolPath('ipfixDump'), ['--in', file, '-s'], { timeoutMs: 30_000 });
        expect(d.stderr.trim()).toBe('');
        const st = /File Stats: (\d+) Messages, (\d+) Data Records/.exec(d.stdout);
        expect(st?.slice(1).map(Number), d.stdout).toEqual([s.messages, 21]);
      }
    },
  );
});

describe('dump directory and SIGINT', () => {
  test('SIGINT mid-run: exit 130 quickly, only complete .sip files', async () => {
    const big = work.file('big.pcap');
    const calls = 30_000;
    const info = generateCapture({ kind: 'sip-only', path: big, calls, seed: 11 });
    expect(info.bytes).toBeGreaterThan(50 * 1024 * 1024);
    const dump = work.file('sigint-dump');
    const bg = startBg('sipscope', process.execPath, [BIN, 'read', big, '--dump-dir', dump, '--format', 'none'], {
      cwd: repoRoot,
      env: TZ_ENV,
    });
    try {
      // mid-run: once the dump tree has its first file
      await waitFor(() => existsSync(dump) && filesUnder(dump).length > 0, 20_000, 'the first dump file', bg);
      bg.proc.kill('SIGINT');
      const t0 = Date.now();
      const ended = await waitExit(bg, 10_000);
      expect(ended, `sipscope ended within 10 s of SIGINT:\n${tail(bg.stderr())}`).toBe(true);
      console.info(`[export] SIGINT → exit in ${Date.now() - t0} ms`);
      expect(bg.code, bg.stderr()).toBe(130);
      expect(bg.stderr()).toMatch(/stopped by SIGINT/);
      const files = filesUnder(dump);
      expect(
        files.filter((f) => !f.endsWith('.sip')),
        'only .sip files (no .temp)',
      ).toEqual([]);
      const header = DUMP_HEADER;
      let lines = 0;
      for (const f of files) {
        expect(f, 'nested YYYY/MM/DD/HH/MM.sip').toMatch(/^\d{4}\/\d\d\/\d\d\/\d\d\/\d\d(-\d+)?\.sip$/);
        const text = readFileSync(join(dump, f), 'utf8');
        expect(text.startsWith(header + '\n'), `${f} starts with the header`).toBe(true);
        expect(text.endsWith('\n'), `${f} ends with a newline`).toBe(true);
        const body = text
          .slice(header.length + 1, -1)
          .split('\n')
          .filter((l) => l !== '');
        for (const l of body) expect(l.split('|').length, `${f}: 23 columns`).toBe(23);
        lines += body.length;
      }
      const m = /dump: (\d+) files, (\d+) records/.exec(bg.stderr());
      expect(m, bg.stderr()).not.toBeNull();
      expect(Number(m![1]), 'dump files counted').toBe(files.length);
      expect(Number(m![2]), 'dump records counted = lines in the files').toBe(lines);
      expect(lines, 'interrupted: fewer records than calls').toBeLessThan(calls);
      expect(lines).toBeGreaterThan(0);
    } finally {
      await stopBg(bg, 'SIGKILL', 2000);
      rmSync(big, { force: true });
    }
  });
});
