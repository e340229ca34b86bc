// IP address text <-> 16-byte form (IPv4 as ::ffff:a.b.c.d, as the WASM core stores them).

/** Dotted IPv4 for v4-mapped addresses, RFC 5952 text for IPv6. */
export function formatIp16(b: Uint8Array, o: number): string {
  let v4 = true;
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) v4 = false;
  if (v4 && b[o + 10] === 0xff && b[o + 11] === 0xff) {
    return `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[o + i] << 8) | b[o + i + 1]);
  return formatV6Words(words);
}

/** RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero words as "::". */
function formatV6Words(w: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return w.map((x) => x.toString(16)).join(':');
  const head = w
    .slice(0, bestStart)
    .map((x) => x.toString(16))
    .join(':');
  const tail = w
    .slice(bestStart + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${head}::${tail}`;
}

/** Parse IPv4 or IPv6 text into 16 bytes; null when it is neither. */
export function parseIp16(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const v4 = parseV4(s);
  if (v4) {
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(v4, 12);
    return out;
  }
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct); // zone index
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (!text.includes(':')) return null;
  const words: number[] = [];
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (h: string): number[] | null => {
    if (h === '') return [];
    const res: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes('.')) {
        const t = parseV4(part);
        if (!t) return null;
        res.push((t[0] << 8) | t[1], (t[2] << 8) | t[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
        res.push(parseInt(part, 16));
      }
    }
    return res;
  };
  const a = parseHalf(halves[0]);
  const b = halves.length === 2 ? parseHalf(halves[1]) : [];
  if (!a || !b) return null;
  if (halves.length === 2) {
    const fill = 8 - a.length - b.length;
    if (fill < 1) return null;
    words.push(...a, ...new Array<number>(fill).fill(0), ...b);
  } else {
    if (a.length !== 8) return null;
    words.push(...a);
  }
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  return out;
}

/** Dotted quad -> 4 numbers (no regular expressions: this runs for every exported address). */
function parseV4(s: string): number[] | null {
  const r = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return null;
      r[part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      if (++digits > 3 || v > 255) return null;
    } else return null;
  }
  if (digits === 0 || part !== 3) return null;
  r[3] = v;
  return r;
}

/** Canonical text of an address given as text (RFC 5952 for IPv6), or the input when unparsable. */
export function canonicalIp(s: string): string {
  const b = parseIp16(s);
  return b ? formatIp16(b, 0) : s;
}

/** "ip:port" or "[v6]:port" → its parts. */
export function splitEndpoint(s: string): { ip: string; port: number } {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    return { ip: s.slice(1, close), port: Number(s.slice(close + 2)) };
  }
  const colon = s.lastIndexOf(':');
  return { ip: s.slice(0, colon), port: Number(s.slice(colon + 1)) };
}
