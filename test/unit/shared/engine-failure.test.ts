// If the core traps anyway (a bug of the core), the engine hands on the messages the core had
// finished, says where it failed in words a user can act on, and refuses to go on.

import { expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import { createEngine } from '../../../node/wasm.ts';
import type { SipMessage } from '../../../shared/events.ts';

const msg = (n: number) =>
  cw.sipMessage(`OPTIONS sip:b@example.test SIP/2.0`, [
    ['Call-ID', `fail-${n}`],
    ['CSeq', `${n} OPTIONS`],
    ['From', '<sip:a@example.test>;tag=a'],
    ['To', '<sip:b@example.test>'],
  ]);

test('a trap after three frames: their messages delivered, then one clear failure', async () => {
  const engine = await createEngine();
  const messages: SipMessage[] = [];
  engine.onMessage = (m) => messages.push(m);
  // the core as the engine sees it, its run() made to trap once it has decoded the window
  const internal = engine as unknown as { core: Record<string, unknown> };
  const real = internal.core;
  internal.core = {
    ...real,
    run: () => {
      (real.run as () => number)();
      throw new WebAssembly.RuntimeError('unreachable');
    },
  };
  const file = cw.writePcap(
    [1, 2, 3].map((n) => ({ ts: 1_700_000_000 + n, data: cw.udpPacketV4('192.0.2.1', 5060, '192.0.2.2', 5060, msg(n)) })),
  );
  engine.beginFile(0);
  expect(() => engine.feed(file)).toThrow(/^the decoder failed at frame 3 \(unreachable\)/);
  expect(messages.map((m) => m.callId)).toEqual(['fail-1', 'fail-2', 'fail-3']);
  expect(engine.failure).toMatch(/Please report this with the capture/);
  // nothing more is decoded, and the end of the run asks nothing of the core
  expect(() => engine.feed(file)).toThrow(engine.failure!);
  expect(engine.endFile().error).toBe(0);
  expect(() => engine.finish()).not.toThrow();
  expect(messages).toHaveLength(3);
});
