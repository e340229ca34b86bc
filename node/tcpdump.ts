// `sipscope live -i IFACE [-f BPF]`: tcpdump captures (it holds the capture privilege, nothing
// native is built into sipscope) and writes one endless pcap stream to its standard output.
//
// Stop: tcpdump gets SIGTERM once the packets captured before the signal must have been handed
// over, the rest of its output is read, and its kernel drop count is printed. tcpdump missing,
// not allowed to capture, or ending by itself → one line saying why and how to fix it (exit 1,
// 2 for a filter tcpdump rejects).

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ProbeSource } from './probe-source.ts';

/** Kernel capture buffer (tcpdump -B, KiB): 128 MiB captured a 150k packets/s burst completely. */
export const DEFAULT_BUFFER_KIB = 131072;
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

// ---------------------------------------------------------------- the source

export interface TcpdumpOptions {
  path: string;
  iface: string;
  bufferKiB: number;
  filter: string | null;
  immediate: boolean;
  say: (s: string) => void;
}

/** tcpdump capturing an interface, as a probe source. */
export class TcpdumpSource implements ProbeSource {
  readonly name: string;
  readonly stream: Readable;
  readonly timing: { quietMs: number; lagMs: number };
  private readonly o: TcpdumpOptions;
  private readonly child: ChildProcess;
  private exited = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  private spawnError: NodeJS.ErrnoException | null = null;
  private readonly whenClosed: Promise<void>;
  private listening = false;
  private readonly startupLines: string[] = [];
  private readonly lateLines: string[] = [];
  private errBuf = '';
  private readonly current: CaptureStats = { captured: null, received: null, dropped: null, ifDropped: null };
  private readonly final: CaptureStats = { captured: null, received: null, dropped: null, ifDropped: null };
  /** a status asked of tcpdump (SIGUSR1), answered by its next statistics line */
  private answer: (() => void) | null = null;
  private stopTimer: NodeJS.Timeout | null = null;
  private readonly onProcessExit = () => this.kill('SIGKILL');

  constructor(o: TcpdumpOptions) {
    this.o = o;
    this.name = `tcpdump -i ${o.iface}`;
    this.timing = o.immediate ? TIMING.immediate : TIMING.blocks;
    // its own process group: a Ctrl-C on the terminal reaches sipscope only, which then stops
    // tcpdump itself and reads the rest of its output
    this.child = spawn(o.path, tcpdumpArgs(o.iface, o.bufferKiB, o.filter, o.immediate), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.stream = this.child.stdout!;
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      this.exit = { code, signal };
    });
    // 'close': exited and its output pipes are drained too (the closing statistics come last)
    this.whenClosed = new Promise<void>((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', (e) => {
        this.spawnError = e as NodeJS.ErrnoException;
        this.exited = true;
        resolve();
      });
    });
    process.on('exit', this.onProcessExit);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.errBuf += d;
      let nl: number;
      while ((nl = this.errBuf.indexOf('\n')) >= 0) {
        const line = this.errBuf.slice(0, nl).trimEnd();
        this.errBuf = this.errBuf.slice(nl + 1);
        if (line !== '') this.onStderrLine(line);
      }
    });
  }

  /** its standard error: the "listening" line, statistics, warnings, or why it failed */
  private onStderrLine(line: string): void {
    const say = this.o.say;
    if (/^tcpdump: \d+ packets? captured,/.test(line)) {
      // answer to SIGUSR1
      parseStats(line, this.current);
      this.answer?.();
      return;
    }
    if (/^\d+ packets? (captured|received by filter|dropped by kernel|dropped by interface)$/.test(line)) {
      parseStats(line, this.final);
      return;
    }
    if (!this.listening) {
      if (/listening on /.test(line)) {
        this.listening = true;
        for (const l of this.startupLines) if (/warning/i.test(l)) say(`tcpdump: ${l.replace(/^tcpdump: /, '')}`);
        say(`${line.replace(/^tcpdump: /, '')}; filter: ${this.o.filter ?? '(none: every packet)'}`);
      } else this.startupLines.push(line);
      return;
    }
    if (this.lateLines.length < 20) this.lateLines.push(line);
    say(`tcpdump: ${line.replace(/^tcpdump: /, '')}`);
  }

  private kill(sig: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, sig);
    } catch {
      /* gone */
    }
  }

  ready(): boolean {
    return this.listening;
  }

  stopDelayMs(lastData: number): number {
    // packets captured before the signal may still sit in a kernel block that tcpdump has not
    // been handed yet (a SIGTERM now would lose them): wait until it must have been
    if (this.o.immediate || !this.listening || this.exited) return 0;
    return Math.max(this.timing.lagMs, lastData + this.timing.quietMs - Date.now());
  }

  stop(): void {
    this.kill('SIGTERM');
    this.stopTimer ??= setTimeout(() => this.kill('SIGKILL'), STOP_GRACE_MS);
  }

  status(): Promise<string> {
    // ask tcpdump for its counters (SIGUSR1); the line comes with them, or without after 1 s
    return new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const t = setTimeout(done, 1000);
      const prev = this.answer;
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.answer = () => {
        this.answer = null;
        prev?.();
        done();
      };
      this.kill('SIGUSR1');
    }).then(() => {
      const c = this.current;
      return `kernel drops ${c.dropped === null ? '?' : String(c.dropped + (c.ifDropped ?? 0))}`;
    });
  }

  async closed(): Promise<void> {
    // stdout is closed: tcpdump is ending (bounded: SIGKILL after the grace period)
    if (!this.exited) this.stop();
    await this.whenClosed;
    if (this.errBuf.trim() !== '') this.onStderrLine(this.errBuf.trim());
  }

  finalLines(quiet: boolean): string[] {
    const f = this.final;
    if (f.captured === null && f.dropped === null) return [];
    const line =
      `tcpdump: ${f.captured ?? '?'} packets captured, ${f.received ?? '?'} received by filter, ${f.dropped ?? '?'} packets dropped by kernel` +
      (f.ifDropped ? `, ${f.ifDropped} packets dropped by interface` : '');
    return !quiet || (f.dropped ?? 0) > 0 || (f.ifDropped ?? 0) > 0 ? [line] : [];
  }

  problem(): { message: string; status: number } | null {
    return problemOf(this.o.path, this.o.iface, this.o.filter, [...this.startupLines, ...this.lateLines], this.exit, this.spawnError);
  }

  dispose(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    process.off('exit', this.onProcessExit);
  }
}
