// The tracker takes the core's watches of an SDP's endpoints instead of watching them again: a
// watch of the same address text and port gets the core's. That is right only when the core reads
// an address as the host's parseIp16 does, so both reach the same endpoint: here every address
// the core watched is watched again through the host's parser (a second watch of the same text
// finds no core watch left to take) and must land on the same endpoint, for chosen forms and
// thousands of random ones, valid or nearly so.

import { describe, expect, test } from 'vitest';
import { A4, B4, eth, pcap, req, udp4 } from '../../support/core-fixtures.ts';
import { rtp } from '../../support/capture-writer.ts';
import { createEngine } from '../../../node/wasm.ts';
import { parseIp16 } from '../../../shared/addr.ts';

const CHOSEN = [
  '192.0.2.1',
  '0.0.0.1',
  '255.255.255.255',
  '256.1.1.1',
  '01.2.3.4',
  '1.2.3',
  '1.2.3.4.5',
  '1..2.3',
  '2001:db8::1',
  '2001:DB8::A',
  '::1',
  '1::',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::',
  '::ffff:192.0.2.1',
  '::192.0.2.1',
  '64:ff9b::192.0.2.1',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1::2::3',
  ':1::2',
  '1:::2',
  '12345::1',
  'fe80::1%eth0',
  '[2001:db8::1]',
  'g::1',
  '::',
  '0.0.0.0',
  '::ffff:0.0.0.0',
  'host.example.com',
];

/** Random address text: mostly well formed IPv4 and IPv6, with slips (extra groups, long
 *  numbers, stray characters). */
function randomAddresses(n: number, seed: number): string[] {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const octet = () => String(rand() < 0.9 ? Math.floor(rand() * 256) : Math.floor(rand() * 1000));
  const group = () =>
    Math.floor(rand() * (rand() < 0.9 ? 0x10000 : 0x100000))
      .toString(16)
      [rand() < 0.5 ? 'toUpperCase' : 'toLowerCase']();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let a: string;
    if (rand() < 0.4) a = [octet(), octet(), octet(), octet()].slice(0, rand() < 0.95 ? 4 : 3).join('.');
    else {
      const groups = Array.from({ length: 1 + Math.floor(rand() * 8) }, group);
      if (rand() < 0.3) groups[groups.length - 1] = [octet(), octet(), octet(), octet()].join('.');
      const cut = Math.floor(rand() * (groups.length + 1));
      a = rand() < 0.6 ? `${groups.slice(0, cut).join(':')}::${groups.slice(cut).join(':')}` : groups.join(':');
    }
    if (rand() < 0.05) a = a.replace(/.$/, pick(['x', ':', '.', '%1', ']']));
    out.push(a);
  }
  return out;
}

type Row = { addr: string; first: number; second: number; firstFromCore: boolean };

/** Feed one INVITE with a section per address (m=audio, each its own c=) and watch each address
 *  through the engine twice: the first takes the core's watch when there is one, the second can
 *  only come from the host's parser. */
async function watchTwice(addrs: readonly string[]): Promise<Row[]> {
  const engine = await createEngine();
  // the host's own way: count its calls
  const host = engine as unknown as { keyed: (ip: string, port: number) => boolean };
  const keyed = host.keyed.bind(engine);
  let hostCalls = 0;
  host.keyed = (ip, port) => {
    hostCalls++;
    return keyed(ip, port);
  };
  const port = (i: number) => 20000 + 2 * i;
  const body = ['v=0', 'o=- 1 1 IN IP4 192.0.2.9', 's=-', 't=0 0']
    .concat(addrs.flatMap((a, i) => [`m=audio ${port(i)} RTP/AVP 0`, `c=IN ${a.includes(':') ? 'IP6' : 'IP4'} ${a}`, 'a=rtcp-mux']))
    .join('\r\n');
  const rows: Row[] = [];
  engine.onMessage = () => {
    addrs.forEach((addr, i) => {
      const before = hostCalls;
      const first = engine.watch(addr, port(i));
      const firstFromCore = hostCalls === before;
      rows.push({ addr, first, second: engine.watch(addr, port(i)), firstFromCore });
    });
  };
  engine.beginFile(0);
  engine.feed(pcap([eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'watches', { body: `${body}\r\n` })))]));
  engine.endFile();
  engine.finish();
  expect(rows).toHaveLength(addrs.length);
  return rows;
}

describe("the core's SDP watches taken by the tracker", () => {
  test('chosen and random address texts: the watch taken from the core is the endpoint the host parser finds', async () => {
    const all = [...CHOSEN, ...randomAddresses(3000, 11)];
    let fromCore = 0;
    let unreadable = 0;
    // the core takes up to 32 watches a message
    for (let i = 0; i < all.length; i += 30) {
      for (const r of await watchTwice(all.slice(i, i + 30))) {
        if (parseIp16(r.addr) === null) {
          // what the host parser cannot read gets no watch, from either side
          expect(r).toEqual({ ...r, first: -1, second: -1 });
          unreadable++;
          continue;
        }
        // the same endpoint both ways
        expect(r.first, r.addr).toBeGreaterThanOrEqual(0);
        expect(r.second, r.addr).toBe(r.first);
        if (r.firstFromCore) fromCore++;
      }
    }
    // both outcomes were reached, most watches came from the core
    expect(unreadable).toBeGreaterThan(500);
    expect(fromCore).toBeGreaterThan(0.9 * (all.length - unreadable));
  });

  test("a watch of another port, or of an unspecified address, is the host's own", async () => {
    const [same, unspecified] = await watchTwice(['192.0.2.1', '0.0.0.0']);
    expect(same.firstFromCore).toBe(true);
    // the core does not watch where nothing is received; the host still does, as it did
    expect(unspecified.firstFromCore).toBe(false);
    expect(unspecified.first).toBeGreaterThanOrEqual(0);
    // the core's watch is taken only at its own port and kind
    const engine = await createEngine();
    const ids: number[] = [];
    engine.onMessage = () => {
      ids.push(engine.watch('192.0.2.1', 20002), engine.watchRtcp('192.0.2.1', 20000), engine.watch('192.0.2.1', 20000));
    };
    const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n';
    engine.beginFile(0);
    engine.feed(pcap([eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'other', { body })))]));
    engine.endFile();
    engine.finish();
    // 20002 is the section's RTCP port: the core watches it as RTCP, not as the RTP asked for here
    const [rtpAtRtcpPort, rtcpAtRtpPort, rtp] = ids;
    expect(rtp).toBeGreaterThanOrEqual(0);
    expect(rtcpAtRtpPort).toBe(rtp); // one endpoint, whoever watches it
    expect(rtpAtRtcpPort).toBeGreaterThanOrEqual(0);
    expect(rtpAtRtcpPort).not.toBe(rtp);
  });
});

describe('a message whose handler threw', () => {
  test('leaves no watch behind, of its SDP or of the messages after it; none is delivered twice', async () => {
    const engine = await createEngine();
    const sdp = (addr: string) => `v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\nc=IN IP4 ${addr}\r\n`;
    const threw = eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'threw', { body: sdp('192.0.2.1') })));
    const after = eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'after', { body: sdp('192.0.2.2') })));
    const media = ['192.0.2.1', '192.0.2.2'].flatMap((addr) =>
      Array.from({ length: 5 }, (_, i) => eth(udp4(B4, 30000, addr, 20000, rtp({ pt: 0, seq: i, ts: 160 * i, ssrc: 7 }, 160)))),
    );
    const file = pcap([threw, after, ...media]);
    const signalling = 24 + 32 + threw.length + after.length; // the file header and both INVITEs' records
    const delivered: string[] = [];
    engine.onMessage = (m) => {
      delivered.push(m.callId);
      throw new Error('handler failed');
    };
    engine.beginFile(0);
    expect(() => engine.feed(file.subarray(0, signalling))).toThrow('handler failed');
    engine.onMessage = (m) => delivered.push(m.callId);
    engine.feed(file.subarray(signalling));
    engine.endFile();
    engine.finish();
    // the second INVITE was dropped with the buffer the failure left; the first came once
    expect(delivered).toEqual(['threw@sipscope.test']);
    // nobody watches either endpoint any more: their RTP is no call's media
    expect(engine.stats().counters.rtpFrames ?? 0).toBe(0);
  });
});
