// Capture time: exact (seconds + nanoseconds + the capture's fraction digits), compared and
// subtracted without floats where output text depends on it, and written as the outputs need.

/** Capture time: whole seconds and nanoseconds, plus how many fraction digits the capture has. */
export interface Timestamp {
  sec: number; // UNIX epoch seconds (integer)
  nsec: number; // 0..999_999_999
  digits: number; // 6 for microsecond captures, 9 for nanosecond ones
}

/** Seconds as a float, for comparisons and timeouts (sub-µs precision is not needed there). */
export function tsSeconds(t: Timestamp): number {
  return t.sec + t.nsec / 1e9;
}

/** 0 epoch seconds, 1 epoch with the capture's fraction digits, 2 ISO 8601 UTC. */
export type TimestampFormat = 0 | 1 | 2;

/** Fraction digits to write for a clock of d digits (0–9). */
export function clampDigits(d: number): number {
  return d >= 0 && d <= 9 ? d | 0 : d > 9 ? 9 : 0;
}

function fraction(nsec: number, digits: number): string {
  const d = clampDigits(digits);
  if (d === 0) return '';
  return '.' + String(nsec).padStart(9, '0').slice(0, d);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Calendar date of a day count since 1970-01-01 (proleptic Gregorian, no Date object). */
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

/** `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (or with a space instead of `T`), fraction digits as the capture has them. */
export function isoTimestamp(t: Timestamp, sep = 'T', digits = t.digits): string {
  const days = Math.floor(t.sec / 86400);
  let s = t.sec - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  const year = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
  return `${year}-${pad2(mo)}-${pad2(d)}${sep}${pad2(hh)}:${pad2(mm)}:${pad2(s)}${fraction(t.nsec, digits)}Z`;
}

/** The clock times are shown on: its offset from UTC in seconds and its name. */
export interface Clock {
  offsetSec: number;
  name: string;
}

export const UTC: Clock = Object.freeze({ offsetSec: 0, name: 'UTC' });

/** `YYYY-MM-DD HH:MM:SS[.fff…]` on a clock (`Z` at the end on UTC's). */
export function clockTimestamp(t: Timestamp, clock: Clock = UTC, sep = ' ', digits = t.digits): string {
  if (clock.offsetSec === 0 && clock === UTC) return isoTimestamp(t, sep, digits);
  return isoTimestamp({ ...t, sec: t.sec + clock.offsetSec }, sep, digits).slice(0, -1);
}

/** Text of a capture time in a timestamp format (SPEC §5.2). Exact: built from sec/nsec, never a float. */
export function formatTimestamp(t: Timestamp, format: TimestampFormat): string {
  if (format === 0) return String(t.sec);
  if (format === 2) return isoTimestamp(t);
  return String(t.sec) + fraction(t.nsec, t.digits);
}

/** Compare two timestamps (negative, 0, positive). */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}

/** Exact text of `to - from` in seconds, with the larger fraction digits of the two (for JSON). */
export function timestampDiffText(from: Timestamp, to: Timestamp): string {
  const digits = clampDigits(Math.max(from.digits, to.digits));
  let sec = to.sec - from.sec;
  let nsec = to.nsec - from.nsec;
  let sign = '';
  if (sec < 0 || (sec === 0 && nsec < 0)) {
    sign = '-';
    sec = -sec;
    nsec = -nsec;
  }
  if (nsec < 0) {
    sec -= 1;
    nsec += 1_000_000_000;
  }
  return sign + String(sec) + fraction(nsec, digits);
}

/** `to - from` in seconds as a number (for records; JSON text uses timestampDiffText). */
export function timestampDiff(from: Timestamp, to: Timestamp): number {
  return to.sec - from.sec + (to.nsec - from.nsec) / 1e9;
}
