// Solaris snoop and Microsoft Network Monitor 2.x captures (the formats tickets arrive in, which
// Wireshark opens): the test suite writes each as the twin of a pcap, and the core must give the
// same records from both — the sample's calls (RTP included) and a capture with a bit of
// everything (TCP, fragments, IPv6). Broken and unsupported files are said so.

import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import * as cw from '../../support/capture-writer.ts';
import { richCapture, save } from '../../support/core-fixtures.ts';
import { decode, recordsOf } from '../../support/engine.ts';
import { SAMPLE } from '../../support/paths.ts';
import { jsonLine } from '../../../shared/output/format.ts';

/** The packets of a little-endian classic pcap (µs or ns), as the capture writer takes them. */
function pcapPackets(b: Uint8Array): cw.Packet[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nanos = v.getUint32(0, true) === 0xa1b23c4d;
  const out: cw.Packet[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = v.getUint32(o, true);
    const frac = v.getUint32(o + 4, true);
    const cap = v.getUint32(o + 8, true);
    out.push({ ts: { sec, nsec: nanos ? frac : frac * 1000 }, data: b.slice(o + 16, o + 16 + cap), origLen: v.getUint32(o + 12, true) });
    o += 16 + cap;
  }
  return out;
}

async function jsonl(path: string): Promise<string[]> {
  return (await recordsOf([path])).records.map(jsonLine);
}

describe('snoop and NetMon 2.x: the same records as the pcap twin', () => {
  const twins: [string, Uint8Array][] = [
    ['the sample', readFileSync(SAMPLE)],
    ['a capture with a bit of everything', richCapture('pcap').bytes],
  ];
  test.each(twins)('%s', async (_name, pcapBytes) => {
    const packets = pcapPackets(pcapBytes);
    expect(packets.length).toBeGreaterThan(10);
    const want = await jsonl(save(pcapBytes, 'pcap'));
    const wantMsgs = (await decode([save(pcapBytes, 'pcap')])).messages.length;
    const files: [string, Uint8Array][] = [
      ['snoop', cw.writeSnoop(packets)],
      ...[0, 1, 2, 3].map((minor): [string, Uint8Array] => [`netmon 2.${minor}`, cw.writeNetmon(packets, { minor })]),
    ];
    for (const [kind, bytes] of files) {
      const path = save(bytes, 'cap');
      const got = await decode([path]);
      expect(got.messages.length, kind).toBe(wantMsgs);
      expect(got.files[0].error, kind).toBe(0);
      expect(await jsonl(path), kind).toEqual(want);
    }
  });

  test('NetMon: a frame whose trailer names Ethernet in a file of another medium is read; other media are counted, not decoded', async () => {
    const packets = pcapPackets(readFileSync(SAMPLE));
    const want = await jsonl(SAMPLE);
    expect(await jsonl(save(cw.writeNetmon(packets, { media: 2, frameMedia: 1 }), 'cap'))).toEqual(want);
    const other = await decode([save(cw.writeNetmon(packets, { media: 2 }), 'cap')]);
    expect(other.messages).toEqual([]);
    expect(other.stats.counters.unknownLinktype).toBe(packets.length);
  });

  test('cut, damaged and unsupported files are said so; what came before is kept', async () => {
    const packets = pcapPackets(readFileSync(SAMPLE));
    const snoop = cw.writeSnoop(packets);
    const cut = await decode([save(snoop.subarray(0, snoop.length - 30), 'snoop')]);
    expect(cut.files[0].message).toMatch(/truncated/);
    expect(cut.messages.length).toBeGreaterThan(40);
    // a record length shorter than its data
    const bad = snoop.slice();
    new DataView(bad.buffer).setUint32(16 + 8, 10);
    expect((await decode([save(bad, 'snoop')])).files[0].message).toMatch(/damaged|bad record/i);
    // NetMon 1.x
    const v1 = cw.writeNetmon(packets);
    v1[5] = 1;
    expect((await decode([save(v1, 'cap')])).files[0].message).toMatch(/not a pcap, pcapng, snoop or NetMon 2\.x capture/);
  });
});
