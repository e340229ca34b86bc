// Mutations of what a transport carries, as assembly/sip.ts, sdp.ts, sdp-watch.ts, rtp.ts,
// rtcp.ts, tcp.ts (WebSocket) and net.ts (HEP v3) read it: start lines, headers and their values
// (Content-Length, Call-ID, CSeq, Via, folding, compact forms), bodies and SDP lines, RTP header
// bits and lengths, RTCP lengths, counts and types, HEP chunk lengths and types, WebSocket
// frame lengths, masks and opcodes.

import { INTERESTING_16, INTERESTING_32, type Rng } from './havoc.ts';

const enc = new TextEncoder();
/** One character per byte both ways, so any bytes survive a text edit. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
export function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

const LENGTHS = [
  '0',
  '1',
  '-1',
  '',
  ' ',
  'abc',
  '4294967296',
  '999999999',
  '99999999999',
  '2147483647',
  '65536',
  '262144',
  '262145',
  '0x10',
  '１',
];
const HEADERS = [
  'Call-ID',
  'i',
  'From',
  'f',
  'To',
  't',
  'CSeq',
  'Via',
  'v',
  'Content-Length',
  'l',
  'Content-Type',
  'c',
  'User-Agent',
  'Server',
  'Reason',
  'X-CID',
  'X-Call-ID',
  'X-Orig-Call-ID',
  'X-Original-Call-ID',
  'Session-ID',
  'P-Charging-Vector',
  'Contact',
  'Max-Forwards',
];
const VALUES = [
  '',
  ' ',
  ';tag=',
  '<sip:a@b>;tag=x;tag=y',
  '1 INVITE',
  '4294967296 INVITE',
  '-1 BYE',
  'INVITE',
  '1',
  'SIP/2.0/UDP [::1]:5060;branch=z9hG4bK',
  'application/sdp',
  'multipart/mixed;boundary="b1"',
  'multipart/mixed; boundary=',
  'Q.850;cause=999999',
  'icid-value=abc;orig-ioi=x',
  '\u00ff\u00fe',
  '\u00c3\u0028',
  '"\\"',
];
const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'UPDATE',
  'INFO',
  'REFER',
  'NOTIFY',
  'SUBSCRIBE',
  'MESSAGE',
  'X',
  'A'.repeat(31),
  'A'.repeat(40),
  'inv!te',
];
const STATUS = [
  '100',
  '180',
  '183',
  '200',
  '202',
  '3xx',
  '302',
  '401',
  '407',
  '408',
  '481',
  '486',
  '487',
  '488',
  '500',
  '503',
  '603',
  '699',
  '000',
  '999',
  '1000',
  '99',
];

function randomText(rng: Rng, n: number): string {
  const alphabet = 'abcXYZ0129 :;<>@"=/\\\t\r\n\u0000\u007f\u0080\u00ff-_.';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** A mutation of a SIP message's text. */
export function mutateSip(b: Uint8Array, rng: Rng): Uint8Array {
  let s = latin1(b);
  const headEnd = s.indexOf('\r\n\r\n') >= 0 ? s.indexOf('\r\n\r\n') + 2 : s.length;
  const lines = s.slice(0, headEnd).split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const body = s.slice(headEnd + 2);
  const join = (ls: string[], bd: string, eol = '\r\n') => ls.join(eol) + eol + eol + bd;
  switch (rng.int(16)) {
    case 0: {
      // Content-Length: extremes, off by some, duplicated
      const v = rng.chance(0.5) ? rng.pick(LENGTHS) : String(body.length + rng.range(-20, 20));
      const i = lines.findIndex((l) => /^(content-length|l)\s*:/i.test(l));
      if (i >= 0 && rng.chance(0.8)) lines[i] = `${lines[i].split(':')[0]}: ${v}`;
      else lines.push(`Content-Length: ${v}`);
      return bytesOf(join(lines, body));
    }
    case 1: {
      // a header's value replaced
      const i = rng.int(lines.length - 1) + 1;
      const name = lines[i]?.split(':')[0] ?? rng.pick(HEADERS);
      lines[i] = `${name}:${rng.pick(VALUES)}${rng.chance(0.3) ? randomText(rng, rng.small(300)) : ''}`;
      return bytesOf(join(lines, body));
    }
    case 2: {
      // headers added: many, long, the ones the core records
      const n = rng.chance(0.2) ? rng.range(40, 120) : rng.range(1, 5);
      for (let k = 0; k < n; k++) {
        const v = rng.chance(0.1) ? 'x'.repeat(rng.range(100, 20000)) : rng.pick(VALUES);
        lines.splice(rng.int(lines.length) + 1, 0, `${rng.pick(HEADERS)}${rng.chance(0.2) ? ' \t' : ''}:${v}`);
      }
      return bytesOf(join(lines, body));
    }
    case 3: {
      // lines removed or duplicated
      const i = rng.int(lines.length - 1) + 1;
      if (rng.chance(0.5)) lines.splice(i, 1);
      else lines.splice(i, 0, lines[i] ?? '');
      return bytesOf(join(lines, body));
    }
    case 4: {
      // the start line
      const isResp = lines[0].startsWith('SIP/2.0 ');
      const uri = rng.chance(0.2) ? `sip:${'u'.repeat(rng.range(1000, 17000))}@x` : rng.pick(['sip:a@b', '', ' ', 'sip:[::1]', 'tel:+1']);
      lines[0] =
        rng.chance(0.5) === isResp
          ? `SIP/2.0 ${rng.pick(STATUS)}${rng.pick(['', ' OK', ' ', '\t'])}`
          : `${rng.pick(METHODS)} ${uri} ${rng.pick(['SIP/2.0', 'sip/2.0', 'SIP/2.1', 'SIP/2.0 '])}`;
      return bytesOf(join(lines, body));
    }
    case 5: {
      // folded continuation lines
      const i = rng.int(lines.length - 1) + 1;
      lines.splice(i + 1, 0, ...Array.from({ length: rng.range(1, 4) }, () => `${rng.pick([' ', '\t', '  \t'])}${rng.pick(VALUES)}`));
      return bytesOf(join(lines, body));
    }
    case 6:
      // other line ends
      return bytesOf(join(lines, body, rng.pick(['\n', '\r', '\r\r\n', '\n\r'])));
    case 7: {
      // the body: longer, shorter, garbage, SDP where none was said
      const nb = rng.pick([
        body + randomText(rng, rng.small(2000)),
        body.slice(0, rng.int(body.length + 1)),
        'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 9 RTP/AVP 0\r\n',
        '',
      ]);
      return bytesOf(join(lines, nb));
    }
    case 8: {
      // multipart body with SDP in a part
      const bnd = rng.pick(['b1', '', 'x'.repeat(201), 'b"1']);
      const i = lines.findIndex((l) => /^(content-type|c)\s*:/i.test(l));
      const ct = `Content-Type: multipart/mixed;boundary="${bnd}"`;
      if (i >= 0) lines[i] = ct;
      else lines.push(ct);
      const parts = rng.chance(0.5)
        ? [`--${bnd}\r\nContent-Type: application/sdp\r\n\r\n${body}`, `--${bnd}--`]
        : [`--${bnd}\r\n${body}`, `--${bnd}`];
      return bytesOf(join(lines, parts.join('\r\n')));
    }
    case 9:
      return mutateSdp(b, rng);
    case 10:
      // cut anywhere
      return b.slice(0, rng.int(b.length + 1));
    case 11: {
      // the Call-ID: empty, very long, unusual bytes
      const i = lines.findIndex((l) => /^(call-id|i)\s*:/i.test(l));
      const v = rng.pick(['', ' ', 'a'.repeat(rng.range(200, 5000)), '\u00ff\u0000x', 'x@[::1]', String(rng.int(1e6))]);
      if (i >= 0) lines[i] = `Call-ID: ${v}`;
      return bytesOf(join(lines, body));
    }
    case 12: {
      // CSeq and methods that do not agree
      const i = lines.findIndex((l) => /^cseq\s*:/i.test(l));
      const v = `${rng.pick(['0', '1', '2', '4294967295', '4294967296', '-5', 'x', ''])} ${rng.pick(METHODS)}`;
      if (i >= 0) lines[i] = `CSeq: ${v}`;
      return bytesOf(join(lines, body));
    }
    case 13: {
      // NUL, high and control bytes anywhere
      const bytes = b.slice();
      for (let k = rng.small(16) + 1; k > 0; k--)
        bytes[rng.int(bytes.length)] = rng.pick([0, 0x7f, 0x80, 0xff, 0x09, 0x0a, 0x0d, 0x3a, 0x20]);
      return bytes;
    }
    case 14: {
      // two messages in one, or a keep-alive before
      s = rng.chance(0.5) ? s + s : rng.pick(['\r\n', '\r\n\r\n', '\0\0\0\0']) + s;
      return bytesOf(s);
    }
    default:
      return enc.encode(latin1(b)); // high bytes turned into UTF-8 pairs: lengths move
  }
}

/** A mutation of the SDP lines of a message (or of a body that is SDP). */
export function mutateSdp(b: Uint8Array, rng: Rng): Uint8Array {
  const s = latin1(b);
  const at = s.indexOf('v=0');
  if (at < 0) return mutateSip(b, rng);
  const head = s.slice(0, at);
  const lines = s.slice(at).split('\r\n');
  const C = [
    'c=IN IP4 0.0.0.0',
    'c=IN IP6 ::',
    'c=IN IP6 ::ffff:1.2.3.4',
    'c=IN IP4 256.1.1.1',
    'c=IN IP4 1.2.3.4/127/3',
    'c=IN IP6 1:2:3:4:5:6:7:8:9',
    'c=IN IP6 ::1::2',
    'c=',
    'c=IN',
    'c=IN IP4 ' + '1'.repeat(60),
    'c=IN IP6 1:2:3:4:5:6:1.2.3.4',
    'c=IN IP6 fe80::1%eth0',
  ];
  const M = [
    'm=audio 0 RTP/AVP 0',
    'm=audio 65535 RTP/AVP 0',
    'm=audio 65536 RTP/AVP 0',
    'm=audio 99999999999 RTP/AVP 0',
    'm=video 5004/2 RTP/SAVPF 96',
    'm=audio 5004 udptl t38',
    'm=audio',
    'm=audio  4000  RTP/AVP',
    'm=image 4000 udptl t38',
  ];
  const A = [
    'a=rtpmap:96 telephone-event/8000',
    'a=rtpmap:127 x/4294967296',
    'a=rtpmap:128 y/1',
    'a=rtpmap:0',
    'a=rtpmap:',
    'a=rtcp:0',
    'a=rtcp:65536',
    'a=rtcp:5005 IN IP4 1.1.1.1',
    'a=rtcp-mux',
    'a=sendonly',
    'a=inactive',
    'a=rtcp:',
  ];
  switch (rng.int(4)) {
    case 0:
      lines.splice(rng.int(lines.length), 0, rng.pick(C));
      break;
    case 1:
      lines.splice(rng.int(lines.length), 0, rng.pick(M));
      break;
    case 2:
      lines.splice(rng.int(lines.length), 0, rng.pick(A));
      break;
    default: {
      // many media sections: more watches than a message is allowed
      const n = rng.range(10, 120);
      for (let i = 0; i < n; i++)
        lines.push(
          `m=audio ${rng.range(1, 65535)} RTP/AVP 0 8 ${rng.range(96, 127)}`,
          `c=IN IP4 10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`,
          `a=rtpmap:${rng.range(96, 127)} x/${rng.pick([8000, 0, 90000, 16777215])}`,
        );
    }
  }
  return bytesOf(head + lines.join('\r\n'));
}

/** RTP header fields: version, padding, extension, CSRC count, marker and type, sequence, time, SSRC. */
export function mutateRtp(b: Uint8Array, rng: Rng): Uint8Array {
  const p = b.slice();
  if (p.length < 12) return p;
  switch (rng.int(8)) {
    case 0:
      p[0] = (p[0] & 0x3f) | (rng.int(4) << 6);
      break;
    case 1:
      p[0] = (p[0] & 0xf0) | rng.int(16); // CSRC count beyond the packet
      break;
    case 2: {
      p[0] |= 0x10; // extension with a length from the extremes
      const at = 12 + (p[0] & 15) * 4;
      if (at + 4 <= p.length) {
        const v = rng.pick(INTERESTING_16);
        p[at + 2] = v >> 8;
        p[at + 3] = v & 0xff;
      }
      break;
    }
    case 3:
      p[0] |= 0x20; // padding counted by the last byte
      p[p.length - 1] = rng.pick([0, 1, p.length - 12, p.length - 11, p.length, 255]);
      break;
    case 4:
      p[1] = rng.pick([0, 8, 13, 19, 101, 127, 0x80 | 101, 200, 201, 204, 72, 96]);
      break;
    case 5: {
      const v = rng.pick(INTERESTING_16);
      p[2] = v >> 8;
      p[3] = v & 0xff;
      break;
    }
    case 6:
      new DataView(p.buffer).setUint32(rng.chance(0.5) ? 4 : 8, rng.pick(INTERESTING_32) >>> 0);
      break;
    default:
      return p.slice(0, rng.int(p.length + 1));
  }
  return p;
}

/** RTCP: a packet's length word, report count, type or version; packets cut or repeated. */
export function mutateRtcp(b: Uint8Array, rng: Rng): Uint8Array {
  const p = b.slice();
  if (p.length < 4) return p;
  // the offsets of the packets in the compound
  const offs: number[] = [];
  for (let o = 0; o + 4 <= p.length && offs.length < 16; o += ((p[o + 2] << 8) | p[o + 3]) * 4 + 4) offs.push(o);
  const o = rng.pick(offs);
  switch (rng.int(6)) {
    case 0: {
      const v = rng.pick([0, 1, 2, 6, 7, 0xffff, ((p[o + 2] << 8) | p[o + 3]) + 1]);
      p[o + 2] = v >> 8;
      p[o + 3] = v & 0xff;
      break;
    }
    case 1:
      p[o] = (p[o] & 0xe0) | rng.int(32);
      break;
    case 2:
      p[o + 1] = rng.pick([192, 193, 200, 201, 202, 203, 204, 205, 206, 207, 0, 255]);
      break;
    case 3:
      p[o] = (p[o] & 0x3f) | (rng.int(4) << 6);
      break;
    case 4: {
      const out = new Uint8Array(p.length * 2);
      out.set(p);
      out.set(p, p.length);
      return out;
    }
    default:
      return p.slice(0, rng.int(p.length + 1));
  }
  return p;
}

/** HEP v3: the total length, a chunk's length or type, the address family, the payload. */
export function mutateHep(b: Uint8Array, rng: Rng): Uint8Array {
  const p = b.slice();
  if (p.length < 6) return p;
  const chunks: number[] = [];
  for (let o = 6; o + 6 <= p.length && chunks.length < 32; ) {
    chunks.push(o);
    const l = (p[o + 4] << 8) | p[o + 5];
    if (l < 6) break;
    o += l;
  }
  const c = chunks.length ? rng.pick(chunks) : 6;
  const set16 = (at: number, v: number) => {
    if (at + 2 <= p.length) {
      p[at] = (v >> 8) & 0xff;
      p[at + 1] = v & 0xff;
    }
  };
  switch (rng.int(6)) {
    case 0:
      set16(4, rng.pick([0, 6, 7, p.length - 1, p.length + 1, 0xffff]));
      break;
    case 1:
      set16(c + 4, rng.pick([0, 1, 5, 6, 7, 8, 22, 0xffff]));
      break;
    case 2:
      set16(c + 2, rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 11, 15, 0, 0xffff]));
      break;
    case 3:
      set16(c, rng.pick([0, 1, 0xffff]));
      break;
    case 4: {
      // the family says IPv6 while the addresses are IPv4 (or the other way)
      const fam = chunks.find((o) => p[o + 3] === 1);
      if (fam !== undefined && fam + 6 < p.length) p[fam + 6] = rng.pick([2, 10, 0, 255]);
      break;
    }
    default: {
      // the SIP inside
      const pay = chunks.find((o) => p[o + 3] === 15);
      if (pay === undefined) break;
      const inner = mutateSip(p.subarray(pay + 6, pay + ((p[pay + 4] << 8) | p[pay + 5])), rng);
      const out = new Uint8Array(pay + 6 + inner.length);
      out.set(p.subarray(0, pay + 6));
      out.set(inner, pay + 6);
      const l = 6 + inner.length;
      out[pay + 4] = (l >> 8) & 0xff;
      out[pay + 5] = l & 0xff;
      out[4] = (out.length >> 8) & 0xff;
      out[5] = out.length & 0xff;
      return out;
    }
  }
  return p;
}

/** WebSocket frames: the length in its three forms and its extremes, mask bit, opcode, FIN. */
export function mutateWs(b: Uint8Array, rng: Rng): Uint8Array {
  const p = b.slice();
  if (p.length < 2) return p;
  switch (rng.int(5)) {
    case 0:
      p[1] = (p[1] & 0x80) | rng.pick([0, 1, 125, 126, 127]);
      break;
    case 1:
      p[1] ^= 0x80;
      break;
    case 2:
      p[0] = (p[0] & 0xf0) | rng.pick([0, 1, 2, 8, 9, 10, 3, 15]);
      break;
    case 3: {
      // a 64-bit length: zero, small, MAX_SIP_MSG × 4 and around, huge
      const head = new Uint8Array(10);
      head[0] = p[0];
      head[1] = (p[1] & 0x80) | 127;
      const v = rng.pick([0n, 1n, 125n, 262144n, 262145n, 1048576n, 1048577n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn]);
      new DataView(head.buffer).setBigUint64(2, v);
      const out = new Uint8Array(10 + p.length - 2);
      out.set(head);
      out.set(p.subarray(2), 10);
      return out;
    }
    default:
      p[0] ^= 0x80; // FIN
  }
  return p;
}
