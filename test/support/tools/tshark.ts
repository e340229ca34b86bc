// tshark as the reference decoder for tests: the SIP messages it finds in a capture.
//
// One tshark run per capture, `-T fields` with every occurrence of a field aggregated with a
// control character (a frame can hold several SIP messages over TCP). The `sip` protocol field
// itself has one value per SIP PDU ("Session Initiation Protocol (INVITE)", "(200)", or just
// "sip" when the dissector threw), which gives the number and order of messages in a frame;
// sip.Method / sip.Status-Code values are handed to the request / response PDUs in that order.

import { run, toolPath } from './exec.ts';

/** Separates the occurrences of one field (never appears in tshark's field text). */
const AGG = '\u001f';

export type TsharkTransport = 'udp' | 'tcp' | 'sctp' | 'ws' | '';

export interface TsharkSip {
  /** 1-based frame number (the frame that completed the message: last TCP segment / IP fragment) */
  frame: number;
  /** frame.time_epoch exactly as tshark prints it (tshark 4.0 always prints 9 fraction digits) */
  time: string;
  callId: string; // '' when the message has none
  isRequest: boolean;
  method: string; // requests: the method; responses: ''
  status: number; // responses: the status code; requests: 0
  cseq: number | null; // CSeq number, null when missing / not a number
  cseqMethod: string; // '' when missing
  ipVersion: 4 | 6 | 0; // 0 when the frame has no IP layer tshark knows
  src: string; // innermost IP layer (tunnels: the encapsulated packet)
  dst: string;
  sport: number; // 0 when unknown
  dport: number;
  transport: TsharkTransport;
  /** index of this message among the SIP messages of its frame (0-based) and their count */
  indexInFrame: number;
  messagesInFrame: number;
  /** tshark flagged the frame as malformed ([Malformed Packet]) */
  malformed: boolean;
  /** the SIP message is quoted inside an ICMP/ICMPv6 error, not a message that was sent */
  inIcmpError: boolean;
  /**
   * true when the per-message fields of a multi-message frame could not be aligned with
   * certainty (a header missing in one of the messages, a malformed PDU)
   */
  ambiguous: boolean;
  /** frame.protocols, e.g. "eth:ethertype:ip:udp:sip:sdp" */
  protocols: string;
  /** values of opts.extraFields for the whole frame (not split per message) */
  extra: Record<string, string[]>;
}

export interface TsharkOptions {
  /** extra `-d` decode-as rules, e.g. ['tcp.port==6060,sip'] */
  extraDecodeAs?: string[];
  /** extra `-o` preferences, e.g. ['rtp.heuristic_rtp:TRUE'] */
  extraPrefs?: string[];
  /** extra fields to report per frame in `extra` (e.g. 'sip.Reason') */
  extraFields?: string[];
  /** display filter; default 'sip' */
  filter?: string;
  timeoutMs?: number;
}

const BASE_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'udp.srcport',
  'udp.dstport',
  'tcp.srcport',
  'tcp.dstport',
  'sctp.srcport',
  'sctp.dstport',
  'sip',
  'sip.Method',
  'sip.Status-Code',
  'sip.Call-ID',
  'sip.CSeq.seq',
  'sip.CSeq.method',
  '_ws.malformed',
] as const;

type BaseField = (typeof BASE_FIELDS)[number];

/** Common tshark arguments: no name resolution, TCP reassembly, IP defragmentation. */
export function tsharkBaseArgs(pcapPath: string, opts: TsharkOptions = {}): string[] {
  const args = ['-n', '-r', pcapPath, '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'ip.defragment:TRUE'];
  for (const p of opts.extraPrefs ?? []) args.push('-o', p);
  for (const d of opts.extraDecodeAs ?? []) args.push('-d', d);
  return args;
}

/** Run tshark with `-T fields` and return, per output line, the occurrences of each field. */
export async function tsharkFields(pcapPath: string, fields: readonly string[], opts: TsharkOptions = {}): Promise<string[][][]> {
  const args = [
    ...tsharkBaseArgs(pcapPath, opts),
    '-Y',
    opts.filter ?? 'sip',
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    `aggregator=${AGG}`,
    '-E',
    'header=n',
    '-E',
    'quote=n',
  ];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run(toolPath('tshark'), args, { timeoutMs: opts.timeoutMs ?? 120_000 });
  const rows: string[][][] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    rows.push(fields.map((_, i) => splitOccurrences(cols[i] ?? '')));
  }
  return rows;
}

function splitOccurrences(v: string): string[] {
  return v === '' ? [] : v.split(AGG);
}

function lastOf(a: string[]): string {
  return a.length ? a[a.length - 1] : '';
}

function intOrNull(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s.trim())) return null;
  return Number(s.trim());
}

/** Kind of one SIP PDU from the text of the `sip` protocol item. */
function pduKind(text: string): 'request' | 'response' | 'unknown' {
  const m = /^Session Initiation Protocol \((.*)\)$/.exec(text);
  if (!m) return 'unknown';
  return /^\d{3}$/.test(m[1]) ? 'response' : 'request';
}

/**
 * The SIP messages tshark decodes in `pcapPath`, in frame order (and in order within a frame).
 * Frames where tshark sees SIP but no start line (e.g. "Continuation") yield no message.
 */
export async function tsharkSipMessages(pcapPath: string, opts: TsharkOptions = {}): Promise<TsharkSip[]> {
  const extraFields = opts.extraFields ?? [];
  const fields = [...BASE_FIELDS, ...extraFields];
  const rows = await tsharkFields(pcapPath, fields, opts);
  const out: TsharkSip[] = [];
  for (const row of rows) {
    const f = (name: BaseField): string[] => row[BASE_FIELDS.indexOf(name)];
    const extra: Record<string, string[]> = {};
    extraFields.forEach((name, i) => {
      extra[name] = row[BASE_FIELDS.length + i];
    });
    out.push(...messagesOfFrame(f, extra));
  }
  return out;
}

function messagesOfFrame(f: (name: BaseField) => string[], extra: Record<string, string[]>): TsharkSip[] {
  const frame = Number(f('frame.number')[0]);
  const time = f('frame.time_epoch')[0] ?? '';
  const protocols = f('frame.protocols')[0] ?? '';
  const layers = protocols.split(':');
  const sipAt = layers.indexOf('sip');
  const below = sipAt >= 0 ? layers.slice(0, sipAt) : layers;

  // innermost network and transport layers below the (first) SIP layer
  let ipVersion: 4 | 6 | 0 = 0;
  let l4: TsharkTransport = '';
  let inIcmpError = false;
  for (const p of below) {
    if (p === 'ip') ipVersion = 4;
    else if (p === 'ipv6') ipVersion = 6;
    else if (p === 'udp' || p === 'tcp' || p === 'sctp') l4 = p;
    else if (p === 'icmp' || p === 'icmpv6') inIcmpError = true;
  }
  const transport: TsharkTransport = below.includes('websocket') ? 'ws' : l4;
  const src = ipVersion === 4 ? lastOf(f('ip.src')) : ipVersion === 6 ? lastOf(f('ipv6.src')) : '';
  const dst = ipVersion === 4 ? lastOf(f('ip.dst')) : ipVersion === 6 ? lastOf(f('ipv6.dst')) : '';
  const portOf = (s: string): number => (s === '' ? 0 : Number(s));
  const sport = l4 ? portOf(lastOf(f(`${l4}.srcport` as BaseField))) : 0;
  const dport = l4 ? portOf(lastOf(f(`${l4}.dstport` as BaseField))) : 0;
  const malformed = f('_ws.malformed').length > 0;

  const pdus = f('sip');
  const methods = f('sip.Method');
  const statuses = f('sip.Status-Code');
  const callIds = f('sip.Call-ID');
  const cseqs = f('sip.CSeq.seq');
  const cseqMethods = f('sip.CSeq.method');

  // Decide the kind of each PDU; PDUs with no start line (continuations) are not messages.
  let kinds = pdus.map(pduKind);
  let ambiguous = false;
  if (kinds.includes('unknown')) {
    const nReq = kinds.filter((k) => k === 'request').length;
    const nResp = kinds.filter((k) => k === 'response').length;
    const spareReq = methods.length - nReq;
    const spareResp = statuses.length - nResp;
    if (pdus.length === 1) {
      kinds = [methods.length ? 'request' : statuses.length ? 'response' : 'unknown'];
    } else {
      // several PDUs, some without a readable kind: hand out the spare start lines in order
      let r = spareReq;
      let s = spareResp;
      kinds = kinds.map((k) => {
        if (k !== 'unknown') return k;
        ambiguous = true;
        if (r > 0) {
          r--;
          return 'request';
        }
        if (s > 0) {
          s--;
          return 'response';
        }
        return 'unknown';
      });
    }
  }
  const messages = kinds.filter((k) => k !== 'unknown').length;
  if (messages === 0) return [];
  if (messages > 1 && (callIds.length !== messages || cseqs.length !== messages || cseqMethods.length !== messages)) ambiguous = true;
  if (messages > 1 && pdus.length !== messages) ambiguous = true;

  const out: TsharkSip[] = [];
  let iReq = 0;
  let iResp = 0;
  let i = 0; // index among messages
  for (const kind of kinds) {
    if (kind === 'unknown') continue;
    const isRequest = kind === 'request';
    const method = isRequest ? (methods[iReq++] ?? '') : '';
    const status = isRequest ? 0 : (intOrNull(statuses[iResp++]) ?? 0);
    // one message: take the first value (a malformed message may repeat a header)
    const pick = (a: string[]): string | undefined => (messages === 1 ? a[0] : a[i]);
    out.push({
      frame,
      time,
      callId: (pick(callIds) ?? '').trim(),
      isRequest,
      method,
      status,
      cseq: intOrNull(pick(cseqs)),
      cseqMethod: pick(cseqMethods) ?? '',
      ipVersion,
      src,
      dst,
      sport,
      dport,
      transport,
      indexInFrame: i,
      messagesInFrame: messages,
      malformed,
      inIcmpError,
      ambiguous,
      protocols,
      extra,
    });
    i++;
  }
  return out;
}

/** Call-IDs that have at least one INVITE request, in order of first appearance. */
export async function tsharkCalls(pcapPath: string, opts: TsharkOptions = {}): Promise<string[]> {
  const msgs = await tsharkSipMessages(pcapPath, opts);
  const seen = new Set<string>();
  for (const m of msgs) if (m.isRequest && m.method === 'INVITE' && !m.inIcmpError) seen.add(m.callId);
  return [...seen];
}

/** Number of frames matching a display filter (e.g. 'rtp' with `-d udp.port==N,rtp`). */
export async function tsharkCount(pcapPath: string, filter: string, opts: TsharkOptions = {}): Promise<number> {
  const rows = await tsharkFields(pcapPath, ['frame.number'], { ...opts, filter });
  return rows.length;
}

/**
 * tshark's time string normalised to exactly `digits` fraction digits. Throws when a digit
 * that would be cut is not zero (the capture has more precision than `digits` says).
 */
export function tsharkTimeWithDigits(time: string, digits: number): string {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(time);
  if (!m) throw new Error(`not an epoch time: ${time}`);
  const frac = (m[2] ?? '').padEnd(Math.max(digits, (m[2] ?? '').length), '0');
  const cut = frac.slice(digits);
  if (/[^0]/.test(cut)) throw new Error(`time ${time} has more than ${digits} significant fraction digits`);
  return digits > 0 ? `${m[1]}.${frac.slice(0, digits)}` : m[1];
}

/** One stream of `tshark -z rtp,streams` (Wireshark 4.0's RTP analysis, heuristic RTP on). */
export interface TsharkRtpStream {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
  packets: number;
  /** tshark's lost: expected up to the last packet to arrive, minus packets */
  lost: number;
  maxDelta: number;
  meanJitter: number;
  maxJitter: number;
}

/** Every RTP stream tshark's analysis finds in a capture. */
export async function tsharkRtpStreams(pcapPath: string, timeoutMs = 120_000): Promise<TsharkRtpStream[]> {
  const r = await run(toolPath('tshark'), ['-n', '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams', '-r', pcapPath], { timeoutMs });
  const rows: TsharkRtpStream[] = [];
  for (const line of r.stdout.split('\n')) {
    const m =
      /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+.*?\s(\d+)\s+(-?\d+) \(\S+%\)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(
        line,
      );
    if (!m) continue;
    rows.push({
      src: m[1],
      sport: Number(m[2]),
      dst: m[3],
      dport: Number(m[4]),
      ssrc: Number.parseInt(m[5], 16),
      packets: Number(m[6]),
      lost: Number(m[7]),
      maxDelta: Number(m[10]),
      meanJitter: Number(m[12]),
      maxJitter: Number(m[13]),
    });
  }
  return rows;
}

/** The agreement SPEC §8 asks of max delta and jitter against tshark: 2 % or 0.02 ms. */
export function nearTshark(ours: number, theirs: number): boolean {
  return Math.abs(ours - theirs) <= Math.max(0.02, Math.abs(theirs) * 0.02);
}
