// The browser's media views in headless Chromium (playwright-core, /usr/bin/chromium), on a
// capture the test writes: a call whose caller → callee audio loses every 20th packet and whose
// answer pauses 2.5 s, and a call with one-way audio from a NATed phone. The capture is dropped on
// the page; the Media tab shows, stream by stream, the same numbers as `sipscope read --format
// jsonl` for the same file; the call list shows the verdict badges and the worst MOS, filters on a
// verdict and sorts by MOS; the ladder draws a band per stream (codec, packets, the gap marked, the
// NATed sender at the caller's column); the plot over time (made without asking for a small
// capture, again with its button) reads the file again and counts the streams' packets and losses
// as the record does; at 1280×800 nothing overflows. Skipped with a message when chromium is missing, unless CI=true.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from '../support/static-server.ts';
import { CHROMIUM, CSP, buildSite, dropFile, launchChromium, closeBrowser } from '../support/chromium.ts';
import { type Packet, sdpBody, sipMessage, udpPacketV4, writePcap } from '../support/capture-writer.ts';
import { mergeByTime, plannedStream } from '../support/rtp-plan.ts';
import { runCli } from '../support/cli.ts';
import { jsonl } from '../support/jsonl.ts';
import { repoRoot } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';

const chromium = toolGate([CHROMIUM], 'web-media');
const haveChromium = chromium.missing.length === 0;
const STEP_MS = 20_000;
const T0 = 1_767_261_600;

test.runIf(chromium.mustFail)('chromium is installed under CI', () => chromium.assertAvailable());

// ---------------------------------------------------------------- the capture

interface Party {
  ip: string;
  /** the RTP port its SDP announces */
  rtp: number;
}

/** INVITE with the caller's SDP, 200 OK with the callee's, ACK, BYE after `byeAt` s, its 200 OK. */
function call(id: string, t: number, caller: Party, callee: Party, byeAt: number): Packet[] {
  const sdp = (p: Party) =>
    sdpBody({
      sessionC: p.ip,
      media: [{ port: p.rtp, formats: [0, 101], rtpmap: { 0: 'PCMU/8000', 101: 'telephone-event/8000' } }],
    });
  const head = (cseq: string, toTag: boolean, sdpBodyFollows: boolean): [string, string][] => [
    ['Via', `SIP/2.0/UDP ${caller.ip}:5060;branch=z9hG4bK${id}${cseq.replace(/\D/g, '')}`],
    ['Call-ID', `${id}@test`],
    ['From', `<sip:alice@${caller.ip}>;tag=a-${id}`],
    ['To', `<sip:bob@${callee.ip}>${toTag ? `;tag=b-${id}` : ''}`],
    ['CSeq', cseq],
    ['Contact', `<sip:alice@${caller.ip}>`],
    ...(sdpBodyFollows ? ([['Content-Type', 'application/sdp']] as [string, string][]) : []),
  ];
  const up = (at: number, s: string): Packet => ({ ts: t + at, data: udpPacketV4(caller.ip, 5060, callee.ip, 5060, s) });
  const down = (at: number, s: string): Packet => ({ ts: t + at, data: udpPacketV4(callee.ip, 5060, caller.ip, 5060, s) });
  return [
    up(0, sipMessage(`INVITE sip:bob@${callee.ip} SIP/2.0`, head('1 INVITE', false, true), sdp(caller))),
    down(0.05, sipMessage('SIP/2.0 100 Trying', head('1 INVITE', false, false))),
    down(0.5, sipMessage('SIP/2.0 200 OK', head('1 INVITE', true, true), sdp(callee))),
    up(0.55, sipMessage(`ACK sip:bob@${callee.ip} SIP/2.0`, head('1 ACK', true, false))),
    up(byeAt, sipMessage(`BYE sip:bob@${callee.ip} SIP/2.0`, head('2 BYE', true, false))),
    down(byeAt + 0.05, sipMessage('SIP/2.0 200 OK', head('2 BYE', true, false))),
  ];
}

const A = { caller: { ip: '192.0.2.10', rtp: 40000 }, callee: { ip: '198.51.100.20', rtp: 30000 } };
const B = { caller: { ip: '192.0.2.30', rtp: 42000 }, callee: { ip: '198.51.100.40', rtp: 32000 } };
/** where call B's caller really sends from (its SDP says 192.0.2.30:42000) */
const NAT = { ip: '203.0.113.7', port: 42001 };

/** Call A: every 20th packet of the caller's audio lost; the callee's pauses 2.5 s. Call B: the caller's audio only, from behind NAT. */
function mediaCapture(): Uint8Array {
  const lose = Array.from({ length: 550 }, (_, i) => i).filter((i) => i % 20 === 7);
  const aUp = plannedStream({
    src: A.caller.ip,
    sport: A.caller.rtp,
    dst: A.callee.ip,
    dport: A.callee.rtp,
    ssrc: 0x1a2b3c4d,
    start: T0 + 1,
    count: 550,
    lose,
    jitterMs: 3,
    seed: 5,
  });
  const aDown = plannedStream({
    src: A.callee.ip,
    sport: A.callee.rtp,
    dst: A.caller.ip,
    dport: A.caller.rtp,
    ssrc: 0x5e6f7081,
    start: T0 + 1.007,
    count: 430,
    pauseAt: 200,
    pauseMs: 2500,
    events: [[100, 5, 6]],
  });
  const bUp = plannedStream({
    src: NAT.ip,
    sport: NAT.port,
    dst: B.callee.ip,
    dport: B.callee.rtp,
    ssrc: 0x00c0ffee,
    start: T0 + 3,
    count: 300,
    duplicate: [50, 51],
  });
  return writePcap(
    mergeByTime(
      call('loss', T0, A.caller, A.callee, 12.2),
      call('oneway', T0 + 2, B.caller, B.callee, 7.5),
      aUp.packets,
      aDown.packets,
      bUp.packets,
    ),
  );
}

// ---------------------------------------------------------------- the session

type Rec = Record<string, any>;

describe.skipIf(!haveChromium)('media in the browser (Chromium)', () => {
  const tmp = tempDir('web-media');
  let server: StaticServer | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let bytes: Uint8Array;
  let records: Rec[] = [];
  const pageErrors: string[] = [];

  const byId = (id: string) => records.find((r) => r.SIP_CALL_ID === `${id}@test`)!;

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'build', 'core.wasm'))) throw new Error('build/core.wasm is missing: run `npm run build:wasm`');
    bytes = mediaCapture();
    const file = tmp.write('media.pcap', bytes);
    const site = tmp.file('site');
    const [, cli] = await Promise.all([
      buildSite(repoRoot, site),
      runCli(['read', file, '--format', 'jsonl', '-q', '--no-progress'], { fromSource: true, timeoutMs: 60_000, throwOnTimeout: true }),
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    records = jsonl(cli.stdout);
    server = await startStaticServer(site, { prefix: '/sipscope/', headers: { 'Content-Security-Policy': CSP } });
    context = await launchChromium(tmp.file('profile'), { viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(STEP_MS);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    await page.goto(server.url, { waitUntil: 'load', timeout: STEP_MS });
    await page.waitForSelector('[data-testid="drop-zone"]', { timeout: STEP_MS });
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(context, server);
  }, 40_000);

  async function select(id: string, tab: 'media' | 'ladder'): Promise<void> {
    await page.click(`[data-testid="call-row"][data-call-id="${id}@test"]`);
    await page.click(`[data-testid="tab-${tab}"]`);
    const ready = tab === 'media' ? '[data-testid="media"]' : '[data-testid="ladder"][data-arrows]';
    await page.waitForFunction(
      ([callId, sel]) => document.querySelector('.tab-title')?.textContent?.includes(callId) && document.querySelector(sel),
      [`${id}@test`, ready] as const,
      { timeout: STEP_MS },
    );
  }

  test('the capture: the CLI finds the loss, the gap, the one-way NATed call', async () => {
    expect(records.map((r) => r.SIP_CALL_ID).sort()).toEqual(['loss@test', 'oneway@test']);
    const a = byId('loss');
    const b = byId('oneway');
    expect(a.media).toHaveLength(2);
    expect(a.media[0].lost).toBe(28);
    expect(a.media[1].dtmf).toBe('5');
    expect(a.verdicts).toEqual(expect.arrayContaining(['high-loss', 'rtp-gap']));
    expect(b.media).toHaveLength(1);
    expect(b.media[0].src).toBe(`${NAT.ip}:${NAT.port}`);
    expect(b.media[0].duplicates).toBe(2);
    expect(b.verdicts).toEqual(expect.arrayContaining(['one-way', 'nat']));
    const before = Number(await page.getAttribute('[data-testid="status"]', 'data-run'));
    await dropFile(page, '[data-testid="drop-zone"]', bytes, 'media.pcap', STEP_MS);
    await page.waitForFunction(
      (prev) => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-run')) > prev,
      before,
      {
        timeout: STEP_MS,
        polling: 50,
      },
    );
    expect(await page.getAttribute('[data-testid="status"]', 'data-state')).toBe('done');
    expect(await page.$$eval('[data-testid="call-row"]', (e) => e.length)).toBe(2);
  });

  test("the Media tab shows each stream's numbers as the JSONL has them", async () => {
    for (const id of ['loss', 'oneway']) {
      const rec = byId(id);
      await select(id, 'media');
      const shown = await page.$$eval('[data-testid="media-stream"]', (trs) =>
        trs.map((tr) => {
          const v: Record<string, string> = {};
          for (const e of tr.querySelectorAll('[data-k]'))
            v[e.getAttribute('data-k')!] = e.getAttribute('data-value') ?? e.textContent ?? '';
          return v;
        }),
      );
      expect(shown).toHaveLength(rec.media.length);
      rec.media.forEach((m: Rec, k: number) => {
        const want: Record<string, string> = {
          direction: m.direction,
          src: m.src,
          dst: m.dst,
          ssrc: m.ssrc,
          codec: m.codec,
          dtmf: m.dtmf,
          rtcp: m.rtcp === null ? 'none' : 'yes',
        };
        for (const key of [
          'packets',
          'expected',
          'lost',
          'lostPct',
          'duplicates',
          'outOfOrder',
          'jitterMs',
          'meanJitterMs',
          'maxJitterMs',
          'maxDeltaMs',
          'mos',
          'rFactor',
        ])
          want[key] = String(m[key]);
        if (m.rtcp !== null) for (const [rk, rv] of Object.entries(m.rtcp)) want[`rtcp.${rk}`] = rv === null ? '—' : String(rv);
        expect(shown[k], `${id} stream ${k}`).toEqual(want);
      });
      const badges = await page.$$eval('[data-testid="media-verdicts"] [data-verdict]', (e) =>
        e.map((x) => x.getAttribute('data-verdict')),
      );
      expect(badges).toEqual(rec.verdicts);
      // nothing wider than the tab at 1280×800
      const fit = await page.$eval('.tab-body', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
      expect(fit.scroll, `${id}: the Media tab fits`).toBeLessThanOrEqual(fit.client);
    }
  });

  test('the call list: verdict badges with their rule on hover, the worst MOS, a verdict filter, sorting by MOS', async () => {
    const b = byId('oneway');
    const row = '[data-testid="call-row"][data-call-id="oneway@test"]';
    const badge = await page.$eval(`${row} [data-verdict="one-way"]`, (e) => ({
      text: e.textContent,
      bg: getComputedStyle(e).backgroundColor,
      tip: e.closest('[role="gridcell"]')?.getAttribute('title') ?? '',
    }));
    expect(badge.text).toBe('one-way');
    expect(badge.bg).toBe('rgb(198, 40, 40)');
    expect(badge.tip).toContain('one-way: answered call, RTP in one direction only');
    const mos = (r: Rec) => Math.min(...r.media.map((m: Rec) => m.mos)).toFixed(2);
    for (const r of records)
      expect(await page.textContent(`[data-testid="call-row"][data-call-id="${r.SIP_CALL_ID}"] [data-col="mos"]`)).toBe(mos(r));
    const shownIds = () => page.$$eval('[data-testid="call-row"]', (e) => e.map((x) => x.getAttribute('data-call-id')));
    const filter = async (v: string) => {
      await page.selectOption('[data-testid="verdict-filter"]', v);
      return shownIds();
    };
    expect(await filter('one-way')).toEqual([b.SIP_CALL_ID]);
    expect(await filter('high-loss')).toEqual(['loss@test']);
    expect(await filter('none')).toEqual([]);
    expect((await filter('any')).sort()).toEqual(['loss@test', 'oneway@test']);
    expect(await filter('')).toHaveLength(2);
    const byMos = [...records].sort((x, y) => Number(mos(x)) - Number(mos(y))).map((r) => r.SIP_CALL_ID);
    await page.click('[data-testid="sort-mos"]');
    expect(await shownIds()).toEqual(byMos);
    await page.click('[data-testid="sort-mos"]');
    expect(await shownIds()).toEqual([...byMos].reverse());
    await page.click('[data-testid="sort-start"]');
    const fit = await page.$eval('[data-testid="call-list"]', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
  });

  test('the ladder: a band per stream labelled with codec and packets, the gap marked, the NATed sender at the caller column', async () => {
    const bands = () =>
      page.$$eval('[data-testid="ladder-rtp"]', (els) =>
        els.map((e) => ({
          src: e.getAttribute('data-src'),
          from: Number(e.getAttribute('data-from')),
          to: Number(e.getAttribute('data-to')),
          mark: e.getAttribute('data-mark'),
          label: e.getAttribute('data-label'),
          drawn: e.querySelector('[data-testid="ladder-rtp-label"]')?.textContent ?? '',
        })),
      );
    const roles = () =>
      page.$$eval('[data-testid="ladder-participant"]', (els) => els.map((e) => e.querySelector('title')?.textContent ?? ''));

    await select('loss', 'ladder');
    const a = byId('loss');
    expect(await page.getAttribute('[data-testid="ladder"]', 'data-bands')).toBe('2');
    const la = await bands();
    expect(la.map((x) => x.label)).toEqual(a.media.map((m: Rec) => `${m.codec} · ${m.packets} pkts`));
    // drawn whole (the columns make room for it)
    expect(la.map((x) => x.drawn)).toEqual(la.map((x) => x.label));
    expect(la.map((x) => x.mark)).toEqual(['', `gap ${(a.media[1].maxDeltaMs / 1000).toFixed(1)} s`]);
    expect(await page.$$eval('[data-testid="ladder-rtp-mark"]', (e) => e.length)).toBe(1);
    const cols = await roles();
    expect(cols[la[0].from]).toContain('(caller)');
    expect(cols[la[0].to]).toContain('(callee)');
    expect([la[1].from, la[1].to]).toEqual([la[0].to, la[0].from]);

    await select('oneway', 'ladder');
    const lb = await bands();
    expect(lb).toHaveLength(1);
    expect(lb[0].label).toBe(`PCMU · ${byId('oneway').media[0].packets} pkts · ${NAT.ip}:${NAT.port}`);
    expect(lb[0].drawn).toBe(lb[0].label);
    expect((await roles())[lb[0].from]).toContain('(caller)');
    // the bands can be hidden
    await page.uncheck('[data-testid="ladder-rtp-toggle"]');
    expect(await page.$$eval('[data-testid="ladder-rtp"]', (e) => e.length)).toBe(0);
    await page.check('[data-testid="ladder-rtp-toggle"]');
    expect(await page.$$eval('[data-testid="ladder-rtp"]', (e) => e.length)).toBe(1);
  });

  test("the plot reads the file again: per stream, the bins add up to the record's packets and losses", async () => {
    const plotted = async () => {
      await page.waitForSelector('[data-testid="plot-legend"], [data-testid="plot-error"]', { timeout: STEP_MS });
      expect(await page.$('[data-testid="plot-error"]')).toBeNull();
      return page.$$eval('[data-testid="plot-legend"] li', (els) =>
        els.map((e) => ({ packets: Number(e.getAttribute('data-packets')), lost: Number(e.getAttribute('data-lost')) })),
      );
    };
    const counts = (r: Rec) => r.media.map((m: Rec) => ({ packets: m.packets, lost: m.lost }));
    for (const id of ['loss', 'oneway']) {
      // a small capture of a finished run: plotted when the Media tab shows the call
      await select(id, 'media');
      expect(await plotted(), id).toEqual(counts(byId(id)));
      expect(await page.$$eval('[data-testid="media-plot"]', (e) => e.map((x) => x.getAttribute('data-chart')))).toEqual([
        'rate',
        'loss',
        'jitter',
      ]);
      // a line per stream in each chart
      expect(await page.$$eval('[data-chart="rate"] path', (e) => e.length)).toBe(byId(id).media.length);
    }
    // and again with the button
    await page.click('[data-testid="plot-media"]');
    expect(await plotted()).toEqual(counts(byId('oneway')));
    expect(await page.textContent('[data-testid="plot-note"]')).toContain('(up to the last packet)');
    const fit = await page.$eval('.tab-body', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
  });

  test('no page error', () => {
    expect(pageErrors).toEqual([]);
  });
});
