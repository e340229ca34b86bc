// The filter language of SPEC §10, one implementation for the CLI (`--filter`) and the page.
//
//   expr    := or
//   or      := and ("or" and)*
//   and     := unary (["and"] unary)*          terms side by side are joined by "and"
//   unary   := ("not" | "-") unary | "(" or ")" | term
//   term    := KEY OP VALUE | TEXT             OP: = != < <= > >= ~ !~ ; VALUE or TEXT may be "quoted"
//
// Text is matched without regard to case; `~` is "contains", `!~` "does not contain". A key with several values (ip, port,
// ua, codec, verdict) matches when any value does, and `!=` when none does. A number the record
// does not have (no MOS without media, no duration without an answer) matches no comparison but
// `!=`. A bad expression throws FilterError with the 1-based column it points at.

import { tsSeconds } from './time.ts';
import { worstMos, type CallRecord } from './record.ts';
import { parseIp16, splitEndpoint } from './addr.ts';

export class FilterError extends Error {
  constructor(
    message: string,
    /** 1-based column of the expression the problem is at */
    readonly column: number,
  ) {
    super(message);
  }
}

/** Whether a record is selected. */
export type Filter = (r: CallRecord) => boolean;

/**
 * What a filter reads of a record, made once per record (factsOf): the CLI filters records,
 * the page the rows of its list, which carry their facts from the worker.
 */
export interface FilterFacts {
  callId: string;
  from: string;
  to: string;
  /** User-Agent and Server */
  uas: string[];
  /** signalling and media addresses */
  addresses: string[];
  ports: number[];
  code: number;
  reason: string | null;
  cause: number;
  state: string;
  codecs: string[];
  method: string;
  verdicts: string[];
  /** the worst stream's (lowest MOS, highest loss % and jitter ms); null without streams */
  mos: number | null;
  loss: number | null;
  jitter: number | null;
  duration: number | null;
  setup: number | null;
  leg: number;
  group: string;
  /** the INVITE's time (else the first message's), epoch seconds */
  start: number;
}

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';
type KeyKind = 'text' | 'number' | 'ip' | 'time';

interface KeyDef {
  kind: KeyKind;
  /** what the key compares (text keys: strings; number keys: numbers or null) */
  values(f: FilterFacts): readonly (string | number | null)[];
  help: string;
}

const list = (text: string, sep: string): string[] => (text === '' ? [] : text.split(sep));
const nonEmpty = (...v: (string | null | undefined)[]): string[] => v.filter((x): x is string => typeof x === 'string' && x !== '');
/** v without repeats, first occurrences in order; a short list by comparing (a Set per list was
 *  2 µs a record in the page's worker). */
function distinct<T>(v: T[]): T[] {
  if (v.length > 16) return [...new Set(v)];
  const out: T[] = [];
  for (const x of v) if (!out.includes(x)) out.push(x);
  return out;
}

/** The highest value of a call's streams, null without streams. */
function highest(r: CallRecord, pick: (m: CallRecord['media'][number]) => number): number | null {
  let v: number | null = null;
  for (const m of r.media) if (v === null || pick(m) > v) v = pick(m);
  return v;
}

/** A dialog's method: the record's when the tracker gave it, else what its state says. */
function methodOf(r: CallRecord): string {
  if (r.method) return r.method;
  return r.SIP_CALL_STATE === 'REGISTER' ? 'REGISTER' : r.SIP_CALL_STATE === 'UNKNOWN' ? '' : 'INVITE';
}

/** The facts of a record that filters read. */
export function factsOf(r: CallRecord): FilterFacts {
  const addresses = nonEmpty(r.flow.src, r.flow.dst, r.SIP_RTP_IPV4_SRC_ADDR, r.SIP_RTP_IPV4_DST_ADDR);
  addresses.push(...list(r.SIP_C_IP, ','));
  const ports = [r.flow.sport, r.flow.dport];
  if (r.SIP_RTP_L4_SRC_PORT) ports.push(r.SIP_RTP_L4_SRC_PORT);
  if (r.SIP_RTP_L4_DST_PORT) ports.push(r.SIP_RTP_L4_DST_PORT);
  // media endpoints as "ip:port": SDP's (rtpSrc, rtpDst) and the streams'
  const endpoints = nonEmpty(r.rtpSrc, r.rtpDst);
  for (const m of r.media) endpoints.push(m.src, m.dst);
  for (const e of endpoints) {
    const { ip, port } = splitEndpoint(e);
    if (ip !== '') addresses.push(ip);
    if (Number.isInteger(port)) ports.push(port);
  }
  return {
    callId: r.SIP_CALL_ID,
    from: r.SIP_CALLING_PARTY,
    to: r.SIP_CALLED_PARTY,
    uas: nonEmpty(r.SIP_UAC, r.SIP_UAS),
    addresses: distinct(addresses),
    ports: distinct(ports),
    code: r.SIP_RESPONSE_CODE,
    reason: r.reason,
    cause: r.SIP_REASON_CAUSE,
    state: r.SIP_CALL_STATE,
    codecs: distinct([...list(r.SIP_RTP_CODECS, ';'), ...nonEmpty(...r.media.map((m) => m.codec))]),
    method: methodOf(r),
    verdicts: [...r.verdicts],
    mos: worstMos(r),
    loss: highest(r, (m) => m.lostPct),
    jitter: highest(r, (m) => m.jitterMs),
    duration: r.durationSec,
    setup: r.setupSec,
    leg: r.leg,
    group: r.callGroup,
    start: tsSeconds(r.SIP_INVITE_TIME ?? r.flow.start),
  };
}

/** What filters read of a record that a page row (web/worker-protocol.ts CallRow) does not
 *  carry as it is, flat: its lists as text, each item after a '\n' (no address, port, codec or
 *  product name holds one). The page's worker sends it with each row instead of the facts: a
 *  structured clone of their nested lists cost more than the rest of the row. */
export interface FactsExtra {
  uas: string;
  addresses: string;
  ports: string;
  codecs: string;
  reason: string | null;
  method: string;
  loss: number | null;
  jitter: number | null;
}

const packList = (v: readonly (string | number)[]): string => {
  let s = '';
  for (const x of v) s += `\n${x}`;
  return s;
};
const unpackList = (s: string): string[] => (s === '' ? [] : s.slice(1).split('\n'));

export function factsExtra(f: FilterFacts): FactsExtra {
  return {
    uas: packList(f.uas),
    addresses: packList(f.addresses),
    ports: packList(f.ports),
    codecs: packList(f.codecs),
    reason: f.reason,
    method: f.method,
    loss: f.loss,
    jitter: f.jitter,
  };
}

/** The row fields that are facts as they are. */
export interface FactsOfRow {
  callId: string;
  from: string;
  to: string;
  code: number;
  cause: number;
  state: string;
  verdicts: readonly string[];
  mos: number | null;
  duration: number | null;
  setup: number | null;
  leg: number;
  callGroup: string;
  start: number;
}

/** A row's facts from its own fields and its extra: what factsOf gives for its record. */
export function factsOfRow(r: FactsOfRow, x: FactsExtra): FilterFacts {
  return {
    callId: r.callId,
    from: r.from,
    to: r.to,
    uas: unpackList(x.uas),
    addresses: unpackList(x.addresses),
    ports: unpackList(x.ports).map(Number),
    code: r.code,
    reason: x.reason,
    cause: r.cause,
    state: r.state,
    codecs: unpackList(x.codecs),
    method: x.method,
    verdicts: [...r.verdicts],
    mos: r.mos,
    loss: x.loss,
    jitter: x.jitter,
    duration: r.duration,
    setup: r.setup,
    leg: r.leg,
    group: r.callGroup,
    start: r.start,
  };
}

/** The keys, in the order SPEC §10 lists them. */
export const FILTER_KEYS: Readonly<Record<string, KeyDef>> = {
  'call-id': { kind: 'text', values: (f) => [f.callId], help: 'Call-ID' },
  from: { kind: 'text', values: (f) => [f.from], help: 'calling party (From)' },
  to: { kind: 'text', values: (f) => [f.to], help: 'called party (To)' },
  ua: { kind: 'text', values: (f) => f.uas, help: 'User-Agent or Server of either side' },
  ip: { kind: 'ip', values: (f) => f.addresses, help: 'a signalling or media address; ip=10.0.0.0/8 a prefix' },
  port: { kind: 'number', values: (f) => f.ports, help: 'a signalling or media port' },
  code: { kind: 'number', values: (f) => [f.code], help: 'final response code' },
  reason: { kind: 'text', values: (f) => nonEmpty(f.reason), help: 'the Reason header' },
  cause: { kind: 'number', values: (f) => [f.cause], help: 'Q.850 cause' },
  state: { kind: 'text', values: (f) => [f.state], help: 'call state (CALL_COMPLETED or completed …)' },
  codec: { kind: 'text', values: (f) => f.codecs, help: 'an offered or seen codec' },
  method: { kind: 'text', values: (f) => nonEmpty(f.method), help: 'the dialog’s method (INVITE, REGISTER …)' },
  verdict: { kind: 'text', values: (f) => f.verdicts, help: 'a media verdict (one-way, no-rtp …)' },
  mos: { kind: 'number', values: (f) => [f.mos], help: 'lowest MOS of the call’s streams' },
  loss: { kind: 'number', values: (f) => [f.loss], help: 'highest loss of a stream, %' },
  jitter: { kind: 'number', values: (f) => [f.jitter], help: 'highest jitter of a stream, ms' },
  duration: { kind: 'number', values: (f) => [f.duration], help: 'answer to BYE, seconds' },
  setup: { kind: 'number', values: (f) => [f.setup], help: 'INVITE to first 180/183/200, seconds' },
  leg: { kind: 'number', values: (f) => [f.leg], help: 'leg of its Call-ID (1, 2 …)' },
  group: { kind: 'text', values: (f) => [f.group], help: 'the end-to-end call (callGroup)' },
  start: { kind: 'time', values: (f) => [f.start], help: 'the INVITE’s time, UTC: start>=2026-01-01T10:00 (or epoch seconds)' },
};

// ---------------------------------------------------------------- tokens

type Token =
  | { t: '(' | ')' | 'or' | 'and' | 'not'; col: number }
  | { t: 'term'; col: number; key: string; op: Op; value: string; valueCol: number }
  | { t: 'text'; col: number; value: string };

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  const space = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < n) {
    const c = src[i];
    if (space(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c, col: i + 1 });
      i++;
      continue;
    }
    if (c === '-' && i + 1 < n && !space(src[i + 1]) && src[i + 1] !== ')') {
      out.push({ t: 'not', col: i + 1 });
      i++;
      continue;
    }
    // a word: up to a space or a parenthesis; quoted parts may hold either
    const start = i;
    let text = '';
    let quotedFrom = -1; // where in `text` the first quoted part starts
    while (i < n && !space(src[i]) && src[i] !== '(' && src[i] !== ')') {
      if (src[i] === '"') {
        if (quotedFrom < 0) quotedFrom = text.length;
        const open = i++;
        let closed = false;
        while (i < n) {
          if (src[i] === '\\' && i + 1 < n) {
            text += src[i + 1];
            i += 2;
          } else if (src[i] === '"') {
            closed = true;
            i++;
            break;
          } else text += src[i++];
        }
        if (!closed) throw new FilterError('the quote is not closed', open + 1);
      } else text += src[i++];
    }
    const plain = quotedFrom < 0 ? text : text.slice(0, quotedFrom);
    const lower = plain.toLowerCase();
    if (quotedFrom < 0 && (lower === 'or' || lower === 'and' || lower === 'not')) {
      out.push({ t: lower, col: start + 1 });
      continue;
    }
    const m = /^([A-Za-z][A-Za-z-]*)(<=|>=|!=|!~|=|<|>|~)/.exec(plain);
    if (m) {
      const key = m[1].toLowerCase();
      if (!(key in FILTER_KEYS)) throw new FilterError(`unknown key "${m[1]}" (keys: ${Object.keys(FILTER_KEYS).join(' ')})`, start + 1);
      const value = text.slice(m[0].length);
      // the value's column: after the key and operator (quotes count in the source, not in text)
      out.push({ t: 'term', col: start + 1, key, op: m[2] as Op, value, valueCol: start + 1 + m[0].length });
      continue;
    }
    out.push({ t: 'text', col: start + 1, value: text });
  }
  return out;
}

// ---------------------------------------------------------------- parsing

/** Compile an expression for records; an empty one selects every record. Throws FilterError. */
export function parseFilter(src: string): Filter {
  const f = compileFilter(src);
  return (r) => f(factsOf(r));
}

/** Compile an expression for the facts of records (factsOf). Throws FilterError. */
export function compileFilter(src: string): FactsFilter {
  const toks = lex(src);
  let p = 0;
  const end = src.length + 1;
  const peek = () => toks[p];

  function or(): FactsFilter {
    const parts = [and()];
    while (peek()?.t === 'or') {
      p++;
      if (!startsTerm(peek())) throw new FilterError('"or" needs a term after it', peek()?.col ?? end);
      parts.push(and());
    }
    return parts.length === 1 ? parts[0] : (r) => parts.some((f) => f(r));
  }

  function and(): FactsFilter {
    const first = peek();
    if (!startsTerm(first)) {
      if (first?.t === 'or') throw new FilterError('"or" needs a term before it', first.col);
      if (first?.t === 'and') throw new FilterError('"and" needs a term before it', first.col);
      if (first?.t === ')') throw new FilterError('")" closes nothing', first.col);
      throw new FilterError('a term is missing here', first?.col ?? end);
    }
    const parts = [unary()];
    while (true) {
      const t = peek();
      if (t?.t === 'and') {
        p++;
        if (!startsTerm(peek())) throw new FilterError('"and" needs a term after it', peek()?.col ?? end);
        parts.push(unary());
      } else if (startsTerm(t)) parts.push(unary());
      else break;
    }
    return parts.length === 1 ? parts[0] : (r) => parts.every((f) => f(r));
  }

  function unary(): FactsFilter {
    const t = toks[p];
    if (t.t === 'not') {
      p++;
      if (!startsTerm(peek())) throw new FilterError('"not" needs a term after it', peek()?.col ?? end);
      const f = unary();
      return (r) => !f(r);
    }
    if (t.t === '(') {
      p++;
      if (peek()?.t === ')') throw new FilterError('empty parentheses', peek()!.col);
      const f = or();
      if (peek()?.t !== ')') throw new FilterError(`"(" at column ${t.col} is not closed`, peek()?.col ?? end);
      p++;
      return f;
    }
    p++;
    if (t.t === 'text') return textTerm(t.value);
    if (t.t === 'term') return keyTerm(t.key, t.op, t.value, t.valueCol);
    throw new FilterError('a term is missing here', t.col);
  }

  if (toks.length === 0) return () => true;
  const f = or();
  const rest = peek();
  if (rest) throw new FilterError(rest.t === ')' ? '")" closes nothing' : 'unexpected here', rest.col);
  return f;
}

/** Whether the facts of a record are selected. */
export type FactsFilter = (f: FilterFacts) => boolean;

function startsTerm(t: Token | undefined): boolean {
  return t !== undefined && (t.t === 'term' || t.t === 'text' || t.t === '(' || t.t === 'not');
}

// ---------------------------------------------------------------- terms

/** Free text: contained in the Call-ID, parties, user agents, addresses, reason or codecs. */
function textTerm(value: string): FactsFilter {
  const v = value.toLowerCase();
  const keys = ['call-id', 'from', 'to', 'ua', 'ip', 'reason', 'codec'].map((k) => FILTER_KEYS[k]);
  return (r) => keys.some((k) => k.values(r).some((x) => typeof x === 'string' && x.toLowerCase().includes(v)));
}

function keyTerm(key: string, op: Op, value: string, col: number): FactsFilter {
  const def = FILTER_KEYS[key];
  if (value === '') throw new FilterError(`"${key}${op}" needs a value`, col);
  if (op === '~' || op === '!~') {
    const v = value.toLowerCase();
    const any = (r: FilterFacts) => def.values(r).some((x) => x !== null && String(x).toLowerCase().includes(v));
    return op === '~' ? any : (r) => !any(r);
  }
  if (def.kind === 'number') return numberTerm(def, key, op, value, col);
  if (def.kind === 'time') return numberTerm(def, key, op, epochText(key, value, col), col);
  if (op !== '=' && op !== '!=') throw new FilterError(`${key} is compared as text: use =, != or ~`, col - op.length);
  const eq = def.kind === 'ip' ? ipEquals(value, col) : textEquals(key, value);
  const any = (r: FilterFacts) => def.values(r).some((x) => typeof x === 'string' && eq(x));
  return op === '=' ? any : (r) => !any(r);
}

/** A time as epoch seconds text: `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` (UTC, a Z allowed) or seconds. */
function epochText(key: string, value: string, col: number): string {
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) return value;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d(?:\.\d+)?))?)?Z?$/.exec(value);
  if (!m) throw new FilterError(`${key} takes a UTC time like 2026-01-01T10:00 or epoch seconds, not "${value}"`, col);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  return String(ms / 1000 + Number(m[6] ?? 0));
}

function textEquals(key: string, value: string): (x: string) => boolean {
  const v = value.toLowerCase();
  // states as the list shows them or as the user says them: completed = CALL_COMPLETED
  if (key === 'state') return (x) => x.toLowerCase() === v || x.toLowerCase() === `call_${v}`;
  return (x) => x.toLowerCase() === v;
}

function numberTerm(def: KeyDef, key: string, op: Op, value: string, col: number): FactsFilter {
  const v = Number(value);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) || !Number.isFinite(v)) throw new FilterError(`${key} takes a number, not "${value}"`, col);
  const test: (x: number) => boolean =
    op === '=' || op === '!='
      ? (x) => x === v
      : op === '<'
        ? (x) => x < v
        : op === '<='
          ? (x) => x <= v
          : op === '>'
            ? (x) => x > v
            : (x) => x >= v;
  const any = (r: FilterFacts) => def.values(r).some((x) => typeof x === 'number' && test(x));
  return op === '!=' ? (r) => !any(r) : any;
}

/** An address, or a prefix (addr/bits), compared as addresses (any spelling of one address). */
function ipEquals(value: string, col: number): (x: string) => boolean {
  const slash = value.indexOf('/');
  const addrText = slash < 0 ? value : value.slice(0, slash);
  const want = parseIp16(addrText);
  if (want === null) throw new FilterError(`"${addrText}" is not an IPv4 or IPv6 address`, col);
  const v4 = addrText.includes('.') && !addrText.includes(':');
  let bits = 128;
  if (slash >= 0) {
    const b = Number(value.slice(slash + 1));
    const max = v4 ? 32 : 128;
    if (!/^\d+$/.test(value.slice(slash + 1)) || b > max) throw new FilterError(`prefix length must be 0 to ${max}`, col + slash + 1);
    bits = v4 ? 96 + b : b;
  }
  const cache = new Map<string, boolean>();
  return (x) => {
    let hit = cache.get(x);
    if (hit === undefined) {
      const got = parseIp16(x);
      hit = got !== null && samePrefix(got, want, bits);
      if (cache.size > 4096) cache.clear();
      cache.set(x, hit);
    }
    return hit;
  };
}

function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== b[i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (a[i] & mask) === (b[i] & mask);
}

/** An error as two lines under the expression: the expression, then a caret at the column. */
export function filterErrorText(src: string, e: FilterError): string {
  return `${e.message} (column ${e.column})\n  ${src}\n  ${' '.repeat(Math.max(0, e.column - 1))}^`;
}
