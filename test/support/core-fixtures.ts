// Fixtures of the core's tests (test/unit/assembly/): captures written with the capture writer
// into a temporary folder and decoded by the real WASM core, the SIP messages they carry and the
// SipMessage fields the core must report for them, and assertions on messages and counters.

import { expect } from 'vitest';
import * as cw from './capture-writer.ts';
import { decode, type Decoded } from './engine.ts';
import { tempDir } from './temp.ts';
import type { EngineStats } from '../../shared/engine/engine.ts';
import { PROBLEM_COUNTERS } from '../../shared/engine/core-abi.ts';
import type { Sdp, SipMessage } from '../../shared/events.ts';

// ---------------------------------------------------------------- fixtures on disk

/** The folder the fixtures of a test file are written to. */
export const fixtures = tempDir('core');
let fileNo = 0;

export function save(bytes: Uint8Array, ext = 'pcap'): string {
  return fixtures.write(`f${fileNo++}.${ext}`, bytes);
}

/** Decode capture files (bytes) in one run, as `sipscope read a b c` would. */
export async function run(...captures: Uint8Array[]): Promise<Decoded> {
  return decode(captures.map((c) => save(c)));
}

// ---------------------------------------------------------------- addresses, times

export const T0 = 1_700_000_000;
export const A4 = '192.0.2.1';
export const B4 = '198.51.100.2';
// written in full, expected in RFC 5952 form
export const A6 = '2001:0db8:0000:0000:0001:0000:0000:0001';
export const A6T = '2001:db8::1:0:0:1';
export const B6 = '2001:db8:0:0:0:0:0:2';
export const B6T = '2001:db8::2';
export const O1 = '10.0.0.1';
export const O2 = '10.0.0.2';

/** Capture time of the i-th frame of a fixture (exact in µs). */
export function tsAt(i: number): { sec: number; nsec: number } {
  return { sec: T0 + Math.floor(i / 100), nsec: (i % 100) * 10_000_000 + 7_000 };
}
export function expTs(i: number, digits = 6): { sec: number; nsec: number; digits: number } {
  return { ...tsAt(i), digits };
}

/** Classic pcap of frames, frame i at tsAt(i). */
export function pcap(frames: Uint8Array[], opts: cw.PcapOptions = {}): Uint8Array<ArrayBuffer> {
  return cw.writePcap(
    frames.map((data, i) => ({ ts: tsAt(i), data })),
    opts,
  );
}

// ---------------------------------------------------------------- SIP messages

export const UA = 'sipscope-test/1.0';
export const SERVER = 'sipscope-uas/2.0';

export interface MsgOpts {
  cseq?: number;
  body?: string;
  ctype?: string;
  uri?: string;
  extra?: [string, string][];
}

export function req(method: string, n: string, o: MsgOpts = {}): string {
  const headers: [string, string][] = [
    ['Via', `SIP/2.0/UDP ${A4}:5060;branch=z9hG4bK-${method}-${n}`],
    ['Max-Forwards', '70'],
    ['From', `"Alice" <sip:alice@example.com>;tag=fa-${n}`],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', `${n}@sipscope.test`],
    ['CSeq', `${o.cseq ?? 1} ${method}`],
    ['User-Agent', UA],
  ];
  if (o.body !== undefined) headers.push(['Content-Type', o.ctype ?? 'application/sdp']);
  headers.push(...(o.extra ?? []));
  return cw.sipMessage(`${method} ${o.uri ?? 'sip:bob@example.com'} SIP/2.0`, headers, o.body ?? '');
}

export function reqFields(method: string, n: string, o: MsgOpts = {}): Partial<SipMessage> {
  return {
    isRequest: true,
    method,
    requestUri: o.uri ?? 'sip:bob@example.com',
    status: 0,
    reasonPhrase: '',
    cseq: o.cseq ?? 1,
    cseqMethod: method,
    callId: `${n}@sipscope.test`,
    from: `"Alice" <sip:alice@example.com>;tag=fa-${n}`,
    to: '<sip:bob@example.com>',
    fromTag: `fa-${n}`,
    toTag: '',
    userAgent: UA,
    server: null,
    reasonHeaders: [],
    contentType: o.body !== undefined ? (o.ctype ?? 'application/sdp') : null,
    ...(o.body === undefined ? { sdp: null } : {}),
  };
}

export function resp(status: number, phrase: string, n: string, o: MsgOpts & { method?: string } = {}): string {
  const method = o.method ?? 'INVITE';
  const headers: [string, string][] = [
    ['Via', `SIP/2.0/UDP ${A4}:5060;branch=z9hG4bK-${method}-${n}`],
    ['From', `"Alice" <sip:alice@example.com>;tag=fa-${n}`],
    ['To', `<sip:bob@example.com>;tag=tb-${n}`],
    ['Call-ID', `${n}@sipscope.test`],
    ['CSeq', `${o.cseq ?? 1} ${method}`],
    ['Server', SERVER],
  ];
  if (o.body !== undefined) headers.push(['Content-Type', o.ctype ?? 'application/sdp']);
  headers.push(...(o.extra ?? []));
  return cw.sipMessage(`SIP/2.0 ${status} ${phrase}`, headers, o.body ?? '');
}

export function respFields(status: number, phrase: string, n: string, o: MsgOpts & { method?: string } = {}): Partial<SipMessage> {
  return {
    isRequest: false,
    method: '',
    requestUri: '',
    status,
    reasonPhrase: phrase,
    cseq: o.cseq ?? 1,
    cseqMethod: o.method ?? 'INVITE',
    callId: `${n}@sipscope.test`,
    from: `"Alice" <sip:alice@example.com>;tag=fa-${n}`,
    to: `<sip:bob@example.com>;tag=tb-${n}`,
    fromTag: `fa-${n}`,
    toTag: `tb-${n}`,
    userAgent: null,
    server: SERVER,
    reasonHeaders: [],
    contentType: o.body !== undefined ? (o.ctype ?? 'application/sdp') : null,
    ...(o.body === undefined ? { sdp: null } : {}),
  };
}

export const SDP = cw.sdpBody({
  sessionC: A4,
  media: [{ port: 40000, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
});
export const SDP_PARSED: Sdp = {
  connection: A4,
  connections: [A4],
  media: [
    {
      media: 'audio',
      port: 40000,
      proto: 'RTP/AVP',
      formats: ['0', '8', '101'],
      rtpmap: new Map([
        ['0', 'PCMU'],
        ['8', 'PCMA'],
        ['101', 'telephone-event'],
      ]),
      connection: null,
      direction: null,
      rtcpPort: null,
      rtcpMux: false,
    },
  ],
  direction: null,
  origin: `sipscope 1 1 IN IP4 ${A4}`,
};
export const SDP_B = cw.sdpBody({ sessionC: B4, media: [{ port: 50000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
export const SDP_B_PARSED: Sdp = {
  connection: B4,
  connections: [B4],
  media: [
    {
      media: 'audio',
      port: 50000,
      proto: 'RTP/AVP',
      formats: ['0'],
      rtpmap: new Map([['0', 'PCMU']]),
      connection: null,
      direction: null,
      rtcpPort: null,
      rtcpMux: false,
    },
  ],
  direction: null,
  origin: `sipscope 1 1 IN IP4 ${B4}`,
};

// ---------------------------------------------------------------- assertions

export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** Field-by-field match, and the raw bytes equal to the message that was sent. */
export function expectMsg(m: SipMessage | undefined, fields: Partial<SipMessage>, raw?: string | Uint8Array): void {
  expect(m, 'message missing').toBeDefined();
  expect(m!).toMatchObject(fields);
  if (raw !== undefined) {
    const want = typeof raw === 'string' ? cw.text(raw) : raw;
    expect(m!.raw, 'the engine keeps bytes by default').not.toBeNull();
    expect(latin1(m!.raw!)).toBe(latin1(want));
    expect(m!.rawLen).toBe(want.length);
  }
}

/** The named counters have exactly these values. */
export function expectCounters(stats: EngineStats, want: Record<string, number>): void {
  const got: Record<string, number> = {};
  for (const k of Object.keys(want)) {
    expect(stats.counters, `unknown counter ${k}`).toHaveProperty(k);
    got[k] = stats.counters[k];
  }
  expect(got).toEqual(want);
}

/** Every problem counter is 0 except the ones given (checked by expectCounters). */
export function expectNoOtherProblems(stats: EngineStats, except: string[] = []): void {
  const bad: Record<string, number> = {};
  for (const k of PROBLEM_COUNTERS) if (!except.includes(k) && stats.counters[k] !== 0) bad[k] = stats.counters[k];
  expect(bad).toEqual({});
}

export function ids(msgs: SipMessage[]): string[] {
  return msgs.map((m) => `${m.isRequest ? m.method : m.status} ${m.callId}`);
}

// ---------------------------------------------------------------- frame builders

export function udp4(src: string, sport: number, dst: string, dport: number, payload: cw.Payload): Uint8Array {
  return cw.ipv4({ src, dst, proto: cw.IPPROTO.UDP }, cw.udp({ sport, dport }, payload, { src, dst }));
}
export function udp6(src: string, sport: number, dst: string, dport: number, payload: cw.Payload): Uint8Array {
  return cw.ipv6({ src, dst, nextHeader: cw.IPPROTO.UDP }, cw.udp({ sport, dport }, payload, { src, dst }));
}
export function eth(ip: Uint8Array, o: Partial<cw.EthernetOptions> = {}): Uint8Array {
  return cw.ethernet({ etherType: ip[0] >> 4 === 6 ? cw.ETHERTYPE.IPV6 : cw.ETHERTYPE.IPV4, ...o }, ip);
}

/** One WebSocket frame (FIN set), masked when a key is given. */
export function wsFrame(payload: cw.Payload, mask?: number[], opcode = 1): Uint8Array {
  const data = typeof payload === 'string' ? cw.text(payload) : payload;
  const w = new cw.ByteWriter();
  w.u8(0x80 | opcode);
  const m = mask ? 0x80 : 0;
  if (data.length < 126) w.u8(m | data.length);
  else if (data.length < 65536) w.u8(m | 126).u16(data.length);
  else w.u8(m | 127).u64(BigInt(data.length));
  if (mask) {
    w.bytes(Uint8Array.from(mask));
    w.bytes(data.map((b, i) => b ^ mask[i & 3]));
  } else w.bytes(data);
  return w.finish();
}

/** pcap of TCP segments (Ethernet), segment i at tsAt(i). */
export function tcpPcap(segs: cw.TcpSegment[]): Uint8Array {
  return pcap(segs.map((s) => s.frame('eth')));
}
export function ipLen(seg: cw.TcpSegment): number {
  return seg.ip().length;
}

// ---------------------------------------------------------------- a capture with a bit of everything

/** A capture with a bit of everything (also the base of the bit-flip test). */
export function richCapture(kind: 'pcap' | 'pcapng'): { bytes: Uint8Array; count: number } {
  const frames: Uint8Array[] = [];
  let count = 0;
  const add = (f: Uint8Array, msgs = 0) => {
    frames.push(f);
    count += msgs;
  };
  add(eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'rich-udp', { body: SDP }))), 1);
  add(eth(udp6(B6, 5060, A6, 5060, resp(200, 'OK', 'rich-udp', { body: SDP_B }))), 1);
  // TCP: handshake, a message over 3 segments reordered, two coalesced, a retransmission
  const flow = new cw.TcpFlow({ ip: A4, port: 50600 }, { ip: B4, port: 5060 });
  for (const s of flow.handshake()) add(s.frame());
  const split = flow.split('c2s', req('INVITE', 'rich-tcp', { body: SDP }), [120, 300]);
  for (const s of cw.TcpFlow.reorder(split, [0, 2, 1])) add(s.frame());
  count += 1;
  const co = flow.coalesce('s2c', [resp(100, 'Trying', 'rich-tcp'), resp(180, 'Ringing', 'rich-tcp')]);
  add(co.frame(), 2);
  add(flow.retransmit(co).frame());
  // IPv4 fragments, shuffled
  const big = req('MESSAGE', 'rich-frag', { body: 'x'.repeat(1500) + '\r\n', ctype: 'text/plain' });
  const frags = cw.ipv4Fragments(
    { src: A4, dst: B4, proto: cw.IPPROTO.UDP, id: 77 },
    cw.udp({ sport: 5060, dport: 5060 }, big, { src: A4, dst: B4 }),
    512,
  );
  for (const i of [1, 3, 0, 2]) add(eth(frags[i]));
  count += 1;
  // SCTP and VXLAN
  add(
    eth(
      cw.ipv4({ src: A4, dst: B4, proto: cw.IPPROTO.SCTP }, cw.sctpData({ sport: 5060, dport: 5060, tsn: 1 }, req('OPTIONS', 'rich-sctp'))),
    ),
    1,
  );
  const inner = eth(udp4(A4, 5060, B4, 5060, req('OPTIONS', 'rich-vxlan')));
  add(eth(udp4(O1, 51000, O2, 4789, cw.vxlan(99, inner))), 1);
  // WebSocket
  const ws = new cw.TcpFlow({ ip: A4, port: 50700 }, { ip: B4, port: 8080 });
  add(ws.send('c2s', 'GET / HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n').frame());
  add(ws.send('c2s', wsFrame(req('REGISTER', 'rich-ws'), [1, 2, 3, 4])).frame(), 1);
  // RTP-looking traffic (to no SDP endpoint: the core's own SDP watches last until JS drains
  // the event, so RTP to them is counted or not depending on chunk boundaries) and a keep-alive
  add(eth(udp4(A4, 40000, B4, 50010, cw.rtp({ pt: 0, seq: 1, ts: 160, ssrc: 5 }, 160))));
  add(eth(udp4(A4, 5060, B4, 5060, '\r\n\r\n')));
  if (kind === 'pcap') return { bytes: pcap(frames), count };
  const packets: (cw.PcapngPacket | cw.PcapngRawBlock)[] = frames.map((data, i) => ({ ts: tsAt(i), data, iface: i % 2 }));
  packets.splice(3, 0, cw.nameResolutionBlock([{ ip: B4, names: ['bob.test'] }]));
  packets.splice(9, 0, cw.customBlock(1234, new Uint8Array(33).fill(7)));
  return {
    bytes: cw.writePcapng([{ interfaces: [{ linktype: 1 }, { linktype: 1, tsresol: 9 }], packets }]),
    count,
  };
}
