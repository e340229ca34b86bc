// Test access to the engine: every SIP message of a capture, decoded by the real WASM core.

import { createEngine } from '../../node/wasm.ts';
import { feedFile, type FileResult } from '../../node/input.ts';
import type { SipMessage } from '../../shared/events.ts';
import type { EngineStats } from '../../shared/engine/engine.ts';
import { Analyzer, type RunStats } from '../../shared/analyzer.ts';
import type { CallRecord } from '../../shared/record.ts';
import type { TrackerOptions } from '../../shared/tracker/api.ts';

export interface Decoded {
  messages: SipMessage[];
  files: FileResult[];
  stats: EngineStats;
}

export async function decode(
  paths: string[],
  opts: { keepRaw?: boolean; textPerField?: boolean; hep?: { key: Uint8Array | null; agentTime: boolean } } = {},
): Promise<Decoded> {
  const engine = await createEngine();
  if (opts.hep) engine.setHep(opts.hep);
  if (opts.keepRaw !== undefined) engine.keepRaw = opts.keepRaw;
  if (opts.textPerField !== undefined) engine.textPerField = opts.textPerField;
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

/** Every call record of a capture run, through the same analyzer the CLI uses. */
export async function recordsOf(
  paths: string[],
  opts: Partial<TrackerOptions> = {},
): Promise<{ records: CallRecord[]; files: FileResult[]; stats: RunStats }> {
  const engine = await createEngine();
  const records: CallRecord[] = [];
  const analyzer = new Analyzer(engine, opts, (r) => records.push(r));
  const files: FileResult[] = [];
  for (let i = 0; i < paths.length; i++) files.push(await feedFile(engine, paths[i], i));
  analyzer.finish();
  return { records, files, stats: analyzer.stats() };
}
