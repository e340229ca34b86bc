// A call's RTP streams over time as three small SVG line charts: packets per second, loss (% of
// the packets the sequence numbers say were sent in the bin) and the largest jitter of each bin,
// one line per stream, from the bins the worker made (worker/media-trace.ts). Pure: markup out,
// every text from the capture escaped; colours follow the ladder's bands (caller → callee, callee
// → caller; a second stream of the same direction dashed).

import type { MediaTrace, StreamSeries } from '../worker-protocol.ts';
import type { StreamJson } from '../call-media.ts';
import { BAND_COLORS } from './ladder-rtp.ts';
import { xml } from './ladder-svg.ts';

export type ChartKind = 'rate' | 'loss' | 'jitter';

export interface PlotLine {
  stream: number;
  color: string;
  dashed: boolean;
  /** one value per bin; null: nothing to draw there */
  values: (number | null)[];
}

export const CHARTS: readonly { kind: ChartKind; title: string; unit: string }[] = [
  { kind: 'rate', title: 'Packets per second', unit: 'pkt/s' },
  { kind: 'loss', title: 'Loss (% of the packets sent in the interval)', unit: '%' },
  { kind: 'jitter', title: 'Jitter (largest in the interval)', unit: 'ms' },
];

export const PLOT_W = 1000;
export const PLOT_H = 132;
const LEFT = 56;
const RIGHT = 16;
const TOP = 22;
const BOTTOM = 22;
const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** A stream's colour and dash: its direction's, dashed for a second stream of that direction. */
export function streamStyle(media: readonly StreamJson[], k: number): { color: string; dashed: boolean } {
  const d = media[k].direction;
  const before = media.slice(0, k).filter((s) => s.direction === d).length;
  return { color: BAND_COLORS[d] ?? BAND_COLORS.unknown, dashed: before > 0 };
}

/** Totals of a stream's series: packets received and lost (expected − received), as in JSON. */
export function seriesTotals(s: StreamSeries): { packets: number; lost: number } {
  let packets = 0;
  let expected = 0;
  for (let b = 0; b < s.packets.length; b++) {
    packets += s.packets[b];
    expected += s.expected[b];
  }
  return { packets, lost: expected - packets };
}

/**
 * The lines of one chart. Outside a stream's first..last packet its lines have no values; the
 * rate of a bin the stream covers only in part is over the part it covers (none when that is
 * under a quarter of the bin), so a stream does not seem to fade in and out at its ends.
 */
export function plotLines(trace: MediaTrace, media: readonly StreamJson[], kind: ChartKind): PlotLine[] {
  const w = trace.binSec;
  return trace.streams.map((s, k) => {
    const m = media[k];
    const from = m.start - trace.start;
    // a packet stands for the time up to the next one
    const until = m.end - trace.start + (m.packets > 1 ? (m.end - m.start) / (m.packets - 1) : w);
    const first = Math.floor(from / w);
    const last = Math.min(trace.bins - 1, Math.floor((m.end - trace.start) / w));
    const values: (number | null)[] = [];
    for (let b = 0; b < trace.bins; b++) {
      if (b < first || b > last) values.push(null);
      else if (kind === 'rate') {
        const covered = Math.min(w, Math.min((b + 1) * w, until) - Math.max(b * w, from));
        values.push(covered >= w / 4 ? s.packets[b] / covered : null);
      } else if (kind === 'jitter') values.push(s.jitterMs[b]);
      else values.push(s.expected[b] > 0 ? Math.max(0, ((s.expected[b] - s.packets[b]) / s.expected[b]) * 100) : null);
    }
    return { stream: k, ...streamStyle(media, k), values };
  });
}

/** A round upper bound for the axis (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * (1 - 1e-9)) return Number((m * p).toPrecision(6));
  return Number((10 * p).toPrecision(6));
}

/** A step for time ticks, seconds: at most ~8 ticks over the span. */
function timeStep(span: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600]) if (span / s <= 8) return s;
  return Math.ceil(span / 8);
}

function timeText(sec: number): string {
  if (sec < 60) return `+${sec} s`;
  const m = Math.floor(sec / 60);
  const s = sec % 60;
  return m < 60
    ? `+${m}:${String(s).padStart(2, '0')}`
    : `+${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const numText = (v: number) => (v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(v < 10 ? 1 : 0));

/** One chart as a standalone <svg>. */
export function chartSvg(kind: ChartKind, lines: readonly PlotLine[], trace: MediaTrace): string {
  const c = CHARTS.find((x) => x.kind === kind)!;
  const w = PLOT_W - LEFT - RIGHT;
  const h = PLOT_H - TOP - BOTTOM;
  let max = 0;
  for (const l of lines) for (const v of l.values) if (v !== null && v > max) max = v;
  // a little room above the largest value, so a steady line is not drawn on the frame
  const top = kind === 'loss' ? Math.min(100, niceMax(Math.max(max, 1) * 1.1)) : niceMax(max * 1.1);
  const span = trace.bins * trace.binSec;
  const x = (b: number) => LEFT + ((b + 0.5) / trace.bins) * w;
  const y = (v: number) => TOP + h - (Math.min(v, top) / top) * h;

  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${PLOT_W} ${PLOT_H}" width="${PLOT_W}" height="${PLOT_H}" font-family="${xml(SANS)}" font-size="11" data-testid="media-plot" data-chart="${kind}" role="img" aria-label="${xml(c.title)}">`,
  );
  o.push(`<rect x="0" y="0" width="${PLOT_W}" height="${PLOT_H}" fill="#ffffff"/>`);
  o.push(`<text x="${LEFT}" y="14" font-size="12" font-weight="600" fill="#111827">${xml(c.title)}</text>`);
  // y grid: 0, half, top
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    o.push(`<line x1="${LEFT}" y1="${y(v)}" x2="${LEFT + w}" y2="${y(v)}" stroke="${f === 0 ? '#9ca3af' : '#e5e7eb'}"/>`);
    o.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" fill="#6b7280">${numText(v)}${f === 1 ? ` ${c.unit}` : ''}</text>`);
  }
  // time ticks, from the call's first RTP packet
  const step = timeStep(span);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const px = LEFT + (t / span) * w;
    o.push(`<line x1="${px}" y1="${TOP + h}" x2="${px}" y2="${TOP + h + 4}" stroke="#9ca3af"/>`);
    const anchor = px > LEFT + w - 24 ? 'end' : 'middle';
    o.push(`<text x="${px}" y="${TOP + h + 16}" text-anchor="${anchor}" fill="#6b7280">${timeText(t)}</text>`);
  }
  for (const l of lines) {
    let d = '';
    const dots: string[] = [];
    let open = false;
    for (let b = 0; b < l.values.length; b++) {
      const v = l.values[b];
      if (v === null) {
        open = false;
        continue;
      }
      const single = !open && (b + 1 >= l.values.length || l.values[b + 1] === null);
      if (single) dots.push(`<circle cx="${x(b).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.2" fill="${l.color}"/>`);
      d += `${open ? 'L' : 'M'}${x(b).toFixed(1)} ${y(v).toFixed(1)}`;
      open = true;
    }
    o.push(`<g data-stream="${l.stream}">`);
    if (d)
      o.push(
        `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5" stroke-linejoin="round"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    o.push(...dots, '</g>');
  }
  o.push('</svg>');
  return o.join('\n');
}
