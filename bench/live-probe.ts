// The processes of the live bench: `sipscope live` (with the tcpdump it starts), tcpreplay and
// SIPp, each tracked so that they end by their pid, also when the bench fails or is stopped;
// and what /proc says of them (CPU ticks, RSS).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { commOf, findTcpdump } from '../test/support/live.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether `p` settled within `ms` (the timer is cleared either way: nothing is left pending). */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function which(tool: string): string | null {
  const dirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    if (!d) continue;
    const f = join(d, tool);
    try {
      accessSync(f, constants.X_OK);
      if (statSync(f).isFile()) return f;
    } catch {
      /* next */
    }
  }
  return null;
}

// ---------------------------------------------------------------- /proc

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system, all threads) of a process so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS and VmHWM of a process in KiB (0 when it is gone). */
export function memKiB(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0), hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/**
 * CPU of a set of processes over a window, sampled (with the first process's peak RSS) every
 * 250 ms so that the last sample before a process exits still counts.
 */
export class Meter {
  private readonly first: number[];
  private readonly last: number[];
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = performance.now();
  peakRssKiB = 0;

  constructor(private readonly pids: number[]) {
    this.first = pids.map(cpuSeconds);
    this.last = [...this.first];
    this.timer = setInterval(() => this.sample(), 250);
  }

  sample(): void {
    this.pids.forEach((p, i) => {
      const c = cpuSeconds(p);
      if (Number.isFinite(c)) this.last[i] = c;
    });
    this.peakRssKiB = Math.max(this.peakRssKiB, memKiB(this.pids[0]).rss);
  }

  /** CPU seconds of each process since the start, and the wall seconds. */
  read(): { cpu: number[]; wall: number } {
    this.sample();
    return { cpu: this.last.map((c, i) => c - this.first[i]), wall: (performance.now() - this.t0) / 1000 };
  }

  stop(): { cpu: number[]; wall: number } {
    clearInterval(this.timer);
    return this.read();
  }
}

// ---------------------------------------------------------------- children

export interface Proc {
  name: string;
  c: ChildProcess;
  pid: number;
  /** standard output and error so far (the last 2 MB) */
  text(): string;
  exited: Promise<void>;
  done(): boolean;
  /** wall-clock ms at which each line of output came, for lines that match `watch` */
  lines: { at: number; line: string }[];
}

const running = new Set<Proc>();
/** the tcpdump of each probe started: it has its own process group and outlives a probe that crashed */
const tcpdumps = new Set<number>();

/** Start a child with its output kept; `watch` keeps matching lines with their arrival time. */
export function start(name: string, cmd: string, args: string[], opts: { cwd?: string; watch?: RegExp } = {}): Proc {
  const c = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let partial = '';
  const lines: { at: number; line: string }[] = [];
  const onData = (d: Buffer) => {
    const s = d.toString();
    text = (text + s).slice(-2_000_000);
    if (!opts.watch) return;
    partial += s;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (opts.watch.test(line)) lines.push({ at: Date.now(), line });
    }
  };
  c.stdout!.on('data', onData);
  c.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => c.once('close', () => r()));
  const p: Proc = {
    name,
    c,
    pid: c.pid ?? -1,
    text: () => text,
    exited,
    done: () => c.exitCode !== null || c.signalCode !== null,
    lines,
  };
  running.add(p);
  void exited.then(() => running.delete(p));
  c.on('error', () => running.delete(p));
  return p;
}

/** Wait (bounded) until cond() holds; its last value. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

/** Signal a child by its pid and wait (bounded) for it to end; SIGKILL when it does not. */
export async function stop(p: Proc, sig: NodeJS.Signals, ms: number): Promise<boolean> {
  if (p.done()) return true;
  try {
    process.kill(p.pid, sig);
  } catch {
    /* gone */
  }
  const ended = await within(p.exited, ms);
  if (!ended) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await within(p.exited, 3000);
  }
  return ended;
}

/** SIGKILL every child still running, and every probe's tcpdump still there. */
export function killAll(): void {
  const pids = [...running].flatMap((p) => [p.pid, findTcpdump(p.pid) ?? -1]);
  for (const t of tcpdumps) if (commOf(t) === 'tcpdump') pids.push(t);
  for (const pid of pids) {
    if (pid <= 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
  tcpdumps.clear();
}

// ---------------------------------------------------------------- sipscope live

export interface Probe extends Proc {
  tcpdumpPid: number;
}

/**
 * Start `sipscope live ARGS` (through `wrap`, e.g. `ip netns exec NS`, which execs it: same pid)
 * and wait (bounded) until its tcpdump listens.
 */
export async function startProbe(cli: string, args: string[], wrap: string[] = []): Promise<Probe> {
  const cmd = [...wrap, process.execPath, cli, 'live', ...args];
  const p = start('sipscope live', cmd[0], cmd.slice(1), { watch: /status: / });
  if (!(await waitFor(() => /listening on /.test(p.text()) || p.done(), 15_000)) || p.done()) {
    await stop(p, 'SIGKILL', 1000);
    throw new Error(`sipscope live did not start: ${p.text().slice(-800)}`);
  }
  const t = findTcpdump(p.pid);
  if (t === null || commOf(t) !== 'tcpdump') {
    await stop(p, 'SIGINT', 10_000);
    throw new Error('sipscope live runs, but its tcpdump was not found');
  }
  tcpdumps.add(t);
  return { ...p, tcpdumpPid: t };
}

/** Make sure a probe and its tcpdump are gone (after a normal stop, or when the probe died). */
export async function endProbe(p: Probe): Promise<void> {
  await stop(p, 'SIGKILL', 3000);
  if (commOf(p.tcpdumpPid) === 'tcpdump')
    try {
      process.kill(p.tcpdumpPid, 'SIGKILL');
    } catch {
      /* gone */
    }
  tcpdumps.delete(p.tcpdumpPid);
}

export interface Status {
  at: number;
  open: number;
  exported: number;
  packets: number;
  sip: number;
  drops: number | null;
  rssMiB: number;
}

const STATUS = /status: calls (\d+) open, (\d+) exported; (\d+) packets, (\d+) SIP messages; kernel drops (\S+); RSS (\d+) MiB/;

/** The status lines the probe printed so far (--status-interval). */
export function statusLines(p: Proc): Status[] {
  const out: Status[] = [];
  for (const { at, line } of p.lines) {
    const m = STATUS.exec(line);
    if (m) out.push({ at, open: +m[1], exported: +m[2], packets: +m[3], sip: +m[4], drops: m[5] === '?' ? null : +m[5], rssMiB: +m[6] });
  }
  return out;
}

/** tcpdump's kernel drop count as the probe printed it when it stopped (null: not printed). */
export function kernelDrops(text: string): number | null {
  const m = /(\d+) packets dropped by kernel(?:, (\d+) packets dropped by interface)?/.exec(text);
  return m ? Number(m[1]) + Number(m[2] ?? 0) : null;
}

/** Packets tcpdump captured, as the probe printed it when it stopped. */
export function captured(text: string): number | null {
  const m = /tcpdump: (\d+) packets captured/.exec(text);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------- where the replay goes

/** Where packets are sent (tcpreplay) and captured (the probe), and how to run a tool there. */
export interface Link {
  send: string;
  capture: string;
  /** command prefix that runs a tool where the link is */
  wrap: string[];
  describe: string;
  remove(): void;
}

/** The loopback interface: the kernel hands the capture each packet twice (out and in; libpcap drops one). */
export const LOOPBACK: Link = { send: 'lo', capture: 'lo', wrap: [], describe: 'lo', remove: () => {} };

/**
 * A veth pair inside a network namespace made for the bench: tcpreplay sends on one end, the
 * probe captures the other, which receives each packet once, as a NIC on a mirror port does;
 * nothing else on the machine sees the traffic. The interfaces have no addresses: the packets
 * (for other MAC addresses) are dropped after the capture. Throws when `ip netns` is not
 * permitted; remove() deletes the namespace (and with it the pair).
 */
export function makeNetns(ip: string): Link {
  const tag = String(process.pid % 100000);
  const ns = `sipscope-bench-${tag}`;
  const send = `sbs${tag}`;
  const capture = `sbp${tag}`;
  const run = (...args: string[]) => {
    const r = spawnSync(ip, args, { encoding: 'utf8', timeout: 15_000 });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  };
  run('netns', 'add', ns);
  const remove = () => {
    spawnSync(ip, ['netns', 'del', ns], { timeout: 15_000 });
  };
  try {
    run('link', 'add', send, 'netns', ns, 'type', 'veth', 'peer', 'name', capture, 'netns', ns);
    for (const dev of [send, capture]) run('-n', ns, 'link', 'set', dev, 'up');
  } catch (e) {
    remove();
    throw e;
  }
  return { send, capture, wrap: [ip, 'netns', 'exec', ns], describe: `veth ${send} → ${capture} in namespace ${ns}`, remove };
}
