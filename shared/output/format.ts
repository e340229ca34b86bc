// Record → text lines: JSON Lines, CSV, dump (SPEC §5.2/§5.3) and the terminal table.
// Every value's text comes from the field table; this file only joins, escapes and quotes.
// Lines are returned without a line terminator.

import type { Timestamp } from '../time.ts';
import { worstMos, type CallRecord, type MediaStream, type RtcpFigures } from '../record.ts';
import { DEFAULT_TEMPLATE, SIP_FIELDS, flowJson, type FieldDef } from './fields.ts';
import { JsonOut, utf8Bytes } from './json-out.ts';
import { compareTimestamps, isoTimestamp, type TimestampFormat } from '../time.ts';

export interface LineOptions {
  /** 0 epoch seconds, 1 epoch with fraction (default), 2 ISO 8601 UTC */
  timestampFormat?: TimestampFormat;
  /** column separator: `|` for dumps, `,` for CSV by default */
  separator?: string;
}

// ---------------------------------------------------------------- JSON Lines

function earliest(a: Timestamp | null, b: Timestamp | null): Timestamp | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareTimestamps(a, b) <= 0 ? a : b;
}

/** Exact seconds between two record times when both exist, else the record's number (or null). */
function seconds(o: JsonOut, n: number | null, from: Timestamp | null, to: Timestamp | null): void {
  if (n === null) o.null();
  else if (from !== null && to !== null) o.timeDiff(from, to);
  else o.num(n);
}

/** A JSON array of names written as they are (verdicts, correlation headers: fixed words). */
function names(o: JsonOut, list: readonly string[]): void {
  o.raw('[');
  for (let i = 0; i < list.length; i++) {
    o.raw(i > 0 ? ',"' : '"');
    o.raw(list[i]);
    o.raw('"');
  }
  o.raw(']');
}

/** `{"SIP_CALL_ID":`, `,"SIP_CALLING_PARTY":` …: each field's key as bytes, made once */
const SIP_KEYS = SIP_FIELDS.map((f, i) => utf8Bytes(`${i === 0 ? '{' : ','}"${f.name}":`));

/** One JSON object (SPEC §5.3): the 23 fields in table order, then flow and the extra keys,
 *  written to o as UTF-8. */
export function writeJsonRecord(o: JsonOut, r: CallRecord): void {
  for (let i = 0; i < SIP_FIELDS.length; i++) {
    o.bytes8(SIP_KEYS[i]);
    SIP_FIELDS[i].json(o, r);
  }
  o.raw(',"flow":');
  flowJson(o, r.flow);
  o.raw(',"rtpSrc":');
  o.strOrNull(r.rtpSrc);
  o.raw(',"rtpDst":');
  o.strOrNull(r.rtpDst);
  o.raw(',"reason":');
  o.strOrNull(r.reason);
  o.raw(',"messages":');
  o.num(r.messages);
  o.raw(',"retransmissions":');
  o.num(r.retransmissions);
  o.raw(',"durationSec":');
  seconds(o, r.durationSec, r.SIP_INVITE_OK_TIME, r.SIP_BYE_TIME);
  o.raw(',"setupSec":');
  seconds(o, r.setupSec, r.SIP_INVITE_TIME, earliest(r.SIP_RINGING_TIME, r.SIP_INVITE_OK_TIME));
  o.raw(',"leg":');
  o.num(r.leg);
  o.raw(',"fromTag":');
  o.str(r.fromTag);
  o.raw(',"callGroup":');
  o.str(r.callGroup);
  o.raw(',"correlatedBy":');
  names(o, r.correlatedBy);
  o.raw(',"media":[');
  for (let i = 0; i < r.media.length; i++) {
    if (i > 0) o.raw(',');
    mediaJson(o, r.media[i]);
  }
  o.raw('],"verdicts":');
  names(o, r.verdicts);
  o.raw('}');
}

const line = new JsonOut();

/** One record's JSON line as UTF-8, without a line end; valid until the next call. */
export function jsonLineBytes(r: CallRecord): Uint8Array {
  line.reset();
  writeJsonRecord(line, r);
  return line.bytes();
}

/** One record's JSON line, without a line end. */
export function jsonLine(r: CallRecord): string {
  line.reset();
  writeJsonRecord(line, r);
  return line.text();
}

/** A field's JSON text (FieldDef.json). */
export function fieldJson(f: FieldDef, r: CallRecord): string {
  const o = new JsonOut();
  f.json(o, r);
  return o.text();
}

/** One stream of `media[]` (SPEC §8), keys in the SPEC's order. */
function mediaJson(o: JsonOut, m: MediaStream): void {
  o.raw('{"src":');
  o.str(m.src);
  o.raw(',"dst":');
  o.str(m.dst);
  o.raw(',"ssrc":"0x');
  o.raw(m.ssrc.toString(16).padStart(8, '0'));
  o.raw('","direction":"');
  o.raw(m.direction);
  o.raw('","payloadType":');
  o.num(m.payloadType);
  o.raw(',"codec":');
  o.strOrNull(m.codec);
  o.raw(',"clockRate":');
  o.num(m.clockRate);
  o.raw(',"start":');
  o.time(m.start);
  o.raw(',"end":');
  o.time(m.end);
  o.raw(',"packets":');
  o.num(m.packets);
  o.raw(',"bytes":');
  o.num(m.bytes);
  o.raw(',"expected":');
  o.num(m.expected);
  o.raw(',"lost":');
  o.num(m.lost);
  o.raw(',"lostPct":');
  o.num(m.lostPct);
  o.raw(',"duplicates":');
  o.num(m.duplicates);
  o.raw(',"outOfOrder":');
  o.num(m.outOfOrder);
  o.raw(',"maxDeltaMs":');
  o.num(m.maxDeltaMs);
  o.raw(',"jitterMs":');
  o.num(m.jitterMs);
  o.raw(',"meanJitterMs":');
  o.num(m.meanJitterMs);
  o.raw(',"maxJitterMs":');
  o.num(m.maxJitterMs);
  o.raw(',"rFactor":');
  o.num(m.rFactor);
  o.raw(',"mos":');
  o.num(m.mos);
  o.raw(',"dtmf":');
  o.str(m.dtmf);
  o.raw(',"rtcp":');
  rtcpJson(o, m.rtcp);
  o.raw('}');
}

function rtcpJson(o: JsonOut, c: RtcpFigures | null): void {
  if (c === null) {
    o.null();
    return;
  }
  o.raw('{"reports":');
  o.num(c.reports);
  o.raw(',"fractionLost":');
  o.num(c.fractionLost);
  o.raw(',"cumulativeLost":');
  o.num(c.cumulativeLost);
  o.raw(',"jitterMs":');
  o.num(c.jitterMs);
  o.raw(',"rttMs":');
  o.num(c.rttMs);
  o.raw('}');
}

// ---------------------------------------------------------------- CSV (RFC 4180)

function csvQuote(v: string, sep: string): string {
  if (v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0 && v.indexOf(sep) < 0) return v;
  return '"' + v.replace(/"/g, '""') + '"';
}

/** CSV lines end with CRLF (RFC 4180 §2); every other text output with LF. */
export const CSV_EOL = '\r\n';

export function csvHeader(template: readonly FieldDef[] = DEFAULT_TEMPLATE, separator = ','): string {
  return template.map((f) => csvQuote(f.name, separator)).join(separator);
}

export function csvLine(r: CallRecord, template: readonly FieldDef[] = DEFAULT_TEMPLATE, opts: LineOptions = {}): string {
  const sep = opts.separator ?? ',';
  const tf = opts.timestampFormat ?? 1;
  let s = '';
  for (let i = 0; i < template.length; i++) {
    if (i > 0) s += sep;
    s += csvQuote(template[i].text(r, tf), sep);
  }
  return s;
}

// ---------------------------------------------------------------- dump (SPEC §5.2)

const HEX = '0123456789ABCDEF';
const hexByte = (b: number): string => '\\x' + HEX[b >> 4] + HEX[b & 15];

/** C0 controls, DEL, C1 controls (these written as their UTF-8 bytes). */
function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

function escapeControl(c: number): string {
  return c < 0x80 ? hexByte(c) : hexByte(0xc2) + hexByte(c);
}

const DUMP_SPECIAL_BAR = /[\x00-\x1f\x7f-\x9f|\\]/;
const specialCache = new Map<string, RegExp>();

function specialFor(sep: string): RegExp {
  if (sep === '|') return DUMP_SPECIAL_BAR;
  let re = specialCache.get(sep);
  if (re === undefined) {
    const extra = sep.replace(/[\]\\^-]/g, '\\$&');
    re = new RegExp(`[\\x00-\\x1f\\x7f-\\x9f|\\\\${extra}]`);
    specialCache.set(sep, re);
  }
  return re;
}

/**
 * A value for a dump line: `|`, `\`, the separator's characters and control characters become `\xHH`
 * (`|` always, so a line stays readable by nProbe-dump readers whatever the separator).
 */
export function escapeDumpValue(v: string, separator = '|'): string {
  if (!specialFor(separator).test(v)) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isControl(c)) out += escapeControl(c);
    else if (c === 0x7c || c === 0x5c || separator.indexOf(v[i]) >= 0) out += hexByte(c);
    else out += v[i];
  }
  return out;
}

export function dumpHeader(template: readonly FieldDef[] = DEFAULT_TEMPLATE, separator = '|'): string {
  return template.map((f) => f.name).join(separator);
}

export function dumpLine(r: CallRecord, template: readonly FieldDef[] = DEFAULT_TEMPLATE, opts: LineOptions = {}): string {
  const sep = opts.separator ?? '|';
  const tf = opts.timestampFormat ?? 1;
  let s = '';
  for (let i = 0; i < template.length; i++) {
    if (i > 0) s += sep;
    s += escapeDumpValue(template[i].text(r, tf), sep);
  }
  return s;
}

// ---------------------------------------------------------------- terminal table

const TERMINAL_CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Control characters would drive the terminal: show them as `\xHH`. */
function terminalSafe(v: string): string {
  if (!TERMINAL_CONTROL.test(v)) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += isControl(c) ? escapeControl(c) : v[i];
  }
  return out;
}

function fitWidth(v: string, width: number): string {
  if (v.length <= width) return v.padEnd(width);
  let cut = width - 1;
  const c = v.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
  return (v.slice(0, cut) + '…').padEnd(width);
}

const COLUMNS: ReadonlyArray<[string, number]> = [
  ['START (UTC)', 23],
  ['CALLER', 28],
  ['CALLEE', 28],
  ['STATE', 16],
  ['CODE', 4],
  ['DURATION', 8],
  ['CODECS', 16],
  ['MOS', 4],
  ['MEDIA', 22],
  ['LEG', 3],
  ['GROUP', 20],
  ['CALL-ID', 40],
];

function row(values: string[]): string {
  let s = '';
  for (let i = 0; i < COLUMNS.length; i++) {
    if (i > 0) s += '  ';
    s += fitWidth(terminalSafe(values[i]), COLUMNS[i][1]);
  }
  return s.trimEnd();
}

function hms(sec: number | null): string {
  if (sec === null || !(sec >= 0)) return '-';
  const t = Math.floor(sec);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return `${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

export function tableHeader(): string {
  return row(COLUMNS.map((c) => c[0]));
}

export function tableLine(r: CallRecord): string {
  const start = r.SIP_INVITE_TIME ?? r.flow.start;
  const when = isoTimestamp(start, ' ', Math.min(3, start.digits)).slice(0, -1);
  return row([
    when,
    r.SIP_CALLING_PARTY,
    r.SIP_CALLED_PARTY,
    r.SIP_CALL_STATE,
    r.SIP_RESPONSE_CODE === 0 ? '' : String(r.SIP_RESPONSE_CODE),
    hms(r.durationSec),
    r.SIP_RTP_CODECS,
    lowestMos(r),
    r.verdicts.join(','),
    String(r.leg),
    // a lone leg's group is its own Call-ID: nothing to say
    r.correlatedBy.length === 0 ? '-' : r.callGroup,
    r.SIP_CALL_ID,
  ]);
}

/** The worst stream's MOS, '-' without streams. */
function lowestMos(r: CallRecord): string {
  return worstMos(r)?.toFixed(2) ?? '-';
}
