// JSON text written straight as UTF-8 bytes into one reused buffer. A record's JSON line was
// ~60 small strings joined, then encoded: 12 µs a record, the largest part of writing JSON Lines
// (docs/PROFILE.md). Every value is written as JSON.stringify and String() write it; ASCII
// strings without characters to escape (nearly all) are copied a byte per character.

import { clampDigits, formatTimestamp, timestampDiffText, type Timestamp } from '../time.ts';

const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();

/** A literal's UTF-8, made once (JsonOut.bytes8 writes it). */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** The letter of JSON.stringify's two-character escape of each control character, else 0. */
const ESCAPE_LETTER = new Uint8Array(32);
ESCAPE_LETTER[8] = 98; // \b
ESCAPE_LETTER[9] = 116; // \t
ESCAPE_LETTER[10] = 110; // \n
ESCAPE_LETTER[12] = 102; // \f
ESCAPE_LETTER[13] = 114; // \r
const HEX_LOWER = utf8.encode('0123456789abcdef');
/** 10^0 … 10^9 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Seconds a 31-bit count, nanoseconds an integer below 1e9: what a capture gives. */
function isCaptureTime(t: Timestamp): boolean {
  return t.sec === (t.sec | 0) && t.sec >= 0 && t.nsec >= 0 && t.nsec < 1e9 && t.nsec === Math.floor(t.nsec);
}

export class JsonOut {
  buf = new Uint8Array(4096);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since reset(); valid until the next write. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  text(): string {
    return utf8Text.decode(this.bytes());
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /** A string as it is (no quotes, no escaping), in UTF-8: literals, names, numbers' text. */
  raw(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.utf8(s);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** A JSON string (JSON.stringify's text, in UTF-8). ASCII is escaped here the way
   *  JSON.stringify escapes it (a display name's quotes are common); other text goes to it. */
  str(s: string): void {
    const n = s.length;
    this.room(n * 6 + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    b[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c !== 34 && c !== 92 && c < 0x7f) {
        b[p++] = c;
        continue;
      }
      if (c >= 0x7f) {
        this.pos = start;
        this.utf8(JSON.stringify(s));
        return;
      }
      b[p++] = 92;
      const short = c === 34 || c === 92 ? c : ESCAPE_LETTER[c];
      if (short !== 0) b[p++] = short;
      else {
        // \u00XX, lower-case hex as JSON.stringify writes it
        b[p++] = 117;
        b[p++] = 48;
        b[p++] = 48;
        b[p++] = HEX_LOWER[c >> 4];
        b[p++] = HEX_LOWER[c & 15];
      }
    }
    b[p++] = 34;
    this.pos = p;
  }

  /** Bytes as they are (a key or literal encoded once, see utf8Bytes). */
  bytes8(k: Uint8Array): void {
    const n = k.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = k[i];
    this.pos = p;
  }

  /** null */
  null(): void {
    this.room(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = 110;
    b[p + 1] = 117;
    b[p + 2] = 108;
    b[p + 3] = 108;
    this.pos = p + 4;
  }

  strOrNull(s: string | null): void {
    if (s === null) this.null();
    else this.str(s);
  }

  /** A number as String() writes it (null too). */
  num(v: number | null): void {
    if (v === null) {
      this.null();
      return;
    }
    if (v !== (v | 0)) {
      this.raw(String(v));
      return;
    }
    // a 32-bit integer (-0 included, written "0"): its digits
    this.room(11);
    const b = this.buf;
    let x = v;
    if (x < 0) {
      b[this.pos++] = 45;
      x = -x;
    }
    this.digits(x);
  }

  /** A time as epoch seconds with the capture's fraction digits (time.ts formatTimestamp(t, 1)). */
  time(t: Timestamp): void {
    if (!isCaptureTime(t)) {
      // not what a capture gives: the text time.ts makes
      this.raw(formatTimestamp(t, 1));
      return;
    }
    this.room(11 + 1 + 9);
    this.digits(t.sec);
    this.fraction(t.nsec, clampDigits(t.digits));
  }

  /** to − from in seconds, exactly (time.ts timestampDiffText). */
  timeDiff(from: Timestamp, to: Timestamp): void {
    let sec = to.sec - from.sec;
    let nsec = to.nsec - from.nsec;
    if (!isCaptureTime(from) || !isCaptureTime(to)) {
      this.raw(timestampDiffText(from, to));
      return;
    }
    this.room(1 + 11 + 1 + 9);
    if (sec < 0 || (sec === 0 && nsec < 0)) {
      this.buf[this.pos++] = 45;
      sec = -sec;
      nsec = -nsec;
    }
    if (nsec < 0) {
      sec -= 1;
      nsec += 1_000_000_000;
    }
    this.digits(sec);
    this.fraction(nsec, clampDigits(Math.max(from.digits, to.digits)));
  }

  /** "." and the first d of ns's nine digits (none when d is 0). */
  private fraction(ns: number, d: number): void {
    if (d === 0) return;
    const b = this.buf;
    b[this.pos] = 46;
    // ns is an integer below 1e9: its first d digits, written from the last (integer divisions)
    let v = (ns / POW10[9 - d]) | 0;
    let p = this.pos + 1 + d;
    this.pos = p;
    for (let k = 0; k < d; k++) {
      const t = (v / 10) | 0;
      b[--p] = 48 + v - t * 10;
      v = t;
    }
  }

  /** x ≥ 0, an integer up to 2^31 (a 32-bit integer's magnitude), as decimal digits. */
  private digits(x: number): void {
    const b = this.buf;
    let n = 1;
    while (n < 10 && x >= POW10[n]) n++;
    let p = this.pos + n;
    this.pos = p;
    let v = x >>> 0;
    for (let k = 0; k < n; k++) {
      const t = (v / 10) >>> 0;
      b[--p] = 48 + v - t * 10;
      v = t;
    }
  }

  private utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += utf8.encodeInto(s, this.buf.subarray(this.pos)).written;
  }
}
