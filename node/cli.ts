// `sipscope` command line (SPEC §7). Exit status: 0 done, 1 bad input, 2 bad usage.

import {
  CAPTURE_OPTIONS,
  EXTRACT_OPTIONS,
  LADDER_OPTIONS,
  LIVE_OPTIONS,
  READ_OPTIONS,
  UsageError,
  parseArgs,
  optionsHelp,
  type Parsed,
} from './args.ts';
import { extract } from './extract.ts';
import { ladder } from './ladder.ts';
import { createEngine } from './wasm.ts';
import { feedFile, fileProblem, type FileResult } from './input.ts';
import { boundOldGeneration } from './heap.ts';
import { feedMerged } from './merge.ts';

/** Files merged at once (each holds an open file and a share of the read-ahead). */
const MAX_MERGE = 256;
import type { RecordOutputs } from './record-outputs.ts';
import { checkCollectors, openOutputs, outputSettings, recordFilter, trackerOptions } from './setup.ts';
import { live } from './live.ts';
import { Progress } from './progress.ts';
import { statsReport } from './report.ts';
import { Analyzer } from '../shared/analyzer.ts';
import { KpiCollector, summaryText } from '../shared/output/summary.ts';

const VERSION = '0.1.0';

const USAGE = `sipscope ${VERSION} — SIP calls from packet captures, as nProbe SIP records

usage:
  sipscope read FILE... [options]     analyse capture files (pcap, pcapng, gzip; "-" = stdin)
  sipscope live -i IFACE [-f BPF] [options]
                                      probe: capture with tcpdump, export calls as they end
  sipscope live --hep udp://HOST:PORT [--hep-key KEY] [options]
                                      probe: receive HEP v3 from SIP servers and agents
  sipscope ladder FILE... [--filter EXPR] [options]
                                      the calls' ladders (sequence diagrams) as text
  sipscope extract FILE... [--filter EXPR] (-o OUT.pcapng | --pcap-dir DIR)
                                      the calls' frames (SIP, RTP, RTCP) as they were captured
  sipscope --version | --help

read options:
${optionsHelp(READ_OPTIONS)}

live options (and every output option of read):
${optionsHelp(CAPTURE_OPTIONS)}

ladder options:
${optionsHelp(LADDER_OPTIONS)}

extract options:
${optionsHelp(EXTRACT_OPTIONS)}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // a file's reading: a small heap. The probe keeps V8's own pace (its heap can be large and long-lived)
  if (command !== 'live') boundOldGeneration();
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`sipscope ${VERSION}\n`);
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!cmd)
    throw new UsageError(
      `unknown command "${command}" (try: sipscope read FILE, sipscope ladder FILE, sipscope extract FILE -o OUT.pcapng, sipscope live -i IFACE)`,
    );
  const parsed = parseArgs(rest, cmd.options);
  if (parsed.opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  return cmd.run(parsed);
}

/** The commands: their options, and what runs them. */
const COMMANDS: Record<string, { options: Parameters<typeof parseArgs>[1]; run(p: Parsed): Promise<number> }> = {
  read: {
    options: READ_OPTIONS,
    run: (p) => {
      if (p.positional.length === 0) throw new UsageError('read needs at least one capture file (or "-" for standard input)');
      return read(p);
    },
  },
  live: { options: LIVE_OPTIONS, run: live },
  ladder: { options: LADDER_OPTIONS, run: ladder },
  extract: { options: EXTRACT_OPTIONS, run: extract },
};

async function read({ positional: files, opts }: Parsed): Promise<number> {
  // the summary takes standard output: records go there only when asked for
  if (opts.summary !== undefined && opts.format === undefined && opts.out === undefined) opts.format = 'none';
  const kpis = opts.summary !== undefined ? new KpiCollector() : null;
  const settings = outputSettings(opts);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');
  if (opts.merge === true && files.includes('-')) throw new UsageError('--merge reads files, not standard input');
  if (opts.merge === true && files.length > MAX_MERGE) throw new UsageError(`--merge reads at most ${MAX_MERGE} files at once`);
  checkCollectors(settings);
  const filter = recordFilter(opts);

  const engine = await createEngine();
  let outputs: RecordOutputs;
  try {
    outputs = await openOutputs(opts, settings, engine, 'capture');
  } catch (e) {
    process.stderr.write(`sipscope: ${(e as Error).message}\n`);
    return 1;
  }
  let unselected = 0;
  const analyzer = new Analyzer(engine, trackerOptions(opts), (r) => {
    if (filter !== null && !filter(r)) {
      unselected++;
      return;
    }
    outputs.add(r);
    kpis?.add(r);
  });

  // SIGINT/SIGTERM: stop reading; what was read is still exported below
  let stopSignal: string | null = null;
  const onSignal = (sig: string) => {
    if (stopSignal) process.exit(130); // second signal: give up at once
    stopSignal = sig;
    // a quiet pipe would never deliver the next chunk that checks the flag: end the read now
    if (files.includes('-')) process.stdin.destroy();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const merge = opts.merge === true;
  const progress = new Progress(!merge && opts['no-progress'] !== true && process.stderr.isTTY === true, files);
  const results: FileResult[] = [];
  if (merge) {
    const { status, inputs } = await feedMerged(engine, files, {
      onChunk: () => outputs.drained(),
      stopped: () => stopSignal !== null || outputs.fatal !== null,
    });
    for (const input of inputs) {
      results.push({ ...status, error: 0, message: null, path: input.path, bytesRead: input.bytesRead, readError: input.problem });
      if (input.problem) process.stderr.write(`sipscope: ${input.path}: ${input.problem}\n`);
    }
    // the merged stream is written here: a problem in it would be ours, but say it all the same
    if (status.message) process.stderr.write(`sipscope: merged capture: ${status.message} (at byte ${status.offset})\n`);
    if (status.error !== 0) results.push({ ...status, path: 'merged capture', bytesRead: 0, readError: null });
  }
  for (let i = 0; i < files.length && !merge && !stopSignal && !outputs.fatal; i++) {
    const res = await feedFile(engine, files[i], i, {
      onChunk: (done, size) => {
        progress.update(i, done, size, outputs.count);
        return outputs.drained();
      },
      stopped: () => stopSignal !== null || outputs.fatal !== null,
    });
    results.push(res);
    const problem = stopSignal && res.readError ? null : fileProblem(res);
    if (problem) {
      progress.clear();
      process.stderr.write(`sipscope: ${files[i]}: ${problem}\n`);
    }
    if (res.warning) process.stderr.write(`sipscope: ${files[i]}: warning: ${res.warning}\n`);
  }
  analyzer.finish();
  progress.clear();
  const problems = await outputs.close();
  if (kpis) {
    const k = kpis.result();
    process.stdout.write(`${opts.summary === 'json' ? JSON.stringify(k) : summaryText(k)}\n`);
  }
  for (const p of problems) process.stderr.write(`sipscope: ${p}\n`);
  if (!opts.quiet) {
    const selected = filter === null ? [] : [`--filter selected ${outputs.count} of ${outputs.count + unselected} records`];
    process.stderr.write(
      [statsReport(analyzer.stats(), outputs.count, progress.elapsed()), ...selected, ...outputs.summary()].join('\n') + '\n',
    );
  }
  if (problems.length) return 1;
  if (stopSignal) {
    process.stderr.write(`sipscope: stopped by ${stopSignal}; open calls were exported\n`);
    return 130;
  }
  return results.some((r) => r.error !== 0 || r.readError) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is written and closed: leave now rather than tear the heaps down piece by piece.
    // stdout and stderr are synchronous for files and pipes on Linux; elsewhere, or while a
    // write is still queued, the process ends by itself.
    if (process.platform === 'linux' && process.stdout.writableLength + process.stderr.writableLength === 0) process.exit(code);
  },
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`sipscope: ${err.message}\n(see: sipscope --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`sipscope: ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = 1;
    }
  },
);
