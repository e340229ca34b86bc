// `sipscope extract` (SPEC §10): the frames of the selected calls, SIP and their RTP/RTCP, byte
// for byte and in capture order, in one pcapng file or one per call. Judged on a capture whose
// every frame has a known owner (test/support/extract-capture.ts), on the project's sample and on
// every public corpus capture: the extract's records equal the source's selected records, tshark
// reads the files and finds the same calls.

import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { CORPUS, SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { ownedCapture } from '../support/extract-capture.ts';
import { corpusGate, toolGate } from '../support/tools/exec.ts';
import { tsharkFields } from '../support/tools/tshark.ts';
import { createEngine } from '../../node/wasm.ts';
import { feedFile } from '../../node/input.ts';

const tmp = tempDir('cli-extract');
const owned = ownedCapture();
let OWNED = '';
beforeAll(() => {
  OWNED = tmp.write('owned.pcap', owned.bytes);
});

/** Every frame of a capture as read: its bytes (hex) and time. */
async function framesOf(path: string): Promise<string[]> {
  const engine = await createEngine();
  const out: string[] = [];
  engine.setCopy((f) => out.push(`${f.sec}.${String(f.nsec).padStart(9, '0')} ${Buffer.from(f.data).toString('hex')}`));
  await feedFile(engine, path, 0);
  engine.finish();
  return out;
}

/** The records of a file; `damaged`: the file may be damaged (exit 1), what was read counts. */
async function jsonl(file: string, filter?: string, damaged = false): Promise<string[]> {
  const r = await runCli(['read', file, '-q', '--format', 'jsonl', ...(filter ? ['--filter', filter] : [])]);
  expect(r.code === 0 || (damaged && r.code === 1), r.stderr).toBe(true);
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function extract(args: string[]): Promise<void> {
  const r = await runCli(['extract', ...args], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
}

/** a is b with some elements left out, in the same order */
function isSubsequence(a: string[], b: string[]): boolean {
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j] !== x) j++;
    if (j === b.length) return false;
    j++;
  }
  return true;
}

describe('extract: frames of known owners', () => {
  test("each call's extract holds exactly its frames (SIP, fragments, TCP segments, RTP, RTCP), as captured, and reads as that call", async () => {
    const source = await framesOf(OWNED);
    expect(source.length).toBe(owned.owners.length);
    const all = await jsonl(OWNED);
    expect(all.length).toBe(3);
    // the third call reuses the first one's media ports: each has its own two streams only
    expect(all.map((l) => JSON.parse(l).media.length)).toEqual([2, 2, 2]);
    for (const id of owned.callIds) {
      const out = tmp.file(`${id}.pcapng`);
      await extract([OWNED, '--filter', `call-id="${id}"`, '-o', out]);
      const want = source.filter((_, i) => owned.owners[i] === id);
      expect(want.length).toBeGreaterThan(300);
      expect(await framesOf(out)).toEqual(want);
      expect(await jsonl(out)).toEqual(all.filter((l) => JSON.parse(l).SIP_CALL_ID === id));
    }
  });

  test('a filter that selects two calls gives their frames together, each once, in capture order', async () => {
    const out = tmp.file('two.pcapng');
    await extract([OWNED, '--filter', 'call-id~first or call-id~third', '-o', out]);
    const source = await framesOf(OWNED);
    const want = source.filter((_, i) => owned.owners[i] === 'first@extract.test' || owned.owners[i] === 'third@extract.test');
    expect(await framesOf(out)).toEqual(want);
  });

  test('--pcap-dir writes one file per call, each the same as that call alone', async () => {
    const dir = tmp.file('per-call');
    await extract([OWNED, '--pcap-dir', dir]);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['1-first@extract.test.pcapng', '2-second@extract.test.pcapng', '3-third@extract.test.pcapng']);
    for (const [k, id] of owned.callIds.entries()) {
      expect(await framesOf(join(dir, files[k]))).toEqual(await framesOf(tmp.file(`${id}.pcapng`)));
    }
  });

  test('usage: an output is required, standard input cannot be read three times, a bad filter stops before anything is written', async () => {
    const none = await runCli(['extract', OWNED]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/-o OUT\.pcapng or --pcap-dir/);
    const stdin = await runCli(['extract', '-', '-o', tmp.file('x.pcapng')]);
    expect(stdin.code).toBe(2);
    const bad = await runCli(['extract', OWNED, '--filter', 'code>>3', '-o', tmp.file('bad.pcapng')]);
    expect(bad.code).toBe(2);
    expect(existsSync(tmp.file('bad.pcapng'))).toBe(false);
    const nothing = await runCli(['extract', OWNED, '--filter', 'code=486', '-o', tmp.file('empty.pcapng')]);
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toMatch(/no call matches the filter/);
  });
});

const tshark = toolGate(['tshark'], 'extract');
test.runIf(tshark.mustFail)('tshark is installed', () => tshark.assertAvailable());

describe.skipIf(tshark.missing.length > 0)('extract: tshark reads it', () => {
  test('the per-call files open in tshark with their frames and Call-IDs, link type and times of the source', async () => {
    for (const id of owned.callIds) {
      const out = tmp.file(`t-${id}.pcapng`);
      await extract([OWNED, '--filter', `call-id="${id}"`, '-o', out]);
      const fields = ['frame.time_epoch', 'frame.encap_type', 'sip.Call-ID'];
      const rows = (await tsharkFields(out, fields, { filter: 'frame' })).map((r) => r.map((v) => v.join(',')));
      const source = (await tsharkFields(OWNED, fields, { filter: 'frame' })).map((r) => r.map((v) => v.join(',')));
      const mine = source.filter((_, i) => owned.owners[i] === id);
      expect(rows.map((r) => r.slice(0, 2))).toEqual(mine.map((r) => r.slice(0, 2)));
      expect(new Set(rows.map((r) => r[2]).filter((c) => c !== ''))).toEqual(new Set([id]));
    }
  });

  test("the sample's calls, one by one: tshark finds the call in its extract, sipscope the same record", async () => {
    const records = (await jsonl(SAMPLE)).map((l) => JSON.parse(l) as { SIP_CALL_ID: string });
    expect(records.length).toBeGreaterThan(3);
    for (const r of records) {
      const out = tmp.file(`sample-${records.indexOf(r)}.pcapng`);
      await extract([SAMPLE, '--filter', `call-id="${r.SIP_CALL_ID}"`, '-o', out]);
      const ids = (await tsharkFields(out, ['sip.Call-ID'])).flatMap((row) => row[0]);
      expect(new Set(ids)).toEqual(new Set([r.SIP_CALL_ID]));
      expect(await jsonl(out)).toEqual(await jsonl(SAMPLE, `call-id="${r.SIP_CALL_ID}"`));
    }
  });
});

const corpus = corpusGate('extract');
test.runIf(corpus.mustFail)('the public corpus is there', () => corpus.assertAvailable());

describe.skipIf(!corpus.present)('extract: every public capture', () => {
  test.each(corpus.files)('%s: the extract of all calls gives the same records from frames of the source, in order', async (name) => {
    const src = join(CORPUS, name);
    const records = await jsonl(src, undefined, true);
    const out = tmp.file(`corpus-${name}.pcapng`);
    const r = await runCli(['extract', src, '-o', out], { timeoutMs: 60_000 });
    if (records.length === 0) {
      expect(r.stderr).toMatch(/no call in the capture/);
      return;
    }
    expect(r.code === 0 || /damaged|truncated|ends in the middle/.test(r.stderr), r.stderr).toBe(true);
    expect(await jsonl(out, undefined, true)).toEqual(records);
    expect(isSubsequence(await framesOf(out), await framesOf(src))).toBe(true);
  });
});
