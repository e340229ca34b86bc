// The core's IP layer: IPv4 options and IPv6 extension headers, frames cut by the snap length,
// SIP quoted in ICMP errors, and IPv4/IPv6 fragment reassembly.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  run,
  A4,
  B4,
  A6,
  A6T,
  B6,
  B6T,
  O1,
  O2,
  expTs,
  pcap,
  req,
  reqFields,
  SDP,
  SDP_PARSED,
  expectMsg,
  expectCounters,
  expectNoOtherProblems,
  udp4,
  eth,
} from '../../support/core-fixtures.ts';
import { createEngine } from '../../../node/wasm.ts';
import type { SipMessage } from '../../../shared/events.ts';

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

  test('fragment headers nested in one frame (each a whole datagram): bounded like tunnels', async () => {
    const dgram = cw.udp({ sport: 5060, dport: 5060 }, req('OPTIONS', 'nest'), { src: A6, dst: B6 });
    // k fragment headers with offset 0 and no more fragments: each reassembles at once into a
    // datagram that starts with the next one
    const nested = (k: number) => {
      const chain = new Uint8Array(8 * k);
      for (let i = 0; i < k; i++) {
        chain[i * 8] = i + 1 < k ? cw.IPPROTO.FRAGMENT : cw.IPPROTO.UDP;
        new DataView(chain.buffer).setUint32(i * 8 + 4, 0x100 + i);
      }
      return eth(cw.ipv6({ src: A6, dst: B6, nextHeader: cw.IPPROTO.FRAGMENT }, cw.concat(chain, dgram)));
    };
    const shallow = await run(pcap([nested(3)]));
    expect(shallow.messages).toHaveLength(1);
    expectCounters(shallow.stats, { fragReassembled: 3, tunnelTooDeep: 0 });
    const deep = await run(pcap([nested(40)]));
    expect(deep.messages).toHaveLength(0);
    expectCounters(deep.stats, { frames: 1, tunnelTooDeep: 1 });
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
