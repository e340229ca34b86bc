// Where a message's bytes lie in its capture file (SipMessage.rawAt): the page leaves them there
// and reads them again when a ladder is shown, checked against the core's hash (rawHash), so the
// offset must be exact, and -1 whenever the bytes are not in the file as they are (a message
// reassembled from TCP segments or IP fragments, unmasked WebSocket data).

import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cw from '../../support/capture-writer.ts';
import { A4, B4, eth, pcap, req, richCapture, save, udp4, wsFrame } from '../../support/core-fixtures.ts';
import { decode } from '../../support/engine.ts';
import { CORPUS, SAMPLE, corpusCaptures } from '../../support/paths.ts';
import { hashBytes } from '../../../shared/bytes-hash.ts';
import type { SipMessage } from '../../../shared/events.ts';

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** Every message: the JS hash equals the core's; a located one has exactly its bytes at rawAt. */
function checkLocated(file: Uint8Array, messages: SipMessage[]): { located: number; elsewhere: number } {
  let located = 0;
  for (const m of messages) {
    expect(m.raw).not.toBeNull();
    const raw = m.raw!;
    expect(hashBytes(raw), `frame ${m.frame}: hash`).toBe(m.rawHash);
    if (m.rawAt < 0) continue;
    located++;
    expect(Buffer.from(file.subarray(m.rawAt, m.rawAt + m.rawLen)).equals(Buffer.from(raw)), `frame ${m.frame}: bytes at ${m.rawAt}`).toBe(
      true,
    );
  }
  return { located, elsewhere: messages.length - located };
}

describe('message bytes located in the capture file', () => {
  test('UDP messages of the sample lie in the file as they are', async () => {
    const { messages } = await decode([SAMPLE]);
    expect(messages.length).toBeGreaterThan(20);
    expect(checkLocated(readFileSync(SAMPLE), messages)).toEqual({ located: messages.length, elsewhere: 0 });
  });

  test('pcap and pcapng: reassembled messages are not located, the others are', async () => {
    for (const kind of ['pcap', 'pcapng'] as const) {
      const { bytes } = richCapture(kind);
      const { messages } = await decode([save(bytes, kind)]);
      checkLocated(bytes, messages);
      const at = (id: string) => messages.filter((m) => m.callId.startsWith(`${id}@`)).map((m) => m.rawAt >= 0);
      expect(at('rich-udp'), kind).toEqual([true, true]);
      // three segments reordered: reassembled
      expect(at('rich-tcp')[0], kind).toBe(false);
      // two responses in one segment: each at its place in it
      expect(at('rich-tcp').slice(1), kind).toEqual([true, true]);
      expect(at('rich-frag'), kind).toEqual([false]);
    }
  });

  test('WebSocket: unmasked frames are located, masked ones are not', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 50800 }, { ip: B4, port: 80 });
    const frames = [...flow.handshake()].map((s) => s.frame());
    const up = 'GET / HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
    const down = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
    frames.push(flow.send('c2s', up).frame(), flow.send('s2c', down).frame());
    frames.push(flow.send('c2s', wsFrame(req('OPTIONS', 'ws-masked'), [1, 2, 3, 4])).frame());
    frames.push(flow.send('s2c', wsFrame(req('OPTIONS', 'ws-plain'))).frame());
    const bytes = pcap(frames);
    const { messages } = await decode([save(bytes)]);
    checkLocated(bytes, messages);
    expect(messages.map((m) => [m.callId.split('@')[0], m.rawAt >= 0])).toEqual([
      ['ws-masked', false],
      ['ws-plain', true],
    ]);
  });

  test('a message after a chunk boundary of a long file keeps its offset', async () => {
    // ~3 MB of frames: the core's input window is refilled many times
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 6000; i++) frames.push(eth(udp4(A4, 5060, B4, 5060, req('OPTIONS', `long-${i}`))));
    const bytes = pcap(frames);
    const { messages } = await decode([save(bytes)]);
    expect(messages).toHaveLength(6000);
    expect(checkLocated(bytes, messages)).toEqual({ located: 6000, elsewhere: 0 });
  });

  test.each(corpusCaptures())('corpus: %s', async (name) => {
    const path = join(CORPUS, name);
    const file = readFileSync(path);
    const { messages } = await decode([path]);
    if (isGzip(file)) {
      // offsets are in the inflated stream: the page never reads them from a gzip file
      for (const m of messages) expect(hashBytes(m.raw!)).toBe(m.rawHash);
      return;
    }
    checkLocated(file, messages);
  });
});
