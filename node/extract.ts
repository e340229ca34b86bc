// `sipscope extract FILE... [--filter EXPR] (-o OUT.pcapng | --pcap-dir DIR)`: every original
// frame of the selected calls, SIP and their RTP/RTCP, byte for byte, in capture order (SPEC §10).
// Three reads of the files, none holding the capture: the calls (records, as `read` makes them),
// then which frames are theirs, then a copy of those frames (shared/extract.ts).

import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type Parsed } from './args.ts';
import { createEngine } from './wasm.ts';
import { feedFile, fileProblem } from './input.ts';
import { recordFilter, trackerOptions } from './setup.ts';
import { Analyzer } from '../shared/analyzer.ts';
import type { Engine } from '../shared/engine/engine.ts';
import { copyCallFrames, extractCallOf, Selection } from '../shared/extract.ts';
import { PcapngWriter } from '../shared/output/pcapng.ts';
// the anonymizer is loaded only for --anonymize: its cipher builds ~1 MB of tables as it loads
// (14 ms of every command's start-up when it was imported with the rest)
import type { Anonymizer, LeftOut } from '../shared/anonymize.ts';

/** Per-call files: writers holding a buffer at once (the others have written theirs out), and
 *  its size: 32 MiB at most, and few writes of a few frames each when many calls overlap. */
const OPEN_BUFFERS = 2048;
const CALL_PIECE = 16 << 10;

export async function extract({ positional: files, opts }: Parsed): Promise<number> {
  if (files.length === 0) throw new UsageError('extract needs at least one capture file');
  if (files.includes('-')) throw new UsageError('extract reads its files three times: standard input ("-") cannot be one');
  const out = opts.out as string | undefined;
  const dir = opts['pcap-dir'] as string | undefined;
  if ((out === undefined) === (dir === undefined)) throw new UsageError('extract needs either -o OUT.pcapng or --pcap-dir DIR');
  const filter = recordFilter(opts);
  const anonymizer = await anonymizerOf(opts);
  const say = (line: string) => process.stderr.write(`sipscope: ${line}\n`);
  const stamps = files.map(stamp);

  // 1. the calls
  const selection = new Selection();
  const names: string[] = [];
  let seen = 0;
  let failed = false;
  {
    const engine = await createEngine();
    const analyzer = new Analyzer(engine, trackerOptions(opts), (r) => {
      seen++;
      if (filter !== null && !filter(r)) return;
      selection.add(extractCallOf(r));
      if (dir !== undefined) names.push(r.SIP_CALL_ID);
    });
    failed = !(await readAll(engine, files, say));
    analyzer.finish();
  }
  if (selection.calls === 0) {
    say(`no call${filter ? ' matches the filter' : ' in the capture'}: nothing written`);
    return failed ? 1 : 0;
  }

  // 2 and 3. their frames, found and copied
  const writers = dir !== undefined ? callWriters(dir, names) : null;
  let single: PcapngWriter | null = null;
  try {
    if (out !== undefined) {
      writeFileSync(out, new Uint8Array(0));
      single = new PcapngWriter((piece) => appendFileSync(out, piece));
    }
  } catch (e) {
    say(`${out}: ${(e as Error).message}`);
    return 1;
  }
  let result: { complete: boolean; dropped: number };
  try {
    result = await copyCallFrames(
      selection,
      createEngine,
      async (engine) => void (await readAll(engine, files, () => {})),
      (f, call) => {
        const data = anonymizer ? anonymizer.frame(f) : f.data;
        if (data !== null) single ? single.frame(f, data) : writers!.frame(f, call, data);
      },
      single !== null,
      anonymizer ? (m) => anonymizer.learn(m) : undefined,
    );
    single?.flush();
    writers?.close();
  } catch (e) {
    say(`writing the extract: ${(e as Error).message}`);
    return 1;
  }

  const changed = files.filter((f, i) => stamp(f) !== stamps[i]);
  if (changed.length > 0 || !result.complete) {
    say(`${changed.join(', ') || 'the input'} changed while it was read: the extract is not complete`);
    return 1;
  }
  if (!opts.quiet) {
    const frames = single ? single.frames : writers!.frames;
    const where = single ? out : `${writers!.files} files in ${dir}`;
    say(`extract: ${selection.calls} of ${seen} calls, ${frames} frames → ${where}`);
    if (anonymizer) {
      const left = Object.entries(anonymizer.leftOut).filter(([, n]) => n > 0);
      const { LEFT_OUT_TEXT } = await import('../shared/anonymize.ts');
      for (const [why, n] of left) say(`--anonymize: ${n} frames left out: ${LEFT_OUT_TEXT[why as LeftOut]}`);
    }
    if (result.dropped > 0) say(`extract: ${result.dropped} frames of unfinished reassemblies left out (limits)`);
  }
  return failed ? 1 : 0;
}

/** --anonymize, with --anonymize-key or a new key. */
async function anonymizerOf(opts: Parsed['opts']): Promise<Anonymizer | null> {
  const key = opts['anonymize-key'] as string | undefined;
  if (key !== undefined && opts.anonymize !== true) throw new UsageError('--anonymize-key goes with --anonymize');
  if (opts.anonymize !== true) return null;
  const { Anonymizer } = await import('../shared/anonymize.ts');
  if (key === undefined) return new Anonymizer(Anonymizer.randomKey());
  if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new UsageError('--anonymize-key takes 64 hex digits (32 bytes)');
  return new Anonymizer(Uint8Array.from(key.match(/../g)!, (h) => Number.parseInt(h, 16)));
}

/** Read every file into the engine; problems are said once (the first pass), false when any. */
async function readAll(engine: Engine, files: string[], say: (line: string) => void): Promise<boolean> {
  let ok = true;
  for (let i = 0; i < files.length; i++) {
    const res = await feedFile(engine, files[i], i);
    const problem = fileProblem(res);
    if (problem) {
      ok = false;
      say(`${files[i]}: ${problem}`);
    }
  }
  return ok;
}

/** Size and modification time: a file rewritten between the reads would mix two captures. */
function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size} ${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** One pcapng file per call, named by its order and Call-ID; only OPEN_BUFFERS hold a buffer. */
function callWriters(dir: string, callIds: string[]) {
  mkdirSync(dir, { recursive: true });
  const width = String(callIds.length).length;
  const paths = callIds.map((id, i) => join(dir, `${String(i + 1).padStart(width, '0')}-${safeName(id)}.pcapng`));
  const writers = new Map<number, PcapngWriter>();
  const buffered = new Map<number, PcapngWriter>(); // in order of last use
  let frames = 0;
  return {
    frame(f: Parameters<PcapngWriter['frame']>[0], call: number, data: Uint8Array): void {
      let w = writers.get(call);
      if (w === undefined) {
        const path = paths[call];
        writeFileSync(path, new Uint8Array(0));
        w = new PcapngWriter((piece) => appendFileSync(path, piece), CALL_PIECE);
        writers.set(call, w);
      }
      buffered.delete(call);
      buffered.set(call, w);
      if (buffered.size > OPEN_BUFFERS) {
        const [oldest, ow] = buffered.entries().next().value as [number, PcapngWriter];
        ow.flush(true);
        buffered.delete(oldest);
      }
      w.frame(f, data);
      frames++;
    },
    close(): void {
      for (const w of writers.values()) w.flush(true);
    },
    get frames() {
      return frames;
    },
    get files() {
      return writers.size;
    },
  };
}

/** A Call-ID as part of a file name: letters, digits, . - _ @ kept, the rest as _, at most 80. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 80) || 'call';
}
