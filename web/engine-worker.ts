// The Web Worker that owns the engine: the UI thread never parses. Files are read as streams
// (Blob.stream(), gzip through DecompressionStream), chunk by chunk, never whole, and fed to the same WASM core and call tracker as the Node
// CLI. Every finished record goes at once to the outputs the page can download — JSON Lines,
// CSV, the dump file, the .ipfix and NetFlow v9 files — built by the same shared functions as
// `sipscope read` (so the bytes are the same), and kept in Blob storage (byte-sink.ts) so the
// heap stays bounded. The page gets a small row per call for its list, progress ~10 times a
// second, and on request one call's JSON record and ladder.
//
// The comlink API is exposed before the WASM is loaded: a worker whose startup waits for a
// module (top-level await) misses the first message.

import * as Comlink from 'comlink';
import wasmUrl from '../build/core.wasm?url';
import { Engine, type FileStatus } from '../shared/engine.ts';
import { Analyzer, type RunStats } from '../shared/analyzer.ts';
import type { TrackerOptions } from '../shared/calls.ts';
import { jsonLine } from '../shared/format.ts';
import type { TimestampFormat } from '../shared/fields.ts';
import type { LadderData, LadderStoreStats } from './ladder-store.ts';
import { RunState, type CallRow, type DownloadKind } from './run-state.ts';

export type { LadderData, LadderStoreStats, CallRow, DownloadKind };

// ---------------------------------------------------------------- types shared with the page

export interface AnalyzeOptions {
  allDialogs?: boolean;
  idleTimeout?: number;
}

export interface Progress {
  /** index of the file being read */
  file: number;
  /** bytes of that file read so far (compressed bytes for gzip) */
  bytes: number;
  /** records finished so far in this run */
  records: number;
}

export interface FileResult extends FileStatus {
  name: string;
  /** bytes of the file itself (compressed size for gzip) */
  bytesRead: number;
  /** the file could not be read or inflated */
  readError: string | null;
}

export interface AnalyzeResult {
  jsonl: string;
  fileStatus: FileResult[];
  stats: RunStats;
}

/** Options of a run in the page: the same meaning as the CLI options of the same name. */
export interface RunOptions {
  /** --all-dialogs */
  allDialogs?: boolean;
  /** --idle-timeout SEC */
  idleTimeout?: number;
  /** --established-timeout SEC */
  establishedTimeout?: number;
  /** --timestamp-format 0|1|2 (dump and CSV) */
  timestampFormat?: TimestampFormat;
  /** bytes of ladders kept in this run (default 256 MiB) */
  ladderBudget?: number;
}

export interface RunUpdate {
  runId: number;
  /** file being read, its bytes read so far, and bytes of all files read so far */
  file: number;
  fileBytes: number;
  bytes: number;
  records: number;
  /** rows of the records finished since the previous update */
  rows: CallRow[];
}

export interface RunSummary {
  runId: number;
  files: FileResult[];
  stats: RunStats;
  records: number;
  /** the rows not yet sent in an update */
  rows: CallRow[];
  cancelled: boolean;
  /** the run stopped on an error (the records before it are kept) */
  error: string | null;
  ladders: LadderStoreStats;
  /** bytes of each download */
  sizes: Record<DownloadKind, number>;
  /** ms from the start of the run to the first record, and to the end */
  firstRecordMs: number | null;
  elapsedMs: number;
  /** ms of it the engine spent parsing (and the tracker and outputs working); the rest is reading */
  parseMs: number;
  options: RunOptions;
}

export interface CallData {
  /** the record's JSON line (the same text as in the JSONL download) */
  json: string;
  ladder: LadderData;
}

const PROGRESS_INTERVAL_MS = 100; // at most ~10 progress messages a second

// ---------------------------------------------------------------- WASM, compiled once, lazily

let compiled: Promise<WebAssembly.Module> | null = null;

async function compileCore(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch (err) {
    // a server that does not send application/wasm: compile from the bytes instead
    if (!(err instanceof TypeError)) throw err;
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new Error(`cannot load the sipscope core (${wasmUrl}): HTTP ${res.status}`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
}

function core(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = compileCore();
    compiled.catch(() => (compiled = null)); // let the next run try again
  }
  return compiled;
}

// ---------------------------------------------------------------- input

const isGzip = async (file: Blob): Promise<boolean> => {
  if (file.size < 2) return false;
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
};

/**
 * A read or inflate failure as one clear line. Chromium's DecompressionStream stops at the end of
 * the first gzip member: a multi-member gzip (`cat a.gz b.gz`, bgzip) or bytes after the
 * compressed data end the file there (Node's zlib reads every member).
 */
function readProblem(err: unknown, gzip: boolean): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (!gzip) return /could not be read|NotReadable/i.test(msg) ? `the file could not be read (${msg})` : msg;
  if (/junk found/i.test(msg))
    return 'gzip: data after the end of the first compressed stream (multi-member gzip or trailing bytes are not read in the browser); reading of this file stopped there';
  if (/truncated/i.test(msg)) return 'gzip: the compressed file is truncated';
  return `gzip: ${msg}`;
}

interface FeedHooks {
  /** after each chunk: file index, bytes of that file read so far */
  onChunk(file: number, fileBytes: number): void;
  stopped(): boolean;
  /** ms the engine spent on a chunk */
  parsed(ms: number): void;
}

/** Feed one file into the engine as a stream (Blob.stream() reads ahead while the core parses;
 *  ~1 GB/s in Chromium, twice what File.slice() reads with one request in flight); gzip is
 *  inflated on the way. */
async function feedFile(engine: Engine, file: File, index: number, hooks: FeedHooks): Promise<FileResult> {
  let bytesRead = 0;
  let readError: string | null = null;
  let gzip = false;
  engine.beginFile(index);
  try {
    gzip = await isGzip(file);
    let source: ReadableStream<Uint8Array>;
    if (gzip) {
      const raw = file.stream().pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            bytesRead += chunk.byteLength;
            ctl.enqueue(chunk);
          },
        }),
      );
      source = raw.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    } else source = file.stream();
    const reader = source.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!gzip) bytesRead += value.byteLength;
        const t = performance.now();
        engine.feed(value);
        hooks.parsed(performance.now() - t);
        hooks.onChunk(index, bytesRead);
        if (hooks.stopped()) {
          await reader.cancel().catch(() => {});
          break;
        }
      }
    } finally {
      reader.releaseLock();
    }
  } catch (err) {
    readError = readProblem(err, gzip);
  }
  const status = engine.endFile();
  return { ...status, name: file.name, bytesRead, readError };
}

function trackerOptions(o: RunOptions & AnalyzeOptions, keepMessages: boolean): Partial<TrackerOptions> {
  const t: Partial<TrackerOptions> = {};
  if (o.allDialogs) t.allDialogs = true;
  if (typeof o.idleTimeout === 'number') t.idleTimeout = o.idleTimeout;
  if (typeof o.establishedTimeout === 'number') t.establishedTimeout = o.establishedTimeout;
  if (keepMessages) t.keepMessages = true;
  return t;
}

// ---------------------------------------------------------------- analyze(): JSON Lines of files

async function analyze(files: File[], opts: AnalyzeOptions = {}, onProgress?: (p: Progress) => void): Promise<AnalyzeResult> {
  try {
    const engine = await Engine.create(await core());
    const lines: string[] = [];
    const analyzer = new Analyzer(engine, trackerOptions(opts, false), (r) => lines.push(jsonLine(r)));
    let lastReport = 0;
    const fileStatus: FileResult[] = [];
    for (let i = 0; i < files.length; i++) {
      fileStatus.push(
        await feedFile(engine, files[i], i, {
          onChunk: (file, bytes) => {
            if (!onProgress) return;
            const now = performance.now();
            if (now - lastReport < PROGRESS_INTERVAL_MS) return;
            lastReport = now;
            // a comlink proxy returns a promise; a closed page must not break the run
            Promise.resolve(onProgress({ file, bytes, records: lines.length })).catch(() => {});
          },
          stopped: () => false,
          parsed: () => {},
        }),
      );
    }
    analyzer.finish();
    return { jsonl: lines.length ? lines.join('\n') + '\n' : '', fileStatus, stats: analyzer.stats() };
  } finally {
    releaseCallback(onProgress);
  }
}

/** A progress callback is a comlink proxy to the page: free its port. */
function releaseCallback(cb: unknown): void {
  (cb as Record<symbol, (() => void) | undefined> | undefined)?.[Comlink.releaseProxy]?.();
}

// ---------------------------------------------------------------- run(): the page's session

let runSeq = 0;
let current: RunState | null = null;
let running: Promise<unknown> | null = null;

/**
 * Analyse files as one capture. Rows and progress go to `onUpdate` (~10 a second; the first
 * row at once); the summary (with the rows not yet sent) when the input is done or cancelled.
 * A new run cancels the one before.
 */
async function run(files: File[], options: RunOptions, onUpdate?: (u: RunUpdate) => void): Promise<RunSummary> {
  if (current) current.cancel = true;
  if (running) await running.catch(() => {});
  const opts: RunOptions = { ...options };
  const state = new RunState(++runSeq, opts);
  current = state;
  const p = runInner(state, opts, files, onUpdate);
  running = p;
  try {
    return await p;
  } finally {
    if (running === p) running = null;
    releaseCallback(onUpdate);
  }
}

async function runInner(state: RunState, opts: RunOptions, files: File[], onUpdate?: (u: RunUpdate) => void): Promise<RunSummary> {
  const t0 = performance.now();
  let firstRecordMs: number | null = null;
  let pending: CallRow[] = [];
  let lastSent = 0;
  let done = 0; // bytes of the files before the one being read
  let error: string | null = null;
  let parseMs = 0;
  const fileResults: FileResult[] = [];

  const engine = await Engine.create(await core());
  const analyzer = new Analyzer(engine, trackerOptions(opts, true), (r) => {
    pending.push(state.add(r));
    if (firstRecordMs === null) firstRecordMs = performance.now() - t0;
  });

  let sentRows = false;
  lastSent = t0;
  const send = (file: number, fileBytes: number): void => {
    if (!onUpdate) return;
    const now = performance.now();
    // the first rows go out at once (the list fills in while the file is read), then ~10 a second
    const firstRows = !sentRows && pending.length > 0;
    if (!firstRows && now - lastSent < PROGRESS_INTERVAL_MS) return;
    if (pending.length > 0) sentRows = true;
    lastSent = now;
    const rows = pending;
    pending = [];
    // a comlink proxy returns a promise; a closed page must not break the run
    Promise.resolve(onUpdate({ runId: state.id, file, fileBytes, bytes: done + fileBytes, records: state.records, rows })).catch(() => {});
  };

  try {
    for (let i = 0; i < files.length && !state.cancel; i++) {
      const res = await feedFile(engine, files[i], i, {
        onChunk: (file, fileBytes) => send(file, fileBytes),
        stopped: () => state.cancel,
        parsed: (ms) => (parseMs += ms),
      });
      fileResults.push(res);
      done += res.bytesRead;
    }
    analyzer.finish();
    state.end(engine.now());
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  let stats: RunStats;
  try {
    stats = analyzer.stats();
  } catch {
    stats = { engine: { counters: {}, bytes: 0, sipBytes: 0, rtpBytes: 0 }, tracker: {} as RunStats['tracker'] };
  }
  const rows = pending;
  pending = [];
  return {
    runId: state.id,
    files: fileResults,
    stats,
    records: state.records,
    rows,
    cancelled: state.cancel,
    error,
    ladders: state.ladders.stats,
    sizes: state.sizes(),
    firstRecordMs,
    elapsedMs: performance.now() - t0,
    parseMs,
    options: opts,
  };
}

/** Stop reading the current run; the calls still open are exported, as at the end of a file. */
function cancel(): void {
  if (current) current.cancel = true;
}

function runOf(runId: number): RunState {
  if (!current || current.id !== runId) throw new Error('this analysis was replaced by a newer one');
  return current;
}

/** One call of a run: its JSON record and its ladder. */
async function call(runId: number, i: number): Promise<CallData> {
  const st = runOf(runId);
  if (!(i >= 0 && i < st.records)) throw new Error(`no call ${i} in this run`);
  const buf = await st.sinks.jsonl.read(st.jsonOff.get(i), st.jsonLen.get(i));
  const json = new TextDecoder().decode(buf);
  const ladder = await st.ladders.get(i);
  const data: CallData = { json, ladder };
  if (ladder.kept && ladder.entries.length > 0) return Comlink.transfer(data, [ladder.entries[0].raw.buffer as ArrayBuffer]);
  return data;
}

/** A download: the bytes `sipscope read` writes for the same capture and options. */
function download(runId: number, kind: DownloadKind): Blob {
  const st = runOf(runId);
  const sink = st.sinks[kind];
  if (!sink) throw new Error(`unknown download: ${kind}`);
  return sink.blob();
}

const api = { analyze, run, cancel, call, download };
export type EngineApi = typeof api;

Comlink.expose(api);
// start compiling now that messages are handled; the first run waits for it
core().catch(() => {});
