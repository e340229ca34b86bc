// The engine's two ways of making a message's text (Engine.textPerField: the whole message decoded
// once, or only the fields read) give the same messages: on every capture of the public corpus,
// the capture with a bit of everything, and messages with UTF-8, folded and long header values.

import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { A4, B4, eth, pcap, req, richCapture, save, udp4 } from '../../support/core-fixtures.ts';
import { decode } from '../../support/engine.ts';
import { CORPUS, corpusCaptures } from '../../support/paths.ts';

async function bothWays(path: string) {
  const whole = await decode([path], { textPerField: false });
  const fields = await decode([path], { textPerField: true });
  expect(fields.messages).toEqual(whole.messages);
  return whole.messages;
}

describe('text per field = text of the whole message', () => {
  test('UTF-8, folded and long values', async () => {
    const utf8 = req('INVITE', 'utf8').replace('"Alice"', '"Zoë Ångström 日本"');
    const folded = req('OPTIONS', 'folded').replace('\r\nCSeq:', '\r\nSubject: first\r\n  second\r\nCSeq:');
    const long = req('MESSAGE', 'long', { body: `${'é'.repeat(3000)}\r\n`, ctype: 'text/plain' }).replace(
      '\r\nCSeq:',
      `\r\nUser-Agent: ${'u'.repeat(6000)}\r\nCSeq:`,
    );
    const frames = [utf8, folded, long].map((m) => eth(udp4(A4, 5060, B4, 5060, m)));
    const messages = await bothWays(save(pcap(frames)));
    expect(messages).toHaveLength(3);
    expect(messages[0].from).toContain('Zoë Ångström 日本');
    expect(messages[2].userAgent).toHaveLength(6000);
  });

  test('a capture with a bit of everything (pcap and pcapng)', async () => {
    for (const kind of ['pcap', 'pcapng'] as const) await bothWays(save(richCapture(kind).bytes, kind));
  });

  test.each(corpusCaptures())('corpus: %s', async (name) => {
    await bothWays(join(CORPUS, name));
  });
});
