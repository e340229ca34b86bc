// Wrapper around the WASM core: moves capture bytes in, decodes the event buffer into
// SipMessage objects, and exposes the run counters and the RTP watch list.
// Runs in Node and in browsers: the host supplies the compiled module.

import type { SipMessage, Sdp, SdpMedia, Transport } from './events.ts';
import { formatIp16, parseIp16 } from './addr.ts';
import { parseCseq, tagOf } from './header-values.ts';

interface CoreExports {
  memory: WebAssembly.Memory;
  init(): void;
  inPtr(): number;
  inSpace(): number;
  push(n: number): void;
  run(): number;
  beginFile(i: number): void;
  endFile(): number;
  fileError(): number;
  fileWarning(): number;
  errorOffset(): number;
  finish(): void;
  evPtr(): number;
  evLength(): number;
  evClear(): void;
  countersPtr(): number;
  counterCount(): number;
  bytesPtr(): number;
  nowSec(): number;
  nowNsec(): number;
  mediaKey(): number;
  mediaWatch(port: number): number;
  mediaUnwatch(id: number): void;
  mediaPackets(id: number): number;
  mediaLastSec(id: number): number;
  mediaLastNsec(id: number): number;
}

/** Run counters in the order of assembly/stats.ts, with what each means for a user. */
export const COUNTERS: ReadonlyArray<readonly [string, string]> = [
  ['frames', 'frames read'],
  ['sipFrames', 'frames carrying SIP'],
  ['sipMessages', 'SIP messages'],
  ['rtpFrames', 'RTP frames to SDP media endpoints'],
  ['otherFrames', 'other traffic (decoded, not SIP)'],
  ['nonIp', 'not IP (ARP, LLDP, ...)'],
  ['unknownLinktype', 'unknown link type'],
  ['truncated', 'truncated frames (shorter than their headers say)'],
  ['badIp', 'invalid IP headers'],
  ['badL4', 'invalid UDP/TCP/SCTP headers'],
  ['fragPieces', 'IP fragments'],
  ['fragReassembled', 'IP datagrams reassembled'],
  ['fragIncomplete', 'IP datagrams never completed'],
  ['fragBad', 'inconsistent IP fragments'],
  ['fragTableFull', 'fragments dropped: reassembly table full'],
  ['tcpStreams', 'SIP TCP streams'],
  ['tcpRetransmissions', 'TCP segments retransmitted'],
  ['tcpOutOfOrder', 'TCP segments out of order'],
  ['tcpGaps', 'TCP gaps (data never captured)'],
  ['tcpTableFull', 'TCP streams dropped: table full'],
  ['sipTooLarge', 'SIP messages too large'],
  ['sipMalformed', 'malformed SIP'],
  ['sipBodyShort', 'SIP bodies shorter than Content-Length'],
  ['tunnelTooDeep', 'tunnels nested too deep'],
  ['sctpPartial', 'SCTP fragmented messages'],
  ['wsFrames', 'SIP over WebSocket frames'],
  ['icmpQuotedSip', 'SIP quoted in ICMP errors'],
  ['badRecords', 'capture records with impossible lengths'],
  ['skippedBlocks', 'pcapng blocks without packets'],
  ['oversizedRecords', 'records too large to decode'],
  ['truncatedFiles', 'files ending inside a record'],
  ['memoryExhausted', 'reassembly memory exhausted'],
  ['mediaTableFull', 'media endpoints not watched: table full'],
  ['hep', 'SIP messages from HEP encapsulation'],
  ['keepalives', 'keep-alives'],
  ['eventOverflow', 'messages dropped: event buffer full'],
];

/** Counters that are problems (frames or messages not fully decoded), for reports. */
export const PROBLEM_COUNTERS = new Set([
  'unknownLinktype', 'truncated', 'badIp', 'badL4', 'fragIncomplete', 'fragBad', 'fragTableFull',
  'tcpGaps', 'tcpTableFull', 'sipTooLarge', 'sipMalformed', 'sipBodyShort', 'tunnelTooDeep',
  'sctpPartial', 'badRecords', 'oversizedRecords', 'truncatedFiles', 'memoryExhausted',
  'mediaTableFull', 'eventOverflow',
]);

export interface EngineStats {
  counters: Record<string, number>;
  bytes: number;
  sipBytes: number;
  rtpBytes: number;
}

export const FILE_ERRORS: Record<number, string> = {
  1: 'not a pcap or pcapng capture (unknown file header)',
  2: 'a record has an impossible length: the file is damaged; reading of this file stopped there',
  3: 'a pcapng block is damaged; reading of this file stopped there',
  4: 'the file ends in the middle of a record (truncated capture)',
  5: 'the file is empty',
};

export interface FileStatus {
  error: number; // 0 = fine
  message: string | null;
  offset: number; // byte offset of the problem in the file
  warning: string | null;
}

const TRANSPORTS: Transport[] = ['udp', 'udp', 'tcp', 'sctp', 'ws'];
/** header entry ids (assembly/sip.ts); H_FOLDED marks a value that continues on folded lines */
const H_FOLDED = 0x100;
const H_CALL_ID = 1, H_FROM = 2, H_TO = 3, H_CSEQ = 4, H_USER_AGENT = 5, H_SERVER = 6, H_REASON = 7, H_CONTENT_TYPE = 8;

const utf8 = new TextDecoder('utf-8');
const SLAB_SIZE = 256 << 10;
const V4_CACHE = 4096;

export class Engine {
  private core: CoreExports;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private dv!: DataView;
  private buffer: ArrayBuffer | null = null;
  private coreWatches: number[] = [];
  /** IPv4 address text by value, direct-mapped (the same few addresses recur in every message;
   *  a Map keyed by numbers above 2^31 was a tenth of the message decoding) */
  private v4Keys = new Float64Array(V4_CACHE).fill(-1);
  private v4Text: string[] = new Array<string>(V4_CACHE).fill('');
  /** called for every SIP message, in capture order */
  onMessage: (m: SipMessage) => void = () => {};
  /** called when capture time passes a new second (in frame order, independent of chunking) */
  onTick: (nowSec: number) => void = () => {};

  private constructor(core: CoreExports) {
    this.core = core;
    core.init();
    this.views();
  }

  static async create(wasm: WebAssembly.Module | BufferSource): Promise<Engine> {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    const instance = await WebAssembly.instantiate(module, {
      env: {
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new Error(`sipscope core aborted at ${line}:${col}`);
        },
      },
    });
    return new Engine(instance.exports as unknown as CoreExports);
  }

  /** (Re)create views if memory grew. */
  private views(): void {
    const b = this.core.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b as ArrayBuffer;
      this.u8 = new Uint8Array(b);
      this.u32 = new Uint32Array(b);
      this.dv = new DataView(b);
    }
  }

  beginFile(index: number): void {
    this.core.beginFile(index);
  }

  /** Free part of the core's input window: a host that can read straight into memory (a file
   *  descriptor) writes capture bytes here and calls commitInput(), saving feed()'s copy. The
   *  view is valid until the next call into the engine. */
  inputWindow(): Uint8Array {
    this.views();
    return this.u8.subarray(this.core.inPtr(), this.core.inPtr() + this.core.inSpace());
  }

  /** n bytes were written at the start of inputWindow(): decode them. */
  commitInput(n: number): void {
    this.core.push(n);
    this.pump();
  }

  /** Feed capture bytes (any size, any split). */
  feed(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const w = this.inputWindow();
      const n = Math.min(w.length, chunk.length - off);
      w.set(chunk.subarray(off, off + n));
      off += n;
      this.commitInput(n);
    }
  }

  private pump(): void {
    while (true) {
      const more = this.core.run();
      this.drain();
      if (more === 0) break;
    }
  }

  endFile(): FileStatus {
    const error = this.core.endFile();
    this.drain();
    const warn = this.core.fileWarning();
    return {
      error,
      message: error ? (FILE_ERRORS[error] ?? `error ${error}`) : null,
      offset: this.core.errorOffset(),
      warning: warn & 1 ? 'record headers are in the other byte order than the file header (read anyway)' : null,
    };
  }

  finish(): void {
    this.core.finish();
    this.drain();
  }

  /** Highest capture time seen so far, in seconds. */
  now(): number {
    return this.core.nowSec() + this.core.nowNsec() / 1e9;
  }

  stats(): EngineStats {
    this.views();
    const c: Record<string, number> = {};
    const p = this.core.countersPtr();
    for (let i = 0; i < COUNTERS.length; i++) c[COUNTERS[i][0]] = this.dv.getUint32(p + i * 4, true);
    const b = this.core.bytesPtr();
    return {
      counters: c,
      bytes: this.dv.getFloat64(b, true),
      sipBytes: this.dv.getFloat64(b + 8, true),
      rtpBytes: this.dv.getFloat64(b + 16, true),
    };
  }

  // ---- RTP watch list (MediaHooks of the call tracker) ----
  watch(ip: string, port: number): number {
    const b = parseIp16(ip);
    if (!b || port <= 0 || port > 65535) return -1;
    this.views();
    this.u8.set(b, this.core.mediaKey());
    return this.core.mediaWatch(port);
  }
  unwatch(id: number): void {
    if (id >= 0) this.core.mediaUnwatch(id);
  }
  lastSeen(id: number): number {
    if (id < 0) return 0;
    return this.core.mediaLastSec(id) + this.core.mediaLastNsec(id) / 1e9;
  }
  packets(id: number): number {
    return id < 0 ? 0 : this.core.mediaPackets(id);
  }

  private drain(): void {
    const len = this.core.evLength();
    if (len === 0) return;
    this.views();
    const base = this.core.evPtr();
    let off = 0;
    while (off < len) {
      const size = this.dv.getUint32(base + off, true);
      if (size === 0) break;
      if (size === 16) {
        this.onTick(this.dv.getUint32(base + off + 8, true) + this.dv.getUint32(base + off + 12, true) / 1e9);
        off += size;
        continue;
      }
      const m = this.decode(base + off);
      off += size;
      if (m) this.onMessage(m);
      // the tracker has taken its own watches now: drop the ones the core took for this SDP
      for (const id of this.coreWatches) this.core.mediaUnwatch(id);
      this.coreWatches.length = 0;
    }
    this.core.evClear();
  }

  /** Copy bytes out of linear memory (the event buffer is reused). Small copies are carved from
   *  a shared slab: one ArrayBuffer per message costs more than the whole decode. */
  private slab = new Uint8Array(0);
  private slabOff = 0;
  private copyOut(start: number, len: number): Uint8Array {
    const src = this.u8.subarray(start, start + len);
    if (len > SLAB_SIZE >> 4) return src.slice();
    if (this.slabOff + len > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.slabOff = 0;
    }
    const out = this.slab.subarray(this.slabOff, this.slabOff + len);
    out.set(src);
    this.slabOff += (len + 7) & ~7;
    return out;
  }

  private ipText(o: number): string {
    const w = this.u32;
    const i = o >>> 2;
    // v4-mapped (::ffff:a.b.c.d) is the common case: cache by the 32-bit value
    if (w[i] !== 0 || w[i + 1] !== 0 || w[i + 2] !== 0xffff0000) return formatIp16(this.u8, o);
    const v = w[i + 3];
    const k = (v ^ (v >>> 11) ^ (v >>> 22)) & (V4_CACHE - 1);
    if (this.v4Keys[k] === v) return this.v4Text[k];
    const s = formatIp16(this.u8, o);
    this.v4Keys[k] = v;
    this.v4Text[k] = s;
    return s;
  }

  private decode(e: number): SipMessage | null {
    const dv = this.dv;
    const u8 = this.u8;
    const nHdr = u8[e + 29];
    const nSdp = u8[e + 30];
    const rawLen = dv.getUint32(e + 76, true);
    const slLen = dv.getUint32(e + 80, true);
    const nWatch = dv.getUint32(e + 88, true);
    const entries = e + 96;
    const watchStart = entries + (nHdr + nSdp) * 12;
    const rawStart = watchStart + nWatch * 4;
    for (let i = 0; i < nWatch; i++) this.coreWatches.push(dv.getInt32(watchStart + i * 4, true));
    const raw = this.copyOut(rawStart, rawLen);
    // one decode of the whole message; when it is one char per byte, byte offsets are string offsets
    const text = utf8.decode(raw);
    const aligned = text.length === rawLen;
    const slice = (off: number, len: number): string =>
      aligned ? text.substring(off, off + len) : utf8.decode(raw.subarray(off, off + len));

    // the start line without its line end
    let start = slice(0, slLen);
    let slEnd = start.length;
    if (slEnd > 0 && start.charCodeAt(slEnd - 1) === 10) slEnd--;
    if (slEnd > 0 && start.charCodeAt(slEnd - 1) === 13) slEnd--;
    if (slEnd < start.length) start = start.substring(0, slEnd);
    const isRequest = !start.startsWith('SIP/2.0 ');
    let method = '';
    let requestUri = '';
    let status = 0;
    let reasonPhrase = '';
    if (isRequest) {
      const sp1 = start.indexOf(' ');
      const sp2 = start.lastIndexOf(' ');
      method = start.substring(0, sp1);
      requestUri = start.substring(sp1 + 1, sp2);
    } else {
      status = Number(start.substring(8, 11));
      reasonPhrase = start.substring(12);
    }

    let callId = '';
    let from = '';
    let to = '';
    let cseqText = '';
    let userAgent: string | null = null;
    let server: string | null = null;
    let contentType: string | null = null;
    const reasonHeaders: string[] = [];
    let seenCallId = false, seenFrom = false, seenTo = false, seenCseq = false;
    for (let i = 0; i < nHdr; i++) {
      const q = entries + i * 12;
      const tag = dv.getUint32(q, true);
      const hv = slice(dv.getUint32(q + 4, true), dv.getUint32(q + 8, true));
      const v = tag & H_FOLDED ? unfold(hv) : hv;
      switch (tag & 0xff) {
        case H_CALL_ID:
          if (!seenCallId) (callId = v.trim()), (seenCallId = true);
          break;
        case H_FROM:
          if (!seenFrom) (from = v), (seenFrom = true);
          break;
        case H_TO:
          if (!seenTo) (to = v), (seenTo = true);
          break;
        case H_CSEQ:
          if (!seenCseq) (cseqText = v), (seenCseq = true);
          break;
        case H_USER_AGENT:
          if (userAgent === null) userAgent = v;
          break;
        case H_SERVER:
          if (server === null) server = v;
          break;
        case H_REASON:
          reasonHeaders.push(v);
          break;
        case H_CONTENT_TYPE:
          if (contentType === null) contentType = v;
          break;
      }
    }
    const [cseq, cseqMethod] = parseCseq(cseqText);
    const sdp = nSdp > 0 ? buildSdp(dv, entries + nHdr * 12, nSdp, slice) : null;
    const ipv = u8[e + 26] === 6 ? 6 : 4;
    return {
      frame: dv.getUint32(e + 4, true),
      fileIndex: dv.getUint16(e + 24, true),
      fileOffset: dv.getFloat64(e + 16, true),
      ts: { sec: dv.getUint32(e + 8, true), nsec: dv.getUint32(e + 12, true), digits: u8[e + 28] },
      ipVersion: ipv,
      src: this.ipText(e + 32),
      dst: this.ipText(e + 48),
      sport: dv.getUint16(e + 64, true),
      dport: dv.getUint16(e + 66, true),
      transport: TRANSPORTS[u8[e + 27]] ?? 'udp',
      wireBytes: dv.getUint32(e + 68, true),
      wirePackets: dv.getUint32(e + 72, true),
      isRequest,
      method,
      requestUri,
      status,
      reasonPhrase,
      cseq,
      cseqMethod,
      callId,
      from,
      to,
      fromTag: tagOf(from),
      toTag: tagOf(to),
      userAgent,
      server,
      reasonHeaders,
      contentType,
      sdp,
      raw,
    };
  }
}

/** Folded header lines become one line (RFC 3261 §7.3.1). */
function unfold(v: string): string {
  return v.replace(/\r?\n[ \t]+/g, ' ');
}

/** Space-separated words (SDP separates fields with single spaces; tolerate runs and tabs). */
function words(v: string): string[] {
  const out = v.split(' ');
  if (v.indexOf('  ') < 0 && v.indexOf('\t') < 0) return out;
  return v.split(/[ \t]+/).filter((x) => x !== '');
}

function buildSdp(dv: DataView, p: number, n: number, slice: (o: number, l: number) => string): Sdp {
  const sdp: Sdp = { connection: null, connections: [], media: [] };
  let cur: SdpMedia | null = null;
  for (let i = 0; i < n; i++) {
    const q = p + i * 12;
    const type = dv.getUint32(q, true);
    const v = slice(dv.getUint32(q + 4, true), dv.getUint32(q + 8, true)).trim();
    if (type === 99) {
      // c=IN IP4 addr[/ttl[/count]]
      const parts = words(v);
      if (parts.length < 3) continue;
      const addr = parts[2].split('/')[0];
      if (!addr) continue;
      sdp.connections.push(addr);
      if (cur) cur.connection = addr;
      else sdp.connection = addr;
    } else if (type === 109) {
      // m=media port[/n] proto fmt...
      const parts = words(v);
      if (parts.length < 3) continue;
      const port = Number(parts[1].split('/')[0]);
      cur = {
        media: parts[0],
        port: Number.isFinite(port) ? port : 0,
        proto: parts[2],
        formats: parts.slice(3),
        rtpmap: new Map(),
        connection: null,
      };
      sdp.media.push(cur);
    } else if (type === 114 && cur) {
      // a=rtpmap:pt name/rate[/channels]
      const m = /^(\S+)\s+([^/\s]+)/.exec(v);
      if (m && !cur.rtpmap.has(m[1])) cur.rtpmap.set(m[1], m[2]);
    }
  }
  return sdp;
}
