// Text the page shows: sizes, rates, durations, Q.850 causes, parties, exact JSON timestamps.

import { UTC, clockTimestamp, type Clock, type Timestamp } from '../shared/time.ts';

export function bytesText(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function rateText(bytes: number, ms: number): string {
  if (!(ms > 0)) return '';
  const perSec = bytes / (ms / 1000);
  return perSec < 1e6 ? `${(perSec / 1e3).toFixed(0)} kB/s` : `${(perSec / 1e6).toFixed(0)} MB/s`;
}

export function secondsText(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Call setup / duration: `0.350 s` below a minute, `m:ss` / `h:mm:ss` above. */
export function durationText(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '';
  if (sec < 60) return `${sec.toFixed(sec < 10 ? 3 : 1)} s`;
  const t = Math.floor(sec);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Q.850 cause values most often seen in SIP Reason headers (ITU-T Q.850 Table 1). */
export const Q850: Record<number, string> = {
  1: 'Unallocated number',
  3: 'No route to destination',
  16: 'Normal call clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'No answer',
  20: 'Subscriber absent',
  21: 'Call rejected',
  22: 'Number changed',
  27: 'Destination out of order',
  28: 'Invalid number format',
  31: 'Normal, unspecified',
  34: 'No circuit available',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Switching equipment congestion',
  44: 'Requested circuit not available',
  47: 'Resource unavailable',
  58: 'Bearer capability not available',
  65: 'Bearer capability not implemented',
  79: 'Service not implemented',
  88: 'Incompatible destination',
  102: 'Recovery on timer expiry',
  111: 'Protocol error',
  127: 'Interworking, unspecified',
};

/** The exact text of a number in a JSON line (`"KEY":1767261600.012000`), or null. */
export function jsonNumberText(json: string, key: string): string | null {
  const at = json.indexOf(`"${key}":`);
  if (at < 0) return null;
  const m = /^-?\d+(?:\.\d+)?/.exec(json.slice(at + key.length + 3, at + key.length + 40));
  return m ? m[0] : null;
}

/** Epoch seconds as written in JSON (`1767261600.012000`) → an exact Timestamp. */
export function timestampOfText(text: string): Timestamp {
  const [s, f = ''] = text.split('.');
  const digits = Math.min(9, f.length);
  return { sec: Number(s), nsec: Number(f.slice(0, 9).padEnd(9, '0')), digits };
}

/**
 * A From/To party in short for the call list: `user@host` without the scheme, angle brackets and
 * URI parameters, then the display name when it says more (`alice@example.com (Alice)`). The
 * whole value stays in the tooltip and the filter.
 */
export function partyText(party: string): string {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>?/.exec(party);
  const name = m ? (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim() : '';
  let uri = (m ? m[3] : party).trim().replace(/^sips?:/i, '');
  const at = uri.indexOf('@');
  const end = uri.slice(at + 1).search(/[;?]/);
  if (end >= 0) uri = uri.slice(0, at + 1 + end);
  if (!uri) return party.trim();
  const user = at > 0 ? uri.slice(0, at) : uri;
  return name && name !== user ? `${uri} (${name})` : uri;
}

/** Where times are shown: UTC (the default, as every output writes them) or the browser's zone. */
export type TimeZone = 'utc' | 'local';

/** The clock of a zone at a moment (a local offset changes with daylight saving time). */
export function clockAt(zone: TimeZone, epochSec: number): Clock {
  if (zone === 'utc') return UTC;
  const offsetSec = -new Date(epochSec * 1000).getTimezoneOffset() * 60;
  const a = Math.abs(offsetSec);
  const hhmm = `${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor(a / 60) % 60).padStart(2, '0')}`;
  return { offsetSec, name: `UTC${offsetSec < 0 ? '-' : '+'}${hhmm}` };
}

/** A start time (epoch seconds) in the browser's zone, to the millisecond: `2026-01-01 11:00:00.000`. */
export function localStartText(start: number): string {
  const ms = Math.round(start * 1000);
  const sec = Math.floor(ms / 1000);
  return clockTimestamp({ sec, nsec: (ms - sec * 1000) * 1e6, digits: 3 }, clockAt('local', start), ' ', 3);
}

/** Epoch seconds as UTC time of day with milliseconds: `10:00:01.007`. */
export function clockText(epochSec: number): string {
  const ms = Math.round(epochSec * 1000);
  const day = ((ms % 86_400_000) + 86_400_000) % 86_400_000;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(day / 3_600_000))}:${p(Math.floor(day / 60_000) % 60)}:${p(Math.floor(day / 1000) % 60)}.${p(day % 1000, 3)}`;
}
