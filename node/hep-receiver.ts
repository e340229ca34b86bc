// The sockets of the HEP listener and their framing. It runs in a worker thread of its own
// (node/hep-worker.ts), so the sockets are read while the engine decodes: a UDP socket's kernel
// queue then only has to cover the moments between two reads, not a whole batch of decoding.
//
// Framing only: a UDP datagram is one packet; over TCP, packets follow each other, each giving
// its length in its header. Each packet becomes one pcap record (raw IP carrying UDP from the
// sender to the listener, stamped on arrival), collected into batches for the engine. Bytes that
// are not HEP v3 are counted and skipped (TCP: up to the next "HEP3").

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv4, isIPv6, type Server, type Socket } from 'node:net';
import { parseIp16 } from '../shared/addr.ts';

export interface HepEndpoint {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  url: string;
}

export interface HepCounters {
  /** packets handed to the engine */
  packets: number;
  bytes: number;
  /** UDP datagrams not starting with "HEP3" */
  notHep: number;
  /** TCP bytes skipped to the next "HEP3" (a sender that lost the framing), or left cut by the
   *  connection's end */
  skippedBytes: number;
  /** UDP packets dropped because the engine was too far behind (see HepReceiver.dropUdp) */
  dropped: number;
  connections: number;
  refused: number;
}

export const newCounters = (): HepCounters => ({
  packets: 0,
  bytes: 0,
  notHep: 0,
  skippedBytes: 0,
  dropped: 0,
  connections: 0,
  refused: 0,
});

const MAGIC = [0x48, 0x45, 0x50, 0x33]; // "HEP3"
/** a HEP v3 packet: its 16-bit length covers the whole packet */
const MAX_PACKET = 0xffff;
/** LINKTYPE_RAW: an IPv4 or IPv6 packet, by its version */
const LINKTYPE_RAW = 101;
/** records go to the engine together: at this size, or BATCH_MS after the first */
const BATCH_BYTES = 256 << 10;
const BATCH_MS = 5;
/** TCP connections at once; more are refused and counted */
const MAX_CONNECTIONS = 1024;
/** socket receive buffer asked for (the kernel caps it at net.core.rmem_max) */
const RECV_BUFFER = 32 << 20;

/** The pcap file header the records follow. */
export function pcapHeader(): Uint8Array {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

function isHep3(b: Buffer, off: number): boolean {
  return b[off] === MAGIC[0] && b[off + 1] === MAGIC[1] && b[off + 2] === MAGIC[2] && b[off + 3] === MAGIC[3];
}

export class HepReceiver {
  readonly counters = newCounters();
  /** drop UDP packets (counted): the engine is too far behind */
  dropUdp = false;
  private readonly endpoints: HepEndpoint[];
  private readonly onBatch: (records: Uint8Array) => void;
  private udp: UdpSocket[] = [];
  private servers: Server[] = [];
  private readonly conns = new Set<Socket>();
  private batch = Buffer.allocUnsafe(BATCH_BYTES + MAX_PACKET + 64);
  private batchLen = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private stopping: Promise<void> | null = null;
  private lastFrom = '';
  private lastAddr: Uint8Array = new Uint8Array(16);
  /** a socket or server failed after it was listening */
  error: string | null = null;

  /** `onBatch` gets records (pcap record headers and packets) it may keep: they are not reused. */
  constructor(endpoints: HepEndpoint[], onBatch: (records: Uint8Array) => void) {
    this.endpoints = endpoints;
    this.onBatch = onBatch;
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
        await this.stop();
        throw new Error(`cannot listen on ${e.url}: ${why}`);
      }
    }
  }

  private listenUdp(e: HepEndpoint): Promise<void> {
    const s = createSocket({ type: isIPv6(e.host) ? 'udp6' : 'udp4' });
    this.udp.push(s);
    s.on('message', (msg, rinfo) => {
      if (!isHep3(msg, 0)) this.counters.notHep++;
      else if (this.dropUdp) this.counters.dropped++;
      else this.add(msg, 0, msg.length, rinfo.address, rinfo.port, e.port);
    });
    return new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(e.port, e.host, () => {
        s.off('error', reject);
        s.on('error', (err) => (this.error ??= `${e.url}: ${err.message}`));
        try {
          s.setRecvBufferSize(RECV_BUFFER);
        } catch {
          /* not allowed: the default stays */
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
        server.on('error', (err) => (this.error ??= `${e.url}: ${err.message}`));
        resolve();
      });
    });
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
      // keep only what the next packet needs, copied, so the chunk it came in can go
      if (off > 0) buf = off < buf.length ? Buffer.from(buf.subarray(off)) : Buffer.alloc(0);
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
    const addr = this.addressOf(from);
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
      b.set(addr.subarray(12), p + 12);
      b.set([127, 0, 0, 1], p + 16);
    } else {
      b.fill(0, p, p + 40);
      b[p] = 0x60;
      b.writeUInt16BE(udpLen, p + 4);
      b[p + 6] = 17;
      b[p + 7] = 64;
      b.set(addr, p + 8);
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
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** The sender's address as 16 bytes (IPv4 mapped); senders are few: the last one is kept. */
  private addressOf(from: string): Uint8Array {
    if (from !== this.lastFrom) {
      this.lastFrom = from;
      this.lastAddr = parseIp16(from) ?? new Uint8Array(16);
    }
    return this.lastAddr;
  }

  /** Hand the records collected so far over. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.batchLen === 0) return;
    const out = new Uint8Array(this.batchLen);
    out.set(this.batch.subarray(0, this.batchLen));
    this.batchLen = 0;
    this.onBatch(out);
  }

  /** TCP senders wait (the engine is behind) or go on. */
  pauseTcp(on: boolean): void {
    if (on === this.paused) return;
    this.paused = on;
    for (const c of this.conns)
      if (on) c.pause();
      else c.resume();
  }

  /** The UDP ports bound (for the kernel's drop counts). */
  udpPorts(): number[] {
    const ports: number[] = [];
    for (const s of this.udp) {
      try {
        ports.push(s.address().port);
      } catch {
        /* closed */
      }
    }
    return ports;
  }

  /** Close the sockets; data already received on TCP connections is framed first (bounded). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closing: Promise<void>[] = [];
      for (const s of this.udp)
        closing.push(
          new Promise<void>((r) => {
            try {
              s.close(() => r());
            } catch {
              r(); // never bound
            }
          }),
        );
      for (const srv of this.servers) closing.push(new Promise<void>((r) => srv.close(() => r())));
      this.pauseTcp(false);
      for (const c of this.conns) c.end();
      const t = setTimeout(() => {
        for (const c of this.conns) c.destroy();
      }, 1000);
      await Promise.all(closing);
      while (this.conns.size > 0) await new Promise((r) => setTimeout(r, 20));
      clearTimeout(t);
      this.flush();
    })();
    return this.stopping;
  }
}
