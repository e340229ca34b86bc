// The web app in a real browser: the site is built with Vite, served from 127.0.0.1 under a
// sub-path, and driven in headless Chromium. For the sample capture, a gzip of it and every
// capture of the public corpus, the JSON Lines the page's worker produces are byte-identical to
// what Node produces for the same file (same WASM core, same TypeScript layer), the page shows
// the same number of calls, nothing is requested from any other origin, and the page reports no
// error. Skipped with a message when /usr/bin/chromium is missing, unless CI=true.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { recordsOf } from '../support/engine.ts';
import { generateCapture } from '../../bench/make-capture.ts';
import { startStaticServer, type StaticServer } from '../support/static-server.ts';
import { CHROMIUM, CSP, buildSite, dropFile, launchChromium, withTimeout } from '../support/chromium.ts';
import { CORPUS, repoRoot, SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { corpusGate, isCI, toolGate } from '../support/tools/exec.ts';
import { jsonLine } from '../../shared/output/format.ts';
import type { FileResult } from '../../node/input.ts';
import type { RunStats } from '../../shared/analyzer.ts';
import type { AnalyzeResult } from '../../web/worker-protocol.ts';

const STEP_MS = 20_000; // every wait in the page

// ---------------------------------------------------------------- gates

const chromium = toolGate([CHROMIUM], 'browser');
const haveChromium = chromium.missing.length === 0;
test.runIf(chromium.mustFail)('chromium is installed under CI', () => chromium.assertAvailable());
const corpus = corpusGate('browser: public corpus cases');
const corpusFiles = corpus.files;
test.runIf(haveChromium && corpusFiles.length === 0 && isCI)('the public corpus is present under CI', () => {
  throw new Error(`corpus missing: ${CORPUS}`);
});

// ---------------------------------------------------------------- Node's output for a file

interface NodeRun {
  jsonl: string;
  count: number;
  callIds: string[];
  files: FileResult[];
  stats: RunStats;
}

async function nodeRun(paths: string[]): Promise<NodeRun> {
  const { records, files, stats } = await recordsOf(paths);
  const lines = records.map(jsonLine);
  return {
    jsonl: lines.length ? lines.join('\n') + '\n' : '',
    count: records.length,
    callIds: records.map((r) => r.SIP_CALL_ID),
    files,
    stats,
  };
}

// ---------------------------------------------------------------- the browser side

describe.skipIf(!haveChromium)('web app in Chromium', () => {
  const tmp = tempDir('browser');
  let server: StaticServer | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let gzPath = '';
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    if (!existsSync(join(repoRoot, 'build', 'core.wasm'))) throw new Error('build/core.wasm is missing: run `npm run build:wasm`');
    const site = tmp.file('site');
    await buildSite(repoRoot, site, 30_000);
    const t1 = performance.now();
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain(`content="${CSP}"`);
    // the policy forbids evaluating text, and a worker's code is held to it (served with it)
    const scripts = readdirSync(join(site, 'assets')).filter((f) => f.endsWith('.js'));
    expect(scripts.some((f) => f.startsWith('engine-worker'))).toBe(true);
    for (const f of scripts) expect(readFileSync(join(site, 'assets', f), 'utf8'), f).not.toMatch(/(?<![\w$.])(Function|eval)\s*\(/);

    gzPath = tmp.file('sample.pcap.gz');
    await writeFile(gzPath, gzipSync(readFileSync(SAMPLE)));

    server = await startStaticServer(site, { prefix: '/some/path/', headers: { 'Content-Security-Policy': CSP } });
    context = await launchChromium(tmp.file('profile'));
    context.setDefaultTimeout(STEP_MS);
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && consoleErrors.push(`worker: ${m.text()}`)));
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(server.url, { waitUntil: 'load', timeout: STEP_MS });
    await page.waitForSelector('[data-testid="status"]', { timeout: STEP_MS });
    timings.push(`vite build ${Math.round(t1 - t0)} ms, server + chromium + page ${Math.round(performance.now() - t1)} ms`);
  }, 90_000);

  afterAll(async () => {
    try {
      if (context) await withTimeout(context.close(), 15_000, 'closing chromium').catch((e) => console.warn(String(e)));
    } finally {
      if (server) await withTimeout(server.close(), 5_000, 'closing the server').catch((e) => console.warn(String(e)));
      if (timings.length) console.info(`[browser] ${timings.join('; ')}`);
    }
  }, 30_000);

  const status = async () => ({
    run: Number(await page.getAttribute('[data-testid="status"]', 'data-run', { timeout: STEP_MS })),
    state: await page.getAttribute('[data-testid="status"]', 'data-state', { timeout: STEP_MS }),
  });

  /** Wait until the page has finished the run after `run`; its call count and Call-IDs. */
  async function shown(previousRun: number): Promise<{ state: string | null; count: number; callIds: string[] }> {
    await page.waitForFunction(
      (prev) => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-run')) > prev,
      previousRun,
      { timeout: STEP_MS },
    );
    const { state } = await status();
    const count = Number(await page.textContent('[data-testid="call-count"]', { timeout: STEP_MS }));
    // rows in record order (the list is sorted by start time; data-index is the record number)
    const callIds = await page.$$eval('[data-testid="call-row"]', (rows) =>
      rows
        .map((r) => ({ i: Number(r.getAttribute('data-index')), id: r.getAttribute('data-call-id') ?? '' }))
        .sort((a, b) => a.i - b.i)
        .map((r) => r.id),
    );
    return { state, count, callIds };
  }

  /** Put files into the file input (the page analyses them), then run window.sipscopeAnalyze on
   *  the same files (through an input of the test's own: the page clears its input). */
  async function throughInput(paths: string[]): Promise<{ ui: Awaited<ReturnType<typeof shown>>; result: AnalyzeResult }> {
    // once the page has stopped answering, the files after it fail at once (not 40 s each)
    if (stuck) throw new Error(`not tried: the page stopped answering on ${stuck}`);
    try {
      return await analyseThroughInput(paths);
    } catch (err) {
      if (/timed? ?out|Timeout/i.test(String(err))) stuck = paths.map((p) => basename(p)).join(', ');
      throw err;
    }
  }
  let stuck: string | null = null;

  async function analyseThroughInput(paths: string[]): Promise<{ ui: Awaited<ReturnType<typeof shown>>; result: AnalyzeResult }> {
    const before = (await status()).run;
    await page.setInputFiles('[data-testid="file-input"]', paths, { timeout: STEP_MS });
    const ui = await shown(before);
    await page.evaluate(() => {
      if (document.getElementById('test-files')) return;
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.id = 'test-files';
      input.hidden = true;
      document.body.append(input);
    });
    await page.setInputFiles('#test-files', paths, { timeout: STEP_MS });
    const result = await withTimeout(
      page.evaluate(() => {
        const input = document.getElementById('test-files') as HTMLInputElement;
        return window.sipscopeAnalyze(Array.from(input.files ?? []));
      }),
      STEP_MS,
      'window.sipscopeAnalyze',
    );
    return { ui, result };
  }

  function expectSameAsNode(result: AnalyzeResult, node: NodeRun, names: string[]): void {
    expect(result.jsonl).toBe(node.jsonl);
    expect(result.fileStatus.map((f) => f.name)).toEqual(names);
    result.fileStatus.forEach((f, i) => {
      const n = node.files[i];
      expect(f.readError).toBeNull();
      expect({ error: f.error, message: f.message, offset: f.offset, warning: f.warning, bytes: f.bytesRead }).toEqual({
        error: n.error,
        message: n.message,
        offset: n.offset,
        warning: n.warning,
        bytes: n.bytesRead,
      });
    });
    expect(result.stats).toEqual(node.stats);
  }

  test('the sample: same JSONL as Node, and the page lists its calls', async () => {
    const node = await nodeRun([SAMPLE]);
    expect(node.count).toBeGreaterThan(0);
    const { ui, result } = await throughInput([SAMPLE]);
    expect(ui.state).toBe('done');
    expect(ui.count).toBe(node.count);
    expect(ui.callIds).toEqual(node.callIds);
    expectSameAsNode(result, node, ['sample.pcap']);
    expect(pageErrors).toEqual([]);
  });

  test('the sample, gzipped: inflated in the worker, same JSONL as Node', async () => {
    const node = await nodeRun([gzPath]);
    expect(node.jsonl).toBe((await nodeRun([SAMPLE])).jsonl);
    const { ui, result } = await throughInput([gzPath]);
    expect(ui.state).toBe('done');
    expect(ui.count).toBe(node.count);
    expectSameAsNode(result, node, ['sample.pcap.gz']);
  });

  test('a 12 MiB capture, plain and gzipped (read in many chunks): same JSONL as Node; cut, a clear message', async () => {
    const big = tmp.file('voip-12MiB.pcap');
    generateCapture({ kind: 'voip', path: big, seed: 3, targetBytes: 12 << 20, concurrent: 20 });
    const gz = tmp.file('voip-12MiB.pcap.gz');
    const packed = gzipSync(readFileSync(big));
    await writeFile(gz, packed);
    const node = await nodeRun([big]);
    expect(node.count).toBeGreaterThan(20);
    for (const [path, name] of [
      [big, 'voip-12MiB.pcap'],
      [gz, 'voip-12MiB.pcap.gz'],
    ]) {
      const { ui, result } = await throughInput([path]);
      expect(ui.state, name).toBe('done');
      expect(ui.callIds, name).toEqual(node.callIds);
      expectSameAsNode(result, { ...node, files: (await nodeRun([path])).files }, [name]);
    }
    // a gzip file cut short: what was inflated before the cut, and the reason
    const cut = tmp.file('voip-12MiB-cut.pcap.gz');
    await writeFile(cut, packed.subarray(0, Math.floor(packed.length * 0.6)));
    const { result } = await throughInput([cut]);
    expect(result.fileStatus[0].readError).toBe('gzip: the compressed file is truncated');
    expect(result.jsonl.split('\n').filter(Boolean).length).toBeGreaterThan(0);
  });

  test('a file dropped on the drop zone is analysed', async () => {
    const node = await nodeRun([SAMPLE]);
    const before = (await status()).run;
    await dropFile(page, '[data-testid="drop-zone"]', readFileSync(SAMPLE), 'dropped.pcap', STEP_MS);
    const ui = await shown(before);
    expect(ui.state).toBe('done');
    expect(ui.count).toBe(node.count);
    expect(ui.callIds).toEqual(node.callIds);
  });

  test('several files are one capture, in order', async () => {
    const paths = [SAMPLE, gzPath];
    const node = await nodeRun(paths);
    const { ui, result } = await throughInput(paths);
    expect(ui.count).toBe(node.count);
    expectSameAsNode(result, node, ['sample.pcap', 'sample.pcap.gz']);
  });

  test('progress reaches the page through comlink, at most ~10 times a second', async () => {
    const r = await withTimeout(
      page.evaluate(async (b64) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        // a ~40 MB capture: the sample's records over and over after its file header
        const parts: Uint8Array[] = [bytes.subarray(0, 24)];
        for (let i = 0; i < 600; i++) parts.push(bytes.subarray(24));
        const file = new File(parts as BlobPart[], 'big.pcap');
        const events: { file: number; bytes: number; records: number }[] = [];
        const t0 = performance.now();
        const res = await window.sipscopeAnalyze([file], {}, (p) => events.push(p));
        return { events, ms: performance.now() - t0, size: file.size, status: res.fileStatus[0] };
      }, readFileSync(SAMPLE).toString('base64')),
      STEP_MS,
      'progress run',
    );
    timings.push(`${(r.size / 1e6).toFixed(0)} MB in the page: ${Math.round(r.ms)} ms, ${r.events.length} progress messages`);
    expect(r.status.error).toBe(0);
    expect(r.status.readError).toBeNull();
    expect(r.status.bytesRead).toBe(r.size);
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events.length).toBeLessThanOrEqual(Math.ceil(r.ms / 100) + 1);
    for (let i = 0; i < r.events.length; i++) {
      expect(r.events[i].file).toBe(0);
      expect(r.events[i].bytes).toBeLessThanOrEqual(r.size);
      if (i > 0) expect(r.events[i].bytes).toBeGreaterThanOrEqual(r.events[i - 1].bytes);
    }
  });

  // Known difference: Node's zlib reads every member of a gzip file; Chromium's
  // DecompressionStream stops after the first one ("Junk found after end of compressed data").
  // The browser says so in the file's status instead of reading on silently.
  test('a multi-member gzip: Node reads it all, the browser reports where it stopped', async () => {
    const sample = readFileSync(SAMPLE);
    const cut = 24 + 1000; // anywhere: members are byte ranges of the capture
    const multi = tmp.file('two-members.pcap.gz');
    await writeFile(multi, Buffer.concat([gzipSync(sample.subarray(0, cut)), gzipSync(sample.subarray(cut))]));
    const node = await nodeRun([multi]);
    expect(node.jsonl).toBe((await nodeRun([SAMPLE])).jsonl);
    const { ui, result } = await throughInput([multi]);
    expect(ui.state).toBe('done');
    expect(result.fileStatus[0].readError).toMatch(/multi-member gzip/);
    expect(await page.textContent('.error', { timeout: STEP_MS })).toMatch(/two-members\.pcap\.gz: gzip: .*multi-member/);
  });

  describe.skipIf(corpusFiles.length === 0)('public corpus: browser output = Node output', () => {
    const started = performance.now();
    for (const file of corpusFiles) {
      test(file, async () => {
        const path = join(CORPUS, file);
        const node = await nodeRun([path]);
        const { ui, result } = await throughInput([path]);
        expect(ui.count).toBe(node.count);
        expectSameAsNode(result, node, [basename(path)]);
        if (file === corpusFiles[corpusFiles.length - 1])
          timings.push(`${corpusFiles.length} corpus files ${Math.round(performance.now() - started)} ms`);
      });
    }
  });

  test('no request left the test server, no page error, no CSP violation', async () => {
    const origin = server!.origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    // the worker's own fetch is seen too (so the check above covers the worker)
    expect(requests.some((u) => /\/some\/path\/assets\/core-[^/]*\.wasm$/.test(u))).toBe(true);
    expect(server!.log.filter((l) => !l.endsWith(' 200'))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });
});
