// The core's HEP v3 decoder (assembly/hep.ts), shared by captures and the live listener: the
// message carries the agent's addresses, ports and protocol (and, when asked, its time); the
// authentication key is checked when set; every malformed packet is counted, never decoded from
// garbage.

import { describe, expect, test } from 'vitest';
import { hepPacket, type HepMessage } from '../../support/hep.ts';
import { A4, B4, A6, A6T, B6, B6T, T0, eth, expectMsg, pcap, req, save, udp4, expTs } from '../../support/core-fixtures.ts';
import { decode } from '../../support/engine.ts';
import * as cw from '../../support/capture-writer.ts';

const CARRIER = ['10.9.0.1', 40000, '10.9.0.2', 9060] as const;
const msg = (n: string, o: Partial<HepMessage> = {}): HepMessage => ({
  src: A4,
  dst: B4,
  sport: 5070,
  dport: 5060,
  time: T0 - 3600 + 0.25,
  payload: cw.text(req('INVITE', n)),
  ...o,
});
const frame = (hep: Uint8Array) => eth(udp4(...CARRIER, hep));
const run = (hep: Uint8Array[], opts?: Parameters<typeof decode>[1]) => decode([save(pcap(hep.map(frame)))], opts);
const key = (s: string) => new TextEncoder().encode(s);

describe('HEP v3', () => {
  test("the message is the agent's: addresses, ports, protocol; the carrier's time unless the agent's is asked for", async () => {
    const packets = [
      hepPacket(msg('1')),
      hepPacket(msg('2', { src: A6, dst: B6, sport: 5080, dport: 5090 })),
      hepPacket(msg('3', { proto: 6 })),
    ];
    const d = await run(packets);
    expect(d.messages.length).toBe(3);
    expectMsg(d.messages[0], {
      ipVersion: 4,
      src: A4,
      dst: B4,
      sport: 5070,
      dport: 5060,
      transport: 'udp',
      callId: '1@sipscope.test',
      ts: expTs(0),
    });
    expectMsg(d.messages[1], { ipVersion: 6, src: A6T, dst: B6T, sport: 5080, dport: 5090, transport: 'udp' });
    expectMsg(d.messages[2], { transport: 'tcp' });
    // bytes as the agent's packet had them: message + IP + transport header
    expect(d.messages[0].wireBytes).toBe(d.messages[0].rawLen + 28);
    expect(d.messages[1].wireBytes).toBe(d.messages[1].rawLen + 48);
    expect(d.messages[2].wireBytes).toBe(d.messages[2].rawLen + 40);
    expect(d.stats.counters.hep).toBe(3);

    const agent = await run(packets, { hep: { key: null, agentTime: true } });
    expect(agent.messages[0].ts).toEqual({ sec: T0 - 3600, nsec: 250_000_000, digits: 6 });
  });

  test('with a key, only packets carrying it are decoded; the others are counted', async () => {
    const packets = [
      hepPacket(msg('1'), { key: 'right' }),
      hepPacket(msg('2'), { key: 'wrong' }),
      hepPacket(msg('3')),
      hepPacket(msg('4'), { key: 'righ' }),
    ];
    const open = await run(packets);
    expect(open.messages.length).toBe(4);
    const d = await run(packets, { hep: { key: key('right'), agentTime: false } });
    expect(d.messages.map((m) => m.callId)).toEqual(['1@sipscope.test']);
    expect(d.stats.counters.hepAuthFailed).toBe(3);
  });

  test('malformed packets are counted and nothing is made of them', async () => {
    const good = hepPacket(msg('1'));
    const withTotal = (p: Uint8Array, total: number) => {
      const c = p.slice();
      new DataView(c.buffer).setUint16(4, total);
      return c;
    };
    // the first chunk (family) claims more bytes than the packet has
    const chunkOverrun = good.slice();
    new DataView(chunkOverrun.buffer).setUint16(6 + 4, 0x4000);
    const chunkTooShort = good.slice();
    new DataView(chunkTooShort.buffer).setUint16(6 + 4, 3);
    const noPayload = hepPacket(msg('1', { payload: new Uint8Array(0) }));
    const notSip = hepPacket(msg('1', { payload: cw.text('hello there, this is not SIP\r\n\r\n') }));
    const mixedFamilies = hepPacket(msg('1', { dst: B6 }));
    const d = await run([
      withTotal(good, good.length + 20), // longer than what arrived
      withTotal(good, 5),
      chunkOverrun,
      chunkTooShort,
      noPayload,
      notSip,
      mixedFamilies,
      good.subarray(0, 40), // cut inside its chunks (total says more)
    ]);
    expect(d.messages).toEqual([]);
    expect(d.stats.counters.hepInvalid).toBe(8);
    expect(d.stats.counters.hep).toBe(0);
  });

  test('other payload types and unknown chunks: counted; a SIP message with unknown chunks is still decoded', async () => {
    const d = await run([
      hepPacket(msg('1'), { payloadType: 5 }), // RTCP report (JSON in most agents)
      hepPacket(msg('2'), { payloadType: 100 }), // a log line
      hepPacket(msg('3'), { extra: [[0, 0x11, cw.text('corr-3')]] }), // a correlation ID: known, not needed
      hepPacket(msg('4'), {
        extra: [
          [0x0123, 1, cw.text('vendor')],
          [0, 0x90, Uint8Array.of(1)],
        ],
      }),
    ]);
    expect(d.messages.map((m) => m.callId)).toEqual(['3@sipscope.test', '4@sipscope.test']);
    expect(d.stats.counters.hepOther).toBe(2);
    expect(d.stats.counters.hepUnknownChunks).toBe(2);
  });

  test('a compressed payload chunk (0x0010) is counted as other, not decoded', async () => {
    const d = await run([hepPacket(msg('1'), { extra: [[0, 0x10, cw.text('\x1f\x8b compressed')]] })]);
    expect(d.messages).toEqual([]);
    expect(d.stats.counters.hepOther).toBe(1);
  });
});
