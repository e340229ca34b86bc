// The frames of selected calls (SPEC §10 extract), found in a second pass over the capture:
// SIP frames by Call-ID (every frame that carried a piece of a message reassembled from TCP
// segments or IP fragments included), RTP and RTCP frames by the 5-tuples of the calls' streams
// within the calls' times. Nothing of the capture is held: only (frame, call) pairs of the frames
// selected, and for reassembly the numbers of frames whose bytes wait for the rest of a message.
// A third pass (Engine.setCopy) then copies those frames, byte for byte, in capture order.

import { splitEndpoint } from './addr.ts';
import type { Engine, FrameNote, RawFrame } from './engine/engine.ts';
import type { SipMessage } from './events.ts';
import type { CallRecord } from './record.ts';
import { tsSeconds } from './time.ts';

/** Seconds after a call's last SIP message in which its Call-ID's late messages (retransmitted
 *  BYE answers, say) still belong to it: the tracker absorbs them as long (RFC 3261 timer 64·T1). */
const LATE_SIP_SEC = 32;
/** Seconds around a call in which RTCP of its streams' ports belongs to it (reports follow the
 *  last RTP and the BYE). */
const RTCP_GRACE_SEC = 5;
/** Frames waiting for the rest of one reassembled message, and reassemblies followed at once
 *  (the core's own limits are lower; these only bound a run against surprises). */
const MAX_PENDING_FRAMES = 4096;
const MAX_PENDING_KEYS = 65536;

interface Window {
  call: number;
  from: number;
  to: number;
}

/** What extraction needs of a call (times in capture seconds): from a record, or from its JSON
 *  line (the page keeps those). */
export interface ExtractCall {
  callId: string;
  /** its first and last SIP message */
  start: number;
  end: number;
  media: { src: string; dst: string; start: number; end: number }[];
}

export function extractCallOf(r: CallRecord): ExtractCall {
  return {
    callId: r.SIP_CALL_ID,
    start: tsSeconds(r.flow.start),
    end: tsSeconds(r.flow.end),
    media: r.media.map((s) => ({ src: s.src, dst: s.dst, start: tsSeconds(s.start), end: tsSeconds(s.end) })),
  };
}

/** The same from the record's JSON line (times are numbers there). */
export function extractCallOfJson(json: string): ExtractCall {
  const r = JSON.parse(json) as {
    SIP_CALL_ID: string;
    flow: { start: number; end: number };
    media?: { src: string; dst: string; start: number; end: number }[];
  };
  return {
    callId: r.SIP_CALL_ID,
    start: r.flow.start,
    end: r.flow.end,
    media: (r.media ?? []).map(({ src, dst, start, end }) => ({ src, dst, start, end })),
  };
}

/** Slack on every window: times written with 6 digits and read back are a rounding apart. */
const EDGE_SEC = 1e-6;

/** What to select: the calls added, numbered from 0 in the order added. Only their Call-IDs,
 *  times and streams' 5-tuples are kept, not the records. */
export class Selection {
  private byCallId = new Map<string, Window[]>();
  private byTuple = new Map<string, Window[]>();
  calls = 0;

  /** Select a call; returns its number. */
  add(c: ExtractCall): number {
    const call = this.calls++;
    const start = c.start - EDGE_SEC;
    add(this.byCallId, c.callId, { call, from: start, to: c.end + LATE_SIP_SEC });
    let mediaEnd = c.end;
    for (const s of c.media) mediaEnd = Math.max(mediaEnd, s.end);
    const rtcp = { call, from: start, to: mediaEnd + RTCP_GRACE_SEC };
    for (const s of c.media) {
      const src = splitEndpoint(s.src);
      const dst = splitEndpoint(s.dst);
      // the stream itself, from its first to its last packet
      add(this.byTuple, tupleKey(src.ip, src.port, dst.ip, dst.port), { call, from: s.start - EDGE_SEC, to: s.end + EDGE_SEC });
      // RTCP on the next ports, both ways (the receiver reports to the sender)
      if (src.port < 65535 && dst.port < 65535) {
        add(this.byTuple, tupleKey(src.ip, src.port + 1, dst.ip, dst.port + 1), rtcp);
        add(this.byTuple, tupleKey(dst.ip, dst.port + 1, src.ip, src.port + 1), rtcp);
      }
      // RTCP multiplexed on the RTP ports, sent back by the receiver
      add(this.byTuple, tupleKey(dst.ip, dst.port, src.ip, src.port), rtcp);
    }
    return call;
  }

  /** Calls whose SIP this message is (at capture second t). */
  sipCalls(callId: string, t: number, out: number[]): void {
    within(this.byCallId.get(callId), t, out);
  }

  /** Calls whose media this UDP datagram is. */
  mediaCalls(src: string, sport: number, dst: string, dport: number, t: number, out: number[]): void {
    within(this.byTuple.get(tupleKey(src, sport, dst, dport)), t, out);
  }
}

function add(map: Map<string, Window[]>, key: string, w: Window): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [w]);
  else if (!list.some((x) => x.call === w.call && x.from === w.from && x.to === w.to)) list.push(w);
}

function within(list: Window[] | undefined, t: number, out: number[]): void {
  if (list === undefined) return;
  for (const w of list) if (t >= w.from && t <= w.to && !out.includes(w.call)) out.push(w.call);
}

function tupleKey(src: string, sport: number, dst: string, dport: number): string {
  return `${src} ${sport} ${dst} ${dport}`;
}

/** The (frame, call) pairs of a run, sorted by frame then call. */
export interface FramePicks {
  frames: Uint32Array;
  calls: Uint32Array;
  /** frames that waited for a reassembly that never came back, dropped past the limits */
  dropped: number;
}

/** Pass two: fed the engine's messages and notes (Engine.setNotes), it picks the frames. */
export class FramePicker {
  private frames = new Uint32Array(1024);
  private calls = new Uint32Array(1024);
  private n = 0;
  private pending = new Map<number, number[]>();
  private preambles = new Map<number, number[]>();
  private dropped = 0;
  private hits: number[] = [];

  constructor(private readonly selection: Selection) {}

  /** A SIP message; key is Engine.messageKey (the reassembly that took earlier frames). True
   *  when it belongs to a selected call. */
  message(m: SipMessage, key: number): boolean {
    const earlier = key !== 0 ? this.pending.get(key) : undefined;
    if (earlier !== undefined) this.pending.delete(key);
    const hits = this.hits;
    hits.length = 0;
    this.selection.sipCalls(m.callId, tsSeconds(m.ts), hits);
    const preamble = key !== 0 ? this.preambles.get(key) : undefined;
    for (const call of hits) {
      this.pick(m.frame, call);
      if (earlier !== undefined) for (const f of earlier) this.pick(f, call);
      if (preamble !== undefined) for (const f of preamble) this.pick(f, call);
    }
    return hits.length > 0;
  }

  note(n: FrameNote): void {
    if (n.heldKey !== 0) this.hold(this.pending, n.heldKey, n.frame);
    if (n.preambleKey !== 0) this.hold(this.preambles, n.preambleKey, n.frame);
    if (n.udp) {
      const hits = this.hits;
      hits.length = 0;
      this.selection.mediaCalls(n.src, n.sport, n.dst, n.dport, n.sec + n.nsec / 1e9, hits);
      for (const call of hits) this.pick(n.frame, call);
    }
  }

  /** Frame f waits under key k (bounded: the oldest key is forgotten, Map order is insertion). */
  private hold(map: Map<number, number[]>, k: number, f: number): void {
    let list = map.get(k);
    if (list === undefined) {
      if (map.size >= MAX_PENDING_KEYS) {
        const [oldest, frames] = map.entries().next().value as [number, number[]];
        this.dropped += frames.length;
        map.delete(oldest);
      }
      list = [];
      map.set(k, list);
    }
    if (list.length >= MAX_PENDING_FRAMES) this.dropped++;
    else if (list[list.length - 1] !== f) list.push(f);
  }

  private pick(frame: number, call: number): void {
    if (this.n === this.frames.length) {
      const f = new Uint32Array(this.n * 2);
      f.set(this.frames);
      this.frames = f;
      const c = new Uint32Array(this.n * 2);
      c.set(this.calls);
      this.calls = c;
    }
    this.frames[this.n] = frame;
    this.calls[this.n] = call;
    this.n++;
  }

  /** The picks, sorted, each (frame, call) once. */
  result(): FramePicks {
    const n = this.n;
    // frames are picked nearly in order (only reassembled messages' earlier frames come late)
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => this.frames[a] - this.frames[b] || this.calls[a] - this.calls[b]);
    const frames = new Uint32Array(n);
    const calls = new Uint32Array(n);
    let k = 0;
    for (const i of order) {
      if (k > 0 && frames[k - 1] === this.frames[i] && calls[k - 1] === this.calls[i]) continue;
      frames[k] = this.frames[i];
      calls[k] = this.calls[i];
      k++;
    }
    return { frames: frames.subarray(0, k), calls: calls.subarray(0, k), dropped: this.dropped };
  }
}

/** Pass three: fed every frame as read (Engine.setCopy), hands each picked one to its calls. */
export class FrameCopier {
  private at = 0;

  constructor(
    private readonly picks: FramePicks,
    private readonly out: (f: RawFrame, call: number) => void,
  ) {}

  /** Hand f over for each call it belongs to; `once`: only for the first (one file for all). */
  frame(f: RawFrame, once = false): void {
    const { frames, calls } = this.picks;
    while (this.at < frames.length && frames[this.at] < f.frame) this.at++;
    let handed = false;
    while (this.at < frames.length && frames[this.at] === f.frame) {
      const call = calls[this.at++];
      if (!(once && handed)) this.out(f, call);
      handed = true;
    }
  }

  /** Every picked frame was copied (false: the input was shorter than in pass two). */
  get complete(): boolean {
    return this.at >= this.picks.frames.length;
  }
}

/**
 * Passes two and three: find the selected calls' frames, then hand each to `out` (once, or once
 * per call it belongs to). `read` feeds every input file to the engine it is given, exactly as
 * the records were made from.
 */
export async function copyCallFrames(
  selection: Selection,
  newEngine: () => Promise<Engine>,
  read: (engine: Engine) => Promise<void>,
  out: (f: RawFrame, call: number) => void,
  once: boolean,
  /** each message of the selected calls, with its bytes, before any frame is copied */
  learn?: (message: Uint8Array) => void,
): Promise<{ complete: boolean; dropped: number }> {
  const picker = new FramePicker(selection);
  const finder = await newEngine();
  finder.keepRaw = learn !== undefined;
  finder.rawCopies = true;
  finder.onMessage = (m) => {
    if (picker.message(m, finder.messageKey) && learn && m.raw) learn(m.raw);
  };
  finder.setNotes((n) => picker.note(n));
  await read(finder);
  finder.finish();
  const picks = picker.result();
  const copier = new FrameCopier(picks, out);
  const reader = await newEngine();
  reader.setCopy((f) => copier.frame(f, once));
  await read(reader);
  reader.finish();
  return { complete: copier.complete, dropped: picks.dropped };
}
