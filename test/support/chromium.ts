// Helpers for driving the web app in headless Chromium (tests and bench/browser.ts): build the
// site with Vite, launch /usr/bin/chromium with playwright-core, bound every wait.

import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** The policy index.html declares in its meta tag; test servers also send it as a header, so the
 *  worker (whose policy comes from its own response) runs under it too. */
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'";

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
  '--enable-precise-memory-info',
];

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** After a browser test file: close Chromium, then the page's server, each bounded in time; a
 *  failure to close is a warning, not a failed file. */
export async function closeBrowser(
  context: BrowserContext | null | undefined,
  server: { close(): Promise<void> } | null | undefined,
): Promise<void> {
  try {
    if (context) await withTimeout(context.close(), 20_000, 'closing chromium').catch((e) => console.warn(String(e)));
  } finally {
    if (server) await withTimeout(server.close(), 5_000, 'closing the server').catch((e) => console.warn(String(e)));
  }
}

/**
 * `vite build` of the app into `outDir`. Vite defines process.env.NODE_ENV from the environment:
 * vitest sets it to "test", which would give a development React; build what `vite build` builds.
 */
/** Build the site with Vite (`minify: false` keeps function names for profiles). */
export async function buildSite(repoRoot: string, outDir: string, timeoutMs = 60_000, minify = true): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await withTimeout(
      build({
        configFile: join(repoRoot, 'vite.config.ts'),
        logLevel: 'silent',
        mode: 'production',
        build: { outDir, emptyOutDir: true, minify },
      }),
      timeoutMs,
      'vite build',
    );
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export interface LaunchExtra {
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  args?: string[];
}

/** A persistent Chromium context in `profileDir` (close it in finally). */
export async function launchChromium(profileDir: string, extra: LaunchExtra = {}): Promise<BrowserContext> {
  const opts: LaunchOptions & Record<string, unknown> = {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [...CHROMIUM_ARGS, ...(extra.args ?? [])],
    acceptDownloads: true,
    viewport: extra.viewport ?? { width: 1440, height: 900 },
    deviceScaleFactor: extra.deviceScaleFactor ?? 1,
  };
  return chromium.launchPersistentContext(profileDir, opts);
}

export interface HeapSample {
  /** V8 heap in use (Runtime.getHeapUsage usedSize) */
  used: number;
  /** ArrayBuffer backing stores outside the V8 heap (WASM memory, file chunks) */
  backing: number;
}

export interface HeapPeaks {
  page: HeapSample;
  worker: HeapSample;
  samples: number;
}

/**
 * JS heap of a page and of its dedicated workers, through the DevTools protocol: the page's own
 * session answers for the page; workers are auto-attached (non-flat sessions) and asked through
 * Target.sendMessageToTarget. Create it before the workers start.
 */
export class HeapProbe {
  private workers = new Set<string>();
  private nextId = 1;
  private waiting = new Map<number, (v: unknown) => void>();
  readonly peaks: HeapPeaks = { page: { used: 0, backing: 0 }, worker: { used: 0, backing: 0 }, samples: 0 };
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  private constructor(private readonly cdp: import('playwright-core').CDPSession) {
    cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
      if (e.targetInfo.type === 'worker') this.workers.add(e.sessionId);
    });
    cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => this.workers.delete(e.sessionId));
    cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
      const w = m.id !== undefined ? this.waiting.get(m.id) : undefined;
      if (w) {
        this.waiting.delete(m.id!);
        w(m.result ?? null);
      }
    });
  }

  static async attach(context: BrowserContext, page: import('playwright-core').Page): Promise<HeapProbe> {
    const cdp = await context.newCDPSession(page);
    const probe = new HeapProbe(cdp);
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return probe;
  }

  /** One DevTools method sent to one worker; its result, or null after `timeoutMs`. */
  private async workerSend(sessionId: string, method: string, params: object = {}, timeoutMs = 2000): Promise<unknown> {
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve) => {
      this.waiting.set(id, resolve);
      setTimeout(() => {
        if (this.waiting.delete(id)) resolve(null);
      }, timeoutMs);
    });
    await this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    return answer;
  }

  /** One DevTools method sent to every worker of the page; their results. */
  async toWorkers(method: string, params: object = {}, timeoutMs = 2000): Promise<unknown[]> {
    return Promise.all([...this.workers].map((s) => this.workerSend(s, method, params, timeoutMs).catch(() => null)));
  }

  private async workerUsage(sessionId: string): Promise<HeapSample | null> {
    const r = (await this.workerSend(sessionId, 'Runtime.getHeapUsage')) as { usedSize?: number; backingStorageSize?: number } | null;
    return r && typeof r.usedSize === 'number' ? { used: r.usedSize, backing: r.backingStorageSize ?? 0 } : null;
  }

  /** One reading of page and workers (the largest worker counts); updates the peaks. */
  async sample(): Promise<{ page: HeapSample; worker: HeapSample | null }> {
    const p = (await this.cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    const page = { used: p.usedSize, backing: p.backingStorageSize ?? 0 };
    let worker: HeapSample | null = null;
    for (const s of [...this.workers]) {
      const w = await this.workerUsage(s).catch(() => null);
      if (w && (!worker || w.used > worker.used)) worker = w;
    }
    const k = this.peaks;
    k.samples++;
    k.page.used = Math.max(k.page.used, page.used);
    k.page.backing = Math.max(k.page.backing, page.backing);
    if (worker) {
      k.worker.used = Math.max(k.worker.used, worker.used);
      k.worker.backing = Math.max(k.worker.backing, worker.backing);
    }
    return { page, worker };
  }

  /** Sample every `ms` until stop(). */
  start(ms = 100): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.sample()
        .catch(() => {})
        .finally(() => (this.busy = false));
    }, ms);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get workerCount(): number {
    return this.workers.size;
  }

  async detach(): Promise<void> {
    this.stop();
    await this.cdp.detach().catch(() => {});
  }
}

/** Drop a file on an element with a synthetic DataTransfer (dragover, then drop), as a user would. */
export async function dropFile(page: Page, selector: string, bytes: Uint8Array, name: string, timeoutMs: number): Promise<void> {
  const dt = await page.evaluateHandle(
    ([b64, fileName]: readonly [string, string]) => {
      const bin = atob(b64);
      const data = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) data[i] = bin.charCodeAt(i);
      const d = new DataTransfer();
      d.items.add(new File([data], fileName, { type: 'application/vnd.tcpdump.pcap' }));
      return d;
    },
    [Buffer.from(bytes).toString('base64'), name] as const,
  );
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt }, { timeout: timeoutMs });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt }, { timeout: timeoutMs });
  await dt.dispose();
}
