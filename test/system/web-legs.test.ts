// The legs of one call (SPEC §9) in the web app, in headless Chromium (playwright-core,
// /usr/bin/chromium), on captures the test writes (test/support/b2bua-capture.ts): a call through
// a B2BUA whose second leg has its own Call-ID and names the first in X-CID, its messages between
// the first leg's, beside an unrelated call; and B2BUAs that keep the Call-ID. With "Group legs"
// the two legs are one row that opens to them, filters and sorting still work; the whole-call
// ladder draws all 14 messages in time order between the right columns (the phone leftmost, the
// SBC's two ports in the middle, the callee rightmost), each leg in its colour with a legend, and
// a click shows the message; Details lists both legs with why they are tied, selects one on a
// click, and limits the list to them; at 1280×800 nothing overflows. Skipped with a message when
// chromium is missing, unless CI=true.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../support/static-server.ts';
import { CHROMIUM, CSP, buildSite, dropFile, launchChromium, withTimeout, closeBrowser } from '../support/chromium.ts';
import { sameCallIdBusyCapture, sameCallIdCapture, xcidCapture, type WrittenCapture } from '../support/b2bua-capture.ts';
import { runCli } from '../support/cli.ts';
import { jsonl } from '../support/jsonl.ts';
import { repoRoot } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';
import { partyText } from '../../web/format.ts';

const chromium = toolGate([CHROMIUM], 'web-legs');
const haveChromium = chromium.missing.length === 0;
const STEP_MS = 20_000;

test.runIf(chromium.mustFail)('chromium is installed under CI', () => chromium.assertAvailable());

/** "ip:port" as the ladder's column key ("ip port"). */
const key = (endpoint: string) => endpoint.replace(/:(\d+)$/, ' $1');
/** capture seconds after 10:00:00 as the ladder's absolute time */
const clock = (t: number) => `10:00:${t.toFixed(6).padStart(9, '0')}`;

describe.skipIf(!haveChromium)('legs of a call in the browser (Chromium)', () => {
  const tmp = tempDir('web-legs');
  let server: StaticServer | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let xcid: WrittenCapture;
  let records: Record<string, any>[] = [];
  const pageErrors: string[] = [];

  /** `sipscope read --format jsonl` of a capture, from the source tree. */
  async function cliRecords(name: string, bytes: Uint8Array): Promise<Record<string, any>[]> {
    const file = tmp.write(name, bytes);
    const r = await runCli(['read', file, '--format', 'jsonl', '-q', '--no-progress'], {
      fromSource: true,
      timeoutMs: 60_000,
      throwOnTimeout: true,
    });
    expect(r.code, r.stderr).toBe(0);
    return jsonl(r.stdout);
  }

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'build', 'core.wasm'))) throw new Error('build/core.wasm is missing: run `npm run build:wasm`');
    xcid = xcidCapture();
    const site = tmp.file('site');
    [, records] = await Promise.all([buildSite(repoRoot, site), cliRecords('xcid.pcap', xcid.bytes)]);
    server = await startStaticServer(site, { prefix: '/sipscope/', headers: { 'Content-Security-Policy': CSP } });
    context = await launchChromium(tmp.file('profile'), { viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(STEP_MS);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && pageErrors.push(`worker: ${m.text()}`)));
    await page.goto(server.url, { waitUntil: 'load', timeout: STEP_MS });
    await page.waitForSelector('[data-testid="drop-zone"]', { timeout: STEP_MS });
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(context, server);
  }, 40_000);

  // ---------------------------------------------------------------- helpers

  async function drop(bytes: Uint8Array, name: string): Promise<void> {
    const before = Number(await page.getAttribute('[data-testid="status"]', 'data-run'));
    await dropFile(page, '[data-testid="drop-zone"]', bytes, name, STEP_MS);
    await page.waitForFunction(
      (prev) => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-run')) > prev,
      before,
      {
        timeout: STEP_MS,
        polling: 50,
      },
    );
    expect(await page.getAttribute('[data-testid="status"]', 'data-state')).toBe('done');
  }

  interface ListEntry {
    kind: 'group' | 'call';
    callId: string;
    legs: number | null;
    legOf: string | null;
    ties: string;
  }
  const list = (): Promise<ListEntry[]> =>
    page.$$eval('[data-testid="call-row"], [data-testid="group-row"]', (els) =>
      els
        .map((e) => ({
          top: Number.parseFloat((e as HTMLElement).style.top),
          kind: e.getAttribute('data-testid') === 'group-row' ? ('group' as const) : ('call' as const),
          callId: e.getAttribute('data-call-id') ?? '',
          legs: e.hasAttribute('data-legs') ? Number(e.getAttribute('data-legs')) : null,
          legOf: e.getAttribute('data-leg-of'),
          ties: e.getAttribute('data-correlated-by') ?? '',
        }))
        .sort((a, b) => a.top - b.top)
        .map(({ top: _, ...rest }) => rest),
    );
  const cells = (selector: string) =>
    page.$$eval(`${selector} [role="gridcell"]`, (cs) =>
      Object.fromEntries(cs.map((c) => [c.getAttribute('data-col'), c.textContent ?? ''])),
    );

  async function setGrouped(on: boolean): Promise<void> {
    if ((await page.isChecked('[data-testid="group-legs"]')) !== on) await page.click('[data-testid="group-legs"]');
  }

  /** Select a record by its Call-ID (its row, or its group's row) and wait for its tab. */
  async function selectLeg(selector: string, callId: string, tab: 'ladder' | 'details'): Promise<void> {
    await page.click(selector);
    await page.click(`[data-testid="tab-${tab}"]`);
    const ready = tab === 'ladder' ? '[data-testid="ladder"][data-arrows], [data-testid="ladder-loading"]' : '[data-testid="call-details"]';
    await page.waitForFunction(
      ([id, sel]) => document.querySelector('.tab-title')?.textContent?.includes(id) && document.querySelector(sel),
      [callId, ready] as const,
      { timeout: STEP_MS },
    );
  }

  interface ArrowInfo {
    label: string;
    from: number;
    to: number;
    time: string;
    leg: string | null;
    stroke: string | null;
  }
  const arrows = (): Promise<ArrowInfo[]> =>
    page.$$eval('[data-testid="ladder-arrow"]', (els) =>
      els.map((e) => ({
        label: e.getAttribute('data-label') ?? '',
        from: Number(e.getAttribute('data-from')),
        to: Number(e.getAttribute('data-to')),
        time: e.getAttribute('data-time') ?? '',
        leg: e.getAttribute('data-leg'),
        stroke: e.querySelector('line, path')?.getAttribute('stroke') ?? null,
      })),
    );
  const participants = () => page.$$eval('[data-testid="ladder-participant"]', (els) => els.map((e) => e.getAttribute('data-key') ?? ''));

  async function wholeCall(arrowCount: number): Promise<void> {
    await page.click('[data-testid="ladder-whole-call"]');
    await page.waitForSelector(`[data-testid="ladder"][data-whole="true"][data-arrows="${arrowCount}"]`, { timeout: STEP_MS });
  }

  /** Nothing wider than its box: the list, the tab body, the ladder diagram. */
  async function fits(): Promise<void> {
    for (const sel of ['[data-testid="call-list"]', '.tab-body', '.list-tools']) {
      const f = await page.$eval(sel, (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
      expect(f.scroll, `${sel} overflows`).toBeLessThanOrEqual(f.client);
    }
  }

  // ---------------------------------------------------------------- a call with an X-CID leg

  test('the records: two legs tied by X-CID, an unrelated call alone', () => {
    const by = (id: string) => records.find((r) => r.SIP_CALL_ID === id)!;
    expect(records.length).toBe(3);
    expect(by('a-leg@test')).toMatchObject({ fromTag: 'a1', callGroup: 'a-leg@test', correlatedBy: ['x-cid'] });
    expect(by('b-leg@test')).toMatchObject({ fromTag: 'b1', callGroup: 'a-leg@test', correlatedBy: ['x-cid'] });
    expect(by('other@test')).toMatchObject({ callGroup: 'other@test', correlatedBy: [] });
  });

  test('"Group legs": one row of 2 legs and the unrelated call alone; the row opens to its legs', async () => {
    await drop(xcid.bytes, 'xcid.pcap');
    expect(await page.isChecked('[data-testid="group-legs"]')).toBe(false);
    expect((await list()).map((e) => [e.kind, e.callId])).toEqual([
      ['call', 'a-leg@test'],
      ['call', 'b-leg@test'],
      ['call', 'other@test'],
    ]);
    await setGrouped(true);
    expect(await list()).toEqual([
      { kind: 'group', callId: 'a-leg@test', legs: 2, legOf: null, ties: 'x-cid' },
      { kind: 'call', callId: 'other@test', legs: null, legOf: null, ties: '' },
    ]);
    // the first leg's time and caller, the last leg's callee
    const a = records.find((r) => r.SIP_CALL_ID === 'a-leg@test')!;
    const b = records.find((r) => r.SIP_CALL_ID === 'b-leg@test')!;
    const g = await cells('[data-testid="group-row"]');
    expect(g.start).toBe('2026-01-01 10:00:00.000');
    expect(g.from).toBe(partyText(a.SIP_CALLING_PARTY));
    expect(g.to).toBe(partyText(b.SIP_CALLED_PARTY));
    expect(g.addr).toBe('10.0.0.1:5060 → 10.0.0.3:5060');
    expect(g.callId).toBe('a-leg@test · 2 legs');
    expect(g.messages).toBe('14');
    expect(await page.getAttribute('[data-testid="group-row"]', 'data-state')).toBe('CALL_COMPLETED');
    expect(await page.textContent('[data-testid="call-count"]')).toBe('3');
    // open: the legs under the row, earliest first; closed again
    await page.click('[data-testid="group-toggle"]');
    expect((await list()).map((e) => [e.kind, e.callId, e.legOf])).toEqual([
      ['group', 'a-leg@test', null],
      ['call', 'a-leg@test', 'a-leg@test'],
      ['call', 'b-leg@test', 'a-leg@test'],
      ['call', 'other@test', null],
    ]);
    expect(await page.getAttribute('[data-testid="group-toggle"]', 'aria-expanded')).toBe('true');
    await page.click('[data-testid="group-toggle"]');
    expect((await list()).length).toBe(2);
    await fits();
  });

  test('grouped: sorting and the filters still work (a group shows when any of its legs matches)', async () => {
    const order = async () => (await list()).map((e) => e.callId);
    await page.click('[data-testid="sort-start"]'); // descending: the unrelated call began later
    expect(await order()).toEqual(['other@test', 'a-leg@test']);
    await page.click('[data-testid="sort-start"]');
    expect(await order()).toEqual(['a-leg@test', 'other@test']);
    await page.click('[data-testid="sort-messages"]');
    await page.click('[data-testid="sort-messages"]'); // the group's 14 messages first
    expect(await order()).toEqual(['a-leg@test', 'other@test']);
    await page.click('[data-testid="sort-start"]');
    // only leg B says sbc.example.com: the group still shows, and opens to both legs
    await page.fill('[data-testid="filter"]', 'sbc.example.com');
    expect(await list()).toMatchObject([{ kind: 'group', callId: 'a-leg@test', legs: 2 }]);
    expect(await page.textContent('[data-testid="shown-count"]')).toBe('1');
    await page.click('[data-testid="group-toggle"]');
    expect(
      await page.$$eval('[data-testid="call-row"][data-leg-of]', (r) =>
        r.map((e) => [e.getAttribute('data-call-id'), e.classList.contains('nomatch')]),
      ),
    ).toEqual([
      ['a-leg@test', true],
      ['b-leg@test', false],
    ]);
    await page.click('[data-testid="group-toggle"]');
    await page.fill('[data-testid="filter"]', 'dave');
    expect((await list()).map((e) => e.callId)).toEqual(['other@test']);
    await page.fill('[data-testid="filter"]', '');
    await page.selectOption('[data-testid="state-filter"]', 'CALL_ERROR');
    expect(await list()).toEqual([]);
    await page.selectOption('[data-testid="state-filter"]', '');
    expect((await list()).length).toBe(2);
  });

  test('keyboard: ↓ ↑ move over the group row, → opens it, ← closes it', async () => {
    await page.click('[data-testid="tab-stats"]');
    await page.focus('[data-testid="call-list"]');
    await page.keyboard.press('Home');
    const selected = () =>
      page.$$eval('[data-testid="call-list"] [aria-selected="true"]', (r) =>
        r.map((e) => `${e.getAttribute('data-testid')} ${e.getAttribute('data-call-id')}`),
      );
    expect(await selected()).toEqual(['group-row a-leg@test']);
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toEqual(['call-row a-leg@test']);
    await page.keyboard.press('ArrowDown');
    expect(await selected()).toEqual(['call-row b-leg@test']);
    await page.keyboard.press('ArrowDown');
    expect(await selected()).toEqual(['call-row other@test']);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await selected()).toEqual(['call-row a-leg@test']);
    await page.keyboard.press('ArrowUp'); // the open group's row stands for no record: stays on the first leg
    expect(await selected()).toEqual(['call-row a-leg@test']);
    await page.keyboard.press('ArrowLeft');
    expect(await selected()).toEqual(['group-row a-leg@test']);
    expect((await list()).length).toBe(2);
  });

  test('whole-call ladder: all 14 messages of both legs in time order between their own columns, each leg in its colour', async () => {
    await selectLeg('[data-testid="group-row"]', 'a-leg@test', 'ladder');
    await page.waitForSelector('[data-testid="ladder"][data-arrows="7"]');
    expect(await participants()).toEqual(['10.0.0.1 5060', '10.0.0.2 5060']);
    expect(await page.getAttribute('[data-testid="ladder-this-leg"]', 'aria-pressed')).toBe('true');
    expect(await page.textContent('[data-testid="ladder-whole-call"]')).toBe('Whole call (2 legs)');
    await wholeCall(14);
    const cols = await participants();
    expect(cols).toEqual(['10.0.0.1 5060', '10.0.0.2 5060', '10.0.0.2 5070', '10.0.0.3 5060']);
    const a = await arrows();
    const expected = xcid.messages.filter((m) => m.callId !== 'other@test');
    expect(expected.length).toBe(14);
    expect(a.map((x) => [x.label, cols[x.from], cols[x.to], x.time, x.leg])).toEqual(
      expected.map((m) => [m.label, key(m.src), key(m.dst), clock(m.t), m.callId === 'a-leg@test' ? '0' : '1']),
    );
    // B's messages come between A's, and the times never go back
    expect(a.map((x) => x.leg).join('')).toMatch(/1+0+1/);
    expect(a.map((x) => x.time)).toEqual(a.map((x) => x.time).sort());
    // a colour per leg, and a legend naming each leg
    const stroke = (leg: string) => new Set(a.filter((x) => x.leg === leg).map((x) => x.stroke));
    expect(stroke('0').size).toBe(1);
    expect(stroke('1').size).toBe(1);
    expect([...stroke('0')][0]).not.toBe([...stroke('1')][0]);
    const legend = await page.$$eval('[data-testid="ladder-leg"]', (l) =>
      l.map((e) => [e.getAttribute('data-call-id'), e.textContent?.trim(), getComputedStyle(e).color]),
    );
    expect(legend.map(([id, text]) => [id, text])).toEqual([
      ['a-leg@test', 'a-leg@test · leg 1'],
      ['b-leg@test', 'b-leg@test · leg 1'],
    ]);
    // the roles: the phone is the caller, the far end the callee
    expect(await page.$$eval('[data-testid="ladder-participant"] title', (t) => t.map((e) => e.textContent))).toEqual([
      '10.0.0.1:5060 (caller)',
      '10.0.0.2:5060',
      '10.0.0.2:5070',
      '10.0.0.3:5060 (callee)',
    ]);
    // four columns fit the window
    const d = await page.$eval('[data-testid="ladder"]', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    expect(d.scroll).toBeLessThanOrEqual(d.client);
    await fits();
    // a click shows that message: leg B's INVITE with its X-CID
    const k = expected.findIndex((m) => m.callId === 'b-leg@test' && m.label === 'INVITE');
    await page.click(`[data-testid="ladder-arrow"][data-index="${k}"]`);
    const raw = await page.textContent('[data-testid="raw-message"]');
    expect(raw).toMatch(/^INVITE sip:carol@10\.0\.0\.3 SIP\/2\.0\r\n/);
    expect(raw).toContain('X-CID: a-leg@test\r\n');
    expect(await page.textContent('[data-testid="raw-head"]')).toMatch(/INVITE · frame \d+ · UDP 10\.0\.0\.2:5070 → 10\.0\.0\.3:5060/);
    expect(await page.textContent('[data-testid="raw-leg"]')).toBe('b-leg@test · leg 1');
    await page.click('[data-testid="raw-close"]');
    // merged by IP: three columns
    await page.check('[data-testid="merge-ip"]');
    expect(await participants()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    await page.uncheck('[data-testid="merge-ip"]');
  });

  test('whole call stays chosen for the other leg; "This leg" shows one leg again; the downloads name both legs', async () => {
    // leg B from its row under the open group
    await page.click('[data-testid="group-toggle"]');
    await selectLeg('[data-testid="call-row"][data-call-id="b-leg@test"]', 'b-leg@test', 'ladder');
    await page.waitForSelector('[data-testid="ladder"][data-whole="true"][data-arrows="14"]');
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: STEP_MS }),
      page.click('[data-testid="download-ladder-text"]'),
    ]);
    const text = readFileSync(await withTimeout(dl.path(), STEP_MS, 'ladder download'), 'utf8');
    expect(dl.suggestedFilename()).toMatch(/-legs\.txt$/);
    expect(text).toMatch(/^Call: a-leg@test · 2 legs/);
    expect(text).toContain('leg 1: a-leg@test · leg 1 (7 messages)');
    expect(text).toContain('leg 2: b-leg@test · leg 1 (7 messages)');
    await page.click('[data-testid="ladder-this-leg"]');
    await page.waitForSelector('[data-testid="ladder"]:not([data-whole])[data-arrows="7"]');
    expect(await participants()).toEqual(['10.0.0.2 5070', '10.0.0.3 5060']);
    await page.click('[data-testid="group-toggle"]');
  });

  test('Details: both legs with "x-cid"; a click selects a leg; "Show this call\'s legs" lists exactly them', async () => {
    await setGrouped(false);
    await selectLeg('[data-testid="call-row"][data-call-id="a-leg@test"]', 'a-leg@test', 'details');
    await page.waitForSelector('[data-testid="call-legs"]');
    const legs = await page.$$eval('[data-testid="call-leg"]', (rows) =>
      rows.map((r) => ({
        callId: r.getAttribute('data-call-id'),
        current: r.getAttribute('aria-current') === 'true',
        cells: Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? ''),
      })),
    );
    expect(legs).toEqual([
      { callId: 'a-leg@test', current: true, cells: ['a-leg@test', '1', 'a1', 'COMPLETED', '200', '2026-01-01 10:00:00.000', 'x-cid'] },
      { callId: 'b-leg@test', current: false, cells: ['b-leg@test', '1', 'b1', 'COMPLETED', '200', '2026-01-01 10:00:00.020', 'x-cid'] },
    ]);
    const field = (f: string) => page.textContent(`[data-testid="call-details"] tr[data-field="${f}"] td`);
    expect(await field('callGroup')).toBe('a-leg@test');
    expect(await field('correlatedBy')).toBe('x-cid');
    // a click selects that leg
    await page.click('[data-testid="call-leg"][data-call-id="b-leg@test"] [data-testid="select-leg"]');
    await page.waitForFunction(() => document.querySelector('.tab-title')?.textContent?.includes('b-leg@test'));
    await page.waitForSelector('[data-testid="call-leg"][data-call-id="b-leg@test"][aria-current="true"]');
    expect(await page.getAttribute('[data-testid="call-row"][data-call-id="b-leg@test"]', 'aria-selected')).toBe('true');
    // the group filter: exactly the two legs, a chip clears it
    await page.click('[data-testid="show-call-legs"]');
    expect(await page.textContent('[data-testid="group-filter-chip"]')).toContain('legs of a-leg@test');
    expect((await list()).map((e) => e.callId)).toEqual(['a-leg@test', 'b-leg@test']);
    expect(await page.textContent('[data-testid="shown-count"]')).toBe('2');
    await setGrouped(true); // grouped, the group shows open
    expect((await list()).map((e) => [e.kind, e.callId])).toEqual([
      ['group', 'a-leg@test'],
      ['call', 'a-leg@test'],
      ['call', 'b-leg@test'],
    ]);
    await fits();
    await page.click('[data-testid="group-filter-chip"]');
    expect(await page.$('[data-testid="group-filter-chip"]')).toBeNull();
    expect((await list()).map((e) => e.callId)).toEqual(['a-leg@test', 'other@test']);
    // a call alone: no list of legs, its own Call-ID as its group
    await selectLeg('[data-testid="call-row"][data-call-id="other@test"]', 'other@test', 'details');
    expect(await page.$('[data-testid="call-legs"]')).toBeNull();
    expect(await field('callGroup')).toBe('other@test');
    expect(await field('correlatedBy')).toBe('— (alone)');
    expect(await page.$('[data-testid="ladder-which"]')).toBeNull();
  });

  // ---------------------------------------------------------------- B2BUAs that keep the Call-ID

  test('a B2BUA keeping the Call-ID (answered legs): one group tied by call-id, the whole call over three columns', async () => {
    const cap = sameCallIdCapture();
    const recs = await cliRecords('same-call-id.pcap', cap.bytes);
    expect(recs.map((r) => [r.leg, r.fromTag, r.callGroup, r.correlatedBy])).toEqual(
      expect.arrayContaining([
        [1, 'a1', 'b2bua-kept@test', ['call-id']],
        [2, 's1', 'b2bua-kept@test', ['call-id']],
      ]),
    );
    await drop(cap.bytes, 'same-call-id.pcap');
    await setGrouped(true);
    expect(await list()).toEqual([{ kind: 'group', callId: 'b2bua-kept@test', legs: 2, legOf: null, ties: 'call-id' }]);
    await selectLeg('[data-testid="group-row"]', 'b2bua-kept@test', 'ladder');
    await page.waitForSelector('[data-testid="ladder"][data-arrows="7"]'); // "This leg" was chosen last
    await wholeCall(14);
    const cols = await participants();
    expect(cols).toEqual(['192.0.2.10 5060', '192.0.2.99 5060', '192.0.2.30 5060']);
    const a = await arrows();
    expect(a.map((x) => [x.label, cols[x.from], cols[x.to], x.time])).toEqual(
      cap.messages.map((m) => [m.label, key(m.src), key(m.dst), clock(m.t)]),
    );
    expect(await page.$$eval('[data-testid="ladder-leg"]', (l) => l.map((e) => e.textContent?.trim()))).toEqual([
      'b2bua-kept@test · leg 1',
      'b2bua-kept@test · leg 2',
    ]);
    await page.click('[data-testid="tab-details"]');
    await page.waitForSelector('[data-testid="call-legs"]');
    expect(await page.$$eval('[data-testid="leg-ties"]', (t) => t.map((e) => e.textContent))).toEqual(['call-id', 'call-id']);
  });

  test("the busy B2BUA of one Call-ID (the call list's first leg test) groups with call-id, its worst state shown", async () => {
    await drop(sameCallIdBusyCapture(), 'b2bua.pcap');
    expect(await page.textContent('[data-testid="call-count"]')).toBe('2');
    expect(await list()).toEqual([{ kind: 'group', callId: 'b2bua-legs@test', legs: 2, legOf: null, ties: 'call-id' }]);
    expect(await page.getAttribute('[data-testid="group-row"]', 'data-state')).toBe('CALL_ERROR');
    expect((await cells('[data-testid="group-row"]')).code).toBe('486');
    await setGrouped(false);
    const texts = await page.$$eval('[data-testid="call-row"]', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(texts.filter((t) => t.includes('b2bua-legs@test · leg 2'))).toHaveLength(1);
  });

  test('no page error', () => {
    expect(pageErrors).toEqual([]);
  });
});
