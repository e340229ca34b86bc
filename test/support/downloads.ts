// The browser's five downloads (dump file, .ipfix, NetFlow v9, JSONL, CSV) made two ways: by what
// the page's worker does with each record (web/worker/run-state.ts, in Node on the same engine),
// and by `sipscope read` from the source tree with the same capture and options.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../node/wasm.ts';
import { feedFile } from '../../node/input.ts';
import { Analyzer } from '../../shared/analyzer.ts';
import type { TrackerOptions } from '../../shared/tracker/api.ts';
import { RunState, type RunStateOptions } from '../../web/worker/run-state.ts';
import type { CallRow, DownloadKind } from '../../web/worker-protocol.ts';
import { runCli, type CliResult } from './cli.ts';

export const DOWNLOAD_KINDS: DownloadKind[] = ['dump', 'ipfix', 'v9', 'jsonl', 'csv'];
export type Downloads = Record<DownloadKind, Buffer>;

/** What the page's worker does: the same analyzer with ladders kept, every record into a RunState. */
export async function webDownloads(files: string[], tracker: Partial<TrackerOptions>, opts: RunStateOptions = {}) {
  const engine = await createEngine();
  const state = new RunState(1, opts);
  const rows: CallRow[] = [];
  const analyzer = new Analyzer(engine, { ...tracker, keepMessages: true }, (r) => rows.push(state.add(r)));
  for (let i = 0; i < files.length; i++) await feedFile(engine, files[i], i);
  analyzer.finish();
  state.end(engine.now());
  const out = {} as Downloads;
  for (const k of DOWNLOAD_KINDS) out[k] = Buffer.from(await state.sinks[k].blob().arrayBuffer());
  return { out, rows, state };
}

/**
 * `sipscope read FILES EXTRA` from the source tree (the code the site is built from), twice: JSONL
 * with a dump file and an .ipfix file, then CSV with a v9 file, all into `dir`. Fails when a run
 * is killed (by its 60 s limit or a signal); the runs are returned for their exit codes.
 */
export async function cliDownloads(dir: string, files: string[], extra: string[]): Promise<{ out: Downloads; runs: CliResult[] }> {
  mkdirSync(dir, { recursive: true });
  const p = (n: string) => join(dir, n);
  const common = [...files, ...extra, '-q', '--no-progress'];
  const runs: CliResult[] = [];
  for (const args of [
    [...common, '--format', 'jsonl', '--out', p('out.jsonl'), '--dump-file', p('out.sip'), '--ipfix-file', p('out.ipfix')],
    [...common, '--format', 'csv', '--out', p('out.csv'), '--ipfix-file', p('out.v9'), '--export-format', 'v9'],
  ]) {
    const r = await runCli(['read', ...args], { fromSource: true, timeoutMs: 60_000, throwOnTimeout: true });
    if (r.signal) throw new Error(`sipscope read ${args.join(' ')}: killed by ${r.signal}\n${r.stderr.slice(0, 2000)}`);
    runs.push(r);
  }
  return {
    out: {
      dump: readFileSync(p('out.sip')),
      ipfix: readFileSync(p('out.ipfix')),
      v9: readFileSync(p('out.v9')),
      jsonl: readFileSync(p('out.jsonl')),
      csv: readFileSync(p('out.csv')),
    },
    runs,
  };
}
