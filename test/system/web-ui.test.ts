// The web app as a user drives it, in headless Chromium (playwright-core, /usr/bin/chromium): the
// site is built with Vite and served from 127.0.0.1 under a sub-path with the page's CSP as a
// header. The sample capture goes in through the file input and as a synthetic drop; the call
// list (count, states, sorting, filtering, keyboard), the ladders (arrows between the right
// columns, the raw message on click), details and statistics are checked; every download is
// compared byte for byte with what `sipscope read` writes for the same capture and options;
// damaged and non-capture files give a clear message; a generated 256 MiB capture shows its
// first call before the end with the heap of page and worker bounded; cancel works; no request
// leaves the app's origin during the whole session. Skipped with a message when chromium is
// missing, unless CI=true.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../support/static-server.ts';
import { CHROMIUM, CSP, HeapProbe, buildSite, dropFile, launchChromium, withTimeout, closeBrowser } from '../support/chromium.ts';
import { recordsOf } from '../support/engine.ts';
import { prng } from '../support/capture-writer.ts';
import { cliDownloads, type Downloads } from '../support/downloads.ts';
import { CORPUS, repoRoot, SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';
import { tsharkFields } from '../support/tools/tshark.ts';
import { generateCapture, type CaptureSummary } from '../../bench/make-capture.ts';
import { PROBLEM_COUNTERS } from '../../shared/engine/core-abi.ts';
import { ladderModel, ladderText } from '../../shared/output/ladder.ts';
import type { CallRecord } from '../../shared/record.ts';
import { parseFilter } from '../../shared/filter.ts';
import { runCli } from '../support/cli.ts';
import { sameCallIdBusyCapture } from '../support/b2bua-capture.ts';
import { A4, B4, eth, pcap, req, resp, udp4 } from '../support/core-fixtures.ts';

const SCREENSHOT = join(repoRoot, 'docs', 'screenshot.png');
const KPI_SCREENSHOT = join(repoRoot, 'docs', 'kpis.png');
/** a call through a B2BUA: four endpoints (public corpus, when present) */
const FOUR_ENDPOINTS = join(CORPUS, 'heplify-sip_tcp_websocket.pcap');
const chromium = toolGate([CHROMIUM], 'web-ui');
const tshark = toolGate(['tshark'], 'web-ui packets');
const haveChromium = chromium.missing.length === 0;
const STEP_MS = 20_000; // every wait in the page
const BIG_MS = 180_000; // the generated 256 MiB capture
const MiB = 2 ** 20;

test.runIf(chromium.mustFail)('chromium is installed under CI', () => chromium.assertAvailable());

// ---------------------------------------------------------------- the CLI's outputs

/** `sipscope read`'s five outputs for the file and options, in `dir`; both runs must exit 0. */
async function cliOutputs(dir: string, file: string, extra: string[]): Promise<Downloads> {
  const { out, runs } = await cliDownloads(dir, [file], extra);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
  return out;
}

// ---------------------------------------------------------------- the session

describe.skipIf(!haveChromium)('web UI in Chromium', () => {
  const tmp = tempDir('web-ui');
  let server: StaticServer | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let records: CallRecord[] = [];
  let withLadders: CallRecord[] = [];
  let expected: Downloads;
  let big: CaptureSummary | null = null;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const report: string[] = [];

  const watch = (p: Page) => {
    p.on('pageerror', (e) => pageErrors.push(String(e)));
    p.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    p.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && consoleErrors.push(`worker: ${m.text()}`)));
    return p.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  };

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'build', 'core.wasm'))) throw new Error('build/core.wasm is missing: run `npm run build:wasm`');
    const site = tmp.file('site');
    const [, cliOut, recs, recsL] = await Promise.all([
      buildSite(repoRoot, site),
      cliOutputs(tmp.file('cli-default'), SAMPLE, []),
      recordsOf([SAMPLE]),
      recordsOf([SAMPLE], { keepMessages: true }),
    ]);
    expected = cliOut;
    records = recs.records;
    withLadders = recsL.records;
    server = await startStaticServer(site, { prefix: '/sipscope/', headers: { 'Content-Security-Policy': CSP } });
    context = await launchChromium(tmp.file('profile'));
    context.setDefaultTimeout(STEP_MS);
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    await watch(page);
    await page.goto(server.url, { waitUntil: 'load', timeout: STEP_MS });
    await page.waitForSelector('[data-testid="drop-zone"]', { timeout: STEP_MS });
  }, 120_000);

  afterAll(async () => {
    try {
      await closeBrowser(context, server);
    } finally {
      if (report.length) console.info(`[web-ui] ${report.join('\n[web-ui] ')}`);
    }
  }, 40_000);

  // ---------------------------------------------------------------- helpers

  const doneRuns = async (p = page) => Number(await p.getAttribute('[data-testid="status"]', 'data-run', { timeout: STEP_MS }));

  async function finished(before: number, p = page, timeout = STEP_MS): Promise<string | null> {
    await p.waitForFunction((prev) => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-run')) > prev, before, {
      timeout,
      polling: 50,
    });
    return p.getAttribute('[data-testid="status"]', 'data-state');
  }

  async function load(paths: string[]): Promise<string | null> {
    const before = await doneRuns();
    await page.setInputFiles('[data-testid="file-input"]', paths, { timeout: STEP_MS });
    return finished(before);
  }

  interface RowInfo {
    i: number;
    callId: string;
    state: string;
    selected: boolean;
  }
  const rows = (): Promise<RowInfo[]> =>
    page.$$eval('[data-testid="call-row"]', (els) =>
      els.map((e) => ({
        i: Number(e.getAttribute('data-index')),
        callId: e.getAttribute('data-call-id') ?? '',
        state: e.getAttribute('data-state') ?? '',
        selected: e.getAttribute('aria-selected') === 'true',
      })),
    );
  const callCount = async () => Number(await page.textContent('[data-testid="call-count"]', { timeout: STEP_MS }));

  async function openLadder(callId: string): Promise<void> {
    await page.click(`[data-testid="call-row"][data-call-id="${callId}"]`);
    await page.click('[data-testid="tab-ladder"]');
    await page.waitForFunction(
      (id) =>
        document.querySelector('.tab-title')?.textContent?.includes(id) && document.querySelector('[data-testid="ladder"][data-arrows]'),
      callId,
      {
        timeout: STEP_MS,
      },
    );
  }

  interface ArrowInfo {
    index: number;
    label: string;
    from: number;
    to: number;
    frame: number;
    time: string;
    mark: string | null;
  }
  const arrows = (): Promise<ArrowInfo[]> =>
    page.$$eval('[data-testid="ladder-arrow"]', (els) =>
      els.map((e) => ({
        index: Number(e.getAttribute('data-index')),
        label: e.getAttribute('data-label') ?? '',
        from: Number(e.getAttribute('data-from')),
        to: Number(e.getAttribute('data-to')),
        frame: Number(e.getAttribute('data-frame')),
        time: e.getAttribute('data-time') ?? '',
        mark: e.getAttribute('data-mark'),
      })),
    );
  const participants = () => page.$$eval('[data-testid="ladder-participant"]', (els) => els.map((e) => e.getAttribute('data-key') ?? ''));

  async function download(testId: string, p = page): Promise<{ name: string; bytes: Buffer }> {
    const [dl] = await Promise.all([p.waitForEvent('download', { timeout: STEP_MS }), p.click(`[data-testid="${testId}"]`)]);
    const path = await withTimeout(dl.path(), STEP_MS, `download ${testId}`);
    return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
  }

  const byState = (s: string) => records.find((r) => r.SIP_CALL_STATE === s)!;
  const tsNum = (t: { sec: number; nsec: number }) => t.sec + t.nsec / 1e9;
  /** Close every open menu (<details>) of the page (run in the page). */
  const closeDetails = () => {
    for (const d of document.querySelectorAll('details')) d.open = false;
  };
  const tcpCall = () => records.find((r) => r.flow.protocol === 6)!;

  // ---------------------------------------------------------------- the sample

  test('the sample through the file input: 6 calls with their states', async () => {
    expect(records.length).toBe(6);
    expect(await load([SAMPLE])).toBe('done');
    expect(await callCount()).toBe(6);
    expect(await page.textContent('.list-tools .count')).toBe('6 calls');
    const shown = await rows();
    expect(shown.length).toBe(6);
    const states = Object.fromEntries(shown.map((r) => [r.callId, r.state]));
    expect(states).toEqual(Object.fromEntries(records.map((r) => [r.SIP_CALL_ID, r.SIP_CALL_STATE])));
    // record numbers are the JSONL lines
    for (const r of shown) expect(records[r.i].SIP_CALL_ID).toBe(r.callId);
    // state colours
    const error = await page.$eval('[data-testid="call-row"][data-state="CALL_ERROR"] .state', (e) => getComputedStyle(e).backgroundColor);
    const done = await page.$eval(
      '[data-testid="call-row"][data-state="CALL_COMPLETED"] .state',
      (e) => getComputedStyle(e).backgroundColor,
    );
    expect(error).toBe('rgb(198, 40, 40)');
    expect(done).toBe('rgb(26, 127, 55)');
    expect(await page.textContent('[data-testid="status"]')).toMatch(/^Done: sample\.pcap/);
    expect(await page.$('[data-testid="problems"]')).toBeNull();
  });

  test('sorting by a column, both ways', async () => {
    const order = async () => (await rows()).map((r) => r.i);
    const idx = records.map((_, i) => i);
    const start = (i: number) => records[i].SIP_INVITE_TIME!.sec * 1e9 + records[i].SIP_INVITE_TIME!.nsec;
    expect(await order()).toEqual([...idx].sort((a, b) => start(a) - start(b) || a - b)); // default: start time
    await page.click('[data-testid="sort-state"]');
    const byStateAsc = [...idx].sort((a, b) => records[a].SIP_CALL_STATE.localeCompare(records[b].SIP_CALL_STATE) || a - b);
    expect(await order()).toEqual(byStateAsc);
    await page.click('[data-testid="sort-state"]');
    const byStateDesc = [...idx].sort((a, b) => records[b].SIP_CALL_STATE.localeCompare(records[a].SIP_CALL_STATE) || a - b);
    expect(await order()).toEqual(byStateDesc);
    await page.click('[data-testid="sort-duration"]');
    const dur = (i: number) => records[i].durationSec ?? Infinity;
    expect(await order()).toEqual([...idx].sort((a, b) => dur(a) - dur(b) || a - b));
    await page.click('[data-testid="sort-messages"]');
    await page.click('[data-testid="sort-messages"]');
    expect(await order()).toEqual([...idx].sort((a, b) => records[b].messages - records[a].messages || a - b));
    await page.click('[data-testid="sort-start"]');
    expect(await order()).toEqual([...idx].sort((a, b) => start(a) - start(b) || a - b));
  });

  test('sorting: calls without a value come last, ascending and descending', async () => {
    const order = async () => (await rows()).map((r) => r.i);
    const idx = records.map((_, i) => i);
    /** the rows with a value in order (then record order), then the rows without one */
    const expected = (v: (r: CallRecord) => number | null, dir: 1 | -1) => [
      ...idx.filter((i) => v(records[i]) !== null).sort((a, b) => (v(records[a])! - v(records[b])!) * dir || a - b),
      ...idx.filter((i) => v(records[i]) === null),
    ];
    const cases: [string, (r: CallRecord) => number | null][] = [
      ['setup', (r) => r.setupSec],
      ['duration', (r) => r.durationSec],
      ['cause', (r) => r.SIP_REASON_CAUSE || null],
      ['code', (r) => r.SIP_RESPONSE_CODE || null],
    ];
    expect(records.some((r) => r.setupSec === null)).toBe(true);
    expect(records.some((r) => r.durationSec === null)).toBe(true);
    expect(records.some((r) => r.SIP_REASON_CAUSE === 0)).toBe(true);
    for (const [key, v] of cases) {
      await page.click(`[data-testid="sort-${key}"]`);
      expect(await order(), `${key} ascending`).toEqual(expected(v, 1));
      await page.click(`[data-testid="sort-${key}"]`);
      expect(await order(), `${key} descending`).toEqual(expected(v, -1));
    }
    await page.click('[data-testid="sort-start"]');
  });

  test('the list fits a 1280 px window and shows the signalling addresses', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      const fit = await page.$eval('[data-testid="call-list"]', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
      expect(fit.scroll).toBeLessThanOrEqual(fit.client);
      const tcp = tcpCall();
      const cells = await page.$$eval(`[data-testid="call-row"][data-call-id="${tcp.SIP_CALL_ID}"] [role="gridcell"]`, (c) =>
        c.map((e) => e.textContent),
      );
      expect(cells).toContain(`${tcp.flow.src}:${tcp.flow.sport} → ${tcp.flow.dst}:${tcp.flow.dport}`);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('filtering by text (Call-ID, parties, UA) and by state', async () => {
    const match = (q: string) =>
      records
        .filter((r) => [r.SIP_CALL_ID, r.SIP_CALLING_PARTY, r.SIP_CALLED_PARTY, r.SIP_UAC, r.SIP_UAS].join('\n').toLowerCase().includes(q))
        .map((r) => r.SIP_CALL_ID)
        .sort();
    const ids = async () => (await rows()).map((r) => r.callId).sort();
    await page.fill('[data-testid="filter"]', 'CAROL');
    expect(await ids()).toEqual(match('carol'));
    expect(match('carol').length).toBe(2);
    expect(await page.textContent('[data-testid="shown-count"]')).toBe('2');
    await page.fill('[data-testid="filter"]', 'yealink'); // a user agent
    expect(await ids()).toEqual(match('yealink'));
    await page.fill('[data-testid="filter"]', 'ipv6-call');
    expect(await ids()).toEqual(['ipv6-call-77@2001:db8:10::5']);
    await page.fill('[data-testid="filter"]', '');
    await page.selectOption('[data-testid="state-filter"]', 'CALL_ERROR');
    expect(await ids()).toEqual([byState('CALL_ERROR').SIP_CALL_ID]);
    await page.fill('[data-testid="filter"]', 'alice');
    expect(await rows()).toEqual([]);
    expect(await page.textContent('.list-empty')).toMatch(/No call matches/);
    await page.fill('[data-testid="filter"]', '');
    await page.selectOption('[data-testid="state-filter"]', '');
    expect((await rows()).length).toBe(6);
  });

  test('the filter language: the same calls as the CLI, errors with their column, keys completed, kept in the address', async () => {
    const ids = async () => (await rows()).map((r) => r.callId).sort();
    const cli = async (expr: string) => {
      const r = await runCli(['read', SAMPLE, '-q', '--format', 'jsonl', '--filter', expr]);
      expect(r.code, expr).toBe(0);
      return r.stdout === ''
        ? []
        : r.stdout
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { SIP_CALL_ID: string }).SIP_CALL_ID)
            .sort();
    };
    for (const expr of [
      'code>=400',
      'ip=198.51.100.0/24 -state=completed',
      '(carol or erin) setup<0.6',
      'codec=pcmu mos!=4.4',
      'verdict=no-rtp or ua~asterisk',
    ]) {
      await page.fill('[data-testid="filter"]', expr);
      const want = await cli(expr);
      expect(want.length, expr).toBeGreaterThan(0);
      expect(await ids(), expr).toEqual(want);
      expect(await ids(), expr).toEqual(
        records
          .filter(parseFilter(expr))
          .map((r) => r.SIP_CALL_ID)
          .sort(),
      );
      expect(await page.locator('[data-testid="filter-error"]').count()).toBe(0);
    }
    // a mistake: said under the box with its column, the list not filtered by it
    await page.fill('[data-testid="filter"]', 'mos<good');
    expect(await page.textContent('[data-testid="filter-error"]')).toBe('mos takes a number, not "good" (column 5)');
    expect(await page.getAttribute('[data-testid="filter"]', 'aria-invalid')).toBe('true');
    expect((await rows()).length).toBe(6);
    // keys completed: the word being typed, with Tab or a click
    await page.fill('[data-testid="filter"]', '');
    await page.type('[data-testid="filter"]', 'state=error cod');
    expect(await page.locator('[data-testid="filter-keys"] button').allTextContents()).toEqual(['code', 'codec']);
    await page.press('[data-testid="filter"]', 'Tab');
    expect(await page.inputValue('[data-testid="filter"]')).toBe('state=error code');
    await page.type('[data-testid="filter"]', '=486');
    expect(await ids()).toEqual([byState('CALL_ERROR').SIP_CALL_ID]);
    // kept in the address: a reload (or the link) shows the same filter, applied to the next run
    expect(new URL(page.url()).searchParams.get('filter')).toBe('state=error code=486');
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('[data-testid="drop-zone"]', { timeout: STEP_MS });
    expect(await page.inputValue('[data-testid="filter"]').catch(() => null)).toBe(null); // no list before a file
    expect(await load([SAMPLE])).toBe('done');
    expect(await page.inputValue('[data-testid="filter"]')).toBe('state=error code=486');
    expect(await ids()).toEqual([byState('CALL_ERROR').SIP_CALL_ID]);
    await page.fill('[data-testid="filter"]', '');
    expect(new URL(page.url()).searchParams.has('filter')).toBe(false);
    expect((await rows()).length).toBe(6);
  });

  test('KPIs: the numbers of `read --summary`, each bar and count a way into the list', async () => {
    const cli = await runCli(['read', SAMPLE, '-q', '--summary', 'json']);
    const k = JSON.parse(cli.stdout) as {
      attempts: number;
      answered: number;
      asr: number;
      ner: number;
      acd: number;
      pdd: { median: number };
    };
    await page.click('[data-testid="tab-kpis"]');
    const kpi = (id: string) => page.textContent(`[data-testid="kpi-${id}"]`);
    expect(await kpi('attempts')).toBe(String(k.attempts));
    expect(await kpi('answered')).toBe(String(k.answered));
    expect(await kpi('asr')).toBe(`${k.asr.toFixed(1)}%`);
    expect(await kpi('ner')).toBe(`${k.ner.toFixed(1)}%`);
    expect(await kpi('acd')).toBe(`${k.acd.toFixed(2)} s`);
    expect(await kpi('pdd')).toBe(`${k.pdd.median.toFixed(3)} s`);
    // the dashboard as the README shows it (written when missing or asked for: UPDATE_SCREENSHOT=1)
    const shot = tmp.file('kpis.png');
    await page.locator('.detail-pane').screenshot({ path: shot });
    if (!existsSync(KPI_SCREENSHOT) || process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, KPI_SCREENSHOT);
    expect(statSync(shot).size).toBeGreaterThan(5_000);
    const ids = async () => (await rows()).map((r) => r.callId).sort();
    await page.click('[data-testid="kpi-code-486"]');
    expect(await page.inputValue('[data-testid="filter"]')).toBe('code=486');
    expect(await ids()).toEqual([byState('CALL_ERROR').SIP_CALL_ID]);
    await page.click('[data-testid="kpi-verdict-no-rtp"]');
    expect(await ids()).toEqual(
      records
        .filter((r) => r.verdicts.includes('no-rtp'))
        .map((r) => r.SIP_CALL_ID)
        .sort(),
    );
    await page.click('[data-testid="kpi-outcome-cancelled"]');
    expect(await ids()).toEqual([byState('CALL_CANCELED').SIP_CALL_ID]);
    await page.click('[data-testid="kpi-worst"]');
    expect(await ids()).toEqual(['a84b4c76e66710@192.0.2.10']);
    // a minute's bar: the calls whose INVITE is in that minute
    await page.click('[data-testid="kpi-minute"][data-minute="2026-01-01 10:00"]');
    expect(await page.inputValue('[data-testid="filter"]')).toBe('start>=2026-01-01T10:00 start<2026-01-01T10:01');
    expect((await ids()).length).toBe(6);
    await page.fill('[data-testid="filter"]', '');
    expect((await rows()).length).toBe(6);
  });

  test('the split between the list and the call is dragged, moved by keys and remembered', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const rowsRoom = () =>
      page.evaluate(() => {
        const list = document.querySelector('[data-testid="call-list"]') as HTMLElement;
        const row = list.querySelector('[role="row"]:not(.head)') as HTMLElement | null;
        const head = list.querySelector('[role="row"].head') as HTMLElement | null;
        const h = row?.getBoundingClientRect().height ?? 28;
        return Math.floor((list.clientHeight - (head?.getBoundingClientRect().height ?? 0)) / h);
      });
    const share = async () => Number(await page.getAttribute('[data-testid="splitter"]', 'aria-valuenow'));
    const before = await share();
    const room = await rowsRoom();
    // drag the bar 200 px down: the list gets more rows
    const bar = (await page.locator('[data-testid="splitter"]').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 200, { steps: 5 });
    await page.mouse.up();
    const dragged = await share();
    expect(dragged).toBeGreaterThan(before + 20);
    expect(await rowsRoom()).toBeGreaterThanOrEqual(room + 6);
    expect(await rowsRoom()).toBeGreaterThanOrEqual(15);
    // keys move it by 5%
    await page.focus('[data-testid="splitter"]');
    await page.keyboard.press('ArrowUp');
    expect(await share()).toBe(dragged - 5);
    // remembered across a reload
    await page.reload({ waitUntil: 'load' });
    expect(await load([SAMPLE])).toBe('done');
    expect(await share()).toBe(dragged - 5);
    // back to the default for the tests after this one
    await page.evaluate(() => window.localStorage.removeItem('sipscope.listShare'));
    await page.reload({ waitUntil: 'load' });
    expect(await load([SAMPLE])).toBe('done');
    expect(await share()).toBe(before);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('layout: 1280×800, 900×700 and a 390×844 phone — no sideways page scroll (menus open too), 15 rows by default at 1280×800, the phone shows the list, then the call, then the list again', async () => {
    const p = await context!.newPage();
    try {
      await watch(p);
      await p.goto(server!.url, { waitUntil: 'load', timeout: STEP_MS });
      await p.evaluate(() => window.localStorage.removeItem('sipscope.listShare'));
      const sideways = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      const closeMenus = () => p.evaluate(closeDetails);
      for (const [w, h] of [
        [1280, 800],
        [900, 700],
        [390, 844],
      ] as const) {
        await p.setViewportSize({ width: w, height: h });
        await p.goto(server!.url, { waitUntil: 'load', timeout: STEP_MS });
        const before = await doneRuns(p);
        await p.setInputFiles('[data-testid="file-input"]', SAMPLE);
        expect(await finished(before, p)).toBe('done');
        expect(await sideways(), `${w}: list`).toBe(0);
        if (w === 1280) {
          const room = await p.evaluate(() => {
            const list = document.querySelector('[data-testid="call-list"]') as HTMLElement;
            const row = list.querySelector('[data-testid="call-row"]') as HTMLElement;
            const head = list.querySelector('[role="row"].head') as HTMLElement;
            return Math.floor((list.clientHeight - head.getBoundingClientRect().height) / row.getBoundingClientRect().height);
          });
          expect(room).toBeGreaterThanOrEqual(15);
        }
        for (const menu of ['.options summary', '.columns summary']) {
          await p.click(menu);
          expect(await sideways(), `${w}: ${menu} open`).toBe(0);
          await closeMenus();
        }
        await p.click('[data-testid="call-row"][data-index="0"]');
        await p.waitForSelector('[data-testid="ladder"][data-arrows]');
        expect(await sideways(), `${w}: call`).toBe(0);
        const listShown = () => p.isVisible('[data-testid="call-list"]');
        if (w === 390) {
          // one pane at a time: the call replaced the list; "← Calls" brings it back
          expect(await listShown()).toBe(false);
          await p.click('[data-testid="back-to-list"]');
          expect(await listShown()).toBe(true);
          expect(await p.isVisible('[data-testid="ladder"]')).toBe(false);
          await p.click('[data-testid="call-row"][data-index="1"]');
          await p.waitForSelector('[data-testid="ladder"][data-arrows]');
        } else {
          expect(await listShown()).toBe(true);
          expect(await p.isVisible('[data-testid="back-to-list"]')).toBe(false);
        }
      }
    } finally {
      await p.close();
    }
  });

  test('columns: the chooser hides and shows columns, the choice outlives a reload; # counts the calls in time order', async () => {
    const heads = () =>
      page.$$eval('[data-testid="call-list"] [role="columnheader"]', (e) => e.map((x) => x.textContent?.replace(/ [▲▼]$/, '') ?? ''));
    const all = await heads();
    expect(all).toContain('Codecs');
    await page.click('.columns summary');
    await page.uncheck('[data-testid="column-codecs"]');
    await page.uncheck('[data-testid="column-callId"]');
    expect(await heads()).toEqual(all.filter((h) => h !== 'Codecs' && h !== 'Call-ID'));
    await page.reload({ waitUntil: 'load' });
    expect(await load([SAMPLE])).toBe('done');
    expect(await heads()).toEqual(all.filter((h) => h !== 'Codecs' && h !== 'Call-ID'));
    await page.click('.columns summary');
    await page.check('[data-testid="column-codecs"]');
    await page.check('[data-testid="column-callId"]');
    await page.evaluate(closeDetails);
    expect(await heads()).toEqual(all);
    // # is the rank of the call's start among all calls, whatever the list is sorted by
    const byStart = [...records].sort((a, b) => tsNum(a.SIP_INVITE_TIME ?? a.flow.start) - tsNum(b.SIP_INVITE_TIME ?? b.flow.start));
    await page.click('[data-testid="sort-code"]');
    const numbers = await page.$$eval('[data-testid="call-row"]', (rows) =>
      rows.map((r) => [r.getAttribute('data-call-id'), r.querySelector('[data-col="i"]')?.textContent]),
    );
    for (const [id, n] of numbers) expect(Number(n), id ?? '').toBe(byStart.findIndex((r) => r.SIP_CALL_ID === id) + 1);
    await page.click('[data-testid="sort-i"]');
    expect((await rows()).map((r) => r.callId)).toEqual(byStart.map((r) => r.SIP_CALL_ID));
    await page.click('[data-testid="sort-start"]');
  });

  test("times: UTC by default; the browser's zone when asked, in the list, the ladder and the details; remembered", async () => {
    const p = await context!.newPage();
    try {
      await watch(p);
      // a zone half an hour off the hour, so nothing passes by chance
      const cdp = await context!.newCDPSession(p);
      await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Kolkata' });
      await p.goto(server!.url, { waitUntil: 'load', timeout: STEP_MS });
      const open = async () => {
        const before = await doneRuns(p);
        await p.setInputFiles('[data-testid="file-input"]', SAMPLE);
        expect(await finished(before, p)).toBe('done');
      };
      await open();
      const first = records.find((r) => r.SIP_CALL_ID.startsWith('a84b4c76'))!;
      const cell = `[data-testid="call-row"][data-call-id="${first.SIP_CALL_ID}"] [data-col="start"]`;
      expect(await p.textContent('[data-testid="sort-start"]')).toMatch(/^Start \(UTC\)/);
      expect(await p.textContent(cell)).toBe('2026-01-01 10:00:00.000');
      await p.selectOption('[data-testid="time-zone"]', 'local');
      expect(await p.textContent('[data-testid="sort-start"]')).toMatch(/^Start \(local\)/);
      expect(await p.textContent(cell)).toBe('2026-01-01 15:30:00.000');
      await p.click(`[data-testid="call-row"][data-call-id="${first.SIP_CALL_ID}"]`);
      await p.click('[data-testid="tab-ladder"]');
      await p.waitForSelector('[data-testid="ladder"][data-arrows]');
      expect(await p.textContent('[data-testid="ladder-arrow"][data-index="0"]')).not.toBeNull();
      const gutter = await p.$$eval('[data-testid="ladder-gutter"] text', (t) => t.map((e) => e.textContent ?? ''));
      expect(gutter).toContain('15:30:00.000000');
      expect(await p.textContent('.lg-corner')).toContain('2026-01-01 UTC+05:30');
      await p.click('[data-testid="tab-details"]');
      await p.waitForSelector('[data-testid="call-details"]');
      expect(await p.textContent('[data-testid="call-details"] tr[data-field="SIP_INVITE_TIME"] td')).toBe('2026-01-01 15:30:00.000000');
      // remembered in this browser
      await p.reload({ waitUntil: 'load' });
      await open();
      expect(await p.inputValue('[data-testid="time-zone"]')).toBe('local');
      await p.selectOption('[data-testid="time-zone"]', 'utc');
      expect(await p.textContent(cell)).toBe('2026-01-01 10:00:00.000');
    } finally {
      await p.evaluate(() => window.localStorage.removeItem('sipscope.timeZone')).catch(() => {});
      await p.close();
    }
  });

  test('keyboard: ↑ ↓ (j k) Home End select rows, / goes to the filter, Enter opens the ladder', async () => {
    await page.click('[data-testid="tab-stats"]');
    await page.focus('[data-testid="call-list"]');
    const selectedAt = async () => (await rows()).findIndex((r) => r.selected);
    // the first row may be selected from an earlier click: start from the top
    await page.keyboard.press('Home');
    expect(await selectedAt()).toBe(0);
    await page.keyboard.press('ArrowDown');
    expect(await selectedAt()).toBe(1);
    await page.keyboard.press('ArrowDown');
    expect(await selectedAt()).toBe(2);
    await page.keyboard.press('ArrowUp');
    expect(await selectedAt()).toBe(1);
    await page.keyboard.press('End');
    expect(await selectedAt()).toBe(5);
    await page.keyboard.press('ArrowDown'); // stays on the last
    expect(await selectedAt()).toBe(5);
    // k and j as ↑ and ↓
    await page.keyboard.press('k');
    expect(await selectedAt()).toBe(4);
    await page.keyboard.press('j');
    expect(await selectedAt()).toBe(5);
    // "/" goes to the filter (and typing there is typing, not a shortcut)
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('filter');
    await page.keyboard.type('j/k');
    expect(await page.inputValue('[data-testid="filter"]')).toBe('j/k');
    await page.fill('[data-testid="filter"]', '');
    await page.focus('[data-testid="call-list"]');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    const row = (await rows())[1];
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('[data-testid="tab-ladder"]', 'aria-selected')).toBe('true');
    await page.waitForFunction(
      (id) =>
        document.querySelector('.tab-title')?.textContent?.includes(id) && document.querySelector('[data-testid="ladder"][data-arrows]'),
      row.callId,
      {
        timeout: STEP_MS,
      },
    );
    expect((await arrows()).length).toBe(records[row.i].messages);
    // the diagram has the focus: ↓ walks the messages
    await page.keyboard.press('ArrowDown');
    expect(await page.textContent('[data-testid="raw-message"]')).toMatch(/^INVITE sip:/);
  });

  test('ladder of the busy call: INVITE, 100, 486, ACK between the right columns; click shows the raw message', async () => {
    const busy = byState('CALL_ERROR');
    await openLadder(busy.SIP_CALL_ID);
    expect(await participants()).toEqual(['192.0.2.11 5062', '198.51.100.21 5060']);
    const a = await arrows();
    expect(a.map((x) => [x.label, x.from, x.to])).toEqual([
      ['INVITE', 0, 1],
      ['100 Trying', 1, 0],
      ['486 Busy Here', 1, 0],
      ['ACK', 0, 1],
    ]);
    expect(a.map((x) => x.time)).toEqual(['10:00:05.000000', '10:00:05.020000', '10:00:05.400000', '10:00:05.410000']);
    expect(a.every((x) => x.mark === null)).toBe(true);
    // the INVITE's SDP summary is drawn under it
    expect(await page.textContent('[data-testid="ladder-arrow"][data-index="0"]')).toContain('PCMU,G729 192.0.2.11:7078');
    // each message's bytes, read again from the file when the ladder was opened, are those the
    // tracker saw
    const ladder = withLadders.find((r) => r.SIP_CALL_ID === busy.SIP_CALL_ID)!.ladder!;
    for (const k of [0, 1, 3, 2]) {
      await page.click(`[data-testid="ladder-arrow"][data-index="${k}"]`);
      expect(await page.textContent('[data-testid="raw-message"]')).toBe(new TextDecoder().decode(ladder[k].raw));
    }
    const raw = await page.textContent('[data-testid="raw-message"]');
    expect(raw).toMatch(/^SIP\/2\.0 486 Busy Here\r\n/);
    expect(raw).toContain('Reason: Q.850;cause=17;text="User busy"');
    expect(await page.textContent('[data-testid="raw-head"]')).toMatch(
      /486 Busy Here · frame \d+ · UDP 198\.51\.100\.21:5060 → 192\.0\.2\.11:5062/,
    );
    // the RTP endpoints from SDP
    expect(await page.textContent('[data-testid="ladder"]')).toContain('RTP (from SDP): caller 192.0.2.11:7078 <-> callee (no SDP answer)');
  });

  test('the TCP call shows the 100 and 180 that came in one segment', async () => {
    const tcp = tcpCall();
    await openLadder(tcp.SIP_CALL_ID);
    const a = await arrows();
    expect(a.map((x) => x.label)).toEqual(['INVITE', '100 Trying', '180 Ringing', '200 OK', 'ACK', 'BYE', '200 OK']);
    expect(a[1].frame).toBe(a[2].frame); // coalesced: one TCP segment
    expect([a[1].from, a[1].to, a[2].from, a[2].to]).toEqual([1, 0, 1, 0]);
    expect(a[1].time).toBe(a[2].time);
    expect(await participants()).toEqual(['192.0.2.11 40123', '198.51.100.20 5060']);
    // the answer to the BYE is told apart from the one to the INVITE
    const caption = (k: number) => page.textContent(`[data-testid="ladder-arrow"][data-index="${k}"] text`);
    expect(await caption(3)).toBe('200 OK (SDP)');
    expect(await caption(6)).toBe('200 OK (BYE)');
    await page.click('[data-testid="ladder-arrow"][data-index="2"]');
    expect(await page.textContent('[data-testid="raw-head"]')).toMatch(/180 Ringing · frame \d+ · TCP /);
  });

  test('ladder: one column per IP, relative and delta times', async () => {
    const first = records[0];
    await openLadder(first.SIP_CALL_ID);
    await page.check('[data-testid="merge-ip"]');
    expect(await participants()).toEqual(['192.0.2.10', '198.51.100.20']);
    await page.selectOption('[data-testid="time-mode"]', 'relative');
    expect((await arrows()).map((x) => x.time).slice(0, 3)).toEqual(['+0.000000', '+0.012000', '+0.350000']);
    await page.selectOption('[data-testid="time-mode"]', 'delta');
    expect((await arrows()).map((x) => x.time).slice(0, 3)).toEqual(['+0.000000', '+0.012000', '+0.338000']);
    await page.uncheck('[data-testid="merge-ip"]');
    await page.selectOption('[data-testid="time-mode"]', 'absolute');
    expect(await participants()).toEqual(['192.0.2.10 5060', '198.51.100.20 5060']);
  });

  test('ladder: "one column per IP" and the time mode stay as set when another call is opened', async () => {
    const [first, second] = [records[0], tcpCall()];
    await openLadder(first.SIP_CALL_ID);
    await page.check('[data-testid="merge-ip"]');
    await page.selectOption('[data-testid="time-mode"]', 'delta');
    await openLadder(second.SIP_CALL_ID);
    expect(await page.isChecked('[data-testid="merge-ip"]')).toBe(true);
    expect(await page.$eval('[data-testid="time-mode"]', (e) => (e as HTMLSelectElement).value)).toBe('delta');
    expect(await participants()).toEqual(['192.0.2.11', '198.51.100.20']);
    expect((await arrows())[0].time).toBe('+0.000000');
    // and across the other tabs
    await page.click('[data-testid="tab-details"]');
    await page.click('[data-testid="tab-ladder"]');
    await page.waitForSelector('[data-testid="ladder"][data-arrows]');
    expect(await page.isChecked('[data-testid="merge-ip"]')).toBe(true);
    await page.uncheck('[data-testid="merge-ip"]');
    await page.selectOption('[data-testid="time-mode"]', 'absolute');
    await openLadder(first.SIP_CALL_ID);
    expect(await page.isChecked('[data-testid="merge-ip"]')).toBe(false);
    expect((await arrows())[0].time).toBe('10:00:00.000000');
  });

  /** Where the ladder's pieces are on screen, and what the user sees of arrow k. */
  const ladderGeometry = (k: number) =>
    page.evaluate((k) => {
      const box = (e: Element | null) => {
        const r = e!.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width };
      };
      const d = document.querySelector<HTMLElement>('[data-testid="ladder"]')!;
      const dr = d.getBoundingClientRect();
      const arrow = document.querySelector(`[data-testid="ladder-arrow"][data-index="${k}"]`);
      return {
        // the part of the scroll box that shows content (inside the border, without scroll bars)
        view: {
          left: dr.left + d.clientLeft,
          top: dr.top + d.clientTop,
          right: dr.left + d.clientLeft + d.clientWidth,
          bottom: dr.top + d.clientTop + d.clientHeight,
        },
        scroll: {
          top: d.scrollTop,
          left: d.scrollLeft,
          height: d.scrollHeight,
          width: d.scrollWidth,
          clientHeight: d.clientHeight,
          clientWidth: d.clientWidth,
        },
        head: box(document.querySelector('[data-testid="ladder-head"]')),
        gutter: box(document.querySelector('[data-testid="ladder-gutter"]')),
        row: arrow ? box(arrow.querySelector('rect.hit')) : null,
        line: arrow ? box(arrow.querySelector('line, path')) : null,
        body: box(d.parentElement),
        diagram: box(d),
        raw: box(document.querySelector('[data-testid="raw-panel"]')),
        rawShown: document.querySelector<HTMLElement>('[data-testid="raw-panel"]')!.checkVisibility(),
        focused: document.activeElement?.getAttribute('data-testid') ?? null,
      };
    }, k);

  test('ladder: ↑ ↓ bring the selected arrow into view, below the header and right of the time gutter', async () => {
    const call = records.find((r) => r.SIP_CALL_ID.startsWith('b7c2e1f0'))!;
    await page.setViewportSize({ width: 980, height: 640 });
    try {
      await openLadder(call.SIP_CALL_ID);
      await page.focus('[data-testid="ladder"]');
      const n = call.messages;
      let g = await ladderGeometry(0);
      expect(g.scroll.height).toBeGreaterThan(g.scroll.clientHeight + 100); // the diagram must scroll for this to mean anything
      for (let k = 0; k < n; k++) {
        await page.keyboard.press('ArrowDown');
        g = await ladderGeometry(k);
        expect(await page.getAttribute(`[data-testid="ladder-arrow"][data-index="${k}"]`, 'class')).toContain('selected');
        expect(g.row!.top, `arrow ${k} under the header`).toBeGreaterThanOrEqual(g.head.bottom - 1);
        expect(g.row!.bottom, `arrow ${k} below the view`).toBeLessThanOrEqual(g.view.bottom + 1);
        expect(g.line!.left, `arrow ${k} under the gutter`).toBeGreaterThanOrEqual(g.gutter.right - 1);
        expect(g.line!.right, `arrow ${k} right of the view`).toBeLessThanOrEqual(g.view.right + 1);
      }
      expect(g.scroll.top).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid="raw-head"]')).toMatch(/^200 OK \(BYE\) · frame/);
      for (let k = n - 2; k >= 0; k--) {
        await page.keyboard.press('ArrowUp');
        g = await ladderGeometry(k);
        expect(g.row!.top, `arrow ${k} under the header`).toBeGreaterThanOrEqual(g.head.bottom - 1);
        expect(g.row!.bottom).toBeLessThanOrEqual(g.view.bottom + 1);
      }
      expect(g.scroll.top).toBe(0);
    } finally {
      await page.keyboard.press('Escape');
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('ladder: the participant row stays at the top and the time gutter at the left while the diagram scrolls', async () => {
    const call = records.find((r) => r.SIP_CALL_ID.startsWith('b7c2e1f0'))!;
    await page.setViewportSize({ width: 980, height: 640 });
    try {
      await openLadder(call.SIP_CALL_ID);
      await page.click('[data-testid="ladder-arrow"][data-index="1"]'); // the message panel narrows the diagram
      await page.$eval('[data-testid="ladder"]', (d) => {
        d.scrollTop = d.scrollHeight;
        d.scrollLeft = d.scrollWidth;
      });
      const last = call.messages - 1;
      const g = await ladderGeometry(last);
      expect(g.row!.top).toBeGreaterThanOrEqual(g.head.bottom); // the last row is in view, not under the header
      expect(g.scroll.top).toBeGreaterThan(50);
      expect(g.scroll.left).toBeGreaterThan(20);
      expect(Math.abs(g.head.top - g.view.top)).toBeLessThanOrEqual(1);
      expect(Math.abs(g.gutter.left - g.view.left)).toBeLessThanOrEqual(1);
      // what is on top at those places: the endpoints, the times
      const hit = await page.evaluate(
        ({ x, y, ty }) => {
          const at = (px: number, py: number) => document.elementFromPoint(px, py);
          const p = document.querySelectorAll('[data-testid="ladder-participant"] rect');
          const r = p[p.length - 1].getBoundingClientRect();
          return {
            participant:
              at(r.left + r.width / 2, r.top + r.height / 2)
                ?.closest('[data-testid="ladder-participant"]')
                ?.getAttribute('data-key') ?? null,
            corner: at(x, y)?.closest('.lg-corner') !== null,
            time: at(x, ty)?.closest('.time-row')?.getAttribute('data-index') ?? null,
          };
        },
        { x: g.view.left + 20, y: g.view.top + 10, ty: (g.row!.top + g.row!.bottom) / 2 },
      );
      expect(hit).toEqual({ participant: '198.51.100.21 5060', corner: true, time: String(last) });
      expect(await page.textContent(`[data-testid="ladder-gutter"] [data-index="${last}"] text`)).toBe('10:00:20.020000');
    } finally {
      await page.keyboard.press('Escape');
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('ladder: the message panel takes room only while a message is shown (Escape or × closes it)', async () => {
    const busy = byState('CALL_ERROR');
    await openLadder(busy.SIP_CALL_ID);
    let g = await ladderGeometry(0);
    expect(g.rawShown).toBe(false);
    expect(g.diagram.width).toBeGreaterThan(g.body.width - 2);
    await page.click('[data-testid="ladder-arrow"][data-index="2"]');
    g = await ladderGeometry(0);
    expect(g.rawShown).toBe(true);
    expect(g.raw.width).toBeGreaterThanOrEqual(280);
    expect(g.diagram.width).toBeLessThan(g.body.width - g.raw.width);
    expect(g.focused).toBe('ladder');
    await page.keyboard.press('Escape');
    g = await ladderGeometry(0);
    expect(g.rawShown).toBe(false);
    expect(g.diagram.width).toBeGreaterThan(g.body.width - 2);
    expect(await page.$('[data-testid="ladder-arrow"].selected')).toBeNull();
    await page.click('[data-testid="ladder-arrow"][data-index="0"]');
    expect(await page.textContent('[data-testid="raw-message"]')).toMatch(/^INVITE sip:/);
    await page.click('[data-testid="raw-close"]');
    g = await ladderGeometry(0);
    expect(g.rawShown).toBe(false);
    expect(g.focused).toBe('ladder');
  });

  test.runIf(existsSync(FOUR_ENDPOINTS))('ladder: a call through a B2BUA (four endpoints) fits a 1280×800 window', async () => {
    const p = await context!.newPage();
    try {
      await watch(p);
      await p.setViewportSize({ width: 1280, height: 800 });
      await p.goto(server!.url, { waitUntil: 'load', timeout: STEP_MS });
      const before = await doneRuns(p);
      await p.setInputFiles('[data-testid="file-input"]', FOUR_ENDPOINTS);
      expect(await finished(before, p)).toBe('done');
      await p.click('[data-testid="call-row"][data-index="0"]');
      await p.waitForSelector('[data-testid="ladder"][data-arrows]');
      expect(await p.$$eval('[data-testid="ladder-participant"]', (e) => e.length)).toBe(4);
      const d = await p.$eval('[data-testid="ladder"]', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
      expect(d.scroll).toBeLessThanOrEqual(d.client);
      // captions and SDP lines stay within the diagram
      const right = await p.$eval('[data-testid="ladder"]', (e) => e.getBoundingClientRect().right);
      const texts = await p.$$eval('[data-testid="ladder-arrow"] text', (t) => t.map((e) => e.getBoundingClientRect().right));
      expect(Math.max(...texts)).toBeLessThan(right);
    } finally {
      await p.close();
    }
  });

  test('details: every SPEC field, times in UTC and relative', async () => {
    const busy = byState('CALL_ERROR');
    await openLadder(busy.SIP_CALL_ID);
    await page.click('[data-testid="tab-details"]');
    await page.waitForSelector('[data-testid="call-details"]', { timeout: STEP_MS });
    const fields = await page.$$eval('[data-testid="call-details"] tr[data-field]', (trs) =>
      Object.fromEntries(
        trs.map((tr) => [tr.getAttribute('data-field'), Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')]),
      ),
    );
    for (const name of Object.keys(JSON.parse(expected.jsonl.toString().split('\n')[0])).filter((k) => k.startsWith('SIP_')))
      expect(fields[name]).toBeDefined();
    expect(fields.SIP_CALL_ID[0]).toBe(busy.SIP_CALL_ID);
    expect(fields.SIP_INVITE_FAILURE_TIME).toEqual(['2026-01-01 10:00:05.400000Z', '+0.400000 s']);
    expect(fields.SIP_TRYING_TIME).toEqual(['2026-01-01 10:00:05.020000Z', '+0.020000 s']);
    expect(fields.SIP_RINGING_TIME[0]).toBe('—');
    expect(fields.SIP_RESPONSE_CODE[0]).toBe('486');
    expect(fields.SIP_REASON_CAUSE[0]).toBe('17 (User busy)');
    expect(fields.SIP_CALL_STATE[0]).toBe('CALL_ERROR');
    expect(fields['flow.protocol']).toEqual(['17', 'UDP']);
    expect(fields.reason[0]).toBe('Q.850;cause=17;text="User busy"');
    expect(fields.exportCause[0]).toMatch(/final response/);
    expect(fields.leg[0]).toBe('1');
    expect(fields.fromTag[0]).toBe(busy.fromTag);
    const n = records.indexOf(busy) + 1;
    expect(fields.record[0]).toBe(
      `#${n} (line ${n} of the JSONL download; line ${n + 1} of the CSV and dump downloads, after their header line)`,
    );
  });

  test("run statistics: every undecoded-frame counter, with the run's values", async () => {
    await page.click('[data-testid="tab-stats"]');
    await page.waitForSelector('[data-testid="run-stats"]', { timeout: STEP_MS });
    const { stats } = await recordsOf([SAMPLE]);
    for (const k of PROBLEM_COUNTERS) {
      expect(await page.textContent(`[data-testid="counter-${k}"] td`), k).toBe(String(stats.engine.counters[k]));
    }
    expect(await page.textContent('[data-testid="counter-tcpStreams"] td')).toBe(String(stats.engine.counters.tcpStreams));
    expect(await page.textContent('[data-testid="stat-records"]')).toBe('6 (6 calls)');
    expect(await page.textContent('[data-testid="run-stats"]')).toContain('REGISTER 1');
  });

  test('downloads are byte-identical to `sipscope read` (dump, IPFIX, v9, JSONL, CSV)', async () => {
    for (const [id, key, name] of [
      ['download-dump', 'dump', 'sample.sip'],
      ['download-ipfix', 'ipfix', 'sample.ipfix'],
      ['download-v9', 'v9', 'sample.v9'],
      ['download-jsonl', 'jsonl', 'sample.jsonl'],
      ['download-csv', 'csv', 'sample.csv'],
    ] as const) {
      const d = await download(id);
      expect(d.name).toBe(name);
      expect(d.bytes.length, key).toBe(expected[key].length);
      expect(d.bytes.equals(expected[key]), `${key} differs from the CLI's`).toBe(true);
    }
    expect(expected.jsonl.toString().split('\n').length).toBe(7);
  });

  test("packets: the selected call's, and the listed calls', pcapng are the bytes of `sipscope extract`; tshark reads them", async () => {
    await load([SAMPLE]);
    const cliExtract = async (expr: string, name: string) => {
      const out = tmp.file(name);
      const r = await runCli(['extract', SAMPLE, '--filter', expr, '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out);
    };
    const talk = records.find((r) => r.media.length > 0)!;
    await page.click(`[data-testid="call-row"][data-call-id="${talk.SIP_CALL_ID}"]`);
    await page.click('[data-testid="tab-ladder"]');
    const one = await download('packets-call');
    expect(one.name).toMatch(/^sample-.*\.pcapng$/);
    const want = await cliExtract(`call-id="${talk.SIP_CALL_ID}"`, 'packets-call.pcapng');
    expect(one.bytes.equals(want), "the call's packets differ from the CLI's extract").toBe(true);

    await page.fill('[data-testid="filter"]', 'code>=400');
    await page.waitForFunction(() => document.querySelector('[data-testid="packets-list"]')?.textContent?.includes('listed call'));
    const listed = await download('packets-list');
    expect(listed.name).toBe('sample-filtered.pcapng');
    expect(listed.bytes.equals(await cliExtract('code>=400', 'packets-list.pcapng'))).toBe(true);
    await page.fill('[data-testid="filter"]', '');

    // anonymised: none of the parties' names or addresses, the same call for sipscope
    await page.check('[data-testid="anonymize"]');
    const anon = await download('packets-call');
    await page.uncheck('[data-testid="anonymize"]');
    expect(anon.name).toMatch(/-anon\.pcapng$/);
    const text = anon.bytes.toString('latin1').toLowerCase();
    for (const secret of ['alice', 'example.com', 'example.net', talk.flow.src, talk.flow.dst]) expect(text, secret).not.toContain(secret);
    const again = (await runCli(['read', tmp.write('anon-from-page.pcapng', anon.bytes), '-q', '--format', 'jsonl'])).stdout.trim();
    const theirs = JSON.parse(again) as CallRecord & Record<string, unknown>;
    expect([theirs.SIP_CALL_STATE, theirs.SIP_RESPONSE_CODE, theirs.SIP_INVITE_TIME, theirs.SIP_BYE_TIME, theirs.media.length]).toEqual([
      talk.SIP_CALL_STATE,
      talk.SIP_RESPONSE_CODE,
      Number((talk.SIP_INVITE_TIME!.sec + talk.SIP_INVITE_TIME!.nsec / 1e9).toFixed(6)),
      Number((talk.SIP_BYE_TIME!.sec + talk.SIP_BYE_TIME!.nsec / 1e9).toFixed(6)),
      talk.media.length,
    ]);

    if (tshark.missing.length === 0) {
      const saved = tmp.write('packets-from-page.pcapng', one.bytes);
      const ids = (await tsharkFields(saved, ['sip.Call-ID'])).flatMap((row) => row[0]);
      expect(new Set(ids)).toEqual(new Set([talk.SIP_CALL_ID]));
      const rtp = await tsharkFields(saved, ['frame.number'], { filter: 'rtp', extraPrefs: ['rtp.heuristic_rtp:TRUE'] });
      expect(rtp.length).toBe(talk.media.reduce((n, m) => n + m.packets, 0));
      // the filtered list's file: tshark finds exactly the failed calls in it
      const failed = records.filter((r) => r.SIP_RESPONSE_CODE >= 400).map((r) => r.SIP_CALL_ID);
      const listedIds = (await tsharkFields(tmp.write('listed-from-page.pcapng', listed.bytes), ['sip.Call-ID'])).flatMap((row) => row[0]);
      expect(new Set(listedIds)).toEqual(new Set(failed));
    }
  });

  test('the ladder as text and as SVG', async () => {
    const busy = byState('CALL_ERROR');
    await openLadder(busy.SIP_CALL_ID);
    const entries = withLadders.find((r) => r.SIP_CALL_ID === busy.SIP_CALL_ID)!.ladder!;
    const txt = await download('download-ladder-text');
    expect(txt.name).toMatch(/^call-\d+-3848276298220188511_192\.0\.2\.11\.txt$/);
    const text = txt.bytes.toString('utf8');
    expect(text).toContain(ladderText(ladderModel(entries), { time: 'absolute' }));
    expect(text).toMatch(/^Call-ID: 3848276298220188511@192\.0\.2\.11\n/);
    expect(text).toContain('|<-- 486 Busy Here ---|');
    const svg = await download('download-ladder-svg');
    const s = svg.bytes.toString('utf8');
    expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(s.match(/data-testid="ladder-arrow"/g)?.length).toBe(4);
    const parsed = await page.evaluate((src) => {
      const doc = new DOMParser().parseFromString(src, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName };
    }, s);
    expect(parsed).toEqual({ error: null, root: 'svg' });
  });

  test('screenshot of the app with a ladder (docs/screenshot.png)', async () => {
    await page.setViewportSize({ width: 1440, height: 960 });
    const call = records.find((r) => r.SIP_CALL_ID.startsWith('b7c2e1f0'))!; // auth proxy and early media
    await openLadder(call.SIP_CALL_ID);
    await page.click('[data-testid="ladder-arrow"][data-index="5"]'); // 183 with SDP
    await page.mouse.move(5, 5);
    const shot = tmp.file('screenshot.png');
    await page.screenshot({ path: shot });
    // written into the repository when missing or asked for (UPDATE_SCREENSHOT=1)
    if (!existsSync(SCREENSHOT) || process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, SCREENSHOT);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('a file dropped on the page (synthetic DataTransfer) is analysed', async () => {
    const before = await doneRuns();
    await dropFile(page, '[data-testid="drop-zone"]', readFileSync(SAMPLE), 'dropped.pcap', STEP_MS);
    expect(await finished(before)).toBe('done');
    expect(await callCount()).toBe(6);
    expect(await page.textContent('[data-testid="status"]')).toMatch(/^Done: dropped\.pcap/);
    const d = await download('download-jsonl');
    expect(d.name).toBe('dropped.jsonl');
    expect(d.bytes.equals(expected.jsonl)).toBe(true);
  });

  test("a B2BUA keeping the Call-ID: two rows, the second says it is the Call-ID's leg 2", async () => {
    // A → SBC with From-tag a1, SBC → C with its own From-tag s1: one Call-ID, two legs
    const bytes = sameCallIdBusyCapture();
    const before = await doneRuns();
    await dropFile(page, '[data-testid="drop-zone"]', bytes, 'b2bua.pcap', STEP_MS);
    expect(await finished(before)).toBe('done');
    expect(await callCount()).toBe(2);
    const texts = await page.$$eval('[data-testid="call-row"]', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(texts.filter((t) => t.includes('b2bua-legs@test · leg 2'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('192.0.2.10:5060'))).toHaveLength(1);
  });

  test('a capture of REGISTER and OPTIONS only: the empty list says what there is and offers to show it', async () => {
    const frames = [
      eth(udp4(A4, 5060, B4, 5060, req('REGISTER', 'only-reg'))),
      eth(udp4(B4, 5060, A4, 5060, resp(200, 'OK', 'only-reg', { method: 'REGISTER' }))),
      eth(udp4(A4, 5060, B4, 5060, req('OPTIONS', 'only-opt'))),
    ];
    const path = tmp.write('no-calls.pcap', pcap(frames));
    expect(await load([path])).toBe('done');
    expect(await callCount()).toBe(0);
    expect(await page.textContent('[data-testid="offer-dialogs"]')).toMatch(
      /^No calls \(INVITE dialogs\) in this capture, but (REGISTER 1, OPTIONS 1|OPTIONS 1, REGISTER 1):/,
    );
    const before = await doneRuns();
    await page.click('[data-testid="show-dialogs"]');
    expect(await finished(before)).toBe('done');
    expect((await rows()).map((r) => r.state).sort()).toEqual(['REGISTER', 'UNKNOWN']);
    expect(await page.textContent('.list-tools .count')).toBe('2 records (0 calls)');
    // the option is now set: back to the defaults for the tests after this one
    await page.click('[data-testid="options"] summary');
    expect(await page.isChecked('[data-testid="opt-all-dialogs"]')).toBe(true);
    await page.uncheck('[data-testid="opt-all-dialogs"]');
    await page.click('[data-testid="options"] summary');
    expect(await load([SAMPLE])).toBe('done');
  });

  test('options: --all-dialogs --timestamp-format 2, the same bytes as the CLI with them', async () => {
    const withOpts = await cliOutputs(tmp.file('cli-options'), SAMPLE, [
      '--all-dialogs',
      '--timestamp-format',
      '2',
      '--idle-timeout',
      '120',
    ]);
    await load([SAMPLE]);
    await page.click('[data-testid="options"] summary');
    await page.check('[data-testid="opt-all-dialogs"]');
    await page.selectOption('[data-testid="opt-timestamp-format"]', '2');
    await page.fill('[data-testid="opt-idle-timeout"]', '120');
    expect(await page.textContent('[data-testid="options"] code')).toBe(
      'sipscope read FILE --all-dialogs --idle-timeout 120 --timestamp-format 2',
    );
    const before = await doneRuns();
    await page.click('[data-testid="reanalyze"]');
    expect(await finished(before)).toBe('done');
    expect(await callCount()).toBe(7); // the REGISTER dialog is a record now
    expect(await page.textContent('.list-tools .count')).toBe('7 records (6 calls)');
    expect((await rows()).some((r) => r.state === 'REGISTER')).toBe(true);
    for (const [id, key] of [
      ['download-dump', 'dump'],
      ['download-csv', 'csv'],
      ['download-jsonl', 'jsonl'],
      ['download-ipfix', 'ipfix'],
      ['download-v9', 'v9'],
    ] as const) {
      const d = await download(id);
      expect(d.bytes.equals(withOpts[key]), `${key} differs from the CLI's with the same options`).toBe(true);
    }
    expect(withOpts.dump.toString()).toContain('2026-01-01T10:00:00.000000Z');
    // back to the defaults
    await page.uncheck('[data-testid="opt-all-dialogs"]');
    await page.selectOption('[data-testid="opt-timestamp-format"]', '1');
    await page.fill('[data-testid="opt-idle-timeout"]', '');
    await page.click('[data-testid="options"] summary');
  });

  test('damaged and non-capture files give a clear message, never a blank page', async () => {
    const sample = readFileSync(SAMPLE);
    const rnd = prng(7);
    const random = Buffer.alloc(65536);
    for (let i = 0; i < random.length; i++) random[i] = Math.floor(rnd() * 256);
    random[0] = 0x42; // no capture or gzip magic by chance
    const impossible = Buffer.from(sample);
    impossible.writeUInt32LE(0x7fffffff, 24 + 8); // first record's captured length
    const files: [string, Buffer, RegExp][] = [
      [
        'notes.txt',
        Buffer.from('This is a text file, not a capture.\n'),
        /notes\.txt: not a pcap, pcapng, snoop or NetMon 2\.x capture \(unknown file header\).*nothing was read from this file/,
      ],
      ['random.bin', random, /random\.bin: not a pcap, pcapng, snoop or NetMon 2\.x capture \(unknown file header\)/],
      [
        'truncated.pcap',
        sample.subarray(0, sample.length - 100),
        /truncated\.pcap: the file ends in the middle of a record \(truncated capture\) \(at byte \d+\)/,
      ],
      [
        'impossible.pcap',
        impossible,
        /impossible\.pcap: a record has an impossible length: the file is damaged; reading of this file stopped there \(at byte 24\)/,
      ],
      ['empty.pcap', Buffer.alloc(0), /empty\.pcap: the file is empty/],
      ['bad.pcap.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), random.subarray(0, 4096)]), /bad\.pcap\.gz: gzip: /],
      ['cut.pcap.gz', gzipSync(sample).subarray(0, 2000), /cut\.pcap\.gz: gzip: /],
    ];
    for (const [name, bytes, message] of files) {
      const path = tmp.file(name);
      await writeFile(path, bytes);
      const { records: nodeRecords } = await recordsOf([path]);
      expect(await load([path]), name).toBe('done');
      const problems = await page.textContent('[data-testid="problems"]', { timeout: STEP_MS });
      expect(problems, name).toMatch(message);
      expect(await callCount(), name).toBe(nodeRecords.length);
      if (nodeRecords.length === 0) expect(await page.textContent('.list-empty')).toMatch(/No calls in this capture/);
      if (name === 'impossible.pcap') {
        // reading stopped after the file header: that much is shown as read, of the whole file
        await page.click('[data-testid="tab-stats"]');
        expect(await page.textContent('[data-testid="file-status"] td')).toBe(`24 B of ${(bytes.length / 1e3).toFixed(1)} kB`);
        await page.click('[data-testid="tab-ladder"]');
      }
      expect(await page.$('[data-testid="crash"]')).toBeNull();
      expect((await page.textContent('body'))!.length).toBeGreaterThan(100);
    }
    // a good file and a bad one, as one capture: the calls of the good one, the message of the other
    const before = await doneRuns();
    await page.setInputFiles('[data-testid="file-input"]', [SAMPLE, tmp.file('notes.txt')]);
    expect(await finished(before)).toBe('done');
    expect(await callCount()).toBe(6);
    expect(await page.textContent('[data-testid="problems"]')).toMatch(/notes\.txt: not a pcap/);
    await page.click('[data-testid="tab-stats"]');
    expect(await page.$$eval('[data-testid="file-status"]', (t) => t.map((r) => r.className))).toEqual(['', 'bad']);
  });

  // ---------------------------------------------------------------- a large capture

  test('a 256 MiB capture: the first call shows before the end, the heap stays bounded', { timeout: BIG_MS + 60_000 }, async () => {
    const path = tmp.file('voip-256MiB.pcap');
    const t0 = performance.now();
    big = generateCapture({ kind: 'voip', path, seed: 11, targetBytes: 256 * MiB, concurrent: 150 });
    report.push(
      `generated ${path}: ${(big.bytes / 1e6).toFixed(0)} MB, ${big.calls} calls, ${big.duration.toFixed(0)} s of capture, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const p = await context!.newPage();
    try {
      await watch(p);
      const probe = await HeapProbe.attach(context!, p);
      await p.goto(server!.url, { waitUntil: 'load', timeout: STEP_MS });
      probe.start(100);
      const before = await doneRuns(p);
      await p.setInputFiles('[data-testid="file-input"]', path, { timeout: STEP_MS });
      // the list fills in while the file is read
      await p.waitForFunction(() => document.querySelectorAll('[data-testid="call-row"]').length > 0, null, {
        timeout: BIG_MS,
        polling: 50,
      });
      const whileReading = await p.getAttribute('[data-testid="status"]', 'data-state');
      expect(await finished(before, p, BIG_MS)).toBe('done');
      probe.stop();
      await withTimeout(probe.sample(), 10_000, 'heap sample');
      expect(probe.workerCount).toBe(1);
      const attr = async (n: string) => Number(await p.getAttribute('[data-testid="status"]', n));
      const firstMs = await attr('data-first-row-ms');
      const doneMs = await attr('data-done-ms');
      const k = probe.peaks;
      report.push(
        `256 MiB capture in the page: first call after ${(firstMs / 1000).toFixed(2)} s, done after ${(doneMs / 1000).toFixed(2)} s ` +
          `(${(big.bytes / 1e6 / (doneMs / 1000)).toFixed(0)} MB/s); heap high-water: page ${(k.page.used / MiB).toFixed(1)} MiB, ` +
          `worker ${(k.worker.used / MiB).toFixed(1)} MiB (+ ${(k.worker.backing / MiB).toFixed(1)} MiB array buffers incl. WASM memory), ${k.samples} samples`,
      );
      expect(whileReading).toBe('running');
      expect(firstMs).toBeLessThan(doneMs * 0.9);
      expect(Number(await p.textContent('[data-testid="call-count"]'))).toBe(big.calls);
      expect(k.samples).toBeGreaterThan(3);
      expect(k.page.used).toBeLessThan(64 * MiB);
      expect(k.worker.used).toBeLessThan(64 * MiB);
      expect(k.worker.used + k.worker.backing).toBeLessThan(192 * MiB); // the file is 256 MiB
      await probe.detach();
    } finally {
      await p.close();
    }
  });

  /** Click Cancel once reading has begun (the progress bar has moved); the page notes when it
   *  clicked and when the status first said "Cancelled". */
  async function cancelOnceReading(p: Page = page): Promise<void> {
    await p.evaluate(() => {
      const w = window as unknown as { __cancelAt?: number; __cancelledAt?: number };
      w.__cancelAt = undefined;
      w.__cancelledAt = undefined;
      const mo = new MutationObserver(() => {
        const b = document.querySelector<HTMLButtonElement>('[data-testid="cancel"]');
        const bar = document.querySelector('[data-testid="progress"]');
        if (w.__cancelAt === undefined && b && !b.disabled && bar && Number(bar.getAttribute('aria-valuenow')) >= 1) {
          w.__cancelAt = performance.now();
          b.click();
        }
        if (w.__cancelAt !== undefined && document.querySelector('[data-testid="status"]')?.textContent?.startsWith('Cancelled')) {
          w.__cancelledAt = performance.now();
          mo.disconnect();
        }
      });
      mo.observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
        attributeFilter: ['aria-valuenow'],
      });
    });
  }

  const cancelLatencyMs = (p: Page = page) =>
    p.evaluate(() => {
      const w = window as unknown as { __cancelAt?: number; __cancelledAt?: number };
      return w.__cancelAt !== undefined && w.__cancelledAt !== undefined ? w.__cancelledAt - w.__cancelAt : null;
    });

  test('cancel stops reading within a bound; the calls read so far are kept', { timeout: BIG_MS }, async () => {
    expect(big).not.toBeNull();
    const path = tmp.file('voip-256MiB.pcap');
    await cancelOnceReading();
    const before = await doneRuns();
    await page.setInputFiles('[data-testid="file-input"]', path, { timeout: STEP_MS });
    expect(await finished(before, page, BIG_MS)).toBe('done');
    expect(await page.textContent('[data-testid="status"]')).toMatch(/^Cancelled: voip-256MiB\.pcap · /);
    // the worker lets the Cancel in between chunks: the run ends soon after the click, long
    // before the file would have been read (about a second here)
    const latency = await cancelLatencyMs();
    report.push(`Cancel during a 256 MiB file: "Cancelled" shown ${latency?.toFixed(0)} ms after the click`);
    expect(latency).not.toBeNull();
    expect(latency!).toBeLessThan(1000);
    await page.click('[data-testid="tab-stats"]');
    expect(await page.textContent('[data-testid="run-stats"]')).toContain('Cancelled by you');
    const row = page.locator('[data-testid="file-status"]').first();
    expect(await row.locator('td').first().textContent()).not.toBe(`${(big!.bytes / 1e6).toFixed(1)} MB`);
    // reading was stopped, the file is not damaged: no "truncated capture"
    expect(await row.getAttribute('class')).not.toContain('bad');
    expect(await row.textContent()).toContain('cancelled here');
    expect(await page.textContent('[data-testid="counter-truncatedFiles"] td')).toBe('0');
    // the downloads are those of what was read: JSON Lines kept during the run, CSV built on the
    // click by reading the file again exactly as far as the run read it
    const d = await download('download-jsonl');
    const lines = d.bytes.toString().split('\n').filter(Boolean);
    expect(lines.length).toBe(await callCount());
    const csv = (await download('download-csv')).bytes.toString().split('\r\n').filter(Boolean);
    expect(csv.length).toBe(lines.length + 1);
    for (const [k, l] of lines.entries()) expect(csv[k + 1]).toContain((JSON.parse(l) as { SIP_CALL_ID: string }).SIP_CALL_ID);
  });

  test('cancel during the first of several files: "Cancelled", no file reported damaged', { timeout: BIG_MS }, async () => {
    expect(big).not.toBeNull();
    await cancelOnceReading();
    const before = await doneRuns();
    await page.setInputFiles('[data-testid="file-input"]', [tmp.file('voip-256MiB.pcap'), SAMPLE], { timeout: STEP_MS });
    expect(await finished(before, page, BIG_MS)).toBe('done');
    expect(await page.textContent('[data-testid="status"]')).toMatch(/^Cancelled: /);
    await page.click('[data-testid="tab-stats"]');
    const stats = await page.textContent('[data-testid="run-stats"]');
    expect(stats).not.toMatch(/truncated capture|damaged/);
    expect(await page.locator('[data-testid="file-status"].bad').count()).toBe(0);
    // nor counted as a file ending inside a record
    expect(await page.textContent('[data-testid="counter-truncatedFiles"] td')).toBe('0');
  });

  // ---------------------------------------------------------------- the whole session

  test("no request left the app's origin, no page error, no CSP violation", async () => {
    const origin = server!.origin;
    expect(requests.length).toBeGreaterThan(0);
    // blob: URLs (downloads) carry the page's origin
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(requests.some((u) => /\/sipscope\/assets\/core-[^/]*\.wasm$/.test(u))).toBe(true);
    expect(server!.log.filter((l) => !l.endsWith(' 200'))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });
});
