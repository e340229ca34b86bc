// Small parsers of SIP header values (RFC 3261 syntax), shared by the engine's message decoding
// and the call tracker.

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
  let params = v;
  const gt = v.lastIndexOf('>');
  if (v.indexOf('<') >= 0 && gt >= 0) params = v.substring(gt + 1);
  else {
    const semi = v.indexOf(';');
    params = semi >= 0 ? v.substring(semi) : '';
  }
  if (params.length === 0) return '';
  // common spelling first: ";tag=value"
  const i = params.indexOf(';tag=');
  if (i >= 0) {
    let j = i + 5;
    while (j < params.length) {
      const c = params.charCodeAt(j);
      if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
      j++;
    }
    if (j > i + 5) return params.substring(i + 5, j);
  }
  const m = /;\s*tag\s*=\s*([^;,\s]+)/i.exec(params);
  return m ? m[1] : '';
}

/** CSeq number and method; a missing or absurd method (longer than any the core accepts in a
 *  request line) still gives the number. */
export function parseCseq(v: string): [number, string] {
  let i = 0;
  const n = v.length;
  while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  const ds = i;
  while (i < n && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === ds) return [0, ''];
  const num = Number(v.substring(ds, i));
  const ws = i;
  while (i < n && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  if (i === ws || i === n) return [num, ''];
  const ms = i;
  while (i < n && v.charCodeAt(i) > 32) i++;
  if (i - ms > 32 || (i < n && v.charCodeAt(i) > 32)) return [num, ''];
  return [num, v.substring(ms, i)];
}
