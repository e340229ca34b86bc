// The HEP listener's own part (node/hep-listener.ts, node/hep-receiver.ts): its URLs, and its framing — every HEP packet
// received becomes exactly one pcap record, whatever way TCP cuts the stream, and what is not
// HEP is counted, not passed on. (Decoding is the core's: test/unit/assembly/hep.test.ts.)

import { afterEach, describe, expect, test } from 'vitest';
import { hepKeyBytes, parseHepUrl } from '../../../node/hep-listener.ts';
import { HepReceiver, pcapHeader } from '../../../node/hep-receiver.ts';
import { UsageError } from '../../../node/args.ts';
import { hepPacket, sendHepTcp, sendHepUdp } from '../../support/hep.ts';
import { readPcap } from '../../support/pcap-rewrite.ts';
import { prng, text } from '../../support/capture-writer.ts';

describe('--hep URLs and keys', () => {
  test.each([
    ['udp://0.0.0.0:9060', { transport: 'udp', host: '0.0.0.0', port: 9060 }],
    ['tcp://127.0.0.1:9061/', { transport: 'tcp', host: '127.0.0.1', port: 9061 }],
    ['udp://[::]:9060', { transport: 'udp', host: '::', port: 9060 }],
    ['udp://localhost:9060', { transport: 'udp', host: '127.0.0.1', port: 9060 }],
  ])('%s', (url, want) => expect(parseHepUrl(url)).toMatchObject(want));

  test.each([
    'http://0.0.0.0:9060',
    'udp://0.0.0.0',
    'udp://0.0.0.0:0',
    'udp://0.0.0.0:70000',
    'udp://probe.example:9060',
    'udp://[::1:9060',
  ])('refused: %s', (url) => expect(() => parseHepUrl(url)).toThrow(UsageError));

  test('keys: the bytes of the text, 1 to 256 of them', () => {
    expect(hepKeyBytes(undefined)).toBeNull();
    expect([...hepKeyBytes('ké')!]).toEqual([0x6b, 0xc3, 0xa9]);
    expect(() => hepKeyBytes('')).toThrow(UsageError);
    expect(() => hepKeyBytes('x'.repeat(257))).toThrow(UsageError);
  });
});

const receivers: HepReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
});

/** Listen on a port, let `send` run, stop, and return the pcap the receiver's records make. */
async function capture(transport: 'udp' | 'tcp', port: number, send: () => Promise<void>) {
  const chunks: Uint8Array[] = [pcapHeader()];
  const r = new HepReceiver([{ transport, host: '127.0.0.1', port, url: `${transport}://127.0.0.1:${port}` }], (b) => chunks.push(b));
  receivers.push(r);
  await r.listen();
  await send();
  await new Promise((res) => setTimeout(res, 200));
  await r.stop();
  return { pcap: readPcap(Buffer.concat(chunks)), counters: r.counters };
}

function packets(n: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, i) =>
    hepPacket({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      sport: 5060,
      dport: 5060,
      time: 1_700_000_000 + i,
      // sizes from a few bytes to ~3 KiB, so pieces cut headers and payloads alike
      payload: text(`OPTIONS sip:x SIP/2.0\r\nCall-ID: ${i}\r\nX: ${'y'.repeat(Math.floor(rnd() * 3000))}\r\n\r\n`),
    }),
  );
}

/** The HEP packets inside the records: raw IP, UDP, then the packet. */
function hepOf(pcap: ReturnType<typeof readPcap>): Uint8Array[] {
  expect(pcap.linktype).toBe(101);
  return pcap.frames.map((f) => f.data.subarray((f.data[0] >> 4 === 4 ? 20 : 40) + 8));
}

describe('framing', () => {
  test('TCP cut into random pieces: every packet once, in order, byte for byte', async () => {
    const sent = packets(60, 7);
    const { pcap, counters } = await capture('tcp', 28830, async () => {
      await sendHepTcp(sent, '127.0.0.1', 28830, 1);
      await sendHepTcp(sent.slice(0, 30), '127.0.0.1', 28830, 1499);
    });
    const got = hepOf(pcap);
    expect(got.length).toBe(90);
    expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(
      [...sent, ...sent.slice(0, 30)].map((s) => Buffer.from(s).toString('hex')),
    );
    expect(counters).toMatchObject({ packets: 90, skippedBytes: 0, connections: 2 });
  });

  test('TCP: garbage, a length under 6 and a packet cut by the end of the connection are skipped and counted', async () => {
    const [a, b] = packets(2, 3);
    const tooShort = Uint8Array.of(0x48, 0x45, 0x50, 0x33, 0, 4);
    const { pcap, counters } = await capture('tcp', 28831, () =>
      sendHepTcp([text('xyz'), a, tooShort, b, b.subarray(0, 50)], '127.0.0.1', 28831),
    );
    expect(hepOf(pcap).length).toBe(2);
    expect(counters.packets).toBe(2);
    // "xyz"; the 4 bytes of "HEP3" and the 2 after them up to the next "HEP3"; the cut packet
    expect(counters.skippedBytes).toBe(3 + 6 + 50);
  });

  test('UDP: datagrams not starting with HEP3 are counted, not passed on', async () => {
    const sent = packets(5, 1);
    const { pcap, counters } = await capture('udp', 28832, () =>
      sendHepUdp([text('INVITE sip:x SIP/2.0\r\n\r\n'), ...sent, text('HEP2...')], '127.0.0.1', 28832),
    );
    expect(hepOf(pcap).length).toBe(5);
    expect(counters).toMatchObject({ packets: 5, notHep: 2, dropped: 0 });
  });
});
