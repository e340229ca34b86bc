// The page's side of the engine worker: one worker for the page, created on first use.

import * as Comlink from 'comlink';
import type { AnalyzeOptions, AnalyzeResult, EngineApi, Progress } from './engine-worker.ts';

export type { AnalyzeOptions, AnalyzeResult, Progress };

let remote: Comlink.Remote<EngineApi> | null = null;

function engine(): Comlink.Remote<EngineApi> {
  if (!remote) {
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module', name: 'sipscope-engine' });
    remote = Comlink.wrap<EngineApi>(worker);
  }
  return remote;
}

/** Analyse capture files in the worker, as one capture (in the given order). */
export function analyzeFiles(files: File[], opts: AnalyzeOptions = {}, onProgress?: (p: Progress) => void): Promise<AnalyzeResult> {
  return engine().analyze(files, opts, onProgress ? Comlink.proxy(onProgress) : undefined);
}
