// Values the tracker and the ladder take from SDP (RFC 4566, RFC 3551): codec names, media
// addresses, and a one-line summary.

import type { Sdp } from './events.ts';

/** RFC 3551 names of static payload types 0–34 ('' = reserved/unassigned). */
const STATIC_PT: readonly string[] = [
  'PCMU',
  '',
  '',
  'GSM',
  'G723',
  'DVI4',
  'DVI4',
  'LPC',
  'PCMA',
  'G722',
  'L16',
  'L16',
  'QCELP',
  'CN',
  'MPA',
  'G728',
  'DVI4',
  'DVI4',
  'G729',
  '',
  '',
  '',
  '',
  '',
  '',
  'CelB',
  'JPEG',
  '',
  'nv',
  '',
  '',
  'H261',
  'MPV',
  'MP2T',
  'H263',
];

/** A dotted IPv4 address (the test SPEC §5.3 applies to the RTP address fields). */
export const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** A c= address without /ttl or /count. */
export function stripTtl(a: string): string {
  const i = a.indexOf('/');
  return i < 0 ? a.trim() : a.slice(0, i).trim();
}

/** The m= transport names RTP (RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF…), any case. */
export function isRtpProto(p: string): boolean {
  for (let i = 0; i + 3 <= p.length; i++) {
    if ((p.charCodeAt(i) | 0x20) === 0x72 && (p.charCodeAt(i + 1) | 0x20) === 0x74 && (p.charCodeAt(i + 2) | 0x20) === 0x70) return true;
  }
  return false;
}

/** A literal address (not a host name) that media can be matched on. */
export function isIpLiteral(a: string): boolean {
  return IPV4.test(a) || a.indexOf(':') >= 0;
}

export function isUnspecified(a: string): boolean {
  return a === '0.0.0.0' || a === '::';
}

/** "ip:port" / "[v6]:port" */
export function endpoint(addr: string, port: number): string {
  return addr.indexOf(':') >= 0 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Encoding name of a payload type: the section's rtpmap, else the static name, else ''. */
export function payloadName(md: { rtpmap: ReadonlyMap<string, string> }, pt: string): string {
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
