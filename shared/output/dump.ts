// Dump files (SPEC §5.2): file names, which file each record goes to, and a file's text.
// Pure rules shared by the Node writer (node/export/dump-dir.ts) and the browser's download, so both
// split records the same way and produce the same bytes. Paths come from the time only, never
// from SIP data. No Node imports: this runs in browsers too.

import type { CallRecord } from '../record.ts';
import { DEFAULT_TEMPLATE, type FieldDef } from './fields.ts';
import { isoTimestamp, type TimestampFormat } from '../time.ts';
import { dumpHeader, dumpLine, type LineOptions } from './format.ts';

/** `--max-log-lines` default: record lines per file (the header line is not counted). */
export const DEFAULT_MAX_LINES = 10000;

/** Suffix of a file being written; it is renamed to its final name once complete. */
export const TEMP_SUFFIX = '.temp';

export interface DumpFormatOptions {
  /** columns (default: SPEC §5.2's default template) */
  template?: readonly FieldDef[];
  /** 0 epoch seconds, 1 epoch with fraction (default), 2 ISO 8601 UTC */
  timestampFormat?: TimestampFormat;
  /** column separator, default `|` */
  separator?: string;
}

export interface DumpLayoutOptions extends DumpFormatOptions {
  /** `DIR/YYYY/MM/DD/HH/MM.sip` (true, default) or `DIR/YYYYMMDDHHMM.sip` (false, --dont-nest-dump-dirs) */
  nested?: boolean;
  /** record lines per file before the next rotation (`MM-1.sip`, …); default 10000 */
  maxLines?: number;
}

function checkSec(epochSec: number): void {
  if (!Number.isFinite(epochSec) || epochSec < 0) throw new RangeError(`dump time out of range: ${epochSec}`);
}

/** Start of the UTC minute holding this time, in epoch seconds (fractions allowed in the input). */
export function minuteOf(epochSec: number): number {
  checkSec(epochSec);
  return Math.floor(epochSec / 60) * 60;
}

/** [YYYY, MM, DD, HH, MM] of the UTC minute holding this time. */
function minuteParts(epochSec: number): [string, string, string, string, string] {
  // `…YYYY-MM-DDTHH:MM:SSZ`, read from the end so a year past 9999 still works
  const iso = isoTimestamp({ sec: minuteOf(epochSec), nsec: 0, digits: 0 });
  return [iso.slice(0, -16), iso.slice(-15, -13), iso.slice(-12, -10), iso.slice(-9, -7), iso.slice(-6, -4)];
}

/**
 * Directory of a time's dump files, relative to the dump dir, `/`-separated: `YYYY/MM/DD/HH`
 * when nested, `''` (the dump dir itself) when not.
 */
export function dumpRelDir(epochSec: number, nested: boolean): string {
  if (!nested) {
    checkSec(epochSec);
    return '';
  }
  const [y, mo, d, h] = minuteParts(epochSec);
  return `${y}/${mo}/${d}/${h}`;
}

/**
 * File of a time's minute, relative to the dump dir, `/`-separated: `YYYY/MM/DD/HH/MM.sip`
 * (nested) or `YYYYMMDDHHMM.sip`; rotation n > 0 adds `-n` before `.sip`.
 */
export function dumpRelPath(epochSec: number, nested: boolean, rotation = 0): string {
  if (!Number.isInteger(rotation) || rotation < 0) throw new RangeError(`bad dump file rotation: ${rotation}`);
  const [y, mo, d, h, mi] = minuteParts(epochSec);
  const base = nested ? `${y}/${mo}/${d}/${h}/${mi}` : `${y}${mo}${d}${h}${mi}`;
  return rotation > 0 ? `${base}-${rotation}.sip` : `${base}.sip`;
}

function lineOptions(o: DumpFormatOptions): LineOptions {
  const separator = o.separator ?? '|';
  if (separator === '' || /[\r\n]/.test(separator)) throw new RangeError('bad dump separator');
  return { timestampFormat: o.timestampFormat ?? 1, separator };
}

/**
 * Whole text of one dump file (for a single download in the browser): the header line, then one
 * line per record, each ended by `\n`. The Node writer writes exactly these bytes (UTF-8) for
 * the records that land in one file.
 */
export function dumpFileText(records: Iterable<CallRecord>, opts: DumpFormatOptions = {}): string {
  const lo = lineOptions(opts);
  const template = opts.template ?? DEFAULT_TEMPLATE;
  const parts = [dumpHeader(template, lo.separator)];
  for (const r of records) parts.push(dumpLine(r, template, lo));
  return parts.join('\n') + '\n';
}

// ---------------------------------------------------------------- which record goes where

/** One dump file, as the router opens it. */
export interface DumpFile {
  /** start of its minute, epoch seconds */
  readonly minute: number;
  /** 0 for `MM.sip`, n for `MM-n.sip` */
  readonly rotation: number;
  /** path relative to the dump dir, `/`-separated */
  readonly relPath: string;
  /** its directory relative to the dump dir (`''` when not nested) */
  readonly relDir: string;
  /** record lines written so far (header not counted) */
  lines: number;
}

/** What the router asks of its output, always in this order per file: open, line…, finish. */
export interface DumpSink {
  /** a new file starts; `header` is its first line (without line end) */
  open(file: DumpFile, header: string): void;
  /** one record line (without line end) for the open file */
  line(file: DumpFile, line: string): void;
  /** the file is complete: no more lines will come for it */
  finish(file: DumpFile): void;
  /** every file of this directory is finished; none will be opened in it again */
  dirDone(relDir: string): void;
}

/**
 * Splits records into dump files (SPEC §5.2). The writer keeps a current minute: the latest
 * minute of any record (or `tick`). A record of a later minute finishes the open file and starts
 * that minute's file; a record whose minute is EARLIER than the current one (capture times are
 * not strictly ordered: a call exported late, another input file) goes into the current minute's
 * file, so files and directories, once finished, never get more lines. A file is also finished
 * as soon as it holds `maxLines` record lines; the next record of that minute opens `MM-1.sip`,
 * then `MM-2.sip`… Each file starts with the header line.
 */
export class DumpRouter {
  private readonly nested: boolean;
  private readonly maxLines: number;
  private readonly template: readonly FieldDef[];
  private readonly lo: LineOptions;
  private readonly header: string;
  /** current minute (epoch seconds), -1 before the first record or tick */
  private minute = -1;
  private nextRotation = 0;
  private file: DumpFile | null = null;
  /** directory of the last opened file, until its completion is reported */
  private openDir: string | null = null;
  private ended = false;

  constructor(
    private readonly sink: DumpSink,
    opts: DumpLayoutOptions = {},
  ) {
    const maxLines = opts.maxLines ?? DEFAULT_MAX_LINES;
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`max lines must be a whole number >= 1: ${maxLines}`);
    this.nested = opts.nested ?? true;
    this.maxLines = maxLines;
    this.template = opts.template ?? DEFAULT_TEMPLATE;
    this.lo = lineOptions(opts);
    this.header = dumpHeader(this.template, this.lo.separator);
  }

  /** Current minute (epoch seconds), or -1 before anything was placed. */
  get currentMinute(): number {
    return this.minute;
  }

  /** Place one record exported at `sec` (default: its capture export time). Returns its file. */
  add(r: CallRecord, sec: number = r.exportedAt): DumpFile {
    if (this.ended) throw new Error('dump router already ended');
    const m = minuteOf(sec);
    if (m > this.minute) this.moveTo(m);
    let f = this.file;
    if (f === null) {
      f = {
        minute: this.minute,
        rotation: this.nextRotation,
        relPath: dumpRelPath(this.minute, this.nested, this.nextRotation),
        relDir: dumpRelDir(this.minute, this.nested),
        lines: 0,
      };
      this.nextRotation++;
      this.file = f;
      this.openDir = f.relDir;
      this.sink.open(f, this.header);
    }
    this.sink.line(f, dumpLine(r, this.template, this.lo));
    if (++f.lines >= this.maxLines) {
      this.file = null;
      this.sink.finish(f);
    }
    return f;
  }

  /** Time has reached `sec` (no record needed): finishes the open file when its minute is over. */
  tick(sec: number): void {
    if (this.ended) return;
    const m = minuteOf(sec);
    if (m > this.minute) this.moveTo(m);
  }

  /** No more records: finish the open file and report its directory complete. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.finishOpen();
    if (this.openDir !== null) {
      const d = this.openDir;
      this.openDir = null;
      this.sink.dirDone(d);
    }
  }

  private finishOpen(): void {
    const f = this.file;
    if (f !== null) {
      this.file = null;
      this.sink.finish(f);
    }
  }

  private moveTo(m: number): void {
    this.finishOpen();
    this.minute = m;
    this.nextRotation = 0;
    if (this.openDir !== null && this.nested && this.openDir !== dumpRelDir(m, true)) {
      const d = this.openDir;
      this.openDir = null;
      this.sink.dirDone(d);
    }
  }
}

/** One file of a plan: where it goes and its whole text. */
export interface PlannedDumpFile {
  relPath: string;
  text: string;
  /** record lines */
  lines: number;
}

/**
 * The dump files a run would write for these records (in capture-time mode), in order, with their
 * texts — e.g. for a browser download of several files. The Node writer produces the same names
 * (in an empty dump dir) and the same bytes.
 */
export function planDumpFiles(records: Iterable<CallRecord>, opts: DumpLayoutOptions = {}): PlannedDumpFile[] {
  const out: PlannedDumpFile[] = [];
  let parts: string[] = [];
  const router = new DumpRouter(
    {
      open: (_f, header) => {
        parts = [header];
      },
      line: (_f, line) => {
        parts.push(line);
      },
      finish: (f) => {
        out.push({ relPath: f.relPath, text: parts.join('\n') + '\n', lines: f.lines });
        parts = [];
      },
      dirDone: () => {},
    },
    opts,
  );
  for (const r of records) router.add(r);
  router.end();
  return out;
}
