// The ladder model (shared/output/ladder.ts) laid out once (ladderLayout) and drawn in four pieces: the
// corner above the time gutter, the participant header, the time gutter and the arrows. The page
// shows each piece in its own <svg> so the header and the gutter can stay in view while the arrows
// scroll (click handling by data-index); the "ladder as SVG" download is the same pieces put
// together in one standalone SVG document, with the title and footer lines. Every SIP-derived
// string is escaped; colours and fonts are explicit so the file looks the same outside the page
// (generic font families only).
//
// The call's RTP streams (ladder-rtp.ts) are bands between their endpoints' columns, from the
// stream's first packet to its last: each start and each end takes a row of its own at its place
// in time among the messages (so a band spans the messages sent while it flowed), the start with
// an arrow from sender to receiver labelled with codec and packets, the end with a mark — dashed
// and labelled when the stream stopped before the call or had a gap of 2 s or more.
//
// The legs of one call on one ladder (ladder-legs.ts) draw each leg's arrows in its colour, with a
// mark of that colour in the time gutter; captions keep the colour of their kind of message.

import {
  arrowCaption,
  arrowTime,
  printable,
  timeHeading,
  type Arrow,
  type LadderModel,
  type TimeMode,
} from '../../shared/output/ladder.ts';
import { UTC, type Clock } from '../../shared/time.ts';
import { BAND_COLORS, bandLabel, bandTip, markLabel, placeBands, type BandPlace, type LadderBand } from './ladder-rtp.ts';
import type { LadderLegs } from './ladder-legs.ts';

export interface SvgOptions {
  time: TimeMode;
  /** the clock of absolute times (UTC) */
  clock?: Clock;
  /** index of the highlighted arrow */
  selected?: number | null;
  /** lines above the diagram (e.g. the Call-ID) */
  title?: readonly string[];
  /** lines below it (e.g. the RTP endpoints) */
  footer?: readonly string[];
  /** RTP streams drawn as bands */
  bands?: readonly LadderBand[];
  /** the legs of a whole-call ladder: arrows in their leg's colour, a legend under the title */
  legs?: LadderLegs | null;
}

export const COLORS = {
  request: '#1d5bbf',
  provisional: '#6b7280',
  success: '#1a7f37',
  failure: '#c62828',
  redirect: '#8a5a00',
} as const;

export function arrowColor(a: Arrow): string {
  if (a.isRequest) return COLORS.request;
  if (a.status < 200) return COLORS.provisional;
  if (a.status < 300) return COLORS.success;
  if (a.status < 400) return COLORS.redirect;
  return COLORS.failure;
}

/** Characters XML 1.0 cannot hold are dropped; markup characters escaped. */
export function xml(s: string): string {
  return s
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";
// Average glyph widths for layout, on the wide side (DejaVu) so text fits with narrower fonts too.
const CAPTION_W = 7.5; // 12px sans, semibold
const SDP_W = 6.5; // 11px sans
const LABEL_W = 7.3; // 12px mono
const TIME_W = 6.7; // 11px mono
const TEXT_W = 7.4; // 12px sans, title and footer
// Column width: enough for the endpoint labels and the method/status captions, within bounds so
// a call through a proxy or B2BUA still fits a laptop screen. A longer caption or SDP line is cut
// with "…" (the arrow's tooltip and the raw message have it all).
const COL_MIN = 170;
const COL_MAX = 270;
const COL_MAX_LABEL = 360; // a long IPv6 endpoint may widen the columns up to this
const HEAD_H = 58;
const ROW_H = 30;
const ROW_SDP_H = 42;
const SELF_HOOK = 34;
const LINE = '#e5e7eb';
const MEDIA_H = 26; // the row of a stream's start or end
const BAND_MIN_H = 18; // a band is at least this tall between its start and end rows

export interface LadderRow {
  /** top of the row and y of its arrow, in body coordinates */
  top: number;
  y: number;
  h: number;
}

/** Where everything goes; the page and the download both draw from this. */
export interface LadderLayout {
  model: LadderModel;
  time: TimeMode;
  gutterW: number;
  colW: number;
  headH: number;
  bodyW: number;
  bodyH: number;
  rows: LadderRow[];
  /** what is drawn (cut to fit) and the whole text, per arrow */
  captions: string[];
  sdps: string[];
  fullCaptions: string[];
  fullSdps: string[];
  times: string[];
  timeHead: string;
  labels: string[];
  bands: BandLayout[];
  /** the rows of the streams' starts and ends, in body coordinates, with their gutter times */
  mediaRows: MediaRow[];
  /** the legs of a whole-call ladder, null for one leg */
  legs: LadderLegs | null;
}

export interface BandLayout {
  band: LadderBand;
  place: BandPlace;
  /** tops of its start and end rows */
  startTop: number;
  endTop: number;
  /** the start label as drawn (cut to its room) and whole, the end mark's label ('' for none), the tooltip */
  label: string;
  fullLabel: string;
  mark: string;
  tip: string;
}

export interface MediaRow {
  top: number;
  band: number;
  end: boolean;
  time: string;
}

/** Lifeline of column i, in body coordinates. */
export function columnX(L: LadderLayout, i: number): number {
  return i * L.colW + L.colW / 2;
}

/** Horizontal extent of arrow k (line and text), in body coordinates. */
export function arrowSpan(L: LadderLayout, k: number): [number, number] {
  const a = L.model.arrows[k];
  const x1 = columnX(L, a.from);
  const x2 = columnX(L, a.to);
  if (a.from === a.to) return [x1 - 8, x1 + L.colW - 8];
  return [Math.min(x1, x2) - 8, Math.max(x1, x2) + 8];
}

function cut(s: string, px: number, charW: number): string {
  return printable(s, Math.max(4, Math.floor(px / charW)));
}

/** Seconds of a timestamp, and a time of the same kind as the gutter's for epoch seconds `t`. */
const secondsOf = (ts: { sec: number; nsec: number }) => ts.sec + ts.nsec / 1e9;

function mediaTime(model: LadderModel, t: number, previous: number | null, time: TimeMode, clock: Clock): string {
  const first = model.arrows[0]?.ts;
  const digits = Math.min(6, Math.max(3, first?.digits ?? 6));
  if (time === 'absolute' || !first) {
    const day = (((t + clock.offsetSec) % 86400) + 86400) % 86400;
    const [whole, frac = ''] = day.toFixed(digits).split('.');
    const sec = Number(whole);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(Math.floor(sec / 3600))}:${p(Math.floor(sec / 60) % 60)}:${p(sec % 60)}${frac ? `.${frac}` : ''}`;
  }
  const base = time === 'relative' || previous === null ? first.sec + first.nsec / 1e9 : previous;
  const d = t - base;
  return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(digits)}`;
}

export function ladderLayout(
  model: LadderModel,
  time: TimeMode,
  bands: readonly LadderBand[] = [],
  legs: LadderLegs | null = null,
  clock: Clock = UTC,
): LadderLayout {
  const { participants, arrows } = model;
  const fullCaptions = arrows.map((a) => printable(arrowCaption(a)));
  const fullSdps = arrows.map((a) => (a.sdp ? printable(a.sdp) : ''));
  const times = arrows.map((_, i) => arrowTime(model, i, time, clock));
  const timeHead = timeHeading(model, time, clock);
  let timeChars = timeHead.length;
  for (const t of times) timeChars = Math.max(timeChars, t.length);
  const gutterW = Math.ceil(timeChars * TIME_W) + 22;

  let need = COL_MIN;
  for (const a of arrows) {
    const span = Math.max(1, Math.abs(a.to - a.from));
    const text = arrowCaption(a).length * CAPTION_W;
    need = Math.max(need, a.from === a.to ? text + SELF_HOOK + 20 : (text + 28) / span);
  }
  const places = placeBands(model, bands);
  const fullBandLabels = bands.map((b, k) => bandLabel(b, places[k]));
  places.forEach((p, k) => {
    const text = fullBandLabels[k].length * SDP_W;
    need = Math.max(need, p.from === p.to ? text + 40 : (text + 24) / Math.abs(p.to - p.from));
  });
  need = Math.min(need, COL_MAX);
  for (const p of participants) need = Math.max(need, Math.min(COL_MAX_LABEL, printable(p.label).length * LABEL_W + 36));
  const colW = Math.ceil(need);
  const labels = participants.map((p) => cut(p.label, colW - 32, LABEL_W));

  const captions: string[] = [];
  const sdps: string[] = [];
  arrows.forEach((a, k) => {
    // room for text: between the two lifelines, or right of a hook up to the next lifeline
    const room = a.from === a.to ? colW - SELF_HOOK - 18 : Math.abs(a.to - a.from) * colW - 20;
    captions.push(cut(fullCaptions[k], room, CAPTION_W));
    sdps.push(fullSdps[k] ? cut(fullSdps[k], room, SDP_W) : '');
  });

  // the streams' starts and ends take rows of their own, among the messages by time
  const slots: { t: number; band: number; end: boolean }[] = [];
  bands.forEach((b, k) => {
    slots.push({ t: b.stream.start, band: k, end: false }, { t: b.stream.end, band: k, end: true });
  });
  slots.sort((a, b) => a.t - b.t || Number(a.end) - Number(b.end) || a.band - b.band);
  const mediaRows: MediaRow[] = [];
  let next = 0;
  let previous: number | null = null;
  const rows: LadderRow[] = [];
  let top = 6;
  const startTop: number[] = [];
  const endTop: number[] = [];
  const mediaBefore = (limit: number) => {
    for (; next < slots.length && slots[next].t < limit; next++) {
      const s = slots[next];
      // a band that ends right after it starts still shows as a band
      if (s.end) top = Math.max(top, startTop[s.band] + MEDIA_H + BAND_MIN_H);
      (s.end ? endTop : startTop)[s.band] = top;
      mediaRows.push({ top, band: s.band, end: s.end, time: mediaTime(model, s.t, previous, time, clock) });
      top += MEDIA_H;
    }
  };
  for (let k = 0; k < arrows.length; k++) {
    mediaBefore(secondsOf(arrows[k].ts));
    const h = sdps[k] ? ROW_SDP_H : ROW_H;
    rows.push({ top, y: top + 20, h });
    top += h;
    previous = secondsOf(arrows[k].ts);
  }
  mediaBefore(Number.POSITIVE_INFINITY);

  const bandLayouts: BandLayout[] = bands.map((b, k) => {
    const p = places[k];
    const fullLabel = fullBandLabels[k];
    const room = p.from === p.to ? colW - 40 : Math.abs(p.to - p.from) * colW - 24;
    return {
      band: b,
      place: p,
      startTop: startTop[k],
      endTop: endTop[k],
      label: cut(fullLabel, room, SDP_W),
      fullLabel,
      mark: markLabel(b.marks),
      tip: bandTip(b, p),
    };
  });

  const selfOnLast =
    arrows.some((a) => a.from === a.to && a.from === participants.length - 1) ||
    places.some((p) => p.from === p.to && p.from === participants.length - 1);
  const bodyW = Math.max(1, participants.length) * colW + (selfOnLast ? Math.ceil(colW / 2) : 0) + 8;
  return {
    model,
    time,
    gutterW,
    colW,
    headH: HEAD_H,
    bodyW,
    bodyH: top + 14,
    rows,
    captions,
    sdps,
    fullCaptions,
    fullSdps,
    times,
    timeHead,
    labels,
    bands: bandLayouts,
    mediaRows,
    legs,
  };
}

/** x range of a band's lane, in body coordinates. */
export function bandSpan(L: LadderLayout, b: BandLayout): [number, number] {
  const { from, to, lane, lanes } = b.place;
  if (from === to) {
    const x = columnX(L, from);
    return [x + 8, x + Math.round(L.colW * 0.45)];
  }
  const lo = Math.min(columnX(L, from), columnX(L, to)) + 12;
  const hi = Math.max(columnX(L, from), columnX(L, to)) - 12;
  const w = (hi - lo) / lanes;
  return [lo + lane * w + 2, lo + (lane + 1) * w - 2];
}

/** The bands as SVG markup (under the arrows): lane, start arrow and label, end mark. */
function bandsSvg(L: LadderLayout): string[] {
  const out: string[] = [];
  L.bands.forEach((B, k) => {
    const s = B.band.stream;
    const { from, to } = B.place;
    const color = BAND_COLORS[s.direction] ?? BAND_COLORS.unknown;
    const [xa, xb] = bandSpan(L, B);
    const y1 = B.startTop + 18;
    const y2 = B.endTop + 8;
    const marked = B.mark !== '';
    const markColor = B.band.marks.end === 'ended' && B.band.marks.gapMs === null ? '#6b7280' : BAND_COLORS.stopped;
    out.push(
      `<g class="rtp" data-testid="ladder-rtp" data-band="${k}" data-src="${xml(s.src)}" data-dst="${xml(s.dst)}" data-ssrc="${xml(s.ssrc)}" data-codec="${xml(s.codec ?? '')}" data-packets="${s.packets}" data-label="${xml(B.fullLabel)}" data-from="${from}" data-to="${to}" data-lane="${B.place.lane}" data-mark="${xml(B.mark)}">`,
    );
    out.push(
      `<title>${xml(
        B.tip
          .split('\n')
          .map((line) => printable(line))
          .join('\n'),
      )}</title>`,
    );
    out.push(
      `<rect x="${xa}" y="${y1}" width="${Math.max(2, xb - xa)}" height="${Math.max(2, y2 - y1)}" fill="${color}" fill-opacity="0.12" stroke="${color}" stroke-opacity="0.45"${B.band.marks.gapMs !== null ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    // the start: an arrow from sender to receiver, the label above it
    if (from === to) {
      out.push(`<line x1="${columnX(L, from)}" y1="${y1}" x2="${xb}" y2="${y1}" stroke="${color}" stroke-width="1.4"/>`);
      out.push(
        `<text x="${xa}" y="${y1 - 5}" font-size="11" fill="${color}" stroke="#ffffff" stroke-width="3" paint-order="stroke" data-testid="ladder-rtp-label">${xml(B.label)}</text>`,
      );
    } else {
      const x1 = columnX(L, from);
      const x2 = columnX(L, to);
      const dir = x2 > x1 ? 1 : -1;
      out.push(`<line x1="${x1}" y1="${y1}" x2="${x2 - dir * 8}" y2="${y1}" stroke="${color}" stroke-width="1.4"/>`);
      out.push(`<polygon points="${x2},${y1} ${x2 - dir * 9},${y1 - 4} ${x2 - dir * 9},${y1 + 4}" fill="${color}"/>`);
      out.push(
        `<text x="${(x1 + x2) / 2}" y="${y1 - 5}" text-anchor="middle" font-size="11" fill="${color}" stroke="#ffffff" stroke-width="3" paint-order="stroke" data-testid="ladder-rtp-label">${xml(B.label)}</text>`,
      );
    }
    // the end: a line across the lane; dashed and labelled when it stopped early or had a gap
    if (marked) {
      out.push(
        `<line x1="${xa - 4}" y1="${y2}" x2="${xb + 4}" y2="${y2}" stroke="${markColor}" stroke-width="2" stroke-dasharray="4 3" data-testid="ladder-rtp-mark"/>`,
      );
      out.push(
        `<text x="${(xa + xb) / 2}" y="${y2 + 13}" text-anchor="middle" font-size="11" font-weight="600" fill="${markColor}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${xml(B.mark)}</text>`,
      );
    } else out.push(`<line x1="${xa}" y1="${y2}" x2="${xb}" y2="${y2}" stroke="${color}" stroke-width="1.4"/>`);
    out.push('</g>');
  });
  return out;
}

export interface LadderPieces {
  corner: string;
  head: string;
  gutter: string;
  body: string;
}

/** The four pieces as SVG markup, each in its own coordinates from (0, 0). */
export function ladderPieces(L: LadderLayout, selected: number | null = null): LadderPieces {
  const { model, colW, headH, gutterW, bodyW, bodyH, rows } = L;
  const mono = xml(MONO);

  const corner = [
    `<rect x="0" y="0" width="${gutterW}" height="${headH}" fill="#ffffff"/>`,
    `<text x="12" y="${headH - 14}" font-family="${mono}" font-size="11" fill="#6b7280">${xml(L.timeHead)}</text>`,
  ];

  // participants: a box with the endpoint, the role below, and the top of the lifeline
  const head = [`<rect x="0" y="0" width="${bodyW}" height="${headH}" fill="#ffffff"/>`];
  model.participants.forEach((p, i) => {
    const cx = columnX(L, i);
    const bw = Math.min(colW - 16, L.labels[i].length * LABEL_W + 20);
    head.push(`<g class="participant" data-testid="ladder-participant" data-key="${xml(p.key)}">`);
    head.push(`<title>${xml(printable(p.label))}${p.role ? ` (${p.role})` : ''}</title>`);
    head.push(`<line x1="${cx}" y1="38" x2="${cx}" y2="${headH}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="4 4"/>`);
    head.push(`<rect x="${cx - bw / 2}" y="8" width="${bw}" height="28" rx="6" fill="#f3f4f6" stroke="#9ca3af"/>`);
    head.push(`<text x="${cx}" y="26" text-anchor="middle" font-family="${mono}" font-size="12" fill="#111827">${xml(L.labels[i])}</text>`);
    if (p.role)
      head.push(
        `<text x="${cx}" y="${headH - 6}" text-anchor="middle" font-size="11" fill="#6b7280" stroke="#ffffff" stroke-width="3" paint-order="stroke">${p.role}</text>`,
      );
    head.push('</g>');
  });

  const gutter = [`<rect x="0" y="0" width="${gutterW}" height="${bodyH}" fill="#ffffff"/>`];
  const body = [`<rect x="0" y="0" width="${bodyW}" height="${bodyH}" fill="#ffffff"/>`];
  model.participants.forEach((_, i) => {
    const cx = columnX(L, i);
    body.push(`<line x1="${cx}" y1="0" x2="${cx}" y2="${bodyH}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="4 4"/>`);
  });
  body.push(...bandsSvg(L));
  for (const r of L.mediaRows) {
    const B = L.bands[r.band];
    const color = BAND_COLORS[B.band.stream.direction] ?? BAND_COLORS.unknown;
    gutter.push(
      `<text x="12" y="${r.top + (r.end ? 12 : 22)}" font-family="${mono}" font-size="11" fill="${color}" fill-opacity="0.8">${xml(r.time)}</text>`,
    );
  }

  model.arrows.forEach((a, k) => {
    const { top, y, h } = rows[k];
    const sel = selected === k;
    const fill = `fill="${sel ? '#fff3c4' : '#ffffff'}" fill-opacity="${sel ? 1 : 0}"`;
    const leg = L.legs ? L.legs.of[k] : null;
    const legColor = leg !== null ? L.legs!.list[leg].color : null;
    gutter.push(`<g class="time-row${sel ? ' selected' : ''}" data-index="${k}" style="cursor:pointer">`);
    gutter.push(`<rect class="hit" x="0" y="${top + 1}" width="${gutterW - 1}" height="${h - 2}" ${fill}/>`);
    if (legColor) gutter.push(`<rect x="2" y="${top + 5}" width="4" height="${h - 10}" rx="2" fill="${legColor}"/>`);
    gutter.push(`<text x="12" y="${y + 4}" font-family="${mono}" font-size="11" fill="#374151">${xml(L.times[k])}</text>`);
    gutter.push('</g>');

    const color = arrowColor(a);
    const stroke = legColor ?? color;
    const marked = a.retransmission || a.duplicate;
    const dash = marked ? ' stroke-dasharray="6 4"' : '';
    const x1 = columnX(L, a.from);
    const x2 = columnX(L, a.to);
    const tip = [
      L.fullCaptions[k],
      L.fullSdps[k],
      `frame ${a.frame} · ${a.transport.toUpperCase()} · CSeq ${a.cseq} ${a.cseqMethod} — click for the message`,
    ].filter((t) => t !== '');
    body.push(
      `<g class="arrow${sel ? ' selected' : ''}" data-testid="ladder-arrow" data-index="${k}" data-label="${xml(a.label)}" data-from="${a.from}" data-to="${a.to}" data-frame="${a.frame}" data-time="${xml(L.times[k])}"` +
        `${leg !== null ? ` data-leg="${leg}"` : ''}` +
        `${marked ? ` data-mark="${a.retransmission ? 'retransmission' : 'duplicate'}"` : ''} style="cursor:pointer">`,
    );
    body.push(`<title>${xml(tip.join('\n'))}</title>`);
    // the clickable row, highlighted when selected
    body.push(`<rect class="hit" x="2" y="${top + 1}" width="${bodyW - 4}" height="${h - 2}" rx="4" ${fill}/>`);
    if (a.from === a.to) {
      const r = SELF_HOOK;
      body.push(`<path d="M ${x1} ${y - 8} h ${r} v 16 h ${-r + 9}" fill="none" stroke="${stroke}" stroke-width="1.6"${dash}/>`);
      body.push(`<polygon points="${x1},${y + 8} ${x1 + 10},${y + 3.5} ${x1 + 10},${y + 12.5}" fill="${stroke}"/>`);
      body.push(`<text x="${x1 + r + 8}" y="${y - 2}" fill="${color}" font-weight="600">${xml(L.captions[k])}</text>`);
      if (L.sdps[k]) body.push(`<text x="${x1 + r + 8}" y="${y + 14}" font-size="11" fill="#4b5563">${xml(L.sdps[k])}</text>`);
    } else {
      const dir = x2 > x1 ? 1 : -1;
      body.push(
        `<line x1="${x1}" y1="${y}" x2="${x2 - dir * 9}" y2="${y}" stroke="${stroke}" stroke-width="${legColor ? 2 : 1.6}"${dash}/>`,
      );
      body.push(`<polygon points="${x2},${y} ${x2 - dir * 10},${y - 4.5} ${x2 - dir * 10},${y + 4.5}" fill="${stroke}"/>`);
      const mid = (x1 + x2) / 2;
      body.push(`<text x="${mid}" y="${y - 6}" text-anchor="middle" fill="${color}" font-weight="600">${xml(L.captions[k])}</text>`);
      if (L.sdps[k])
        body.push(`<text x="${mid}" y="${y + 15}" text-anchor="middle" font-size="11" fill="#4b5563">${xml(L.sdps[k])}</text>`);
    }
    body.push('</g>');
  });

  return { corner: corner.join('\n'), head: head.join('\n'), gutter: gutter.join('\n'), body: body.join('\n') };
}

/** One piece as an <svg> element of its own (for the page). */
export function pieceSvg(markup: string, width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${xml(SANS)}" font-size="12">\n${markup}\n</svg>`;
}

/** The whole ladder as one standalone SVG document (the download). */
export function ladderSvg(model: LadderModel, opts: SvgOptions): string {
  const L = ladderLayout(model, opts.time, opts.bands ?? [], opts.legs ?? null, opts.clock);
  const p = ladderPieces(L, opts.selected ?? null);
  const title = (opts.title ?? []).map((t) => printable(t, 160));
  const footer = (opts.footer ?? []).map((f) => printable(f, 200));
  const legend = (opts.legs?.list ?? []).map((l) => ({ label: printable(l.label, 80), color: l.color }));
  const legendY = title.length * 18 + 22;
  const titleH = (title.length ? title.length * 18 + 14 : 4) + (legend.length ? 22 : 0);
  const top = titleH + L.headH;
  const bottom = top + L.bodyH;
  const legendW = legend.reduce((n, l) => n + l.label.length * TEXT_W + 40, 12);
  const width = Math.ceil(Math.max(L.gutterW + L.bodyW, 480, legendW, ...[...title, ...footer].map((t) => t.length * TEXT_W + 28)));
  const height = bottom + (footer.length ? footer.length * 18 + 16 : 0);

  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${xml(SANS)}" font-size="12" data-testid="ladder-svg">`,
  );
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  title.forEach((t, k) => {
    o.push(
      `<text x="12" y="${22 + k * 18}" font-size="${k === 0 ? 14 : 12}" font-weight="${k === 0 ? 600 : 400}" fill="#111827">${xml(t)}</text>`,
    );
  });
  let lx = 12;
  for (const l of legend) {
    o.push(`<g class="leg-legend" data-testid="ladder-legend-leg">`);
    o.push(`<rect x="${lx}" y="${legendY - 9}" width="18" height="4" rx="2" fill="${l.color}"/>`);
    o.push(`<text x="${lx + 24}" y="${legendY - 3}" font-size="12" fill="${l.color}">${xml(l.label)}</text>`);
    o.push('</g>');
    lx += l.label.length * TEXT_W + 40;
  }
  o.push(`<g class="corner" transform="translate(0 ${titleH})">`, p.corner, '</g>');
  o.push(`<g class="head" transform="translate(${L.gutterW} ${titleH})">`, p.head, '</g>');
  o.push(`<g class="gutter" transform="translate(0 ${top})">`, p.gutter, '</g>');
  o.push(`<g class="body" transform="translate(${L.gutterW} ${top})">`, p.body, '</g>');
  // the rules the page draws with CSS borders
  o.push(`<line x1="0" y1="${top - 0.5}" x2="${width}" y2="${top - 0.5}" stroke="${LINE}"/>`);
  o.push(`<line x1="${L.gutterW - 0.5}" y1="${titleH}" x2="${L.gutterW - 0.5}" y2="${bottom}" stroke="${LINE}"/>`);
  footer.forEach((f, k) => {
    o.push(`<text x="12" y="${bottom + 22 + k * 18}" font-size="12" fill="#111827">${xml(f)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
