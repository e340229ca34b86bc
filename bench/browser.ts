// The web app in headless Chromium on the benchmark captures: throughput (MB/s), time to the
// first call shown in the list, time to done, and the high-water marks of the JS heap of the page
// and of its engine worker (DevTools Runtime.getHeapUsage, sampled every 100 ms).
//
//   node --import tsx bench/browser.ts [--no-1g] [--no-sip] [--runs N] [--timeout SEC] [--cpu-prof DIR]
//
// --cpu-prof writes the engine worker's CPU profile of each run to DIR (open it in DevTools); the
// site is then built without minifying, so the profile names the functions.
//
// Captures: bench/.cache/voip-128MiB.pcap, sip-only-50k.pcap and voip-1GiB.pcap when present (npm
// run bench makes them), else generated in the OS temp directory (and removed afterwards). The site is built with
// Vite into a temp directory and served from 127.0.0.1 only. Prints a table and writes
// bench/browser-results.json.

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CAPTURES, generateCapture, type CaptureOptions } from './make-capture.ts';
import { startStaticServer } from '../test/support/static-server.ts';
import { CSP, CHROMIUM, HeapProbe, buildSite, launchChromium, withTimeout } from '../test/support/chromium.ts';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const opt = (n: string, d: number) => {
  const i = argv.indexOf(n);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const RUNS = Math.max(1, Math.floor(opt('--runs', 1)));
const TIMEOUT_MS = opt('--timeout', 900) * 1000;
const PROFILE_DIR = argv.includes('--cpu-prof') ? argv[argv.indexOf('--cpu-prof') + 1] : null;
const MiB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BrowserRun {
  capture: string;
  bytes: number;
  calls: number;
  /** page side: from the file input to the first row in the list, and to done */
  firstCallMs: number;
  doneMs: number;
  /** worker side: its own time for the run */
  workerMs: number;
  /** of which the engine parsing */
  parseMs: number;
  mbPerSec: number;
  heap: { pageUsed: number; pageBacking: number; workerUsed: number; workerBacking: number; samples: number };
}

function capture(name: string, opts: Omit<CaptureOptions, 'path'>, tmp: string): { path: string; generated: boolean } {
  const cached = join(BENCH, '.cache', name);
  if (existsSync(cached)) return { path: cached, generated: false };
  const path = join(tmp, name);
  process.stdout.write(`generating ${path} …\n`);
  generateCapture({ ...opts, path });
  return { path, generated: true };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt install chromium)`);
  const tmp = mkdtempSync(join(tmpdir(), 'sipscope-bench-browser-'));
  const site = join(tmp, 'site');
  const results: BrowserRun[] = [];
  let server: Awaited<ReturnType<typeof startStaticServer>> | null = null;
  let context: Awaited<ReturnType<typeof launchChromium>> | null = null;
  try {
    await buildSite(ROOT, site, 60_000, PROFILE_DIR === null);
    const names: (keyof typeof BENCH_CAPTURES)[] = [
      'voip-128MiB',
      ...(flag('--no-sip') ? [] : ['sip-only-50k' as const]),
      ...(flag('--no-1g') ? [] : ['voip-1GiB' as const]),
    ];
    const caps = names.map((n) => capture(`${n}.pcap`, BENCH_CAPTURES[n], tmp));
    server = await startStaticServer(site, { prefix: '/sipscope/', headers: { 'Content-Security-Policy': CSP } });
    context = await launchChromium(join(tmp, 'profile'));
    const foreign: string[] = [];
    context.on('request', (r) => {
      if (new URL(r.url()).origin !== server!.origin && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    for (const c of caps) {
      for (let run = 0; run < RUNS; run++) {
        const page = await context.newPage();
        try {
          const probe = await HeapProbe.attach(context, page);
          await page.goto(server.url, { waitUntil: 'load', timeout: 30_000 });
          probe.start(100);
          await page.setInputFiles('[data-testid="file-input"]', c.path, { timeout: 60_000 });
          // the engine worker starts with the first run: profile from when it is there
          for (let t = 0; PROFILE_DIR && t < 100 && (await probe.toWorkers('Profiler.enable')).length === 0; t++) await sleep(20);
          if (PROFILE_DIR) await probe.toWorkers('Profiler.start');
          await page.waitForFunction(
            () => {
              const s = document.querySelector('[data-testid="status"]');
              return s && s.getAttribute('data-state') !== 'running' && s.getAttribute('data-run') !== '0';
            },
            null,
            { timeout: TIMEOUT_MS, polling: 200 },
          );
          probe.stop();
          if (PROFILE_DIR) {
            const profiles = (await probe.toWorkers('Profiler.stop', {}, 60_000)) as ({ profile?: unknown } | null)[];
            mkdirSync(PROFILE_DIR, { recursive: true });
            profiles.forEach((p, k) => {
              if (p?.profile)
                writeFileSync(join(PROFILE_DIR, `${c.path.split('/').pop()}-${run}-${k}.cpuprofile`), JSON.stringify(p.profile));
            });
          }
          await withTimeout(probe.sample(), 10_000, 'heap sample');
          const attr = async (n: string) => Number(await page.getAttribute('[data-testid="status"]', n));
          const state = await page.getAttribute('[data-testid="status"]', 'data-state');
          if (state !== 'done')
            throw new Error(
              `${c.path}: the page ended in state ${state}: ${await page.textContent('[data-testid="problems"]').catch(() => '')}`,
            );
          const bytes = statSync(c.path).size;
          const doneMs = await attr('data-done-ms');
          const r: BrowserRun = {
            capture: c.path,
            bytes,
            calls: Number(await page.textContent('[data-testid="call-count"]')),
            firstCallMs: await attr('data-first-row-ms'),
            doneMs,
            workerMs: await attr('data-elapsed-ms'),
            parseMs: await attr('data-parse-ms'),
            mbPerSec: bytes / 1e6 / (doneMs / 1000),
            heap: {
              pageUsed: probe.peaks.page.used,
              pageBacking: probe.peaks.page.backing,
              workerUsed: probe.peaks.worker.used,
              workerBacking: probe.peaks.worker.backing,
              samples: probe.peaks.samples,
            },
          };
          results.push(r);
          const mb = (n: number) => (n / MiB).toFixed(1);
          process.stdout.write(
            `${c.path.split('/').pop()}: ${(bytes / 1e6).toFixed(0)} MB, ${r.calls} calls, first call ${(r.firstCallMs / 1000).toFixed(2)} s, ` +
              `done ${(doneMs / 1000).toFixed(2)} s (${r.mbPerSec.toFixed(0)} MB/s; worker ${(r.workerMs / 1000).toFixed(2)} s, of which parsing ${(r.parseMs / 1000).toFixed(2)} s); ` +
              `heap high-water: page ${mb(r.heap.pageUsed)} MiB (+${mb(r.heap.pageBacking)} MiB buffers), ` +
              `worker ${mb(r.heap.workerUsed)} MiB (+${mb(r.heap.workerBacking)} MiB buffers incl. WASM memory), ${r.heap.samples} samples\n`,
          );
          await probe.detach();
        } finally {
          await page.close().catch(() => {});
        }
      }
    }
    if (foreign.length) throw new Error(`requests left the app's origin: ${foreign.join(', ')}`);
    writeFileSync(
      join(BENCH, 'browser-results.json'),
      JSON.stringify({ date: new Date().toISOString(), chromium: context.browser()?.version() ?? null, results }, null, 2) + '\n',
    );
    for (const c of caps) if (c.generated) rmSync(c.path, { force: true });
  } finally {
    if (context) await withTimeout(context.close(), 20_000, 'closing chromium').catch((e) => console.warn(String(e)));
    if (server) await withTimeout(server.close(), 5_000, 'closing the server').catch(() => {});
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().catch((e) => {
  process.stderr.write(`bench/browser: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
