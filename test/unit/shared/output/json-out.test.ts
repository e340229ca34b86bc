// JsonOut writes what JSON.stringify, String() and time.ts write, as UTF-8: escapes, non-ASCII,
// lone surrogates, every kind of number, times of every precision and the time between two. Compared with those
// functions on chosen values and on random strings.

import { describe, expect, it } from 'vitest';
import { JsonOut, utf8Bytes } from '../../../../shared/output/json-out.ts';
import { formatTimestamp, timestampDiffText, type Timestamp } from '../../../../shared/time.ts';

const utf8 = new TextDecoder();

function out(write: (o: JsonOut) => void): string {
  const o = new JsonOut();
  write(o);
  return utf8.decode(o.bytes());
}

const STRINGS = [
  '',
  'plain ASCII',
  'quote " and backslash \\',
  'controls \u0000\u0001\b\f\n\r\t\u001f',
  'DEL \u007f',
  'Zoë Ångström 日本',
  'emoji 😀',
  'lone \ud800 high, lone \udc00 low',
  '<sip:alice@example.com>;tag=abc',
  'x'.repeat(10_000),
];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  9,
  10,
  99,
  100,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  1.5,
  -2.25,
  0.1,
  1e21,
  1e-7,
  123456.789,
  Number.NaN,
  Infinity,
  -Infinity,
];

describe('JsonOut', () => {
  it('writes strings as JSON.stringify does', () => {
    for (const s of STRINGS) expect(out((o) => o.str(s))).toBe(JSON.stringify(s));
    expect(out((o) => o.strOrNull(null))).toBe('null');
  });

  it('writes random strings as JSON.stringify does', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) {
        const r = rand();
        // mostly ASCII, some controls, some BMP, some surrogates
        s += String.fromCharCode(
          r < 0.7
            ? 32 + Math.floor(rand() * 95)
            : r < 0.8
              ? Math.floor(rand() * 32)
              : r < 0.9
                ? 0x80 + Math.floor(rand() * 0x7000)
                : 0xd800 + Math.floor(rand() * 0x800),
        );
      }
      expect(out((o) => o.str(s))).toBe(JSON.stringify(s));
    }
  });

  it('writes numbers as String() does', () => {
    for (const v of NUMBERS) expect(out((o) => o.num(v))).toBe(String(v));
    expect(out((o) => o.num(null))).toBe('null');
  });

  it('writes times as formatTimestamp(t, 1) does', () => {
    const times: Timestamp[] = [];
    for (const digits of [-1, 0, 3, 6, 9, 12, 4.5])
      for (const nsec of [0, 1, 999, 123_456_789, 999_999_999, 5_000_000])
        for (const sec of [0, 1_700_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 40]) times.push({ sec, nsec, digits });
    times.push({ sec: 1_700_000_000, nsec: 1e9, digits: 9 }, { sec: 1_700_000_000, nsec: 1.5, digits: 9 }, { sec: -5, nsec: 0, digits: 6 });
    for (const t of times) expect(out((o) => o.time(t))).toBe(formatTimestamp(t, 1));
  });

  it('writes the time between two times as timestampDiffText does', () => {
    const times: Timestamp[] = [];
    for (const digits of [0, 3, 6, 9, 12])
      for (const nsec of [0, 1, 999_999_999, 500_000_000])
        for (const sec of [0, 1_700_000_000, 1_700_000_001, 2 ** 31 - 1, 2 ** 40]) times.push({ sec, nsec, digits });
    times.push({ sec: 1_700_000_000, nsec: Number.NaN, digits: 6 }, { sec: -3, nsec: 0, digits: 6 });
    for (const a of times) for (const b of times) expect(out((o) => o.timeDiff(a, b))).toBe(timestampDiffText(a, b));
  });

  it('writes bytes made once as they are', () => {
    expect(out((o) => o.bytes8(utf8Bytes(',"Zoë":')))).toBe(',"Zoë":');
  });

  it('writes text as it is, in UTF-8, and grows past its first buffer', () => {
    const long = 'é'.repeat(5000);
    expect(out((o) => o.raw(long))).toBe(long);
    expect(
      out((o) => {
        for (let i = 0; i < 3000; i++) o.raw('ab');
      }),
    ).toBe('ab'.repeat(3000));
  });
});
