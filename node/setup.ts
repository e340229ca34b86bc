// What `read` and `live` share: the tracker options, checking the output options, and opening
// every output a record goes to (printed lines, --dump-file, --dump-dir, .ipfix file, collectors).
// Only the clock differs: file mode stamps exports with capture time, live mode with the wall clock.

import { UsageError, type Parsed } from './args.ts';
import { LineWriter } from './line-writer.ts';
import { RecordOutputs } from './record-outputs.ts';
import { parseCollector } from './export/ipfix-transports.ts';
import { FlowEncoder, type ExportFormat } from '../shared/output/ipfix.ts';
import { ExportHost } from './export/host.ts';
import type { ExportConfig } from './export/protocol.ts';
import type { Engine } from '../shared/engine/engine.ts';
import type { CallRecord } from '../shared/record.ts';
import type { TrackerOptions } from '../shared/tracker/api.ts';
import { CSV_EOL, jsonLineBytes, csvHeader, csvLine, tableHeader, tableLine, dumpHeader, dumpLine } from '../shared/output/format.ts';
import { DEFAULT_TEMPLATE, parseTemplate, type FieldDef } from '../shared/output/fields.ts';
import type { TimestampFormat } from '../shared/time.ts';
import { FilterError, filterErrorText, parseFilter, type Filter } from '../shared/filter.ts';

type Opts = Parsed['opts'];

/** --filter compiled (every record when absent); a bad expression is a usage error that shows where. */
export function recordFilter(o: Opts): Filter | null {
  if (typeof o.filter !== 'string') return null;
  try {
    return parseFilter(o.filter);
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(`bad --filter: ${filterErrorText(o.filter, e)}`);
    throw e;
  }
}

export function trackerOptions(o: Opts): Partial<TrackerOptions> {
  const t: Partial<TrackerOptions> = {};
  if (o['all-dialogs']) t.allDialogs = true;
  if (typeof o['idle-timeout'] === 'number') t.idleTimeout = o['idle-timeout'];
  if (typeof o['established-timeout'] === 'number') t.establishedTimeout = o['established-timeout'];
  if (typeof o['max-calls'] === 'number') t.maxCalls = o['max-calls'];
  return t;
}

/** The output options, checked (throws UsageError). */
export interface OutputSettings {
  format: string;
  template: FieldDef[];
  tsFormat: TimestampFormat;
  /** CSV separator */
  sep: string;
  collectors: string[];
}

export function outputSettings(opts: Opts): OutputSettings {
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
  // a quote or a line end as separator would make lines that cannot be split again
  if (sep === '"' || sep === '\r' || sep === '\n') throw new UsageError('--csv-separator cannot be a double quote or a line end');
  checkMtu(opts);
  return { format, template, tsFormat: tsFormat as TimestampFormat, sep, collectors: (opts.collector as string[] | undefined) ?? [] };
}

/** --mtu must hold the largest record of the chosen format alone (SPEC §5.1: never longer). */
function checkMtu(opts: Opts): void {
  if (typeof opts.mtu !== 'number') return;
  const format = (opts['export-format'] as ExportFormat | undefined) ?? 'ipfix';
  const min = new FlowEncoder({ format, rtpFlows: opts['export-rtp-flows'] === true }).minMtu;
  if (opts.mtu < min)
    throw new UsageError(
      `--mtu ${opts.mtu} is too small: one ${format === 'v9' ? 'NetFlow v9' : 'IPFIX'} record takes up to ${min} bytes with its headers`,
    );
}

export function checkCollectors(s: OutputSettings): void {
  for (const c of s.collectors) {
    try {
      parseCollector(c);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
}

/** Column separator of dump files (--dump-dir and --dump-file): `|` unless --csv-separator says otherwise. */
function dumpSeparator(opts: Opts): string {
  return (opts['csv-separator'] as string | undefined) ?? '|';
}

/** The dump directory, .ipfix file and collectors asked for, or null when none is. */
export function exportConfig(opts: Opts, s: OutputSettings, clock: 'capture' | 'wall'): ExportConfig | null {
  const dumpDir = opts['dump-dir'];
  const ipfixFile = opts['ipfix-file'];
  if (typeof dumpDir !== 'string' && typeof ipfixFile !== 'string' && s.collectors.length === 0) return null;
  return {
    dump:
      typeof dumpDir === 'string'
        ? {
            dir: dumpDir,
            nested: opts['dont-nest-dump-dirs'] !== true,
            maxLines: opts['max-log-lines'] as number | undefined,
            template: typeof opts.template === 'string' ? opts.template : null,
            timestampFormat: s.tsFormat,
            separator: dumpSeparator(opts),
            execCmd: opts['sip-exec-cmd'] as string | undefined,
          }
        : null,
    ipfixFile: typeof ipfixFile === 'string' ? ipfixFile : null,
    collectors: s.collectors,
    exporter: {
      format: (opts['export-format'] as 'ipfix' | 'v9' | undefined) ?? 'ipfix',
      observationDomain: (opts['observation-domain'] as number | undefined) ?? 0,
      mtu: (opts.mtu as number | undefined) ?? 1400,
      rtpFlows: opts['export-rtp-flows'] === true,
      templateRefresh: (opts['template-refresh'] as number | undefined) ?? 20,
      queueMax: (opts['export-queue'] as number | undefined) ?? 100_000,
      clock,
    },
  };
}

/**
 * Open every output. Throws (with a message for the user) when a file or the dump directory
 * cannot be opened; collectors never fail here.
 */
export async function openOutputs(opts: Opts, s: OutputSettings, engine: Engine, clock: 'capture' | 'wall'): Promise<RecordOutputs> {
  let out: LineWriter | null = null;
  let dumpFile: LineWriter | null = null;
  const eol = s.format === 'csv' ? CSV_EOL : '\n';
  if (s.format !== 'none') out = typeof opts.out === 'string' ? await LineWriter.file(opts.out, eol) : LineWriter.stdout(eol);
  if (typeof opts['dump-file'] === 'string') dumpFile = await LineWriter.file(opts['dump-file']);
  const config = exportConfig(opts, s, clock);
  const exports =
    config &&
    (await ExportHost.start(
      config,
      () => engine.now(),
      (line) => process.stderr.write(`sipscope: ${line}\n`),
    ));
  const lineOpts = { timestampFormat: s.tsFormat, separator: s.sep };
  const line: (r: CallRecord) => string | Uint8Array =
    s.format === 'jsonl' ? jsonLineBytes : s.format === 'csv' ? (r) => csvLine(r, s.template, lineOpts) : tableLine;
  if (s.format === 'csv') out?.line(csvHeader(s.template, s.sep));
  if (s.format === 'table') out?.line(tableHeader());
  const dumpOpts = { timestampFormat: s.tsFormat, separator: dumpSeparator(opts) };
  dumpFile?.line(dumpHeader(s.template, dumpOpts.separator));
  const lines = [
    ...(out ? [{ writer: out, lineOf: line }] : []),
    ...(dumpFile ? [{ writer: dumpFile, lineOf: (r: CallRecord) => dumpLine(r, s.template, dumpOpts) }] : []),
  ];
  return new RecordOutputs(lines, exports);
}
