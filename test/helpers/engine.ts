// Test access to the engine: every SIP message of a capture, decoded by the real WASM core.

import { createEngine } from '../../node/wasm.ts';
import { feedFile, type FileResult } from '../../node/input.ts';
import type { SipMessage } from '../../shared/events.ts';
import type { EngineStats } from '../../shared/engine.ts';

export interface Decoded {
  messages: SipMessage[];
  files: FileResult[];
  stats: EngineStats;
}

export async function decode(paths: string[]): Promise<Decoded> {
  const engine = await createEngine();
  const messages: SipMessage[] = [];
  engine.onMessage = (m) => messages.push(m);
  const files: FileResult[] = [];
  for (let i = 0; i < paths.length; i++) files.push(await feedFile(engine, paths[i], i));
  engine.finish();
  return { messages, files, stats: engine.stats() };
}

export async function messagesOf(paths: string[]): Promise<SipMessage[]> {
  return (await decode(paths)).messages;
}
