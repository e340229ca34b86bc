// The Web Worker that owns the engine: the UI thread never parses. Files are streamed in
// chunks (File.stream(), gzip inflated on the way), fed to the same WASM core and call tracker
// as the Node CLI, and the records come back as JSON Lines — the bytes `sipscope read FILE
// --format jsonl` prints.
//
// The comlink API is exposed before the WASM is loaded: a worker whose startup waits for a
// module (top-level await) misses the first message.

import * as Comlink from 'comlink';
import wasmUrl from '../build/core.wasm?url';
import { Engine, type FileStatus } from '../shared/engine.ts';
import { Analyzer, type RunStats } from '../shared/analyzer.ts';
import type { TrackerOptions } from '../shared/calls.ts';
import { jsonLine } from '../shared/format.ts';

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

/** Raw bytes of a file as they are read, counted for progress. */
function counted(file: Blob, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  return file.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        onBytes(chunk.byteLength);
        ctl.enqueue(chunk);
      },
    }),
  );
}

/**
 * A read or inflate failure as one clear line. Chromium's DecompressionStream stops at the end of
 * the first gzip member: a multi-member gzip (`cat a.gz b.gz`, bgzip) or bytes after the
 * compressed data end the file there (Node's zlib reads every member).
 */
function readProblem(err: unknown, gzip: boolean): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (!gzip) return msg;
  if (/junk found/i.test(msg))
    return 'gzip: data after the end of the first compressed stream (multi-member gzip or trailing bytes are not read in the browser); reading of this file stopped there';
  if (/truncated/i.test(msg)) return 'gzip: the compressed file is truncated';
  return `gzip: ${msg}`;
}

// ---------------------------------------------------------------- the API

async function analyze(
  files: File[],
  opts: AnalyzeOptions = {},
  onProgress?: (p: Progress) => void,
): Promise<AnalyzeResult> {
  try {
    const engine = await Engine.create(await core());
    const options: Partial<TrackerOptions> = {};
    if (opts.allDialogs) options.allDialogs = true;
    if (typeof opts.idleTimeout === 'number') options.idleTimeout = opts.idleTimeout;

    const lines: string[] = [];
    const analyzer = new Analyzer(engine, options, (r) => lines.push(jsonLine(r)));

    let lastReport = 0;
    const report = (p: Progress): void => {
      if (!onProgress) return;
      const now = performance.now();
      if (now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      // a comlink proxy returns a promise; a closed page must not break the run
      Promise.resolve(onProgress(p)).catch(() => {});
    };

    const fileStatus: FileResult[] = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      let bytesRead = 0;
      let readError: string | null = null;
      let gzip = false;
      engine.beginFile(i);
      try {
        const raw = counted(file, (n) => (bytesRead += n));
        gzip = await isGzip(file);
        const source = gzip
          ? raw.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
          : raw;
        const reader = source.getReader();
        try {
          while (true) {
            const { done, value } = await reader.read();
            if (done) break;
            engine.feed(value);
            report({ file: i, bytes: bytesRead, records: lines.length });
          }
        } finally {
          reader.releaseLock();
        }
      } catch (err) {
        readError = readProblem(err, gzip);
      }
      const status = engine.endFile();
      fileStatus.push({ ...status, name: file.name, bytesRead, readError });
    }
    analyzer.finish();
    return {
      jsonl: lines.length ? lines.join('\n') + '\n' : '',
      fileStatus,
      stats: analyzer.stats(),
    };
  } finally {
    // the progress callback is a proxy to the page: free its port
    (onProgress as unknown as Record<symbol, (() => void) | undefined> | undefined)?.[Comlink.releaseProxy]?.();
  }
}

const api = { analyze };
export type EngineApi = typeof api;

Comlink.expose(api);
// start compiling now that messages are handled; the first analyze() waits for it
core().catch(() => {});
