// Anonymised extracts (SPEC §10, docs/anonymize.md): every frame of an extract is rewritten so
// that no user part, host name, display name or address of the capture is left, and the result
// still gives the same calls, states, codes and times.
//
// - IP addresses (IP headers and every address written in SIP or SDP) are mapped as Crypto-PAn
//   maps them: AES-128 over each address's prefix, so two addresses in one subnet stay in one
//   subnet of the same length; IPv4 stays IPv4, IPv6 IPv6.
// - User parts, host names and display names become keyed pseudonyms, the same value the same
//   pseudonym within a run (numbers stay numbers of the same length).
// - Lengths (Content-Length, UDP, IP) and checksums (IPv4, UDP, TCP) are made right again; TCP
//   sequence and acknowledgement numbers follow the changed lengths.
// - RTCP SDES texts (CNAME …) are replaced with pseudonyms of the same length. RTP payloads
//   (voice, DTMF) are kept.
// - A frame that cannot be rewritten safely (IP fragments, tunnels, SCTP, other link types, a TCP
//   segment holding part of a message, a frame cut short by the snap length) is left out and
//   counted: nothing passes through unread.

import { cmac, ecb } from '@noble/ciphers/aes.js';
import { formatIp16, parseIp16 } from './addr.ts';
import type { RawFrame } from './engine/engine.ts';

/** Why frames were left out. */
export type LeftOut = 'link' | 'fragment' | 'transport' | 'partial-tcp' | 'truncated';

export const LEFT_OUT_TEXT: Record<LeftOut, string> = {
  link: 'link types other than Ethernet, Linux cooked, raw IP and loopback',
  fragment: 'IP fragments',
  transport: 'tunnels (IP in IP, GRE, VXLAN, GTP, HEP), SCTP, and payloads neither SIP, RTP nor RTCP',
  'partial-tcp': 'TCP segments holding only part of a SIP message',
  truncated: 'frames cut short by the capture',
};

/** The link types whose frames are rewritten, and where their IP header starts. */
const IP_AT: Record<number, number> = { 1: 14, 101: 0, 12: 0, 228: 0, 229: 0, 0: 4, 108: 4, 113: 16, 276: 20 };
const ETHERNET = 1;

const latin1 = new TextDecoder('latin1');
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export class Anonymizer {
  /** AES-128 in ECB mode (a new instance per use: the library allows one encryption each) */
  private readonly aes: () => ReturnType<typeof ecb>;
  private readonly pad: Uint8Array;
  private readonly macKey: Uint8Array;
  private readonly ips = new Map<string, Uint8Array>();
  private readonly names = new Map<string, string>();
  /** every user part and host name met (lower case), and its pseudonym: replaced wherever it stands */
  private readonly seen = new Map<string, string>();
  private seenRegex: RegExp | null | undefined = undefined;
  /** per TCP stream (src dst sport dport): original sequence numbers where lengths changed, and by how much in all */
  private readonly tcp = new Map<string, { at: number[]; delta: number[] }>();
  readonly leftOut: Record<LeftOut, number> = { link: 0, fragment: 0, transport: 0, 'partial-tcp': 0, truncated: 0 };

  /** key: 32 bytes (AES-128 key, then the pad's seed, as Crypto-PAn takes them) */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error('the anonymisation key is 32 bytes (64 hex digits)');
    const aesKey = key.slice(0, 16);
    this.aes = () => ecb(aesKey, { disablePadding: true });
    this.pad = this.aes().encrypt(key.slice(16, 32));
    this.macKey = key.slice(0, 16);
  }

  /** A key for one run. */
  static randomKey(): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(32));
  }

  // ---------------------------------------------------------------- addresses

  /** The mapped form of a 16-byte address (IPv4 as ::ffff:a.b.c.d): Crypto-PAn over its bits. */
  ip16(a: Uint8Array): Uint8Array {
    const k = hex(a);
    const hit = this.ips.get(k);
    if (hit) return hit;
    const v4 = a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff;
    const bits = v4 ? 32 : 128;
    const addr = v4 ? a.subarray(12) : a;
    const out = new Uint8Array(addr.length);
    // block i: the first i bits of the address, then the pad's bits from i on (all encrypted at once)
    const blocks = new Uint8Array(bits * 16);
    for (let i = 0; i < bits; i++) {
      const block = blocks.subarray(i * 16, i * 16 + 16);
      block.set(this.pad);
      for (let j = 0; j < i; j++) {
        const bit = (addr[j >> 3] >> (7 - (j & 7))) & 1;
        const m = 1 << (7 - (j & 7));
        block[j >> 3] = bit ? block[j >> 3] | m : block[j >> 3] & ~m;
      }
    }
    const enc = this.aes().encrypt(blocks);
    for (let i = 0; i < bits; i++) {
      const bit = ((addr[i >> 3] >> (7 - (i & 7))) & 1) ^ (enc[i * 16] >> 7);
      out[i >> 3] |= bit << (7 - (i & 7));
    }
    const mapped = new Uint8Array(16);
    if (v4) {
      mapped[10] = 0xff;
      mapped[11] = 0xff;
      mapped.set(out, 12);
    } else mapped.set(out);
    this.ips.set(k, mapped);
    return mapped;
  }

  /** An address written as text, mapped; null when the text is no address. */
  ipText(s: string): string | null {
    const a = parseIp16(s);
    return a ? formatIp16(this.ip16(a), 0) : null;
  }

  // ---------------------------------------------------------------- names

  private tag(kind: string, s: string): Uint8Array {
    return cmac(new TextEncoder().encode(`${kind}\0${s}`), this.macKey);
  }

  /** A user part: a number keeps its length and leading +, anything else becomes u + 8 hex digits. */
  user(s: string): string {
    return this.name('user', s, () => {
      const t = this.tag('user', s);
      const m = /^(\+?)(\d+)$/.exec(s.replace(/[().-]/g, ''));
      if (m) return m[1] + Array.from(m[2], (_, i) => String(t[i % 16] % 10)).join('');
      return `u${hex(t.subarray(0, 4))}`;
    });
  }

  /** A host name (addresses go through ipText): h + 8 hex digits under .invalid (RFC 6761). */
  host(s: string): string {
    const ip = this.ipText(s);
    if (ip !== null) return ip;
    return this.name('host', s.toLowerCase(), () => `h${hex(this.tag('host', s.toLowerCase()).subarray(0, 4))}.invalid`);
  }

  /** A display name: "Party" and 4 hex digits. */
  display(s: string): string {
    return this.name('display', s, () => `Party ${hex(this.tag('display', s).subarray(0, 2))}`);
  }

  private name(kind: string, s: string, make: () => string): string {
    const k = `${kind}\0${s}`;
    let p = this.names.get(k);
    if (p === undefined) {
      p = make();
      this.names.set(k, p);
      if (s.length >= 4 && kind !== 'display') {
        this.seen.set(s.toLowerCase(), p);
        this.seenRegex = undefined;
      }
    }
    return p;
  }

  // ---------------------------------------------------------------- SIP text

  /** Note the user parts and hosts of a message before any frame is written (pass two), so
   *  that they are replaced wherever they occur, even in a message met earlier. */
  learn(message: Uint8Array): void {
    this.sipText(latin1.decode(message));
  }

  /** A SIP message (latin1 text, one char per byte) rewritten, Content-Length made right. */
  sipText(text: string): string {
    const split = /\r?\n\r?\n/.exec(text);
    const headEnd = split ? split.index + split[0].length : text.length;
    let head = text.slice(0, headEnd);
    let body = text.slice(headEnd);
    head = this.rewrite(head, true);
    body = this.rewrite(body, false);
    // Content-Length (or l) counts the new body
    head = head.replace(/^((?:Content-Length|l)[ \t]*:[ \t]*)\d+/im, (_, name: string) => `${name}${body.length}`);
    return head + body;
  }

  private rewrite(t: string, headers: boolean): string {
    // display names before <uri>, quoted or not
    t = t.replace(/"((?:[^"\\\r\n]|\\.)*)"(\s*<)/g, (_, name: string, lt: string) => `"${this.display(name)}"${lt}`);
    if (headers) {
      // in the headers of parties, whatever stands before <uri> (escaped quotes and all), and any
      // other quoted text
      t = t.replace(
        /^((?:from|f|to|t|contact|m|p-asserted-identity|p-preferred-identity|remote-party-id|refer-to|r|referred-by|b|reply-to|diversion|route|record-route|history-info)[ \t]*:)([^\r\n]*)/gim,
        (_, h: string, value: string) => {
          const v = value.replace(/^([ \t]*)([^<]*[^<\s])(\s*<)/, (all, sp: string, name: string, lt: string) =>
            name.startsWith('"Party ') ? all : `${sp}"${this.display(name.replace(/^"|"$/g, ''))}"${lt}`,
          );
          return h + v.replace(/"((?:[^"\\]|\\.)*)"/g, (q, name: string) => (name.startsWith('Party ') ? q : `"${this.display(name)}"`));
        },
      );
    }
    // tel: numbers, then URIs: user part and host name (addresses are mapped below with every other address)
    t = t.replace(/\btel:([+0-9*#().-]*[0-9])/gi, (_, n: string) => `tel:${this.user(n)}`);
    t = t.replace(
      /\b(sips?|im|pres):([^\s<>;,?"@]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)/gi,
      (_, scheme: string, userinfo: string | undefined, host: string) => {
        let out = `${scheme}:`;
        if (userinfo !== undefined) {
          const u = userinfo.slice(0, -1);
          const colon = u.indexOf(':');
          out += colon >= 0 ? `${this.user(u.slice(0, colon))}:${this.user(u.slice(colon + 1))}@` : `${this.user(u)}@`;
        }
        return out + (host.startsWith('[') || parseIp16(host) ? host : this.host(host));
      },
    );
    if (headers) {
      // Via sent-by, received= and maddr= names; digest username= realm=; the Call-ID's host
      t = t.replace(
        /^((?:Via|v)[ \t]*:[ \t]*SIP\/2\.0\/[A-Za-z]+[ \t]+)([A-Za-z0-9.-]+)/gim,
        (_, h: string, host: string) => h + (parseIp16(host) ? host : this.host(host)),
      );
      t = t.replace(
        /\b(received|maddr)=([A-Za-z0-9.-]+)/gi,
        (_, p: string, host: string) => `${p}=${parseIp16(host) ? host : this.host(host)}`,
      );
      t = t.replace(/\busername="([^"]*)"/gi, (_, u: string) => `username="${this.user(u)}"`);
      t = t.replace(/\brealm="([^"]*)"/gi, (_, r: string) => `realm="${parseIp16(r) ? r : this.host(r)}"`);
      t = t.replace(/^((?:Call-ID|i)[ \t]*:[ \t]*[^@\r\n]*@)([^\s]+)/gim, (all, h: string, host: string) =>
        !parseIp16(host) && /^[A-Za-z0-9.-]+$/.test(host) ? h + this.host(host) : all,
      );
    } else {
      // SDP o= user name
      t = t.replace(/^o=(\S+)/gm, (all, u: string) => (u === '-' ? all : `o=${this.user(u)}`));
    }
    // what was met anywhere (in this message or an earlier one), wherever else it stands as a word
    const seen = this.seenPattern();
    if (seen !== null) t = t.replace(seen, (w: string) => this.seen.get(w.toLowerCase()) ?? w);
    // every address written as text
    // (also glued to a token before it, as in a branch: z9hG4bK-44ce192.168.1.2)
    t = t.replace(/(?<![.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\w.])/g, (ip: string) => this.ipText(ip) ?? ip);
    t = t.replace(/(?<![\w:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:.])/g, (ip: string) =>
      ip.includes('::') || ip.split(':').length === 8 ? (this.ipText(ip) ?? ip) : ip,
    );
    return t;
  }

  /** One pattern for every value met, longest first, as whole words. Numbers shorter than 6
   *  digits are left out: free text is full of them (ports, CSeq numbers, lengths). */
  private seenPattern(): RegExp | null {
    if (this.seenRegex === undefined) {
      const words = [...this.seen.keys()].filter((w) => !/^\+?\d{1,5}$/.test(w)).sort((a, b) => b.length - a.length);
      const esc = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.seenRegex = words.length ? new RegExp(`(?<![A-Za-z0-9])(?:${esc.join('|')})(?![A-Za-z0-9])`, 'gi') : null;
    }
    return this.seenRegex;
  }

  // ---------------------------------------------------------------- frames

  /** The frame rewritten, or null when it is left out (counted in leftOut). */
  frame(f: RawFrame): Uint8Array | null {
    if (f.data.length < f.origLen) return this.out('truncated');
    const d = f.data;
    let ip = IP_AT[f.linktype]; // offset of the IP header
    if (ip === undefined) return this.out('link');
    const mac = f.linktype === ETHERNET;
    if (mac) {
      // past VLAN and QinQ tags to IPv4 or IPv6
      let type = (d[12] << 8) | d[13];
      while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && ip + 4 <= d.length) {
        type = (d[ip + 2] << 8) | d[ip + 3];
        ip += 4;
      }
      if (type !== 0x0800 && type !== 0x86dd) return this.out('link');
    }
    if (ip >= d.length) return this.out('link');
    const out = this.ipPacket(d.subarray(ip));
    if (out === null) return null;
    const frame = new Uint8Array(ip + out.length);
    frame.set(d.subarray(0, ip));
    frame.set(out, ip);
    if (mac) {
      frame.set(this.mac(d.subarray(0, 6)), 0);
      frame.set(this.mac(d.subarray(6, 12)), 6);
    }
    return frame;
  }

  private out(why: LeftOut): null {
    this.leftOut[why]++;
    return null;
  }

  /** A MAC address: group addresses (broadcast, multicast) kept, others locally administered pseudonyms. */
  private mac(m: Uint8Array): Uint8Array {
    if (m[0] & 1) return m.slice();
    const t = this.tag('mac', hex(m));
    const out = t.slice(0, 6);
    out[0] = (out[0] & 0xfc) | 0x02;
    return out;
  }

  private ipPacket(p: Uint8Array): Uint8Array | null {
    const v = p[0] >> 4;
    let hl: number;
    let proto: number;
    if (v === 4) {
      hl = (p[0] & 15) * 4;
      if (hl < 20 || p.length < hl) return this.out('transport');
      if (((p[6] << 8) | p[7]) & 0x3fff) return this.out('fragment');
      proto = p[9];
    } else if (v === 6) {
      hl = 40;
      proto = p[6];
      if (p.length < 40 || (proto !== 17 && proto !== 6)) return this.out(proto === 44 ? 'fragment' : 'transport');
    } else return this.out('link');
    if (proto !== 17 && proto !== 6) return this.out('transport');
    const src = this.ip16(to16(p, v === 4 ? 12 : 8, v));
    const dst = this.ip16(to16(p, v === 4 ? 16 : 24, v));
    const end = v === 4 ? Math.min(p.length, (p[2] << 8) | p[3]) : Math.min(p.length, 40 + ((p[4] << 8) | p[5]));
    const l4 = p.subarray(hl, end);
    const trailer = p.subarray(end); // Ethernet padding
    const key = hex(p.subarray(v === 4 ? 12 : 8, v === 4 ? 20 : 40));
    const seg = proto === 17 ? this.udp(l4) : this.tcpSegment(l4, key);
    if (seg === null) return null;
    const head = p.slice(0, hl);
    if (v === 4) {
      head.set(src.subarray(12), 12);
      head.set(dst.subarray(12), 16);
      const total = hl + seg.length;
      head[2] = total >> 8;
      head[3] = total & 255;
      head[10] = 0;
      head[11] = 0;
      const c = checksum(head, 0);
      head[10] = c >> 8;
      head[11] = c & 255;
    } else {
      head.set(src, 8);
      head.set(dst, 24);
      head[4] = seg.length >> 8;
      head[5] = seg.length & 255;
    }
    // the transport checksum over the new pseudo-header
    const pseudo = v === 4 ? pseudo4(head, seg.length, proto) : pseudo6(head, seg.length, proto);
    const at = proto === 17 ? 6 : 16;
    const had = (seg[at] << 8) | seg[at + 1];
    if (!(proto === 17 && v === 4 && had === 0)) {
      seg[at] = 0;
      seg[at + 1] = 0;
      let c = checksum(seg, sum(pseudo));
      if (proto === 17 && c === 0) c = 0xffff;
      seg[at] = c >> 8;
      seg[at + 1] = c & 255;
    }
    const out = new Uint8Array(head.length + seg.length + trailer.length);
    out.set(head);
    out.set(seg, head.length);
    out.set(trailer, head.length + seg.length);
    return out;
  }

  private udp(u: Uint8Array): Uint8Array | null {
    if (u.length < 8) return this.out('truncated');
    const payload = u.subarray(8, Math.min(u.length, (u[4] << 8) | u[5]));
    const body = this.payload(payload);
    if (body === null) return this.out('transport');
    const out = new Uint8Array(8 + body.length);
    out.set(u.subarray(0, 8));
    out.set(body, 8);
    out[4] = out.length >> 8;
    out[5] = out.length & 255;
    return out;
  }

  private tcpSegment(t: Uint8Array, addrs: string): Uint8Array | null {
    if (t.length < 20) return this.out('truncated');
    const off = (t[12] >> 4) * 4;
    if (off < 20 || off > t.length) return this.out('truncated');
    const sport = (t[0] << 8) | t[1];
    const dport = (t[2] << 8) | t[3];
    const half = addrs.length / 2;
    const fwd = `${addrs} ${sport} ${dport}`;
    const rev = `${addrs.slice(half)}${addrs.slice(0, half)} ${dport} ${sport}`;
    const payload = t.subarray(off);
    let body: Uint8Array = payload;
    if (payload.length > 0) {
      if (!wholeSip(payload)) return this.out('partial-tcp');
      const sip = this.payload(payload);
      if (sip === null) return this.out('partial-tcp');
      body = sip;
    }
    const seq = readU32(t, 4);
    const ack = readU32(t, 8);
    const out = new Uint8Array(off + body.length);
    out.set(t.subarray(0, off));
    out.set(body, off);
    writeU32(out, 4, (seq + this.shift(fwd, seq)) >>> 0);
    if (t[13] & 0x10) writeU32(out, 8, (ack + this.shift(rev, ack)) >>> 0);
    if (body.length !== payload.length) this.moved(fwd, seq + payload.length, body.length - payload.length);
    return out;
  }

  /** Bytes added before sequence number n of a stream (by the rewriting of earlier segments). */
  private shift(stream: string, n: number): number {
    const s = this.tcp.get(stream);
    if (!s) return 0;
    let d = 0;
    for (let i = 0; i < s.at.length && ((n - s.at[i]) | 0) >= 0; i++) d = s.delta[i];
    return d;
  }

  private moved(stream: string, at: number, by: number): void {
    let s = this.tcp.get(stream);
    if (!s) {
      s = { at: [], delta: [] };
      this.tcp.set(stream, s);
    }
    s.at.push(at >>> 0);
    s.delta.push((s.delta[s.delta.length - 1] ?? 0) + by);
  }

  /** A UDP or TCP payload: SIP rewritten, RTCP's texts replaced, RTP kept; null for anything else. */
  private payload(b: Uint8Array): Uint8Array | null {
    if (b.length === 0) return b;
    const c = b[0];
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      const text = latin1.decode(b);
      if (/^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/.test(text))
        return latin1Bytes(
          splitMessages(text)
            .map((m) => this.sipText(m))
            .join(''),
        );
    }
    if (c >> 6 === 2 && b.length >= 8 && b[1] >= 200 && b[1] <= 207) return this.rtcp(b);
    if (c >> 6 === 2 && b.length >= 12) return b; // RTP: header and payload kept
    return null; // anything else (HEP, GTP, VXLAN, STUN …) may carry what is hidden elsewhere
  }

  /** RTCP: the texts of SDES items (and a BYE's reason) replaced, lengths kept. */
  private rtcp(b: Uint8Array): Uint8Array {
    const out = b.slice();
    let o = 0;
    while (o + 4 <= out.length) {
      const count = out[o] & 31;
      const pt = out[o + 1];
      const len = (((out[o + 2] << 8) | out[o + 3]) + 1) * 4;
      const end = Math.min(out.length, o + len);
      if (pt === 202) {
        let q = o + 4;
        for (let chunk = 0; chunk < count && q + 4 <= end; chunk++) {
          q += 4; // SSRC
          while (q < end && out[q] !== 0) {
            const n = out[q + 1] ?? 0;
            this.scramble(out, q + 2, Math.min(end, q + 2 + n));
            q += 2 + n;
          }
          q = (q + 4) & ~3; // the null item and padding to 32 bits
        }
      } else if (pt === 203) {
        const reason = o + 4 + count * 4;
        if (reason < end) this.scramble(out, reason + 1, Math.min(end, reason + 1 + out[reason]));
      }
      if (len <= 0) break;
      o += len;
    }
    return out;
  }

  /** Bytes [from, to) replaced by a keyed pseudonym of the same length (letters and digits). */
  private scramble(b: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const t = this.tag('text', latin1.decode(b.subarray(from, to)));
    const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let i = from; i < to; i++) b[i] = abc.charCodeAt(t[(i - from) % 16] % abc.length);
  }
}

/** SIP messages one after another in a payload (TCP carries several), each with its body. */
function splitMessages(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const split = /\r?\n\r?\n/.exec(rest);
    if (!split) {
      out.push(rest);
      break;
    }
    const headEnd = split.index + split[0].length;
    const cl = /^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/im.exec(rest.slice(0, headEnd));
    const end = Math.min(rest.length, headEnd + (cl ? Number(cl[1]) : rest.length - headEnd));
    out.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return out;
}

/** Whether a TCP payload is whole SIP messages (and CRLF keep-alives), none cut. */
function wholeSip(b: Uint8Array): boolean {
  let text = latin1.decode(b);
  while (text.length > 0) {
    const lead = /^(?:\r?\n)+/.exec(text);
    if (lead) {
      text = text.slice(lead[0].length);
      continue;
    }
    if (!/^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/.test(text)) return false;
    const split = /\r?\n\r?\n/.exec(text);
    if (!split) return false;
    const headEnd = split.index + split[0].length;
    const cl = /^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/im.exec(text.slice(0, headEnd));
    const end = headEnd + (cl ? Number(cl[1]) : 0);
    if (end > text.length) return false;
    text = text.slice(end);
  }
  return true;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function to16(p: Uint8Array, at: number, v: number): Uint8Array {
  const a = new Uint8Array(16);
  if (v === 4) {
    a[10] = 0xff;
    a[11] = 0xff;
    a.set(p.subarray(at, at + 4), 12);
  } else a.set(p.subarray(at, at + 16));
  return a;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 255;
  b[at + 2] = (v >>> 8) & 255;
  b[at + 3] = v & 255;
}

function pseudo4(head: Uint8Array, len: number, proto: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(head.subarray(12, 20));
  p[9] = proto;
  p[10] = len >> 8;
  p[11] = len & 255;
  return p;
}

function pseudo6(head: Uint8Array, len: number, proto: number): Uint8Array {
  const p = new Uint8Array(40);
  p.set(head.subarray(8, 40));
  writeU32(p, 32, len);
  p[39] = proto;
  return p;
}

/** One's-complement sum of 16-bit words (not folded). */
function sum(b: Uint8Array, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  return s;
}

/** The Internet checksum of b, with a partial sum to start from. */
function checksum(b: Uint8Array, start: number): number {
  let s = sum(b, start);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
