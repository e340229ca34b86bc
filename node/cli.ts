// `sipscope` command line (SPEC §7). Exit status: 0 done, 1 bad input, 2 bad usage.

import { READ_OPTIONS, UsageError, parseArgs, optionsHelp, type Parsed } from './args.ts';
import { createEngine } from './wasm.ts';
import { feedFile, type FileResult } from './input.ts';
import { LineWriter } from './output.ts';
import { RecordOutputs } from './outputs.ts';
import { DumpWriter } from './dump-writer.ts';
import { collectorExporter, fileExporter, parseCollector, type Exporter, type ExporterOptions } from './exporter.ts';
import { Progress } from './progress.ts';
import { statsReport } from './report.ts';
import { Analyzer } from '../shared/analyzer.ts';
import type { CallRecord, TrackerOptions } from '../shared/calls.ts';
import { jsonLine, csvHeader, csvLine, tableHeader, tableLine, dumpHeader, dumpLine } from '../shared/format.ts';
import { DEFAULT_TEMPLATE, parseTemplate, type FieldDef, type TimestampFormat } from '../shared/fields.ts';

const VERSION = '0.1.0';

const USAGE = `sipscope ${VERSION} — SIP calls from packet captures, as nProbe SIP records

usage:
  sipscope read FILE... [options]     analyse capture files (pcap, pcapng, gzip; "-" = stdin)
  sipscope --version | --help

read options:
${optionsHelp(READ_OPTIONS)}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`sipscope ${VERSION}\n`);
    return 0;
  }
  if (command !== 'read') throw new UsageError(`unknown command "${command}" (try: sipscope read FILE)`);
  const parsed = parseArgs(rest, READ_OPTIONS);
  if (parsed.opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (parsed.positional.length === 0) throw new UsageError('read needs at least one capture file (or "-" for standard input)');
  return read(parsed);
}

function trackerOptions(o: Parsed['opts']): Partial<TrackerOptions> {
  const t: Partial<TrackerOptions> = {};
  if (o['all-dialogs']) t.allDialogs = true;
  if (typeof o['idle-timeout'] === 'number') t.idleTimeout = o['idle-timeout'];
  if (typeof o['established-timeout'] === 'number') t.establishedTimeout = o['established-timeout'];
  if (typeof o['max-calls'] === 'number') t.maxCalls = o['max-calls'];
  return t;
}

async function read({ positional: files, opts }: Parsed): Promise<number> {
  const toTerminal = opts.out === undefined && process.stdout.isTTY === true;
  const format = (opts.format as string | undefined) ?? (toTerminal ? 'table' : 'jsonl');
  let template: FieldDef[] = [...DEFAULT_TEMPLATE];
  if (typeof opts.template === 'string') {
    try {
      template = parseTemplate(opts.template);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const tsFormat = (opts['timestamp-format'] ?? 1) as number;
  if (tsFormat > 2) throw new UsageError('--timestamp-format must be 0, 1 or 2');
  const sep = (opts['csv-separator'] as string | undefined) ?? ',';
  if (sep.length !== 1) throw new UsageError('--csv-separator must be one character');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');

  const collectors = (opts.collector as string[] | undefined) ?? [];
  for (const c of collectors) {
    try {
      parseCollector(c);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }

  const engine = await createEngine();
  let out: LineWriter | null = null;
  let dumpFile: LineWriter | null = null;
  let dump: DumpWriter | null = null;
  const exporters: Exporter[] = [];
  const exportOpts: ExporterOptions = {
    format: (opts['export-format'] as 'ipfix' | 'v9' | undefined) ?? 'ipfix',
    observationDomain: (opts['observation-domain'] as number | undefined) ?? 0,
    mtu: (opts.mtu as number | undefined) ?? 1400,
    templateRefresh: (opts['template-refresh'] as number | undefined) ?? 20,
    queueMax: (opts['export-queue'] as number | undefined) ?? 100_000,
    clock: 'capture',
    captureNow: () => engine.now(),
  };
  try {
    if (format !== 'none') out = typeof opts.out === 'string' ? await LineWriter.file(opts.out) : LineWriter.stdout();
    if (typeof opts['dump-file'] === 'string') dumpFile = await LineWriter.file(opts['dump-file']);
    if (typeof opts['dump-dir'] === 'string') {
      dump = await DumpWriter.open(opts['dump-dir'], {
        nested: opts['dont-nest-dump-dirs'] !== true,
        maxLines: opts['max-log-lines'] as number | undefined,
        template,
        timestampFormat: tsFormat as TimestampFormat,
        separator: (opts['csv-separator'] as string | undefined) ?? '|',
        execCmd: opts['sip-exec-cmd'] as string | undefined,
        clock: 'capture',
        onWarning: (m) => process.stderr.write(`sipscope: dump: ${m}\n`),
      });
    }
    if (typeof opts['ipfix-file'] === 'string') exporters.push(await fileExporter(opts['ipfix-file'], exportOpts));
  } catch (e) {
    process.stderr.write(`sipscope: ${(e as Error).message}\n`);
    return 1;
  }
  for (const c of collectors) {
    const x = collectorExporter(c, exportOpts);
    x.onWarning = (m) => process.stderr.write(`sipscope: ${m} (the run goes on)\n`);
    exporters.push(x);
  }
  const lineOpts = { timestampFormat: tsFormat as TimestampFormat, separator: sep };
  const line: (r: CallRecord) => string =
    format === 'jsonl' ? jsonLine : format === 'csv' ? (r) => csvLine(r, template, lineOpts) : tableLine;
  if (format === 'csv') out?.line(csvHeader(template, sep));
  if (format === 'table') out?.line(tableHeader());
  const dumpOpts = { timestampFormat: tsFormat as TimestampFormat, separator: (opts['csv-separator'] as string | undefined) ?? '|' };
  dumpFile?.line(dumpHeader(template, dumpOpts.separator));
  const lines = [
    ...(out ? [{ writer: out, lineOf: line }] : []),
    ...(dumpFile ? [{ writer: dumpFile, lineOf: (r: CallRecord) => dumpLine(r, template, dumpOpts) }] : []),
  ];
  const outputs = new RecordOutputs(lines, dump, exporters);
  const analyzer = new Analyzer(engine, trackerOptions(opts), (r) => outputs.add(r));

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

  const progress = new Progress(opts['no-progress'] !== true && process.stderr.isTTY === true, files);
  const results: FileResult[] = [];
  for (let i = 0; i < files.length && !stopSignal && !outputs.fatal; i++) {
    const res = await feedFile(engine, files[i], i, {
      onChunk: (done, size) => {
        progress.update(i, done, size, outputs.count);
        return outputs.drained();
      },
      stopped: () => stopSignal !== null || outputs.fatal !== null,
    });
    results.push(res);
    const problem = stopSignal && res.readError ? null : (res.readError ?? res.message);
    if (problem) {
      progress.clear();
      const where = res.readError ? '' : ` (at byte ${res.offset})`;
      process.stderr.write(`sipscope: ${files[i]}: ${problem}${where}\n`);
    }
    if (res.warning) process.stderr.write(`sipscope: ${files[i]}: warning: ${res.warning}\n`);
  }
  analyzer.finish();
  progress.clear();
  const problems = await outputs.close();
  for (const p of problems) process.stderr.write(`sipscope: ${p}\n`);
  if (!opts.quiet) process.stderr.write([statsReport(analyzer.stats(), outputs.count, progress.elapsed()), ...outputs.summary()].join('\n') + '\n');
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
