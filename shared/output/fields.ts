// The one table of field facts (SPEC §2, §4, §5). Every output — dump, CSV, JSON, IPFIX/v9 —
// reads ids, lengths and formatting from here; nothing else lists them.

import { formatTimestamp, type Timestamp, type TimestampFormat } from '../time.ts';
import type { CallRecord, FlowInfo, MediaStream } from '../record.ts';
import { rtpSides } from './rtp.ts';
import type { JsonOut } from './json-out.ts';

/** ntop's IANA private enterprise number. */
export const NTOP_PEN = 35632;
/** NetFlow v9 id of an ntop element = NTOP_BASE_ID + n. */
export const NTOP_BASE_ID = 57472;
/** IPFIX enterprise bit of an element id. */
export const IPFIX_ENTERPRISE_BIT = 0x8000;
/** Field length that announces a variable-length value in an IPFIX template (RFC 7011 §7). */
export const IPFIX_VARLEN = 65535;
/** Default data template ids (SPEC §5.1): IPv4 and IPv6 signalling flow. */
export const DEFAULT_TEMPLATE_ID_V4 = 257;
export const DEFAULT_TEMPLATE_ID_V6 = 258;
/** Default data template ids of `--export-rtp-flows` records (SPEC §8): IPv4 and IPv6 stream pair. */
export const DEFAULT_RTP_TEMPLATE_ID_V4 = 259;
export const DEFAULT_RTP_TEMPLATE_ID_V6 = 260;

export type ValueType =
  | 'string' // UTF-8 text, NUL-padded (fixed) or length-prefixed (varlen) on the wire
  | 'state' // SIP_CALL_STATE: a string from a closed set
  | 'time' // Timestamp | null; 32-bit epoch seconds on the wire, 0 = not seen
  | 'millis' // Timestamp; 64-bit epoch milliseconds on the wire (flowStart/EndMilliseconds)
  | 'ipv4' // dotted string, '' = absent (0.0.0.0 on the wire)
  | 'ipv6' // RFC 5952 string, '' = absent (:: on the wire)
  | 'port' // unsigned 16
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64';

/** A value as it goes on the wire: strings are cut/padded by the encoder, numbers are unsigned. */
export type WireValue = string | number;

export interface FieldDef {
  /** Canonical name: the nProbe name for ntop fields, the IANA name for flow fields. */
  readonly name: string;
  /** Other names accepted in templates (nProbe names of IANA elements, SIP_FAILURE_CODE). */
  readonly aliases: readonly string[];
  /** SIP (SPEC §2) and RTP (SPEC §8) elements are ntop's, flow elements IANA's (SPEC §4) */
  readonly group: 'sip' | 'rtp' | 'flow';
  /** ntop element number n, null for IANA elements. */
  readonly ntop: number | null;
  /** IANA information element id, null for ntop elements. */
  readonly iana: number | null;
  /** Enterprise number for IPFIX: NTOP_PEN, or 0 for IANA elements. */
  readonly enterprise: number;
  /** Element id as written in an IPFIX template (enterprise bit set for ntop fields). */
  readonly ipfixId: number;
  /** Field type id in a NetFlow v9 template. */
  readonly v9Id: number;
  readonly v9Length: number;
  /** Fixed length in IPFIX, or 'varlen' (RFC 7011 §7 encoding, at most maxLength bytes). */
  readonly ipfixLength: number | 'varlen';
  /** Most bytes a value may take on the wire (the fixed length, or the varlen cap). */
  readonly maxLength: number;
  readonly type: ValueType;
  /** For flow address fields: the only IP version whose template holds them. */
  readonly ipVersion: 4 | 6 | null;
  /** The record's value: string, number, Timestamp or null. */
  value(r: CallRecord): string | number | Timestamp | null;
  /** Value for the IPFIX/v9 encoder ('' / 0 when absent). */
  wire(r: CallRecord): WireValue;
  /** Dump/CSV text, before the dump's escaping or CSV quoting; '' when absent. */
  text(r: CallRecord, tsFormat: TimestampFormat): string;
  /** JSON of the value (SPEC §5.3), written to o: null when not seen (0 or empty on the wire). */
  json(o: JsonOut, r: CallRecord): void;
}

// ---------------------------------------------------------------- value helpers

function stringField(get: (r: CallRecord) => string) {
  return {
    value: get,
    wire: get,
    text: (r: CallRecord) => get(r),
    json: (o: JsonOut, r: CallRecord) => {
      const v = get(r);
      if (v === '') o.null();
      else o.str(v);
    },
  };
}

function numberField(get: (r: CallRecord) => number) {
  return {
    value: get,
    wire: get,
    // 0 is "not seen" on the wire, so it is empty in text and null in JSON
    text: (r: CallRecord) => {
      const v = get(r);
      return v === 0 ? '' : String(v);
    },
    json: (o: JsonOut, r: CallRecord) => {
      const v = get(r);
      if (v === 0) o.null();
      else o.num(v);
    },
  };
}

function timeField(get: (r: CallRecord) => Timestamp | null, wireMillis: boolean) {
  return {
    value: get,
    wire: (r: CallRecord) => {
      const t = get(r);
      if (t === null) return 0;
      return wireMillis ? t.sec * 1000 + Math.floor(t.nsec / 1e6) : t.sec;
    },
    text: (r: CallRecord, f: TimestampFormat) => {
      const t = get(r);
      return t === null ? '' : formatTimestamp(t, f);
    },
    json: (o: JsonOut, r: CallRecord) => {
      const t = get(r);
      if (t === null) o.null();
      else o.time(t);
    },
  };
}

interface Spec {
  name: string;
  aliases?: string[];
  ntop?: number;
  iana?: number;
  v9Length: number;
  ipfixLength: number | 'varlen';
  maxLength: number;
  type: ValueType;
  ipVersion?: 4 | 6;
  /** 'rtp' for the RTP elements; else from ntop/iana */
  group?: 'rtp';
}

type Accessors = Pick<FieldDef, 'value' | 'wire' | 'text' | 'json'>;

function def(s: Spec, acc: Accessors): FieldDef {
  const ntop = s.ntop ?? null;
  const iana = s.iana ?? null;
  return Object.freeze({
    name: s.name,
    aliases: Object.freeze(s.aliases ?? []),
    group: s.group ?? (ntop !== null ? ('sip' as const) : ('flow' as const)),
    ntop,
    iana,
    enterprise: ntop !== null ? NTOP_PEN : 0,
    ipfixId: ntop !== null ? ntop | IPFIX_ENTERPRISE_BIT : (iana as number),
    // flow fields use the IANA id in v9 too (ids < 128 are v9's own; 152/153 as nProbe sends them)
    v9Id: ntop !== null ? NTOP_BASE_ID + ntop : (iana as number),
    v9Length: s.v9Length,
    ipfixLength: s.ipfixLength,
    maxLength: s.maxLength,
    type: s.type,
    ipVersion: s.ipVersion ?? null,
    ...acc,
  });
}

// Each field reads its value with its own arrow function (r) => r.NAME: one shared r[name]
// would see every name at one property access, which V8 then looks up the slow way.
const str = (get: (r: CallRecord) => string) => stringField(get);
const num = (get: (r: CallRecord) => number) => numberField(get);
const time = (get: (r: CallRecord) => Timestamp | null) => timeField(get, false);

function sipString(name: keyof CallRecord, get: (r: CallRecord) => string, ntop: number, len: number, varlen: boolean): FieldDef {
  return def({ name, ntop, v9Length: len, ipfixLength: varlen ? 'varlen' : len, maxLength: len, type: 'string' }, str(get));
}

function sipTime(name: keyof CallRecord, get: (r: CallRecord) => Timestamp | null, ntop: number): FieldDef {
  return def({ name, ntop, v9Length: 4, ipfixLength: 4, maxLength: 4, type: 'time' }, time(get));
}

// ---------------------------------------------------------------- the SIP fields

/** The 23 nProbe SIP fields in the order of the default dump template (SPEC §5.2). */
export const SIP_FIELDS: readonly FieldDef[] = Object.freeze([
  sipString('SIP_CALL_ID', (r) => r.SIP_CALL_ID, 130, 96, true),
  sipString('SIP_CALLING_PARTY', (r) => r.SIP_CALLING_PARTY, 131, 96, true),
  sipString('SIP_CALLED_PARTY', (r) => r.SIP_CALLED_PARTY, 132, 96, true),
  sipString('SIP_RTP_CODECS', (r) => r.SIP_RTP_CODECS, 133, 512, false),
  sipTime('SIP_INVITE_TIME', (r) => r.SIP_INVITE_TIME, 134),
  sipTime('SIP_TRYING_TIME', (r) => r.SIP_TRYING_TIME, 135),
  sipTime('SIP_RINGING_TIME', (r) => r.SIP_RINGING_TIME, 136),
  sipTime('SIP_INVITE_OK_TIME', (r) => r.SIP_INVITE_OK_TIME, 137),
  sipTime('SIP_INVITE_FAILURE_TIME', (r) => r.SIP_INVITE_FAILURE_TIME, 138),
  sipTime('SIP_BYE_TIME', (r) => r.SIP_BYE_TIME, 139),
  sipTime('SIP_BYE_OK_TIME', (r) => r.SIP_BYE_OK_TIME, 140),
  sipTime('SIP_CANCEL_TIME', (r) => r.SIP_CANCEL_TIME, 141),
  sipTime('SIP_CANCEL_OK_TIME', (r) => r.SIP_CANCEL_OK_TIME, 142),
  def(
    { name: 'SIP_RTP_IPV4_SRC_ADDR', ntop: 143, v9Length: 4, ipfixLength: 4, maxLength: 4, type: 'ipv4' },
    str((r) => r.SIP_RTP_IPV4_SRC_ADDR),
  ),
  def(
    { name: 'SIP_RTP_L4_SRC_PORT', ntop: 144, v9Length: 2, ipfixLength: 2, maxLength: 2, type: 'port' },
    num((r) => r.SIP_RTP_L4_SRC_PORT),
  ),
  def(
    { name: 'SIP_RTP_IPV4_DST_ADDR', ntop: 145, v9Length: 4, ipfixLength: 4, maxLength: 4, type: 'ipv4' },
    str((r) => r.SIP_RTP_IPV4_DST_ADDR),
  ),
  def(
    { name: 'SIP_RTP_L4_DST_PORT', ntop: 146, v9Length: 2, ipfixLength: 2, maxLength: 2, type: 'port' },
    num((r) => r.SIP_RTP_L4_DST_PORT),
  ),
  def(
    {
      name: 'SIP_RESPONSE_CODE',
      aliases: ['SIP_FAILURE_CODE'],
      ntop: 147,
      v9Length: 4,
      ipfixLength: 4,
      maxLength: 4,
      type: 'u32',
    },
    num((r) => r.SIP_RESPONSE_CODE),
  ),
  def(
    { name: 'SIP_REASON_CAUSE', ntop: 148, v9Length: 4, ipfixLength: 4, maxLength: 4, type: 'u32' },
    num((r) => r.SIP_REASON_CAUSE),
  ),
  sipString('SIP_UAC', (r) => r.SIP_UAC, 316, 96, true),
  sipString('SIP_UAS', (r) => r.SIP_UAS, 317, 96, true),
  sipString('SIP_C_IP', (r) => r.SIP_C_IP, 362, 128, false),
  // 16, not nProbe's 12, so CALL_COMPLETED fits (SPEC §5.1)
  def(
    { name: 'SIP_CALL_STATE', ntop: 363, v9Length: 16, ipfixLength: 'varlen', maxLength: 16, type: 'state' },
    str((r) => r.SIP_CALL_STATE),
  ),
]);

// ---------------------------------------------------------------- the RTP elements (SPEC §8 "Export")

/**
 * A number that may have nothing to say (no such stream, no RTT): 0 on the wire, empty in text,
 * null in JSON. A value the stream does have is written as on the wire, 0 included (no loss,
 * payload type 0 = PCMU): text says "0" where it says something.
 */
function optionalNumberField(get: (r: CallRecord) => number | null) {
  return {
    value: get,
    wire: (r: CallRecord) => get(r) ?? 0,
    text: (r: CallRecord) => {
      const v = get(r);
      return v === null ? '' : String(v);
    },
    json: (o: JsonOut, r: CallRecord) => {
      const v = get(r);
      if (v === null) o.null();
      else o.num(v);
    },
  };
}

type StreamValue = (m: MediaStream) => number | null;
const onIn = (get: StreamValue) => (r: CallRecord) => {
  const m = rtpSides(r).in;
  return m === null ? null : get(m);
};
const onOut = (get: StreamValue) => (r: CallRecord) => {
  const m = rtpSides(r).out;
  return m === null ? null : get(m);
};
/** The mean of what the "in" and "out" streams say (one alone when the other says nothing), rounded. */
const onBoth = (get: StreamValue) => (r: CallRecord) => {
  const { in: a, out: b } = rtpSides(r);
  const x = a === null ? null : get(a);
  const y = b === null ? null : get(b);
  if (x === null) return y === null ? null : Math.round(y);
  return Math.round(y === null ? x : (x + y) / 2);
};

const thousandths = (ms: number): number => Math.round(ms * 1000);
const hundredths = (v: number): number => Math.round(v * 100);

function rtpNum(name: string, ntop: number, len: 1 | 2 | 4, get: (r: CallRecord) => number | null): FieldDef {
  const type: ValueType = len === 1 ? 'u8' : len === 2 ? 'u16' : 'u32';
  return def({ name, ntop, group: 'rtp', v9Length: len, ipfixLength: len, maxLength: len, type }, optionalNumberField(get));
}

/** DTMF_TONES: at most this many events on the wire (v9 fixed, IPFIX variable-length). */
export const DTMF_TONES_LENGTH = 32;

const jitter: StreamValue = (m) => thousandths(m.meanJitterMs);
const lost: StreamValue = (m) => Math.max(0, m.lost);
const payloadType: StreamValue = (m) => m.payloadType;
const maxDelta: StreamValue = (m) => hundredths(m.maxDeltaMs);
const mos: StreamValue = (m) => hundredths(m.mos);
const rFactor: StreamValue = (m) => hundredths(m.rFactor);
const rtt: StreamValue = (m) => m.rtcp?.rttMs ?? null;
const ssrc: StreamValue = (m) => m.ssrc;

/**
 * nProbe's RTP plugin elements on a call record (and on a pair record of --export-rtp-flows), in
 * template order. "in" / "out": see rtp.ts. RTP_MOS / RTP_R_FACTOR: the mean of the two ×100
 * values (one alone when the other stream is missing); RTP_RTT: the mean of what RTCP said about
 * the two streams; RTP_DTMF_TONES: the events of every stream of the record, in order of first packet.
 */
export const RTP_FIELDS: readonly FieldDef[] = Object.freeze([
  rtpNum('RTP_IN_JITTER', 154, 4, onIn(jitter)),
  rtpNum('RTP_OUT_JITTER', 155, 4, onOut(jitter)),
  rtpNum('RTP_IN_PKT_LOST', 156, 4, onIn(lost)),
  rtpNum('RTP_OUT_PKT_LOST', 157, 4, onOut(lost)),
  rtpNum('RTP_OUT_PAYLOAD_TYPE', 158, 1, onOut(payloadType)),
  rtpNum('RTP_IN_MAX_DELTA', 159, 4, onIn(maxDelta)),
  rtpNum('RTP_OUT_MAX_DELTA', 160, 4, onOut(maxDelta)),
  rtpNum('RTP_IN_PAYLOAD_TYPE', 161, 1, onIn(payloadType)),
  rtpNum('RTP_IN_MOS', 370, 4, onIn(mos)),
  rtpNum('RTP_OUT_MOS', 432, 4, onOut(mos)),
  rtpNum('RTP_MOS', 434, 4, onBoth(mos)),
  rtpNum('RTP_IN_R_FACTOR', 371, 4, onIn(rFactor)),
  rtpNum('RTP_OUT_R_FACTOR', 433, 4, onOut(rFactor)),
  rtpNum('RTP_R_FACTOR', 436, 4, onBoth(rFactor)),
  rtpNum('RTP_RTT', 380, 4, onBoth(rtt)),
  def(
    {
      name: 'RTP_DTMF_TONES',
      ntop: 395,
      group: 'rtp',
      v9Length: DTMF_TONES_LENGTH,
      ipfixLength: 'varlen',
      maxLength: DTMF_TONES_LENGTH,
      type: 'string',
    },
    stringField((r) => {
      let s = '';
      for (const m of r.media) s += m.dtmf;
      return s;
    }),
  ),
  rtpNum('RTP_SSRC', 437, 4, onIn(ssrc)),
]);

// ---------------------------------------------------------------- the flow fields (SPEC §4)

function flowAddr(name: string, nprobe: string, iana: number, v: 4 | 6, side: 'src' | 'dst'): FieldDef {
  const len = v === 4 ? 4 : 16;
  const get = (r: CallRecord) => (r.flow.ipVersion === v ? r.flow[side] : '');
  return def(
    { name, aliases: [nprobe], iana, v9Length: len, ipfixLength: len, maxLength: len, type: v === 4 ? 'ipv4' : 'ipv6', ipVersion: v },
    stringField(get),
  );
}

function flowNum(name: string, nprobe: string, iana: number, len: number, type: ValueType, key: keyof FlowInfo): FieldDef {
  return def(
    { name, aliases: [nprobe], iana, v9Length: len, ipfixLength: len, maxLength: len, type },
    numberField((r) => r.flow[key] as number),
  );
}

function flowTime(name: string, nprobe: string, iana: number, key: 'start' | 'end'): FieldDef {
  return def(
    { name, aliases: [nprobe], iana, v9Length: 8, ipfixLength: 8, maxLength: 8, type: 'millis' },
    timeField((r) => r.flow[key], true),
  );
}

export const FLOW_SRC_V4 = flowAddr('sourceIPv4Address', 'IPV4_SRC_ADDR', 8, 4, 'src');
export const FLOW_DST_V4 = flowAddr('destinationIPv4Address', 'IPV4_DST_ADDR', 12, 4, 'dst');
export const FLOW_SRC_V6 = flowAddr('sourceIPv6Address', 'IPV6_SRC_ADDR', 27, 6, 'src');
export const FLOW_DST_V6 = flowAddr('destinationIPv6Address', 'IPV6_DST_ADDR', 28, 6, 'dst');

const FLOW_COMMON: readonly FieldDef[] = [
  flowNum('sourceTransportPort', 'L4_SRC_PORT', 7, 2, 'port', 'sport'),
  flowNum('destinationTransportPort', 'L4_DST_PORT', 11, 2, 'port', 'dport'),
  flowNum('protocolIdentifier', 'PROTOCOL', 4, 1, 'u8', 'protocol'),
  flowTime('flowStartMilliseconds', 'FLOW_START_MILLISECONDS', 152, 'start'),
  flowTime('flowEndMilliseconds', 'FLOW_END_MILLISECONDS', 153, 'end'),
  flowNum('packetDeltaCount', 'IN_PKTS', 2, 8, 'u64', 'packets'),
  flowNum('octetDeltaCount', 'IN_BYTES', 1, 8, 'u64', 'bytes'),
];

/** Flow fields of the IPv4 data template, in template order. */
export const FLOW_FIELDS_V4: readonly FieldDef[] = Object.freeze([FLOW_SRC_V4, FLOW_DST_V4, ...FLOW_COMMON]);
/** Flow fields of the IPv6 data template, in template order. */
export const FLOW_FIELDS_V6: readonly FieldDef[] = Object.freeze([FLOW_SRC_V6, FLOW_DST_V6, ...FLOW_COMMON]);
/** Every flow field once. */
export const FLOW_FIELDS: readonly FieldDef[] = Object.freeze([FLOW_SRC_V4, FLOW_DST_V4, FLOW_SRC_V6, FLOW_DST_V6, ...FLOW_COMMON]);

/** RTP_SIP_CALL_ID: the Call-ID of the call a stream pair belongs to (SPEC §8), as long as SIP_CALL_ID. */
export const RTP_SIP_CALL_ID = def(
  { name: 'RTP_SIP_CALL_ID', ntop: 348, group: 'rtp', v9Length: 96, ipfixLength: 'varlen', maxLength: 96, type: 'string' },
  str((r) => r.SIP_CALL_ID),
);

/** What the "in" stream says, else (a lone callee-to-caller stream of a call record) the "out" one. */
const onFirst = (get: StreamValue) => (r: CallRecord) => {
  const { in: a, out: b } = rtpSides(r);
  const m = a ?? b;
  return m === null ? null : get(m);
};
const firstSeq: StreamValue = (m) => m.firstSeq;
const firstTs: StreamValue = (m) => m.firstTs;
const lastSeq: StreamValue = (m) => m.lastSeq;
const lastTs: StreamValue = (m) => m.lastTs;

/**
 * The ntop elements of the stream pair templates of --export-rtp-flows (SPEC §8), in order:
 * RTP_SIP_CALL_ID, the first and last sequence number and RTP timestamp of the pair's "in" stream
 * (the highest sequence number, the timestamp of the last packet to arrive), then RTP_FIELDS.
 */
export const RTP_FLOW_FIELDS: readonly FieldDef[] = Object.freeze([
  RTP_SIP_CALL_ID,
  rtpNum('RTP_FIRST_SEQ', 150, 2, onFirst(firstSeq)),
  rtpNum('RTP_FIRST_TS', 151, 4, onFirst(firstTs)),
  rtpNum('RTP_LAST_SEQ', 152, 2, onFirst(lastSeq)),
  rtpNum('RTP_LAST_TS', 153, 4, onFirst(lastTs)),
  ...RTP_FIELDS,
]);

/** The ntop elements of a call record's IPFIX/v9 templates, in order: the SIP fields, then the RTP elements. */
export const CALL_EXPORT_FIELDS: readonly FieldDef[] = Object.freeze([...SIP_FIELDS, ...RTP_FIELDS]);

/** Full IPFIX/v9 data template for a call record of this IP version: flow fields, then CALL_EXPORT_FIELDS. */
export function exportFields(ipVersion: 4 | 6): readonly FieldDef[] {
  return ipVersion === 4 ? EXPORT_V4 : EXPORT_V6;
}
const EXPORT_V4: readonly FieldDef[] = Object.freeze([...FLOW_FIELDS_V4, ...CALL_EXPORT_FIELDS]);
const EXPORT_V6: readonly FieldDef[] = Object.freeze([...FLOW_FIELDS_V6, ...CALL_EXPORT_FIELDS]);

export const ALL_FIELDS: readonly FieldDef[] = Object.freeze([...SIP_FIELDS, ...RTP_FLOW_FIELDS, ...FLOW_FIELDS]);

/** The default dump/CSV template (SPEC §5.2). */
export const DEFAULT_TEMPLATE: readonly FieldDef[] = SIP_FIELDS;

const BY_NAME = new Map<string, FieldDef>();
for (const f of ALL_FIELDS) {
  BY_NAME.set(f.name.toUpperCase(), f);
  for (const a of f.aliases) BY_NAME.set(a.toUpperCase(), f);
}

/** A field by name or alias (case-insensitive), or undefined. */
export function fieldByName(name: string): FieldDef | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Field of a SIP record by its nProbe name (the table is the only place that knows them). */
export function sipField(name: string): FieldDef {
  const f = fieldByName(name);
  if (f?.group !== 'sip') throw new Error(`not a SIP field: ${name}`);
  return f;
}

const TEMPLATE_SPLIT = /[\s,;|]+/;

/**
 * Parse a template: nProbe style `%SIP_CALL_ID %SIP_CALL_STATE`, or a plain comma/space (or `|`)
 * separated list of names. Names are case-insensitive; aliases resolve to their field.
 * Throws on an unknown name or an empty template.
 */
export function parseTemplate(text: string): FieldDef[] {
  const out: FieldDef[] = [];
  for (const raw of text.split(TEMPLATE_SPLIT)) {
    if (raw === '') continue;
    const name = raw.startsWith('%') ? raw.slice(1) : raw;
    if (name === '') continue;
    const f = fieldByName(name);
    if (!f) throw new Error(`unknown template field: ${raw}`);
    out.push(f);
  }
  if (out.length === 0) throw new Error('empty template');
  return out;
}

// ---------------------------------------------------------------- JSON helpers for the extra keys

/** JSON object of a record's flow (SPEC §4, keys as in FlowInfo). */
export function flowJson(o: JsonOut, f: FlowInfo): void {
  o.raw('{"ipVersion":');
  o.num(f.ipVersion);
  o.raw(',"src":');
  o.str(f.src);
  o.raw(',"dst":');
  o.str(f.dst);
  o.raw(',"sport":');
  o.num(f.sport);
  o.raw(',"dport":');
  o.num(f.dport);
  o.raw(',"protocol":');
  o.num(f.protocol);
  o.raw(',"start":');
  o.time(f.start);
  o.raw(',"end":');
  o.time(f.end);
  o.raw(',"packets":');
  o.num(f.packets);
  o.raw(',"bytes":');
  o.num(f.bytes);
  o.raw('}');
}
