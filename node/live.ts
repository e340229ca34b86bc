// `sipscope live -i IFACE [-f BPF]`: a probe. tcpdump captures (it holds the capture privilege,
// nothing native is built into sipscope) and writes one endless pcap stream to its standard
// output, which goes through the same engine, tracker and outputs as `read`.
//
// Time: the tracker's timeouts run on capture time, which only moves when packets come. A
// 1-second wall-clock timer moves it on while the capture is quiet (capture timestamps are the
// wall clock here), so idle calls and the 32 s windows end on time. Exports are stamped with the
// wall clock (IPFIX export time, dump file minute).
//
// Stop: SIGINT/SIGTERM → tcpdump gets SIGTERM, the rest of its output is read, every open call is
// exported, outputs are flushed and closed, tcpdump's kernel drop count is printed, exit 0.
// tcpdump missing, not allowed to capture, or ending by itself → one line saying why and how to
// fix it, what was collected is still exported, exit 1 (2 for a filter tcpdump rejects).

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError, type Parsed } from './args.ts';
import { createEngine } from './wasm.ts';
import { feedReadable } from './input.ts';
import { statsReport } from './report.ts';
import { checkCollectors, openOutputs, outputSettings, trackerOptions } from './setup.ts';
import type { RecordOutputs } from './record-outputs.ts';
import { Analyzer } from '../shared/analyzer.ts';

/** Kernel capture buffer (tcpdump -B, KiB): 128 MiB captured a 150k packets/s burst completely. */
export const DEFAULT_BUFFER_KIB = 131072;
const DEFAULT_STATUS_SEC = 10;
/**
 * When tcpdump hands packets over. By default (no --immediate-mode) the kernel fills 256 KiB
 * blocks (TPACKET_V3: 128 MiB hold ~500k small packets); a block is handed over when full, or by
 * the block timer (tcpdump's 1000 ms timeout), which retires a block that was already the open
 * one at its previous tick. So a packet captured at time c, with the last hand-over at D, is
 * handed over by max(c + 1 s, D + 2 s): once nothing came for 2 s, everything captured more
 * than 1 s ago is in. With --immediate-mode (TPACKET_V2) each packet comes at once, but every
 * ring slot is sized for the largest packet (64 KiB on loopback or with receive offload,
 * 256 KiB on "any"), so 128 MiB hold only ~2000 (512) packets and a stall of the reader for a
 * fraction of a second under load loses packets.
 */
const BLOCK_TIMER_MS = 1000;
const TIMING = {
  /** the wall clock moves capture time on only after this long without data … */
  blocks: { quietMs: 2 * BLOCK_TIMER_MS + 100, lagMs: BLOCK_TIMER_MS + 50 },
  /** … to the wall clock less lagMs */
  immediate: { quietMs: 500, lagMs: 100 },
};
const TICK_MS = 1000;
/** tcpdump has this long to exit after SIGTERM before it is killed */
const STOP_GRACE_MS = 5000;

// ---------------------------------------------------------------- capture filter

/** IPv4 fragments after the first (offset ≠ 0) and every IPv6 fragment (Fragment header first). */
export const FRAGMENTS_FILTER = '(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)';
/** a filter on ports (or on bytes of the transport header) rejects fragments that carry no ports */
const NAMES_PORTS = /\b(port|portrange)\b|\b(udp|tcp|sctp)\s*\[/i;

export type FragMode = 'add' | 'warn' | 'off';

/**
 * The filter given to tcpdump. A filter that names ports drops IP fragments after the first
 * (they carry no transport header), so a SIP message larger than the MTU would be lost:
 * `add` captures every IP fragment as well, `warn` leaves the filter and returns a warning.
 */
export function captureFilter(user: string | undefined, mode: FragMode): { filter: string | null; warning: string | null } {
  const f = user?.trim() ?? '';
  if (f === '') return { filter: null, warning: null };
  if (mode === 'off' || !NAMES_PORTS.test(f)) return { filter: f, warning: null };
  if (mode === 'warn')
    return {
      filter: f,
      warning:
        'warning: the capture filter names ports, so IP fragments after the first (no ports in them) are not captured ' +
        'and SIP messages larger than the MTU are lost; --frag-filter add captures them',
    };
  return { filter: `(${f}) or ${FRAGMENTS_FILTER}`, warning: null };
}

// ---------------------------------------------------------------- tcpdump

export function findTcpdump(): string | null {
  const dirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const d of dirs) {
    if (!d) continue;
    const f = join(d, 'tcpdump');
    try {
      accessSync(f, constants.X_OK);
      if (statSync(f).isFile()) return f;
    } catch {
      /* next */
    }
  }
  return null;
}

export function tcpdumpArgs(iface: string, bufferKiB: number, filter: string | null, immediate: boolean): string[] {
  return [
    '-i',
    iface,
    ...(immediate ? ['--immediate-mode'] : []),
    '-U',
    '-B',
    String(bufferKiB),
    '-s',
    '0',
    '-w',
    '-',
    ...(filter ? [filter] : []),
  ];
}

const SETCAP_FIX = 'run as root or `setcap cap_net_raw,cap_net_admin=eip $(command -v tcpdump)`';

/** tcpdump's statistics: from SIGUSR1 ("tcpdump: N packets captured, N packets received by filter, N packets dropped by kernel") or at exit (one per line). */
interface CaptureStats {
  captured: number | null;
  received: number | null;
  dropped: number | null;
  ifDropped: number | null;
}

const STAT_KEYS: Record<string, keyof CaptureStats> = {
  captured: 'captured',
  'received by filter': 'received',
  'dropped by kernel': 'dropped',
  'dropped by interface': 'ifDropped',
};
const STAT_RE = /(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)/g;

function parseStats(line: string, into: CaptureStats): boolean {
  let found = false;
  for (const m of line.matchAll(STAT_RE)) {
    into[STAT_KEYS[m[2]]] = Number(m[1]);
    found = true;
  }
  return found;
}

/** What went wrong with tcpdump, in one line with the fix; exit status 2 for a filter it rejects. */
function problemOf(
  path: string,
  iface: string,
  filter: string | null,
  lines: string[],
  exit: { code: number | null; signal: NodeJS.Signals | null },
  spawnError: NodeJS.ErrnoException | null,
): { message: string; status: number } {
  if (spawnError) {
    if (spawnError.code === 'ENOENT')
      return { message: `tcpdump not found (${path}) — install it (apt install tcpdump) or give its path with --tcpdump PATH`, status: 1 };
    if (spawnError.code === 'EACCES') return { message: `tcpdump (${path}) cannot be run: permission denied — ${SETCAP_FIX}`, status: 1 };
    return { message: `tcpdump (${path}) could not be started: ${spawnError.message}`, status: 1 };
  }
  const text = lines.join('\n');
  const last =
    lines
      .map((l) => l.replace(/^tcpdump: /, '').trim())
      .filter((l) => l && !/^\(|listening on|data link type/.test(l))
      .pop() ?? '';
  if (/permission|not permitted|Operation not permitted/i.test(text))
    return { message: `tcpdump: permission denied capturing on ${iface} — ${SETCAP_FIX}`, status: 1 };
  if (/no such device|doesn't exist|no such interface|not up|isn't up/i.test(text))
    return {
      message: `tcpdump: cannot capture on "${iface}": ${last || 'no such interface'} — \`tcpdump -D\` lists the interfaces`,
      status: 1,
    };
  if (
    filter !== null &&
    /syntax error|can't parse filter|illegal|parse error|unknown host|expression rejects|not a valid|invalid/i.test(text)
  )
    return { message: `tcpdump rejected the capture filter "${filter}": ${last}`, status: 2 };
  if (exit.signal)
    return {
      message: `tcpdump was stopped by ${exit.signal} (not by sipscope)${last ? `: ${last}` : ''} — the calls captured until then were exported`,
      status: 1,
    };
  return {
    message: `tcpdump ended by itself (exit status ${exit.code})${last ? `: ${last}` : ''} — the calls captured until then were exported`,
    status: 1,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the command

export async function live({ positional, opts }: Parsed): Promise<number> {
  if (positional.length > 0)
    throw new UsageError(`live takes no file arguments (got "${positional[0]}"); give the capture filter with -f "BPF"`);
  const iface = opts.interface as string | undefined;
  if (!iface) throw new UsageError('live needs an interface: -i IFACE (-i any: every interface)');
  const settings = outputSettings(opts);
  checkCollectors(settings);
  const { filter, warning } = captureFilter(opts.filter as string | undefined, (opts['frag-filter'] as FragMode | undefined) ?? 'add');
  const bufferKiB = (opts.buffer as number | undefined) ?? DEFAULT_BUFFER_KIB;
  const statusSec = (opts['status-interval'] as number | undefined) ?? DEFAULT_STATUS_SEC;
  const quiet = opts.quiet === true;
  const immediate = opts.immediate === true;
  const { quietMs, lagMs } = immediate ? TIMING.immediate : TIMING.blocks;
  const say = (s: string) => process.stderr.write(`sipscope: ${s}\n`);

  const tcpdumpPath = (opts.tcpdump as string | undefined) ?? findTcpdump();
  if (tcpdumpPath === null) {
    say('tcpdump not found (looked on PATH, /usr/sbin, /sbin) — install it (apt install tcpdump) or give its path with --tcpdump PATH');
    return 1;
  }
  if (warning) say(warning);

  const engine = await createEngine();
  let outputs: RecordOutputs;
  try {
    outputs = await openOutputs(opts, settings, engine, 'wall');
  } catch (e) {
    say((e as Error).message);
    return 1;
  }
  const analyzer = new Analyzer(engine, trackerOptions(opts), (r) => outputs.add(r));
  const started = performance.now();

  // ------------------------------------------------------------ tcpdump
  const args = tcpdumpArgs(iface, bufferKiB, filter, immediate);
  // its own process group: a Ctrl-C on the terminal reaches sipscope only, which then stops
  // tcpdump itself and reads the rest of its output
  const child: ChildProcess = spawn(tcpdumpPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let exited = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  let spawnError: NodeJS.ErrnoException | null = null;
  child.once('exit', (code, signal) => {
    exited = true;
    exit = { code, signal };
  });
  // 'close': exited and its output pipes are drained too (the closing statistics come last)
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', (e) => {
      spawnError = e as NodeJS.ErrnoException;
      exited = true;
      resolve();
    });
  });
  const killChild = (sig: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(child.pid, sig);
    } catch {
      /* gone */
    }
  };
  const onProcessExit = () => killChild('SIGKILL');
  process.on('exit', onProcessExit);

  // its standard error: the "listening" line, statistics, warnings, or why it failed
  const startupLines: string[] = [];
  const lateLines: string[] = [];
  let listening = false;
  const current: CaptureStats = { captured: null, received: null, dropped: null, ifDropped: null };
  const final: CaptureStats = { captured: null, received: null, dropped: null, ifDropped: null };
  let statusPending: NodeJS.Timeout | null = null;
  let errBuf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    errBuf += d;
    let nl: number;
    while ((nl = errBuf.indexOf('\n')) >= 0) {
      const line = errBuf.slice(0, nl).trimEnd();
      errBuf = errBuf.slice(nl + 1);
      if (line !== '') onStderrLine(line);
    }
  });
  const onStderrLine = (line: string) => {
    if (/^tcpdump: \d+ packets? captured,/.test(line)) {
      // answer to SIGUSR1
      parseStats(line, current);
      if (statusPending) {
        clearTimeout(statusPending);
        statusPending = null;
        printStatus();
      }
      return;
    }
    if (/^\d+ packets? (captured|received by filter|dropped by kernel|dropped by interface)$/.test(line)) {
      parseStats(line, final);
      return;
    }
    if (!listening) {
      if (/listening on /.test(line)) {
        listening = true;
        for (const l of startupLines) if (/warning/i.test(l)) say(`tcpdump: ${l.replace(/^tcpdump: /, '')}`);
        say(`${line.replace(/^tcpdump: /, '')}; filter: ${filter ?? '(none: every packet)'}`);
      } else startupLines.push(line);
      return;
    }
    if (lateLines.length < 20) lateLines.push(line);
    say(`tcpdump: ${line.replace(/^tcpdump: /, '')}`);
  };

  // ------------------------------------------------------------ stopping
  /** wall-clock ms of the last data from tcpdump */
  let lastData = 0;
  let stopSignal: string | null = null;
  let stopTimer: NodeJS.Timeout | null = null;
  let stopDelay: NodeJS.Timeout | null = null;
  const stopCapture = () => {
    killChild('SIGTERM');
    stopTimer ??= setTimeout(() => killChild('SIGKILL'), STOP_GRACE_MS);
  };
  const onSignal = (sig: string) => {
    if (stopSignal === 'EPIPE') return;
    if (stopSignal) {
      killChild('SIGKILL');
      process.exit(130); // second signal: give up at once
    }
    stopSignal = sig;
    // packets captured before the signal may still sit in a kernel block that tcpdump has not
    // been handed yet (a SIGTERM now would lose them): wait until it must have been
    if (!immediate && listening && !exited) stopDelay = setTimeout(stopCapture, Math.max(lagMs, lastData + quietMs - Date.now()));
    else stopCapture();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // ------------------------------------------------------------ wall clock and status
  const tick = setInterval(() => {
    // capture time moves with packets while they come; once the capture is quiet, the wall
    // clock (less what the kernel may still hold back) is the capture time; never backwards
    if (Date.now() - lastData >= quietMs) analyzer.tracker.advance((Date.now() - lagMs) / 1000);
    outputs.flushLines();
    // the reader of standard output went away (`sipscope live … | head`): stop as on a signal
    if (outputs.stdoutClosed() && !stopSignal) onSignal('EPIPE');
  }, TICK_MS);
  const printStatus = () => {
    const t = analyzer.tracker.stats();
    const c = engine.stats().counters;
    const drops = current.dropped === null ? '?' : String(current.dropped + (current.ifDropped ?? 0));
    const rss = process.memoryUsage.rss() / 2 ** 20;
    say(
      `status: calls ${t.open} open, ${outputs.count} exported; ${c.frames} packets, ${c.sipMessages} SIP messages; ` +
        `kernel drops ${drops}; RSS ${rss.toFixed(0)} MiB`,
    );
  };
  const status =
    statusSec > 0
      ? setInterval(() => {
          if (!listening || exited || stopSignal) return;
          if (statusPending) return;
          // ask tcpdump for its counters (SIGUSR1); print when they come, or without them after 1 s
          killChild('SIGUSR1');
          statusPending = setTimeout(() => {
            statusPending = null;
            printStatus();
          }, 1000);
        }, statusSec * 1000)
      : null;

  // ------------------------------------------------------------ the capture stream
  const res = await feedReadable(engine, child.stdout!, `tcpdump -i ${iface}`, 0, {
    onChunk: () => {
      lastData = Date.now();
      outputs.flushLines();
      return outputs.drained();
    },
    stopped: () => outputs.fatal !== null,
  });
  if (outputs.fatal) stopCapture();
  // stdout is closed: tcpdump is ending (bounded: SIGKILL after the grace period)
  if (!exited) stopCapture();
  await closed;
  if (errBuf.trim() !== '') onStderrLine(errBuf.trim());
  // a supervisor (systemd's control-group stop) may signal tcpdump and sipscope together
  for (let i = 0; i < 10 && !stopSignal; i++) await sleep(50);
  clearInterval(tick);
  if (status) clearInterval(status);
  if (statusPending) clearTimeout(statusPending);
  if (stopTimer) clearTimeout(stopTimer);
  if (stopDelay) clearTimeout(stopDelay);
  process.off('exit', onProcessExit);

  const problem =
    stopSignal || outputs.fatal ? null : problemOf(tcpdumpPath, iface, filter, [...startupLines, ...lateLines], exit, spawnError);
  if (problem && !listening && problem.status === 2) {
    // nothing was captured: say it as a usage error
    await outputs.close();
    say(problem.message);
    return 2;
  }

  analyzer.finish();
  const problems = await outputs.close();
  for (const p of problems) say(p);
  if (res.readError) say(`reading tcpdump's output failed: ${res.readError}`);
  else if (res.error >= 1 && res.error <= 3 && res.bytesRead > 0) say(`tcpdump's output: ${res.message} (at byte ${res.offset})`);
  if (!quiet && listening)
    process.stderr.write(
      [statsReport(analyzer.stats(), outputs.count, (performance.now() - started) / 1000), ...outputs.summary()].join('\n') + '\n',
    );
  if (final.captured !== null || final.dropped !== null) {
    const dropLine =
      `tcpdump: ${final.captured ?? '?'} packets captured, ${final.received ?? '?'} received by filter, ${final.dropped ?? '?'} packets dropped by kernel` +
      (final.ifDropped ? `, ${final.ifDropped} packets dropped by interface` : '');
    if (!quiet || (final.dropped ?? 0) > 0 || (final.ifDropped ?? 0) > 0) say(dropLine);
  }
  if (problem) {
    say(problem.message);
    return problem.status;
  }
  if (problems.length) return 1;
  if (!quiet) say(stopSignal === 'EPIPE' ? 'standard output was closed; stopped' : `stopped by ${stopSignal}; open calls were exported`);
  return 0;
}
