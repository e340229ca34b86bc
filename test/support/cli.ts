// Running the `sipscope` command line in a child process, the way a user does: argument arrays
// (no shell), a bounded run (the child is killed on timeout, and always in finally), and the
// whole output kept.

import { spawn } from 'node:child_process';
import { BIN, CLI_SOURCE, repoRoot } from './paths.ts';

export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** standard output as bytes (to check its encoding) */
  stdoutBytes: Buffer;
  stderr: string;
  /** true when the child was killed for running past timeoutMs */
  timedOut: boolean;
  /** wall time from spawn to exit */
  ms: number;
}

export interface CliOptions {
  /** bytes written to the child's standard input, then closed (default: closed at once) */
  stdin?: Uint8Array;
  /** limit in ms, then SIGKILL (default 20 s); null: no limit */
  timeoutMs?: number | null;
  /** throw, with the tail of standard error, when the child had to be killed for its time */
  throwOnTimeout?: boolean;
  env?: NodeJS.ProcessEnv;
  /** run node/cli.ts through tsx instead of bin/sipscope.js (the build) */
  fromSource?: boolean;
  /** a command the CLI runs under, e.g. ['ip', 'netns', 'exec', NS] or ['setpriv', …] */
  wrapper?: string[];
}

export const CLI_TIMEOUT_MS = 20_000;

/** `node bin/sipscope.js ...args` (or the source, or under a wrapper); resolves when it has exited. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const node = opts.fromSource ? [process.execPath, '--import', 'tsx', CLI_SOURCE] : [process.execPath, BIN];
  const cmd = [...(opts.wrapper ?? []), ...node, ...args];
  const t0 = Date.now();
  const child = spawn(cmd[0], cmd.slice(1), { cwd: repoRoot, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // the child may exit before reading everything
    let timedOut = false;
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
      child.once('error', rej);
      child.once('close', (code, signal) => res({ code, signal }));
    });
    const limit = opts.timeoutMs === undefined ? CLI_TIMEOUT_MS : opts.timeoutMs;
    if (limit !== null) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, limit);
    }
    if (opts.stdin) child.stdin.end(Buffer.from(opts.stdin));
    else child.stdin.end();
    const { code, signal } = await closed;
    const stdoutBytes = Buffer.concat(out);
    const stderr = Buffer.concat(err).toString('utf8');
    if (timedOut && opts.throwOnTimeout) {
      throw new Error(`sipscope ${args.join(' ')} did not end within ${limit} ms\n${stderr.split('\n').slice(-30).join('\n')}`);
    }
    return { args, code, signal, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr, timedOut, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
