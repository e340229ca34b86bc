// The core finds the tag of a message's first From and To values (ASCII messages, values on one
// line) and the host takes it instead of searching the text again. That is right only when the
// core reads a value as the host's tagOf does: here every message's tags are compared with
// tagOf of its From and To text, for chosen forms and thousands of random ones (name-addr and
// addr-spec, tags inside the URI, other cases and spaces around the name, empty tags, several
// tags, controls, folded lines, non-ASCII display names), and most of them must come from the core.

import { describe, expect, test } from 'vitest';
import { A4, B4, eth, pcap, udp4 } from '../../support/core-fixtures.ts';
import { prng, sipMessage } from '../../support/capture-writer.ts';
import { createEngine } from '../../../node/wasm.ts';
import { tagOf } from '../../../shared/header-values.ts';

const CHOSEN = [
  '<sip:bob@example.com>',
  '<sip:bob@example.com>;tag=abc',
  '"Bob" <sip:bob@example.com>;tag=abc;x=1',
  '"A;tag=no" <sip:a@b;tag=uri>;tag=yes',
  '<sip:a@b;tag=uri>',
  '<sip:a@b;tag=uri>;x=1',
  'sip:a@b;tag=plain',
  'sip:a@b;TAG=upper',
  'sip:a@b; tag = spaced',
  'sip:a@b;tag=',
  'sip:a@b;tag=;tag=second',
  'sip:a@b;tag=;TAG=second',
  'sip:a@b;tag= spaced-value',
  'sip:a@b;tag=a,b',
  'sip:a@b;tag=\vv',
  'sip:a@b;tag=v\vw',
  'sip:a@b;Tag=\fv',
  'sip:a@b;TAG=v\vw',
  'sip:a@b;TAG=v\tw',
  'sip:a@b;tag=;TAG=x\fy',
  'sip:a@b;tagx=1;tag=2',
  'sip:a@b;xtag=1',
  'sip:a@b',
  '<sip:a@b',
  'sip:a@b>;tag=1',
  '<sip:a@b>;tag=1>',
  '<sip:a@b>',
  ';tag=only',
  ';',
  'x;',
  '<>;tag=z',
  '"<" sip:a@b;tag=q',
  '"Ali>ce" <sip:a@b>;tag=7',
  '<sip:a@b>;tag=1;tag=2',
  '<sip:a@b>;t ag=1',
  '<sip:a@b>;tag\t=\t9',
  '<sip:a@b>; TaG =x y',
];

/** Random From / To values from the pieces that matter to tagOf. */
function randomValues(n: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const token = () => pick(['a', 'x9', '1f2e', 'abc-DEF.1', "!%*_+`'~", '4711', '']);
  const space = () => pick(['', '', '', ' ', '  ', '\t', '\v', '\f']);
  const param = () =>
    pick([
      () => `;tag=${token()}`,
      () => `;${pick(['tag', 'TAG', 'Tag', 'tAg'])}${space()}=${space()}${token()}${space()}${token()}`,
      () => `;${space()}tag${space()}=${token()}`,
      () => `;x=${token()}`,
      () => `;tagx=${token()}`,
      () => `;lr`,
      () => `,${token()}`,
      () => `;tag=${token()}${pick([',', ' ', '\t', '\v', ';'])}${token()}`,
    ])();
  const params = () => Array.from({ length: Math.floor(rand() * 4) }, param).join('');
  const uri = () => `sip:${token()}@example.com${rand() < 0.3 ? params() : ''}`;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let v: string;
    const r = rand();
    if (r < 0.45) v = `${rand() < 0.5 ? `"${pick(['Bob', 'A;tag=q', 'x>y', '<', 'Ann B'])}" ` : ''}<${uri()}>${params()}`;
    else if (r < 0.8) v = `${uri()}${params()}`;
    else v = `${pick(['', '<', '>', '"', ';'])}${uri()}${pick(['', '>', '<', ';'])}${params()}`;
    out.push(v);
  }
  return out;
}

interface Tags {
  from: string;
  to: string;
  fromTag: string;
  toTag: string;
}

/** One INVITE per pair of values; each message's text and tags, and how many tags the core gave. */
async function tagsOf(pairs: readonly [string, string][], fold = false): Promise<{ rows: Tags[]; fromCore: number }> {
  const engine = await createEngine();
  const host = engine as unknown as { tagAt: (q: number) => string };
  const tagAt = host.tagAt.bind(engine);
  let fromCore = 0;
  host.tagAt = (q) => {
    fromCore++;
    return tagAt(q);
  };
  const rows: Tags[] = [];
  engine.onMessage = (m) => rows.push({ from: m.from, to: m.to, fromTag: m.fromTag, toTag: m.toTag });
  const frames = pairs.map(([from, to], i) => {
    const text = sipMessage(
      'INVITE sip:bob@example.com SIP/2.0',
      [
        ['Via', `SIP/2.0/UDP ${A4}:5060;branch=z9hG4bK-${i}`],
        ['From', fold ? from.replace(/;/, '\r\n ;') : from],
        ['To', to],
        ['Call-ID', `tags-${i}@sipscope.test`],
        ['CSeq', '1 INVITE'],
      ],
      '',
    );
    return eth(udp4(A4, 5060, B4, 5060, text));
  });
  engine.beginFile(0);
  engine.feed(pcap(frames));
  engine.endFile();
  engine.finish();
  return { rows, fromCore };
}

describe("the core's From and To tags", () => {
  test('chosen and random values: the tags are those tagOf reads in the same text', async () => {
    const values = [...CHOSEN, ...randomValues(4000, 7)];
    const pairs = values.map((v, i): [string, string] => [v, values[(i * 7 + 3) % values.length]]);
    const { rows, fromCore } = await tagsOf(pairs);
    // every message was read (the value's controls are no reason to drop it)
    expect(rows).toHaveLength(pairs.length);
    let withTag = 0;
    for (const r of rows) {
      expect({ from: r.from, tag: r.fromTag }).toEqual({ from: r.from, tag: tagOf(r.from) });
      expect({ to: r.to, tag: r.toTag }).toEqual({ to: r.to, tag: tagOf(r.to) });
      if (r.fromTag !== '') withTag++;
    }
    // both outcomes reached, every tag of these one-line ASCII values came from the core
    expect(withTag).toBeGreaterThan(rows.length / 4);
    expect(withTag).toBeLessThan(rows.length);
    expect(fromCore).toBe(2 * rows.length);
  });

  test('a folded From and a non-ASCII message: the host reads those tags itself, alike', async () => {
    const folded = await tagsOf(
      [
        ['<sip:a@b>;tag=f1', '<sip:c@d>;tag=t1'],
        ['sip:a@b;x=1;TAG=f2', 'sip:c@d'],
      ],
      true,
    );
    expect(folded.rows.map((r) => [r.fromTag, r.toTag])).toEqual([
      ['f1', 't1'],
      ['f2', ''],
    ]);
    expect(folded.fromCore).toBe(2); // the To tags only
    const utf8 = await tagsOf([['"Zoë" <sip:z@b>;tag=z1', '"Ånd" <sip:c@d>;tag=t2']]);
    expect(utf8.rows.map((r) => [r.fromTag, r.toTag])).toEqual([['z1', 't2']]);
    expect(utf8.fromCore).toBe(0);
  });
});
