// `sipscope live --hep`: a HEP v3 collector. SIPp calls recorded on loopback are mirrored as HEP
// — by the test's own agent-like sender (UDP, and TCP cut anywhere) and by sngrep's HEP sender —
// and the records must be those `sipscope read` makes of the recording itself, but for what HEP
// does not carry (RTP). Bad HEP is counted, never fatal; the key is checked; sngrep, an
// independent HEP decoder, reads the test's HEP traffic back to the same messages (tshark has no
// HEP dissector in Debian's 4.0: it reads what sngrep decoded).
//
// Ports (this file alone, inside the project's 28000–28999 for live tests):
//   flows SIP 28700-28709, media 28720-28799; HEP listeners 28810-28814

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { runCli } from '../support/cli.ts';
import { parseJsonl } from '../support/jsonl.ts';
import { hepPacket, sendHepTcp, sendHepUdp, sipOfCapture, type HepMessage } from '../support/hep.ts';
import { killLive, startLive, stopLive, type Live } from '../support/live.ts';
import { sleep, startBg, stopAll, waitExit, waitFor } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { run, toolGate, toolPath } from '../support/tools/exec.ts';
import { ALL_FLOWS, flowOfCallId, recordFlows } from '../support/tools/sipp.ts';
import { concat, text } from '../support/capture-writer.ts';
import { readPcap } from '../support/pcap-rewrite.ts';

/** Frames in a pcap file being written (a record cut at the end is not counted yet). */
function framesIn(path: string): number {
  try {
    return readPcap(readFileSync(path)).frames.length;
  } catch {
    return 0;
  }
}

const gate = toolGate(['sipp', 'tcpdump', 'sngrep', 'tshark'], 'live-hep', { capture: true });

const FLOW_PORTS = { sip: 28700, media: 28720 };
const KEY = 'hep-secret';
const tmp = tempDir('live-hep');
const lives = new Set<Live>();

let pcap = '';
let readRecs: Record<string, any>[] = [];
let messages: HepMessage[] = [];

async function live(port: number, extra: string[] = []): Promise<Live> {
  const l = await startLive([
    '--hep',
    `udp://127.0.0.1:${port}`,
    '--hep',
    `tcp://127.0.0.1:${port}`,
    '--format',
    'jsonl',
    '--status-interval',
    '0',
    ...extra,
  ]);
  lives.add(l);
  return l;
}

async function stop(l: Live): Promise<Record<string, any>[]> {
  await sleep(300);
  await stopLive(l, 'SIGINT');
  expect(l.bg.code, l.bg.stderr()).toBe(0);
  return l.records().filter((r) => flowOfCallId(r.SIP_CALL_ID) !== null);
}

/** What HEP cannot give: RTP (and the verdicts made of it). */
function sipPart(r: Record<string, any>): Record<string, any> {
  const { media, verdicts, ...rest } = r;
  return rest;
}
const byId = (rs: Record<string, any>[]) => new Map(rs.map((r) => [r.SIP_CALL_ID as string, r]));

function expectSameCalls(got: Record<string, any>[], want: Record<string, any>[]): void {
  const g = byId(got);
  const w = byId(want);
  expect([...g.keys()].sort()).toEqual([...w.keys()].sort());
  for (const [id, r] of w) expect(sipPart(g.get(id)!), id).toEqual(sipPart(r));
}

/** A counter line of the closing statistics, e.g. "invalid HEP packets (lengths, missing chunks) 1". */
function counted(stderr: string, label: RegExp): number {
  const m = new RegExp(`${label.source} (\\d+)`).exec(stderr);
  return m ? Number(m[1]) : 0;
}

describe.skipIf(gate.missing.length > 0)('sipscope live --hep (HEP v3 collector)', () => {
  beforeAll(async () => {
    pcap = await recordFlows(tmp.file('flows'), ALL_FLOWS, { portBase: FLOW_PORTS, timeoutMs: 60_000 });
    const read = await runCli(['read', pcap, '--format', 'jsonl', '-q'], { timeoutMs: 30_000, throwOnTimeout: true });
    expect(read.code, read.stderr).toBe(0);
    readRecs = parseJsonl(read.stdout).filter((r) => flowOfCallId(r.SIP_CALL_ID) !== null);
    expect(readRecs.length).toBe(ALL_FLOWS.length);
    messages = sipOfCapture(readFileSync(pcap));
  }, 90_000);

  afterAll(async () => {
    for (const l of lives) await killLive(l);
    await stopAll();
  });

  test('over UDP with the key: the records of the UDP calls equal read; bad HEP is counted, never fatal', { timeout: 60_000 }, async () => {
    const l = await live(28810, ['--hep-key', KEY]);
    const good = messages.map((m) => hepPacket(m, { key: KEY }));
    const options = (n: number) =>
      text(
        `OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-o${n}\r\nFrom: <sip:a@127.0.0.1>;tag=o${n}\r\n` +
          `To: <sip:probe@127.0.0.1>\r\nCall-ID: hep-noise-${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
    const noise = (n: number): HepMessage => ({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      sport: 5999,
      dport: 5060,
      time: messages[0].time,
      payload: options(n),
    });
    const cut = hepPacket(noise(1), { key: KEY });
    const bad = [
      text('not HEP at all'), // not HEP v3: dropped by the listener
      hepPacket(noise(2), { key: 'wrong' }), // authentication failed
      hepPacket(noise(3)), // no key
      cut.subarray(0, cut.length - 10), // shorter than its header says
      hepPacket(noise(4), { key: KEY, payloadType: 5 }), // an RTCP report: counted, not decoded
      hepPacket(noise(5), { key: KEY, extra: [[0, 0x99, Uint8Array.of(1, 2)]] }), // an unknown chunk, decoded anyway
    ];
    await sendHepUdp([...bad.slice(0, 3), ...good.slice(0, 5), ...bad.slice(3), ...good.slice(5)], '127.0.0.1', 28810);
    const got = await stop(l);
    const err = l.bg.stderr();
    const udpCalls = readRecs.filter((r) => r.flow.protocol === 17);
    expect(udpCalls.length).toBe(ALL_FLOWS.length - 1);
    expectSameCalls(got, udpCalls);
    expect(err).toMatch(new RegExp(`HEP: ${good.length + bad.length - 1} packets .*; not HEP v3: 1 datagrams, 0 bytes over TCP`));
    expect(counted(err, /HEP packets rejected: authentication key missing or wrong/)).toBe(2);
    expect(counted(err, /invalid HEP packets \(lengths, missing chunks\)/)).toBe(1);
    expect(counted(err, /HEP packets carrying other than SIP/)).toBe(1);
    expect(counted(err, /HEP chunks of unknown types \(skipped\)/)).toBe(1);
    expect(counted(err, /SIP messages from HEP encapsulation/)).toBe(good.length + 1);
  });

  test('over TCP, one connection cut in 7-byte pieces and one after garbage: the same records', { timeout: 60_000 }, async () => {
    const l = await live(28811);
    const packets = messages.map((m) => hepPacket(m));
    const half = Math.floor(packets.length / 2);
    await sendHepTcp(packets.slice(0, half), '127.0.0.1', 28811, 7);
    // a sender that lost the framing: its garbage is skipped up to the next "HEP3"
    await sendHepTcp([text('GARBAGE-HE'), concat(...packets.slice(half))], '127.0.0.1', 28811);
    const got = await stop(l);
    expectSameCalls(
      got,
      readRecs.filter((r) => r.flow.protocol === 17),
    );
    expect(l.bg.stderr()).toMatch(/HEP: \d+ packets .*; not HEP v3: 0 datagrams, 10 bytes over TCP/);
  });

  test('TCP faster than the engine: the sender is slowed, then goes on; nothing is lost', { timeout: 60_000 }, async () => {
    const l = await live(28814);
    // 24 000 packets of ~1.4 KiB: far more than the 8 MiB the listener lets wait for the engine
    const pad = 'x'.repeat(1200);
    const burst = Array.from({ length: 24_000 }, (_, i) =>
      hepPacket({
        src: '192.0.2.1',
        dst: '192.0.2.2',
        sport: 5060,
        dport: 5060,
        time: messages[0].time + i / 1000,
        payload: text(
          `OPTIONS sip:p@192.0.2.2 SIP/2.0\r\nCall-ID: burst-${i}\r\nCSeq: 1 OPTIONS\r\nX-Pad: ${pad}\r\nContent-Length: 0\r\n\r\n`,
        ),
      }),
    );
    // the connection closes once the listener has read it all: it stalls for good if the
    // listener never lets the sender go on (the test's time bound)
    await sendHepTcp(burst, '127.0.0.1', 28814);
    await stopLive(l, 'SIGINT');
    expect(l.bg.code, l.bg.stderr()).toBe(0);
    expect(l.bg.stderr()).toMatch(/HEP: 24000 packets .*; 0 dropped \(the engine was behind\)/);
    expect(l.bg.stderr()).toMatch(/SIP messages from HEP encapsulation 24000/);
  });

  test("sngrep as the agent (its HEP v3 sender, with a password): every call's SIP as read gives it", { timeout: 60_000 }, async () => {
    const l = await live(28812, ['--hep-key', KEY]);
    const conf = tmp.file('sngrep-send.conf');
    writeFileSync(conf, `set eep.send.ver 3\nset eep.send.pass ${KEY}\nset eep.send.id 2002\n`);
    const s = await run(toolPath('sngrep'), ['-F', '-f', conf, '-I', pcap, '-H', 'udp:127.0.0.1:28812', '-N', '-q'], {
      timeoutMs: 20_000,
    });
    expect(s.code).toBe(0);
    const got = await stop(l);
    // sngrep reassembles the TCP call's stream itself and sends each message with protocol 6
    const tcpCall = got.find((r) => flowOfCallId(r.SIP_CALL_ID) === 'tcp');
    expect(tcpCall).toMatchObject({ SIP_CALL_STATE: 'CALL_COMPLETED', flow: { protocol: 6 } });
    expectSameCalls(
      got.filter((r) => r !== tcpCall),
      readRecs.filter((r) => r.flow.protocol === 17),
    );
  });

  test("sngrep decodes the test's HEP traffic back to the recorded messages (tshark reads what it decoded)", {
    timeout: 60_000,
  }, async () => {
    // the HEP packets as they went over loopback, captured by tcpdump
    const hepPcap = tmp.file('hep.pcap');
    const td = startBg('tcpdump', toolPath('tcpdump'), [
      '-i',
      'lo',
      '-n',
      '-U',
      '--immediate-mode',
      // with immediate mode the kernel's ring holds buffer / snapshot length packets: -s 0 (256 KiB)
      // in the default 2 MiB held 8, and a burst of 24 lost some
      '-s',
      '65535',
      '-B',
      '16384',
      '-w',
      hepPcap,
      'udp port 28813',
    ]);
    await waitFor(() => /listening on/.test(td.stderr()), 10_000, 'tcpdump to listen', td);
    await sendHepUdp(
      messages.map((m) => hepPacket(m, { key: KEY })),
      '127.0.0.1',
      28813,
    );
    // tcpdump writes each packet as it comes (-U), on a busy machine late
    await waitFor(() => framesIn(hepPcap) >= messages.length, 15_000, 'tcpdump to write every HEP packet', td).catch(() => {});
    td.proc.kill('SIGINT');
    await waitExit(td, 5000);
    const decoded = tmp.file('decoded.pcap');
    const captured = await run(toolPath('tshark'), ['-r', hepPcap, '-T', 'fields', '-e', 'frame.number']);
    expect(captured.stdout.trim().split('\n').length, 'tcpdump caught every HEP packet').toBe(messages.length);
    await run(toolPath('sngrep'), ['-F', '-I', hepPcap, '-E', '-N', '-q', '-O', decoded], { timeoutMs: 20_000 });
    const t = await run(toolPath('tshark'), [
      '-r',
      decoded,
      '-Y',
      'sip',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.time_epoch',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'udp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'udp.dstport',
      '-e',
      'sip.Call-ID',
    ]);
    // (sngrep 1.6 writes the messages of IPv6 HEP packets with 0.0.0.0 for both addresses: their
    // addresses are checked by the records above, here only their times, ports and Call-IDs)
    const v6 = (a: string) => (a.includes(':') ? '0.0.0.0' : a);
    const seen = new Set(
      t.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [time, s4, s6, sp, d4, d6, dp, cid] = l.split('|');
          return `${Number(time).toFixed(6)} ${s4 || s6}:${sp} > ${d4 || d6}:${dp} ${cid}`;
        }),
    );
    const callId = (m: HepMessage) => /\r\nCall-ID:\s*([^\r\n]+)/i.exec(Buffer.from(m.payload).toString('latin1'))![1].trim();
    const sent = new Set(messages.map((m) => `${m.time.toFixed(6)} ${v6(m.src)}:${m.sport} > ${v6(m.dst)}:${m.dport} ${callId(m)}`));
    expect(sent.size).toBeGreaterThan(20);
    expect(seen).toEqual(sent);
  });

  test('a port in use, or a bad URL: one clear line, and nothing else touched', { timeout: 30_000 }, async () => {
    const l = await live(28810);
    const out = tmp.file('kept.jsonl');
    writeFileSync(out, 'earlier records\n');
    const busy = await runCli(['live', '--hep', 'udp://127.0.0.1:28810', '--format', 'jsonl', '-o', out], { timeoutMs: 10_000 });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/cannot listen on udp:\/\/127\.0\.0\.1:28810: the port is in use/);
    expect(readFileSync(out, 'utf8')).toBe('earlier records\n');
    await stopLive(l, 'SIGINT');
    const badUrl = await runCli(['live', '--hep', 'http://127.0.0.1:9060'], { timeoutMs: 10_000 });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/--hep needs udp:\/\/HOST:PORT or tcp:\/\/HOST:PORT/);
    const both = await runCli(['live', '--hep', 'udp://127.0.0.1:9060', '-i', 'lo'], { timeoutMs: 10_000 });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one source/);
  });
});

test.runIf(gate.mustFail)('live --hep: required tools are installed', () => gate.assertAvailable());
