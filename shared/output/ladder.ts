// A call's messages as a ladder (sequence) diagram: participants (one column per endpoint, or
// per IP address when merged) and arrows between them, with the time of each arrow as absolute
// UTC time, time since the first message, or time since the previous one. The browser's SVG view
// and the text ladder below are both drawn from this model. Pure: no DOM, no Node.

import type { LadderEntry } from '../record.ts';
import type { Timestamp } from '../time.ts';
import type { Transport } from '../events.ts';
import { UTC, isoTimestamp, timestampDiffText, type Clock } from '../time.ts';

/** What the ladder needs of a message (a LadderEntry without its bytes will do). */
export type LadderMessage = Pick<
  LadderEntry,
  | 'frame'
  | 'ts'
  | 'src'
  | 'sport'
  | 'dst'
  | 'dport'
  | 'transport'
  | 'label'
  | 'isRequest'
  | 'cseq'
  | 'cseqMethod'
  | 'retransmission'
  | 'duplicate'
  | 'sdp'
  | 'fromCaller'
>;

export interface Participant {
  /** column identity: "addr port" (or "addr" when merged by IP) */
  key: string;
  /** what the column header shows: `192.0.2.1:5060`, `[2001:db8::1]:5060`, or the address alone */
  label: string;
  addr: string;
  /** null when merged by IP */
  port: number | null;
  /** the side that sent the first initial request (caller) or received it (callee), else null */
  role: 'caller' | 'callee' | null;
}

export interface Arrow {
  /** index of the message in the call (order of capture) */
  index: number;
  from: number;
  to: number;
  /** method, or "status reason" */
  label: string;
  isRequest: boolean;
  /** status code of a response, 0 for requests */
  status: number;
  cseq: number;
  cseqMethod: string;
  retransmission: boolean;
  duplicate: boolean;
  /** the message carries SDP */
  hasSdp: boolean;
  /** short SDP summary ("PCMA,PCMU 192.0.2.1:4000"), null without SDP */
  sdp: string | null;
  ts: Timestamp;
  frame: number;
  transport: Transport;
}

export interface LadderModel {
  participants: Participant[];
  arrows: Arrow[];
}

export type TimeMode = 'absolute' | 'relative' | 'delta';

export interface LadderOptions {
  /** one column per IP address instead of per address and port */
  mergeByIp?: boolean;
}

/** `ip:port`, IPv6 in brackets (RFC 5952 §6). */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * Short form of a ladder SDP summary (`audio 192.0.2.1:4000 RTP/AVP PCMU,telephone-event`, one
 * section per `; `): codecs and media address per section, e.g. `PCMU,telephone-event 192.0.2.1:4000`;
 * non-audio sections keep their media name in front (`video H264 192.0.2.1:5000`). Each payload
 * name is listed once (offers often repeat one at several clock rates).
 */
export function shortSdp(summary: string): string {
  const out: string[] = [];
  for (const section of summary.split('; ')) {
    const w = section.split(' ');
    if (w.length < 3) {
      out.push(section);
      continue;
    }
    const [media, where] = w;
    const names = uniqueNames(w.slice(3).join(' '));
    const parts = [media === 'audio' ? '' : media, names, /^\d+$/.test(where) ? `port ${where}` : where].filter((p) => p !== '');
    out.push(parts.join(' '));
  }
  return out.join('; ');
}

function uniqueNames(list: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of list.split(',')) {
    const k = n.toLowerCase();
    if (n === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(n);
  }
  return out.join(',');
}

function statusOf(label: string, isRequest: boolean): number {
  if (isRequest) return 0;
  const n = Number(label.slice(0, 3));
  return Number.isInteger(n) ? n : 0;
}

/** Participants and arrows of a call's messages, in message order. */
export function ladderModel(messages: readonly LadderMessage[], opts: LadderOptions = {}): LadderModel {
  const merge = opts.mergeByIp === true;
  const participants: Participant[] = [];
  const byKey = new Map<string, number>();
  const column = (addr: string, port: number): number => {
    const key = merge ? addr : `${addr} ${port}`;
    let i = byKey.get(key);
    if (i === undefined) {
      i = participants.length;
      byKey.set(key, i);
      participants.push({ key, label: merge ? addr : endpointText(addr, port), addr, port: merge ? null : port, role: null });
    }
    return i;
  };
  const arrows: Arrow[] = [];
  let roles = false;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const from = column(m.src, m.sport);
    const to = column(m.dst, m.dport);
    if (!roles && m.isRequest && m.fromCaller) {
      roles = true;
      participants[from].role = 'caller';
      if (to !== from) participants[to].role = 'callee';
    }
    arrows.push({
      index: i,
      from,
      to,
      label: m.label,
      isRequest: m.isRequest,
      status: statusOf(m.label, m.isRequest),
      cseq: m.cseq,
      cseqMethod: m.cseqMethod,
      retransmission: m.retransmission,
      duplicate: m.duplicate,
      hasSdp: m.sdp !== null,
      sdp: m.sdp !== null && m.sdp !== '' ? shortSdp(m.sdp) : null,
      ts: m.ts,
      frame: m.frame,
      transport: m.transport,
    });
  }
  return { participants, arrows };
}

/** The time shown next to an arrow. Absolute: `HH:MM:SS.ffffff` UTC (the capture's digits);
 *  relative: `+S.ffffff` since the first message; delta: `+S.ffffff` since the previous one. */
export function arrowTime(model: LadderModel, i: number, mode: TimeMode, clock: Clock = UTC): string {
  const a = model.arrows[i];
  if (mode === 'absolute') return isoTimestamp({ ...a.ts, sec: a.ts.sec + clock.offsetSec }, ' ').slice(11, -1);
  const base = mode === 'relative' || i === 0 ? model.arrows[0].ts : model.arrows[i - 1].ts;
  const d = timestampDiffText(base, a.ts);
  return d.startsWith('-') ? d : `+${d}`;
}

/** Date of the first message (`YYYY-MM-DD`) on the clock, for the header of an absolute time gutter. */
export function ladderDate(model: LadderModel, clock: Clock = UTC): string {
  if (!model.arrows.length) return '';
  const t = model.arrows[0].ts;
  return isoTimestamp({ ...t, sec: t.sec + clock.offsetSec }).slice(0, 10);
}

/** The head of the time gutter. */
export function timeHeading(model: LadderModel, mode: TimeMode, clock: Clock = UTC): string {
  return mode === 'absolute' ? `${ladderDate(model, clock)} ${clock.name}`.trim() : mode === 'relative' ? 'since first' : 'since previous';
}

/** The message's label; a response to anything but an INVITE also names its CSeq method
 *  (`200 OK (BYE)`), so it is not taken for the answer to the call. */
export function arrowName(a: Arrow): string {
  return !a.isRequest && a.cseqMethod !== '' && a.cseqMethod.toUpperCase() !== 'INVITE' ? `${a.label} (${a.cseqMethod})` : a.label;
}

/** What an arrow says: its name, `(SDP)` when it carries a body, and its marks. */
export function arrowCaption(a: Arrow): string {
  let s = arrowName(a);
  if (a.hasSdp) s += ' (SDP)';
  if (a.retransmission) s += ' (retransmission)';
  else if (a.duplicate) s += ' (duplicate)';
  return s;
}

const MAX_CAPTION = 48;

/** Control characters (SIP bytes can hold anything) as `\xHH`; long captions cut with `…`. */
export function printable(s: string, max = Infinity): string {
  let out = s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  if (out.length > max) out = out.slice(0, max - 1) + '…';
  return out;
}

export interface TextLadderOptions {
  time?: TimeMode;
  /** the clock of absolute times (UTC) */
  clock?: Clock;
  /** lines printed above the diagram (e.g. the Call-ID) */
  header?: readonly string[];
  /** lines printed below it (e.g. the RTP endpoints) */
  footer?: readonly string[];
  /** fit this many columns (a terminal): columns narrow down to MIN_COLUMN, captions and SDP
   *  notes are shortened with … (a ladder with many endpoints may still be wider) */
  maxWidth?: number;
}

/** Narrowest column of a fitted ladder. */
const MIN_COLUMN = 14;

function center(text: string, width: number): string {
  const left = Math.max(0, Math.floor((width - text.length) / 2));
  return ' '.repeat(left) + text + ' '.repeat(Math.max(0, width - text.length - left));
}

/**
 * The ladder as plain text (monospace), one line per arrow:
 *
 *     10:00:00.000000  |------ INVITE (SDP) ----->|  PCMA,PCMU 192.0.2.10:49170
 *     10:00:00.012000  |<----- 100 Trying --------|
 *
 * Retransmissions and duplicates are drawn with dots instead of dashes. Ends with a newline.
 */
export function ladderText(model: LadderModel, opts: TextLadderOptions = {}): string {
  const mode = opts.time ?? 'absolute';
  const { participants, arrows } = model;
  const captions = arrows.map((a) => printable(arrowCaption(a), MAX_CAPTION));
  const times = arrows.map((_, i) => arrowTime(model, i, mode, opts.clock));
  const timeTitle = timeHeading(model, mode, opts.clock);
  const gutter = Math.max(timeTitle.length, ...times.map((t) => t.length)) + 2;
  const heads = participants.map((p) => printable(p.label));
  let width = 18;
  for (const h of heads) width = Math.max(width, h.length + 2);
  arrows.forEach((a, i) => {
    const span = Math.max(1, Math.abs(a.to - a.from));
    width = Math.max(width, Math.ceil((captions[i].length + 8) / span));
  });
  if (width % 2 === 1) width++;
  const fit = opts.maxWidth;
  if (fit !== undefined && gutter + Math.max(1, participants.length) * width > fit) {
    width = Math.max(MIN_COLUMN, Math.floor((fit - gutter) / Math.max(1, participants.length)));
    if (width % 2 === 1) width--;
    arrows.forEach((a, i) => {
      const room = Math.max(1, Math.abs(a.to - a.from)) * width - 8;
      if (a.from !== a.to && captions[i].length > room) captions[i] = printable(captions[i], Math.max(3, room));
    });
  }
  // column i's lifeline is at x = gutter + i * width + width / 2
  const x = (i: number): number => gutter + i * width + width / 2;
  const total = gutter + Math.max(1, participants.length) * width;
  const lifelines = (): string[] => {
    const row = new Array<string>(total).fill(' ');
    for (let i = 0; i < participants.length; i++) row[x(i)] = '|';
    return row;
  };
  const put = (row: string[], at: number, s: string): void => {
    for (let k = 0; k < s.length; k++) if (at + k >= 0) row[at + k] = s[k];
  };

  const lines: string[] = [...(opts.header ?? [])];
  let head = timeTitle.padEnd(gutter);
  for (const h of heads) head += center(h, width);
  lines.push(head.trimEnd());
  const roleLine = participants.some((p) => p.role)
    ? ' '.repeat(gutter) + participants.map((p) => center(p.role ?? '', width)).join('')
    : '';
  if (roleLine.trim()) lines.push(roleLine.trimEnd());
  lines.push(lifelines().join('').trimEnd());

  arrows.forEach((a, i) => {
    const row = lifelines();
    put(row, 0, times[i]);
    const dash = a.retransmission || a.duplicate ? '.' : '-';
    const cap = captions[i];
    if (a.from === a.to) {
      // a message to itself (merged by IP): a hook to the right of the lifeline
      put(row, x(a.from) + 1, `${dash}${dash}+ ${cap}`);
      for (let k = x(a.from) + 5 + cap.length; k < Math.min(total, x(a.from) + width); k++) if (row[k] === '|') row[k] = ' ';
    } else {
      const lo = Math.min(x(a.from), x(a.to));
      const hi = Math.max(x(a.from), x(a.to));
      for (let k = lo + 1; k < hi; k++) row[k] = dash;
      if (a.to > a.from) row[hi - 1] = '>';
      else row[lo + 1] = '<';
      const inner = hi - lo - 3; // room between the heads
      const text = ` ${cap} `;
      put(row, lo + 2 + Math.max(0, Math.floor((inner - text.length) / 2)), text);
    }
    let line = row.join('');
    let notes = a.sdp !== null ? printable(a.sdp) : '';
    if (notes && fit !== undefined) notes = fit - total - 2 >= 8 ? printable(notes, fit - total - 2) : '';
    if (notes) line = line.trimEnd().padEnd(total) + '  ' + notes;
    lines.push(line.trimEnd());
  });
  if (arrows.length) lines.push(lifelines().join('').trimEnd());
  for (const f of opts.footer ?? []) lines.push(f);
  return lines.join('\n') + '\n';
}
