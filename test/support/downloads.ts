// The browser's five downloads (dump file, .ipfix, NetFlow v9, JSONL, CSV) made two ways: by what
// the page's worker does (web/worker/run-state.ts and downloads.ts, in Node on the same engine),
// and by `sipscope read` from the source tree with the same capture and options.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../node/wasm.ts';
import { feedFile } from '../../node/input.ts';
import { Analyzer } from '../../shared/analyzer.ts';
import type { TrackerOptions } from '../../shared/tracker/api.ts';
import { RunState, type RunStateOptions } from '../../web/worker/run-state.ts';
import { buildDownload, type BuiltDownload } from '../../web/worker/downloads.ts';
import type { CallRecord } from '../../shared/record.ts';
import type { DownloadKind, SentRow } from '../../web/worker-protocol.ts';
import { runCli, type CliResult } from './cli.ts';

export const DOWNLOAD_KINDS: DownloadKind[] = ['dump', 'ipfix', 'v9', 'jsonl', 'csv'];
const BUILT_KINDS: BuiltDownload[] = ['dump', 'ipfix', 'v9', 'csv'];
export type Downloads = Record<DownloadKind, Buffer>;

/** Every record of the files through a fresh engine and analyzer; the capture clock at the end.
 *  `rawInFile`: messages of plain files keep no bytes (the page's ladders read them again). */
async function analyse(
  files: string[],
  tracker: Partial<TrackerOptions>,
  onRecord: (r: CallRecord) => void,
  rawInFile = false,
): Promise<number> {
  const engine = await createEngine();
  const analyzer = new Analyzer(engine, tracker, onRecord);
  for (let i = 0; i < files.length; i++) {
    const head = readFileSync(files[i]).subarray(0, 2);
    engine.rawInFile = rawInFile && !(head[0] === 0x1f && head[1] === 0x8b);
    await feedFile(engine, files[i], i);
  }
  analyzer.finish();
  return engine.now();
}

/**
 * What the page's worker does: the run with ladders kept, every record into a RunState (JSON
 * Lines); the other downloads built as the worker builds them on a click, by reading the files
 * again (downloads.ts).
 */
export async function webDownloads(files: string[], tracker: Partial<TrackerOptions>, opts: RunStateOptions = {}) {
  // as the worker: message bytes of plain files are read again from them for a ladder
  const state = new RunState(1, opts, async (f, offset, length) => readFileSync(files[f]).subarray(offset, offset + length));
  const rows: SentRow[] = [];
  const records: CallRecord[] = [];
  await analyse(
    files,
    { ...tracker, keepMessages: true },
    (r) => {
      records.push(r);
      rows.push(state.add(r));
    },
    true,
  );
  const out = {} as Downloads;
  out.jsonl = Buffer.from(await state.jsonl.blob().arrayBuffer());
  for (const k of BUILT_KINDS) {
    const blob = await buildDownload(k, opts.timestampFormat ?? 1, (onRecord) => analyse(files, tracker, onRecord));
    out[k] = Buffer.from(await blob.arrayBuffer());
  }
  return { out, rows, records, state };
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
