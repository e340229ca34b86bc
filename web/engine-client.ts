// The page's side of the engine worker (the protocol is worker-protocol.ts): one worker for the
// page, created on first use, and a function per call of its API. A worker that fails (cannot
// start, crashes) rejects every call in flight with a clear message and is replaced on the next
// call, so the page never waits forever.

import * as Comlink from 'comlink';
import type {
  AnalyzeOptions,
  AnalyzeResult,
  CallData,
  DownloadKind,
  EngineApi,
  LegsData,
  MediaTrace,
  Progress,
  RunOptions,
  RunSummary,
  RunUpdate,
  TraceProgress,
} from './worker-protocol.ts';

interface Handle {
  worker: Worker;
  remote: Comlink.Remote<EngineApi>;
  failed: Promise<never>;
}

let handle: Handle | null = null;

function engine(): Handle {
  if (handle) return handle;
  const worker = new Worker(new URL('./worker/engine-worker.ts', import.meta.url), { type: 'module', name: 'sipscope-engine' });
  const remote = Comlink.wrap<EngineApi>(worker);
  const h: Handle = {
    worker,
    remote,
    failed: new Promise<never>((_, reject) => {
      const fail = (msg: string) => {
        if (handle === h) handle = null;
        remote[Comlink.releaseProxy]();
        worker.terminate();
        reject(new Error(msg));
      };
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        fail(`the analysis worker stopped: ${e.message || 'it could not be started (is the page served over http(s)?)'}`);
      });
      worker.addEventListener('messageerror', () => fail('the analysis worker sent a message that could not be read'));
    }),
  };
  h.failed.catch(() => {});
  handle = h;
  return h;
}

function guarded<T>(call: (remote: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T> {
  const h = engine();
  return Promise.race([call(h.remote), h.failed]);
}

/** Analyse capture files in the worker, as one capture (in the given order): JSON Lines. */
export function analyzeFiles(files: File[], opts: AnalyzeOptions = {}, onProgress?: (p: Progress) => void): Promise<AnalyzeResult> {
  return guarded((r) => r.analyze(files, opts, onProgress ? Comlink.proxy(onProgress) : undefined));
}

/** Start a run for the page (a new run cancels the one before). */
export function startRun(files: File[], opts: RunOptions, onUpdate: (u: RunUpdate) => void): Promise<RunSummary> {
  return guarded((r) => r.run(files, opts, Comlink.proxy(onUpdate)));
}

export function cancelRun(): Promise<void> {
  if (!handle) return Promise.resolve();
  return guarded((r) => r.cancel());
}

export function fetchCall(runId: number, i: number): Promise<CallData> {
  return guarded((r) => r.call(runId, i));
}

export function fetchLegs(runId: number, indices: number[]): Promise<LegsData> {
  return guarded((r) => r.legs(runId, indices));
}

export function fetchDownload(runId: number, kind: DownloadKind): Promise<Blob> {
  return guarded((r) => r.download(runId, kind));
}

export function fetchExtract(runId: number, indices: number[], anonymize: boolean): Promise<Blob> {
  return guarded((r) => r.extract(runId, indices, anonymize));
}

export function traceCall(runId: number, i: number, onProgress: (p: TraceProgress) => void): Promise<MediaTrace> {
  return guarded((r) => r.trace(runId, i, Comlink.proxy(onProgress)));
}
