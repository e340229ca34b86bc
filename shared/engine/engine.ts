// Wrapper around the WASM core: moves capture bytes in, decodes the event buffer into
// SipMessage objects, and exposes the run counters and the RTP watch list.
// Runs in Node and in browsers: the host supplies the compiled module.

import type { RtcpReport, RtpStream, SipMessage, Sdp, SdpDirection, SdpMedia, StreamKey, StreamSample, Transport } from '../events.ts';
import { formatIp16, parseIp16 } from '../addr.ts';
import { methodName, ownText, parseCseq, tagOf } from '../header-values.ts';
import {
  B_BYTES,
  B_RTP_BYTES,
  B_SIP_BYTES,
  COUNTER_INFO,
  COUNTERS,
  EV_DPORT,
  EV_DST,
  EV_ENTRY_SIZE,
  EV_FILE_INDEX,
  EV_FILE_OFFSET,
  EV_FLAGS,
  EV_FRAME,
  EV_HEAD,
  EV_KEY,
  EV_NOTE_SIZE,
  HEP_KEY_MAX,
  NOTE_DPORT,
  NOTE_DST,
  NOTE_FILE_INDEX,
  NOTE_FLAGS,
  NOTE_HELD,
  NOTE_KEY,
  NOTE_PREAMBLE,
  NOTE_SPORT,
  NOTE_SRC,
  NOTE_UDP,
  COPY_CAPLEN,
  COPY_FILE_INDEX,
  COPY_HEAD,
  COPY_LINKTYPE,
  COPY_ORIG_LEN,
  COPY_TS_DIGITS,
  EV_IP_VERSION,
  EV_N_HDR,
  EV_N_SDP,
  EV_N_WATCH,
  EV_RAW_HASH,
  EV_RAW_AT,
  EV_RAW_LEN,
  EV_SIZE,
  EV_SPORT,
  EV_SRC,
  EV_START_LINE_LEN,
  EV_TICK_SIZE,
  EV_WATCH_SIZE,
  MAX_WATCH,
  WATCH_ADDR_LEN,
  WATCH_ADDR_OFF,
  WATCH_ID,
  WATCH_PORT,
  WATCH_RTCP,
  EV_TRANSPORT,
  EV_TS_DIGITS,
  EV_TS_NSEC,
  EV_TS_SEC,
  EV_WIRE_BYTES,
  EV_WIRE_PACKETS,
  F_ASCII,
  FILE_ERRORS,
  FILE_WARNINGS,
  H_CALL_ID,
  H_CONTENT_TYPE,
  H_CSEQ,
  H_FOLDED,
  H_FROM,
  H_REASON,
  H_SERVER,
  H_TO,
  H_USER_AGENT,
  H_X_CID,
  H_SESSION_ID,
  H_CHARGING_VECTOR,
  H_FROM_TAG,
  H_TO_TAG,
  S_C,
  S_O,
  S_M,
  S_RTPMAP,
  T_SCTP,
  T_TCP,
  T_UDP,
  T_WS,
  W_MIXED_ORDER,
  type CoreExports,
  ST_BYTES,
  ST_CLOCK,
  ST_DST,
  ST_DTMF,
  ST_DTMF_LEN,
  RC_CUM_LOST,
  RC_FRACTION,
  RC_JITTER,
  RC_KIND,
  RC_REPORT,
  RC_REPORTS,
  RC_RTTS,
  RC_RTT_MAX_MS,
  RC_RTT_SUM_MS,
  RC_SSRC,
  MAX_TRACE_KEYS,
  TR_EXPECTED,
  TR_JITTER_MS,
  TR_KEY,
  TR_NSEC,
  TR_PACKETS,
  TR_SEC,
  TR_SIZE,
  ST_DUPLICATES,
  ST_FIRST_EXT,
  ST_FIRST_TS,
  ST_LAST_TS,
  ST_FIRST_NSEC,
  ST_FIRST_SEC,
  ST_JITTER_MS,
  ST_LAST_NSEC,
  ST_LAST_SEC,
  ST_MARKERS,
  ST_MAX_DELTA_AT,
  ST_MAX_DELTA_MS,
  ST_MAX_EXT,
  ST_MAX_JITTER_MS,
  ST_JITTER_SUM,
  ST_OUT_OF_ORDER,
  ST_PACKETS,
  ST_PT,
  ST_PTS,
  ST_SPORT,
  ST_SRC,
  ST_SSRC,
  S_ATTR,
  ST_LAST_NOMINAL_MS,
  ST_BYTES_HIGH,
} from './core-abi.ts';

export interface EngineStats {
  counters: Record<string, number>;
  bytes: number;
  sipBytes: number;
  rtpBytes: number;
}

export interface FileStatus {
  error: number; // 0 = fine
  message: string | null;
  offset: number; // byte offset of the problem in the file
  warning: string | null;
}

/** Transport names by T_* id (an id the core never writes reads as UDP). */
const TRANSPORTS: Transport[] = ['udp', 'udp', 'udp', 'udp', 'udp'];
TRANSPORTS[T_UDP] = 'udp';
TRANSPORTS[T_TCP] = 'tcp';
TRANSPORTS[T_SCTP] = 'sctp';
TRANSPORTS[T_WS] = 'ws';

const utf8 = new TextDecoder('utf-8');

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
/** Node's Buffer where the host has one, else null. */
const NODE_BUFFER = (globalThis as unknown as { Buffer?: { from(b: ArrayBuffer): Latin1Slicer } }).Buffer ?? null;
const SLAB_SIZE = 256 << 10;
const V4_CACHE = 4096;

/** What a frame was, for finding calls' frames (Engine.setNotes; abi.ts EV_NOTE_SIZE). One
 *  object reused for every note: read it in the callback. */
export interface FrameNote {
  frame: number;
  fileIndex: number;
  sec: number;
  nsec: number;
  /** bytes of this frame are held for reassembly under this key (0: none): the next message
   *  reported with that key (Engine.messageKey) took this frame too */
  heldKey: number;
  /** this frame opened the TCP stream of this key (a WebSocket handshake): every message with
   *  that key needs it too (0: none) */
  preambleKey: number;
  /** UDP without SIP: its innermost addresses and ports are set */
  udp: boolean;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** A frame as read, undecoded (Engine.setCopy). One object reused: `data` is valid only in the
 *  callback. */
export interface RawFrame {
  frame: number;
  fileIndex: number;
  linktype: number;
  sec: number;
  nsec: number;
  /** fraction digits of the capture's clock (6 or 9) */
  digits: number;
  origLen: number;
  data: Uint8Array;
}

export class Engine {
  private core: CoreExports;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private dv!: DataView;
  private f64!: Float64Array;
  private buffer: ArrayBuffer | null = null;
  /** Node's Buffer over the same memory (null in browsers) */
  private latin1: Latin1Slicer | null = null;
  /** The watches the core took for the SDP of the message being handed to the tracker: the
   *  tracker's watch of the same address text and port takes one (the same endpoint, already
   *  found), the rest are released after the message. Where the address text lies in the event. */
  private coreWatch = {
    n: 0,
    taken: 0,
    ids: new Int32Array(MAX_WATCH),
    ports: new Int32Array(MAX_WATCH),
    rtcp: new Uint8Array(MAX_WATCH),
    addrAt: new Float64Array(MAX_WATCH),
    addrLen: new Int32Array(MAX_WATCH),
  };
  /** IPv4 address text by value, direct-mapped (the same few addresses recur in every message;
   *  a Map keyed by numbers above 2^31 was a tenth of the message decoding) */
  private v4Keys = new Float64Array(V4_CACHE).fill(-1);
  private v4Text: string[] = new Array<string>(V4_CACHE).fill('');
  /** fraction digits of the capture's clock (the latest message's), for stream times */
  private digits = 6;
  /** called for every SIP message, in capture order */
  onMessage: (m: SipMessage) => void = () => {};
  /** hand each message a copy of its bytes (SipMessage.raw); off, raw is null and the tracker
   *  tells exact copies by rawHash (the Analyzer keeps them only for ladders) */
  keepRaw = true;
  /** the input being fed is a file that can be read again at an offset (not inflated from gzip):
   *  a message whose bytes lie there as they are (SipMessage.rawAt) gets no copy even with
   *  keepRaw, its ladder reads them from the file when shown */
  rawInFile = false;
  /** with keepRaw: a copy of every message's bytes, even of those that could be read again */
  rawCopies = false;
  /** decode only the fields that are read, not each whole message: less text made per message,
   *  more calls. Faster in Chromium's worker, slower in Node (docs/PROFILE.md); same results. */
  textPerField = false;
  /** count SIP messages and drop them undecoded (their SDP watches released): the core's own
   *  cost, measured by bench/sip-path.ts; onMessage is not called */
  discardMessages = false;
  /** SIP messages dropped so (discardMessages) */
  discarded = 0;
  /** called when capture time passes a new second (in frame order, independent of chunking) */
  onTick: (nowSec: number) => void = () => {};
  /** with notes on: the reassembly key of the message being handed to onMessage, 0 when it
   *  took only its own frame (SipMessage.frame) */
  messageKey = 0;
  private noteCb: ((n: FrameNote) => void) | null = null;
  private note: FrameNote = {
    frame: 0,
    fileIndex: 0,
    sec: 0,
    nsec: 0,
    heldKey: 0,
    preambleKey: 0,
    udp: false,
    src: '',
    dst: '',
    sport: 0,
    dport: 0,
  };
  /** set when the core failed (a trap: a bug of the core): what happened and at which frame. The
   *  messages of the frames before it are delivered; the engine decodes nothing after it. */
  failure: string | null = null;
  private copyCb: ((f: RawFrame) => void) | null = null;
  private copy: RawFrame = { frame: 0, fileIndex: 0, linktype: 0, sec: 0, nsec: 0, digits: 6, origLen: 0, data: new Uint8Array(0) };

  private constructor(core: CoreExports) {
    this.core = core;
    // a core built from another abi.ts would be read with the wrong layout
    if (core.counterCount() !== COUNTERS) throw new Error('build/core.wasm does not match shared/engine/core-abi.ts: run npm run build');
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
      this.f64 = new Float64Array(b);
      this.dv = new DataView(b);
      this.latin1 = NODE_BUFFER === null ? null : NODE_BUFFER.from(b);
    }
  }

  /** Report, after each frame that carried UDP without SIP or left bytes held for reassembly,
   *  what it was (set before the first byte is fed). */
  setNotes(cb: (n: FrameNote) => void): void {
    this.noteCb = cb;
    this.core.setNotes(1);
  }

  /** Decode nothing: hand every frame to cb as it was read (set before the first byte is fed). */
  setCopy(cb: (f: RawFrame) => void): void {
    this.copyCb = cb;
    this.core.setCopy(1);
  }

  /** HEP: accept only packets whose authentication key chunk (0x000e) is `key` (null: any), and
   *  report messages at the agent's time rather than the carrying frame's. */
  setHep(opts: { key: Uint8Array | null; agentTime: boolean }): void {
    const key = opts.key ?? new Uint8Array(0);
    if (key.length > HEP_KEY_MAX) throw new Error(`a HEP key has at most ${HEP_KEY_MAX} bytes`);
    this.views();
    this.u8.set(key, this.core.hepKeyPtr());
    this.core.hepKey(key.length);
    this.core.hepAgentTime(opts.agentTime ? 1 : 0);
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
    if (this.failure !== null) throw new Error(this.failure);
    while (true) {
      let more: number;
      try {
        more = this.core.run();
      } catch (e) {
        this.failed(e);
      }
      this.drain();
      if (more === 0) break;
    }
  }

  /** The core trapped: hand on the messages it finished before (its event buffer holds whole
   *  events only), remember where, and stop with a message a user can act on. */
  private failed(e: unknown): never {
    const cause = e instanceof Error ? e.message : String(e);
    this.failure = `the decoder failed at frame ${this.core.frameCount()} (${cause}); nothing after it was read. Please report this with the capture`;
    try {
      this.drain();
    } catch {
      // a message that cannot be decoded after a failure is lost; the failure is what matters
    }
    throw new Error(this.failure, { cause: e });
  }

  /** `stopped`: reading was stopped on purpose (Cancel), the record cut there is no error. */
  endFile(stopped = false): FileStatus {
    if (this.failure !== null) return { error: 0, message: null, offset: 0, warning: null };
    const error = this.core.endFile(stopped ? 1 : 0);
    this.drain();
    const warn = this.core.fileWarning();
    return {
      error,
      message: error ? (FILE_ERRORS[error] ?? `error ${error}`) : null,
      offset: this.core.errorOffset(),
      warning: warn & W_MIXED_ORDER ? FILE_WARNINGS[W_MIXED_ORDER] : null,
    };
  }

  finish(): void {
    // after a failure the core's tables may be half updated: nothing more is asked of them
    if (this.failure !== null) return;
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
    for (let i = 0; i < COUNTERS; i++) c[COUNTER_INFO[i][0]] = this.dv.getUint32(p + i * 4, true);
    const b = this.core.bytesPtr();
    return {
      counters: c,
      bytes: this.dv.getFloat64(b + B_BYTES * 8, true),
      sipBytes: this.dv.getFloat64(b + B_SIP_BYTES * 8, true),
      rtpBytes: this.dv.getFloat64(b + B_RTP_BYTES * 8, true),
    };
  }

  // ---- RTP watch list (MediaHooks of the call tracker) ----
  watch(ip: string, port: number): number {
    const id = this.takeCoreWatch(ip, port, 0);
    if (id >= 0) return id;
    return this.keyed(ip, port) ? this.core.mediaWatch(port) : -1;
  }
  /** Watch ip:port as an RTCP port; -1 when it cannot be. */
  watchRtcp(ip: string, port: number): number {
    const id = this.takeCoreWatch(ip, port, 1);
    if (id >= 0) return id;
    return this.keyed(ip, port) ? this.core.mediaWatchRtcp(port) : -1;
  }
  /** The core's watch of the current message at this address text (the same characters) and
   *  port, of this kind, taken; else -1. The core read the address as parseIp16 reads it (the same
   *  dotted quads and IPv6 forms, test/unit/assembly/core-watches.test.ts), so it is the
   *  endpoint keyed() would find, with the reference the tracker's own watch would add. */
  private takeCoreWatch(ip: string, port: number, rtcp: number): number {
    const cw = this.coreWatch;
    if (cw.n === 0) return -1;
    this.views();
    const u8 = this.u8;
    for (let i = 0; i < cw.n; i++) {
      if ((cw.taken & (1 << i)) !== 0 || cw.ports[i] !== port || cw.rtcp[i] !== rtcp || cw.addrLen[i] !== ip.length) continue;
      const at = cw.addrAt[i];
      let k = 0;
      while (k < ip.length && ip.charCodeAt(k) === u8[at + k]) k++;
      if (k < ip.length) continue;
      cw.taken |= 1 << i;
      return cw.ids[i];
    }
    return -1;
  }
  /** ip written where the core's watch calls read their address; false when ip:port is no endpoint. */
  private keyed(ip: string, port: number): boolean {
    const b = parseIp16(ip);
    if (!b || port <= 0 || port > 65535) return false;
    this.views();
    this.u8.set(b, this.core.mediaKey());
    return true;
  }
  unwatch(id: number): void {
    if (id >= 0 && this.failure === null) this.core.mediaUnwatch(id);
  }

  /** What RTCP sent to endpoint id said, per SSRC reported on (read at export). */
  rtcpReports(id: number): RtcpReport[] {
    const out: RtcpReport[] = [];
    if (id < 0) return out;
    this.views();
    const dv = this.dv;
    for (let r = this.core.mediaFirstRtcp(id); r >= 0; r = this.core.mediaNextRtcp(r)) {
      const q = this.core.mediaRtcpPtr(r);
      if (this.u8[q + RC_KIND] !== RC_REPORT) continue;
      const rtts = dv.getUint32(q + RC_RTTS, true);
      out.push({
        ssrc: dv.getUint32(q + RC_SSRC, true),
        reports: dv.getUint32(q + RC_REPORTS, true),
        fraction: this.u8[q + RC_FRACTION],
        cumulativeLost: dv.getInt32(q + RC_CUM_LOST, true),
        jitter: dv.getUint32(q + RC_JITTER, true),
        rtts,
        rttMeanMs: rtts > 0 ? dv.getFloat64(q + RC_RTT_SUM_MS, true) / rtts : 0,
        rttMaxMs: dv.getFloat64(q + RC_RTT_MAX_MS, true),
      });
    }
    return out;
  }

  /**
   * Follow these streams packet by packet (one call's plot): the streams' destinations are watched
   * here, and after each feed takeSamples() hands over a sample per packet. For an engine made for
   * that one re-read; the keys apply to streams that start after the call.
   */
  traceStreams(keys: StreamKey[]): void {
    this.views();
    let n = 0;
    for (const k of keys.slice(0, MAX_TRACE_KEYS)) {
      const src = parseIp16(k.src);
      const dst = parseIp16(k.dst);
      const q = this.core.traceKeyPtr(n);
      if (src && dst) {
        this.u8.set(src, q);
        this.u8.set(dst, q + 16);
        this.dv.setUint16(q + 32, k.sport, true);
        this.dv.setUint16(q + 34, k.dport, true);
        this.dv.setUint32(q + 36, k.ssrc >>> 0, true);
        this.traceWatches.push(this.watch(k.dst, k.dport));
      } else this.u8.fill(0, q, q + 40);
      n++;
    }
    this.core.traceSet(n);
  }
  private traceWatches: number[] = [];

  /** The samples of traced streams since the last call, and how many did not fit (lost). */
  takeSamples(): StreamSample[] {
    const n = this.core.traceCount();
    const out: StreamSample[] = new Array(n);
    this.views();
    const dv = this.dv;
    const base = this.core.traceSamples();
    for (let i = 0; i < n; i++) {
      const t = base + i * TR_SIZE;
      out[i] = {
        stream: dv.getUint32(t + TR_KEY, true),
        sec: dv.getUint32(t + TR_SEC, true),
        nsec: dv.getUint32(t + TR_NSEC, true),
        seq: dv.getUint32(t + TR_EXPECTED, true),
        packets: dv.getUint32(t + TR_PACKETS, true),
        jitterMs: dv.getFloat32(t + TR_JITTER_MS, true),
      };
    }
    this.core.traceClear();
    return out;
  }
  /** Samples that did not fit between two takeSamples() calls (feed smaller chunks). */
  samplesDropped(): number {
    return this.core.traceDropped();
  }
  lastSeen(id: number): number {
    if (id < 0) return 0;
    return this.core.mediaLastSec(id) + this.core.mediaLastNsec(id) / 1e9;
  }
  packets(id: number): number {
    return id < 0 ? 0 : this.core.mediaPackets(id);
  }

  /** The RTP streams seen at endpoint id, in order of first packet (read at export). */
  streams(id: number): RtpStream[] {
    const out: RtpStream[] = [];
    if (id < 0) return out;
    this.views();
    for (let s = this.core.mediaFirstStream(id); s >= 0; s = this.core.mediaNextStream(s))
      out.push(this.streamAt(this.core.mediaStreamPtr(s)));
    return out;
  }

  /** The stream entry at q (64-byte aligned: its u32 and f64 fields are read through typed arrays,
   *  which the optimising compiler handles more cheaply than DataView calls; the core is
   *  little-endian, as WebAssembly is). */
  private streamAt(q: number): RtpStream {
    const u32 = this.u32;
    const w = q >> 2;
    const f64 = this.f64;
    const d = q >> 3;
    const packets = u32[w + ST_PACKETS / 4];
    const firstExt = u32[w + ST_FIRST_EXT / 4];
    const maxExt = u32[w + ST_MAX_EXT / 4];
    const expected = maxExt - firstExt + 1;
    const pt = this.u8[q + ST_PT];
    const sports = u32[w + ST_SPORT / 4]; // sport and dport, little-endian halves
    return {
      src: this.ipText(q + ST_SRC),
      sport: sports & 0xffff,
      dst: this.ipText(q + ST_DST),
      dport: sports >>> 16,
      ssrc: u32[w + ST_SSRC / 4],
      first: { sec: u32[w + ST_FIRST_SEC / 4], nsec: u32[w + ST_FIRST_NSEC / 4], digits: this.digits },
      last: { sec: u32[w + ST_LAST_SEC / 4], nsec: u32[w + ST_LAST_NSEC / 4], digits: this.digits },
      packets,
      bytes: u32[w + ST_BYTES / 4] + u32[w + ST_BYTES_HIGH / 4] * 2 ** 32,
      expected,
      lost: expected - packets,
      duplicates: u32[w + ST_DUPLICATES / 4],
      outOfOrder: u32[w + ST_OUT_OF_ORDER / 4],
      payloadType: pt === 255 ? null : pt,
      clockRate: u32[w + ST_CLOCK / 4],
      payloadTypes: this.payloadTypesAt(q + ST_PTS),
      markers: u32[w + (ST_MARKERS >> 2)] >>> 16, // the upper half of the word at 52
      jitterMs: f64[d + ST_JITTER_MS / 8],
      meanJitterMs: packets > 1 ? f64[d + ST_JITTER_SUM / 8] / (packets - 1) : 0,
      maxJitterMs: f64[d + ST_MAX_JITTER_MS / 8],
      maxDeltaMs: f64[d + ST_MAX_DELTA_MS / 8],
      maxDeltaAt: f64[d + ST_MAX_DELTA_AT / 8],
      dtmf: this.text(q + ST_DTMF, u32[w + ST_DTMF_LEN / 4]),
      rtpTimeMs: f64[d + ST_LAST_NOMINAL_MS / 8],
      firstSeq: firstExt & 0xffff,
      lastSeq: maxExt & 0xffff,
      firstTs: u32[w + ST_FIRST_TS / 4],
      lastTs: u32[w + ST_LAST_TS / 4],
    };
  }

  /** Payload types whose bit is set in the 16-byte map at p, ascending. */
  private payloadTypesAt(p: number): number[] {
    const out: number[] = [];
    for (let b = 0; b < 16; b++) {
      const bits = this.u8[p + b];
      if (bits !== 0) for (let i = 0; i < 8; i++) if (bits & (1 << i)) out.push(b * 8 + i);
    }
    return out;
  }

  /** n ASCII characters at p. */
  private text(p: number, n: number): string {
    let t = '';
    for (let i = 0; i < n; i++) t += String.fromCharCode(this.u8[p + i]);
    return t;
  }

  private drain(): void {
    const len = this.core.evLength();
    if (len === 0) return;
    this.views();
    const base = this.core.evPtr();
    let off = 0;
    let drained = false;
    try {
      while (off < len) {
        const size = this.dv.getUint32(base + off + EV_SIZE, true);
        if (size === 0) break;
        const e = base + off;
        off += size;
        if (this.copyCb !== null) {
          this.copied(e);
          continue;
        }
        if (size === EV_NOTE_SIZE) {
          if (this.noteCb !== null) this.noted(e);
          continue;
        }
        if (size === EV_TICK_SIZE) {
          this.onTick(this.dv.getUint32(e + EV_TS_SEC, true) + this.dv.getUint32(e + EV_TS_NSEC, true) / 1e9);
          continue;
        }
        if (this.discardMessages) {
          this.discarded++;
          this.releaseWatchesOf(e, e + size);
          continue;
        }
        const m = this.decode(e);
        this.messageKey = this.dv.getUint32(e + EV_KEY, true);
        if (m) this.onMessage(m);
        // the tracker has taken what it watches now: drop the core's watches it did not take
        this.releaseCoreWatches();
      }
      drained = true;
    } finally {
      // a callback threw: the events after it are dropped (never delivered twice), and the
      // watches of its message and theirs released (else they would stay watched for nobody)
      if (!drained) {
        this.releaseCoreWatches();
        if (this.copyCb === null) this.releaseWatchesOf(base + off, base + len);
      }
      this.core.evClear();
    }
  }

  /** The core's watches of the message being delivered that the tracker did not take: released
   *  (not after a failure: nothing more is asked of the core's tables then). */
  private releaseCoreWatches(): void {
    const cw = this.coreWatch;
    if (this.failure === null) for (let i = 0; i < cw.n; i++) if ((cw.taken & (1 << i)) === 0) this.core.mediaUnwatch(cw.ids[i]);
    cw.n = 0;
    cw.taken = 0;
  }

  /** Every watch listed by the message events in [from, to) of the event buffer: released. */
  private releaseWatchesOf(from: number, to: number): void {
    const dv = this.dv;
    if (this.failure !== null) return;
    for (let e = from; e < to; ) {
      const size = dv.getUint32(e + EV_SIZE, true);
      if (size === 0) break;
      if (size !== EV_NOTE_SIZE && size !== EV_TICK_SIZE) {
        const nWatch = Math.min(dv.getUint32(e + EV_N_WATCH, true), MAX_WATCH);
        const w = watchesAt(this.u8, e);
        for (let i = 0; i < nWatch; i++) this.core.mediaUnwatch(dv.getInt32(w + i * EV_WATCH_SIZE + WATCH_ID, true));
      }
      e += size;
    }
  }

  private noted(e: number): void {
    const dv = this.dv;
    const n = this.note;
    const flags = this.u8[e + NOTE_FLAGS];
    n.frame = dv.getUint32(e + EV_FRAME, true);
    n.fileIndex = dv.getUint16(e + NOTE_FILE_INDEX, true);
    n.sec = dv.getUint32(e + EV_TS_SEC, true);
    n.nsec = dv.getUint32(e + EV_TS_NSEC, true);
    n.heldKey = flags & NOTE_HELD ? dv.getUint32(e + NOTE_KEY, true) : 0;
    n.preambleKey = flags & NOTE_PREAMBLE ? dv.getUint32(e + NOTE_KEY, true) : 0;
    n.udp = (flags & NOTE_UDP) !== 0;
    n.src = n.udp ? this.ipText(e + NOTE_SRC) : '';
    n.dst = n.udp ? this.ipText(e + NOTE_DST) : '';
    n.sport = dv.getUint16(e + NOTE_SPORT, true);
    n.dport = dv.getUint16(e + NOTE_DPORT, true);
    this.noteCb?.(n);
  }

  private copied(e: number): void {
    const dv = this.dv;
    const f = this.copy;
    const caplen = dv.getUint32(e + COPY_CAPLEN, true);
    f.frame = dv.getUint32(e + EV_FRAME, true);
    f.fileIndex = dv.getUint16(e + COPY_FILE_INDEX, true);
    f.linktype = dv.getUint32(e + COPY_LINKTYPE, true);
    f.sec = dv.getUint32(e + EV_TS_SEC, true);
    f.nsec = dv.getUint32(e + EV_TS_NSEC, true);
    f.digits = this.u8[e + COPY_TS_DIGITS];
    f.origLen = dv.getUint32(e + COPY_ORIG_LEN, true);
    f.data = this.u8.subarray(e + COPY_HEAD, e + COPY_HEAD + caplen);
    this.copyCb?.(f);
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

  /** The whole message as text: an ASCII one through Node's Buffer where there is one (a byte
   *  a character, the same text, a third of TextDecoder's time), else decoded as UTF-8. */
  private messageText(start: number, len: number, ascii: boolean): string {
    if (ascii && this.latin1 !== null) return this.latin1.latin1Slice(start, start + len);
    return utf8.decode(this.u8.subarray(start, start + len));
  }

  /** The message being decoded: its text (when made whole), whether a byte is a character of
   *  it, where its bytes start, whether they are ASCII. Read by slice and value. */
  private msgText = '';
  private msgAligned = false;
  private msgStart = 0;
  private msgAscii = false;
  /** n bytes at offset off of the message being decoded, as text */
  private readonly slice = (off: number, len: number): string =>
    this.msgAligned ? this.msgText.substring(off, off + len) : fieldText(this.u8, this.msgStart + off, len, this.msgAscii);
  /** the value of the header entry at q (unfolded) */
  private readonly value = (q: number): string => {
    const dv = this.dv;
    const hv = this.slice(dv.getUint32(q + 4, true), dv.getUint32(q + 8, true));
    return dv.getUint32(q, true) & H_FOLDED ? unfold(hv) : hv;
  };

  /** a tag entry's text ('' when the value has none) */
  private tagAt(q: number): string {
    const n = this.dv.getUint32(q + 8, true);
    return n === 0 ? '' : this.slice(this.dv.getUint32(q + 4, true), n);
  }

  private decode(e: number): SipMessage | null {
    const dv = this.dv;
    const u8 = this.u8;
    const nHdr = u8[e + EV_N_HDR];
    const nSdp = u8[e + EV_N_SDP];
    const rawLen = dv.getUint32(e + EV_RAW_LEN, true);
    const slLen = dv.getUint32(e + EV_START_LINE_LEN, true);
    const nWatch = dv.getUint32(e + EV_N_WATCH, true);
    const entries = e + EV_HEAD;
    const watchStart = watchesAt(u8, e);
    const rawStart = watchStart + nWatch * EV_WATCH_SIZE;
    const cw = this.coreWatch;
    cw.n = Math.min(nWatch, MAX_WATCH);
    cw.taken = 0;
    for (let i = 0; i < cw.n; i++) {
      const w = watchStart + i * EV_WATCH_SIZE;
      cw.ids[i] = dv.getInt32(w + WATCH_ID, true);
      cw.ports[i] = dv.getUint16(w + WATCH_PORT, true);
      cw.rtcp[i] = u8[w + WATCH_RTCP];
      cw.addrAt[i] = rawStart + dv.getUint32(w + WATCH_ADDR_OFF, true);
      cw.addrLen[i] = dv.getUint32(w + WATCH_ADDR_LEN, true);
    }
    // the bytes are copied out only for those who keep them (ladders), and not when they can be
    // read again from the file; the text is read in place
    const rawAt = dv.getFloat64(e + EV_RAW_AT, true);
    const raw = this.keepRaw && (this.rawCopies || !(this.rawInFile && rawAt >= 0)) ? this.copyOut(rawStart, rawLen) : null;
    // one decode of the whole message (when it is one char per byte, byte offsets are string
    // offsets), or only the fields that are read (textPerField)
    const ascii = (u8[e + EV_FLAGS] & F_ASCII) !== 0;
    const text = this.textPerField ? '' : this.messageText(rawStart, rawLen, ascii);
    this.msgText = text;
    this.msgAligned = text.length === rawLen;
    this.msgStart = rawStart;
    this.msgAscii = ascii;
    const slice = this.slice;

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
      method = methodName(start.substring(0, sp1));
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
    let xCallId: string | null = null;
    let sessionId: string | null = null;
    let chargingVector: string | null = null;
    let reasonHeaders: readonly string[] = NO_REASONS;
    let seenCallId = false,
      seenFrom = false,
      seenTo = false,
      seenCseq = false;
    // the tags the core found (ASCII messages, one-line values); null: tagOf reads them
    let fromTag: string | null = null;
    let toTag: string | null = null;
    // a header's text is made only when a field takes it: the first value of each, every Reason
    const value = this.value;
    for (let i = 0; i < nHdr; i++) {
      const q = entries + i * EV_ENTRY_SIZE;
      switch (u8[q]) {
        case H_CALL_ID:
          if (!seenCallId) {
            callId = value(q).trim();
            seenCallId = true;
          }
          break;
        case H_FROM:
          if (!seenFrom) {
            from = value(q);
            seenFrom = true;
          }
          break;
        case H_TO:
          if (!seenTo) {
            to = value(q);
            seenTo = true;
          }
          break;
        case H_CSEQ:
          if (!seenCseq) {
            cseqText = value(q);
            seenCseq = true;
          }
          break;
        case H_USER_AGENT:
          if (userAgent === null) userAgent = value(q);
          break;
        case H_SERVER:
          if (server === null) server = value(q);
          break;
        case H_REASON:
          reasonHeaders = reasonHeaders === NO_REASONS ? [value(q)] : [...reasonHeaders, value(q)];
          break;
        case H_CONTENT_TYPE:
          if (contentType === null) contentType = value(q);
          break;
        case H_X_CID:
          if (xCallId === null) xCallId = value(q).trim();
          break;
        case H_SESSION_ID:
          if (sessionId === null) sessionId = value(q);
          break;
        case H_CHARGING_VECTOR:
          if (chargingVector === null) chargingVector = value(q);
          break;
        case H_FROM_TAG:
          fromTag = this.tagAt(q);
          break;
        case H_TO_TAG:
          toTag = this.tagAt(q);
          break;
      }
    }
    const cseq = parseCseq(cseqText, CSEQ);
    const cseqMethod = methodName(CSEQ.method);
    const sdp = nSdp > 0 ? buildSdp(dv, entries + nHdr * EV_ENTRY_SIZE, nSdp, slice) : null;
    const ipv = u8[e + EV_IP_VERSION] === 6 ? 6 : 4;
    this.digits = u8[e + EV_TS_DIGITS];
    return {
      frame: dv.getUint32(e + EV_FRAME, true),
      fileIndex: dv.getUint16(e + EV_FILE_INDEX, true),
      fileOffset: dv.getFloat64(e + EV_FILE_OFFSET, true),
      ts: { sec: dv.getUint32(e + EV_TS_SEC, true), nsec: dv.getUint32(e + EV_TS_NSEC, true), digits: this.digits },
      ipVersion: ipv,
      src: this.ipText(e + EV_SRC),
      dst: this.ipText(e + EV_DST),
      sport: dv.getUint16(e + EV_SPORT, true),
      dport: dv.getUint16(e + EV_DPORT, true),
      transport: TRANSPORTS[u8[e + EV_TRANSPORT]] ?? 'udp',
      wireBytes: dv.getUint32(e + EV_WIRE_BYTES, true),
      wirePackets: dv.getUint32(e + EV_WIRE_PACKETS, true),
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
      fromTag: fromTag ?? tagOf(from),
      toTag: toTag ?? tagOf(to),
      userAgent,
      server,
      reasonHeaders,
      contentType,
      xCallId,
      sessionId,
      chargingVector,
      sdp,
      raw,
      rawLen,
      rawHash: dv.getUint32(e + EV_RAW_HASH, true),
      rawAt,
    };
  }
}

/** Where a message event's watches begin: after its head and its header and SDP entries. */
function watchesAt(u8: Uint8Array, e: number): number {
  return e + EV_HEAD + (u8[e + EV_N_HDR] + u8[e + EV_N_SDP]) * EV_ENTRY_SIZE;
}

/** A message without Reason headers (nearly all) shares this empty list; nothing adds to it. */
const NO_REASONS: readonly string[] = [];
/** parseCseq's method, read right after each call */
const CSEQ = { method: '' };

/** Longest field built by String.fromCharCode.apply (its arguments are bounded). */
const MAX_APPLY = 4096;

/** Arrays of character codes by length, made as a length is first needed and reused: in
 *  Chromium String.fromCharCode.apply is 2–3× faster on a plain array of the exact length than on
 *  a typed-array view (fields of 5–95 bytes: 130 against 315 ns). */
const CODES_BY_LENGTH: number[][] = [];
const POOLED_MAX = 128;

/** n bytes at p as text; ASCII (nearly every SIP field) is made without a TextDecoder call. */
function fieldText(u8: Uint8Array, p: number, n: number, ascii: boolean): string {
  if (n <= 0) return '';
  const end = p + n;
  if (n > MAX_APPLY) return utf8.decode(u8.subarray(p, end));
  if (!ascii) for (let i = p; i < end; i++) if (u8[i] >= 0x80) return utf8.decode(u8.subarray(p, end));
  if (n <= POOLED_MAX) {
    let codes = CODES_BY_LENGTH[n];
    if (codes === undefined) codes = CODES_BY_LENGTH[n] = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) codes[i] = u8[p + i];
    return String.fromCharCode.apply(null, codes);
  }
  return String.fromCharCode.apply(null, u8.subarray(p, end) as unknown as number[]);
}

/** Folded header lines become one line (RFC 3261 §7.3.1). */
function unfold(v: string): string {
  return v.replace(/\r?\n[ \t]+/g, ' ');
}

/** Words apart by single spaces (SDP's own form): no run of spaces, no tab. */
function singleSpaced(v: string): boolean {
  return v.indexOf('  ') < 0 && v.indexOf('\t') < 0;
}

/** Space-separated words (SDP separates fields with single spaces; tolerate runs and tabs). */
function words(v: string): string[] {
  const out = v.split(' ');
  if (singleSpaced(v)) return out;
  return v.split(/[ \t]+/).filter((x) => x !== '');
}

/** What an m= line says but its port: shared by the sections whose line says the same. */
interface MediaWords {
  media: string;
  proto: string;
  formats: readonly string[];
  /** the line after its port, to compare the next lines with */
  rest: string;
}
/** The last few items made, the oldest replaced by a new one: a capture's SDPs repeat a few
 *  codec lists and payload maps (an offer's and an answer's), found here before anything else. */
class Recent<T> {
  readonly items: T[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  add(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }
}

/** The m= lines read last, compared with a new one where it lies (no key string made). */
const recentMedia = new Recent<MediaWords>(8);
const MEDIA_LINE = { media: '', port: 0, proto: '', formats: [] as readonly string[] };

/** An m= value's media, port, proto and formats (as words() splits it); null with fewer than three
 *  words. Valid until the next call. */
function mediaLine(v: string): typeof MEDIA_LINE | null {
  const out = MEDIA_LINE;
  const sp1 = v.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : v.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || !singleSpaced(v)) {
    // runs of spaces or tabs, or too few words: as words() splits them
    const parts = words(v);
    if (parts.length < 3) return null;
    out.media = parts[0];
    out.port = mediaPort(parts[1]);
    out.proto = parts[2];
    out.formats = parts.slice(3);
    return out;
  }
  out.port = mediaPort(v.substring(sp1 + 1, sp2));
  const restLen = v.length - sp2 - 1;
  const recent = recentMedia.items;
  for (let i = 0; i < recent.length; i++) {
    const r = recent[i];
    if (r.rest.length === restLen && r.media.length === sp1 && v.startsWith(r.rest, sp2 + 1) && v.startsWith(r.media)) {
      out.media = r.media;
      out.proto = r.proto;
      out.formats = r.formats;
      return out;
    }
  }
  const rest = ownText(v.substring(sp2 + 1));
  const ws = rest.split(' ');
  const r: MediaWords = { media: ownText(v.substring(0, sp1)), proto: ws[0], formats: ws.slice(1), rest };
  recentMedia.add(r);
  out.media = r.media;
  out.proto = r.proto;
  out.formats = r.formats;
  return out;
}

/** An m= port word (before any /count), 0 when it is no number. */
function mediaPort(w: string): number {
  const slash = w.indexOf('/');
  const port = Number(slash < 0 ? w : w.substring(0, slash));
  return Number.isFinite(port) ? port : 0;
}

/** The address of a c= value (its third word, before any /ttl), '' when there is none. The
 *  common form (words apart by single spaces) is read where it lies; else as words() splits. */
function connectionAddress(v: string): string {
  let third: string;
  if (singleSpaced(v)) {
    const s1 = v.indexOf(' ');
    const s2 = s1 < 0 ? -1 : v.indexOf(' ', s1 + 1);
    if (s2 < 0) return '';
    const s3 = v.indexOf(' ', s2 + 1);
    third = s3 < 0 ? v.substring(s2 + 1) : v.substring(s2 + 1, s3);
  } else {
    const parts = words(v);
    if (parts.length < 3) return '';
    third = parts[2];
  }
  const slash = third.indexOf('/');
  return slash < 0 ? third : third.substring(0, slash);
}

/** White space as a regular expression's \s takes it, among ASCII characters. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const RTPMAP = /^(\S+)\s+([^/\s]+)/;

/** A media section's a=rtpmap: pairs, as read, while the section is being built. */
const rtpmapPts: string[] = [];
const rtpmapNames: string[] = [];
/** Sections' payload maps by their pairs: most calls map the same few codecs the same way, and a
 *  call keeps its sections' maps as long as it lasts, so equal maps are one shared map (nothing
 *  changes a map once made: ReadonlyMap). A cache, emptied when it reaches its bound. */
const rtpmapCache = new Map<string, ReadonlyMap<string, string>>();
const RTPMAP_CACHE_MAX = 1024;
const NO_RTPMAP: ReadonlyMap<string, string> = new Map();

/** The maps made or found last, with their pairs (their own copies, not views of the message
 *  text). */
interface RecentMap {
  pts: string[];
  names: string[];
  map: ReadonlyMap<string, string>;
}
const recentMaps = new Recent<RecentMap>(8);

/** The map of the pairs read since the section began (the first mapping of a pt kept); the
 *  pairs are then cleared for the next section. */
function takeRtpmap(): ReadonlyMap<string, string> {
  const map = rtpmapOfPairs();
  rtpmapPts.length = 0;
  rtpmapNames.length = 0;
  return map;
}

function rtpmapOfPairs(): ReadonlyMap<string, string> {
  const n = rtpmapPts.length;
  if (n === 0) return NO_RTPMAP;
  const recent = recentMaps.items;
  for (let r = 0; r < recent.length; r++) {
    const { pts, names, map } = recent[r];
    if (pts.length !== n) continue;
    let i = 0;
    while (i < n && rtpmapPts[i] === pts[i] && rtpmapNames[i] === names[i]) i++;
    if (i === n) return map;
  }
  let key = '';
  for (let i = 0; i < n; i++) key += `${rtpmapPts[i]} ${rtpmapNames[i]}\n`;
  let map = rtpmapCache.get(key);
  if (map === undefined) {
    const m = new Map<string, string>();
    for (let i = 0; i < n; i++) if (!m.has(rtpmapPts[i])) m.set(ownText(rtpmapPts[i]), ownText(rtpmapNames[i]));
    if (rtpmapCache.size >= RTPMAP_CACHE_MAX) rtpmapCache.clear();
    rtpmapCache.set(ownText(key), m);
    map = m;
  }
  const pts = new Array<string>(n);
  const names = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    pts[i] = ownText(rtpmapPts[i]);
    names[i] = ownText(rtpmapNames[i]);
  }
  recentMaps.add({ pts, names, map });
  return map;
}

/** pt → encoding name of an a=rtpmap: value ("pt name/rate…"), added to the section's pairs;
 *  read as RTPMAP reads it: by hand while the text it looks at is ASCII, else by RTPMAP itself
 *  (its \s takes Unicode spaces too). */
function rtpmapEntry(v: string): void {
  const n = v.length;
  let i = 0;
  while (i < n && v.charCodeAt(i) < 0x80 && !isSpace(v.charCodeAt(i))) i++;
  let j = i;
  while (j < n && isSpace(v.charCodeAt(j))) j++;
  let k = j;
  while (k < n && v.charCodeAt(k) < 0x80 && v.charCodeAt(k) !== 47 && !isSpace(v.charCodeAt(k))) k++;
  let pt: string;
  let name: string;
  if ((i < n && v.charCodeAt(i) >= 0x80) || (k < n && v.charCodeAt(k) >= 0x80)) {
    const m = RTPMAP.exec(v);
    if (m === null) return;
    pt = m[1];
    name = m[2];
  } else {
    if (i === 0 || j === i || k === j) return;
    pt = v.substring(0, i);
    name = v.substring(j, k);
  }
  rtpmapPts.push(pt);
  rtpmapNames.push(name);
}

/** An SDP's lists while they are empty (never added to: a first item replaces them). Not
 *  frozen: V8 iterates a frozen array with an object made per item. */
const NO_ITEMS: readonly string[] = [];
const NO_MEDIA: readonly SdpMedia[] = [];

function buildSdp(dv: DataView, p: number, n: number, slice: (o: number, l: number) => string): Sdp {
  const sdp: Sdp = { connection: null, connections: NO_ITEMS, media: NO_MEDIA, direction: null, origin: null };
  // lists begin as [item]: a first push would give an empty list room for 16 more
  let connections: string[] | null = null;
  let media: SdpMedia[] | null = null;
  let cur: SdpMedia | null = null;
  rtpmapPts.length = 0;
  rtpmapNames.length = 0;
  for (let i = 0; i < n; i++) {
    const q = p + i * EV_ENTRY_SIZE;
    const type = dv.getUint32(q, true);
    const v = slice(dv.getUint32(q + 4, true), dv.getUint32(q + 8, true)).trim();
    if (type === S_O) {
      // o=username sess-id sess-version nettype addrtype unicast-address (SPEC §9 reads it)
      if (sdp.origin === null) sdp.origin = ownText(v);
    } else if (type === S_C) {
      // c=IN IP4 addr[/ttl[/count]]
      const addr = ownText(connectionAddress(v));
      if (!addr) continue;
      if (connections === null) sdp.connections = connections = [addr];
      else connections.push(addr);
      if (cur) cur.connection = addr;
      else sdp.connection = addr;
    } else if (type === S_M) {
      // m=media port[/n] proto fmt...
      const m = mediaLine(v);
      if (m === null) continue;
      if (cur) cur.rtpmap = takeRtpmap();
      cur = {
        media: m.media,
        port: m.port,
        proto: m.proto,
        formats: m.formats,
        rtpmap: NO_RTPMAP,
        connection: null,
        direction: null,
        rtcpPort: null,
        rtcpMux: false,
      };
      if (media === null) sdp.media = media = [cur];
      else media.push(cur);
    } else if (type === S_RTPMAP && cur) {
      // a=rtpmap:pt name/rate[/channels]
      rtpmapEntry(v);
    } else if (type === S_ATTR) {
      const a = v.toLowerCase();
      if (a === 'rtcp-mux') {
        if (cur) cur.rtcpMux = true;
      } else if (a.startsWith('rtcp:')) {
        const port = Number.parseInt(a.slice(5), 10);
        if (cur && port > 0 && port < 65536) cur.rtcpPort = port;
      } else if (cur) cur.direction = a as SdpDirection;
      else sdp.direction = a as SdpDirection;
    }
  }
  if (cur) cur.rtpmap = takeRtpmap();
  return sdp;
}
