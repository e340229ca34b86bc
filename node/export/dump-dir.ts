// Dump files on disk (SPEC §5.2): DIR/YYYY/MM/DD/HH/MM.sip (or DIR/YYYYMMDDHHMM.sip), each
// written as NAME.temp and renamed to NAME once complete, so a reader never sees a partial file.
//
// Which record goes to which file is decided by shared/output/dump.ts (DumpRouter), the same rules the
// browser's download uses; this file only does the I/O. Lines are buffered and written in
// batches by one serial queue of file operations; write() never waits per record, and only
// returns a promise when the queue is behind (back-pressure).
//
// Decisions:
// - A record whose minute is earlier than the writer's current minute goes into the currently
//   open (current minute's) file: finished files and directories never change again.
// - maxLines counts record lines; the header line is not counted.
// - An existing final file is never replaced: if NAME already exists (an earlier run into the
//   same dir), the next free rotation `MM-n.sip` is used (and a warning is given).
// - Write errors (ENOSPC, EACCES, EROFS, ENOTDIR…) stop the writer with one DumpError. The
//   failing file's handle is closed and its `.temp` is REMOVED (its records are lost; on a full
//   disk this gives the space back, and no stale `.temp` looks like a file still being written).
//   Files already finished stay as they are. The error is thrown by the next write()/tick()/
//   flush() and by close().
// - --sip-exec-cmd: CMD is split on whitespace into program + fixed arguments (never a shell);
//   the completed directory's absolute path is appended as the last argument. In nested mode a
//   directory (…/HH) is complete when the writer moves to a file in another directory, and at
//   close; in flat mode the only directory is the dump dir, complete at close. A command that
//   cannot start or exits non-zero is a warning, not an error. close() waits for the commands.
// - Files are renamed when complete (atomic for readers); they are not fsync'ed.

import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { CallRecord } from '../../shared/record.ts';
import { DumpRouter, TEMP_SUFFIX, dumpRelPath, type DumpFile } from '../../shared/output/dump.ts';
import type { FieldDef } from '../../shared/output/fields.ts';
import type { TimestampFormat } from '../../shared/time.ts';

/** The file handle operations the writer uses (a subset of fs/promises' FileHandle). */
export interface DumpFileHandle {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

/** The file system operations the writer uses (a subset of node:fs/promises); tests inject failures. */
export interface DumpFs {
  mkdir(p: string): Promise<unknown>;
  open(p: string, flags: string): Promise<DumpFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(p: string): Promise<void>;
  stat(p: string): Promise<unknown>;
  access(p: string, mode: number): Promise<void>;
}

export interface DumpWriterOptions {
  /** `DIR/YYYY/MM/DD/HH/MM.sip` (true) or `DIR/YYYYMMDDHHMM.sip` (false: --dont-nest-dump-dirs) */
  nested: boolean;
  /** --max-log-lines: record lines per file (header not counted), default 10000 */
  maxLines?: number;
  /** columns, default SPEC §5.2's template */
  template?: readonly FieldDef[];
  /** --timestamp-format, default 1 */
  timestampFormat?: TimestampFormat;
  /** column separator, default `|` */
  separator?: string;
  /** --sip-exec-cmd: run with each completed directory's absolute path */
  execCmd?: string;
  /** 'capture' (default, file mode): files by the record's exportedAt; 'wall' (live mode): by the wall clock */
  clock?: 'capture' | 'wall';
  /** called at once for each warning (exec failures, renamed files); they are also kept in stats */
  onWarning?: (message: string) => void;
  /** wall clock in epoch seconds (tests) */
  now?: () => number;
  /** file system (tests: inject failures) */
  fs?: DumpFs;
  /** batch size of writes in bytes (default 64 KiB) */
  chunkBytes?: number;
}

export interface DumpStats {
  /** finished (renamed) .sip files */
  files: number;
  /** record lines accepted (headers not counted) */
  lines: number;
  /** bytes written to files, headers included */
  bytes: number;
  /** directories completed */
  dirs: number;
  /** --sip-exec-cmd runs started */
  execRuns: number;
  /** of them, the ones that could not start or exited non-zero */
  execFailures: number;
  /** the first 100 warnings */
  warnings: string[];
}

/** A dump file or directory could not be written; the writer has stopped. */
export class DumpError extends Error {
  constructor(
    message: string,
    /** the file (final name) or directory concerned */
    readonly path: string,
    /** errno code, e.g. ENOSPC */
    readonly code: string | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'DumpError';
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EIO: 'input/output error',
};

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function reasonOf(e: unknown, creatingDir: boolean): string {
  const code = errCode(e);
  // mkdir -p of a path whose last part is a file
  if (code === 'EEXIST' && creatingDir) return 'not a directory';
  if (code !== undefined && REASONS[code]) return REASONS[code];
  return e instanceof Error ? e.message : String(e);
}

/** `--sip-exec-cmd` as program + fixed arguments (split on whitespace; no shell, no quoting). */
export function splitExecCmd(cmd: string): [string, ...string[]] {
  const parts = cmd
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  if (parts.length === 0) throw new RangeError('--sip-exec-cmd is empty');
  return parts as [string, ...string[]];
}

/**
 * mkdir -p, one directory at a time from the deepest one that exists. Node's own recursive mkdir
 * never returns on some paths (under /proc it gets ENOENT for a child of a directory that exists,
 * and tries again forever); this ends with that error.
 */
async function mkdirp(fs: DumpFs, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      await fs.stat(d);
      break;
    } catch (e) {
      if (errCode(e) !== 'ENOENT' || path.dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      await fs.mkdir(missing[i]);
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e; // made meanwhile by someone else; a file there fails later
    }
  }
}

/** Create the dump directory (mkdir -p) and check it is writable; a DumpError says why not. */
export async function checkDumpDir(dir: string, fs: DumpFs = fsp): Promise<void> {
  const root = path.resolve(dir);
  try {
    await mkdirp(fs, root);
    await fs.access(root, fsp.constants.W_OK | fsp.constants.X_OK);
  } catch (e) {
    throw new DumpError(`cannot create dump directory ${root}: ${reasonOf(e, true)}`, root, errCode(e), e);
  }
}

const DEFAULT_CHUNK = 1 << 16;
/** write() returns a promise when more than this is queued and not yet written */
const HIGH_WATER = 1 << 20;
const MAX_WARNINGS = 100;

type Op = () => Promise<void>;

export class DumpWriter {
  private readonly router: DumpRouter;
  private readonly fs: DumpFs;
  private readonly exec: [string, ...string[]] | null;
  private readonly wall: boolean;
  private readonly now: () => number;
  private readonly chunk: number;
  private readonly onWarning: ((m: string) => void) | undefined;

  // formatting side (synchronous)
  private pending: string[] = [];
  private pendingSize = 0;

  // I/O side: one serial queue
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private fh: DumpFileHandle | null = null;
  private curFinal = '';
  private curTemp = '';
  /** files of this minute that already existed: rotation offset */
  private skipMinute = -1;
  private skip = 0;
  /** the failing operation was mkdir -p of the file's directory */
  private creatingDir = false;

  private failed: DumpError | null = null;
  private closing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly children = new Set<Promise<void>>();
  private readonly st: DumpStats = { files: 0, lines: 0, bytes: 0, dirs: 0, execRuns: 0, execFailures: 0, warnings: [] };

  private constructor(
    /** absolute dump dir */
    readonly dir: string,
    private readonly nested: boolean,
    opts: DumpWriterOptions,
    fs: DumpFs,
  ) {
    this.fs = fs;
    this.exec = opts.execCmd !== undefined ? splitExecCmd(opts.execCmd) : null;
    this.wall = opts.clock === 'wall';
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.chunk = opts.chunkBytes ?? DEFAULT_CHUNK;
    this.onWarning = opts.onWarning;
    this.router = new DumpRouter(
      {
        open: (f, header) => this.sinkOpen(f, header),
        line: (_f, line) => this.sinkLine(line),
        finish: () => this.sinkFinish(),
        dirDone: (relDir) => this.sinkDirDone(relDir),
      },
      opts,
    );
    if (this.wall) this.schedule();
  }

  /**
   * Create the dump dir (mkdir -p) and check it is writable. Throws DumpError when it cannot be
   * used, RangeError on a bad option (maxLines, separator, empty execCmd).
   */
  static async open(dir: string, opts: DumpWriterOptions): Promise<DumpWriter> {
    const fs: DumpFs = opts.fs ?? fsp;
    const w = new DumpWriter(path.resolve(dir), opts.nested, opts, fs); // validates the options first
    try {
      await checkDumpDir(dir, fs);
    } catch (e) {
      w.stopTimer();
      throw e;
    }
    return w;
  }

  /** Counters so far (final after close()). */
  get stats(): DumpStats {
    return { ...this.st, warnings: [...this.st.warnings] };
  }

  /** The error that stopped the writer, if any. */
  get error(): DumpError | null {
    return this.failed;
  }

  /**
   * Add one record. Returns nothing on the fast path; returns a promise (await it) when the
   * writes are behind. Throws the DumpError once the writer has failed.
   */
  write(r: CallRecord): Promise<void> | void {
    if (this.failed) throw this.failed;
    if (this.closing) throw new Error('dump writer is closed');
    this.router.add(r, this.wall ? this.now() : r.exportedAt);
    if (this.queued > HIGH_WATER) return this.drain();
  }

  /**
   * Time has reached `nowSec` (capture seconds in file mode; default: the wall clock): the open
   * file is finished when its minute is over, even if no record comes. Live mode does this by
   * itself every minute.
   */
  tick(nowSec?: number): void {
    if (this.failed) throw this.failed;
    if (this.closing) return;
    this.router.tick(nowSec ?? this.now());
  }

  /** Write the buffered lines (into the open `.temp`) and wait for every queued operation. */
  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    this.flushPending();
    await this.drain();
  }

  /** Finish the open file, run the last --sip-exec-cmd, wait for everything. Rejects with the DumpError if the writer failed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.stopTimer();
    if (!this.failed) this.router.end();
    this.closing = (async () => {
      await this.chain;
      while (this.children.size > 0) await Promise.all([...this.children]);
      if (this.failed) throw this.failed;
    })();
    return this.closing;
  }

  // ------------------------------------------------------------ formatting side

  private sinkOpen(f: DumpFile, header: string): void {
    this.pending = [header];
    this.pendingSize = header.length + 1;
    this.enqueue(() => this.openFile(f));
  }

  private sinkLine(line: string): void {
    this.pending.push(line);
    this.pendingSize += line.length + 1;
    this.st.lines++;
    if (this.pendingSize >= this.chunk) this.flushPending();
  }

  private sinkFinish(): void {
    this.flushPending();
    this.enqueue(() => this.finishFile());
  }

  private sinkDirDone(relDir: string): void {
    const abs = relDir === '' ? this.dir : path.join(this.dir, relDir);
    this.enqueue(async () => {
      this.st.dirs++;
      if (this.exec) this.runExec(abs);
    });
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending.join('\n') + '\n', 'utf8');
    this.pending = [];
    this.pendingSize = 0;
    this.queued += buf.length;
    this.enqueue(async () => {
      try {
        await this.writeAll(buf);
      } finally {
        this.queued -= buf.length;
      }
    });
  }

  // ------------------------------------------------------------ I/O side (serial)

  private enqueue(op: Op): void {
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        await op();
      } catch (e) {
        await this.fail(e);
      }
    });
  }

  private async drain(): Promise<void> {
    await this.chain;
    if (this.failed) throw this.failed;
  }

  private async exists(p: string): Promise<boolean> {
    try {
      await this.fs.stat(p);
      return true;
    } catch {
      return false;
    }
  }

  private async openFile(f: DumpFile): Promise<void> {
    if (f.minute !== this.skipMinute) {
      this.skipMinute = f.minute;
      this.skip = 0;
    }
    const name = () => path.join(this.dir, dumpRelPath(f.minute, this.nested, f.rotation + this.skip));
    const wanted = name();
    this.curFinal = wanted;
    this.curTemp = wanted + TEMP_SUFFIX;
    this.creatingDir = true;
    await mkdirp(this.fs, path.dirname(wanted));
    this.creatingDir = false;
    let final = wanted;
    while (await this.exists(final)) {
      this.skip++;
      final = name();
    }
    if (final !== wanted) this.warn(`dump file ${wanted} exists: writing ${final} instead`);
    this.curFinal = final;
    this.curTemp = final + TEMP_SUFFIX;
    this.fh = await this.fs.open(this.curTemp, 'w');
  }

  private async writeAll(buf: Uint8Array): Promise<void> {
    const fh = this.fh;
    if (fh === null) throw new Error('no open dump file');
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off);
      if (!(bytesWritten > 0)) throw Object.assign(new Error('short write'), { code: 'EIO' });
      off += bytesWritten;
    }
    this.st.bytes += buf.length;
  }

  private async finishFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh === null) throw new Error('no open dump file');
    await fh.close();
    await this.fs.rename(this.curTemp, this.curFinal);
    this.st.files++;
  }

  /** Stop: close what can be closed, remove the failing file's .temp, keep the error for the caller. */
  private async fail(e: unknown): Promise<void> {
    if (this.failed) return;
    this.failed = new DumpError(`cannot write dump file ${this.curFinal}: ${reasonOf(e, this.creatingDir)}`, this.curFinal, errCode(e), e);
    this.stopTimer();
    this.pending = [];
    this.pendingSize = 0;
    this.queued = 0;
    const fh = this.fh;
    this.fh = null;
    if (fh !== null) await fh.close().catch(() => {});
    if (this.curTemp !== '') await this.fs.unlink(this.curTemp).catch(() => {});
  }

  // ------------------------------------------------------------ --sip-exec-cmd

  private runExec(absDir: string): void {
    const [prog, ...fixed] = this.exec as [string, ...string[]];
    this.st.execRuns++;
    const failed = (why: string) => {
      this.st.execFailures++;
      this.warn(`--sip-exec-cmd ${prog} ${absDir}: ${why}`);
    };
    const p = new Promise<void>((resolve) => {
      let done = false;
      const end = (why: string | null) => {
        if (done) return;
        done = true;
        if (why !== null) failed(why);
        resolve();
      };
      try {
        const child = spawn(prog, [...fixed, absDir], { shell: false, stdio: 'ignore' });
        child.once('error', (e) => end(e.message));
        child.once('exit', (code, signal) =>
          end(code === 0 ? null : signal !== null ? `killed by ${signal}` : `exited with status ${code}`),
        );
      } catch (e) {
        end(e instanceof Error ? e.message : String(e));
      }
    });
    this.children.add(p);
    void p.then(() => this.children.delete(p));
  }

  private warn(m: string): void {
    if (this.st.warnings.length < MAX_WARNINGS) this.st.warnings.push(m);
    this.onWarning?.(m);
  }

  // ------------------------------------------------------------ live mode: the minute ends by itself

  private schedule(): void {
    const now = this.now();
    const ms = Math.max(50, Math.ceil((60 - (now % 60)) * 1000) + 20);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.failed || this.closing) return;
      this.router.tick(this.now());
      this.schedule();
    }, ms);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
