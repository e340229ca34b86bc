// `npm run bench`: whole-process timings of sipscope against tshark and sngrep on generated
// captures (see make-capture.ts). Prints a table, PASS/FAIL lines for the performance targets,
// and writes everything to bench/results.json. The live probe under load: `npm run bench:live`
// (bench/live.ts).
//
// Options: --runs N (timed runs per tool, default 3)   --no-1g (skip the 1 GiB captures)
//          --no-profile (skip the --cpu-prof pass)      --regen (rebuild cached captures)
//          --tool-timeout SEC (per tshark/sngrep run, default 300)
//
// Method: every capture is read once into the page cache first; each tool is run once untimed
// (sipscope's untimed run writes its records to a temp file, which is also the record-count
// check), then `runs` times; the best wall-clock time (spawn → exit) counts. tshark is slow,
// so it runs once only. Peak RSS comes from /usr/bin/time -f %M (or /proc/PID/status VmHWM).

import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
  readdirSync,
  mkdtempSync,
} from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from './live-probe.ts';
import { BENCH_CAPTURES, cachedCapture, type CaptureOptions, type CaptureSummary } from './make-capture.ts';
import { createSocket } from 'node:dgram';
import { FlowParser } from '../test/support/ipfix-parse.ts';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const CACHE = join(BENCH, '.cache');
const CLI = join(ROOT, 'bin', 'sipscope.js');
const MiB = 2 ** 20;
const MB = 1e6;

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const optNum = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
};
const RUNS = Math.floor(optNum('--runs', 3));
const WITH_1G = !flag('--no-1g');
const WITH_PROFILE = !flag('--no-profile');
const REGEN = flag('--regen');
const TOOL_TIMEOUT_MS = optNum('--tool-timeout', 300) * 1000;

// ---------------------------------------------------------------- helpers

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .find((l) => l.trim() && !/running as user/i.test(l))
      ?.trim() ?? '?'
  );
}

const log = (s = '') => process.stdout.write(s + '\n');
const fmtS = (s: number | null | undefined) => (s == null ? '—' : s < 10 ? s.toFixed(3) : s.toFixed(1));
const fmtInt = (n: number | null | undefined) => (n == null ? '—' : Math.round(n).toLocaleString('en-US'));
const fmtRate = (n: number | null | undefined) => (n == null ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtX = (n: number | null | undefined) => (n == null ? '—' : n >= 10 ? `${n.toFixed(0)}×` : `${n.toFixed(1)}×`);

/** Read a file once so that it sits in the page cache. */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(16 * MiB);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0) {
      /* read on */
    }
  } finally {
    closeSync(fd);
  }
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

// ---------------------------------------------------------------- timing whole processes

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

interface Run {
  seconds: number;
  rssMiB: number | null;
  code: number | null;
  timedOut: boolean;
  stderrTail: string;
}

/**
 * Spawn cmd (stdout to /dev/null), wall clock from spawn to exit. Peak RSS via /usr/bin/time -f %M
 * when present, else by polling VmHWM of the child. On timeout the whole process group is killed.
 */
function timed(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const rssFile = TIME_BIN ? join(tmpdir(), `sipscope-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
    const [file, fileArgs] = TIME_BIN ? [TIME_BIN, ['-f', '%M', '-o', rssFile!, cmd, ...args]] : [cmd, args];
    let hwm = 0;
    const t0 = process.hrtime.bigint();
    const child = spawn(file, fileArgs, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let t1 = 0n;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let poll: NodeJS.Timeout | undefined;
    if (!TIME_BIN) {
      poll = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwm = Math.max(hwm, Number(m[1]));
        } catch {
          /* gone */
        }
      }, 10);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the group we created: the tool and its time wrapper
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('exit', () => {
      t1 = process.hrtime.bigint();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      let rssKiB: number | null = hwm || null;
      if (rssFile) {
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          const v = Number(lines[lines.length - 1]);
          if (Number.isFinite(v) && v > 0) rssKiB = v;
          rmSync(rssFile, { force: true });
        } catch {
          /* killed before time wrote it */
        }
      }
      resolve({
        seconds: Number((t1 || process.hrtime.bigint()) - t0) / 1e9,
        rssMiB: rssKiB === null ? null : rssKiB / 1024,
        code,
        timedOut,
        stderrTail: stderr
          .split('\n')
          .filter((l) => l.trim() && !/running as user/i.test(l))
          .slice(-3)
          .join(' | '),
      });
    });
  });
}

interface ToolResult {
  command: string;
  runs: number[]; // seconds of the timed runs
  best: number | null;
  rssMiB: number | null; // peak over all runs
  note?: string;
  error?: string;
}

async function bench(
  label: string,
  cmd: string,
  args: string[],
  opts: { warm: boolean; runs: number; timeoutMs: number },
): Promise<ToolResult> {
  const command = [cmd, ...args].map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ');
  const res: ToolResult = { command, runs: [], best: null, rssMiB: null };
  if (opts.warm) {
    const w = await timed(cmd, args, opts.timeoutMs);
    if (w.timedOut || w.code !== 0) {
      res.error = w.timedOut ? `timed out after ${opts.timeoutMs / 1000} s` : `exit ${w.code}: ${w.stderrTail}`;
      return res;
    }
    res.rssMiB = w.rssMiB;
  }
  for (let i = 0; i < opts.runs; i++) {
    const r = await timed(cmd, args, opts.timeoutMs);
    if (r.timedOut) {
      res.error = `timed out after ${opts.timeoutMs / 1000} s`;
      break;
    }
    if (r.code !== 0) {
      res.error = `exit ${r.code}: ${r.stderrTail}`;
      break;
    }
    res.runs.push(r.seconds);
    if (r.rssMiB !== null) res.rssMiB = Math.max(res.rssMiB ?? 0, r.rssMiB);
    process.stdout.write(
      `    ${label} run ${i + 1}/${opts.runs}: ${fmtS(r.seconds)} s${r.rssMiB !== null ? `, peak RSS ${r.rssMiB.toFixed(0)} MiB` : ''}\n`,
    );
  }
  if (res.runs.length) res.best = Math.min(...res.runs);
  if (res.error) process.stdout.write(`    ${label}: ${res.error}\n`);
  return res;
}

// ---------------------------------------------------------------- captures

interface CaptureDef {
  name: string;
  params: Omit<CaptureOptions, 'path'>;
  tools: ('sipscope' | 'tshark' | 'sngrep')[];
}

const CAPTURES: CaptureDef[] = [
  { name: 'voip-128MiB', params: BENCH_CAPTURES['voip-128MiB'], tools: ['sipscope', 'tshark', 'sngrep'] },
  { name: 'sip-only-50k', params: BENCH_CAPTURES['sip-only-50k'], tools: ['sipscope', 'tshark', 'sngrep'] },
  ...(WITH_1G
    ? ([
        { name: 'voip-1GiB', params: BENCH_CAPTURES['voip-1GiB'], tools: ['sipscope'] },
        { name: 'sip-only-1GiB', params: BENCH_CAPTURES['sip-only-1GiB'], tools: ['sipscope'] },
      ] as CaptureDef[])
    : []),
];

/** The capture file, generated unless the cache holds one made with the same parameters. */
function ensureCapture(def: CaptureDef): CaptureSummary {
  return cachedCapture(def.name, def.params, CACHE, { regen: REGEN, say: (l) => log(`  ${l.replace(ROOT + '/', '')}`) });
}

// ---------------------------------------------------------------- CPU profile

/** Map wasm function index → export name, from the export section of the module. */
function wasmExportNames(path: string): Map<number, string> {
  const names = new Map<number, string>();
  const b = readFileSync(path);
  let p = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const byte = b[p++];
      r |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return r >>> 0;
      shift += 7;
    }
  };
  while (p < b.length) {
    const id = b[p++];
    const size = leb();
    const end = p + size;
    if (id === 7) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const len = leb();
        const name = b.subarray(p, p + len).toString('utf8');
        p += len;
        const kind = b[p++];
        const index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    p = end;
  }
  return names;
}

interface ProfileSummary {
  file: string;
  totalMs: number;
  byCategory: Record<string, number>;
  top: { name: string; ms: number; pct: number }[];
}

async function profile(capture: CaptureSummary, name: string): Promise<ProfileSummary | null> {
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-prof-'));
  const r = await timed(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, 'read', capture.path, '--format', 'jsonl', '--out', '/dev/null', '-q'],
    600_000,
  );
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (r.code !== 0 || !files.length) return null;
  const keep = join(CACHE, `${name}.cpuprofile`);
  writeFileSync(keep, readFileSync(join(dir, files[0])));
  rmSync(dir, { recursive: true, force: true });
  const prof = JSON.parse(readFileSync(keep, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const wasmNames = existsSync(join(ROOT, 'build', 'core.wasm'))
    ? wasmExportNames(join(ROOT, 'build', 'core.wasm'))
    : new Map<number, string>();
  const byId = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  const cat: Record<string, number> = {};
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const cf = byId.get(prof.samples[i]);
    const dt = prof.timeDeltas[i] ?? 0;
    if (!cf) continue;
    total += dt;
    let key: string;
    let category: string;
    const wasm =
      /^wasm-function\[(\d+)\]$/.exec(cf.functionName) ?? (cf.url.startsWith('wasm://') ? /\[(\d+)\]/.exec(cf.functionName) : null);
    if (wasm) {
      const n = wasmNames.get(Number(wasm[1]));
      key = `wasm ${n ? `${n} (export)` : cf.functionName}`;
      category = 'WASM core';
    } else if (cf.functionName.startsWith('(')) {
      key = cf.functionName;
      category = cf.functionName === '(garbage collector)' ? 'GC' : cf.functionName;
    } else {
      const file = cf.url.split('/').pop() || '(native)';
      key = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
      category = cf.url.endsWith('build/cli.js')
        ? 'sipscope JS (build/cli.js)'
        : cf.url.startsWith('node:') || !cf.url
          ? 'Node internals/native'
          : 'other JS';
    }
    self.set(key, (self.get(key) ?? 0) + dt);
    cat[category] = (cat[category] ?? 0) + dt;
  }
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([n, us]) => ({ name: n, ms: us / 1000, pct: (100 * us) / total }));
  const byCategory = Object.fromEntries(
    Object.entries(cat)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, v / 1000]),
  );
  return { file: relative(ROOT, keep), totalMs: total / 1000, byCategory, top };
}

// ---------------------------------------------------------------- main

interface CaptureResult {
  name: string;
  file: string;
  bytes: number;
  packets: number;
  calls: number;
  summary: CaptureSummary;
  records: number | null;
  recordsOk: boolean | null;
  tools: Record<string, ToolResult | { skipped: string }>;
}

interface ExportResult {
  capture: string;
  plainS: number | null;
  exportS: number | null;
  overheadPct: number | null;
  records: number;
  received: number;
  dumpLines: number;
}

/**
 * The cost of export: the same run without and with `--dump-dir` + `--collector udp://…` to a
 * receiver in this process that parses every message and counts data records.
 */
async function exportCost(name: string, s: CaptureSummary, tmp: string): Promise<ExportResult> {
  log(`export cost on ${name}: --dump-dir + --collector udp (receiver in this process, records counted after each run) ...`);
  const sock = createSocket('udp4');
  // datagrams are kept as they come and parsed after each run: parsing them meanwhile would take
  // a core of this 2-core machine from the run being timed
  let datagrams: Buffer[] = [];
  let bad = 0;
  const countRecords = (): number => {
    const parser = new FlowParser('ipfix');
    let n = 0;
    for (const m of datagrams) {
      try {
        n += parser.parse(new Uint8Array(m.buffer, m.byteOffset, m.length)).dataRecords;
      } catch {
        bad++;
      }
    }
    datagrams = [];
    return n;
  };
  sock.on('message', (m) => datagrams.push(m));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  sock.setRecvBufferSize(64 << 20);
  const port = sock.address().port;
  const base = [CLI, 'read', s.path, '--format', 'none', '-q'];
  // the VM's speed drifts by tens of percent within minutes: runs without and with export
  // alternate, and the cost is the median of the pairs' ratios
  await timed(process.execPath, base, 900_000); // page cache, untimed
  const plainTimes: number[] = [];
  const times: number[] = [];
  const ratios: number[] = [];
  let dumpLines = 0;
  let lastReceived = 0;
  for (let i = 0; i < RUNS; i++) {
    const p = await timed(process.execPath, base, 900_000);
    const dir = join(tmp, `dump-${name}-${i}`);
    datagrams = [];
    const r = await timed(process.execPath, [...base, '--dump-dir', dir, '--collector', `udp://127.0.0.1:${port}`], 900_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the last datagrams land
    lastReceived = countRecords();
    if (p.code === 0 && r.code === 0) {
      plainTimes.push(p.seconds);
      times.push(r.seconds);
      ratios.push(r.seconds / p.seconds);
    }
    dumpLines = countDumpLines(dir);
    rmSync(dir, { recursive: true, force: true });
    log(
      `    pair ${i + 1}/${RUNS}: without ${fmtS(p.seconds)} s, with export ${fmtS(r.seconds)} s, ${fmtInt(lastReceived)} records received, ${fmtInt(dumpLines)} dump lines`,
    );
  }
  sock.close();
  if (bad) log(`    ${bad} messages could not be parsed`);
  return {
    capture: name,
    plainS: median(plainTimes),
    exportS: median(times),
    overheadPct: ratios.length ? (median(ratios)! - 1) * 100 : null,
    records: s.calls,
    received: lastReceived,
    dumpLines,
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function countDumpLines(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sip'))
        n +=
          readFileSync(p, 'utf8')
            .split('\n')
            .filter((l) => l !== '').length - 1;
    }
  };
  walk(dir);
  return n;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  if (!existsSync(join(ROOT, 'build', 'cli.js')) || !existsSync(join(ROOT, 'build', 'core.wasm'))) {
    log('sipscope is not built: run `npm run build` first');
    process.exit(1);
  }
  const tshark = which('tshark');
  const sngrep = which('sngrep');
  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    loadavgStart: loadavg().map((x) => +x.toFixed(2)),
    loadavgEnd: [] as number[],
    rssMethod: TIME_BIN ? '/usr/bin/time -f %M' : '/proc/PID/status VmHWM (polled)',
    sipscope: firstLine(process.execPath, [CLI, '--version']),
    sipscopeBuild: statSync(join(ROOT, 'build', 'cli.js')).mtime.toISOString(),
    tshark: tshark ? firstLine(tshark, ['--version']) : null,
    sngrep: sngrep ? firstLine(sngrep, ['--version']) : null,
  };
  log(`sipscope bench — ${env.cpu}, ${env.cores} cores, ${env.memGiB} GiB, Node ${env.node}, load ${env.loadavgStart.join(' ')}`);
  log(`  ${env.sipscope} (build ${env.sipscopeBuild}); tshark: ${env.tshark ?? 'not installed'}; sngrep: ${env.sngrep ?? 'not installed'}`);
  if (!tshark) log('  tshark not found on PATH: its column is skipped');
  if (!sngrep) log('  sngrep not found on PATH: its column is skipped');
  log(`  peak RSS by ${env.rssMethod}; ${RUNS} timed runs per tool after one untimed run (tshark: one run only)`);
  if (env.loadavgStart[0] > env.cores * 0.5) log(`  note: the machine is busy (load ${env.loadavgStart[0]}); timings will be noisy`);
  log();

  log('captures:');
  const summaries = CAPTURES.map((d) => ensureCapture(d));
  log();

  // process start-up: sipscope on a capture with no packets
  const emptyPath = join(CACHE, 'empty.pcap');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  writeFileSync(emptyPath, hdr);
  log('start-up (sipscope on an empty pcap):');
  const startup = await bench('sipscope', process.execPath, [CLI, 'read', emptyPath, '--format', 'jsonl', '--out', '/dev/null', '-q'], {
    warm: true,
    runs: RUNS,
    timeoutMs: 60_000,
  });
  log();

  const results: CaptureResult[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'sipscope-bench-'));
  for (let ci = 0; ci < CAPTURES.length; ci++) {
    const def = CAPTURES[ci];
    const s = summaries[ci];
    log(`${def.name}: ${(s.bytes / MiB).toFixed(1)} MiB, ${fmtInt(s.packets)} packets, ${fmtInt(s.calls)} calls`);
    warmPageCache(s.path);
    const r: CaptureResult = {
      name: def.name,
      file: relative(ROOT, s.path),
      bytes: s.bytes,
      packets: s.packets,
      calls: s.calls,
      summary: s,
      records: null,
      recordsOk: null,
      tools: {},
    };

    // sipscope: the untimed first run writes the records, to check their number
    const recFile = join(tmp, `${def.name}.jsonl`);
    const check = await timed(process.execPath, [CLI, 'read', s.path, '--format', 'jsonl', '--out', recFile, '-q'], 900_000);
    if (check.code === 0) {
      r.records = await countLines(recFile);
      r.recordsOk = r.records === s.calls;
      log(
        `    sipscope records: ${fmtInt(r.records)} for ${fmtInt(s.calls)} calls generated — ${r.recordsOk ? 'match' : 'MISMATCH'} (untimed run ${fmtS(check.seconds)} s)`,
      );
    } else {
      log(`    sipscope failed (exit ${check.code}): ${check.stderrTail}`);
    }
    rmSync(recFile, { force: true });
    r.tools.sipscope = await bench('sipscope', process.execPath, [CLI, 'read', s.path, '--format', 'jsonl', '--out', '/dev/null', '-q'], {
      warm: false,
      runs: RUNS,
      timeoutMs: 900_000,
    });
    if (check.rssMiB !== null) {
      const t = r.tools.sipscope as ToolResult;
      t.rssMiB = Math.max(t.rssMiB ?? 0, check.rssMiB);
    }

    if (def.tools.includes('sngrep')) {
      if (!sngrep) r.tools.sngrep = { skipped: 'sngrep not installed' };
      else {
        // -c: only dialogs starting with INVITE; -l: lift the default 20000-dialog limit so that
        // every call is stored, as sipscope does
        const limit = String(Math.max(20_000, s.calls + 1000));
        r.tools.sngrep = await bench('sngrep', sngrep, ['-N', '-q', '-c', '-l', limit, '-I', s.path, '-O', '/dev/null'], {
          warm: true,
          runs: RUNS,
          timeoutMs: TOOL_TIMEOUT_MS,
        });
      }
    }
    if (def.tools.includes('tshark')) {
      if (!tshark) r.tools.tshark = { skipped: 'tshark not installed' };
      else {
        const res = await bench(
          'tshark',
          tshark,
          [
            '-n',
            '-r',
            s.path,
            '-Y',
            'sip',
            '-T',
            'fields',
            '-e',
            'frame.time_epoch',
            '-e',
            'sip.Call-ID',
            '-e',
            'sip.Method',
            '-e',
            'sip.Status-Code',
            '-e',
            'sip.CSeq.method',
          ],
          { warm: false, runs: 1, timeoutMs: TOOL_TIMEOUT_MS },
        );
        res.note = 'single run (no best-of)';
        r.tools.tshark = res;
      }
    }
    results.push(r);
    log();
  }
  // ------------------------------------------------------------ export cost (--dump-dir + UDP collector)
  const exportResults: ExportResult[] = [];
  for (const ci of [0, 1]) {
    const s = summaries[ci];
    exportResults.push(await exportCost(CAPTURES[ci].name, s, tmp));
  }
  rmSync(tmp, { recursive: true, force: true });

  const profiles: Record<string, ProfileSummary | null> = {};
  if (WITH_PROFILE) {
    for (const ci of [0, 1]) {
      const s = summaries[ci];
      log(`profiling sipscope on ${CAPTURES[ci].name} (node --cpu-prof) ...`);
      profiles[CAPTURES[ci].name] = await profile(s, CAPTURES[ci].name);
    }
    log();
  }
  env.loadavgEnd = loadavg().map((x) => +x.toFixed(2));

  // ------------------------------------------------------------ report
  const tool = (r: CaptureResult, name: string): ToolResult | null => {
    const t = r.tools[name];
    return t && 'command' in t && t.best !== null ? t : null;
  };
  const startupS = startup.best ?? 0;
  const rows = results.map((r) => {
    const row: Record<string, number | null | string> = { capture: r.name, sizeMB: r.bytes / MB, packets: r.packets, calls: r.calls };
    for (const name of ['sipscope', 'tshark', 'sngrep']) {
      const t = tool(r, name);
      row[`${name}S`] = t?.best ?? null;
      row[`${name}MBs`] = t ? r.bytes / MB / t.best! : null;
      row[`${name}Pps`] = t ? r.packets / t.best! : null;
    }
    const sip = tool(r, 'sipscope');
    // every SIP packet of a generated capture is one SIP message (UDP, one message a datagram)
    row.sipscopeMsgs = sip && r.summary.sipPackets > 0 ? r.summary.sipPackets / sip.best! : null;
    row.sipscopeRssMiB = sip?.rssMiB ?? null;
    row.sipscopeNetMBs = sip && sip.best! > startupS ? r.bytes / MB / (sip.best! - startupS) : null;
    row.vsTshark = sip && tool(r, 'tshark') ? tool(r, 'tshark')!.best! / sip.best! : null;
    row.vsSngrep = sip && tool(r, 'sngrep') ? tool(r, 'sngrep')!.best! / sip.best! : null;
    return row;
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cols: [string, string, number, (v: any) => string][] = [
    ['capture', 'capture', 13, (v: string) => v],
    ['sizeMB', 'MB', 7, (v: number) => v.toFixed(0)],
    ['packets', 'packets', 10, fmtInt],
    ['calls', 'calls', 7, fmtInt],
    ['sipscopeS', 'sipscope s', 10, fmtS],
    ['sipscopeMBs', 'MB/s', 7, fmtRate],
    ['sipscopePps', 'pkt/s', 11, fmtInt],
    ['sipscopeMsgs', 'SIP msg/s', 10, fmtInt],
    ['sipscopeRssMiB', 'RSS MiB', 7, (v: number | null) => (v == null ? '—' : v.toFixed(0))],
    ['tsharkS', 'tshark s', 8, fmtS],
    ['tsharkMBs', 'MB/s', 6, fmtRate],
    ['tsharkPps', 'pkt/s', 9, fmtInt],
    ['sngrepS', 'sngrep s', 8, fmtS],
    ['sngrepMBs', 'MB/s', 6, fmtRate],
    ['sngrepPps', 'pkt/s', 9, fmtInt],
    ['vsTshark', 'vs tshark', 9, fmtX],
    ['vsSngrep', 'vs sngrep', 9, fmtX],
  ];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(cols[i][2]) : c.padStart(cols[i][2]))).join('  ');
  log('results (best wall-clock seconds of whole processes; MB = 10^6 bytes; tshark: one run)');
  log(line(cols.map((c) => c[1])));
  log(line(cols.map((c) => '-'.repeat(c[2]))));
  for (const row of rows) log(line(cols.map(([k, , , f]) => f(row[k]))));
  log();
  log(
    `sipscope start-up (empty capture): ${fmtS(startup.best)} s; throughput without it: ` +
      rows.map((r) => `${r.capture} ${fmtRate(r.sipscopeNetMBs as number | null)} MB/s`).join(', '),
  );
  const media = results.filter((r) => r.summary.rtpPackets > 0 && r.tools.sipscope && 'best' in r.tools.sipscope && r.tools.sipscope.best);
  if (media.length)
    log(
      'RTP packets analysed per second (whole process, every packet to an SDP endpoint through the stream analysis): ' +
        media.map((r) => `${r.name} ${fmtInt(r.summary.rtpPackets / (r.tools.sipscope as { best: number }).best)}`).join(', '),
    );
  for (const r of results) {
    for (const [name, t] of Object.entries(r.tools)) {
      if ('skipped' in t) log(`  ${r.name}: ${name} skipped (${t.skipped})`);
      else if (t.error) log(`  ${r.name}: ${name}: ${t.error}`);
    }
  }
  const cmds = new Set<string>();
  for (const r of results)
    for (const t of Object.values(r.tools))
      if ('command' in t)
        cmds.add(t.command.split(r.summary.path).join('FILE').replace(process.execPath, 'node').replace(CLI, 'bin/sipscope.js'));
  log('commands:');
  for (const c of cmds) log(`  ${c}`);
  log();

  // ------------------------------------------------------------ targets
  const v128 = rows.find((r) => r.capture === 'voip-128MiB')!;
  const v1g = rows.find((r) => r.capture === 'voip-1GiB');
  type Target = { target: string; value: string; pass: boolean | null; note?: string };
  const targets: Target[] = [];
  const add = (target: string, value: number | null, ok: (v: number) => boolean, show: (v: number) => string, missing: string) =>
    targets.push(value == null ? { target, value: '—', pass: null, note: missing } : { target, value: show(value), pass: ok(value) });
  const noTool = (present: unknown, tool: string) => (present ? 'no result' : `${tool} not installed`);
  /** a ratio to tshark or sngrep of at least `min` */
  const ratio = (label: string, value: unknown, min: number, tool: 'tshark' | 'sngrep', present: unknown) =>
    add(`sipscope ≥ ${min}× ${tool} (${label})`, value as number | null, (v) => v >= min, fmtX, noTool(present, tool));
  /** a peak RSS of at most `max` MiB */
  const rss = (label: string, value: unknown, max: number) =>
    add(
      `peak RSS ≤ ${max} MiB (${label})`,
      value as number | null,
      (v) => v <= max,
      (v) => `${v.toFixed(0)} MiB`,
      'no RSS measurement',
    );
  ratio('voip 128 MiB', v128.vsTshark, 150, 'tshark', tshark);
  ratio('voip 128 MiB', v128.vsSngrep, 50, 'sngrep', sngrep);
  add(
    'sipscope ≥ 2 GB/s (voip 128 MiB, whole process)',
    v128.sipscopeMBs as number | null,
    (v) => v >= 2000,
    (v) => `${(v / 1000).toFixed(2)} GB/s`,
    'no result',
  );
  rss('voip 128 MiB', v128.sipscopeRssMiB, 150);
  const s50 = rows.find((r) => r.capture === 'sip-only-50k');
  const s1g = rows.find((r) => r.capture === 'sip-only-1GiB');
  if (s50) {
    add(
      'sipscope ≥ 1 000 000 SIP messages/s (sip-only, whole process)',
      s50.sipscopeMsgs as number | null,
      (v) => v >= 1e6,
      (v) => `${fmtInt(v)}/s`,
      'no result',
    );
    ratio('sip-only', s50.vsSngrep, 20, 'sngrep', sngrep);
    rss('sip-only', s50.sipscopeRssMiB, 100);
  }
  if (s50 && s1g)
    add(
      'RSS flat: sip-only 1 GiB ≤ 1.1 × sip-only 183 MB',
      s1g.sipscopeRssMiB != null && s50.sipscopeRssMiB != null ? (s1g.sipscopeRssMiB as number) / (s50.sipscopeRssMiB as number) : null,
      (v) => v <= 1.1,
      (v) => `${v.toFixed(2)}× (${(s1g.sipscopeRssMiB as number).toFixed(0)} MiB)`,
      'no RSS measurement',
    );
  if (v1g) rss('voip 1 GiB', v1g.sipscopeRssMiB, 150);

  for (const r of results) {
    targets.push(
      r.records == null
        ? { target: `records = calls (${r.name})`, value: '—', pass: false, note: 'sipscope failed' }
        : { target: `records = calls (${r.name})`, value: `${fmtInt(r.records)} / ${fmtInt(r.calls)}`, pass: r.recordsOk },
    );
  }
  log('export cost (median of alternating runs, --format none; with export = --dump-dir + --collector udp://127.0.0.1):');
  for (const e of exportResults) {
    log(
      `  ${e.capture.padEnd(14)} without ${fmtS(e.plainS)} s, with ${fmtS(e.exportS)} s: ${e.overheadPct === null ? '—' : `${e.overheadPct >= 0 ? '+' : ''}${e.overheadPct.toFixed(1)}%`}; records received ${fmtInt(e.received)}/${fmtInt(e.records)}, dump lines ${fmtInt(e.dumpLines)}`,
    );
    targets.push({
      target: `export within 10% (${e.capture})`,
      value: e.overheadPct === null ? '—' : `${e.overheadPct.toFixed(1)}%`,
      pass: e.overheadPct === null ? null : e.overheadPct <= 10,
    });
    targets.push({
      target: `every record exported (${e.capture})`,
      value: `${fmtInt(e.received)} received, ${fmtInt(e.dumpLines)} dumped / ${fmtInt(e.records)}`,
      pass: e.received === e.records && e.dumpLines === e.records,
    });
  }
  log();
  log('targets:');
  for (const t of targets)
    log(`  ${t.pass === null ? 'SKIP' : t.pass ? 'PASS' : 'FAIL'}  ${t.target.padEnd(50)} ${t.value}${t.note ? ` (${t.note})` : ''}`);
  if (v1g && v128.sipscopeRssMiB != null && v1g.sipscopeRssMiB != null) {
    log(`  (RSS 1 GiB − RSS 128 MiB: ${((v1g.sipscopeRssMiB as number) - (v128.sipscopeRssMiB as number)).toFixed(1)} MiB)`);
  }
  log();

  for (const [name, p] of Object.entries(profiles)) {
    if (!p) {
      log(`profile ${name}: failed`);
      continue;
    }
    log(`profile of sipscope on ${name} (${p.file}; ${p.totalMs.toFixed(0)} ms sampled):`);
    log(
      '  by kind: ' +
        Object.entries(p.byCategory)
          .filter(([, ms]) => ms >= p.totalMs * 0.01)
          .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms (${((100 * ms) / p.totalMs).toFixed(0)}%)`)
          .join(', '),
    );
    log('  top self time:');
    for (const t of p.top.slice(0, 12)) log(`    ${t.ms.toFixed(0).padStart(6)} ms ${t.pct.toFixed(1).padStart(5)}%  ${t.name}`);
  }

  const totalS = (performance.now() - t0) / 1000;
  log();
  log(
    `bench finished in ${totalS.toFixed(0)} s; load ${env.loadavgEnd.join(' ')}; results in ${relative(ROOT, join(BENCH, 'results.json'))}`,
  );
  writeFileSync(
    join(BENCH, 'results.json'),
    JSON.stringify(
      {
        date: startedAt.toISOString(),
        seconds: +totalS.toFixed(1),
        env,
        runsPerTool: RUNS,
        startup,
        table: rows,
        exportCost: exportResults,
        targets,
        captures: results,
        profiles,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
