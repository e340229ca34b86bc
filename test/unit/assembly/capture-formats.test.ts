// The WASM core's decoding, layer by layer: capture formats, link layers, tunnels, IP fragments,
// TCP/SCTP/WebSocket reassembly, SIP and SDP scanning, RTP counting and damaged input.
// Every fixture is written here with test/capture-writer.ts (into os.tmpdir()) and decoded by the
// real core; assertions are on the exact SipMessage fields and on the run counters.

import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cw from './capture-writer.ts';
import { decode, type Decoded } from './helpers/engine.ts';
import { createEngine } from '../node/wasm.ts';
import type { EngineStats } from '../shared/engine/engine.ts';
import { FILE_ERRORS, PROBLEM_COUNTERS } from '../shared/engine/core-abi.ts';
import type { Sdp, SipMessage } from '../shared/events.ts';

// ---------------------------------------------------------------- fixtures on disk

const dir = mkdtempSync(join(tmpdir(), 'sipscope-core-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function save(bytes: Uint8Array, ext = 'pcap'): string {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

/** Decode capture files (bytes) in one run, as `sipscope read a b c` would. */
async function run(...captures: Uint8Array[]): Promise<Decoded> {
  return decode(captures.map((c) => save(c)));
}

// ---------------------------------------------------------------- addresses, times

const T0 = 1_700_000_000;
const A4 = '192.0.2.1';
const B4 = '198.51.100.2';
// written in full, expected in RFC 5952 form
const A6 = '2001:0db8:0000:0000:0001:0000:0000:0001';
const A6T = '2001:db8::1:0:0:1';
const B6 = '2001:db8:0:0:0:0:0:2';
const B6T = '2001:db8::2';
const O1 = '10.0.0.1';
const O2 = '10.0.0.2';

/** Capture time of the i-th frame of a fixture (exact in µs). */
function tsAt(i: number): { sec: number; nsec: number } {
  return { sec: T0 + Math.floor(i / 100), nsec: (i % 100) * 10_000_000 + 7_000 };
}
function expTs(i: number, digits = 6): { sec: number; nsec: number; digits: number } {
  return { ...tsAt(i), digits };
}

/** Classic pcap of frames, frame i at tsAt(i). */
function pcap(frames: Uint8Array[], opts: cw.PcapOptions = {}): Uint8Array<ArrayBuffer> {
  return cw.writePcap(
    frames.map((data, i) => ({ ts: tsAt(i), data })),
    opts,
  );
}

// ---------------------------------------------------------------- SIP messages

const UA = 'sipscope-test/1.0';
const SERVER = 'sipscope-uas/2.0';

interface MsgOpts {
  cseq?: number;
  body?: string;
  ctype?: string;
  uri?: string;
  extra?: [string, string][];
}

function req(method: string, n: string, o: MsgOpts = {}): string {
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

function reqFields(method: string, n: string, o: MsgOpts = {}): Partial<SipMessage> {
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

function resp(status: number, phrase: string, n: string, o: MsgOpts & { method?: string } = {}): string {
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

function respFields(status: number, phrase: string, n: string, o: MsgOpts & { method?: string } = {}): Partial<SipMessage> {
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

const SDP = cw.sdpBody({
  sessionC: A4,
  media: [{ port: 40000, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
});
const SDP_PARSED: Sdp = {
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
    },
  ],
};
const SDP_B = cw.sdpBody({ sessionC: B4, media: [{ port: 50000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
const SDP_B_PARSED: Sdp = {
  connection: B4,
  connections: [B4],
  media: [{ media: 'audio', port: 50000, proto: 'RTP/AVP', formats: ['0'], rtpmap: new Map([['0', 'PCMU']]), connection: null }],
};

// ---------------------------------------------------------------- assertions

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** Field-by-field match, and the raw bytes equal to the message that was sent. */
function expectMsg(m: SipMessage | undefined, fields: Partial<SipMessage>, raw?: string | Uint8Array): void {
  expect(m, 'message missing').toBeDefined();
  expect(m!).toMatchObject(fields);
  if (raw !== undefined) expect(latin1(m!.raw)).toBe(latin1(typeof raw === 'string' ? cw.text(raw) : raw));
}

/** The named counters have exactly these values. */
function expectCounters(stats: EngineStats, want: Record<string, number>): void {
  const got: Record<string, number> = {};
  for (const k of Object.keys(want)) {
    expect(stats.counters, `unknown counter ${k}`).toHaveProperty(k);
    got[k] = stats.counters[k];
  }
  expect(got).toEqual(want);
}

/** Every problem counter is 0 except the ones given (checked by expectCounters). */
function expectNoOtherProblems(stats: EngineStats, except: string[] = []): void {
  const bad: Record<string, number> = {};
  for (const k of PROBLEM_COUNTERS) if (!except.includes(k) && stats.counters[k] !== 0) bad[k] = stats.counters[k];
  expect(bad).toEqual({});
}

function ids(msgs: SipMessage[]): string[] {
  return msgs.map((m) => `${m.isRequest ? m.method : m.status} ${m.callId}`);
}

// ---------------------------------------------------------------- frame builders

function udp4(src: string, sport: number, dst: string, dport: number, payload: cw.Payload): Uint8Array {
  return cw.ipv4({ src, dst, proto: cw.IPPROTO.UDP }, cw.udp({ sport, dport }, payload, { src, dst }));
}
function udp6(src: string, sport: number, dst: string, dport: number, payload: cw.Payload): Uint8Array {
  return cw.ipv6({ src, dst, nextHeader: cw.IPPROTO.UDP }, cw.udp({ sport, dport }, payload, { src, dst }));
}
function eth(ip: Uint8Array, o: Partial<cw.EthernetOptions> = {}): Uint8Array {
  return cw.ethernet({ etherType: ip[0] >> 4 === 6 ? cw.ETHERTYPE.IPV6 : cw.ETHERTYPE.IPV4, ...o }, ip);
}

/** One WebSocket frame (FIN set), masked when a key is given. */
function wsFrame(payload: cw.Payload, mask?: number[], opcode = 1): Uint8Array {
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
function tcpPcap(segs: cw.TcpSegment[]): Uint8Array {
  return pcap(segs.map((s) => s.frame('eth')));
}
function ipLen(seg: cw.TcpSegment): number {
  return seg.ip().length;
}

// ================================================================= capture formats

describe('capture formats', () => {
  const inv = req('INVITE', 'fmt', { body: SDP });
  const ok = resp(200, 'OK', 'fmt', { body: SDP_B });
  const ip1 = udp4(A4, 5060, B4, 5060, inv);
  const ip2 = udp4(B4, 5062, A4, 5060, ok);
  const f1 = eth(ip1);
  const f2 = eth(ip2);
  const ts1 = { sec: T0, nsec: 123_456_789 };
  const ts2 = { sec: T0 + 86_400, nsec: 999_999_000 };

  const variants: [string, cw.PcapOptions][] = [
    ['pcap little-endian µs', {}],
    ['pcap big-endian µs', { bigEndian: true }],
    ['pcap little-endian ns', { nanos: true }],
    ['pcap big-endian ns', { nanos: true, bigEndian: true }],
  ];
  for (const [name, opts] of variants) {
    test(name, async () => {
      const bytes = cw.writePcap(
        [
          { ts: ts1, data: f1 },
          { ts: ts2, data: f2 },
        ],
        opts,
      );
      const { messages, files, stats } = await run(bytes);
      expect(files[0]).toMatchObject({ error: 0, message: null, warning: null, readError: null, bytesRead: bytes.length });
      expect(messages).toHaveLength(2);
      const digits = opts.nanos ? 9 : 6;
      expectMsg(
        messages[0],
        {
          frame: 1,
          fileIndex: 0,
          fileOffset: 24,
          ts: { sec: T0, nsec: opts.nanos ? 123_456_789 : 123_457_000, digits },
          ipVersion: 4,
          src: A4,
          dst: B4,
          sport: 5060,
          dport: 5060,
          transport: 'udp',
          wireBytes: ip1.length,
          wirePackets: 1,
          ...reqFields('INVITE', 'fmt', { body: SDP }),
          sdp: SDP_PARSED,
        },
        inv,
      );
      expectMsg(
        messages[1],
        {
          frame: 2,
          fileIndex: 0,
          fileOffset: 24 + 16 + f1.length,
          ts: { sec: T0 + 86_400, nsec: 999_999_000, digits },
          src: B4,
          dst: A4,
          sport: 5062,
          dport: 5060,
          wireBytes: ip2.length,
          ...respFields(200, 'OK', 'fmt', { body: SDP_B }),
          sdp: SDP_B_PARSED,
        },
        ok,
      );
      expectCounters(stats, { frames: 2, sipFrames: 2, sipMessages: 2, otherFrames: 0, skippedBlocks: 0 });
      expectNoOtherProblems(stats);
      expect(stats.bytes).toBe(f1.length + f2.length);
      expect(stats.sipBytes).toBe(cw.text(inv).length + cw.text(ok).length);
    });
  }

  // two sections (little- then big-endian), several interfaces with their own link type,
  // resolution and offset; EPB, OPB and SPB; blocks without packets in between
  const m = {
    inv: req('INVITE', 'ng', { body: SDP }),
    trying: resp(100, 'Trying', 'ng'),
    ringing: resp(180, 'Ringing', 'ng'),
    ok: resp(200, 'OK', 'ng', { body: SDP_B }),
    ack: req('ACK', 'ng'),
    bye: req('BYE', 'ng', { cseq: 2 }),
    byeOk: resp(200, 'OK', 'ng', { method: 'BYE', cseq: 2 }),
  };
  function pcapngFixture(): Uint8Array {
    const isb = new cw.ByteWriter(false).u32(0).u32(0).u32(0).u32(0).finish(); // big-endian ISB body
    const s1 = cw.writePcapng([
      {
        interfaces: [
          { linktype: cw.LINKTYPE.ETHERNET, name: 'eth0' },
          { linktype: cw.LINKTYPE.RAW, tsresol: 9 },
          { linktype: cw.LINKTYPE.LINUX_SLL2, tsresol: 3 },
        ],
        packets: [
          cw.nameResolutionBlock([{ ip: A4, names: ['alice.test'] }]),
          { iface: 0, ts: { sec: T0, nsec: 111_111_000 }, data: eth(udp4(A4, 5060, B4, 5060, m.inv)) },
          cw.customBlock(32473, cw.text('sipscope custom block')),
          { iface: 1, ts: { sec: T0, nsec: 222_222_222 }, data: udp6(B6, 5060, A6, 5060, m.trying) },
          {
            iface: 2,
            ts: { sec: T0 + 1, nsec: 333_000_000 },
            data: cw.sll2({ protocol: 0x0800 }, udp4(B4, 5060, A4, 5060, m.ringing)),
            block: 'opb',
          },
          { rawBlock: { type: 0x00000099, body: new Uint8Array(12).fill(0x5a) } },
          { ts: 0, data: eth(udp4(B4, 5060, A4, 5060, m.ok)), block: 'spb' },
        ],
      },
    ]);
    const s2 = cw.writePcapng(
      [
        {
          interfaces: [
            { linktype: cw.LINKTYPE.LINUX_SLL, tsresol: 0x80 | 10, tsoffset: 1_600_000_000 },
            { linktype: cw.LINKTYPE.ETHERNET, tsresol: 9, tsoffset: 100 },
          ],
          packets: [
            cw.customBlock(32473, cw.text('no copy'), { copy: false, bigEndian: true }),
            { iface: 0, ts: { sec: T0 + 2, nsec: 250_000_000 }, data: cw.sll({ protocol: 0x0800 }, udp4(A4, 5060, B4, 5060, m.ack)) },
            { rawBlock: { type: cw.PCAPNG_BLOCK.ISB, body: isb } },
            { iface: 1, ts: { sec: T0 + 3, nsec: 987_654_321 }, data: eth(udp6(A6, 5060, B6, 5060, m.bye)) },
            {
              iface: 0,
              ts: { sec: T0 + 3, nsec: 998_046_875 },
              data: cw.sll({ protocol: 0x0800 }, udp4(B4, 5060, A4, 5060, m.byeOk)),
              block: 'opb',
            },
          ],
        },
      ],
      { bigEndian: true },
    );
    return cw.concat(s1, s2);
  }

  test('pcapng: two sections, several interfaces, if_tsresol 9 / 3 / 2^-10, if_tsoffset, EPB/SPB/OPB, other blocks skipped', async () => {
    const { messages, files, stats } = await run(pcapngFixture());
    expect(files[0].error).toBe(0);
    expect(ids(messages)).toEqual([
      'INVITE ng@sipscope.test',
      '100 ng@sipscope.test',
      '180 ng@sipscope.test',
      '200 ng@sipscope.test',
      'ACK ng@sipscope.test',
      'BYE ng@sipscope.test',
      '200 ng@sipscope.test',
    ]);
    const [inv, trying, ringing, ok, ack, bye, byeOk] = messages;
    expectMsg(
      inv,
      {
        frame: 1,
        ts: { sec: T0, nsec: 111_111_000, digits: 6 },
        src: A4,
        dst: B4,
        ipVersion: 4,
        ...reqFields('INVITE', 'ng', { body: SDP }),
        sdp: SDP_PARSED,
      },
      m.inv,
    );
    expectMsg(
      trying,
      { frame: 2, ts: { sec: T0, nsec: 222_222_222, digits: 9 }, src: B6T, dst: A6T, ipVersion: 6, ...respFields(100, 'Trying', 'ng') },
      m.trying,
    );
    // if_tsresol 3: milliseconds
    expectMsg(
      ringing,
      { frame: 3, ts: { sec: T0 + 1, nsec: 333_000_000, digits: 6 }, src: B4, dst: A4, ...respFields(180, 'Ringing', 'ng') },
      m.ringing,
    );
    // SPB: no timestamp of its own, interface 0 (Ethernet)
    expectMsg(
      ok,
      {
        frame: 4,
        ts: { sec: T0 + 1, nsec: 333_000_000, digits: 6 },
        src: B4,
        dst: A4,
        ...respFields(200, 'OK', 'ng', { body: SDP_B }),
        sdp: SDP_B_PARSED,
      },
      m.ok,
    );
    // second section, big-endian: 2^-10 s units plus an offset of 1.6e9 s
    expectMsg(ack, { frame: 5, ts: { sec: T0 + 2, nsec: 250_000_000, digits: 6 }, src: A4, dst: B4, ...reqFields('ACK', 'ng') }, m.ack);
    expectMsg(
      bye,
      {
        frame: 6,
        ts: { sec: T0 + 3, nsec: 987_654_321, digits: 9 },
        src: A6T,
        dst: B6T,
        ipVersion: 6,
        ...reqFields('BYE', 'ng', { cseq: 2 }),
      },
      m.bye,
    );
    expectMsg(
      byeOk,
      { frame: 7, ts: { sec: T0 + 3, nsec: 998_046_875, digits: 6 }, ...respFields(200, 'OK', 'ng', { method: 'BYE', cseq: 2 }) },
      m.byeOk,
    );
    for (const x of messages) expect(x.transport).toBe('udp');
    // NRB, custom (copy), unknown type, custom (no copy), ISB
    expectCounters(stats, { frames: 7, sipFrames: 7, sipMessages: 7, skippedBlocks: 5, badRecords: 0 });
    expectNoOtherProblems(stats);
  });

  test('pcapng: file offsets are those of the packet blocks', async () => {
    const a = eth(udp4(A4, 5060, B4, 5060, m.inv));
    const b = eth(udp4(B4, 5060, A4, 5060, m.trying));
    const bytes = cw.writePcapng([
      {
        interfaces: [{ linktype: 1 }],
        packets: [
          { ts: tsAt(0), data: a },
          { ts: tsAt(1), data: b },
        ],
      },
    ]);
    const { messages } = await run(bytes);
    // SHB 28 bytes, IDB 20 bytes, EPB 32 + padded data
    expect(messages.map((x) => x.fileOffset)).toEqual([48, 48 + 32 + ((a.length + 3) & ~3)]);
  });

  test('pcap link type with FCS information in the upper 16 bits (LT_FCS_DATALINK_EXT): Ethernet with a 4-byte FCS', async () => {
    // libpcap: LT_FCS_DATALINK_EXT(2) = 0x20000000 | 0x04000000; only the low 16 bits are the link type
    const fcs = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    const bytes = cw.writePcap([{ ts: ts1, data: cw.concat(f1, fcs) }], { linktype: 0x24000001 });
    const { messages, stats } = await run(bytes);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { frame: 1, src: A4, dst: B4, wireBytes: ip1.length, ...reqFields('INVITE', 'fmt', { body: SDP }) }, inv);
    expectCounters(stats, { frames: 1, unknownLinktype: 0, sipMessages: 1 });
  });

  test('gzip of pcap and of pcapng decode like the plain files', async () => {
    const plainPcap = cw.writePcap([
      { ts: ts1, data: f1 },
      { ts: ts2, data: f2 },
    ]);
    const plainNg = pcapngFixture();
    const gzPcap = await cw.gzip(plainPcap);
    const gzNg = await cw.gzip(plainNg);
    expect(gzPcap[0]).toBe(0x1f);
    for (const [plain, gz] of [
      [plainPcap, gzPcap],
      [plainNg, gzNg],
    ]) {
      const a = await run(plain);
      const pGz = save(gz, 'pcap.gz');
      const b = await decode([pGz]);
      expect(b.files[0]).toMatchObject({ error: 0, readError: null, bytesRead: gz.length });
      expect(b.messages.length).toBeGreaterThan(0);
      expect(b.messages).toEqual(a.messages);
      expect(b.stats).toEqual(a.stats);
    }
  });

  test('several files in one run: frame numbers continue, fileIndex, a TCP stream goes on across files', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 5080 }, { ip: B4, port: 5060 });
    const tcpInv = req('INVITE', 'multi-tcp', { body: SDP });
    const [s0, s1] = flow.split('c2s', tcpInv, [200]);
    const fileA = pcap([f1, f2, s0.frame()]); // frames 1-3
    const fileB = cw.writePcapng([
      {
        interfaces: [{ linktype: 1 }],
        packets: [
          { ts: tsAt(10), data: s1.frame() }, // frame 4 completes the INVITE begun in file A
          { ts: tsAt(11), data: eth(udp4(A4, 5060, B4, 5060, m.ack)) }, // frame 5
        ],
      },
    ]);
    const fileC = await cw.gzip(pcap([eth(udp4(A4, 5060, B4, 5060, m.bye))])); // frame 6
    const { messages, files, stats } = await decode([save(fileA), save(fileB, 'pcapng'), save(fileC, 'pcap.gz')]);
    expect(files.map((f) => f.error)).toEqual([0, 0, 0]);
    expect(files.map((f) => f.bytesRead)).toEqual([fileA.length, fileB.length, fileC.length]);
    expect(messages.map((x) => [x.frame, x.fileIndex, x.callId])).toEqual([
      [1, 0, 'fmt@sipscope.test'],
      [2, 0, 'fmt@sipscope.test'],
      [4, 1, 'multi-tcp@sipscope.test'],
      [5, 1, 'ng@sipscope.test'],
      [6, 2, 'ng@sipscope.test'],
    ]);
    expectMsg(messages[2], { transport: 'tcp', ts: expTs(10), wirePackets: 2, ...reqFields('INVITE', 'multi-tcp', { body: SDP }) }, tcpInv);
    expect(messages[4].fileOffset).toBe(24);
    expectCounters(stats, { frames: 6, sipMessages: 5, tcpStreams: 1 });
    expectNoOtherProblems(stats);
  });
});

// ================================================================= chunked input

/** A capture with a bit of everything (also the base of the bit-flip test). */
function richCapture(kind: 'pcap' | 'pcapng'): { bytes: Uint8Array; count: number } {
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

async function feedChunks(
  bytes: Uint8Array,
  sizes: (i: number) => number,
): Promise<{ messages: SipMessage[]; stats: EngineStats; error: number }> {
  const engine = await createEngine();
  const messages: SipMessage[] = [];
  engine.onMessage = (x) => messages.push(x);
  engine.beginFile(0);
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = Math.max(1, sizes(i));
    engine.feed(bytes.subarray(off, off + n));
    off += n;
  }
  const st = engine.endFile();
  engine.finish();
  return { messages, stats: engine.stats(), error: st.error };
}

describe('chunked input', () => {
  for (const kind of ['pcap', 'pcapng'] as const) {
    test(`${kind}: 1-byte, 7-byte, 4096-byte, random and whole chunks give identical messages and counters`, async () => {
      const { bytes, count } = richCapture(kind);
      const whole = await feedChunks(bytes, () => bytes.length);
      expect(whole.error).toBe(0);
      expect(whole.messages).toHaveLength(count);
      const viaFile = await run(bytes);
      expect(viaFile.messages).toEqual(whole.messages);
      const rnd = cw.prng(4242);
      for (const size of [(_: number) => 1, () => 7, () => 4096, () => 1 + Math.floor(rnd() * 3000)]) {
        const r = await feedChunks(bytes, size);
        expect(r.error).toBe(0);
        expect(ids(r.messages)).toEqual(ids(whole.messages));
        expect(r.messages).toEqual(whole.messages);
        expect(r.stats).toEqual(whole.stats);
      }
    });
  }
});

// ================================================================= link types

describe('link types', () => {
  type Wrap = (ip: Uint8Array) => Uint8Array;
  const E = cw.ETHERTYPE;
  const cases: [string, number, boolean, Wrap][] = [
    ['Ethernet', 1, false, (ip) => eth(ip)],
    ['Ethernet IPv6', 1, true, (ip) => eth(ip)],
    ['Ethernet padded to 60 bytes', 1, false, (ip) => eth(ip, { padTo60: true })],
    ['802.1Q', 1, false, (ip) => eth(ip, { vlans: [100] })],
    ['802.1Q IPv6', 1, true, (ip) => eth(ip, { vlans: [100] })],
    ['QinQ 0x88a8', 1, false, (ip) => eth(ip, { outerTags: [{ tpid: E.QINQ, vid: 10 }], vlans: [20] })],
    ['QinQ 0x9100', 1, false, (ip) => eth(ip, { outerTags: [{ tpid: E.QINQ_OLD, vid: 10 }], vlans: [20] })],
    ['VLAN stack of 3 (802.1Q x3)', 1, false, (ip) => eth(ip, { vlans: [1, 2, 3] })],
    [
      'VLAN stack of 3 (0x88a8, 0x9100, 802.1Q) IPv6',
      1,
      true,
      (ip) =>
        eth(ip, {
          outerTags: [
            { tpid: E.QINQ, vid: 1 },
            { tpid: E.QINQ_OLD, vid: 2 },
          ],
          vlans: [3],
        }),
    ],
    ['MPLS (2 labels)', 1, false, (ip) => eth(ip, { mpls: [1000, 2000] })],
    ['MPLS IPv6', 1, true, (ip) => eth(ip, { mpls: [1000] })],
    ['802.1Q + MPLS', 1, false, (ip) => eth(ip, { vlans: [100], mpls: [16, 17] })],
    ['PPPoE', 1, false, (ip) => eth(ip, { pppoe: { session: 0x1234 } })],
    ['PPPoE IPv6', 1, true, (ip) => eth(ip, { pppoe: { session: 0x1234 } })],
    ['VLAN + PPPoE', 1, false, (ip) => eth(ip, { vlans: [7], pppoe: { session: 1 } })],
    ['Linux SLL', 113, false, (ip) => cw.sll({ protocol: E.IPV4 }, ip)],
    ['Linux SLL IPv6', 113, true, (ip) => cw.sll({ protocol: E.IPV6, pktType: 4 }, ip)],
    ['Linux SLL2', 276, false, (ip) => cw.sll2({ protocol: E.IPV4 }, ip)],
    ['Linux SLL2 IPv6', 276, true, (ip) => cw.sll2({ protocol: E.IPV6, ifindex: 3 }, ip)],
    ['Ethernet with a trailing FCS', 1, false, (ip) => cw.concat(eth(ip), Uint8Array.of(0xde, 0xad, 0xbe, 0xef))],
    [
      'MPLS pseudowire with control word, then Ethernet',
      1,
      false,
      (ip) => cw.ethernet({ etherType: E.IPV4, mpls: [300] }, cw.concat(new Uint8Array(4), eth(ip, { vlans: [5] }))),
    ],
    ['raw 12', 12, false, (ip) => ip],
    ['raw 12 IPv6', 12, true, (ip) => ip],
    ['raw 14', 14, false, (ip) => ip],
    ['raw 14 IPv6', 14, true, (ip) => ip],
    ['raw 101', 101, false, (ip) => ip],
    ['raw 101 IPv6', 101, true, (ip) => ip],
    ['raw 228 (IPv4)', 228, false, (ip) => ip],
    ['raw 229 (IPv6)', 229, true, (ip) => ip],
  ];
  for (const fam of [2, 24, 28, 30] as const) {
    for (const big of [false, true]) {
      cases.push([`NULL family ${fam} ${big ? 'big' : 'little'}-endian`, 0, fam !== 2, (ip) => cw.nullLoop(fam, ip, big)]);
    }
    cases.push([`LOOP family ${fam}`, 108, fam !== 2, (ip) => cw.nullLoop(fam, ip, true)]);
  }

  for (const [name, linktype, v6, wrap] of cases) {
    test(name, async () => {
      const msg = req('OPTIONS', `link-${name.replace(/\W+/g, '-')}`);
      const ip = v6 ? udp6(A6, 5062, B6, 5064, msg) : udp4(A4, 5062, B4, 5064, msg);
      const { messages, stats } = await run(pcap([wrap(ip)], { linktype }));
      expect(messages).toHaveLength(1);
      expectMsg(
        messages[0],
        {
          frame: 1,
          ts: expTs(0),
          ipVersion: v6 ? 6 : 4,
          src: v6 ? A6T : A4,
          dst: v6 ? B6T : B4,
          sport: 5062,
          dport: 5064,
          transport: 'udp',
          wireBytes: ip.length,
          wirePackets: 1,
          ...reqFields('OPTIONS', `link-${name.replace(/\W+/g, '-')}`),
        },
        msg,
      );
      expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 1, nonIp: 0, otherFrames: 0 });
      expectNoOtherProblems(stats);
    });
  }

  test('an unknown link type is counted (unknownLinktype), nothing reported', async () => {
    const f = eth(udp4(A4, 5060, B4, 5060, req('OPTIONS', 'unk')));
    const { messages, stats, files } = await run(pcap([f, f], { linktype: 147 }));
    expect(messages).toEqual([]);
    expect(files[0].error).toBe(0);
    expectCounters(stats, { frames: 2, unknownLinktype: 2, sipMessages: 0, otherFrames: 0 });
  });

  test('non-IP Ethernet payload (ARP) is counted as nonIp', async () => {
    const arp = cw.ethernet({ etherType: cw.ETHERTYPE.ARP, padTo60: true }, new Uint8Array(28));
    const { messages, stats } = await run(pcap([arp]));
    expect(messages).toEqual([]);
    expectCounters(stats, { frames: 1, nonIp: 1, otherFrames: 0 });
  });
});

// ================================================================= tunnels

describe('tunnels: the inner addresses are reported', () => {
  const msg4 = req('OPTIONS', 'tun4');
  const msg6 = req('OPTIONS', 'tun6');
  const inner4 = udp4(A4, 5070, B4, 5080, msg4);
  const inner6 = udp6(A6, 5070, B6, 5080, msg6);
  const outer = (proto: number, payload: Uint8Array) => eth(cw.ipv4({ src: O1, dst: O2, proto }, payload));
  const G = cw.IPPROTO.GRE;
  const cases: [string, Uint8Array, boolean][] = [
    ['IP-in-IP', outer(cw.IPPROTO.IPIP, inner4), false],
    ['6in4', outer(cw.IPPROTO.IPV6, inner6), true],
    ['4in6', eth(cw.ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: cw.IPPROTO.IPIP }, inner4)), false],
    ['GRE', outer(G, cw.gre({ protocol: 0x0800 }, inner4)), false],
    ['GRE with key, sequence and checksum', outer(G, cw.gre({ protocol: 0x0800, key: 0xdeadbeef, seq: 7, checksum: true }, inner4)), false],
    ['GRE with key, IPv6 inside', outer(G, cw.gre({ protocol: 0x86dd, key: 5 }, inner6)), true],
    ['GRE over IPv6', eth(cw.ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: G }, cw.gre({ protocol: 0x0800, seq: 1 }, inner4))), false],
    ['GRE transparent Ethernet', outer(G, cw.gre({ protocol: cw.ETHERTYPE.TEB }, eth(inner4, { vlans: [42] }))), false],
    ['ERSPAN II', outer(G, cw.erspan2({ sessionId: 7, seq: 3, index: 9 }, eth(inner4))), false],
    ['ERSPAN III', outer(G, cw.erspan3({ sessionId: 7, timestamp: 123456, hwId: 3, seq: 4 }, eth(inner6))), true],
    ['VXLAN', eth(udp4(O1, 51000, O2, 4789, cw.vxlan(4242, eth(inner4)))), false],
    ['VXLAN, IPv6 inside', eth(udp4(O1, 51000, O2, 4789, cw.vxlan(4242, eth(inner6)))), true],
    ['GTP-U', eth(udp4(O1, 2152, O2, 2152, cw.gtpu(0x1234, inner4))), false],
    ['GTP-U, IPv6 inside', eth(udp4(O1, 2152, O2, 2152, cw.gtpu(0x1234, inner6))), true],
    [
      'VXLAN > GRE > IP-in-IP',
      eth(
        udp4(
          O1,
          51000,
          O2,
          4789,
          cw.vxlan(
            1,
            eth(
              cw.ipv4(
                { src: '10.1.0.1', dst: '10.1.0.2', proto: G },
                cw.gre({ protocol: 0x0800 }, cw.ipv4({ src: '10.2.0.1', dst: '10.2.0.2', proto: 4 }, inner4)),
              ),
            ),
          ),
        ),
      ),
      false,
    ],
  ];
  for (const [name, frame, v6] of cases) {
    test(name, async () => {
      const { messages, stats } = await run(pcap([frame]));
      expect(messages).toHaveLength(1);
      expectMsg(
        messages[0],
        {
          frame: 1,
          ipVersion: v6 ? 6 : 4,
          src: v6 ? A6T : A4,
          dst: v6 ? B6T : B4,
          sport: 5070,
          dport: 5080,
          transport: 'udp',
          wireBytes: v6 ? inner6.length : inner4.length,
          ...reqFields('OPTIONS', v6 ? 'tun6' : 'tun4'),
        },
        v6 ? msg6 : msg4,
      );
      expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 1, tunnelTooDeep: 0 });
      expectNoOtherProblems(stats);
    });
  }
});

// ================================================================= IP headers

describe('IP headers', () => {
  test('IPv4 with options, IPv6 with hop-by-hop, routing and destination options headers', async () => {
    const a = req('OPTIONS', 'ipopt-4');
    const b = req('OPTIONS', 'ipopt-6');
    const ip4 = cw.ipv4(
      { src: A4, dst: B4, proto: cw.IPPROTO.UDP, options: Uint8Array.of(0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00) },
      cw.udp({ sport: 5060, dport: 5060 }, a, { src: A4, dst: B4 }),
    );
    const ip6 = cw.ipv6(
      { src: A6, dst: B6, nextHeader: cw.IPPROTO.UDP, extHeaders: [{ type: 0 }, { type: 43 }, { type: 60, data: new Uint8Array(12) }] },
      cw.udp({ sport: 5060, dport: 5060 }, b, { src: A6, dst: B6 }),
    );
    const { messages, stats } = await run(pcap([eth(ip4), eth(ip6)]));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { src: A4, dst: B4, wireBytes: ip4.length, ...reqFields('OPTIONS', 'ipopt-4') }, a);
    expectMsg(messages[1], { ipVersion: 6, src: A6T, dst: B6T, wireBytes: ip6.length, ...reqFields('OPTIONS', 'ipopt-6') }, b);
    expectNoOtherProblems(stats);
  });

  test('frames cut by the snap length: reported with what was captured, counted once per frame as truncated', async () => {
    const a = req('INVITE', 'snap-1', { body: SDP });
    const b =
      'MESSAGE sip:b@example.com SIP/2.0\r\nCall-ID: snap-2\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n' +
      'y'.repeat(200);
    const snap = 300;
    const payloadRoom = snap - 14 - 20 - 8;
    expect(cw.text(b).length).toBeGreaterThan(payloadRoom);
    expect(b.indexOf('\r\n\r\n')).toBeLessThan(payloadRoom);
    const { messages, stats } = await run(pcap([eth(udp4(A4, 5060, B4, 5060, a)), eth(udp4(A4, 5060, B4, 5060, b))], { snaplen: snap }));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { method: 'INVITE', callId: 'snap-1@sipscope.test', sdp: null }, cw.text(a).subarray(0, payloadRoom));
    expectMsg(messages[1], { method: 'MESSAGE', callId: 'snap-2' }, cw.text(b).subarray(0, payloadRoom));
    expectCounters(stats, { frames: 2, truncated: 2, sipMalformed: 1, sipBodyShort: 1, sipMessages: 2 });
  });

  test('SIP quoted in an ICMP error is counted, not reported', async () => {
    const orig = udp4(A4, 5060, B4, 5060, req('OPTIONS', 'icmp'));
    const body = cw.concat(Uint8Array.of(3, 3, 0, 0, 0, 0, 0, 0), orig.subarray(0, 548));
    const c = cw.internetChecksum(body);
    body[2] = c >> 8;
    body[3] = c & 0xff;
    const { messages, stats } = await run(pcap([eth(cw.ipv4({ src: B4, dst: A4, proto: cw.IPPROTO.ICMP }, body))]));
    expect(messages).toEqual([]);
    expectCounters(stats, { frames: 1, icmpQuotedSip: 1, sipMessages: 0 });
  });
});

// ================================================================= IP fragments

describe('IP fragment reassembly', () => {
  const big = req('INVITE', 'frag', { body: SDP, extra: [['X-Padding', 'p'.repeat(900)]] });

  test('IPv4 fragments in shuffled order: one message, time of the last fragment', async () => {
    const dgram = cw.udp({ sport: 5060, dport: 5060 }, big, { src: A4, dst: B4 });
    const frags = cw.ipv4Fragments({ src: A4, dst: B4, proto: cw.IPPROTO.UDP, id: 0x4242 }, dgram, 384);
    expect(frags).toHaveLength(4);
    const order = [2, 0, 3, 1];
    const { messages, stats } = await run(pcap([eth(udp4(O1, 1, O2, 2, 'noise')), ...order.map((i) => eth(frags[i]))]));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        frame: 5,
        ts: expTs(4),
        src: A4,
        dst: B4,
        sport: 5060,
        dport: 5060,
        wireBytes: frags.reduce((n, f) => n + f.length, 0),
        wirePackets: 1,
        ...reqFields('INVITE', 'frag', { body: SDP }),
        sdp: SDP_PARSED,
      },
      big,
    );
    expectCounters(stats, { frames: 5, fragPieces: 4, fragReassembled: 1, fragIncomplete: 0, fragBad: 0, sipMessages: 1 });
    expectNoOtherProblems(stats);
  });

  test('IPv6 fragments in reverse order behind hop-by-hop and destination options headers', async () => {
    const dgram = cw.udp({ sport: 5060, dport: 5090 }, big, { src: A6, dst: B6 });
    const frags = cw.ipv6Fragments({ src: A6, dst: B6, nextHeader: cw.IPPROTO.UDP, extHeaders: [{ type: 0 }, { type: 60 }] }, dgram, 512);
    expect(frags).toHaveLength(3);
    const { messages, stats } = await run(pcap([...frags].reverse().map((f) => eth(f))));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        frame: 3,
        ts: expTs(2),
        ipVersion: 6,
        src: A6T,
        dst: B6T,
        sport: 5060,
        dport: 5090,
        wireBytes: frags.reduce((n, f) => n + f.length, 0),
        ...reqFields('INVITE', 'frag', { body: SDP }),
        sdp: SDP_PARSED,
      },
      big,
    );
    expectCounters(stats, { frames: 3, fragPieces: 3, fragReassembled: 1, fragIncomplete: 0, sipMessages: 1 });
    expectNoOtherProblems(stats);
  });

  test('a datagram missing a fragment: no message, fragIncomplete after finish()', async () => {
    const dgram = cw.udp({ sport: 5060, dport: 5060 }, big, { src: A4, dst: B4 });
    const frags = cw.ipv4Fragments({ src: A4, dst: B4, proto: cw.IPPROTO.UDP, id: 0x99 }, dgram, 512);
    expect(frags).toHaveLength(3);
    const engine = await createEngine();
    const msgs: SipMessage[] = [];
    engine.onMessage = (x) => msgs.push(x);
    engine.beginFile(0);
    engine.feed(pcap([eth(frags[0]), eth(frags[2])]));
    expect(engine.endFile().error).toBe(0);
    expect(engine.stats().counters.fragIncomplete).toBe(0);
    engine.finish();
    expect(msgs).toEqual([]);
    expectCounters(engine.stats(), { frames: 2, fragPieces: 2, fragReassembled: 0, fragIncomplete: 1, sipMessages: 0 });
  });
});

// ================================================================= TCP

describe('TCP reassembly', () => {
  const C = { ip: A4, port: 50123 };
  const S = { ip: B4, port: 5060 };
  const tcpFields = { transport: 'tcp' as const, src: A4, dst: B4, sport: 50123, dport: 5060, ipVersion: 4 as const };

  test('a message split over 3 segments', async () => {
    const flow = new cw.TcpFlow(C, S);
    const inv = req('INVITE', 'split', { body: SDP });
    const segs = [...flow.handshake(), ...flow.split('c2s', inv, [100, 250])];
    const ok = resp(200, 'OK', 'split', { body: SDP_B });
    segs.push(flow.send('s2c', ok));
    expect(segs).toHaveLength(7);
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE split@sipscope.test', '200 split@sipscope.test']);
    expectMsg(
      messages[0],
      {
        ...tcpFields,
        frame: 6,
        ts: expTs(5),
        wirePackets: 3,
        wireBytes: ipLen(segs[3]) + ipLen(segs[4]) + ipLen(segs[5]),
        ...reqFields('INVITE', 'split', { body: SDP }),
        sdp: SDP_PARSED,
      },
      inv,
    );
    expectMsg(
      messages[1],
      {
        transport: 'tcp',
        frame: 7,
        src: B4,
        dst: A4,
        sport: 5060,
        dport: 50123,
        wirePackets: 1,
        ...respFields(200, 'OK', 'split', { body: SDP_B }),
        sdp: SDP_B_PARSED,
      },
      ok,
    );
    expectCounters(stats, { tcpStreams: 2, tcpRetransmissions: 0, tcpOutOfOrder: 0, tcpGaps: 0, sipMessages: 2 });
    expectNoOtherProblems(stats);
  });

  test('reassembly memory runs out (700 streams each holding 100 KB of an unfinished message): counted, and SIP after it is still decoded', async () => {
    // the arena grows linear memory as it fills, up to its 64 MiB; beyond that buffers are refused
    const pad = `X-Pad: ${'p'.repeat(990)}\r\n`;
    const head = `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP ${A4};branch=z9hG4bK-big\r\n`;
    const unfinished = head + pad.repeat(100); // ~100 KB, no blank line: the message never ends
    const segs: cw.TcpSegment[] = [];
    for (let i = 0; i < 700; i++) {
      const flow = new cw.TcpFlow({ ip: A4, port: 20000 + i }, S);
      segs.push(...flow.handshake(), ...flow.split('c2s', unfinished, [50_000]));
    }
    const last = new cw.TcpFlow({ ip: A4, port: 40000 }, S);
    const inv = req('INVITE', 'after-exhaustion');
    segs.push(...last.handshake(), last.send('c2s', inv));
    const { messages, stats } = await run(tcpPcap(segs));
    expect(stats.counters.memoryExhausted).toBeGreaterThan(0);
    expect(ids(messages)).toContain('INVITE after-exhaustion@sipscope.test');
  });

  test('two messages coalesced in one segment', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = resp(100, 'Trying', 'co');
    const b = resp(180, 'Ringing', 'co');
    const seg = flow.coalesce('s2c', [a, b]);
    const { messages, stats } = await run(tcpPcap([seg]));
    expect(messages).toHaveLength(2);
    expectMsg(
      messages[0],
      { transport: 'tcp', frame: 1, src: B4, sport: 5060, wirePackets: 1, wireBytes: ipLen(seg), ...respFields(100, 'Trying', 'co') },
      a,
    );
    expectMsg(
      messages[1],
      { transport: 'tcp', frame: 1, src: B4, sport: 5060, wirePackets: 0, wireBytes: 0, ...respFields(180, 'Ringing', 'co') },
      b,
    );
    expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 2, tcpStreams: 1 });
    expectNoOtherProblems(stats);
  });

  test('a retransmitted segment is counted and its message reported once', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'rtx', { body: SDP });
    const b = req('ACK', 'rtx');
    const sa = flow.send('c2s', a);
    const segs = [sa, flow.retransmit(sa), flow.send('c2s', b)];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE rtx@sipscope.test', 'ACK rtx@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 1, ...reqFields('INVITE', 'rtx', { body: SDP }) }, a);
    expectMsg(messages[1], { ...tcpFields, frame: 3, wirePackets: 1, ...reqFields('ACK', 'rtx') }, b);
    expectCounters(stats, { tcpRetransmissions: 1, tcpOutOfOrder: 0, tcpGaps: 0, sipMessages: 2 });
  });

  test('sequence numbers wrapping past 2^32 inside a message', async () => {
    const flow = new cw.TcpFlow(C, S, { isn: { c2s: 0xffff_ff00 } });
    const a = req('INVITE', 'wrap', { body: SDP });
    const b = req('ACK', 'wrap');
    const segs = [...flow.handshake(), ...flow.split('c2s', a, [100, 200]), flow.send('c2s', b)];
    expect(segs[4].seq).toBeGreaterThan(0xffff_ff00);
    expect(segs[5].seq).toBeLessThan(0x1000);
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE wrap@sipscope.test', 'ACK wrap@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 6, wirePackets: 3, ...reqFields('INVITE', 'wrap', { body: SDP }) }, a);
    expectMsg(messages[1], { ...tcpFields, frame: 7, ...reqFields('ACK', 'wrap') }, b);
    expectNoOtherProblems(stats);
  });

  test('a retransmission that overlaps new data', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'overlap', { body: SDP });
    const whole = flow.send('c2s', a);
    const segs = [whole.slice(0, 100), whole.slice(50, 300), whole.slice(300)];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...tcpFields, frame: 3, ...reqFields('INVITE', 'overlap', { body: SDP }) }, a);
    expectCounters(stats, { sipMessages: 1, tcpGaps: 0, sipMalformed: 0 });
  });

  test('reordered segments: counted, message reported once with the time of the segment that completed it', async () => {
    const flow = new cw.TcpFlow(C, S);
    const first = req('INVITE', 'ooo-1', { body: SDP });
    const second = req('INVITE', 'ooo-2', { body: SDP, cseq: 2 });
    const third = req('BYE', 'ooo-3', { cseq: 3 });
    const p1 = flow.split('c2s', first, [100, 200]);
    const p2 = flow.split('c2s', second, [100, 200]);
    const p3 = flow.send('c2s', third);
    // frames: p1[0] p1[2] p1[1] | p2[2] p2[1] p2[0] | p3
    const segs = [...cw.TcpFlow.reorder(p1, [0, 2, 1]), ...cw.TcpFlow.reorder(p2, [2, 1, 0]), p3];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE ooo-1@sipscope.test', 'INVITE ooo-2@sipscope.test', 'BYE ooo-3@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 3, ts: expTs(2), ...reqFields('INVITE', 'ooo-1', { body: SDP }) }, first);
    expectMsg(messages[1], { ...tcpFields, frame: 6, ts: expTs(5), ...reqFields('INVITE', 'ooo-2', { body: SDP, cseq: 2 }) }, second);
    expectMsg(messages[2], { ...tcpFields, frame: 7, ...reqFields('BYE', 'ooo-3', { cseq: 3 }) }, third);
    expectCounters(stats, { tcpOutOfOrder: 3, tcpRetransmissions: 0, tcpGaps: 0, sipMessages: 3 });
    expectNoOtherProblems(stats);
  });

  test('CRLF keep-alives between messages', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('OPTIONS', 'ka-1');
    const b = req('OPTIONS', 'ka-2', { cseq: 2 });
    const c = req('OPTIONS', 'ka-3', { cseq: 3 });
    const segs = [
      flow.send('c2s', a),
      flow.send('c2s', '\r\n\r\n'),
      flow.send('c2s', '\r\n' + b),
      flow.send('c2s', c + '\r\n\r\n'),
      flow.send('c2s', '\r\n'),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['OPTIONS ka-1@sipscope.test', 'OPTIONS ka-2@sipscope.test', 'OPTIONS ka-3@sipscope.test']);
    expectMsg(messages[1], { ...tcpFields, frame: 3, ...reqFields('OPTIONS', 'ka-2', { cseq: 2 }) }, b);
    expectMsg(messages[2], { ...tcpFields, frame: 4, ...reqFields('OPTIONS', 'ka-3', { cseq: 3 }) }, c);
    expectCounters(stats, { sipMalformed: 0, tcpGaps: 0, sipMessages: 3 });
    expectNoOtherProblems(stats);
  });

  test('capture starting mid-stream: the tail of a message is skipped, the next full message reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const lost = req('INVITE', 'mid-0', { body: SDP });
    const full = req('INVITE', 'mid-1', { body: SDP, cseq: 2 });
    const segs = [flow.send('c2s', cw.text(lost).subarray(180)), flow.send('c2s', full)];
    const { messages } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE mid-1@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, ...reqFields('INVITE', 'mid-1', { body: SDP, cseq: 2 }) }, full);
  });

  test('capture starting mid-stream: the first segment holds a tail and the start of the next message', async () => {
    const flow = new cw.TcpFlow(C, S);
    const lost = cw.text(req('INVITE', 'mid2-0', { body: SDP }));
    const next = cw.text(req('INVITE', 'mid2-1', { body: SDP, cseq: 2 }));
    const after = req('BYE', 'mid2-2', { cseq: 3 });
    // [tail of lost + first 150 bytes of next] [rest of next] [after]
    const segs = [
      flow.send('c2s', cw.concat(lost.subarray(300), next.subarray(0, 150))),
      flow.send('c2s', next.subarray(150)),
      flow.send('c2s', after),
    ];
    const { messages } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE mid2-1@sipscope.test', 'BYE mid2-2@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, ...reqFields('INVITE', 'mid2-1', { body: SDP, cseq: 2 }) }, next);
  });

  test('a segment lost for good, connection closed: gap counted, the next message still reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap-a', { body: SDP });
    const b = req('CANCEL', 'gap-b');
    const parts = flow.split('c2s', a, [150, 150]);
    const segs = [parts[0], parts[2], flow.send('c2s', b), flow.fin('c2s')]; // parts[1] never captured
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['CANCEL gap-b@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, ...reqFields('CANCEL', 'gap-b') }, b);
    expect(stats.counters.tcpGaps).toBe(1);
  });

  test('a segment lost for good, many messages after it: gap counted, every later message reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap2-a', { body: SDP });
    const parts = flow.split('c2s', a, [150, 150]);
    const later = Array.from({ length: 40 }, (_, i) => req('OPTIONS', `gap2-${i}`, { cseq: i + 2 }));
    const segs = [parts[0], parts[2], ...later.map((x) => flow.send('c2s', x))];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(later.map((_, i) => `OPTIONS gap2-${i}@sipscope.test`));
    messages.forEach((x, i) => {
      expectMsg(x, { ...tcpFields, ...reqFields('OPTIONS', `gap2-${i}`, { cseq: i + 2 }) }, later[i]);
    });
    // messages after the hole are reported no earlier than the frame that carried them
    messages.forEach((x, i) => {
      expect(x.frame).toBeGreaterThanOrEqual(i + 3);
    });
    expect(stats.counters.tcpGaps).toBe(1);
  });

  test('a segment lost for good at the end of the capture: gap counted at finish(), the message after it reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap3-a', { body: SDP });
    const b = req('CANCEL', 'gap3-b');
    const parts = flow.split('c2s', a, [150, 150]);
    const segs = [parts[0], parts[2], flow.send('c2s', b)]; // no FIN: the capture just ends
    const { messages, stats } = await run(tcpPcap(segs));
    expect({ messages: ids(messages), tcpGaps: stats.counters.tcpGaps }).toEqual({ messages: ['CANCEL gap3-b@sipscope.test'], tcpGaps: 1 });
    expectMsg(messages[0], { ...tcpFields, ...reqFields('CANCEL', 'gap3-b') }, b);
  });

  test('Content-Length framing: a body spanning segments, the next message in the same segment, a body that looks like SIP', async () => {
    const flow = new cw.TcpFlow(C, S);
    const inv = cw.text(req('INVITE', 'cl', { body: SDP }));
    const fake = 'SIP/2.0 200 OK\r\nCall-ID: fake\r\n\r\nINVITE sip:x@y SIP/2.0\r\n\r\n';
    const msg = req('MESSAGE', 'cl-2', { cseq: 2, body: fake, ctype: 'text/plain' });
    const ack = req('ACK', 'cl-3', { cseq: 3 });
    const bodyAt = inv.length - cw.text(SDP).length;
    const segs = [
      flow.send('c2s', inv.subarray(0, bodyAt + 20)),
      flow.send('c2s', cw.concat(inv.subarray(bodyAt + 20), cw.text(msg).subarray(0, cw.text(msg).length - 10))),
      flow.send('c2s', cw.concat(cw.text(msg).subarray(cw.text(msg).length - 10), cw.text(ack))),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE cl@sipscope.test', 'MESSAGE cl-2@sipscope.test', 'ACK cl-3@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, wirePackets: 2, ...reqFields('INVITE', 'cl', { body: SDP }), sdp: SDP_PARSED }, inv);
    expectMsg(
      messages[1],
      { ...tcpFields, frame: 3, ...reqFields('MESSAGE', 'cl-2', { cseq: 2, body: fake, ctype: 'text/plain' }), sdp: null },
      msg,
    );
    expectMsg(messages[2], { ...tcpFields, frame: 3, wirePackets: 0, ...reqFields('ACK', 'cl-3', { cseq: 3 }) }, ack);
    expectCounters(stats, { sipMessages: 3, sipMalformed: 0, tcpGaps: 0 });
    expectNoOtherProblems(stats);
  });

  test('IPv6 TCP', async () => {
    const flow = new cw.TcpFlow({ ip: A6, port: 40111 }, { ip: B6, port: 5060 });
    const reg = req('REGISTER', 'v6tcp', { uri: 'sip:example.com' });
    const segs = [...flow.handshake(), ...flow.split('c2s', reg, [64])];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'tcp',
        ipVersion: 6,
        src: A6T,
        dst: B6T,
        sport: 40111,
        dport: 5060,
        frame: 5,
        wirePackets: 2,
        wireBytes: ipLen(segs[3]) + ipLen(segs[4]),
        ...reqFields('REGISTER', 'v6tcp', { uri: 'sip:example.com' }),
      },
      reg,
    );
    expectCounters(stats, { tcpStreams: 1, sipMessages: 1 });
    expectNoOtherProblems(stats);
  });
});

// ================================================================= SIP text

describe('SIP text', () => {
  async function one(payload: string, sport = 5060, dport = 5060): Promise<Decoded> {
    return run(pcap([eth(udp4(A4, sport, B4, dport, payload))]));
  }

  test('compact header forms (i, f, t, l, c, v, m)', async () => {
    const msg =
      'INVITE sip:bob@example.com SIP/2.0\r\n' +
      'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-c\r\n' +
      'f: <sip:alice@example.com>;tag=cf1\r\n' +
      't: Bob <sip:bob@example.com>\r\n' +
      'i: compact@host\r\n' +
      'CSeq: 7 INVITE\r\n' +
      'm: <sip:alice@192.0.2.1>\r\n' +
      'c: application/sdp\r\n' +
      `l: ${cw.text(SDP).length}\r\n` +
      '\r\n' +
      SDP;
    const { messages, stats } = await one(msg + 'trailing bytes beyond l:');
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        method: 'INVITE',
        cseq: 7,
        cseqMethod: 'INVITE',
        callId: 'compact@host',
        from: '<sip:alice@example.com>;tag=cf1',
        fromTag: 'cf1',
        to: 'Bob <sip:bob@example.com>',
        toTag: '',
        contentType: 'application/sdp',
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipBodyShort: 0, sipMalformed: 0 });
  });

  test('header names in odd case, spaces before the colon', async () => {
    const msg =
      'SIP/2.0 486 Busy Here\r\n' +
      'VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x\r\n' +
      'fROM: <sip:alice@example.com>;TAG=Odd1\r\n' +
      'tO  : <sip:bob@example.com>;tag=odd2\r\n' +
      'cALL-iD: odd-case@host\r\n' +
      'cseq: 3 INVITE\r\n' +
      'sErVeR: Odd Server 1.0\r\n' +
      'USER-AGENT: Odd UA\r\n' +
      'REASON: Q.850;cause=17\r\n' +
      'content-LENGTH: 0\r\n' +
      '\r\n';
    const { messages } = await one(msg);
    expectMsg(
      messages[0],
      {
        isRequest: false,
        status: 486,
        reasonPhrase: 'Busy Here',
        callId: 'odd-case@host',
        fromTag: 'Odd1',
        toTag: 'odd2',
        cseq: 3,
        cseqMethod: 'INVITE',
        server: 'Odd Server 1.0',
        userAgent: 'Odd UA',
        reasonHeaders: ['Q.850;cause=17'],
        contentType: null,
        sdp: null,
      },
      msg,
    );
  });

  test('folded header lines', async () => {
    const msg =
      'BYE sip:bob@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-f\r\n' +
      'From: "Alice Smith"\r\n <sip:alice@example.com>\r\n\t;tag=fold1\r\n' +
      'To: <sip:bob@example.com>;tag=fold2\r\n' +
      'Call-ID: folded@host\r\n' +
      'CSeq:\r\n 9 BYE\r\n' +
      'Reason: SIP;cause=200;\r\n  text="Call completed elsewhere"\r\n' +
      'User-Agent: Folded\r\n   Agent/1\r\n' +
      'Content-Length: 0\r\n\r\n';
    const { messages, stats } = await one(msg);
    expectMsg(
      messages[0],
      {
        method: 'BYE',
        from: '"Alice Smith" <sip:alice@example.com> ;tag=fold1',
        fromTag: 'fold1',
        toTag: 'fold2',
        callId: 'folded@host',
        cseq: 9,
        cseqMethod: 'BYE',
        reasonHeaders: ['SIP;cause=200; text="Call completed elsewhere"'],
        userAgent: 'Folded Agent/1',
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipMalformed: 0 });
  });

  test('bare LF line ends (headers and SDP)', async () => {
    const sdp =
      'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 40000 RTP/AVP 0 8 101\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n';
    const msg =
      'INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-lf\nFrom: <sip:alice@example.com>;tag=lf1\n' +
      `To: <sip:bob@example.com>\nCall-ID: lf@host\nCSeq: 5 INVITE\nContent-Type: application/sdp\nContent-Length: ${sdp.length}\n\n` +
      sdp;
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        method: 'INVITE',
        requestUri: 'sip:bob@example.com',
        callId: 'lf@host',
        fromTag: 'lf1',
        cseq: 5,
        cseqMethod: 'INVITE',
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMalformed: 0, sipBodyShort: 0 });
  });

  test('several Reason headers and a comma list in one', async () => {
    const msg = req('BYE', 'reasons', {
      cseq: 2,
      extra: [
        ['Reason', 'Q.850;cause=16;text="Normal call clearing"'],
        ['Reason', 'SIP;cause=200;text="Call completed, elsewhere", Q.850;cause=26'],
        ['reason', 'RELEASE_CAUSE;cause=1'],
      ],
    });
    const { messages } = await one(msg);
    expectMsg(
      messages[0],
      {
        ...reqFields('BYE', 'reasons', { cseq: 2 }),
        // each header as written, a comma list kept whole; compact or any case of the name
        reasonHeaders: [
          'Q.850;cause=16;text="Normal call clearing"',
          'SIP;cause=200;text="Call completed, elsewhere", Q.850;cause=26',
          'RELEASE_CAUSE;cause=1',
        ],
      },
      msg,
    );
  });

  test('a 3 KB Request-URI', async () => {
    const uri = `sip:${'u'.repeat(3000)}@example.com;transport=udp`;
    const msg = req('INVITE', 'long-uri', { uri, body: SDP });
    const { messages } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...reqFields('INVITE', 'long-uri', { uri, body: SDP }), sdp: SDP_PARSED }, msg);
    expect(messages[0].requestUri.length).toBe(uri.length);
  });

  test('no blank line after the headers: reported, counted sipMalformed', async () => {
    const msg = 'OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: noblank@host\r\nCSeq: 4 OPTIONS\r\nFrom: <sip:a@b>;tag=nb\r\n';
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { method: 'OPTIONS', callId: 'noblank@host', cseq: 4, cseqMethod: 'OPTIONS', fromTag: 'nb', sdp: null }, msg);
    expectCounters(stats, { sipMessages: 1, sipMalformed: 1, sipBodyShort: 0 });
  });

  test('Content-Length larger than the datagram: reported whole, counted sipBodyShort', async () => {
    const msg = req('MESSAGE', 'short', { body: 'hello', ctype: 'text/plain' }).replace('Content-Length: 5', 'Content-Length: 500');
    expect(msg).toContain('Content-Length: 500');
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...reqFields('MESSAGE', 'short', { body: 'hello', ctype: 'text/plain' }) }, msg);
    expectCounters(stats, { sipMessages: 1, sipBodyShort: 1, sipMalformed: 0 });
  });

  test('a UTF-8 display name: raw bytes exact', async () => {
    const msg = req('MESSAGE', 'utf8', { body: 'Grüße, 世界\r\n', ctype: 'text/plain; charset=utf-8', extra: [['Subject', 'Zoë']] });
    const { messages } = await one(msg);
    expectMsg(messages[0], { ...reqFields('MESSAGE', 'utf8', { body: 'x', ctype: 'text/plain; charset=utf-8' }) }, msg);
    expect(messages[0].raw).toEqual(cw.text(msg));
  });

  test('a non-SIP UDP payload starting with letters is not reported', async () => {
    const { messages, stats } = await run(
      pcap([
        eth(udp4(A4, 5060, B4, 5060, 'Hello there, this is not SIP at all\r\n\r\n')),
        eth(udp4(A4, 5060, B4, 5060, 'NOTIFY sip:x@y HTTP/1.1\r\n\r\n')),
        eth(udp4(A4, 5060, B4, 5060, 'SIP/2.0 2xx Odd\r\n\r\n')),
      ]),
    );
    expect(messages).toEqual([]);
    expectCounters(stats, { frames: 3, sipMessages: 0, sipFrames: 0, otherFrames: 3 });
  });

  test('HTTP on port 5060 over TCP is not reported', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 50999 }, { ip: B4, port: 5060 });
    const segs = [
      ...flow.handshake(),
      flow.send('c2s', 'GET /index.html HTTP/1.1\r\nHost: b.example.com\r\nUser-Agent: curl/8\r\n\r\n'),
      flow.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>'),
      flow.send('c2s', 'POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n'),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toEqual([]);
    expectCounters(stats, { tcpStreams: 0, sipMessages: 0, sipFrames: 0 });
  });

  test('SIP on unusual ports (UDP 40000, TCP 40001)', async () => {
    const a = req('OPTIONS', 'port-udp');
    const b = req('OPTIONS', 'port-tcp');
    const flow = new cw.TcpFlow({ ip: A4, port: 40001 }, { ip: B4, port: 40001 });
    const { messages } = await run(pcap([eth(udp4(A4, 40000, B4, 40002, a)), flow.send('c2s', b).frame()]));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { transport: 'udp', sport: 40000, dport: 40002, ...reqFields('OPTIONS', 'port-udp') }, a);
    expectMsg(messages[1], { transport: 'tcp', sport: 40001, dport: 40001, ...reqFields('OPTIONS', 'port-tcp') }, b);
  });

  test('a UDP CRLF keep-alive is counted', async () => {
    const { messages, stats } = await run(pcap([eth(udp4(A4, 5060, B4, 5060, '\r\n\r\n'))]));
    expect(messages).toEqual([]);
    expectCounters(stats, { keepalives: 1, sipMessages: 0 });
  });
});

// ================================================================= SDP

describe('SDP', () => {
  async function sdpOf(body: string, ctype = 'application/sdp'): Promise<SipMessage> {
    const msg = req('INVITE', 'sdp', { body, ctype });
    const { messages } = await run(pcap([eth(udp4(A4, 5060, B4, 5060, msg))]));
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { callId: 'sdp@sipscope.test', contentType: ctype }, msg);
    return messages[0];
  }

  test('session-level and media-level c= (with /ttl removed), IPv6 c=, audio + video + image with rtpmap per section', async () => {
    const body =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n' +
      'c=IN IP4 224.2.1.1/127\r\n' +
      't=0 0\r\n' +
      'm=audio 49170 RTP/AVP 0 8 97\r\n' +
      'a=rtpmap:0 PCMU/8000\r\n' +
      'a=rtpmap:97 opus/48000/2\r\n' +
      'm=video 51372/2 RTP/AVPF 31 96\r\n' +
      'c=IN IP6 2001:db8::20\r\n' +
      'a=rtpmap:96 H264/90000\r\n' +
      'a=rtpmap:0 notaudio/1\r\n' +
      'm=image 6000 udptl t38\r\n' +
      'c=IN IP4 233.252.0.1/64/3\r\n';
    const m = await sdpOf(body);
    expect(m.sdp).toEqual({
      connection: '224.2.1.1',
      connections: ['224.2.1.1', '2001:db8::20', '233.252.0.1'],
      media: [
        {
          media: 'audio',
          port: 49170,
          proto: 'RTP/AVP',
          formats: ['0', '8', '97'],
          rtpmap: new Map([
            ['0', 'PCMU'],
            ['97', 'opus'],
          ]),
          connection: null,
        },
        {
          media: 'video',
          port: 51372,
          proto: 'RTP/AVPF',
          formats: ['31', '96'],
          rtpmap: new Map([
            ['96', 'H264'],
            ['0', 'notaudio'],
          ]),
          connection: '2001:db8::20',
        },
        { media: 'image', port: 6000, proto: 'udptl', formats: ['t38'], rtpmap: new Map(), connection: '233.252.0.1' },
      ],
    } satisfies Sdp);
  });

  test('IPv6 session-level c= only', async () => {
    const body = cw.sdpBody({ sessionC: B6T, media: [{ port: 7078, formats: [9], rtpmap: { 9: 'G722/8000' } }] });
    const m = await sdpOf(body);
    expect(m.sdp).toEqual({
      connection: B6T,
      connections: [B6T],
      media: [{ media: 'audio', port: 7078, proto: 'RTP/AVP', formats: ['9'], rtpmap: new Map([['9', 'G722']]), connection: null }],
    });
  });

  test('multipart/mixed body with an application/sdp part (not the first part)', async () => {
    const body =
      '--b1-xyz\r\n' +
      'Content-Type: application/isup;version=itu-t92+\r\n' +
      'Content-Disposition: signal;handling=optional\r\n' +
      '\r\n' +
      'c=IN IP4 9.9.9.9\r\nm=audio 1 RTP/AVP 0\r\n' +
      '\r\n--b1-xyz\r\n' +
      'Content-Type: application/sdp\r\n' +
      '\r\n' +
      SDP +
      '\r\n--b1-xyz--\r\n';
    const m = await sdpOf(body, 'multipart/mixed;boundary="b1-xyz"');
    expect(m.sdp).toEqual(SDP_PARSED);
  });

  test('a text/plain body that looks like SDP is not parsed', async () => {
    const m = await sdpOf(SDP, 'text/plain');
    expect(m.sdp).toBeNull();
  });
});

// ================================================================= SCTP

describe('SCTP', () => {
  const sctpFrame = (o: cw.SctpDataOptions, payload: cw.Payload) =>
    eth(cw.ipv4({ src: A4, dst: B4, proto: cw.IPPROTO.SCTP }, cw.sctpData(o, payload)));

  test('one DATA chunk with a whole message', async () => {
    const msg = req('INVITE', 'sctp-1', { body: SDP });
    const { messages, stats } = await run(pcap([sctpFrame({ sport: 5060, dport: 5061, tsn: 100, ppid: 0 }, msg)]));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'sctp',
        frame: 1,
        src: A4,
        dst: B4,
        sport: 5060,
        dport: 5061,
        ...reqFields('INVITE', 'sctp-1', { body: SDP }),
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipFrames: 1, sctpPartial: 0 });
    expectNoOtherProblems(stats);
  });

  test('two DATA chunks with whole messages bundled in one packet', async () => {
    const a = req('OPTIONS', 'sctp-b1');
    const b = resp(200, 'OK', 'sctp-b1', { method: 'OPTIONS' });
    const first = cw.sctpData({ sport: 5060, dport: 5060, tsn: 1 }, a);
    const second = cw.sctpData({ sport: 5060, dport: 5060, tsn: 2, stream: 1 }, b);
    const pkt = cw.concat(first, second.subarray(12));
    pkt.fill(0, 8, 12);
    const crc = cw.crc32c(pkt);
    pkt[8] = crc & 0xff;
    pkt[9] = (crc >>> 8) & 0xff;
    pkt[10] = (crc >>> 16) & 0xff;
    pkt[11] = (crc >>> 24) & 0xff;
    const { messages } = await run(pcap([eth(cw.ipv4({ src: A4, dst: B4, proto: cw.IPPROTO.SCTP }, pkt))]));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { transport: 'sctp', frame: 1, ...reqFields('OPTIONS', 'sctp-b1') }, a);
    expectMsg(messages[1], { transport: 'sctp', frame: 1, ...respFields(200, 'OK', 'sctp-b1', { method: 'OPTIONS' }) }, b);
  });

  test('a message split over 3 DATA chunks (B, middle, E) in order', async () => {
    const msg = cw.text(req('INVITE', 'sctp-3', { body: SDP }));
    const parts = [msg.subarray(0, 200), msg.subarray(200, 450), msg.subarray(450)];
    const flags = [2, 0, 1];
    const frames = parts.map((p, i) => sctpFrame({ sport: 5060, dport: 5060, tsn: 7000 + i, stream: 1, streamSeq: 5, flags: flags[i] }, p));
    const { messages, stats } = await run(pcap(frames));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'sctp',
        frame: 3,
        ts: expTs(2),
        sport: 5060,
        dport: 5060,
        ...reqFields('INVITE', 'sctp-3', { body: SDP }),
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sctpPartial: 0 });
    expectNoOtherProblems(stats);
  });
});

// ================================================================= WebSocket

describe('WebSocket', () => {
  test('HTTP upgrade handshake, then masked and unmasked text frames carrying SIP', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 50555 }, { ip: B4, port: 8443 });
    const hs =
      'GET /sip HTTP/1.1\r\nHost: b.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const hsOk =
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
    const inv = req('INVITE', 'ws', { body: SDP });
    const trying = resp(100, 'Trying', 'ws');
    const ok = resp(200, 'OK', 'ws', { body: SDP_B });
    const ack = req('ACK', 'ws');
    const ackFrame = wsFrame(ack, [0xa1, 0xb2, 0xc3, 0xd4]);
    const segs = [
      ...flow.handshake(),
      flow.send('c2s', hs),
      flow.send('s2c', hsOk),
      flow.send('c2s', wsFrame(inv, [0x37, 0xfa, 0x21, 0x3d])), // 126 length form
      flow.send('s2c', cw.concat(wsFrame(trying), wsFrame(ok))),
      flow.send('c2s', cw.concat(wsFrame('hb', [9, 8, 7, 6], 9), ackFrame.subarray(0, 40))), // a ping, then half a frame
      flow.send('c2s', ackFrame.subarray(40)),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE ws@sipscope.test', '100 ws@sipscope.test', '200 ws@sipscope.test', 'ACK ws@sipscope.test']);
    const c2s = { transport: 'ws' as const, src: A4, dst: B4, sport: 50555, dport: 8443 };
    const s2c = { transport: 'ws' as const, src: B4, dst: A4, sport: 8443, dport: 50555 };
    expectMsg(messages[0], { ...c2s, frame: 6, ...reqFields('INVITE', 'ws', { body: SDP }), sdp: SDP_PARSED }, inv);
    expectMsg(messages[1], { ...s2c, frame: 7, ...respFields(100, 'Trying', 'ws') }, trying);
    expectMsg(messages[2], { ...s2c, frame: 7, ...respFields(200, 'OK', 'ws', { body: SDP_B }), sdp: SDP_B_PARSED }, ok);
    expectMsg(messages[3], { ...c2s, frame: 9, ...reqFields('ACK', 'ws') }, ack);
    expectCounters(stats, { wsFrames: 4, sipMessages: 4, tcpStreams: 2 });
    expectNoOtherProblems(stats);
  });
});

// ================================================================= RTP counting

describe('RTP counting', () => {
  test('watch(ip, port): packets(), lastSeen() and the rtpFrames counter', async () => {
    const engine = await createEngine();
    const msgs: SipMessage[] = [];
    engine.onMessage = (x) => msgs.push(x);
    const id4 = engine.watch(B4, 50000);
    const id6 = engine.watch(B6T, 50002);
    expect(id4).toBeGreaterThanOrEqual(0);
    expect(id6).toBeGreaterThanOrEqual(0);
    expect(engine.watch('not an ip', 1)).toBe(-1);
    // no SDP here: the core would watch its endpoints on its own (tested below)
    const frames: Uint8Array[] = [eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'rtp')))];
    for (let i = 0; i < 5; i++) frames.push(eth(udp4(A4, 40000, B4, 50000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 1 }, 160))));
    for (let i = 0; i < 3; i++) frames.push(eth(udp4(B4, 50000, A4, 40000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 2 }, 160)))); // not watched
    for (let i = 0; i < 2; i++) frames.push(eth(udp6(A6, 40002, B6, 50002, cw.rtp({ pt: 8, seq: i, ts: i * 160, ssrc: 3 }, 160))));
    frames.push(eth(udp4(A4, 40000, B4, 50001, cw.rtp({ pt: 0, seq: 9, ts: 0, ssrc: 1 }, 160)))); // other port
    engine.beginFile(0);
    engine.feed(pcap(frames));
    expect(engine.endFile().error).toBe(0);
    engine.finish();
    expect(msgs).toHaveLength(1);
    expect(engine.packets(id4)).toBe(5);
    expect(engine.packets(id6)).toBe(2);
    expect(engine.lastSeen(id4)).toBeCloseTo(tsAt(5).sec + tsAt(5).nsec / 1e9, 6);
    expect(engine.lastSeen(id6)).toBeCloseTo(tsAt(10).sec + tsAt(10).nsec / 1e9, 6);
    const stats = engine.stats();
    expectCounters(stats, { frames: 12, sipFrames: 1, rtpFrames: 7, otherFrames: 4 });
    expect(stats.rtpBytes).toBe(7 * (12 + 160));
  });

  test('RTP following an SDP in the same input chunk is counted by the core before JS sees the message', async () => {
    const engine = await createEngine();
    const msgs: SipMessage[] = [];
    engine.onMessage = (x) => msgs.push(x);
    // SDP: session c= A4, audio 40000 (RTP/AVP)
    const frames: Uint8Array[] = [eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'rtp-sdp', { body: SDP })))];
    for (let i = 0; i < 3; i++) frames.push(eth(udp4(B4, 50000, A4, 40000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 2 }, 160))));
    engine.beginFile(0);
    engine.feed(pcap(frames)); // one chunk
    engine.endFile();
    engine.finish();
    expect(msgs).toHaveLength(1);
    expectCounters(engine.stats(), { frames: 4, sipFrames: 1, rtpFrames: 3, otherFrames: 0 });
  });
});

// ================================================================= damaged input

describe('damaged input', () => {
  const msgs = [req('INVITE', 'dmg', { body: SDP }), resp(100, 'Trying', 'dmg'), resp(180, 'Ringing', 'dmg')];
  const frames = msgs.map((x, i) => eth(udp4(i ? B4 : A4, 5060, i ? A4 : B4, 5060, x)));
  const good = pcap(frames);
  const recOff = [24, 24 + 16 + frames[0].length, 24 + 32 + frames[0].length + frames[1].length];

  test('a file cut in the middle of a record: messages before the cut reported, error 4', async () => {
    const { messages, files, stats } = await run(good.slice(0, recOff[2] + 16 + 30));
    expect(ids(messages)).toEqual(['INVITE dmg@sipscope.test', '100 dmg@sipscope.test']);
    expect(files[0]).toMatchObject({ error: 4, message: FILE_ERRORS[4], offset: recOff[2] });
    expectCounters(stats, { frames: 2, truncatedFiles: 1 });
  });

  test('a file cut inside a record header: error 4', async () => {
    const { messages, files } = await run(good.slice(0, recOff[1] + 9));
    expect(messages).toHaveLength(1);
    expect(files[0]).toMatchObject({ error: 4, offset: recOff[1] });
  });

  test('a record with an absurd length: error 2, frames before it reported', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(recOff[2] + 8, 0x7fff_fff0, true);
    const { messages, files, stats } = await run(bad);
    expect(ids(messages)).toEqual(['INVITE dmg@sipscope.test', '100 dmg@sipscope.test']);
    expect(files[0]).toMatchObject({ error: 2, message: FILE_ERRORS[2], offset: recOff[2] });
    expectCounters(stats, { frames: 2, badRecords: 1 });
  });

  test('random bytes: error 1', async () => {
    const rnd = cw.prng(7);
    const junk = Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256));
    const { messages, files, stats } = await run(junk, junk.subarray(0, 10));
    expect(messages).toEqual([]);
    expect(files.map((f) => [f.error, f.message, f.offset])).toEqual([
      [1, FILE_ERRORS[1], 0],
      [1, FILE_ERRORS[1], 0],
    ]);
    expect(stats.counters.frames).toBe(0);
  });

  test('empty file: error 5 (the file is empty)', async () => {
    const { messages, files } = await run(new Uint8Array(0));
    expect(messages).toEqual([]);
    expect(files[0]).toMatchObject({ error: 5, message: FILE_ERRORS[5], bytesRead: 0 });
  });

  test('a file cut inside the pcap file header: truncated (error 4), not "not a capture"', async () => {
    const { files } = await run(good.subarray(0, 10));
    expect(files[0]).toMatchObject({ error: 4, message: FILE_ERRORS[4] });
  });

  test('a missing file: readError, the run goes on with the next file', async () => {
    const { messages, files } = await decode([join(dir, 'does-not-exist.pcap'), save(good)]);
    expect(files[0].readError).toBe('no such file');
    expect(files[1].error).toBe(0);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatchObject({ frame: 1, fileIndex: 1 });
  });

  test('garbage right after the pcap header: error 2 at offset 24, nothing reported', async () => {
    const garbage = cw.text('GARBAGE!'.repeat(40));
    const { messages, files } = await run(cw.concat(good.subarray(0, 24), garbage));
    expect(messages).toEqual([]);
    expect(files[0]).toMatchObject({ error: 2, offset: 24 });
  });

  test('garbage after the last record: the records are reported, error 2 at the garbage', async () => {
    const garbage = cw.text('GARBAGE!'.repeat(40));
    const { messages, files } = await run(cw.concat(good, garbage));
    expect(messages).toHaveLength(3);
    expect(files[0]).toMatchObject({ error: 2, offset: good.length });
  });

  function ngWith(extra: cw.PcapngRawBlock | null): { bytes: Uint8Array; badAt: number } {
    const head = cw.writePcapng([{ interfaces: [{ linktype: 1 }], packets: frames.slice(0, 2).map((data, i) => ({ ts: tsAt(i), data })) }]);
    const tail = cw.writePcapng([{ interfaces: [{ linktype: 1 }], packets: [{ ts: tsAt(2), data: frames[2] }] }]);
    // tail without its SHB and IDB: just the EPB
    const epb = tail.subarray(48);
    const mid = extra ? cw.writePcapng([{ interfaces: [], packets: [extra] }]).subarray(28) : new Uint8Array(0);
    return { bytes: cw.concat(head, mid, epb), badAt: head.length };
  }

  test('pcapng: a block length that is not a multiple of 4: error 3, packets before it reported', async () => {
    const { bytes, badAt } = ngWith(null);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(badAt + 4, dv.getUint32(badAt + 4, true) + 1, true);
    const { messages, files } = await run(bytes);
    expect(messages).toHaveLength(2);
    expect(files[0]).toMatchObject({ error: 3, message: FILE_ERRORS[3], offset: badAt });
  });

  test('pcapng: a block length below 12: error 3', async () => {
    const { bytes, badAt } = ngWith(null);
    new DataView(bytes.buffer).setUint32(badAt + 4, 8, true);
    const { messages, files } = await run(bytes);
    expect(messages).toHaveLength(2);
    expect(files[0]).toMatchObject({ error: 3, offset: badAt });
  });

  test('pcapng: leading and trailing block lengths disagree: error 3', async () => {
    const { bytes, badAt } = ngWith(null);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(bytes.length - 4, dv.getUint32(bytes.length - 4, true) + 4, true);
    const { messages, files } = await run(bytes);
    expect(messages).toHaveLength(2);
    expect(files[0]).toMatchObject({ error: 3, offset: badAt });
  });

  test('pcapng: a block length running past the end of the file (2 MB): error 4', async () => {
    const { bytes, badAt } = ngWith(null);
    new DataView(bytes.buffer).setUint32(badAt + 4, 2 << 20, true);
    const { messages, files } = await run(bytes);
    expect(messages).toHaveLength(2);
    expect(files[0]).toMatchObject({ error: 4, offset: badAt });
  });

  test('pcapng: an absurd block length (0xFFFFFF00) in a small file: packets before it reported, the damage reported (error 4)', async () => {
    const { bytes, badAt } = ngWith(cw.customBlock(1, new Uint8Array(8)));
    // the EPB after the custom block gets the absurd length
    const epbAt = badAt + 24; // custom block: 8 header + 4 PEN + 8 data + 4 trailer
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(epbAt, true)).toBe(6);
    dv.setUint32(epbAt + 4, 0xffff_ff00, true);
    const { messages, files, stats } = await run(bytes);
    expect(messages).toHaveLength(2);
    expect(stats.counters.skippedBlocks).toBe(1);
    expect(files[0]).toMatchObject({ error: 4, offset: epbAt });
  });

  test('200 bit-flipped variants of a good capture (and 100 truncations) are decoded without throwing, in bounded time', async () => {
    const { bytes } = richCapture('pcapng');
    const { bytes: classic } = richCapture('pcap');
    const rnd = cw.prng(2024);
    const started = performance.now();
    let engine = await createEngine();
    let reported = 0;
    engine.onMessage = () => reported++;
    for (let v = 0; v < 300; v++) {
      if (v % 25 === 0) {
        engine = await createEngine();
        engine.onMessage = (x) => {
          reported++;
          expect(x.frame).toBeGreaterThan(0);
          expect([6, 9]).toContain(x.ts.digits);
          expect(x.raw.length).toBeGreaterThan(0);
        };
      }
      const base = v % 2 ? classic : bytes;
      let variant: Uint8Array;
      if (v < 200) {
        variant = base.slice();
        const flips = 1 + Math.floor(rnd() * 8);
        for (let k = 0; k < flips; k++) {
          const at = Math.floor(rnd() * variant.length);
          variant[at] ^= 1 << Math.floor(rnd() * 8);
        }
      } else {
        variant = base.slice(0, Math.floor(rnd() * base.length));
      }
      engine.beginFile(v % 25);
      expect(() => engine.feed(variant)).not.toThrow();
      const st = engine.endFile();
      expect([0, 1, 2, 3, 4]).toContain(st.error);
    }
    expect(() => engine.finish()).not.toThrow();
    expect(reported).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
