// The browser's downloads without a browser: web/worker/run-state.ts (what the page's worker does
// with each record) runs in Node on the same engine, and its five outputs — dump file, .ipfix,
// NetFlow v9, JSONL, CSV — are compared byte for byte with what `sipscope read` writes for the same
// capture and options: the sample, its gzip, several files as one capture, a capture without
// calls (a template-only export file), a truncated capture, and non-default options. Also the
// ladder store (kept within its budget, read back intact) and the call rows.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createEngine } from '../node/wasm.ts';
import { feedFile } from '../node/input.ts';
import { Analyzer } from '../shared/analyzer.ts';
import type { TrackerOptions } from '../shared/tracker/api.ts';
import { RunState, type RunStateOptions } from '../web/worker/run-state.ts';
import type { CallRow, DownloadKind } from '../web/worker-protocol.ts';
import { recordsOf } from './helpers/engine.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE = join(repoRoot, 'samples', 'sample.pcap');
const KINDS: DownloadKind[] = ['dump', 'ipfix', 'v9', 'jsonl', 'csv'];

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sipscope-web-outputs-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[]): Promise<number> {
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'node', 'cli.ts'), 'read', ...args],
      { cwd: repoRoot, timeout: 60_000 },
      (err) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') return fail(err);
        ok(err ? Number((err as { code?: number }).code) : 0);
      },
    );
  });
}

async function cliOutputs(name: string, files: string[], extra: string[]): Promise<Record<DownloadKind, Buffer>> {
  const p = (ext: string) => join(tmp, `${name}.${ext}`);
  await cli([
    ...files,
    ...extra,
    '-q',
    '--no-progress',
    '--format',
    'jsonl',
    '--out',
    p('jsonl'),
    '--dump-file',
    p('sip'),
    '--ipfix-file',
    p('ipfix'),
  ]);
  await cli([
    ...files,
    ...extra,
    '-q',
    '--no-progress',
    '--format',
    'csv',
    '--out',
    p('csv'),
    '--ipfix-file',
    p('v9'),
    '--export-format',
    'v9',
  ]);
  return {
    dump: readFileSync(p('sip')),
    ipfix: readFileSync(p('ipfix')),
    v9: readFileSync(p('v9')),
    jsonl: readFileSync(p('jsonl')),
    csv: readFileSync(p('csv')),
  };
}

/** What the page's worker does: the same analyzer with ladders kept, every record into a RunState. */
async function webOutputs(files: string[], tracker: Partial<TrackerOptions>, opts: RunStateOptions = {}) {
  const engine = await createEngine();
  const state = new RunState(1, opts);
  const rows: CallRow[] = [];
  const analyzer = new Analyzer(engine, { ...tracker, keepMessages: true }, (r) => rows.push(state.add(r)));
  for (let i = 0; i < files.length; i++) await feedFile(engine, files[i], i);
  analyzer.finish();
  state.end(engine.now());
  const out = {} as Record<DownloadKind, Buffer>;
  for (const k of KINDS) out[k] = Buffer.from(await state.sinks[k].blob().arrayBuffer());
  return { out, rows, state };
}

function expectSame(web: Record<DownloadKind, Buffer>, cliOut: Record<DownloadKind, Buffer>): void {
  for (const k of KINDS) {
    expect(web[k].length, k).toBe(cliOut[k].length);
    expect(web[k].equals(cliOut[k]), `${k} differs from the CLI's`).toBe(true);
  }
}

describe('downloads = `sipscope read` outputs', () => {
  test('the sample', async () => {
    const { out, rows } = await webOutputs([SAMPLE], {});
    expectSame(out, await cliOutputs('sample', [SAMPLE], []));
    expect(rows.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows.every((r) => r.ladder)).toBe(true);
  });

  test('the sample gzipped, and several files as one capture', async () => {
    const gz = join(tmp, 'sample.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
    expectSame((await webOutputs([gz], {})).out, await cliOutputs('gz', [gz], []));
    expectSame((await webOutputs([SAMPLE, gz], {})).out, await cliOutputs('two', [SAMPLE, gz], []));
  });

  test('options: --all-dialogs --idle-timeout 60 --timestamp-format 0 / 2', async () => {
    for (const tf of [0, 2] as const) {
      const { out, rows } = await webOutputs([SAMPLE], { allDialogs: true, idleTimeout: 60 }, { timestampFormat: tf });
      expectSame(out, await cliOutputs(`opts${tf}`, [SAMPLE], ['--all-dialogs', '--idle-timeout', '60', '--timestamp-format', String(tf)]));
      expect(rows.length).toBe(7);
    }
  });

  test('a capture without calls: headers only, and a template-only export file', async () => {
    const empty = join(tmp, 'no-calls.pcap');
    writeFileSync(empty, readFileSync(SAMPLE).subarray(0, 24));
    const { out } = await webOutputs([empty], {});
    const c = await cliOutputs('empty', [empty], []);
    expectSame(out, c);
    expect(out.jsonl.length).toBe(0);
    expect(out.ipfix.length).toBeGreaterThan(16);
  });

  test('a truncated capture: the records before the cut', async () => {
    const cut = join(tmp, 'cut.pcap');
    const s = readFileSync(SAMPLE);
    writeFileSync(cut, s.subarray(0, Math.floor(s.length * 0.6)));
    expectSame((await webOutputs([cut], {})).out, await cliOutputs('cut', [cut], []));
  });
});

describe('ladder store', () => {
  test('ladders read back as they were recorded', async () => {
    const { state } = await webOutputs([SAMPLE], {});
    const { records } = await recordsOf([SAMPLE], { keepMessages: true });
    for (let i = 0; i < records.length; i++) {
      const got = await state.ladders.get(i);
      expect(got.kept).toBe(true);
      if (!got.kept) continue;
      expect(got.omitted).toBe(0);
      expect(got.entries.map((e) => ({ ...e, raw: Buffer.from(e.raw).toString('latin1') }))).toEqual(
        records[i].ladder!.map((e) => ({ ...e, raw: Buffer.from(e.raw).toString('latin1') })),
      );
    }
  });

  test('beyond the budget a ladder is not kept, and the page is told why', async () => {
    const { state, rows } = await webOutputs([SAMPLE], {}, { ladderBudget: 9000 });
    const kept = rows.filter((r) => r.ladder).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6);
    const s = state.ladders.stats;
    expect(s.bytes).toBeLessThanOrEqual(9000);
    expect(s.kept + s.dropped).toBe(6);
    const lost = rows.find((r) => !r.ladder)!;
    const got = await state.ladders.get(lost.i);
    expect(got.kept).toBe(false);
    if (!got.kept) expect(got.reason).toMatch(/ladder not kept: the ladder memory limit/);
  });
});
