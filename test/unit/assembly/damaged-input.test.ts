// Damaged input to the core: files cut anywhere, impossible record and block lengths, random
// bytes, empty and missing files, garbage, and hundreds of bit-flipped captures — reported as file
// errors with their offset, never a throw.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  fixtures,
  save,
  run,
  A4,
  B4,
  tsAt,
  pcap,
  req,
  resp,
  SDP,
  expectCounters,
  ids,
  udp4,
  eth,
  richCapture,
} from '../../support/core-fixtures.ts';
import { decode } from '../../support/engine.ts';
import { createEngine } from '../../../node/wasm.ts';
import { FILE_ERRORS } from '../../../shared/engine/core-abi.ts';

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
    const { messages, files } = await decode([fixtures.file('does-not-exist.pcap'), save(good)]);
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
          expect(x.rawLen).toBeGreaterThan(0);
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
