// The ladder store of a run in the page's worker (web/worker/run-state.ts), in Node on the same
// engine: ladders read back as they were recorded, and beyond the memory budget a ladder is not
// kept and the page is told why.

import { describe, expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { LadderEntry } from '../../../shared/record.ts';
import { hashBytes } from '../../../shared/bytes-hash.ts';
import { LadderStore } from '../../../web/worker/ladder-store.ts';
import { tempDir } from '../../support/temp.ts';
import { webDownloads as webOutputs } from '../../support/downloads.ts';
import { recordsOf } from '../../support/engine.ts';
import { SAMPLE } from '../../support/paths.ts';

/** A ladder entry with its bytes as text; where they came from left out. */
const shown = (e: LadderEntry) => {
  const { rawAt, ...rest } = e;
  return { ...rest, raw: Buffer.from(e.raw).toString('latin1') };
};

const tmp = tempDir('run-state');

describe('ladder store', () => {
  test('ladders read back as they were recorded: bytes read again from the file, or kept for a gzip file', async () => {
    const gz = tmp.write('sample.pcap.gz', gzipSync(readFileSync(SAMPLE)));
    for (const file of [SAMPLE, gz]) {
      const { state } = await webOutputs([file], {});
      // the tracker's ladders with every message's bytes copied out of the engine
      const { records } = await recordsOf([file], { keepMessages: true });
      expect(records.length).toBe(6);
      for (let i = 0; i < records.length; i++) {
        const got = await state.ladders.get(i);
        expect(got.kept).toBe(true);
        if (!got.kept) continue;
        expect(got.omitted).toBe(0);
        expect(got.entries.map(shown)).toEqual(records[i].ladder!.map(shown));
        // a plain file's messages were left in it; an inflated one's were kept
        expect(got.entries.every((e) => (file === SAMPLE ? e.rawAt >= 0 : e.rawAt === -1))).toBe(true);
      }
    }
    // stored: the entries' descriptions, not the messages
    const plain = (await webOutputs([SAMPLE], {})).state.ladders.stats.bytes;
    const kept = (await webOutputs([gz], {})).state.ladders.stats.bytes;
    expect(plain).toBeLessThan(kept / 2);
  });

  test('every field of an entry survives storage: texts, flags, large numbers, kept and located bytes', async () => {
    const file = new TextEncoder().encode('....INVITE sip:x SIP/2.0\r\n\r\n....');
    const located = file.subarray(4, 31);
    const kept = new TextEncoder().encode('SIP/2.0 486 Occupé\r\n\r\n');
    const entry = (k: number, over: Partial<LadderEntry>): LadderEntry => ({
      frame: 4_000_000_000 + k,
      fileIndex: 65_535,
      fileOffset: 2 ** 40 + k,
      ts: { sec: 4_102_444_800, nsec: 999_999_999, digits: 9 },
      src: '2001:db8::1',
      sport: 65_535,
      dst: '192.0.2.1',
      dport: 5060,
      transport: 'udp',
      label: 'INVITE',
      isRequest: true,
      cseq: 2 ** 31 - 1,
      cseqMethod: 'INVITE',
      retransmission: false,
      duplicate: false,
      sdp: null,
      fromCaller: true,
      raw: new Uint8Array(0),
      rawAt: 4,
      rawLen: located.length,
      rawHash: hashBytes(located),
      ...over,
    });
    const entries = [
      entry(0, {}),
      entry(1, {
        transport: 'ws',
        label: '486 Occupé',
        isRequest: false,
        retransmission: true,
        duplicate: true,
        fromCaller: false,
        sdp: 'audio 192.0.2.1:4000 RTP/AVP PCMU',
        raw: kept,
        rawAt: -1,
        rawLen: kept.length,
        rawHash: hashBytes(kept),
        src: '192.0.2.1',
        dst: '2001:db8::1',
      }),
      entry(2, { transport: 'sctp', cseqMethod: 'BYE', label: 'BYE' }),
      entry(3, { transport: 'tcp' }),
    ];
    const store = new LadderStore(1 << 20, async (_f, off, len) => file.subarray(off, off + len));
    expect(store.add(0, entries)).toBe(true);
    const got = await store.get(0);
    expect(got.kept).toBe(true);
    if (!got.kept) return;
    expect(got.entries.map(shown)).toEqual(entries.map((e) => shown({ ...e, raw: e.rawAt >= 0 ? located : e.raw })));
    expect(got.entries.map((e) => e.rawAt)).toEqual([4, -1, 4, 4]);
  });

  test('a file changed after it was read: the ladder says so instead of showing other bytes', async () => {
    const copy = tmp.write('changed.pcap', readFileSync(SAMPLE));
    const { state } = await webOutputs([copy], {});
    const bytes = readFileSync(copy);
    // one byte inside the first SIP message of the file (after the 24-byte header and the first
    // record's headers: Ethernet 14, IPv4 20, UDP 8)
    bytes[24 + 16 + 42 + 5] ^= 0x20;
    writeFileSync(copy, bytes);
    const got = await Promise.all([...Array(state.records).keys()].map((i) => state.ladders.get(i)));
    const bad = got.filter((g) => !g.kept);
    expect(bad.length).toBeGreaterThan(0);
    for (const g of bad) if (!g.kept) expect(g.reason).toMatch(/the capture file changed after it was read/);
  });

  test('beyond the budget a ladder is not kept, and the page is told why', async () => {
    const all = (await webOutputs([SAMPLE], {})).state.ladders.stats.bytes;
    const budget = Math.floor(all / 2);
    const { state, rows } = await webOutputs([SAMPLE], {}, { ladderBudget: budget });
    const kept = rows.filter((r) => r.ladder).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6);
    const s = state.ladders.stats;
    expect(s.bytes).toBeLessThanOrEqual(budget);
    expect(s.kept + s.dropped).toBe(6);
    const lost = rows.find((r) => !r.ladder)!;
    const got = await state.ladders.get(lost.i);
    expect(got.kept).toBe(false);
    if (!got.kept) expect(got.reason).toMatch(/ladder not kept: the ladder memory limit/);
  });
});
