// The call tracker (SPEC §1–§3): SIP messages in, one finished record per call out.
// Keyed by Call-ID; everything is driven by capture time, never by the wall clock.

import { tsSeconds, type Sdp, type SipMessage, type Timestamp, type Transport } from './events.ts';
import { compareTimestamps, sipField, timestampDiff } from './fields.ts';
import { splitList } from './header-values.ts';

export type CallState =
  | 'CALL_STARTED'
  | 'CALL_IN_PROGRESS'
  | 'CALL_COMPLETED'
  | 'CALL_CANCELED'
  | 'CALL_ERROR'
  | 'REGISTER'
  | 'UNKNOWN';

export type ExportCause = 'bye' | 'final' | 'idle' | 'evicted' | 'end';

export interface TrackerOptions {
  /** seconds without SIP or RTP before an unanswered call (or a non-INVITE dialog) is exported */
  idleTimeout: number;
  /** the same once the call is answered */
  establishedTimeout: number;
  /** most open calls; the longest-idle one is exported early when a new one would exceed it */
  maxCalls: number;
  /** non-INVITE dialogs become records too (state REGISTER / UNKNOWN) */
  allDialogs: boolean;
  /** keep every message (with its bytes) in `ladder` */
  keepMessages: boolean;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  idleTimeout: 300,
  establishedTimeout: 7200,
  maxCalls: 1_000_000,
  allDialogs: false,
  keepMessages: false,
});

/** RTP counters kept by the WASM core for endpoints learned from SDP. */
export interface MediaHooks {
  watch(ip: string, port: number): number;
  unwatch(id: number): void;
  /** capture seconds of the last RTP packet sent to that endpoint, 0 if none */
  lastSeen(id: number): number;
  packets(id: number): number;
}

/** The signalling flow of a record (SPEC §4): the initial INVITE's addresses, caller as source. */
export interface FlowInfo {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  protocol: number; // 17 UDP, 6 TCP (also WebSocket), 132 SCTP
  start: Timestamp; // first SIP message of the dialog
  end: Timestamp; // last SIP message of the dialog
  packets: number; // packets that carried the dialog's SIP messages (retransmissions and duplicates included)
  bytes: number; // their IP-layer bytes
}

export interface LadderEntry {
  frame: number;
  fileIndex: number;
  fileOffset: number;
  ts: Timestamp;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  transport: Transport;
  /** method, or "status reason" */
  label: string;
  isRequest: boolean;
  cseq: number;
  cseqMethod: string;
  retransmission: boolean;
  duplicate: boolean;
  /** one line per media section, e.g. "audio 192.0.2.1:4000 RTP/AVP PCMU,telephone-event" */
  sdp: string | null;
  fromCaller: boolean;
  /** the message's bytes */
  raw: Uint8Array;
}

export interface CallRecord {
  SIP_CALL_ID: string;
  SIP_CALLING_PARTY: string;
  SIP_CALLED_PARTY: string;
  SIP_RTP_CODECS: string;
  SIP_INVITE_TIME: Timestamp | null;
  SIP_TRYING_TIME: Timestamp | null;
  SIP_RINGING_TIME: Timestamp | null;
  SIP_INVITE_OK_TIME: Timestamp | null;
  SIP_INVITE_FAILURE_TIME: Timestamp | null;
  SIP_BYE_TIME: Timestamp | null;
  SIP_BYE_OK_TIME: Timestamp | null;
  SIP_CANCEL_TIME: Timestamp | null;
  SIP_CANCEL_OK_TIME: Timestamp | null;
  SIP_RTP_IPV4_SRC_ADDR: string;
  SIP_RTP_L4_SRC_PORT: number;
  SIP_RTP_IPV4_DST_ADDR: string;
  SIP_RTP_L4_DST_PORT: number;
  SIP_RESPONSE_CODE: number;
  SIP_REASON_CAUSE: number;
  SIP_UAC: string;
  SIP_UAS: string;
  SIP_C_IP: string;
  SIP_CALL_STATE: CallState;

  flow: FlowInfo;
  /** caller's / callee's media as "ip:port" or "[v6]:port", null when unknown */
  rtpSrc: string | null;
  rtpDst: string | null;
  /** first Reason header value of the dialog, raw */
  reason: string | null;
  messages: number;
  retransmissions: number;
  duplicates: number;
  /** first 2xx to an initial INVITE → first BYE, seconds */
  durationSec: number | null;
  /** initial INVITE → first 180/183/2xx, seconds */
  setupSec: number | null;
  exportCause: ExportCause;
  /** capture seconds of the export (the deadline for idle/window exports): dump files are per minute of it */
  exportedAt: number;
  /** RTP packets the core counted to this call's SDP endpoints (0 without MediaHooks) */
  rtpPackets: number;
  ladder?: LadderEntry[];
}

export interface TrackerStats {
  /** every message handed to onMessage */
  messages: number;
  /** no Call-ID, no/unparsable CSeq, no method/status */
  malformed: number;
  retransmissions: number;
  duplicates: number;
  /** records started by an initial INVITE */
  calls: number;
  /** records of non-INVITE dialogs (allDialogs) */
  dialogs: number;
  open: number;
  exported: number;
  evicted: number;
  /** messages of an exported call that came within 32 s of its export (absorbed, no new record) */
  lateMessages: number;
  /** messages of Call-IDs that are not records (non-INVITE dialogs without allDialogs) */
  otherMessages: number;
  /** non-INVITE dialogs (distinct Call-IDs) by the method of their first message */
  methods: Record<string, number>;
  exportCauses: Record<ExportCause, number>;
}

// ---------------------------------------------------------------- constants and helpers

/** RFC 3261 64*T1: transaction lifetime, retransmission window, BYE / auth-retry windows. */
const WINDOW = 32;
const DUP_WINDOW = 0.001;
const C_IP_MAX = sipField('SIP_C_IP').maxLength;
/** an insertion never walks further than this from the list tail (bounded cost on odd input) */
const MAX_WALK = 64;
/** most messages whose bytes are held for the exact-duplicate check (only those of the last 1 ms) */
const DUP_RING = 256;

const W_NONE = 0;
const W_BYE = 1;
const W_FINAL = 2;

/** RFC 3551 names of static payload types 0–34 ('' = reserved/unassigned). */
const STATIC_PT: readonly string[] = [
  'PCMU', '', '', 'GSM', 'G723', 'DVI4', 'DVI4', 'LPC', 'PCMA', 'G722', 'L16', 'L16', 'QCELP', 'CN',
  'MPA', 'G728', 'DVI4', 'DVI4', 'G729', '', '', '', '', '', '', 'CelB', 'JPEG', '', 'nv', '', '',
  'H261', 'MPV', 'MP2T', 'H263',
];

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function protocolNumber(t: Transport): number {
  return t === 'udp' ? 17 : t === 'sctp' ? 132 : 6; // WebSocket runs over TCP
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function stripTtl(a: string): string {
  const i = a.indexOf('/');
  return i < 0 ? a.trim() : a.slice(0, i).trim();
}

/** ASCII case-insensitive equality without allocating. */
function eqIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 0x61 || lx > 0x7a) return false;
  }
  return true;
}

function hasIgnoreCase(list: string[], v: string): boolean {
  for (let i = 0; i < list.length; i++) if (eqIgnoreCase(list[i], v)) return true;
  return false;
}

/** The m= transport names RTP (RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF…), any case. */
function isRtpProto(p: string): boolean {
  for (let i = 0; i + 3 <= p.length; i++) {
    if ((p.charCodeAt(i) | 0x20) === 0x72 && (p.charCodeAt(i + 1) | 0x20) === 0x74 && (p.charCodeAt(i + 2) | 0x20) === 0x70) return true;
  }
  return false;
}

function isIpLiteral(a: string): boolean {
  return IPV4.test(a) || a.indexOf(':') >= 0;
}

function isUnspecified(a: string): boolean {
  return a === '0.0.0.0' || a === '::';
}

/** "ip:port" / "[v6]:port" */
function endpoint(addr: string, port: number): string {
  return addr.indexOf(':') >= 0 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * A From/To value without header parameters: `"Alice" <sip:a@x>;tag=1` → `"Alice" <sip:a@x>`,
 * `sip:b@x;tag=1` → `sip:b@x` (in a bare addr-spec every `;` starts a header parameter).
 */
export function partyOf(v: string): string {
  let inQuote = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++; // quoted-pair
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) {
      const gt = v.indexOf('>', i + 1);
      return (gt < 0 ? v : v.slice(0, gt + 1)).trim();
    }
  }
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).trim();
}

/** The Q.850 cause of a Reason header value (RFC 3326), 0 if it is not a Q.850 reason with a cause. */
export function q850Cause(r: string): number {
  let i = r.indexOf(';');
  if (i < 0) return 0;
  const proto = r.slice(0, i).trim();
  if (proto.length !== 5 || proto.toUpperCase() !== 'Q.850') return 0;
  // walk the parameters, honouring quoted values (text="a;b")
  while (i < r.length) {
    let j = i + 1;
    let inQuote = false;
    while (j < r.length) {
      const c = r.charCodeAt(j);
      if (inQuote) {
        if (c === 0x5c) j++;
        else if (c === 0x22) inQuote = false;
      } else if (c === 0x22) inQuote = true;
      else if (c === 0x3b) break;
      j++;
    }
    const p = r.slice(i + 1, j);
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === 'cause') {
      const n = parseInt(p.slice(eq + 1).trim(), 10);
      return Number.isFinite(n) && n > 0 ? n : 0;
    }
    i = j;
  }
  return 0;
}

function payloadName(md: { rtpmap: Map<string, string> }, pt: string): string {
  const mapped = md.rtpmap.get(pt);
  if (mapped !== undefined) {
    const slash = mapped.indexOf('/'); // tolerate "PCMU/8000"
    return (slash < 0 ? mapped : mapped.slice(0, slash)).trim();
  }
  if (pt.length > 2) return '';
  const n = Number(pt);
  return Number.isInteger(n) && n >= 0 && n <= 34 ? STATIC_PT[n] : '';
}

/** One-line summary of an SDP body for the ladder. */
export function sdpSummary(sdp: Sdp): string {
  const parts: string[] = [];
  for (const md of sdp.media) {
    const addr = md.connection ?? sdp.connection;
    const names = md.formats.map((pt) => payloadName(md, pt) || pt).join(',');
    parts.push(`${md.media} ${addr ? endpoint(addr, md.port) : String(md.port)} ${md.proto} ${names}`);
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------- internal state

/** What identifies one transmission of a message (SPEC §1 retransmission rule). */
interface Sig {
  isRequest: boolean;
  method: string;
  status: number;
  cseq: number;
  cseqMethod: string;
  toTag: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  first: number;
  last: number;
  len: number;
  /** bytes of the latest copy while it is in the 1 ms duplicate ring, else null */
  raw: Uint8Array | null;
}

interface Tomb {
  callId: string;
  callerTags: string[];
  cseqs: number[];
  until: number;
}

interface Light {
  callId: string;
  last: number;
  prev: Light | null;
  next: Light | null;
}

interface WindowEntry {
  at: number;
  d: Dialog;
  gen: number;
}

class Dialog {
  prev: Dialog | null = null;
  next: Dialog | null = null;
  list: ActivityList | null = null;
  /** capture seconds of the last activity (SIP message, or RTP found when it looked idle) */
  last: number;
  collected = false;
  dueAt = 0;
  dueCause: ExportCause = 'end';

  kind: 'call' | 'dialog';
  isRegister = false;
  windowKind = W_NONE;
  windowGen = 0;

  callerTags: string[] = [];
  initialCseqs: number[] = [];
  setupCseq = 0;
  setupCode = 0;
  answered = false;
  provisional = false;

  inviteTs: Timestamp | null = null;
  tryingTs: Timestamp | null = null;
  ringingTs: Timestamp | null = null;
  okTs: Timestamp | null = null;
  failTs: Timestamp | null = null;
  byeTs: Timestamp | null = null;
  byeOkTs: Timestamp | null = null;
  cancelTs: Timestamp | null = null;
  cancelOkTs: Timestamp | null = null;

  calling = '';
  called = '';
  codecs: string[] = [];
  cips: string[] = [];
  cipBytes = 0;
  cipFull = false;
  rtpSrcSet = false;
  rtpSrcAddr: string | null = null;
  rtpSrcPort = 0;
  rtpDstSet = false;
  rtpDstAddr: string | null = null;
  rtpDstPort = 0;
  uac: string | null = null;
  uasUa: string | null = null;
  uasServer: string | null = null;
  /** Q.850 causes from a BYE/CANCEL and from the setup's final response, with the Reason header
   *  (as written) each came from and the message number that carried it */
  causeBC = 0;
  causeBCOrder = 0;
  causeBCText: string | null = null;
  causeFinal = 0;
  causeFinalOrder = 0;
  causeFinalText: string | null = null;
  /** without any Q.850 cause: the first Reason header of such a message (e.g. `SIP;cause=200`) */
  plainReason: string | null = null;
  plainReasonFromFinal = false;

  ipVersion: 4 | 6 = 4;
  src = '';
  dst = '';
  sport = 0;
  dport = 0;
  protocol = 17;
  firstTs: Timestamp;
  lastTs: Timestamp;
  messages = 0;
  packets = 0;
  bytes = 0;
  retransmissions = 0;
  duplicates = 0;

  sigs: Sig[] = [];
  /** SDP endpoints registered with MediaHooks */
  media: { addr: string; port: number; id: number }[] | null = null;
  ladder: LadderEntry[] | null = null;

  constructor(
    readonly callId: string,
    kind: 'call' | 'dialog',
    m: SipMessage,
    last: number,
  ) {
    this.kind = kind;
    this.last = last;
    this.firstTs = m.ts;
    this.lastTs = m.ts;
  }

  setFlow(m: SipMessage): void {
    // source = the side that sent the request (a response travels the other way)
    this.ipVersion = m.ipVersion;
    this.src = m.isRequest ? m.src : m.dst;
    this.dst = m.isRequest ? m.dst : m.src;
    this.sport = m.isRequest ? m.sport : m.dport;
    this.dport = m.isRequest ? m.dport : m.sport;
    this.protocol = protocolNumber(m.transport);
  }
}

/** Dialogs ordered by `last` (oldest at head); appends are O(1) because time mostly moves forward. */
class ActivityList {
  head: Dialog | null = null;
  tail: Dialog | null = null;
  size = 0;

  insert(d: Dialog): void {
    let p = this.tail;
    for (let n = 0; p !== null && p.last > d.last && n < MAX_WALK; n++) p = p.prev;
    d.list = this;
    d.prev = p;
    if (p === null) {
      d.next = this.head;
      if (this.head !== null) this.head.prev = d;
      else this.tail = d;
      this.head = d;
    } else {
      d.next = p.next;
      if (p.next !== null) p.next.prev = d;
      else this.tail = d;
      p.next = d;
    }
    this.size++;
  }

  remove(d: Dialog): void {
    if (d.prev !== null) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next !== null) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = null;
    d.list = null;
    this.size--;
  }

  touch(d: Dialog): void {
    if (this.tail === d) return;
    this.remove(d);
    this.insert(d);
  }
}

/** Min-heap of pending 32 s windows; stale entries (generation changed) are skipped when popped. */
class WindowHeap {
  private a: WindowEntry[] = [];

  get size(): number {
    return this.a.length;
  }

  top(): WindowEntry {
    return this.a[0];
  }

  push(e: WindowEntry): void {
    const a = this.a;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= e.at) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = e;
  }

  pop(): WindowEntry {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as WindowEntry;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r].at < a[l].at ? r : l;
        if (a[c].at >= last.at) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }

  clear(): void {
    this.a = [];
  }
}

function byFirstThenId(a: Dialog, b: Dialog): number {
  const c = compareTimestamps(a.firstTs, b.firstTs);
  return c !== 0 ? c : a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0;
}

// ---------------------------------------------------------------- the tracker

export class CallTracker {
  private readonly o: TrackerOptions;
  private readonly open = new Map<string, Dialog>();
  private readonly unanswered = new ActivityList();
  private readonly answered = new ActivityList();
  private readonly windows = new WindowHeap();
  private readonly tombs = new Map<string, Tomb>();
  private tombQueue: Tomb[] = [];
  private tombHead = 0;
  private readonly ringSig: (Sig | null)[] = new Array(DUP_RING).fill(null);
  private readonly ringRaw: (Uint8Array | null)[] = new Array(DUP_RING).fill(null);
  private readonly ringT = new Float64Array(DUP_RING);
  private ringHead = 0;
  private ringCount = 0;
  private readonly lights = new Map<string, Light>();
  private lightHead: Light | null = null;
  private lightTail: Light | null = null;
  /** capture time: the latest of message times and advance() */
  private now = -Infinity;
  /** latest message time: activity stamps use it so they do not depend on when advance() was called */
  private sipNow = -Infinity;

  private st = {
    messages: 0,
    malformed: 0,
    retransmissions: 0,
    duplicates: 0,
    calls: 0,
    dialogs: 0,
    exported: 0,
    evicted: 0,
    lateMessages: 0,
    otherMessages: 0,
  };
  private readonly methods = new Map<string, number>();
  private readonly causes: Record<ExportCause, number> = { bye: 0, final: 0, idle: 0, evicted: 0, end: 0 };

  constructor(
    opts: Partial<TrackerOptions>,
    private readonly onRecord: (r: CallRecord) => void,
    private readonly media?: MediaHooks,
  ) {
    this.o = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
    if (!(this.o.maxCalls >= 1)) this.o.maxCalls = 1;
  }

  onMessage(m: SipMessage): void {
    const st = this.st;
    st.messages++;
    if (
      m.callId === '' ||
      m.cseqMethod === '' ||
      !(m.cseq >= 0) ||
      (m.isRequest ? m.method === '' : !(m.status >= 100 && m.status <= 699))
    ) {
      st.malformed++;
      return;
    }
    const t = tsSeconds(m.ts);
    if (t > this.sipNow) this.sipNow = t;
    if (t > this.now) this.now = t;
    // deadlines that passed before this message are settled first, so the order of records does
    // not depend on how often the host calls advance()
    this.expire(this.now);

    const initial = m.isRequest && m.toTag === '' && m.method === 'INVITE';
    let d = this.open.get(m.callId);
    if (d === undefined) {
      const tomb = this.tombs.get(m.callId);
      if (tomb !== undefined && tomb.until < t) this.tombs.delete(m.callId);
      else if (tomb !== undefined) {
        // Within 32 s of an export, late copies (ACK, retransmitted 200/BYE, the INVITE itself)
        // belong to the exported call: absorb them. Only an initial INVITE that is not one of the
        // exported call's (other From-tag or CSeq) starts a new call with the same Call-ID.
        if (!initial || (tomb.callerTags.includes(m.fromTag) && tomb.cseqs.includes(m.cseq))) {
          st.lateMessages++;
          return;
        }
        this.tombs.delete(m.callId);
      }
      if (initial) d = this.create(m, 'call');
      else if (this.o.allDialogs) d = this.create(m, 'dialog');
      else {
        this.countOther(m);
        return;
      }
    } else if (initial && d.kind === 'dialog') {
      this.upgrade(d, m);
    }
    this.process(d, m, t, initial);
  }

  advance(nowSec: number): void {
    if (nowSec > this.now) this.now = nowSec;
    this.expire(this.now);
  }

  finish(): void {
    const rest = [...this.open.values()].sort(byFirstThenId);
    for (const d of rest) this.exportDialog(d, 'end', this.now);
    this.windows.clear();
    this.tombs.clear();
    this.tombQueue = [];
    this.tombHead = 0;
    this.lights.clear();
    this.lightHead = this.lightTail = null;
    while (this.ringCount > 0) this.ringDrop();
  }

  stats(): TrackerStats {
    return {
      ...this.st,
      open: this.open.size,
      methods: Object.fromEntries(this.methods),
      exportCauses: { ...this.causes },
    };
  }

  // ---------------------------------------------------------------- creation

  private create(m: SipMessage, kind: 'call' | 'dialog'): Dialog {
    if (this.open.size >= this.o.maxCalls) this.evict();
    const d = new Dialog(m.callId, kind, m, this.sipNow);
    d.setFlow(m);
    d.callerTags.push(m.fromTag);
    // a response travels from the callee: From still names the requester
    d.calling = partyOf(m.from);
    d.called = partyOf(m.to);
    if (kind === 'call') {
      this.st.calls++;
      this.dropLight(m.callId);
    } else {
      this.st.dialogs++;
      const method = m.isRequest ? m.method : m.cseqMethod;
      d.isRegister = method === 'REGISTER';
      this.countMethod(method);
    }
    if (this.o.keepMessages) d.ladder = [];
    this.open.set(m.callId, d);
    this.unanswered.insert(d);
    return d;
  }

  /** A non-INVITE dialog record that receives an initial INVITE becomes a call (allDialogs only). */
  private upgrade(d: Dialog, m: SipMessage): void {
    d.kind = 'call';
    this.st.calls++;
    d.setFlow(m);
    d.callerTags = [m.fromTag];
    d.calling = partyOf(m.from);
    d.called = partyOf(m.to);
    d.setupCode = 0;
    this.clearWindow(d);
  }

  private evict(): void {
    const a = this.unanswered.head;
    const b = this.answered.head;
    const victim = a === null ? b : b === null ? a : a.last <= b.last ? a : b;
    if (victim === null) return;
    this.st.evicted++;
    this.exportDialog(victim, 'evicted', this.sipNow);
  }

  private countMethod(method: string): void {
    this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
  }

  /** Non-INVITE Call-IDs without allDialogs: counted once per Call-ID, kept only as an LRU entry. */
  private countOther(m: SipMessage): void {
    this.st.otherMessages++;
    const l = this.lights.get(m.callId);
    if (l !== undefined) {
      l.last = this.sipNow;
      if (l !== this.lightTail) {
        this.unlinkLight(l);
        this.appendLight(l);
      }
      return;
    }
    this.countMethod(m.isRequest ? m.method : m.cseqMethod);
    if (this.lights.size >= this.o.maxCalls && this.lightHead !== null) this.dropLight(this.lightHead.callId);
    const n: Light = { callId: m.callId, last: this.sipNow, prev: null, next: null };
    this.lights.set(m.callId, n);
    this.appendLight(n);
  }

  private appendLight(l: Light): void {
    l.prev = this.lightTail;
    l.next = null;
    if (this.lightTail !== null) this.lightTail.next = l;
    else this.lightHead = l;
    this.lightTail = l;
  }

  private unlinkLight(l: Light): void {
    if (l.prev !== null) l.prev.next = l.next;
    else this.lightHead = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    else this.lightTail = l.prev;
    l.prev = l.next = null;
  }

  private dropLight(callId: string): void {
    const l = this.lights.get(callId);
    if (l === undefined) return;
    this.lights.delete(callId);
    this.unlinkLight(l);
  }

  // ---------------------------------------------------------------- per message

  /** 0 new, 1 retransmission, 2 exact duplicate */
  private classify(d: Dialog, m: SipMessage, t: number): number {
    const raw = m.raw;
    this.ringExpire(t);
    // an exact copy within 1 ms is a duplicate whatever its addresses (a tap on both sides of a
    // NAT, bonded interfaces): identical bytes already mean the same Call-ID, CSeq and tags. Its
    // own hop is still recorded below, so a later copy on that hop is known too.
    let copy = false;
    for (let k = 0; k < this.ringCount && !copy; k++) {
      const r = this.ringRaw[(this.ringHead + k) % DUP_RING];
      copy = r !== null && r.length === raw.length && sameBytes(r, raw);
    }
    const sigs = d.sigs;
    let stale = 0;
    for (let i = 0; i < sigs.length; i++) {
      const s = sigs[i];
      if (t - s.first > WINDOW) {
        stale++;
        continue;
      }
      if (
        s.cseq === m.cseq &&
        s.isRequest === m.isRequest &&
        s.status === m.status &&
        s.method === m.method &&
        s.cseqMethod === m.cseqMethod &&
        s.toTag === m.toTag &&
        s.sport === m.sport &&
        s.dport === m.dport &&
        s.src === m.src &&
        s.dst === m.dst
      ) {
        // Bytes are compared only for a copy within 1 ms; if the ring overflowed (over 256 messages
        // in 1 ms) the copy is taken as a duplicate: no SIP timer retransmits that fast.
        const dup =
          t - s.last <= DUP_WINDOW && s.len === raw.length && (s.raw === null || sameBytes(s.raw, raw));
        if (t > s.last) s.last = t;
        s.len = raw.length;
        this.ringPut(s, raw, t);
        return dup || copy ? 2 : 1;
      }
    }
    if (stale > 8) d.sigs = sigs.filter((s) => t - s.first <= WINDOW);
    const s: Sig = {
      isRequest: m.isRequest,
      method: m.method,
      status: m.status,
      cseq: m.cseq,
      cseqMethod: m.cseqMethod,
      toTag: m.toTag,
      src: m.src,
      sport: m.sport,
      dst: m.dst,
      dport: m.dport,
      first: t,
      last: t,
      len: raw.length,
      raw: null,
    };
    d.sigs.push(s);
    this.ringPut(s, raw, t);
    return copy ? 2 : 0;
  }

  // The duplicate ring: bytes of the messages of the last 1 ms, so an exact copy can be compared
  // byte for byte without hashing every message or keeping bytes longer than that.
  private ringPut(s: Sig, raw: Uint8Array, t: number): void {
    if (this.ringCount === DUP_RING) this.ringDrop();
    const i = (this.ringHead + this.ringCount) % DUP_RING;
    this.ringSig[i] = s;
    this.ringRaw[i] = raw;
    this.ringT[i] = t;
    this.ringCount++;
    s.raw = raw;
  }

  private ringExpire(t: number): void {
    while (this.ringCount > 0 && this.ringT[this.ringHead] < t - DUP_WINDOW) this.ringDrop();
  }

  private ringDrop(): void {
    const h = this.ringHead;
    const s = this.ringSig[h] as Sig;
    if (s.raw === this.ringRaw[h]) s.raw = null;
    this.ringSig[h] = null;
    this.ringRaw[h] = null;
    this.ringHead = (h + 1) % DUP_RING;
    this.ringCount--;
  }

  private process(d: Dialog, m: SipMessage, t: number, initial: boolean): void {
    d.messages++;
    d.packets += m.wirePackets;
    d.bytes += m.wireBytes;
    if (compareTimestamps(m.ts, d.lastTs) > 0) d.lastTs = m.ts;
    if (this.sipNow > d.last) {
      d.last = this.sipNow;
      d.list?.touch(d);
    }
    // an auth retry may come with a new From-tag: it is still the caller
    if (initial && d.kind === 'call' && !d.callerTags.includes(m.fromTag)) d.callerTags.push(m.fromTag);
    const tagIsCaller = d.callerTags.includes(m.fromTag);
    const fromCaller = m.isRequest ? tagIsCaller : !tagIsCaller;

    const rep = this.classify(d, m, t);
    if (d.ladder !== null) {
      d.ladder.push({
        frame: m.frame,
        fileIndex: m.fileIndex,
        fileOffset: m.fileOffset,
        ts: m.ts,
        src: m.src,
        sport: m.sport,
        dst: m.dst,
        dport: m.dport,
        transport: m.transport,
        label: m.isRequest ? m.method : m.reasonPhrase ? `${m.status} ${m.reasonPhrase}` : String(m.status),
        isRequest: m.isRequest,
        cseq: m.cseq,
        cseqMethod: m.cseqMethod,
        retransmission: rep === 1,
        duplicate: rep === 2,
        sdp: m.sdp !== null ? sdpSummary(m.sdp) : null,
        fromCaller,
        raw: m.raw, // the engine hands each message its own copy of the bytes
      });
    }
    if (rep !== 0) {
      if (rep === 1) {
        d.retransmissions++;
        this.st.retransmissions++;
      } else {
        d.duplicates++;
        this.st.duplicates++;
      }
      return;
    }

    // headers
    const ua = m.userAgent;
    if (ua !== null && ua !== '') {
      if (fromCaller) {
        if (d.uac === null) d.uac = ua;
      } else if (d.uasUa === null) d.uasUa = ua;
    }
    if (!fromCaller && d.uasServer === null && m.server !== null && m.server !== '') d.uasServer = m.server;
    if (m.sdp !== null) this.takeSdp(d, m.sdp, fromCaller);

    if (m.isRequest) this.request(d, m, t, initial);
    else this.response(d, m, t);
  }

  private request(d: Dialog, m: SipMessage, t: number, initial: boolean): void {
    switch (m.method) {
      case 'INVITE':
        if (initial) this.initialInvite(d, m);
        break;
      case 'BYE':
        if (d.byeTs === null) d.byeTs = m.ts;
        this.takeCause(d, m, false);
        this.setWindow(d, W_BYE, t + WINDOW);
        return;
      case 'CANCEL':
        if (d.cancelTs === null) d.cancelTs = m.ts;
        this.takeCause(d, m, false);
        break;
    }
    // a non-INVITE dialog goes on while requests come
    if (d.kind === 'dialog' && d.windowKind === W_FINAL) this.clearWindow(d);
  }

  private initialInvite(d: Dialog, m: SipMessage): void {
    if (d.inviteTs === null) {
      d.inviteTs = m.ts;
      d.calling = partyOf(m.from);
      d.called = partyOf(m.to);
    }
    if (d.initialCseqs.includes(m.cseq)) return;
    d.initialCseqs.push(m.cseq);
    if (d.initialCseqs.length === 1 || m.cseq > d.setupCseq) {
      // a new setup transaction (auth retry): what the old one's final said no longer counts
      d.setupCseq = m.cseq;
      d.setupCode = 0;
      d.failTs = null;
      d.causeFinal = 0;
      d.causeFinalText = null;
      if (d.plainReasonFromFinal) d.plainReason = null;
      if (d.windowKind === W_FINAL) this.clearWindow(d);
    }
  }

  private response(d: Dialog, m: SipMessage, t: number): void {
    const s = m.status;
    const cm = m.cseqMethod;
    if (cm === 'INVITE') {
      // the From-tag check keeps a callee's re-INVITE (own CSeq space) from posing as the setup
      if (d.kind === 'call' && d.initialCseqs.includes(m.cseq) && d.callerTags.includes(m.fromTag)) {
        if (s < 200) {
          d.provisional = true;
          if (s === 100) {
            if (d.tryingTs === null) d.tryingTs = m.ts;
          } else if ((s === 180 || s === 183) && d.ringingTs === null) d.ringingTs = m.ts;
        } else if (s < 300) {
          if (d.okTs === null) d.okTs = m.ts;
          if (!d.answered) {
            d.answered = true;
            if (d.list === this.unanswered) {
              this.unanswered.remove(d);
              this.answered.insert(d);
            }
          }
          if (d.windowKind === W_FINAL) this.clearWindow(d);
        }
        // the first final response of the setup transaction decides it; later ones are forks' echoes
        if (s >= 200 && m.cseq === d.setupCseq && d.setupCode === 0) {
          if (s < 300) d.setupCode = s;
          else if (!d.answered) {
            d.setupCode = s;
            d.failTs = m.ts;
            this.takeCause(d, m, true);
            if (d.windowKind !== W_BYE) this.setWindow(d, W_FINAL, t + WINDOW);
          }
        }
        return;
      }
    } else if (cm === 'BYE') {
      if (s >= 200 && s < 300) {
        if (d.byeOkTs === null) d.byeOkTs = m.ts;
        this.exportDialog(d, 'bye', this.sipNow);
        return;
      }
    } else if (cm === 'CANCEL') {
      if (s >= 200 && s < 300 && d.cancelOkTs === null) d.cancelOkTs = m.ts;
    }
    if (d.kind === 'dialog' && s >= 200) {
      // non-INVITE dialog: the last final response is its code; it ends 32 s after it unless more comes
      d.setupCode = s;
      if (d.windowKind !== W_BYE) this.setWindow(d, W_FINAL, t + WINDOW);
    }
  }

  private takeCause(d: Dialog, m: SipMessage, finalResponse: boolean): void {
    if (m.reasonHeaders.length === 0 || (finalResponse ? d.causeFinal !== 0 : d.causeBC !== 0)) return;
    for (const h of m.reasonHeaders) {
      for (const r of splitList(h)) {
        const c = q850Cause(r);
        if (c === 0) continue;
        if (finalResponse) {
          d.causeFinal = c;
          d.causeFinalOrder = d.messages;
          d.causeFinalText = h;
        } else {
          d.causeBC = c;
          d.causeBCOrder = d.messages;
          d.causeBCText = h;
        }
        return;
      }
    }
    if (d.plainReason === null) {
      d.plainReason = m.reasonHeaders[0];
      d.plainReasonFromFinal = finalResponse;
    }
  }

  private takeSdp(d: Dialog, sdp: Sdp, fromCaller: boolean): void {
    for (const c of sdp.connections) this.addCip(d, stripTtl(c));
    let audioDone = false;
    for (const md of sdp.media) {
      const addrRaw = md.connection ?? sdp.connection;
      const addr = addrRaw === null ? null : stripTtl(addrRaw);
      const rtp = isRtpProto(md.proto);
      if (rtp) {
        for (const pt of md.formats) {
          const name = payloadName(md, pt);
          if (name === '' || eqIgnoreCase(name, 'telephone-event') || eqIgnoreCase(name, 'CN')) continue;
          if (!hasIgnoreCase(d.codecs, name)) d.codecs.push(name);
        }
      }
      const audio = eqIgnoreCase(md.media, 'audio');
      if (!audioDone && audio) {
        audioDone = true;
        if (fromCaller) {
          if (!d.rtpSrcSet) {
            d.rtpSrcSet = true;
            d.rtpSrcAddr = addr;
            d.rtpSrcPort = md.port;
          }
        } else if (!d.rtpDstSet) {
          d.rtpDstSet = true;
          d.rtpDstAddr = addr;
          d.rtpDstPort = md.port;
        }
      }
      if (
        rtp &&
        md.port !== 0 &&
        addr !== null &&
        this.media !== undefined &&
        (audio || eqIgnoreCase(md.media, 'video')) &&
        isIpLiteral(addr) &&
        !isUnspecified(addr)
      ) {
        this.watch(d, addr, md.port);
      }
    }
  }

  private addCip(d: Dialog, a: string): void {
    if (d.cipFull || a === '' || d.cips.includes(a)) return;
    const add = utf8Length(a) + (d.cips.length > 0 ? 1 : 0);
    if (d.cipBytes + add > C_IP_MAX) {
      // cut at a comma: the list is a prefix that fits, later addresses are left out
      d.cipFull = true;
      return;
    }
    d.cips.push(a);
    d.cipBytes += add;
  }

  private watch(d: Dialog, addr: string, port: number): void {
    if (d.media === null) d.media = [];
    const w = d.media;
    for (let i = 0; i < w.length; i++) if (w[i].port === port && w[i].addr === addr) return;
    w.push({ addr, port, id: (this.media as MediaHooks).watch(addr, port) });
  }

  private rtpLast(d: Dialog): number {
    if (d.media === null || this.media === undefined) return 0;
    let last = 0;
    for (const w of d.media) {
      const s = this.media.lastSeen(w.id);
      if (s > last) last = s;
    }
    return last;
  }

  // ---------------------------------------------------------------- windows and expiry

  private setWindow(d: Dialog, kind: number, at: number): void {
    d.windowKind = kind;
    d.windowGen++;
    this.windows.push({ at, d, gen: d.windowGen });
  }

  private clearWindow(d: Dialog): void {
    d.windowKind = W_NONE;
    d.windowGen++;
  }

  /** Export everything whose deadline is before `now` (strictly: a message at exactly +32 s is in time). */
  private expire(now: number): void {
    // tombstones and counting-only entries first: cheap FIFO heads
    const q = this.tombQueue;
    while (this.tombHead < q.length && q[this.tombHead].until < now) {
      const tb = q[this.tombHead++];
      if (this.tombs.get(tb.callId) === tb) this.tombs.delete(tb.callId);
    }
    if (this.tombHead > 1024 && this.tombHead * 2 > q.length) {
      this.tombQueue = q.slice(this.tombHead);
      this.tombHead = 0;
    }
    const idle = this.o.idleTimeout;
    while (this.lightHead !== null && this.lightHead.last + idle < now) this.dropLight(this.lightHead.callId);

    let due: Dialog[] | null = null;
    const w = this.windows;
    while (w.size > 0 && w.top().at < now) {
      const e = w.pop();
      const d = e.d;
      if (e.gen !== d.windowGen || d.collected || this.open.get(d.callId) !== d) continue;
      d.collected = true;
      d.dueAt = e.at;
      d.dueCause = d.windowKind === W_BYE ? 'bye' : 'final';
      d.list?.remove(d);
      (due ??= []).push(d);
    }
    due = this.expireList(this.unanswered, idle, now, due);
    due = this.expireList(this.answered, this.o.establishedTimeout, now, due);
    if (due === null) return;
    if (due.length > 1) due.sort((a, b) => a.dueAt - b.dueAt || byFirstThenId(a, b));
    for (const d of due) this.exportDialog(d, d.dueCause, d.dueAt);
  }

  private expireList(list: ActivityList, timeout: number, now: number, due: Dialog[] | null): Dialog[] | null {
    for (let h = list.head; h !== null && h.last + timeout < now; h = list.head) {
      // RTP is only asked about for calls whose SIP looks idle
      const rtp = this.rtpLast(h);
      if (rtp > h.last) {
        h.last = rtp;
        if (rtp + timeout >= now) {
          list.remove(h);
          list.insert(h);
          continue;
        }
      }
      list.remove(h);
      h.collected = true;
      h.dueAt = h.last + timeout;
      h.dueCause = 'idle';
      (due ??= []).push(h);
    }
    return due;
  }

  // ---------------------------------------------------------------- export

  private exportDialog(d: Dialog, cause: ExportCause, at: number): void {
    if (this.open.get(d.callId) !== d) return;
    this.open.delete(d.callId);
    d.list?.remove(d);
    d.windowGen++;
    d.windowKind = W_NONE;
    let rtpPackets = 0;
    if (d.media !== null && this.media !== undefined) {
      for (const w of d.media) {
        rtpPackets += this.media.packets(w.id);
        this.media.unwatch(w.id);
      }
    }
    // `at` is a capture time that does not depend on when advance() ran, so neither does absorption
    const tomb: Tomb = { callId: d.callId, callerTags: d.callerTags, cseqs: d.initialCseqs, until: at + WINDOW };
    this.tombs.set(d.callId, tomb);
    this.tombQueue.push(tomb);
    this.st.exported++;
    this.causes[cause]++;
    this.onRecord(this.toRecord(d, cause, at, rtpPackets));
    // a pending window entry may still point at this dialog for up to 32 s: let go of its bulk
    d.ladder = null;
    d.sigs = [];
    d.media = null;
  }

  private stateOf(d: Dialog): CallState {
    if (d.kind === 'dialog') return d.isRegister ? 'REGISTER' : 'UNKNOWN';
    if ((d.cancelTs !== null && d.okTs === null) || d.setupCode === 487) return 'CALL_CANCELED';
    if (d.byeTs !== null) return 'CALL_COMPLETED';
    if (d.setupCode >= 300) return 'CALL_ERROR';
    if (d.provisional || d.okTs !== null) return 'CALL_IN_PROGRESS';
    return 'CALL_STARTED';
  }

  private toRecord(d: Dialog, cause: ExportCause, at: number, rtpPackets: number): CallRecord {
    // the first Q.850 cause in message order; `reason` is the header it came from
    const fromFinal = d.causeFinal !== 0 && (d.causeBC === 0 || d.causeFinalOrder < d.causeBCOrder);
    const reasonCause = fromFinal ? d.causeFinal : d.causeBC;
    const reasonText = reasonCause === 0 ? d.plainReason : fromFinal ? d.causeFinalText : d.causeBCText;
    let firstAnswer: Timestamp | null = d.ringingTs;
    if (d.okTs !== null && (firstAnswer === null || compareTimestamps(d.okTs, firstAnswer) < 0)) firstAnswer = d.okTs;
    const src = d.rtpSrcAddr;
    const dst = d.rtpDstAddr;
    const r: CallRecord = {
      SIP_CALL_ID: d.callId,
      SIP_CALLING_PARTY: d.calling,
      SIP_CALLED_PARTY: d.called,
      SIP_RTP_CODECS: d.codecs.join(';'),
      SIP_INVITE_TIME: d.inviteTs,
      SIP_TRYING_TIME: d.tryingTs,
      SIP_RINGING_TIME: d.ringingTs,
      SIP_INVITE_OK_TIME: d.okTs,
      SIP_INVITE_FAILURE_TIME: d.failTs,
      SIP_BYE_TIME: d.byeTs,
      SIP_BYE_OK_TIME: d.byeOkTs,
      SIP_CANCEL_TIME: d.cancelTs,
      SIP_CANCEL_OK_TIME: d.cancelOkTs,
      // 0.0.0.0 (hold) is 0 on the wire: not seen (SPEC §5.3)
      SIP_RTP_IPV4_SRC_ADDR: src !== null && IPV4.test(src) && src !== '0.0.0.0' ? src : '',
      SIP_RTP_L4_SRC_PORT: d.rtpSrcPort,
      SIP_RTP_IPV4_DST_ADDR: dst !== null && IPV4.test(dst) && dst !== '0.0.0.0' ? dst : '',
      SIP_RTP_L4_DST_PORT: d.rtpDstPort,
      SIP_RESPONSE_CODE: d.setupCode,
      SIP_REASON_CAUSE: reasonCause,
      SIP_UAC: d.uac ?? '',
      SIP_UAS: d.uasUa ?? d.uasServer ?? '',
      SIP_C_IP: d.cips.join(','),
      SIP_CALL_STATE: this.stateOf(d),
      flow: {
        ipVersion: d.ipVersion,
        src: d.src,
        dst: d.dst,
        sport: d.sport,
        dport: d.dport,
        protocol: d.protocol,
        start: d.firstTs,
        end: d.lastTs,
        packets: d.packets,
        bytes: d.bytes,
      },
      rtpSrc: src !== null && src !== '' ? endpoint(src, d.rtpSrcPort) : null,
      rtpDst: dst !== null && dst !== '' ? endpoint(dst, d.rtpDstPort) : null,
      reason: reasonText,
      messages: d.messages,
      retransmissions: d.retransmissions,
      duplicates: d.duplicates,
      durationSec: d.okTs !== null && d.byeTs !== null ? timestampDiff(d.okTs, d.byeTs) : null,
      setupSec: d.inviteTs !== null && firstAnswer !== null ? timestampDiff(d.inviteTs, firstAnswer) : null,
      exportCause: cause,
      exportedAt: at,
      rtpPackets,
    };
    if (d.ladder !== null) r.ladder = d.ladder;
    return r;
  }
}
