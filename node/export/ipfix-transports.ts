// IPFIX / NetFlow v9 transports: UDP and TCP collectors and .ipfix files (RFC 5655).
// The encoder (shared/output/ipfix.ts) makes the bytes; this file decides when templates go out, keeps
// a bounded queue while a TCP collector is away, and counts every record it could not deliver.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIP, type Socket as TcpSocket } from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';
import { FlowEncoder, type ExportFormat } from '../../shared/output/ipfix.ts';
import { ExportFileBuilder, captureExportTime } from '../../shared/output/export-file.ts';
import type { CallRecord } from '../../shared/record.ts';
import type { FieldDef } from '../../shared/output/fields.ts';

export interface CollectorUrl {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** udp://HOST:PORT or tcp://HOST:PORT (IPv6 hosts in brackets). */
export function parseCollector(url: string): CollectorUrl {
  const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(url.trim());
  if (!m) throw new Error(`collector must look like udp://HOST:PORT or tcp://HOST:PORT (got "${url}")`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`collector port out of range: ${m[3]}`);
  const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
  return { transport: m[1].toLowerCase() as 'udp' | 'tcp', host, port };
}

export interface ExporterOptions {
  format: ExportFormat;
  observationDomain: number;
  mtu: number;
  /** UDP: templates again every N messages (and every 60 s of export time) */
  templateRefresh: number;
  /** records kept while a TCP collector is unreachable; beyond it the oldest are dropped (counted) */
  queueMax: number;
  sipFields?: readonly FieldDef[];
  /** --export-rtp-flows: a record per RTP stream pair after each call record */
  rtpFlows: boolean;
  /** export time in message headers: the record's capture time (file mode) or the wall clock */
  clock: 'capture' | 'wall';
  /** capture time now, for messages without a record (templates) in capture-clock mode */
  captureNow: () => number;
}

export interface ExportStats {
  target: string;
  records: number; // records handed to the exporter
  delivered: number; // records written to the socket or file
  undelivered: number; // records given up (collector away, queue overflow, send errors)
  messages: number;
  bytes: number;
  reconnects: number;
  lastError: string | null;
}

const TEMPLATE_REFRESH_SEC = 60;
/** most records encoded together (they share messages only when the mtu leaves room) */
const GROUP_MAX = 256;

export abstract class Exporter {
  protected readonly encoder: FlowEncoder;
  readonly stats: ExportStats;
  /** the first error of a kind is reported once; the run goes on */
  onWarning: (msg: string) => void = () => {};

  constructor(
    target: string,
    protected readonly opts: ExporterOptions,
  ) {
    this.encoder = new FlowEncoder({
      format: opts.format,
      observationDomain: opts.observationDomain,
      mtu: opts.mtu,
      sipFields: opts.sipFields,
      rtpFlows: opts.rtpFlows,
    });
    this.stats = { target, records: 0, delivered: 0, undelivered: 0, messages: 0, bytes: 0, reconnects: 0, lastError: null };
  }

  protected exportTime(r: CallRecord | null): number {
    if (this.opts.clock === 'wall') return Math.floor(Date.now() / 1000);
    return r === null ? Math.floor(this.opts.captureNow()) : captureExportTime(r);
  }

  protected warn(msg: string): void {
    if (this.stats.lastError !== msg) this.onWarning(msg);
    this.stats.lastError = msg;
  }

  abstract add(r: CallRecord): void;
  /** Send what add() holds back: records with the same export time share messages up to the
   *  mtu (call after each batch of records; close() does it too). */
  abstract flush(): void;
  /** resolves when the transport has caught up (call between input chunks: back-pressure) */
  abstract drained(): Promise<void>;
  /** deliver what is queued (waiting at most graceMs for a collector), then release the transport */
  abstract close(graceMs?: number): Promise<void>;
}

/**
 * UDP: fire and forget, templates first and then periodically (RFC 7011 §8.4). The socket is
 * connected, so a collector that refuses (ICMP port unreachable) shows: the kernel fails the next
 * send with ECONNREFUSED (that datagram is not sent) and the refused one takes its record back
 * from "delivered". The refusal of the very last datagram cannot be known.
 */
class UdpExporter extends Exporter {
  private sock: UdpSocket;
  private sinceTemplates = Infinity;
  private lastTemplateTime = -Infinity;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  /** messages made before the socket is connected (the name may need a lookup) */
  private pending: { msg: Uint8Array; records: number }[] | null = [];
  private connectError: Error | null = null;
  /** records of the last datagram the kernel took: the one a refusal is about */
  private lastSent = 0;

  constructor(c: CollectorUrl, opts: ExporterOptions) {
    super(`udp://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`, opts);
    this.sock = createSocket(isIP(c.host) === 6 || c.host.includes(':') ? 'udp6' : 'udp4');
    this.sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') this.refused();
      else this.warn(`collector ${this.stats.target}: ${e.message}`);
    });
    this.sock.connect(c.port, c.host, (err?: Error) => {
      if (err) return this.giveUp(err);
      const p = this.pending ?? [];
      this.pending = null;
      for (const m of p) this.send(m.msg, m.records);
      this.wake();
    });
    this.sock.unref();
  }

  /** The socket could not connect (e.g. the name does not resolve): nothing will be delivered. */
  private giveUp(err: Error): void {
    this.connectError = err;
    for (const m of this.pending ?? []) this.stats.undelivered += m.records;
    this.pending = null;
    this.warn(`collector ${this.stats.target}: ${err.message}`);
    this.wake();
  }

  /** records held for one message, all with export time groupTime */
  private group: CallRecord[] = [];
  private groupTime = 0;

  add(r: CallRecord): void {
    this.stats.records++;
    const t = this.exportTime(r);
    if (this.group.length > 0 && (t !== this.groupTime || this.group.length >= GROUP_MAX)) this.flush();
    this.groupTime = t;
    this.group.push(r);
  }

  flush(): void {
    if (this.group.length === 0) return;
    const t = this.groupTime;
    const templates = this.sinceTemplates >= this.opts.templateRefresh || t - this.lastTemplateTime >= TEMPLATE_REFRESH_SEC;
    const msgs = this.encoder.encode(this.group, t, templates);
    this.group = [];
    if (templates) {
      this.sinceTemplates = 0;
      this.lastTemplateTime = t;
    }
    this.sinceTemplates += msgs.length;
    const counts = this.encoder.lastCounts;
    for (let i = 0; i < msgs.length; i++) this.send(msgs[i], counts[i]);
  }

  private send(msg: Uint8Array, records: number): void {
    if (this.connectError) {
      this.stats.undelivered += records;
      return;
    }
    if (this.pending) {
      this.pending.push({ msg, records });
      return;
    }
    this.inFlight++;
    this.stats.messages++;
    this.stats.bytes += msg.length;
    this.sock.send(msg, (err) => {
      this.inFlight--;
      if (err) {
        this.stats.undelivered += records;
        if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') this.refused();
        else this.warn(`collector ${this.stats.target}: ${err.message}`);
      } else {
        this.stats.delivered += records;
        this.lastSent = records;
      }
      if (this.inFlight < 256) this.wake();
    });
  }

  /** The collector refused the last datagram sent. */
  private refused(): void {
    this.stats.delivered -= this.lastSent;
    this.stats.undelivered += this.lastSent;
    this.lastSent = 0;
    this.warn(`collector ${this.stats.target}: refused (ICMP port unreachable: nothing listens there)`);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  drained(): Promise<void> {
    if (this.inFlight < 1024 && (this.pending?.length ?? 0) < 1024) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(graceMs = 5000): Promise<void> {
    this.flush();
    // a name still being looked up gets the grace period, like a TCP collector that is away
    const timer = setTimeout(() => this.pending !== null && this.giveUp(new Error(`not connected after ${graceMs / 1000} s`)), graceMs);
    while (this.inFlight > 0 || this.pending !== null) await new Promise<void>((resolve) => this.waiters.push(resolve));
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.sock.close(() => resolve()));
  }
}

/** TCP: templates once per connection; records wait in a bounded queue while disconnected or
 *  while the socket is full. A record counts as delivered when its write has completed; records
 *  of writes that failed with the connection go back to the queue for the next one. */
class TcpExporter extends Exporter {
  private sock: TcpSocket | null = null;
  private connected = false;
  private blocked = false; // socket buffer full: wait for 'drain'
  private closing = false;
  private queue: CallRecord[] = [];
  private backoffMs = 250;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private connects = 0;
  private inFlight = 0;

  constructor(
    private readonly c: CollectorUrl,
    opts: ExporterOptions,
  ) {
    super(`tcp://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`, opts);
    this.connect();
  }

  private connect(): void {
    this.timer = null;
    const s = connect({ host: this.c.host, port: this.c.port });
    this.sock = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.blocked = false;
      if (this.connects++ > 0) this.stats.reconnects++;
      this.backoffMs = 250;
      this.encoder.reset(); // a new transport session
      this.write(this.encoder.templateMessage(this.exportTime(this.queue[0] ?? null)), []);
      this.pump();
    });
    s.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    s.on('error', (e) => this.warn(`collector ${this.stats.target}: ${e.message}`));
    s.on('close', () => {
      this.connected = false;
      this.sock = null;
      if (!this.closing) {
        // try again later, backing off up to 30 s (the timer does not keep the process alive;
        // close() waits for the collector while it has records to deliver)
        this.timer = setTimeout(() => this.connect(), this.backoffMs);
        this.timer.unref();
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      }
      this.wake();
    });
  }

  add(r: CallRecord): void {
    this.stats.records++;
    this.queue.push(r);
    this.trim();
  }

  flush(): void {
    this.pump();
  }

  /** Keep the queue bounded: the oldest records are given up (counted). */
  private trim(): void {
    if (this.queue.length <= this.opts.queueMax) return;
    const dropped = this.queue.length - this.opts.queueMax;
    this.queue.splice(0, dropped);
    this.stats.undelivered += dropped;
    this.warn(`collector ${this.stats.target}: queue full (${this.opts.queueMax} records), oldest records dropped`);
  }

  private write(msg: Uint8Array, records: CallRecord[]): boolean {
    this.stats.messages++;
    this.stats.bytes += msg.length;
    this.inFlight++;
    return this.sock!.write(msg, (err) => {
      this.inFlight--;
      if (err) {
        // the connection went away before these records left: try them on the next connection
        this.queue.unshift(...records);
        this.trim();
      } else this.stats.delivered += records.length;
      this.wake();
    });
  }

  /** Send queued records while the socket accepts them; records with the same export time share messages. */
  private pump(): void {
    while (this.connected && !this.blocked && this.queue.length > 0) {
      const t = this.exportTime(this.queue[0]);
      let n = 1;
      while (n < this.queue.length && n < GROUP_MAX && this.exportTime(this.queue[n]) === t) n++;
      const group = this.queue.splice(0, n);
      const msgs = this.encoder.encode(group, t, false);
      let k = 0;
      for (let i = 0; i < msgs.length; i++) {
        const c = this.encoder.lastCounts[i];
        if (!this.write(msgs[i], group.slice(k, k + c))) this.blocked = true;
        k += c;
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  drained(): Promise<void> {
    // back-pressure while connected and the socket is full; a collector that is away never
    // stalls the run (the queue is bounded instead)
    if (!this.connected || (!this.blocked && this.queue.length < 1024)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(graceMs = 5000): Promise<void> {
    this.pump();
    const deadline = Date.now() + graceMs;
    // wait (keeping the process alive) while records remain and the collector may come back
    while ((this.queue.length > 0 || this.inFlight > 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
      if (!this.connected && !this.timer && !this.sock) this.connect();
    }
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.sock;
    if (s) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end();
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 2000);
      });
    }
    if (this.queue.length > 0) {
      this.stats.undelivered += this.queue.length;
      this.warn(
        `collector ${this.stats.target}: ${this.connects > 0 ? 'unreachable at exit' : 'never reachable'}, ${this.queue.length} records not delivered`,
      );
      this.queue = [];
    }
  }
}

/** An .ipfix file (RFC 5655: IPFIX messages back to back), or raw v9 packets for --export-format v9. */
class FileExporter extends Exporter {
  private fh: FileHandle | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  /** what goes into the file: the same builder makes the browser's download */
  private readonly file: ExportFileBuilder;
  failed: Error | null = null;

  constructor(
    private readonly path: string,
    opts: ExporterOptions,
  ) {
    super(path, opts);
    this.file = new ExportFileBuilder(this.encoder);
  }

  async openFile(): Promise<void> {
    this.fh = await open(this.path, 'w');
  }

  add(r: CallRecord): void {
    this.stats.records++;
    this.stats.delivered++;
    this.take(this.file.add(r, this.exportTime(r)));
  }

  /** The builder decides when records make messages (deterministically): nothing to do here. */
  flush(): void {}

  private take(msgs: Uint8Array[]): void {
    for (const m of msgs) {
      this.pending.push(m);
      this.pendingBytes += m.length;
      this.stats.messages++;
      this.stats.bytes += m.length;
    }
    if (this.pendingBytes >= 1 << 20) this.write();
  }

  private write(): void {
    if (this.pending.length === 0 || !this.fh) return;
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const fh = this.fh;
    this.writing = this.writing.then(async () => {
      if (this.failed) return;
      try {
        await fh.write(chunk);
      } catch (e) {
        this.failed = e as Error;
      }
    });
  }

  async drained(): Promise<void> {
    await this.writing;
    if (this.failed) throw new Error(`cannot write ${this.path}: ${this.failed.message}`);
  }

  async close(): Promise<void> {
    // the records still held; a file with no call still gets the templates, so collectors can read it
    this.take(this.file.end(this.exportTime(null)));
    this.write();
    await this.writing;
    await this.fh?.close();
    this.fh = null;
    if (this.failed) throw new Error(`cannot write ${this.path}: ${this.failed.message}`);
  }
}

export function collectorExporter(url: string, opts: ExporterOptions): Exporter {
  const c = parseCollector(url);
  return c.transport === 'udp' ? new UdpExporter(c, opts) : new TcpExporter(c, opts);
}

export async function fileExporter(path: string, opts: ExporterOptions): Promise<Exporter> {
  const f = new FileExporter(path, opts);
  await f.openFile();
  return f;
}
