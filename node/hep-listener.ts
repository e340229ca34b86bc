// `sipscope live --hep udp://HOST:PORT` (or tcp://): a HEP v3 collector. SIP proxies, SBCs and
// capture agents (Kamailio/OpenSIPS siptrace, FreeSWITCH, Asterisk res_hep, heplify) mirror what
// they send and receive as HEP packets; each packet received is handed to the engine as one UDP
// frame of a pcap stream (raw IP, stamped with the arrival time), and the core's HEP decoder
// (assembly/hep.ts) — the one that decodes HEP found in captures — takes the addresses, ports,
// protocol, time and SIP message from its chunks, checking the authentication key when one is set.
//
// Framing only happens here: a UDP datagram is one packet; over TCP, packets follow each other,
// each giving its length in its header. Bytes that are not HEP v3 are counted and skipped (TCP:
// up to the next "HEP3"); what the engine cannot keep up with is counted as dropped (UDP) or
// slows the senders down (TCP back-pressure); nothing here ends the run.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv4, isIPv6, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { UsageError } from './args.ts';
import type { ProbeSource } from './probe-source.ts';
import { HEP_KEY_MAX } from '../shared/engine/core-abi.ts';

export interface HepEndpoint {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  url: string;
}

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

const MAGIC = [0x48, 0x45, 0x50, 0x33]; // "HEP3"
/** a HEP v3 packet: its 16-bit length covers the whole packet */
const MAX_PACKET = 0xffff;
/** LINKTYPE_RAW: an IPv4 or IPv6 packet, by its version */
const LINKTYPE_RAW = 101;
/** records are collected and handed over together: at this size, or on the next turn of the loop */
const BATCH_BYTES = 256 << 10;
/** UDP packets waiting for the engine beyond this are dropped and counted (the kernel would) */
const MAX_QUEUED = 64 << 20;
/** TCP senders are slowed (paused) when this much waits for the engine */
const HIGH_WATER = 8 << 20;
/** TCP connections at once; more are refused and counted */
const MAX_CONNECTIONS = 1024;
/** socket receive buffer asked for (the kernel caps it at net.core.rmem_max) */
const RECV_BUFFER = 16 << 20;

export interface HepCounters {
  /** packets handed to the engine */
  packets: number;
  bytes: number;
  /** UDP datagrams not starting with "HEP3" */
  notHep: number;
  /** TCP bytes skipped to the next "HEP3" (a sender that lost the framing), or left cut by the
   *  connection's end */
  skippedBytes: number;
  /** UDP packets dropped: the engine was behind by MAX_QUEUED */
  dropped: number;
  connections: number;
  refused: number;
}

export class HepSource implements ProbeSource {
  readonly name: string;
  readonly stream: Readable;
  /** packets come as they are sent: capture time may follow the wall clock soon after a pause,
   *  from the agents' time (which need not be this machine's) */
  readonly timing = { quietMs: 1000, lagMs: 200, ownClock: true };
  readonly counters: HepCounters = { packets: 0, bytes: 0, notHep: 0, skippedBytes: 0, dropped: 0, connections: 0, refused: 0 };
  private readonly endpoints: HepEndpoint[];
  private readonly say: (s: string) => void;
  private udp: UdpSocket[] = [];
  private servers: Server[] = [];
  private readonly conns = new Set<Socket>();
  private batch = Buffer.allocUnsafe(BATCH_BYTES + MAX_PACKET + 64);
  private batchLen = 0;
  private flushScheduled = false;
  private listening = false;
  private stopping = false;
  private ended = false;
  private paused = false;
  private error: string | null = null;
  /** the kernel's drop count, read before the sockets close */
  private kernelDrops: number | null = null;
  private whenEnded: Promise<void>;
  private resolveEnded!: () => void;

  constructor(endpoints: HepEndpoint[], say: (s: string) => void) {
    this.endpoints = endpoints;
    this.say = say;
    this.name = `HEP ${endpoints.map((e) => e.url).join(' ')}`;
    this.whenEnded = new Promise<void>((r) => (this.resolveEnded = r));
    this.stream = new Readable({
      highWaterMark: HIGH_WATER,
      read: () => this.resume(),
    });
    this.stream.push(pcapHeader());
  }

  /** Bind every endpoint; a port in use or not allowed rejects with the reason and the fix. */
  async listen(): Promise<void> {
    for (const e of this.endpoints) {
      try {
        if (e.transport === 'udp') await this.listenUdp(e);
        else await this.listenTcp(e);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'EADDRINUSE'
            ? 'the port is in use (another collector?)'
            : code === 'EACCES'
              ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
              : code === 'EADDRNOTAVAIL'
                ? 'no interface has that address'
                : (err as Error).message;
        throw new Error(`cannot listen on ${e.url}: ${why}`);
      }
    }
    this.listening = true;
    this.say(`listening on ${this.endpoints.map((e) => e.url).join(', ')} (HEP v3)`);
  }

  private listenUdp(e: HepEndpoint): Promise<void> {
    const s = createSocket({ type: isIPv6(e.host) ? 'udp6' : 'udp4' });
    this.udp.push(s);
    s.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address, rinfo.port, e.port));
    return new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(e.port, e.host, () => {
        s.off('error', reject);
        s.on('error', (err) => this.fail(`${e.url}: ${err.message}`));
        try {
          s.setRecvBufferSize(RECV_BUFFER);
        } catch {
          /* capped by the kernel: the default stays */
        }
        resolve();
      });
    });
  }

  private listenTcp(e: HepEndpoint): Promise<void> {
    const server = createServer((c) => this.onConnection(c, e.port));
    server.maxConnections = MAX_CONNECTIONS;
    server.on('drop', () => this.counters.refused++);
    this.servers.push(server);
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(e.port, e.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.fail(`${e.url}: ${err.message}`));
        resolve();
      });
    });
  }

  private onDatagram(msg: Buffer, from: string, sport: number, dport: number): void {
    if (this.stopping) return;
    if (!isHep3(msg, 0)) {
      this.counters.notHep++;
      return;
    }
    if (this.stream.readableLength > MAX_QUEUED) {
      this.counters.dropped++;
      return;
    }
    this.add(msg, 0, msg.length, from, sport, dport);
  }

  private onConnection(c: Socket, dport: number): void {
    if (this.stopping) {
      c.destroy();
      return;
    }
    this.counters.connections++;
    this.conns.add(c);
    if (this.paused) c.pause();
    const from = c.remoteAddress ?? '0.0.0.0';
    const sport = c.remotePort ?? 0;
    let buf: Buffer = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      let off = 0;
      while (buf.length - off >= 6) {
        if (!isHep3(buf, off)) {
          // lost the framing (not HEP, or a sender's bug): skip to the next "HEP3"
          const next = buf.indexOf('HEP3', off + 1, 'latin1');
          const to = next < 0 ? buf.length - 3 : next;
          this.counters.skippedBytes += to - off;
          off = to;
          continue;
        }
        const len = buf.readUInt16BE(off + 4);
        if (len < 6) {
          this.counters.skippedBytes += 4;
          off += 4;
          continue;
        }
        if (buf.length - off < len) break;
        this.add(buf, off, len, from, sport, dport);
        off += len;
      }
      buf = off === 0 ? buf : buf.subarray(off);
      // keep only what the next packet needs: a copy, so the chunk it came in can go
      if (off > 0 && buf.length > 0) buf = Buffer.from(buf);
    });
    c.on('error', () => {
      /* a reset connection ends as a closed one */
    });
    c.on('close', () => {
      // a packet the sender's connection ended in the middle of
      this.counters.skippedBytes += buf.length;
      this.conns.delete(c);
    });
  }

  /** One HEP packet → one pcap record: raw IP carrying UDP from the sender to the listener. */
  private add(src: Buffer, off: number, len: number, from: string, sport: number, dport: number): void {
    const v4 = isIPv4(from) || from.startsWith('::ffff:');
    const ipLen = v4 ? 20 : 40;
    const caplen = ipLen + 8 + len;
    const now = Date.now();
    const b = this.batch;
    let p = this.batchLen;
    b.writeUInt32LE(Math.floor(now / 1000), p);
    b.writeUInt32LE((now % 1000) * 1000, p + 4);
    b.writeUInt32LE(caplen, p + 8);
    b.writeUInt32LE(caplen, p + 12);
    p += 16;
    // lengths beyond 16 bits (a 64 KiB packet over TCP) are written as 0: "the rest of the frame"
    const udpLen = 8 + len <= 0xffff ? 8 + len : 0;
    if (v4) {
      b.fill(0, p, p + 20);
      b[p] = 0x45;
      b.writeUInt16BE(caplen <= 0xffff ? caplen : 0, p + 2);
      b[p + 8] = 64;
      b[p + 9] = 17;
      writeV4(b, p + 12, from.startsWith('::ffff:') ? from.slice(7) : from);
      b.set([127, 0, 0, 1], p + 16);
    } else {
      b.fill(0, p, p + 40);
      b[p] = 0x60;
      b.writeUInt16BE(udpLen, p + 4);
      b[p + 6] = 17;
      b[p + 7] = 64;
      writeV6(b, p + 8, from);
      b[p + 39] = 1; // ::1
    }
    p += ipLen;
    b.writeUInt16BE(sport, p);
    b.writeUInt16BE(dport, p + 2);
    b.writeUInt16BE(udpLen, p + 4);
    b.writeUInt16BE(0, p + 6);
    p += 8;
    src.copy(b, p, off, off + len);
    this.batchLen = p + len;
    this.counters.packets++;
    this.counters.bytes += len;
    if (this.batchLen >= BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batchLen === 0 || this.ended) return;
    const out = Buffer.from(this.batch.subarray(0, this.batchLen));
    this.batchLen = 0;
    if (!this.stream.push(out) && !this.paused) {
      // the engine is behind: TCP senders wait (UDP is counted against MAX_QUEUED)
      this.paused = true;
      for (const c of this.conns) c.pause();
    }
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const c of this.conns) c.resume();
  }

  private fail(message: string): void {
    this.error ??= message;
    this.stop();
  }

  ready(): boolean {
    return this.listening;
  }

  stopDelayMs(): number {
    // datagrams already in the socket's queue are read first
    return this.listening ? 200 : 0;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.kernelDrops = socketDrops(this.udp);
    const closing: Promise<void>[] = [];
    for (const s of this.udp) closing.push(new Promise<void>((r) => s.close(() => r())));
    for (const srv of this.servers) closing.push(new Promise<void>((r) => srv.close(() => r())));
    // a connection's data already received is framed; then it is closed
    for (const c of this.conns) c.end();
    const t = setTimeout(() => {
      for (const c of this.conns) c.destroy();
    }, 1000);
    void Promise.all(closing).then(async () => {
      while (this.conns.size > 0) await new Promise((r) => setTimeout(r, 20));
      clearTimeout(t);
      this.flush();
      this.ended = true;
      this.stream.push(null);
      this.resolveEnded();
    });
  }

  status(): Promise<string> {
    return Promise.resolve(this.statusText());
  }

  private statusText(): string {
    const c = this.counters;
    const drops = socketDrops(this.udp);
    return (
      `HEP packets ${c.packets}, not HEP ${c.notHep}${this.servers.length ? ` (+${c.skippedBytes} TCP bytes)` : ''}, dropped ${c.dropped}` +
      (drops === null ? '' : `, socket drops ${drops}`) +
      (this.servers.length ? `, TCP connections ${this.conns.size} open` : '')
    );
  }

  async closed(): Promise<void> {
    this.stop();
    await this.whenEnded;
  }

  finalLines(quiet: boolean): string[] {
    const c = this.counters;
    const drops = this.kernelDrops;
    const lost = c.dropped > 0 || (drops ?? 0) > 0 || c.refused > 0;
    if (quiet && !lost) return [];
    return [
      `HEP: ${c.packets} packets (${c.bytes} bytes) received; not HEP v3: ${c.notHep} datagrams` +
        (this.servers.length ? `, ${c.skippedBytes} bytes over TCP` : '') +
        `; ${c.dropped} dropped (the engine was behind)` +
        (drops === null ? '' : `, ${drops} dropped by the kernel (socket buffer full)`) +
        (this.servers.length ? `, ${c.connections} TCP connections (${c.refused} refused)` : ''),
    ];
  }

  problem(): { message: string; status: number } | null {
    return this.error ? { message: `HEP listener failed: ${this.error}`, status: 1 } : null;
  }

  dispose(): void {
    this.stop();
  }
}

function isHep3(b: Buffer, off: number): boolean {
  return b[off] === MAGIC[0] && b[off + 1] === MAGIC[1] && b[off + 2] === MAGIC[2] && b[off + 3] === MAGIC[3];
}

function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

function writeV4(b: Buffer, p: number, ip: string): void {
  const parts = ip.split('.');
  for (let i = 0; i < 4; i++) b[p + i] = Number(parts[i]) & 255;
}

function writeV6(b: Buffer, p: number, ip: string): void {
  const [head, tail = ''] = ip.split('%')[0].split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  for (let i = 0; i < 8; i++) b.writeUInt16BE(Number.parseInt(groups[i] ?? '0', 16) & 0xffff, p + 2 * i);
}

/**
 * Datagrams the kernel dropped on the listener's UDP sockets (its receive queue was full), from
 * /proc/net/udp{,6}: the last column of the sockets bound to our ports. null where unknown.
 */
function socketDrops(sockets: UdpSocket[]): number | null {
  if (sockets.length === 0) return null;
  const ports = new Set<string>();
  for (const s of sockets) {
    try {
      ports.add(s.address().port.toString(16).toUpperCase().padStart(4, '0'));
    } catch {
      /* closed */
    }
  }
  if (ports.size === 0) return null;
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
