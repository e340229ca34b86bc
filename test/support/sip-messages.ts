// Builds complete SipMessage events (with raw bytes and a parsed SDP) from short descriptions,
// so tracker and output tests can play call flows without captures.

import { hashBytes } from '../../shared/bytes-hash.ts';
import type { Sdp, SdpMedia, SipMessage, Transport } from '../../shared/events.ts';
import type { Timestamp } from '../../shared/time.ts';

/** Exact capture time from "sec.fraction" text (or a number of seconds, rounded to the digits). */
export function ts(t: number | string, digits = 6): Timestamp {
  if (typeof t === 'string') {
    const [s, f = ''] = t.split('.');
    return { sec: Number(s), nsec: Number(f.padEnd(9, '0').slice(0, 9)), digits: f.length > 6 ? 9 : digits };
  }
  const sec = Math.floor(t);
  const unit = 10 ** (9 - digits);
  let nsec = Math.round((t - sec) * 10 ** digits) * unit;
  if (nsec >= 1e9) nsec = 1e9 - unit;
  return { sec, nsec, digits };
}

export interface Endpoint {
  ip: string;
  port: number;
  uri: string;
  name?: string;
  tag: string;
  ua?: string | null;
  server?: string | null;
}

export interface MediaDesc {
  media?: string; // default audio
  port: number;
  proto?: string; // default RTP/AVP
  pts: (number | string)[];
  rtpmap?: Record<string, string>; // pt -> "name/clock"
  ip?: string; // media-level c= (may carry /ttl)
}

export interface SdpDesc {
  ip?: string | null; // session-level c= (may carry /ttl)
  media: MediaDesc[];
  /** keep "/ttl" in the parsed addresses (tests the tracker's own guard) */
  keepTtl?: boolean;
  /** the o= value; by default a session id no other body of the run has */
  origin?: string;
}

const enc = new TextEncoder();
let frameCounter = 0;
let originCounter = 0;

function noTtl(a: string): string {
  const i = a.indexOf('/');
  return i < 0 ? a : a.slice(0, i);
}

function ipKind(a: string): string {
  return a.includes(':') ? 'IP6' : 'IP4';
}

/** SDP text and the parsed form the engine would give. */
export function buildSdp(d: SdpDesc): { text: string; sdp: Sdp } {
  const fix = (a: string) => (d.keepTtl ? a : noTtl(a));
  const origin = d.origin ?? `- ${++originCounter} 1 IN IP4 0.0.0.0`;
  const lines = ['v=0', `o=${origin}`, 's=-'];
  const connections: string[] = [];
  if (d.ip) {
    lines.push(`c=IN ${ipKind(d.ip)} ${d.ip}`);
    connections.push(fix(d.ip));
  }
  lines.push('t=0 0');
  const media: SdpMedia[] = [];
  for (const m of d.media) {
    const proto = m.proto ?? 'RTP/AVP';
    const formats = m.pts.map(String);
    lines.push(`m=${m.media ?? 'audio'} ${m.port} ${proto} ${formats.join(' ')}`);
    if (m.ip) {
      lines.push(`c=IN ${ipKind(m.ip)} ${m.ip}`);
      connections.push(fix(m.ip));
    }
    const rtpmap = new Map<string, string>();
    for (const [pt, v] of Object.entries(m.rtpmap ?? {})) {
      lines.push(`a=rtpmap:${pt} ${v}`);
      rtpmap.set(pt, v.split('/')[0]);
    }
    media.push({
      media: m.media ?? 'audio',
      port: m.port,
      proto,
      formats,
      rtpmap,
      connection: m.ip ? fix(m.ip) : null,
      direction: null,
      rtcpPort: null,
      rtcpMux: false,
    });
  }
  return {
    text: lines.join('\r\n') + '\r\n',
    sdp: {
      connection: d.ip ? fix(d.ip) : null,
      connections,
      media,
      direction: null,
      origin,
    },
  };
}

export interface MsgDesc {
  t: number | string | Timestamp;
  digits?: number;
  callId: string;
  isRequest: boolean;
  method?: string;
  requestUri?: string;
  status?: number;
  reasonPhrase?: string;
  cseq: number;
  cseqMethod: string;
  from: string; // value without tag
  fromTag: string;
  to: string;
  toTag: string;
  src: { ip: string; port: number };
  dst: { ip: string; port: number };
  transport?: Transport;
  userAgent?: string | null;
  server?: string | null;
  reasons?: string[];
  sdp?: SdpDesc | null;
  /** extra header lines, e.g. to make bytes differ */
  extra?: string[];
  /** SPEC §9 correlation headers, written as X-CID, Session-ID and P-Charging-Vector */
  xCallId?: string;
  sessionId?: string;
  chargingVector?: string;
}

/** Reason phrases of the status codes test messages use. */
export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  401: 'Unauthorized',
  407: 'Proxy Authentication Required',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
};

/** One message with every SipMessage field filled, raw bytes included. */
export function sipMessage(d: MsgDesc): SipMessage {
  const time = typeof d.t === 'object' ? d.t : ts(d.t, d.digits ?? 6);
  const transport = d.transport ?? 'udp';
  const method = d.isRequest ? (d.method ?? 'INVITE') : '';
  const status = d.isRequest ? 0 : (d.status ?? 200);
  const reasonPhrase = d.isRequest ? '' : (d.reasonPhrase ?? REASON_PHRASES[status] ?? 'Whatever');
  const requestUri = d.isRequest ? (d.requestUri ?? 'sip:callee@example.com') : '';
  const fromV = d.fromTag ? `${d.from};tag=${d.fromTag}` : d.from;
  const toV = d.toTag ? `${d.to};tag=${d.toTag}` : d.to;
  const sdp = d.sdp ? buildSdp(d.sdp) : null;
  const body = sdp?.text ?? '';
  const h: string[] = [
    d.isRequest ? `${method} ${requestUri} SIP/2.0` : `SIP/2.0 ${status} ${reasonPhrase}`,
    `Via: SIP/2.0/${transport.toUpperCase()} ${d.src.ip}:${d.src.port};branch=z9hG4bK${d.cseq}${d.cseqMethod}`,
    `From: ${fromV}`,
    `To: ${toV}`,
  ];
  if (d.callId !== '') h.push(`Call-ID: ${d.callId}`);
  if (d.cseqMethod !== '') h.push(`CSeq: ${d.cseq} ${d.cseqMethod}`);
  if (d.userAgent) h.push(`User-Agent: ${d.userAgent}`);
  if (d.server) h.push(`Server: ${d.server}`);
  for (const r of d.reasons ?? []) h.push(`Reason: ${r}`);
  for (const x of d.extra ?? []) h.push(x);
  if (d.xCallId !== undefined) h.push(`X-CID: ${d.xCallId}`);
  if (d.sessionId !== undefined) h.push(`Session-ID: ${d.sessionId}`);
  if (d.chargingVector !== undefined) h.push(`P-Charging-Vector: ${d.chargingVector}`);
  if (sdp) h.push('Content-Type: application/sdp');
  h.push(`Content-Length: ${enc.encode(body).length}`);
  const raw = enc.encode(h.join('\r\n') + '\r\n\r\n' + body);
  const v6 = d.src.ip.includes(':');
  const headerBytes = (v6 ? 40 : 20) + (transport === 'udp' ? 8 : 20); // IP-layer bytes
  return {
    frame: ++frameCounter,
    fileIndex: 0,
    fileOffset: 24 + frameCounter * 100,
    ts: time,
    ipVersion: v6 ? 6 : 4,
    src: d.src.ip,
    dst: d.dst.ip,
    sport: d.src.port,
    dport: d.dst.port,
    transport,
    wireBytes: raw.length + headerBytes,
    wirePackets: 1,
    isRequest: d.isRequest,
    method,
    requestUri,
    status,
    reasonPhrase,
    cseq: d.cseq,
    cseqMethod: d.cseqMethod,
    callId: d.callId,
    from: fromV,
    to: toV,
    fromTag: d.fromTag,
    toTag: d.toTag,
    userAgent: d.userAgent ?? null,
    server: d.server ?? null,
    reasonHeaders: d.reasons ?? [], // each reason is its own header line above
    contentType: sdp ? 'application/sdp' : null,
    xCallId: d.xCallId ?? null,
    sessionId: d.sessionId ?? null,
    chargingVector: d.chargingVector ?? null,
    sdp: sdp?.sdp ?? null,
    raw,
    rawLen: raw.length,
    rawHash: hashBytes(raw),
    rawAt: -1,
  };
}

export interface ReqOpts {
  by?: 'caller' | 'callee';
  cseq?: number;
  /** To-tag; default '' for INVITE from the caller when no dialog exists yet, else the peer's tag */
  toTag?: string;
  fromTag?: string;
  sdp?: SdpDesc;
  reasons?: string[];
  userAgent?: string | null;
  src?: { ip: string; port: number };
  dst?: { ip: string; port: number };
  extra?: string[];
  digits?: number;
  xCallId?: string;
  sessionId?: string;
  chargingVector?: string;
}

export interface ResOpts {
  /** who sent the request being answered (default caller) */
  to?: 'caller' | 'callee';
  method?: string; // CSeq method, default INVITE
  cseq?: number; // default: the last CSeq used for that method by that side
  toTag?: string; // default the answering side's tag ('' for 100)
  fromTag?: string;
  reasonPhrase?: string;
  sdp?: SdpDesc;
  reasons?: string[];
  userAgent?: string | null;
  server?: string | null;
  src?: { ip: string; port: number };
  dst?: { ip: string; port: number };
  extra?: string[];
  digits?: number;
  xCallId?: string;
  sessionId?: string;
  chargingVector?: string;
}

/** A call between two endpoints: requests and responses with consistent tags, CSeqs and addresses. */
export class Scenario {
  private next = { caller: 1, callee: 1 };
  private last = new Map<string, number>();
  established = false;

  constructor(
    public callId: string,
    public caller: Endpoint,
    public callee: Endpoint,
    public transport: Transport = 'udp',
  ) {}

  private party(e: Endpoint): string {
    return e.name ? `"${e.name}" <${e.uri}>` : `<${e.uri}>`;
  }

  req(method: string, t: number | string | Timestamp, o: ReqOpts = {}): SipMessage {
    const by = o.by ?? 'caller';
    const me = by === 'caller' ? this.caller : this.callee;
    const peer = by === 'caller' ? this.callee : this.caller;
    let cseq = o.cseq;
    if (cseq === undefined) {
      if (method === 'ACK' || method === 'CANCEL') cseq = this.last.get(`${by} INVITE`) ?? 1;
      else cseq = this.next[by]++;
    } else if (method !== 'ACK' && method !== 'CANCEL') this.next[by] = Math.max(this.next[by], cseq + 1);
    this.last.set(`${by} ${method}`, cseq);
    const toTag = o.toTag ?? (method === 'INVITE' && by === 'caller' && !this.established ? '' : peer.tag);
    return sipMessage({
      t,
      digits: o.digits,
      callId: this.callId,
      isRequest: true,
      method,
      requestUri: peer.uri,
      cseq,
      cseqMethod: method,
      from: this.party(me),
      fromTag: o.fromTag ?? me.tag,
      to: this.party(peer),
      toTag,
      src: o.src ?? me,
      dst: o.dst ?? peer,
      transport: this.transport,
      userAgent: o.userAgent === undefined ? (me.ua ?? null) : o.userAgent,
      reasons: o.reasons,
      sdp: o.sdp,
      extra: o.extra,
      xCallId: o.xCallId,
      sessionId: o.sessionId,
      chargingVector: o.chargingVector,
    });
  }

  res(status: number, t: number | string | Timestamp, o: ResOpts = {}): SipMessage {
    const reqBy = o.to ?? 'caller';
    const requester = reqBy === 'caller' ? this.caller : this.callee;
    const me = reqBy === 'caller' ? this.callee : this.caller;
    const method = o.method ?? 'INVITE';
    const cseq = o.cseq ?? this.last.get(`${reqBy} ${method}`) ?? 1;
    if (method === 'INVITE' && status >= 200 && status < 300) this.established = true;
    return sipMessage({
      t,
      digits: o.digits,
      callId: this.callId,
      isRequest: false,
      status,
      reasonPhrase: o.reasonPhrase,
      cseq,
      cseqMethod: method,
      from: this.party(requester),
      fromTag: o.fromTag ?? requester.tag,
      to: this.party(me),
      toTag: o.toTag ?? (status === 100 ? '' : me.tag),
      src: o.src ?? me,
      dst: o.dst ?? requester,
      transport: this.transport,
      userAgent: o.userAgent === undefined ? (me.ua ?? null) : o.userAgent,
      server: o.server === undefined ? (me.server ?? null) : o.server,
      reasons: o.reasons,
      sdp: o.sdp,
      extra: o.extra,
      xCallId: o.xCallId,
      sessionId: o.sessionId,
      chargingVector: o.chargingVector,
    });
  }
}

export const alice: Endpoint = {
  ip: '10.0.0.1',
  port: 5060,
  uri: 'sip:alice@example.com',
  name: 'Alice',
  tag: 'a1',
  ua: 'PhoneA/1.0',
};

export const bob: Endpoint = {
  ip: '10.0.0.2',
  port: 5060,
  uri: 'sip:bob@example.net',
  name: 'Bob',
  tag: 'b1',
  ua: 'PhoneB/2.0',
};
