// Background processes for tests that talk to real tools (tshark captures, nfcapd, socat, the
// sipscope CLI): every process gets a bounded wait, and every process started here is tracked so
// an afterAll/finally can end it by its id. Long-running tools are started in their own process
// group (detached) so that a helper they spawn themselves (tshark → dumpcap) goes with them.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Bg {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** stdout text so far (capped) */
  stdout(): string;
  /** stderr text so far (capped) */
  stderr(): string;
  /** raw stdout bytes so far (capped), for binary output */
  stdoutBytes(): Buffer;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when started in its own process group */
  group: boolean;
}

const CAP = 64 * 1024 * 1024;
const live = new Set<Bg>();

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** own process group (kill(-pid) ends its children too); default false */
  group?: boolean;
  /** give the process a standard input to write to (bg.proc.stdin); default none */
  stdin?: boolean;
}

export function startBg(name: string, cmd: string, args: string[], opts: StartOptions = {}): Bg {
  const proc = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: opts.group === true,
    windowsHide: true,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outLen = 0;
  let errLen = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    if (outLen < CAP) {
      out.push(d);
      outLen += d.length;
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    if (errLen < CAP) {
      err.push(d);
      errLen += d.length;
    }
  });
  const bg: Bg = {
    name,
    proc,
    pid: proc.pid ?? -1,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    exited: undefined as never,
    done: false,
    code: null,
    signal: null,
    group: opts.group === true,
  };
  bg.exited = new Promise((resolve) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      bg.done = true;
      bg.code = code;
      bg.signal = signal;
      live.delete(bg);
      resolve({ code, signal });
    };
    // 'close' waits for the output pipes too, so stdout()/stderr() are complete afterwards
    proc.on('close', finish);
    proc.on('error', (e) => {
      err.push(Buffer.from(`spawn error: ${e.message}\n`));
      finish(-1, null);
    });
  });
  live.add(bg);
  return bg;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until the process exits, at most `ms`; true when it did. */
export async function waitExit(bg: Pick<Bg, 'done' | 'exited'>, ms: number): Promise<boolean> {
  if (bg.done) return true;
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([bg.exited.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms)))]);
  clearTimeout(timer);
  return r;
}

/** Poll `cond` every 25 ms for at most `ms`; throws with `what` (and the tail of bg's stderr) on timeout. */
export async function waitFor(cond: () => boolean, ms: number, what: string, bg?: Bg): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return;
    if (bg?.done) throw new Error(`${bg.name} exited (code ${bg.code}) while waiting for ${what}:\n${tail(bg.stderr())}`);
    await sleep(25);
  }
  if (cond()) return;
  throw new Error(`timed out after ${ms} ms waiting for ${what}${bg ? `:\n${tail(bg.stderr())}` : ''}`);
}

function signalBg(bg: Bg, sig: NodeJS.Signals): void {
  if (bg.done || bg.pid <= 0) return;
  try {
    if (bg.group) process.kill(-bg.pid, sig);
    else bg.proc.kill(sig);
  } catch {
    /* already gone */
  }
}

/** Send `sig` (default SIGTERM), wait up to graceMs, then SIGKILL (process group if any). */
export async function stopBg(bg: Bg, sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!bg.done) {
    signalBg(bg, sig);
    if (!(await waitExit(bg, graceMs))) {
      signalBg(bg, 'SIGKILL');
      await waitExit(bg, 3000);
    }
  }
  // a group leader may be gone while a child it spawned is not: end the rest of the group
  if (bg.group && bg.pid > 0) {
    try {
      process.kill(-bg.pid, 'SIGKILL');
    } catch {
      /* nothing left */
    }
  }
}

/** End every process started through startBg that is still running (afterAll / finally). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((bg) => stopBg(bg, 'SIGKILL', 2000)));
}

export function tail(s: string, lines = 30): string {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}
