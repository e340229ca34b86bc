// `npm run bench:live`: `sipscope live` as a probe under load on this machine, at rising rates
// until something is lost or the load generator is at its ceiling.
//
//   replay  the bench's SIP-only and RTP-heavy captures (make-capture.ts, addresses in
//           127.0.0.0/8), looped with their own Call-IDs and SSRCs per loop (replay-capture.ts),
//           sent by `tcpreplay --pps=RATE` (--topspeed for the ceiling) on one end of a veth pair
//           in a network namespace the bench makes and removes, while the probe captures the
//           other end (live-probe.ts makeNetns; --lo: on the loopback interface instead); its
//           records are then compared with `sipscope read` of the same file (live-compare.ts
//           says which fields may differ and why)
//   sipp    real calls by SIPp on loopback (answered, 0.5 s of PCMA RTP each way, BYE) at rising
//           call rates; one record per call created, no kernel drops
//   hep     `sipscope live --hep` fed by a HEP v3 agent (hep-sender.ts, live-hep.ts) at rising
//           rates of SIP messages, over UDP then TCP; every call a completed record, nothing
//           dropped by sipscope or the kernel
//   soak    --soak MINUTES: a capture replayed in a loop at one rate, the probe's RSS and open
//           calls sampled: RSS flat, open calls bounded
//
// Options: --short (CI: one low rate per capture, SIPp at one rate, a few seconds each)
//          --rates 25000,50000,…  (replay, packets/s)   --sipp-rates 100,200,…  (calls/s)
//          --seconds N (per rate, default 10)   --no-replay   --no-sipp   --no-hep   --lo   --regen
//          --hep-rates 10000,20000,…  (SIP messages/s of the HEP agent)
//          --soak MINUTES [--soak-rate PPS] [--soak-capture sip|voip] [--soak-every SEC]
//          --out FILE (default bench/live-results.json; each part replaces its own key)
//
// Needs tcpdump, tcpreplay, sipp, iproute2 and the right to make a namespace, capture and send
// (root, or CAP_NET_RAW + CAP_NET_ADMIN + CAP_SYS_ADMIN). A part whose tool or right is missing
// is skipped with the reason, except under CI=true, where the bench then fails.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLoadFiles } from '../test/support/live.ts';
import { SCENARIO_DIR } from '../test/support/tools/sipp.ts';
import { type Comparison, compareRecords } from './live-compare.ts';
import {
  LOOPBACK,
  type Link,
  Meter,
  makeNetns,
  type Proc,
  captured,
  endProbe,
  killAll,
  kernelDrops,
  memKiB,
  type Probe,
  sleep,
  start,
  startProbe,
  statusLines,
  stop,
  waitFor,
  which,
  within,
} from './live-probe.ts';
import { BENCH_CAPTURES, type CaptureSummary, cachedCapture } from './make-capture.ts';
import { MAX_LOOPS, loopCapture } from './replay-capture.ts';
import { hepBench } from './live-hep.ts';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const CLI = join(ROOT, 'bin', 'sipscope.js');
const CI = process.env.CI === 'true';

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const optStr = (name: string): string | null => {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
  return argv[i + 1];
};
const optNum = (name: string, dflt: number) => {
  const s = optStr(name);
  if (s === null) return dflt;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
};
const optList = (name: string, dflt: number[]) => {
  const s = optStr(name);
  if (s === null) return dflt;
  const l = s.split(',').map(Number);
  if (!l.length || l.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`${name} needs a list of positive numbers`);
  return l;
};

const SHORT = flag('--short');
const SECONDS = optNum('--seconds', SHORT ? 3 : 10);
const RATES_GIVEN = optStr('--rates') !== null;
const REPLAY_RATES = optList('--rates', [25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 250_000, 300_000, 400_000, 500_000]);
/** --short: one low rate a capture, the whole base capture once (7 s and 3.6 s) */
const SHORT_RATES = { sip: [10_000], voip: [40_000] };
const SIPP_RATES = optList('--sipp-rates', SHORT ? [100] : [100, 200, 400, 600, 800, 1200, 1600, 2400]);
const SOAK_MIN = optStr('--soak') === null ? null : optNum('--soak', 30);
const SOAK_RATE = optNum('--soak-rate', 10_000);
const SOAK_CAPTURE = optStr('--soak-capture') ?? 'sip';
const SOAK_EVERY = optNum('--soak-every', 10);
const OUT = optStr('--out') ?? join(BENCH, 'live-results.json');
const WITH_REPLAY = SOAK_MIN === null && !flag('--no-replay');
const WITH_HEP = SOAK_MIN === null && !flag('--no-hep');
/** SIP messages/s of the HEP agent (bench/hep-sender.ts) */
const HEP_RATES = optList('--hep-rates', SHORT ? [5_000] : [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000]);
const WITH_SIPP = SOAK_MIN === null && !flag('--no-sipp');
if (SOAK_CAPTURE !== 'sip' && SOAK_CAPTURE !== 'voip') throw new Error('--soak-capture is sip or voip');

/** the replay's capture filter: the generator's loopback hosts only (127.16.… callers, 127.64.… callees) */
const REPLAY_FILTER = 'udp and (net 127.16.0.0/12 or net 127.64.0.0/12)';
/** a looped capture file stays under this (it is written to /dev/shm, i.e. memory) */
const MAX_FILE_BYTES = 2 * 2 ** 30;
/** the probe has caught up with the replay when it saw every packet within this long after its end */
const CATCH_UP_S = 4;

const log = (s = '') => process.stdout.write(`${s}\n`);
const int = (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const MiB = 2 ** 20;

// ---------------------------------------------------------------- results file

function save(key: string, value: unknown): void {
  let all: Record<string, unknown> = {};
  try {
    if (existsSync(OUT)) all = JSON.parse(readFileSync(OUT, 'utf8'));
  } catch {
    /* start again */
  }
  all[key] = value;
  writeFileSync(OUT, `${JSON.stringify(all, null, 2)}\n`);
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '?'
  );
}

// ---------------------------------------------------------------- can we?

const TCPDUMP = which('tcpdump');
const TCPREPLAY = which('tcpreplay');
const SIPP = which('sipp');

/** Scratch space for looped captures and records: memory (/dev/shm) when there is one. */
const SCRATCH = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sipscope-live-bench-'));

/** null when tcpdump may capture on `iface` (run through `wrap`), else why not */
function captureProblem(iface = 'lo', wrap: string[] = []): string | null {
  if (!TCPDUMP) return 'tcpdump not installed';
  const cmd = [...wrap, TCPDUMP, '-i', iface, '-d', 'udp'];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? null : `no permission to capture on ${iface} (${(r.stderr ?? '').trim().split('\n')[0]})`;
}

/** null when tcpreplay may send on the link, else why not */
function replayProblem(link: Link): string | null {
  if (!TCPREPLAY) return 'tcpreplay not installed (apt-get install tcpreplay)';
  // a capture without packets: tcpreplay still opens the interface for sending (CAP_NET_RAW)
  const empty = join(SCRATCH, 'empty.pcap');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  writeFileSync(empty, hdr);
  const cmd = [...link.wrap, TCPREPLAY, '-i', link.send, empty];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? null : `tcpreplay cannot send on ${link.send}: ${`${r.stderr}`.trim().split('\n').pop()}`;
}

function tcpreplay(link: Link, args: string[]): Proc {
  const cmd = [...link.wrap, TCPREPLAY!, '-i', link.send, ...args];
  return start('tcpreplay', cmd[0], cmd.slice(1));
}

/** The link to replay on: a veth pair in a namespace of its own, or lo (--lo, or no `ip netns`). */
function replayLink(): { link: Link | null; why: string | null } {
  if (flag('--lo')) return { link: LOOPBACK, why: null };
  const ip = which('ip');
  if (!ip) return { link: null, why: 'ip (iproute2) not installed; --lo replays on lo instead' };
  try {
    return { link: makeNetns(ip), why: null };
  } catch (e) {
    return { link: null, why: `no network namespace: ${(e as Error).message.split('\n')[0]}; --lo replays on lo instead` };
  }
}

const skipped: string[] = [];
function skip(part: string, why: string): void {
  log(`  ${part} skipped: ${why}${CI ? ' (CI=true: a failure)' : ''}`);
  skipped.push(`${part}: ${why}`);
  save(part, { skipped: why });
}

// ---------------------------------------------------------------- replay

/**
 * tcpreplay's pacing: by default it waits between packets in a gettimeofday() loop, which takes
 * a whole core of this 2-core machine from the probe; with nanosleep() and a burst of packets
 * per millisecond it keeps the rate (within 1% here) at a fraction of the CPU.
 */
function rateArgs(asked: number | 'topspeed'): string[] {
  return asked === 'topspeed' ? ['--topspeed'] : [`--pps=${asked}`, '--timer=nano', `--pps-multi=${Math.max(1, Math.round(asked / 1000))}`];
}

interface ReplayStep {
  capture: string;
  /** packets/s asked of tcpreplay, or 'topspeed' */
  asked: number | 'topspeed';
  loops: number;
  packets: number;
  sent: number;
  failedSends: number;
  seconds: number;
  /** what tcpreplay achieved: packets/s, and of them SIP messages/s and RTP packets/s */
  pps: number;
  sipPerSec: number;
  rtpPerSec: number;
  captured: number | null;
  drops: number | null;
  /** seconds after the replay's end until the probe had seen every packet (null: never) */
  catchUpS: number | null;
  records: Comparison | null;
  probeCpuPct: number;
  tcpdumpCpuPct: number;
  tcpreplayCpuPct: number;
  baseRssMiB: number;
  peakRssMiB: number;
  /** probe CPU (% of one core) and RSS above the idle probe, per 100 000 packets/s */
  cpuPctPer100k: number;
  rssMiBPer100k: number;
  /** no drops, every record there and equal, and the probe kept up */
  held: boolean;
  /** tcpreplay reached less than 90% of the rate asked */
  generatorLimited: boolean;
}

async function replayStep(
  link: Link,
  name: string,
  base: CaptureSummary,
  asked: number | 'topspeed',
  packetsWanted: number,
): Promise<ReplayStep> {
  const maxLoops = Math.max(1, Math.min(MAX_LOOPS, Math.floor(MAX_FILE_BYTES / base.bytes)));
  const loops = Math.max(1, Math.min(maxLoops, Math.ceil(packetsWanted / base.packets)));
  const tag = `${name}-${asked}`;
  const file = loopCapture(base, loops, join(SCRATCH, `${tag}.pcap`));
  const liveOut = join(SCRATCH, `${tag}.live.jsonl`);
  const readOut = join(SCRATCH, `${tag}.read.jsonl`);
  let probe: Probe | null = null;
  try {
    probe = await startProbe(
      CLI,
      ['-i', link.capture, '-f', REPLAY_FILTER, '--format', 'jsonl', '--out', liveOut, '--status-interval', '1'],
      link.wrap,
    );
    await sleep(1000);
    const baseRss = memKiB(probe.pid).rss;
    const meter = new Meter([probe.pid, probe.tcpdumpPid]);
    const replay = tcpreplay(link, [...rateArgs(asked), file.path]);
    const rMeter = new Meter([replay.pid]);
    const limitS = (asked === 'topspeed' ? 60 : (file.packets / asked) * 3) + 60;
    await within(replay.exited, limitS * 1000);
    const replayCpu = rMeter.stop().cpu[0];
    const endedAt = Date.now();
    if (!replay.done()) {
      await stop(replay, 'SIGINT', 5000);
      throw new Error(`tcpreplay did not finish within ${limitS.toFixed(0)} s`);
    }
    const out = replay.text();
    const actual = /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/.exec(out);
    if (!actual) throw new Error(`tcpreplay: ${out.trim().split('\n').slice(-5).join(' | ')}`);
    const sent = Number(actual[1]);
    const seconds = Number(actual[3]);
    const failedSends = Number(/Failed packets:\s+(\d+)/.exec(out)?.[1] ?? 0);
    // the probe has caught up once a status line counts every packet sent
    await waitFor(() => (statusLines(probe!).at(-1)?.packets ?? 0) >= sent, 120_000);
    const seen = statusLines(probe).find((s) => s.packets >= sent);
    const catchUpS = seen ? Math.max(0, (seen.at - endedAt) / 1000) : null;
    const m = meter.stop();
    const peakRss = meter.peakRssKiB;
    await stop(probe, 'SIGINT', 120_000);
    const text = probe.text();
    const drops = kernelDrops(text);
    const got = captured(text);
    const read = spawnSync(process.execPath, [CLI, 'read', file.path, '--format', 'jsonl', '--out', readOut, '-q'], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (read.status !== 0) throw new Error(`sipscope read ${file.path}: exit ${read.status}: ${read.stderr}`);
    const records = await compareRecords(liveOut, readOut);
    const pps = sent / seconds;
    const share = sent / file.packets; // the part of the file that was sent
    const probeCpuPct = (m.cpu[0] / seconds) * 100;
    const held =
      drops === 0 &&
      failedSends === 0 &&
      got === sent &&
      records.missing === 0 &&
      records.extra === 0 &&
      records.different === 0 &&
      catchUpS !== null &&
      catchUpS <= CATCH_UP_S;
    return {
      capture: name,
      asked,
      loops,
      packets: file.packets,
      sent,
      failedSends,
      seconds,
      pps: Math.round(pps),
      sipPerSec: Math.round((file.sipPackets * share) / seconds),
      rtpPerSec: Math.round((file.rtpPackets * share) / seconds),
      captured: got,
      drops,
      catchUpS: catchUpS === null ? null : +catchUpS.toFixed(1),
      records,
      probeCpuPct: +probeCpuPct.toFixed(1),
      tcpdumpCpuPct: +((m.cpu[1] / seconds) * 100).toFixed(1),
      tcpreplayCpuPct: +((replayCpu / seconds) * 100).toFixed(1),
      baseRssMiB: +(baseRss / 1024).toFixed(0),
      peakRssMiB: +(peakRss / 1024).toFixed(0),
      cpuPctPer100k: +((probeCpuPct * 1e5) / pps).toFixed(1),
      rssMiBPer100k: +(((peakRss - baseRss) / 1024) * (1e5 / pps)).toFixed(1),
      held,
      generatorLimited: asked !== 'topspeed' && pps < asked * 0.9,
    };
  } finally {
    if (probe) await endProbe(probe);
    for (const f of [file.path, liveOut, readOut]) rmSync(f, { force: true });
  }
}

function describeStep(s: ReplayStep): string {
  const r = s.records;
  const recs = r
    ? `records ${int(r.live)}/${int(r.read)}${r.missing ? `, ${int(r.missing)} missing` : ''}${r.extra ? `, ${int(r.extra)} extra` : ''}${r.different ? `, ${int(r.different)} different (${Object.keys(r.fields).join(', ')})` : ''}`
    : 'no records';
  const what = s.rtpPerSec > 0 ? `${int(s.sipPerSec)} SIP msg/s + ${int(s.rtpPerSec)} RTP pkt/s` : `${int(s.sipPerSec)} SIP msg/s`;
  return (
    `${String(s.asked).padStart(8)}: ${int(s.pps)} pkt/s (${what}) for ${s.seconds.toFixed(1)} s, ${s.loops} loops; ` +
    `kernel drops ${s.drops ?? '?'}, ${recs}; caught up ${s.catchUpS ?? 'never'} s after; ` +
    `CPU probe ${s.probeCpuPct}% tcpdump ${s.tcpdumpCpuPct}% tcpreplay ${s.tcpreplayCpuPct}%; RSS ${s.peakRssMiB} MiB (idle ${s.baseRssMiB})` +
    `${s.held ? '' : ' — NOT HELD'}${s.generatorLimited ? ' — tcpreplay below the rate asked' : ''}`
  );
}

interface ReplayResult {
  capture: string;
  file: { name: string; bytes: number; packets: number; sipPackets: number; rtpPackets: number; calls: number };
  steps: ReplayStep[];
  /** the highest rate held (0 drops, 0 missing or different records, probe kept up) */
  best: ReplayStep | null;
  limit: string;
}

async function replayBench(link: Link, name: 'sip' | 'voip', base: CaptureSummary): Promise<ReplayResult> {
  log();
  log(
    `replay of ${name} (${(base.bytes / MiB).toFixed(1)} MiB, ${int(base.packets)} packets, ${int(base.calls)} calls) on ${link.describe}, ${SECONDS} s a rate:`,
  );
  const steps: ReplayStep[] = [];
  const run = async (rate: number | 'topspeed', packets: number) => {
    const s = await replayStep(link, name, base, rate, packets);
    steps.push(s);
    log(`  ${describeStep(s)}`);
    return s;
  };
  let limit = '';
  let held: ReplayStep | null = null;
  let lost = false;
  for (const rate of SHORT && !RATES_GIVEN ? SHORT_RATES[name] : REPLAY_RATES) {
    const s = await run(rate, rate * SECONDS);
    if (!s.held) {
      lost = true;
      limit = `the probe lost data or fell behind at ${int(s.pps)} pkt/s`;
      // once more halfway between the last rate held and this one, when they are far apart
      const mid = held ? Math.round((held.pps + s.pps) / 2 / 5000) * 5000 : 0;
      if (!SHORT && held && s.pps > held.pps * 1.25 && mid > held.pps) {
        const m = await run(mid, mid * SECONDS);
        if (!m.held) limit = `the probe lost data or fell behind at ${int(m.pps)} pkt/s`;
      }
      break;
    }
    held = s;
    if (s.generatorLimited) {
      limit = `tcpreplay could not send faster than ${int(s.pps)} pkt/s (asked ${int(rate)}) with the probe running`;
      break;
    }
  }
  const last = steps.at(-1);
  if (!SHORT && !lost && last?.held) {
    // the generator's own ceiling (no pacing), with the probe running
    const s = await run('topspeed', last.pps * 2 * SECONDS);
    limit = s.held
      ? `tcpreplay --topspeed reached ${int(s.pps)} pkt/s and the probe held it: the generator's ceiling`
      : `at tcpreplay --topspeed (${int(s.pps)} pkt/s) the probe lost data or fell behind`;
  }
  if (!limit) limit = 'the highest rate asked';
  // the highest rate held (a paced step may have sent faster than --topspeed did later)
  const best = steps.filter((s) => s.held).reduce<ReplayStep | null>((a, s) => (a === null || s.pps > a.pps ? s : a), null);
  log(
    best
      ? `  held: ${int(best.pps)} pkt/s (${int(best.sipPerSec)} SIP msg/s, ${int(best.rtpPerSec)} RTP pkt/s); ${limit}`
      : `  no rate held; ${limit}`,
  );
  return {
    capture: name,
    file: {
      name,
      bytes: base.bytes,
      packets: base.packets,
      sipPackets: base.sipPackets,
      rtpPackets: base.rtpPackets,
      calls: base.calls,
    },
    steps,
    best,
    limit,
  };
}

// ---------------------------------------------------------------- SIPp

interface SippStep {
  rate: number;
  seconds: number;
  /** calls SIPp created / completed, and the call rate it reports */
  sippCreated: number;
  sippCalls: number;
  sippCps: number;
  /** SIPp kept the rate (every call completed, in about the planned time) */
  sustained: boolean;
  records: number;
  completed: number;
  drops: number | null;
  sipMessages: number;
  rtpFrames: number;
  sipPerSec: number;
  rtpPerSec: number;
  probeCpuPct: number;
  tcpdumpCpuPct: number;
  peakRssMiB: number;
  /** no kernel drops and one record per call created */
  ok: boolean;
}

/**
 * `sipscope live -i lo` against SIPp on loopback at increasing call rates (answered calls with
 * 0.5 s of PCMA RTP each way): the highest rate with no kernel drops and every call recorded.
 * Rates go up until the probe or SIPp (the load generator shares the machine) cannot keep up.
 * Ports 28600-28620.
 */
async function sippBench(): Promise<void> {
  log();
  log(`SIPp: sipscope live -i lo against SIPp on loopback, ${SIPP_RATES.join(', ')} calls/s for ${SECONDS} s each, RTP 0.5 s each way`);
  const dir = mkdtempSync(join(SCRATCH, 'sipp-'));
  writeLoadFiles(dir);
  const out: SippStep[] = [];
  const secs = SECONDS;
  try {
    for (const rate of SIPP_RATES) {
      const recFile = join(dir, `live-${rate}.jsonl`);
      const probe = await startProbe(CLI, [
        '-i',
        'lo',
        '-f',
        'udp and (portrange 28600-28601 or portrange 28610-28620)',
        '--format',
        'jsonl',
        '--out',
        recFile,
        '--status-interval',
        '0',
      ]);
      const common = ['-i', '127.0.0.1', '-mi', '127.0.0.1', '-nostdin', '-t', 'u1', '-timeout', String(secs * 4 + 30), '-timeout_error'];
      const uas = start(
        'sipp callee',
        SIPP!,
        ['-sf', join(SCENARIO_DIR, 'uas-answer.xml'), '-p', '28600', '-mp', '28610', '-rtp_echo', ...common],
        { cwd: dir },
      );
      let uac: ReturnType<typeof start> | null = null;
      try {
        await sleep(500);
        if (uas.done()) throw new Error(`SIPp callee ended: ${uas.text().slice(-500)}`);
        const meter = new Meter([probe.pid, probe.tcpdumpPid]);
        uac = start(
          'sipp caller',
          SIPP!,
          [
            '-sf',
            'uac-load.xml',
            '127.0.0.1:28600',
            '-p',
            '28601',
            '-mp',
            '28620',
            '-r',
            String(rate),
            '-m',
            String(rate * secs),
            '-cid_str',
            'bench-%u-%p@%s',
            ...common,
          ],
          { cwd: dir },
        );
        await within(uac.exited, (secs * 4 + 40) * 1000);
        const m = meter.stop();
        await stop(probe, 'SIGINT', 60_000);
        const text = probe.text();
        const sippOut = uac.text();
        const sippCalls = Number(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(sippOut)?.[1] ?? 0);
        const sippCreated = Number(/Total Calls created\s*\|\s*\|\s*(\d+)/.exec(sippOut)?.[1] ?? 0);
        const sippCps = Number(/Call Rate\s*\|[^|]*\|\s*([\d.]+) cps/.exec(sippOut)?.[1] ?? 0);
        const lines = existsSync(recFile)
          ? readFileSync(recFile, 'utf8')
              .split('\n')
              .filter((l) => l.includes('"bench-'))
          : [];
        const completed = lines.filter((l) => l.includes('"CALL_COMPLETED"')).length;
        const drops = kernelDrops(text);
        const sipMessages = Number(/; (\d+) SIP messages,/.exec(text)?.[1] ?? 0);
        const rtpFrames = Number(/(\d+) RTP or RTCP to SDP endpoints/.exec(text)?.[1] ?? 0);
        const r: SippStep = {
          rate,
          seconds: +m.wall.toFixed(1),
          sippCreated,
          sippCalls,
          sippCps,
          sustained: sippCalls === rate * secs && m.wall <= secs * 1.5 + 2,
          records: lines.length,
          completed,
          drops,
          sipMessages,
          rtpFrames,
          sipPerSec: Math.round(sipMessages / m.wall),
          rtpPerSec: Math.round(rtpFrames / m.wall),
          probeCpuPct: +((m.cpu[0] / m.wall) * 100).toFixed(1),
          tcpdumpCpuPct: +((m.cpu[1] / m.wall) * 100).toFixed(1),
          peakRssMiB: +(meter.peakRssKiB / 1024).toFixed(0),
          ok: drops === 0 && sippCreated > 0 && lines.length === sippCreated && completed >= sippCalls,
        };
        out.push(r);
        log(
          `  ${String(rate).padStart(4)} calls/s: SIPp ${r.sippCalls}/${rate * secs} calls completed (${r.sippCps} cps) in ${r.seconds} s; ` +
            `${r.records} records (${r.completed} CALL_COMPLETED) for ${r.sippCreated} calls, kernel drops ${r.drops ?? '?'}; ` +
            `${int(r.sipPerSec)} SIP msg/s, ${int(r.rtpPerSec)} RTP pkt/s; CPU probe ${r.probeCpuPct}% tcpdump ${r.tcpdumpCpuPct}%, RSS ${r.peakRssMiB} MiB` +
            `${r.ok ? '' : ' — PROBE LOST DATA'}${r.sustained ? '' : ' — SIPp could not keep this rate'}`,
        );
        if (!r.ok || !r.sustained) break;
      } finally {
        if (uac) await stop(uac, 'SIGKILL', 3000);
        await stop(uas, 'SIGKILL', 3000);
        await endProbe(probe);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const best = [...out].reverse().find((r) => r.ok && r.sustained) ?? null;
  const last = out.at(-1);
  const limit = !last
    ? ''
    : !last.ok
      ? `at ${last.rate} calls/s the probe lost data`
      : !last.sustained
        ? `at ${last.rate} calls/s SIPp itself could not keep the rate: the limit is the load generator on this machine`
        : 'the highest rate asked';
  log(
    best
      ? `  held: ${best.rate} calls/s = ${int(best.sipPerSec)} SIP msg/s + ${int(best.rtpPerSec)} RTP pkt/s, probe CPU ${best.probeCpuPct}%, RSS ${best.peakRssMiB} MiB; ${limit}`
      : `  no rate held; ${limit}`,
  );
  save('sipp', {
    rates: out,
    best,
    limit,
    note: 'answered calls, 0.5 s PCMA RTP each way (echo), SIPp on loopback; CPU % of one core',
  });
}

// ---------------------------------------------------------------- soak

const median = (xs: number[]) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The capture looped at one rate for MINUTES: every SOAK_EVERY s the probe's RSS (/proc) and its
 * status line (open calls, exported, kernel drops). The looped file lasts ≥ 40 s at the rate, so
 * a Call-ID comes again only after the 32 s in which it would be taken as late copies: each
 * pass is new calls. RSS is flat when the median of the last third of the samples is within
 * 10% of the first third's (both after a warm-up of a minute or a tenth of the run).
 */
async function soak(link: Link, base: CaptureSummary, minutes: number, rate: number): Promise<void> {
  const loops = Math.max(1, Math.min(MAX_LOOPS, Math.floor(MAX_FILE_BYTES / base.bytes), Math.ceil((rate * 40) / base.packets)));
  const file = loopCapture(base, loops, join(SCRATCH, 'soak.pcap'));
  const passS = file.packets / rate;
  const passes = Math.ceil((minutes * 60) / passS) + 1;
  log();
  log(
    `soak: ${base.path.split('/').pop()} × ${loops} loops (${int(file.packets)} packets, ${passS.toFixed(0)} s a pass) at ${int(rate)} pkt/s for ${minutes} min; ` +
      `a sample every ${SOAK_EVERY} s`,
  );
  const probe = await startProbe(
    CLI,
    ['-i', link.capture, '-f', REPLAY_FILTER, '--format', 'jsonl', '--out', '/dev/null', '--status-interval', String(SOAK_EVERY)],
    link.wrap,
  );
  const samples: { t: number; rssMiB: number; tcpdumpRssMiB: number; open: number | null; exported: number | null; cpuPct: number }[] = [];
  let replay: ReturnType<typeof start> | null = null;
  try {
    const t0 = Date.now();
    replay = tcpreplay(link, [...rateArgs(rate), `--loop=${passes}`, file.path]);
    const meter = new Meter([probe.pid, probe.tcpdumpPid]);
    let lastCpu = 0;
    let lastT = 0;
    for (let i = 1; Date.now() - t0 < minutes * 60_000 && !replay.done() && !probe.done(); i++) {
      await sleep(Math.max(0, t0 + i * SOAK_EVERY * 1000 - Date.now()));
      const t = (Date.now() - t0) / 1000;
      const cpu = meter.read().cpu[0];
      const st = statusLines(probe).at(-1);
      samples.push({
        t: +t.toFixed(0),
        rssMiB: +(memKiB(probe.pid).rss / 1024).toFixed(1),
        tcpdumpRssMiB: +(memKiB(probe.tcpdumpPid).rss / 1024).toFixed(1),
        open: st?.open ?? null,
        exported: st?.exported ?? null,
        cpuPct: +(((cpu - lastCpu) / (t - lastT)) * 100).toFixed(1),
      });
      lastCpu = cpu;
      lastT = t;
      if (i % 6 === 0) {
        const s = samples.at(-1)!;
        log(
          `  ${(t / 60).toFixed(1)} min: RSS ${s.rssMiB} MiB, open calls ${s.open ?? '?'}, exported ${int(s.exported)}, CPU ${s.cpuPct}%`,
        );
      }
    }
    meter.stop();
    const endedEarly = replay.done() ? `tcpreplay ended: ${replay.text().slice(-400)}` : probe.done() ? 'the probe ended' : null;
    await stop(replay, 'SIGINT', 10_000);
    const sent = Number(/Actual: (\d+) packets/.exec(replay.text())?.[1] ?? Number.NaN);
    const sentS = Number(/sent in ([\d.]+) seconds/.exec(replay.text())?.[1] ?? Number.NaN);
    await sleep(3000);
    const last = statusLines(probe).at(-1);
    await stop(probe, 'SIGINT', 120_000);
    const drops = kernelDrops(probe.text());
    const got = captured(probe.text());
    const warm = Math.max(60, (minutes * 60) / 10);
    const after = samples.filter((s) => s.t >= warm);
    const third = Math.floor(after.length / 3);
    const firstRss = median(after.slice(0, third).map((s) => s.rssMiB));
    const lastRss = median(after.slice(-third).map((s) => s.rssMiB));
    const opens = after.map((s) => s.open ?? 0);
    const firstOpen = median(after.slice(0, third).map((s) => s.open ?? 0));
    const lastOpen = median(after.slice(-third).map((s) => s.open ?? 0));
    const result = {
      env: { ...soakEnv, loadavgEnd: loadavg().map((x) => +x.toFixed(2)) },
      capture: base.path.split('/').pop(),
      minutes,
      rateAsked: rate,
      sent,
      pps: Math.round(sent / sentS),
      passes: +(sent / file.packets).toFixed(2),
      callsPerPass: file.calls,
      exported: last?.exported ?? null,
      captured: got,
      drops,
      warmupS: warm,
      rssFirstThirdMiB: firstRss,
      rssLastThirdMiB: lastRss,
      rssMaxMiB: Math.max(...samples.map((s) => s.rssMiB)),
      rssFlat: lastRss <= firstRss * 1.1,
      openFirstThird: firstOpen,
      openLastThird: lastOpen,
      openMax: Math.max(...opens),
      openBounded: lastOpen <= Math.max(firstOpen * 1.5, firstOpen + 100),
      cpuPctMedian: median(after.map((s) => s.cpuPct)),
      endedEarly,
      samples,
    };
    log(
      `  ${int(result.sent)} packets in ${sentS.toFixed(0)} s (${int(result.pps)} pkt/s, ${result.passes} passes), ${int(result.exported)} calls exported; ` +
        `kernel drops ${drops ?? '?'}; RSS median ${firstRss} → ${lastRss} MiB (max ${result.rssMaxMiB}): ${result.rssFlat ? 'flat' : 'GROWING'}; ` +
        `open calls median ${firstOpen} → ${lastOpen} (max ${result.openMax}): ${result.openBounded ? 'bounded' : 'GROWING'}; CPU ${result.cpuPctMedian}%` +
        `${endedEarly ? `; ended early: ${endedEarly}` : ''}`,
    );
    save('soak', result);
  } finally {
    if (replay) await stop(replay, 'SIGKILL', 3000);
    await endProbe(probe);
    rmSync(file.path, { force: true });
  }
}

// ---------------------------------------------------------------- main

let soakEnv: Record<string, unknown> = {};

async function main(): Promise<void> {
  const started = Date.now();
  const env = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    tcpdump: TCPDUMP ? firstLine(TCPDUMP, ['--version']) : null,
    tcpreplay: TCPREPLAY ? firstLine(TCPREPLAY, ['-V']) : null,
    sipp: SIPP ? firstLine(SIPP, ['-v']) : null,
    sipscopeBuild: existsSync(join(ROOT, 'build', 'cli.js')) ? statSync(join(ROOT, 'build', 'cli.js')).mtime.toISOString() : null,
    loadavgStart: loadavg().map((x) => +x.toFixed(2)),
    short: SHORT,
    seconds: SECONDS,
  };
  log(`sipscope live bench — ${env.cpu}, ${env.cores} cores, Node ${env.node}, load ${env.loadavgStart.join(' ')}`);
  log(`  ${env.tcpdump ?? 'no tcpdump'}; ${env.tcpreplay ?? 'no tcpreplay'}; ${env.sipp ?? 'no sipp'}`);
  if (!existsSync(join(ROOT, 'build', 'cli.js'))) throw new Error('build/cli.js is missing: npm run build first');
  // a soak keeps its own machine description (it runs apart from the rates, often for long)
  if (SOAK_MIN === null) save('env', env);
  soakEnv = env;

  const cacheDir = join(BENCH, '.cache');
  const get = (name: keyof typeof BENCH_CAPTURES) =>
    cachedCapture(name, BENCH_CAPTURES[name], cacheDir, { regen: flag('--regen'), say: (l) => log(`  ${l.replace(`${ROOT}/`, '')}`) });

  if (WITH_REPLAY || SOAK_MIN !== null) {
    const part = SOAK_MIN === null ? 'replay' : 'soak';
    const { link, why: noLink } = replayLink();
    if (link) links.add(link);
    const why = noLink ?? (TCPDUMP ? captureProblem(link!.capture, link!.wrap) : 'tcpdump not installed') ?? replayProblem(link!);
    if (why) skip(part, why);
    else if (SOAK_MIN !== null) await soak(link!, get(SOAK_CAPTURE === 'sip' ? 'sip-only-10k-lo' : 'voip-32MiB-lo'), SOAK_MIN, SOAK_RATE);
    else {
      const results: ReplayResult[] = [];
      for (const [key, name] of [
        ['sip', 'sip-only-10k-lo'],
        ['voip', 'voip-32MiB-lo'],
      ] as const) {
        results.push(await replayBench(link!, key, get(name)));
        save('replay', results);
      }
    }
    link?.remove();
    if (link) links.delete(link);
  }
  if (WITH_SIPP) {
    const why = captureProblem() ?? (SIPP ? null : 'sipp not installed');
    if (why) skip('sipp', why);
    else await sippBench();
  }
  if (WITH_HEP) {
    log();
    log(`HEP collector: calls mirrored as HEP v3 by an agent on loopback, ${HEP_RATES.map(int).join(', ')} SIP messages/s`);
    save(
      'hep',
      await hepBench({
        cli: CLI,
        root: ROOT,
        scratch: SCRATCH,
        rates: HEP_RATES,
        seconds: SECONDS,
        transports: SHORT ? ['udp'] : ['udp', 'tcp'],
        log,
      }),
    );
  }
  if (SOAK_MIN === null)
    save(
      'loadavgEnd',
      loadavg().map((x) => +x.toFixed(2)),
    );
  log();
  log(`live bench finished in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${relative(process.cwd(), OUT)}`);
  if (skipped.length && CI) throw new Error(`CI=true and parts were skipped: ${skipped.join('; ')}`);
}

const links = new Set<Link>();
function cleanUp(): void {
  killAll();
  for (const l of links) l.remove();
  rmSync(SCRATCH, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    log(`stopped by ${sig}`);
    process.exit(130);
  });

main().catch((e) => {
  process.stderr.write(`live bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
