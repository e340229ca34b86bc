// Engine.discardMessages (the core's own cost in bench/sip-path.ts): every SIP message counted
// and dropped undecoded, with the same counters as an engine whose messages are decoded and
// dropped — its SDP watches released the same way, so later RTP is treated alike.

import { expect, test } from 'vitest';
import { createEngine } from '../../../node/wasm.ts';
import { feedFile } from '../../../node/input.ts';
import { generateCapture } from '../../../bench/make-capture.ts';
import { SAMPLE } from '../../support/paths.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = tempDir('engine-discard');

test('discarded messages: as many as decoded, the same counters, no message handed on', async () => {
  const voip = tmp.file('voip.pcap');
  generateCapture({ kind: 'voip', seed: 5, concurrent: 10, targetBytes: 1 << 20, path: voip });
  for (const file of [SAMPLE, voip]) {
    const decoded = await createEngine();
    let n = 0;
    decoded.onMessage = () => n++;
    await feedFile(decoded, file, 0);
    decoded.finish();

    const dropped = await createEngine();
    dropped.discardMessages = true;
    dropped.onMessage = () => {
      throw new Error('a discarded message was handed on');
    };
    await feedFile(dropped, file, 0);
    dropped.finish();

    expect(n).toBeGreaterThan(5);
    expect(dropped.discarded).toBe(n);
    expect(dropped.stats()).toEqual(decoded.stats());
  }
});
