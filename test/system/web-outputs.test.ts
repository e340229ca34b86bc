// The browser's downloads without a browser: web/worker/run-state.ts (what the page's worker does
// with each record) runs in Node on the same engine, and its five outputs — dump file, .ipfix,
// NetFlow v9, JSONL, CSV — are compared byte for byte with what `sipscope read` writes for the same
// capture and options: the sample, its gzip, several files as one capture, a capture without
// calls (a template-only export file), a truncated capture, and non-default options. The ladder
// store is test/unit/web/run-state.test.ts.

import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { DownloadKind } from '../../web/worker-protocol.ts';
import { DOWNLOAD_KINDS as KINDS, cliDownloads, webDownloads as webOutputs } from '../support/downloads.ts';
import { CORPUS, SAMPLE } from '../support/paths.ts';
import { join } from 'node:path';
import { recordsOf } from '../support/engine.ts';
import { corpusGate } from '../support/tools/exec.ts';
import { RunState } from '../../web/worker/run-state.ts';
import { factsOf, factsOfRow } from '../../shared/filter.ts';
import { tempDir } from '../support/temp.ts';

const tmp = tempDir('web-outputs');

/** `sipscope read`'s five outputs for the same files and options, in a folder of their own. */
async function cliOutputs(name: string, files: string[], extra: string[]): Promise<Record<DownloadKind, Buffer>> {
  return (await cliDownloads(tmp.file(name), files, extra)).out;
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
    const gz = tmp.write('sample.pcap.gz', gzipSync(readFileSync(SAMPLE)));
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
    const empty = tmp.write('no-calls.pcap', readFileSync(SAMPLE).subarray(0, 24));
    const { out } = await webOutputs([empty], {});
    const c = await cliOutputs('empty', [empty], []);
    expectSame(out, c);
    expect(out.jsonl.length).toBe(0);
    expect(out.ipfix.length).toBeGreaterThan(16);
  });

  test('a truncated capture: the records before the cut', async () => {
    const s = readFileSync(SAMPLE);
    const cut = tmp.write('cut.pcap', s.subarray(0, Math.floor(s.length * 0.6)));
    expectSame((await webOutputs([cut], {})).out, await cliOutputs('cut', [cut], []));
  });
});

// The page filters its rows by facts it makes from each row and the flat extra the worker sends
// with it (shared/filter.ts factsOfRow): they must be what factsOf gives for the record.
describe("a row's filter facts = factsOf of its record", () => {
  const corpus = corpusGate('web-outputs: filter facts');
  test.runIf(corpus.mustFail)('the public corpus is present under CI', () => corpus.assertAvailable());
  test('the sample, the public corpus, with and without --all-dialogs', async () => {
    const files = [SAMPLE, ...corpus.files.map((f) => join(CORPUS, f))];
    let rows = 0;
    let lists = 0;
    for (const allDialogs of [false, true]) {
      for (const file of files) {
        const { records } = await recordsOf([file], { allDialogs });
        const state = new RunState(1, {}, async () => new Uint8Array(0));
        for (const r of records) {
          const row = state.add(r);
          expect(factsOfRow(row, row.extra), `${file}: ${r.SIP_CALL_ID}`).toEqual(factsOf(r));
          rows++;
          const f = factsOf(r);
          if (f.addresses.length > 1 && f.codecs.length > 0) lists++;
        }
      }
    }
    console.info(`[web-outputs] filter facts of ${rows} rows, ${lists} with several addresses and codecs`);
    expect(rows).toBeGreaterThan(200);
    expect(lists).toBeGreaterThan(20);
  });
});
