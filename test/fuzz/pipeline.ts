// One fuzz case through everything `sipscope read` runs: the WASM engine, the Analyzer (call
// tracker) and every record encoder (JSON Lines, CSV, dump lines, IPFIX and NetFlow v9 export
// files). A case fails when the core traps, when anything throws, or when an invariant breaks:
// counters that go backwards or are not whole numbers, frames counted twice, records that do not
// encode. The engine is reused from case to case (one capture file each, as `read a b c` does).

import { Analyzer } from '../../shared/analyzer.ts';
import type { Engine } from '../../shared/engine/engine.ts';
import { COUNTER_INFO, COUNTERS } from '../../shared/engine/core-abi.ts';
import { captureExportTime, ExportFileBuilder } from '../../shared/output/export-file.ts';
import { DEFAULT_TEMPLATE } from '../../shared/output/fields.ts';
import { csvLine, dumpLine, jsonLine } from '../../shared/output/format.ts';
import { FlowEncoder } from '../../shared/output/ipfix.ts';
import type { CallRecord } from '../../shared/record.ts';
import { createEngine } from '../../node/wasm.ts';

export type FailureKind = 'trap' | 'exception' | 'invariant';

export interface CaseResult {
  failure: { kind: FailureKind; message: string } | null;
  /** how much each core counter (COUNTER_INFO order) went up in this case */
  counters: number[];
  records: number;
}

/** How a case is fed and tracked (drawn from the case's random source). */
export interface CaseOptions {
  /** feed the file in pieces of this many bytes (0: whole) */
  chunk: number;
  allDialogs: boolean;
  keepMessages: boolean;
  /** small values make the tracker evict calls early */
  maxCalls: number;
}

export const PLAIN: CaseOptions = { chunk: 0, allDialogs: true, keepMessages: false, maxCalls: 1_000_000 };

const FRAMES = COUNTER_INFO.findIndex((c) => c[0] === 'frames');
const OUTCOMES = ['sipFrames', 'rtpFrames', 'otherFrames'].map((n) => COUNTER_INFO.findIndex((c) => c[0] === n));

export class Pipeline {
  private fileIndex = 0;
  private constructor(public engine: Engine) {}

  static async create(): Promise<Pipeline> {
    return new Pipeline(await createEngine());
  }

  private counters(): number[] {
    const c = this.engine.stats().counters;
    return COUNTER_INFO.map((i) => c[i[0]]);
  }

  run(bytes: Uint8Array, opts: CaseOptions): CaseResult {
    const engine = this.engine;
    const before = this.counters();
    const records: CallRecord[] = [];
    let failure: CaseResult['failure'] = null;
    try {
      const analyzer = new Analyzer(engine, opts, (r) => records.push(r));
      engine.beginFile(this.fileIndex++ & 0xffff);
      if (opts.chunk <= 0) engine.feed(bytes);
      else for (let o = 0; o < bytes.length; o += opts.chunk) engine.feed(bytes.subarray(o, o + opts.chunk));
      engine.endFile();
      analyzer.finish();
      const stats = analyzer.stats();
      for (const [k, v] of Object.entries(stats.tracker)) {
        if (typeof v === 'number' && !(Number.isInteger(v) && v >= 0)) throw invariant(`tracker statistic ${k} is ${v}`);
      }
      if (!Number.isFinite(stats.engine.bytes) || stats.engine.bytes < 0) throw invariant(`byte total is ${stats.engine.bytes}`);
      encode(records);
    } catch (e) {
      failure = classify(e, engine);
    }
    const after = this.counters();
    const counters = after.map((v, i) => v - before[i]);
    if (!failure) failure = checkCounters(counters);
    return { failure, counters, records: records.length };
  }
}

class Invariant extends Error {}
const invariant = (m: string) => new Invariant(m);

function classify(e: unknown, engine: Engine): { kind: FailureKind; message: string } {
  const err = e as Error;
  if (engine.failure !== null || err instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: engine.failure ?? err.message };
  if (err instanceof Invariant) return { kind: 'invariant', message: err.message };
  return { kind: 'exception', message: `${err?.name}: ${err?.message}\n${(err?.stack ?? '').split('\n').slice(1, 6).join('\n')}` };
}

/** Counters only go up, by whole numbers; a frame ends as SIP, media or other at most once. */
function checkCounters(d: number[]): { kind: FailureKind; message: string } | null {
  if (d.length !== COUNTERS) return { kind: 'invariant', message: `${d.length} counters, not ${COUNTERS}` };
  for (let i = 0; i < d.length; i++) {
    if (!Number.isInteger(d[i]) || d[i] < 0) return { kind: 'invariant', message: `counter ${COUNTER_INFO[i][0]} moved by ${d[i]}` };
  }
  const outcomes = OUTCOMES.reduce((s, i) => s + d[i], 0);
  if (outcomes > d[FRAMES]) return { kind: 'invariant', message: `${outcomes} frame outcomes for ${d[FRAMES]} frames` };
  return null;
}

let ipfix: FlowEncoder | null = null;
let v9: FlowEncoder | null = null;

/** Every record through every encoder `read` offers, each result checked. */
function encode(records: CallRecord[]): void {
  ipfix ??= new FlowEncoder({ format: 'ipfix', rtpFlows: true });
  v9 ??= new FlowEncoder({ format: 'v9', rtpFlows: true });
  const files = [new ExportFileBuilder(ipfix), new ExportFileBuilder(v9)];
  const messages: Uint8Array[] = [];
  let last = 0;
  for (const r of records) {
    const j = jsonLine(r);
    if (/[\r\n]/.test(j)) throw invariant('a JSON line holds a line end');
    JSON.parse(j);
    csvLine(r);
    const dump = dumpLine(r);
    if (/[\r\n]/.test(dump) || dump.split('|').length !== DEFAULT_TEMPLATE.length)
      throw invariant('a dump line does not have one field per column');
    last = captureExportTime(r);
    if (!Number.isFinite(last)) throw invariant(`export time ${last}`);
    for (const f of files) messages.push(...f.add(r, last));
  }
  for (const f of files) messages.push(...f.end(last));
  for (const m of messages) {
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const version = dv.getUint16(0);
    if (version === 10 && dv.getUint16(2) !== m.length) throw invariant(`IPFIX message of ${m.length} bytes says ${dv.getUint16(2)}`);
    if (version !== 10 && version !== 9) throw invariant(`export message version ${version}`);
  }
}
