// `sipscope ladder FILE... [--filter EXPR]`: the selected calls' ladders as text, sngrep style,
// fitted to the terminal's width. Each call is printed when it ends (capture time) and then
// dropped, so memory does not grow with the capture.

import { UsageError, type Parsed } from './args.ts';
import { createEngine } from './wasm.ts';
import { feedFile, fileProblem } from './input.ts';
import { recordFilter, trackerOptions } from './setup.ts';
import { Analyzer } from '../shared/analyzer.ts';
import { ladderModel, ladderText, printable, type TimeMode } from '../shared/output/ladder.ts';
import type { CallRecord } from '../shared/record.ts';

/** One call's ladder with a header that names it. */
export function callLadder(r: CallRecord, opts: { time: TimeMode; mergeByIp: boolean; maxWidth?: number }): string {
  const code = r.SIP_RESPONSE_CODE ? ` ${r.SIP_RESPONSE_CODE}` : '';
  const header = [
    `Call-ID: ${r.SIP_CALL_ID}${r.leg > 1 ? ` (leg ${r.leg})` : ''}`,
    `${r.SIP_CALLING_PARTY}  →  ${r.SIP_CALLED_PARTY}  ·  ${r.SIP_CALL_STATE}${code}`,
  ].map((l) => (opts.maxWidth !== undefined ? printable(l, opts.maxWidth) : l));
  const model = ladderModel(r.ladder ?? [], { mergeByIp: opts.mergeByIp });
  return ladderText(model, { time: opts.time, header, maxWidth: opts.maxWidth });
}

export async function ladder({ positional: files, opts }: Parsed): Promise<number> {
  if (files.length === 0) throw new UsageError('ladder needs at least one capture file (or "-" for standard input)');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');
  const filter = recordFilter(opts);
  const width = typeof opts.width === 'number' ? opts.width : process.stdout.isTTY ? process.stdout.columns : undefined;
  const shape = {
    time: ((opts.time as string | undefined) ?? 'absolute') as TimeMode,
    mergeByIp: opts['merge-ip'] === true,
    maxWidth: width,
  };
  const engine = await createEngine();
  let shown = 0;
  let out = '';
  const analyzer = new Analyzer(engine, { ...trackerOptions(opts), keepMessages: true }, (r) => {
    if (filter !== null && !filter(r)) return;
    out += `${shown++ > 0 ? '\n' : ''}${callLadder(r, shape)}`;
  });
  let failed = false;
  for (let i = 0; i < files.length; i++) {
    const res = await feedFile(engine, files[i], i, {
      onChunk: () => {
        // print what ended in this chunk: the capture is not held
        if (out) process.stdout.write(out);
        out = '';
      },
    });
    const problem = fileProblem(res);
    if (problem) {
      failed = true;
      process.stderr.write(`sipscope: ${files[i]}: ${problem}\n`);
    }
  }
  analyzer.finish();
  if (out) process.stdout.write(out);
  if (shown === 0) process.stderr.write(`sipscope: no call${filter ? ' matches the filter' : ' in the capture'}\n`);
  return failed ? 1 : 0;
}
