// Helpers for tests that drive external tools (tshark, sipp, tcpdump).
//
// Policy for missing tools: outside CI (CI !== 'true') a test that needs a missing tool is
// skipped and the reason is printed; under CI=true it fails. Commands are always run with
// argument arrays (execFile/spawn), never through a shell.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { CORPUS, corpusCaptures } from '../paths.ts';

export const isCI = process.env.CI === 'true';

const haveCache = new Map<string, boolean>();

/** True when `tool` is an executable file on PATH (or an executable path). No shell involved. */
export function have(tool: string): boolean {
  const cached = haveCache.get(tool);
  if (cached !== undefined) return cached;
  let found = false;
  const candidates = tool.includes('/')
    ? [tool]
    : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .concat(['/usr/sbin', '/sbin']) // tcpdump lives in /usr/sbin on Debian; PATH may lack it
        .filter(Boolean)
        .map((dir) => join(dir, tool));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) {
        found = true;
        break;
      }
    } catch {
      /* not here */
    }
  }
  haveCache.set(tool, found);
  return found;
}

/** Absolute path of a tool found by have(), else the bare name. */
export function toolPath(tool: string): string {
  if (tool.includes('/')) return tool;
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']).filter(Boolean);
  for (const dir of dirs) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      /* next */
    }
  }
  return tool;
}

let captureCache: string | null | undefined;

/**
 * Whether this process may capture on the loopback interface with tcpdump: null when it can,
 * else the reason. Checked by compiling a filter for `lo` (`tcpdump -i lo -d udp`), which opens
 * the device and so needs the same permission as a capture; takes a few ms.
 */
export function loopbackCaptureProblem(): string | null {
  if (captureCache !== undefined) return captureCache;
  if (!have('tcpdump')) return (captureCache = 'tcpdump is not installed');
  const r = spawnSync(toolPath('tcpdump'), ['-i', 'lo', '-d', 'udp'], {
    timeout: 5000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) captureCache = `tcpdump could not be run: ${r.error.message}`;
  else if (r.status !== 0) captureCache = `tcpdump cannot capture on lo: ${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}`;
  else captureCache = null;
  return captureCache;
}

export interface ToolGate {
  /** tools (and capability checks) that are missing; empty when everything is there */
  missing: string[];
  /** human-readable reason, '' when nothing is missing */
  reason: string;
  /** true when the dependent tests must be skipped (something missing and not CI) */
  skip: boolean;
  /** true when the dependent tests must fail (something missing and CI=true) */
  mustFail: boolean;
  /** throws with the reason when something is missing (use in a test under CI) */
  assertAvailable(): void;
}

/**
 * Check tools once at collection time. Use with vitest:
 *
 *   const gate = toolGate(['tshark', 'sipp', 'tcpdump'], 'harness', { capture: true });
 *   test.runIf(gate.mustFail)('required tools are installed', () => gate.assertAvailable());
 *   describe.skipIf(gate.missing.length > 0)('...', () => { ... });
 *
 * Prints the reason (console.warn) when tests are skipped.
 */
export function toolGate(tools: string[], label: string, opts: { capture?: boolean } = {}): ToolGate {
  const missing = tools.filter((t) => !have(t));
  const notes: string[] = [];
  if (missing.length) notes.push(`missing tool(s): ${missing.join(', ')}`);
  if (opts.capture && !missing.includes('tcpdump')) {
    const problem = loopbackCaptureProblem();
    if (problem) {
      missing.push('tcpdump-capture-permission');
      notes.push(problem);
    }
  }
  const reason = notes.join('; ');
  const skip = missing.length > 0 && !isCI;
  const mustFail = missing.length > 0 && isCI;
  if (skip) console.warn(`[${label}] skipped: ${reason} (set CI=true to make this a failure)`);
  return {
    missing,
    reason,
    skip,
    mustFail,
    assertAvailable() {
      if (missing.length) throw new Error(`[${label}] ${reason} (required when CI=true)`);
    },
  };
}

export interface CorpusGate {
  /** the corpus folder exists */
  present: boolean;
  /** its capture files, sorted ([] when absent) */
  files: string[];
  /** true when the dependent tests must be skipped (absent and not CI) */
  skip: boolean;
  /** true when the dependent tests must fail (absent and CI=true) */
  mustFail: boolean;
  /** throws when the corpus is absent (use in a test under CI) */
  assertAvailable(): void;
}

/**
 * The public corpus (../shared/corpus/public) as a gate, like toolGate: when it is absent the
 * dependent tests are skipped with a printed reason, or fail under CI=true.
 */
export function corpusGate(label: string): CorpusGate {
  const present = existsSync(CORPUS);
  const skip = !present && !isCI;
  if (skip) console.warn(`[${label}] skipped: no public corpus at ${CORPUS} (set CI=true to make this a failure)`);
  return {
    present,
    files: corpusCaptures(),
    skip,
    mustFail: !present && isCI,
    assertAvailable() {
      if (!present) throw new Error(`[${label}] public corpus not found at ${CORPUS} (required when CI=true)`);
    },
  };
}

/** Minimal shape of vitest's test context we need (ctx.skip). */
export interface SkipContext {
  skip: (note?: string) => void;
}

/**
 * Inside a test: skip it (with a printed reason) when `tool` is missing and CI is not 'true';
 * throw when CI is 'true'.
 */
export function requireTool(tool: string | string[], ctx: SkipContext): void {
  const tools = Array.isArray(tool) ? tool : [tool];
  const missing = tools.filter((t) => !have(t));
  if (!missing.length) return;
  const reason = `missing tool(s): ${missing.join(', ')}`;
  if (isCI) throw new Error(`${reason} (required when CI=true)`);
  console.warn(`skipped: ${reason}`);
  ctx.skip(reason);
}

/** `tools` that are missing, or false when all are present (prints nothing). */
export function missingTools(tools: string[]): string[] | false {
  const missing = tools.filter((t) => !have(t));
  return missing.length ? missing : false;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Run a command (argument array, no shell) and collect its output. Rejects on a non-zero exit
 * unless `allowFail`, and always on timeout (the child is killed).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; maxBuffer?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: opts.env,
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024,
        encoding: 'utf8',
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const e = err as { code?: unknown; killed?: boolean; signal?: string | null; message: string } | null;
        if (e && (typeof e.code !== 'number' || e.killed || e.signal)) {
          const why = e.killed || e.signal ? `killed (${e.signal ?? 'timeout'})` : e.message;
          reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${String(stderr).slice(0, 2000)}`));
          return;
        }
        const code = e && typeof e.code === 'number' ? e.code : 0;
        if (code !== 0 && !opts.allowFail) {
          reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${String(stderr).slice(0, 2000)}`));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}
