// Small parsers of SIP header values (RFC 3261 syntax), shared by the engine's message decoding
// and the call tracker, and ASCII helpers that allocate nothing.

/** Split a header value at commas outside quotes and angle brackets. */
export function splitList(v: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '"' && v[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth <= 0 && c === ',') {
      out.push(v.substring(start, i).trim());
      start = i + 1;
    }
  }
  const last = v.substring(start).trim();
  if (last) out.push(last);
  return out;
}

/** The tag parameter of a From/To value (after the URI), '' when none. */
export function tagOf(v: string): string {
  // the parameters: after the last '>' of a name-addr, else from the first ';'
  let from: number;
  const gt = v.lastIndexOf('>');
  if (v.indexOf('<') >= 0 && gt >= 0) from = gt + 1;
  else {
    const semi = v.indexOf(';');
    if (semi < 0) return '';
    from = semi;
  }
  if (from >= v.length) return '';
  // common spelling first: ";tag=value"
  const i = v.indexOf(';tag=', from);
  if (i >= 0) {
    let j = i + 5;
    while (j < v.length) {
      const c = v.charCodeAt(j);
      if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
      j++;
    }
    if (j > i + 5) return v.substring(i + 5, j);
  }
  const m = /;\s*tag\s*=\s*([^;,\s]+)/i.exec(v.substring(from));
  return m ? m[1] : '';
}

/** The SIP method names as literals (one string each for the run). */
const METHOD_NAMES = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'UPDATE',
  'INFO',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
];

/** A method name as decoded: the literal of a known one, else its own copy. What keeps a name
 *  for as long as a call lasts (retransmission signatures, dialogs) then keeps no string per
 *  message and no view of a message's text. */
export function methodName(s: string): string {
  for (let k = 0; k < METHOD_NAMES.length; k++) if (METHOD_NAMES[k] === s) return METHOD_NAMES[k];
  return ownText(s);
}

/** CSeq number, and its method into out.method ('' when missing); a missing or absurd method
 *  (longer than any the core accepts in a request line) still gives the number. */
export function parseCseq(v: string, out: { method: string }): number {
  let i = 0;
  const n = v.length;
  out.method = '';
  while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  const ds = i;
  while (i < n && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === ds) return 0;
  const num = Number(v.substring(ds, i));
  const ws = i;
  while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  if (i === ws || i === n) return num;
  const ms = i;
  while (i < n && v.charCodeAt(i) > 32) i++;
  if (i - ms > 32 || (i < n && v.charCodeAt(i) > 32)) return num;
  out.method = v.substring(ms, i);
  return num;
}

/** ASCII case-insensitive equality without allocating. */
export function eqIgnoreCase(a: string, b: string): boolean {
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

export function hasIgnoreCase(list: string[], v: string): boolean {
  for (let i = 0; i < list.length; i++) if (eqIgnoreCase(list[i], v)) return true;
  return false;
}

/**
 * A copy of s that holds only its own characters. In V8 a substring of 13 characters or more is
 * a view of the whole string it was cut from, so a Call-ID or a party kept for a call would keep
 * its message's whole text alive, and the garbage collector copies that text while the call
 * lasts (docs/PROFILE.md). Used for what the tracker keeps, not for what it only reads.
 */
export function ownText(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
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
      if (c === 0x5c)
        i++; // quoted-pair
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

/** Bytes of a string in UTF-8. */
export function utf8Length(s: string): number {
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
