// The Web Worker that owns the engine: the UI thread never parses. It implements EngineApi of
// ../worker-protocol.ts. Files are read as streams (file-input.ts), chunk by chunk, never whole,
// and fed to the same WASM core and call tracker as the Node CLI. Every finished record goes at
// once to the outputs the page can download (run-state.ts), kept in Blob storage so the heap stays
// bounded. The page gets a small row per call for its list, progress ~10 times a second, and on
// request one call's JSON record and ladder, or its RTP streams over time (the run's files read
// again by a fresh engine that traces only that call's streams, media-trace.ts).
//
// The comlink API is exposed before the WASM is loaded: a worker whose startup waits for a
// module (top-level await) misses the first message.

import * as Comlink from 'comlink';
import wasmUrl from '../../build/core.wasm?url';
import { Engine } from '../../shared/engine/engine.ts';
import { Analyzer, type RunStats } from '../../shared/analyzer.ts';
import type { TrackerOptions } from '../../shared/tracker/api.ts';
import { jsonLine } from '../../shared/output/format.ts';
import type { CallRecord, LadderEntry } from '../../shared/record.ts';
import type {
  AnalyzeOptions,
  AnalyzeResult,
  CallData,
  DownloadKind,
  EngineApi,
  FileResult,
  LegsData,
  Progress,
  RunOptions,
  RunSummary,
  RunUpdate,
  SentRow,
  MediaTrace,
  TraceProgress,
} from '../worker-protocol.ts';
import { feedFile } from './file-input.ts';
import { buildDownload, type BuiltDownload } from './downloads.ts';
import { RunState } from './run-state.ts';
import { TraceBins, traceKeys } from './media-trace.ts';
import { callMedia } from '../call-media.ts';
import { ByteSink } from './byte-sink.ts';
import { copyCallFrames, extractCallOfJson, Selection } from '../../shared/extract.ts';
import { PcapngWriter } from '../../shared/output/pcapng.ts';
import { Anonymizer } from '../../shared/anonymize.ts';

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

/** An engine for the worker: message fields are decoded one by one, faster here than each whole
 *  message (the same messages; Engine.textPerField). */
async function newEngine(): Promise<Engine> {
  const engine = await Engine.create(await core());
  engine.textPerField = true;
  return engine;
}

// ---------------------------------------------------------------- tracker options of a run

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
    const engine = await newEngine();
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
/** the files of the current run, for a trace (File objects: handles, not their bytes) */
let currentFiles: File[] = [];
let currentOptions: RunOptions = {};
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
  const state = new RunState(
    ++runSeq,
    opts,
    async (f, offset, length) => new Uint8Array(await files[f].slice(offset, offset + length).arrayBuffer()),
  );
  current = state;
  currentFiles = files;
  currentOptions = opts;
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
  let pending: SentRow[] = [];
  let lastSent = 0;
  let done = 0; // bytes of the files before the one being read
  let error: string | null = null;
  let parseMs = 0;
  const fileResults: FileResult[] = [];

  const engine = await newEngine();
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
      const { bytesFed, stopped, ...result } = res;
      fileResults.push(result);
      state.inputs.push({ bytesFed, stopped });
      done += res.bytesRead;
    }
    analyzer.finish();
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
    kpis: state.kpis.result(),
    records: state.records,
    rows,
    cancelled: state.cancel,
    error,
    ladders: state.ladders.stats,
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

/** Record i's JSON line. */
async function jsonOf(st: RunState, i: number): Promise<string> {
  if (!(i >= 0 && i < st.records)) throw new Error(`no call ${i} in this run`);
  return new TextDecoder().decode(await st.jsonl.read(st.jsonOff.get(i), st.jsonLen.get(i)));
}

/** One call of a run: its JSON record and its ladder. */
async function call(runId: number, i: number): Promise<CallData> {
  const st = runOf(runId);
  const json = await jsonOf(st, i);
  const ladder = await st.ladders.get(i);
  const data: CallData = { json, ladder };
  return ladder.kept ? Comlink.transfer(data, buffersOf(ladder.entries)) : data;
}

/** The buffers a ladder's message bytes are views of (the stored ladder, the file reads), each
 *  once: they are handed over to the page, not copied. */
function buffersOf(entries: readonly LadderEntry[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const e of entries) if (e.raw.byteLength > 0) buffers.add(e.raw.buffer as ArrayBuffer);
  return [...buffers];
}

/** Several legs of a run as one call: their JSON records and their messages on one ladder. */
async function legs(runId: number, indices: number[]): Promise<LegsData> {
  const st = runOf(runId);
  const data = await st.ladders.getLegs(indices);
  for (const leg of data.legs) leg.json = await jsonOf(st, leg.i);
  return Comlink.transfer(data, buffersOf(data.entries));
}

// ---------------------------------------------------------------- trace(): a call's streams over time

/** Bytes fed to the engine at a time in trace mode (its samples are taken after each). */
const TRACE_FEED = 1 << 20;
let traceSeq = 0;

async function trace(runId: number, i: number, onProgress?: (p: TraceProgress) => void): Promise<MediaTrace> {
  const my = ++traceSeq;
  try {
    const st = runOf(runId);
    const files = currentFiles;
    const media = callMedia(await jsonOf(st, i)).media;
    const bins = new TraceBins(media);
    const t0 = performance.now();
    if (media.length === 0) return bins.result(0, true, 0);
    const engine = await newEngine();
    engine.traceStreams(traceKeys(media));
    const total = files.reduce((n, f) => n + f.size, 0);
    let before = 0; // bytes of the files already read
    let last = 0;
    let replaced = false;
    let early = false;
    for (let f = 0; f < files.length && !early && !replaced; f++) {
      const res = await feedFile(engine, files[f], f, {
        maxFeed: TRACE_FEED,
        fed: () => bins.add(engine.takeSamples()),
        onChunk: (_file, fileBytes) => {
          const now = performance.now();
          if (!onProgress || now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          Promise.resolve(onProgress({ bytes: before + fileBytes, total })).catch(() => {});
        },
        stopped: () => {
          replaced = my !== traceSeq || current !== st;
          early = bins.done();
          return replaced || early;
        },
        parsed: () => {},
      });
      if (res.readError) throw new Error(`${files[f].name}: ${res.readError}`);
      before += res.bytesRead;
    }
    if (replaced) throw new Error('replaced by a newer plot');
    if (!early) {
      engine.finish();
      bins.add(engine.takeSamples());
    }
    return bins.result(before, early, performance.now() - t0, engine.samplesDropped());
  } finally {
    releaseCallback(onProgress);
  }
}

const BUILT: readonly string[] = ['dump', 'csv', 'ipfix', 'v9'] satisfies BuiltDownload[];

/**
 * A download: the bytes `sipscope read` writes for the same capture and options. JSON Lines was
 * kept during the run; the others are built now (downloads.ts) by reading the run's files again,
 * as far as the run read them, and kept for the next click.
 */
async function download(runId: number, kind: DownloadKind): Promise<Blob> {
  const st = runOf(runId);
  if (kind === 'jsonl') return st.jsonl.blob();
  if (!BUILT.includes(kind)) throw new Error(`unknown download: ${kind}`);
  let built = st.built.get(kind);
  if (!built) {
    const files = currentFiles;
    const opts = currentOptions;
    built = buildDownload(kind, opts.timestampFormat ?? 1, (onRecord) => replay(st, files, opts, onRecord));
    st.built.set(kind, built);
    built.catch(() => st.built.delete(kind)); // a failed build is tried again on the next click
  }
  return built;
}

/** The run's input read again by a fresh engine and tracker: the same records, in the same order. */
async function replay(st: RunState, files: File[], opts: RunOptions, onRecord: (r: CallRecord) => void): Promise<number> {
  const engine = await newEngine();
  const analyzer = new Analyzer(engine, trackerOptions(opts, false), onRecord);
  await readAgain(st, files, engine);
  analyzer.finish();
  return engine.now();
}

let pageKey: Uint8Array | null = null;

/** The calls' frames as pcapng (shared/extract.ts): the run's files read twice more. */
async function extract(runId: number, indices: number[], anonymize = false): Promise<Blob> {
  const st = runOf(runId);
  const files = currentFiles;
  const selection = new Selection();
  for (const i of indices) selection.add(extractCallOfJson(await jsonOf(st, i)));
  const sink = new ByteSink('application/vnd.tcpdump.pcap');
  const writer = new PcapngWriter((piece) => sink.bytes(piece));
  // one key for the page's life: the same party has the same pseudonym in every download
  const anon = anonymize ? new Anonymizer((pageKey ??= Anonymizer.randomKey())) : null;
  const res = await copyCallFrames(
    selection,
    newEngine,
    (engine) => readAgain(st, files, engine),
    (f) => {
      const data = anon ? anon.frame(f) : f.data;
      if (data !== null) writer.frame(f, data);
    },
    true,
    anon ? (m) => anon.learn(m) : undefined,
  );
  if (!res.complete) throw new Error('the capture files changed after they were read');
  writer.flush();
  return sink.blob();
}

/** Feed the run's files to an engine again, as far as the run read them. */
async function readAgain(st: RunState, files: File[], engine: Engine): Promise<void> {
  for (let i = 0; i < st.inputs.length; i++) {
    const res = await feedFile(engine, files[i], i, {
      onChunk: () => {},
      stopped: () => current !== st,
      parsed: () => {},
      limit: st.inputs[i],
    });
    if (current !== st) throw new Error('this analysis was replaced by a newer one');
    if (res.readError !== null && res.bytesFed < st.inputs[i].bytesFed) throw new Error(`${files[i].name}: ${res.readError}`);
  }
}

const api: EngineApi = { analyze, run, cancel, call, legs, download, extract, trace };

Comlink.expose(api);
// start compiling now that messages are handled; the first run waits for it
core().catch(() => {});
