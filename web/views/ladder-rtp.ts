// The RTP streams of a call as bands on its ladder (drawn by ladder-svg.ts): which two columns a
// stream runs between, which lane it takes when streams between the same columns overlap in time,
// and what its labels say. A stream's endpoint is the column with its address (on the stream's
// side when one address has several columns); an endpoint that is no column (a NATed phone, media
// on another host than the signalling) is drawn at the column of its side — the caller's for what
// the caller sends — and the band's labels and tooltip name the real address.

import type { LadderModel } from '../../shared/output/ladder.ts';
import { DIRECTION_TEXT, parseEndpoint, type StreamJson, type StreamMarks } from '../call-media.ts';

/** A stream to draw, with what the ladder marks on it. */
export interface LadderBand {
  stream: StreamJson;
  marks: StreamMarks;
}

export interface BandPlace {
  /** columns of the sender and of the receiver (equal when both are one column) */
  from: number;
  to: number;
  /** endpoints drawn at a column of their side rather than their own, as `ip:port` */
  moved: string[];
  lane: number;
  lanes: number;
}

export const BAND_COLORS = {
  'caller-to-callee': '#0e7490',
  'callee-to-caller': '#7c3aed',
  unknown: '#6b7280',
  stopped: '#c62828',
} as const;

/** Columns a stream runs between. */
function columnsOf(model: LadderModel, s: StreamJson): { from: number; to: number; moved: string[] } {
  const ps = model.participants;
  const srcRole = s.direction === 'callee-to-caller' ? 'callee' : 'caller';
  const dstRole = srcRole === 'caller' ? 'callee' : 'caller';
  const roleColumn = (role: 'caller' | 'callee', avoid: number): number => {
    const i = ps.findIndex((p, k) => p.role === role && k !== avoid);
    if (i >= 0) return i;
    // no roles (no request from the caller was kept): the first columns, in order
    const order = role === 'caller' ? [0, 1] : [1, 0];
    for (const k of order) if (k < ps.length && k !== avoid) return k;
    return Math.max(0, Math.min(ps.length - 1, avoid));
  };
  const byAddress = (ip: string | undefined, role: 'caller' | 'callee', avoid: number): number => {
    if (ip === undefined) return -1;
    let first = -1;
    for (let k = 0; k < ps.length; k++) {
      if (ps[k].addr !== ip || k === avoid) continue;
      if (ps[k].role === role) return k;
      if (first < 0) first = k;
    }
    return first;
  };
  const src = parseEndpoint(s.src);
  const dst = parseEndpoint(s.dst);
  const moved: string[] = [];
  let from = byAddress(src?.ip, srcRole, -1);
  let to = byAddress(dst?.ip, dstRole, from);
  if (from < 0) {
    from = roleColumn(srcRole, to);
    moved.push(s.src);
  }
  if (to < 0) {
    to = roleColumn(dstRole, from);
    moved.push(s.dst);
  }
  return { from, to, moved };
}

/**
 * Where each band goes: its columns, and a lane among the bands between the same two columns
 * (streams that overlap in time side by side; one after the other, the same lane).
 */
export function placeBands(model: LadderModel, bands: readonly LadderBand[]): BandPlace[] {
  const places: BandPlace[] = bands.map((b) => ({ ...columnsOf(model, b.stream), lane: 0, lanes: 1 }));
  const groups = new Map<string, number[]>();
  places.forEach((p, k) => {
    const key = p.from === p.to ? `${p.from}` : `${Math.min(p.from, p.to)}-${Math.max(p.from, p.to)}`;
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  });
  for (const g of groups.values()) {
    g.sort((a, b) => bands[a].stream.start - bands[b].stream.start || a - b);
    const laneEnds: number[] = [];
    for (const k of g) {
      const s = bands[k].stream;
      let lane = laneEnds.findIndex((end) => end < s.start);
      if (lane < 0) lane = laneEnds.length;
      laneEnds[lane] = s.end;
      places[k].lane = lane;
    }
    for (const k of g) places[k].lanes = laneEnds.length;
  }
  return places;
}

/** The label at a band's start: codec and packets (and a moved endpoint's real address). */
export function bandLabel(b: LadderBand, p: BandPlace): string {
  const s = b.stream;
  const codec = s.codec ?? (s.payloadType === null ? 'RTP' : `PT ${s.payloadType}`);
  const moved = p.moved.length ? ` · ${p.moved.join(' → ')}` : '';
  return `${codec} · ${s.packets} pkts${moved}`;
}

/** The label of a band's end mark ('' when it ended with its call). */
export function markLabel(m: StreamMarks): string {
  const parts: string[] = [];
  if (m.end) parts.push(m.end);
  if (m.gapMs !== null) parts.push(`gap ${(m.gapMs / 1000).toFixed(1)} s`);
  return parts.join(' · ');
}

/** The band's tooltip: everything the labels leave out. */
export function bandTip(b: LadderBand, p: BandPlace): string {
  const s = b.stream;
  const lines = [
    `RTP ${DIRECTION_TEXT[s.direction] ?? s.direction}: ${s.src} → ${s.dst}, SSRC ${s.ssrc}`,
    `${s.codec ?? `payload type ${s.payloadType ?? '?'}`} · ${s.packets} packets · lost ${s.lost} (${s.lostPct} %) · jitter max ${s.maxJitterMs} ms · MOS ${s.mos}`,
  ];
  if (p.moved.length) lines.push(`${p.moved.join(' and ')}: not a signalling address, drawn at the column of its side`);
  if (b.marks.end === 'stopped') lines.push('stopped 2 s or more before the call ended (rtp-stopped)');
  else if (b.marks.end === 'ended') lines.push('ended 2 s or more before the call (on hold)');
  if (b.marks.gapMs !== null) lines.push(`longest gap ${b.marks.gapMs} ms (rtp-gap)`);
  lines.push('details in the Media tab');
  return lines.join('\n');
}
