// HEP v3 as an agent sends it (Kamailio siptrace, heplify): the test side of the HEP listener.
// hepPacket() encodes one message; sipOfCapture() takes the SIP datagrams of a capture that SIPp
// and tcpdump made on loopback, with their times, so a test can mirror a capture as HEP and
// compare the records with those `read` makes of the capture itself.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { concat, text } from './capture-writer.ts';
import { parseIp16 } from '../../shared/addr.ts';
import { readPcap, udpOf } from './pcap-rewrite.ts';

export interface HepMessage {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** capture time, seconds (fraction to the µs) */
  time: number;
  /** IP protocol the message went over (17 UDP, 6 TCP) */
  proto?: number;
  payload: Uint8Array;
}

export interface HepOptions {
  key?: string;
  captureId?: number;
  /** payload type (chunk 0x000b): 1 SIP, 5 RTCP, 100 log … */
  payloadType?: number;
  /** chunks added as they are: [vendor, type, data] */
  extra?: [number, number, Uint8Array][];
}

function chunk(vendor: number, type: number, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(6 + data.length);
  const v = new DataView(c.buffer);
  v.setUint16(0, vendor);
  v.setUint16(2, type);
  v.setUint16(4, c.length);
  c.set(data, 6);
  return c;
}
const u8 = (n: number) => Uint8Array.of(n);
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 255);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

/** 4 bytes for IPv4, 16 for IPv6, as HEP's address chunks hold them. */
function addrBytes(ip: string): Uint8Array {
  const b = parseIp16(ip)!;
  return ip.includes(':') ? b : b.subarray(12);
}

/** One HEP v3 packet carrying `m`, chunks in the order agents write them. */
export function hepPacket(m: HepMessage, o: HepOptions = {}): Uint8Array {
  const v6 = m.src.includes(':');
  const sec = Math.floor(m.time);
  const usec = Math.round((m.time - sec) * 1e6);
  const chunks = [
    chunk(0, 1, u8(v6 ? 10 : 2)),
    chunk(0, 2, u8(m.proto ?? 17)),
    chunk(0, v6 ? 5 : 3, addrBytes(m.src)),
    chunk(0, v6 ? 6 : 4, addrBytes(m.dst)),
    chunk(0, 7, u16(m.sport)),
    chunk(0, 8, u16(m.dport)),
    chunk(0, 9, u32(usec === 1e6 ? sec + 1 : sec)),
    chunk(0, 10, u32(usec === 1e6 ? 0 : usec)),
    chunk(0, 11, u8(o.payloadType ?? 1)),
    chunk(0, 12, u32(o.captureId ?? 2001)),
    ...(o.key !== undefined ? [chunk(0, 14, text(o.key))] : []),
    ...(o.extra ?? []).map(([v, t, d]) => chunk(v, t, d)),
    chunk(0, 15, m.payload),
  ];
  const body = concat(...chunks);
  return concat(text('HEP3'), u16(6 + body.length), body);
}

const SIP_START = /^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/;

/** The SIP messages of a pcap (UDP datagrams, IPv4 or IPv6, on Ethernet or loopback-as-Ethernet). */
export function sipOfCapture(pcap: Uint8Array): HepMessage[] {
  const cap = readPcap(pcap);
  const out: HepMessage[] = [];
  for (const f of cap.frames) {
    const u = udpOf(f.data, cap.linktype);
    if (!u || u.payload.length < 12) continue;
    if (!SIP_START.test(Buffer.from(u.payload.subarray(0, 512)).toString('latin1'))) continue;
    out.push({ src: u.src, dst: u.dst, sport: u.sport, dport: u.dport, time: f.sec + f.nsec / 1e9, payload: u.payload });
  }
  return out;
}

/** Send packets as UDP datagrams to host:port, from one socket, in order (bounded: one await each). */
export async function sendHepUdp(packets: Uint8Array[], host: string, port: number): Promise<void> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    for (const p of packets) await new Promise<void>((res, rej) => s.send(p, port, host, (e) => (e ? rej(e) : res())));
  } finally {
    s.close();
  }
}

/** Send packets back to back over one TCP connection, written in pieces of `piece` bytes (framing
 *  must not depend on how TCP cuts the stream). */
export async function sendHepTcp(packets: Uint8Array[], host: string, port: number, piece = 0): Promise<void> {
  const all = concat(...packets);
  await new Promise<void>((res, rej) => {
    const c = connect({ host, port }, () => {
      if (piece <= 0) c.end(all);
      else {
        for (let i = 0; i < all.length; i += piece) c.write(all.subarray(i, i + piece));
        c.end();
      }
    });
    c.once('error', rej);
    c.once('close', () => res());
  });
}
