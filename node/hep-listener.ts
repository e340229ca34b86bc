// `sipscope live --hep udp://HOST:PORT` (or tcp://): a HEP v3 collector. SIP proxies, SBCs and
// capture agents (Kamailio/OpenSIPS siptrace, FreeSWITCH, Asterisk res_hep, heplify) mirror what
// they send and receive as HEP packets; each packet received is handed to the engine as one UDP
// frame of a pcap stream (raw IP, stamped with the arrival time), and the core's HEP decoder
// (assembly/hep.ts) — the one that decodes HEP found in captures — takes the addresses, ports,
// protocol, time and SIP message from its chunks, checking the authentication key when one is set.
//
// The sockets are read in a worker thread (node/hep-worker.ts, node/hep-receiver.ts), so they are
// read while the engine decodes. What the engine cannot keep up with is counted as dropped (UDP,
// beyond MAX_QUEUED waiting) or slows the senders down (TCP back-pressure); nothing here ends
// the run.

import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { UsageError } from './args.ts';
import type { ProbeSource } from './probe-source.ts';
import { newCounters, pcapHeader, type HepCounters, type HepEndpoint } from './hep-receiver.ts';
import type { FromHepWorker, ToHepWorker } from './hep-worker.ts';
import { HEP_KEY_MAX } from '../shared/engine/core-abi.ts';

export type { HepEndpoint } from './hep-receiver.ts';

/** udp://HOST:PORT or tcp://HOST:PORT (IPv6 in brackets); the HOST is an address to bind to. */
export function parseHepUrl(url: string): HepEndpoint {
  const m = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d+)\/?$/.exec(url.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535)
    throw new UsageError(`--hep needs udp://HOST:PORT or tcp://HOST:PORT, e.g. udp://0.0.0.0:9060 (got "${url}")`);
  const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  if (!isIPv4(host) && !isIPv6(host) && host !== 'localhost')
    throw new UsageError(`--hep: "${host}" is not an address to listen on (e.g. 0.0.0.0, ::, 127.0.0.1)`);
  return { transport: m[1] as 'udp' | 'tcp', host: host === 'localhost' ? '127.0.0.1' : host, port, url };
}

/** The authentication key as the agents send it (chunk 0x000e holds the password's bytes). */
export function hepKeyBytes(key: string | undefined): Uint8Array | null {
  if (key === undefined) return null;
  const b = new TextEncoder().encode(key);
  if (b.length === 0 || b.length > HEP_KEY_MAX) throw new UsageError(`--hep-key needs 1 to ${HEP_KEY_MAX} bytes`);
  return b;
}

/** UDP packets waiting for the engine beyond this are dropped and counted (the kernel would) */
const MAX_QUEUED = 64 << 20;
/** TCP senders are slowed (paused) when this much waits for the engine */
const HIGH_WATER = 8 << 20;

export class HepSource implements ProbeSource {
  readonly name: string;
  readonly stream: Readable;
  /** packets come as they are sent: capture time may follow the wall clock soon after a pause,
   *  from the agents' time (which need not be this machine's) */
  readonly timing = { quietMs: 1000, lagMs: 200, ownClock: true };
  counters: HepCounters = newCounters();
  private readonly endpoints: HepEndpoint[];
  private readonly say: (s: string) => void;
  private worker: Worker | null = null;
  private udpPorts: number[] = [];
  private listening = false;
  private stopping = false;
  private ended = false;
  private flow = { pauseTcp: false, dropUdp: false };
  private flowTimer: NodeJS.Timeout | null = null;
  private error: string | null = null;
  /** the kernel's drop count, read before the sockets close */
  private kernelDrops: number | null = null;
  private statusWaiters: (() => void)[] = [];
  private readonly whenEnded: Promise<void>;
  private resolveEnded!: () => void;

  constructor(endpoints: HepEndpoint[], say: (s: string) => void) {
    this.endpoints = endpoints;
    this.say = say;
    this.name = `HEP ${endpoints.map((e) => e.url).join(' ')}`;
    this.whenEnded = new Promise<void>((r) => (this.resolveEnded = r));
    this.stream = new Readable({ highWaterMark: HIGH_WATER, read: () => this.updateFlow() });
    this.stream.push(pcapHeader());
  }

  /** Start the worker and bind every endpoint; a port in use or not allowed rejects with the
   *  reason and the fix. */
  async listen(): Promise<void> {
    const workerData = { endpoints: this.endpoints };
    // bundled: build/hep-worker.js beside build/cli.js; from source (tests run node/ under tsx):
    // node/hep-worker.ts, with tsx loaded in the worker too
    const w = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(new URL('./hep-worker.ts', import.meta.url).href)}))`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./hep-worker.js', import.meta.url), { workerData });
    this.worker = w;
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromHepWorker) => {
        switch (m.t) {
          case 'listening':
            this.udpPorts = m.udpPorts;
            this.listening = true;
            return resolve();
          case 'error':
            return reject(new Error(m.message));
          case 'batch':
            this.counters = m.counters;
            if (!this.ended) this.stream.push(Buffer.from(m.records.buffer, m.records.byteOffset, m.records.byteLength));
            return this.updateFlow();
          case 'status':
          case 'ended':
            this.counters = m.counters;
            this.error ??= m.error;
            for (const f of this.statusWaiters.splice(0)) f();
            if (m.t === 'ended') this.end();
            return;
        }
      });
      w.on('error', (e) => {
        this.error ??= `the listener stopped: ${e.message}`;
        reject(e);
        this.end();
      });
      w.on('exit', () => {
        if (!this.stopping) this.error ??= 'the listener stopped';
        reject(new Error('the listener stopped'));
        this.end();
      });
    });
    this.say(`listening on ${this.endpoints.map((e) => e.url).join(', ')} (HEP v3)`);
  }

  /** Tell the worker whether the engine is behind: TCP senders wait, UDP beyond MAX_QUEUED is
   *  dropped; each goes on again once half of its bound is left. */
  private updateFlow(): void {
    const queued = this.stream.readableLength;
    const next = {
      pauseTcp: this.flow.pauseTcp ? queued >= HIGH_WATER / 2 : queued >= HIGH_WATER,
      dropUdp: this.flow.dropUdp ? queued >= MAX_QUEUED / 2 : queued >= MAX_QUEUED,
    };
    if (next.pauseTcp !== this.flow.pauseTcp || next.dropUdp !== this.flow.dropUdp) {
      this.flow = next;
      if (!this.stopping) this.worker?.postMessage({ t: 'flow', ...next } satisfies ToHepWorker);
    }
    // while held back, look again as the engine reads: the stream asks for more (read()) only
    // after a push, and nothing is pushed while the senders wait
    const held = next.pauseTcp || next.dropUdp;
    if (held && !this.flowTimer && !this.ended) this.flowTimer = setInterval(() => this.updateFlow(), 20);
    else if (!held && this.flowTimer) {
      clearInterval(this.flowTimer);
      this.flowTimer = null;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.flowTimer) clearInterval(this.flowTimer);
    this.stream.push(null);
    for (const f of this.statusWaiters.splice(0)) f();
    this.resolveEnded();
  }

  ready(): boolean {
    return this.listening;
  }

  stopDelayMs(): number {
    // datagrams already in the sockets' queues are read first
    return this.listening ? 200 : 0;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.kernelDrops = socketDrops(this.udpPorts);
    if (!this.worker || this.ended) {
      this.end();
      return;
    }
    this.worker.postMessage({ t: 'stop' } satisfies ToHepWorker);
    // the worker ends once the connections are closed (bounded there); this bounds it again
    setTimeout(() => void this.worker?.terminate(), 5000).unref();
  }

  async status(): Promise<string> {
    if (this.worker && !this.stopping && !this.ended) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.statusWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
        this.worker!.postMessage({ t: 'status' } satisfies ToHepWorker);
      });
    }
    const c = this.counters;
    const drops = socketDrops(this.udpPorts);
    const tcp = this.endpoints.some((e) => e.transport === 'tcp');
    return (
      `HEP packets ${c.packets}, not HEP ${c.notHep}${tcp ? ` (+${c.skippedBytes} TCP bytes)` : ''}, dropped ${c.dropped}` +
      (drops === null ? '' : `, socket drops ${drops}`)
    );
  }

  async closed(): Promise<void> {
    this.stop();
    await this.whenEnded;
  }

  finalLines(quiet: boolean): string[] {
    const c = this.counters;
    const drops = this.kernelDrops;
    const tcp = this.endpoints.some((e) => e.transport === 'tcp');
    const lost = c.dropped > 0 || (drops ?? 0) > 0 || c.refused > 0;
    if (quiet && !lost) return [];
    return [
      `HEP: ${c.packets} packets (${c.bytes} bytes) received; not HEP v3: ${c.notHep} datagrams` +
        (tcp ? `, ${c.skippedBytes} bytes over TCP` : '') +
        `; ${c.dropped} dropped (the engine was behind)` +
        (drops === null ? '' : `, ${drops} dropped by the kernel (socket buffer full)`) +
        (tcp ? `, ${c.connections} TCP connections (${c.refused} refused)` : ''),
    ];
  }

  problem(): { message: string; status: number } | null {
    return this.error ? { message: `HEP listener failed: ${this.error}`, status: 1 } : null;
  }

  dispose(): void {
    this.stop();
  }
}

/**
 * Datagrams the kernel dropped on the listener's UDP sockets (its receive queue was full), from
 * /proc/net/udp{,6}: the last column of the sockets bound to these ports. null where unknown.
 */
function socketDrops(udpPorts: number[]): number | null {
  if (udpPorts.length === 0) return null;
  const ports = new Set(udpPorts.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  let total = 0;
  let found = false;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13) continue;
      if (!ports.has(cols[1].slice(cols[1].lastIndexOf(':') + 1))) continue;
      total += Number(cols[cols.length - 1]) || 0;
      found = true;
    }
  }
  return found ? total : null;
}
