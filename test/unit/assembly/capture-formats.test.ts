// The core's capture formats: classic pcap (both byte orders, µs and ns), pcapng (sections,
// interfaces, timestamp resolutions and offsets, every packet block), gzip, several files as one
// capture, and input fed in chunks of any size.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  save,
  run,
  T0,
  A4,
  B4,
  A6,
  A6T,
  B6,
  B6T,
  tsAt,
  expTs,
  pcap,
  req,
  reqFields,
  resp,
  respFields,
  SDP,
  SDP_PARSED,
  SDP_B,
  SDP_B_PARSED,
  expectMsg,
  expectCounters,
  expectNoOtherProblems,
  ids,
  udp4,
  udp6,
  eth,
  richCapture,
} from '../../support/core-fixtures.ts';
import { decode } from '../../support/engine.ts';
import { createEngine } from '../../../node/wasm.ts';
import type { EngineStats } from '../../../shared/engine/engine.ts';
import type { SipMessage } from '../../../shared/events.ts';

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
