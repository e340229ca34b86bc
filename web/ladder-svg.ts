// The ladder model (shared/ladder.ts) drawn as one standalone SVG document: the page shows this
// exact text (click handling by data-index on each arrow) and the "ladder as SVG" download is the
// same text without the selection. Every SIP-derived string is escaped; colours and fonts are
// explicit so the file looks the same outside the page (generic font families only).

import { arrowCaption, arrowTime, ladderDate, printable, type Arrow, type LadderModel, type TimeMode } from '../shared/ladder.ts';

export interface SvgOptions {
  time: TimeMode;
  /** index of the highlighted arrow */
  selected?: number | null;
  /** lines above the diagram (e.g. the Call-ID) */
  title?: readonly string[];
  /** lines below it (e.g. the RTP endpoints) */
  footer?: readonly string[];
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
const CHAR_W = 6.8; // average width of a 12px sans character, for layout
const MAX_CAPTION = 56;

export function ladderSvg(model: LadderModel, opts: SvgOptions): string {
  const { participants, arrows } = model;
  const title = opts.title ?? [];
  const footer = opts.footer ?? [];
  const captions = arrows.map((a) => printable(arrowCaption(a), MAX_CAPTION));
  const sdps = arrows.map((a) => (a.sdp ? printable(a.sdp, 80) : ''));
  const times = arrows.map((_, i) => arrowTime(model, i, opts.time));
  const timeHead = opts.time === 'absolute' ? `${ladderDate(model)} UTC` : opts.time === 'relative' ? 'since first' : 'since previous';

  const gutter = Math.max(110, Math.ceil(Math.max(timeHead.length, ...times.map((t) => t.length)) * 7.2) + 24);
  let colW = 190;
  for (const p of participants) colW = Math.max(colW, printable(p.label).length * 7.4 + 30);
  arrows.forEach((a, i) => {
    const span = Math.max(1, Math.abs(a.to - a.from));
    colW = Math.max(colW, (Math.max(captions[i].length, sdps[i].length * 0.9) * CHAR_W + 40) / span);
  });
  colW = Math.min(Math.ceil(colW), 460);
  const x = (i: number): number => gutter + i * colW + colW / 2;
  const titleH = title.length ? title.length * 18 + 10 : 0;
  const headTop = 12 + titleH;
  const headH = 42;
  const rowH = 40;
  const firstRow = headTop + headH + 34;
  const texts = [...title.map((t) => printable(t, 160)), ...footer.map((f) => printable(f, 200))];
  const width = Math.ceil(Math.max(gutter + Math.max(1, participants.length) * colW + 40, 480, ...texts.map((t) => t.length * 7.4 + 28)));
  const lastY = firstRow + Math.max(0, arrows.length - 1) * rowH;
  const bottom = lastY + 30;
  const height = bottom + (footer.length ? footer.length * 18 + 16 : 8);

  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${xml(SANS)}" font-size="12" data-testid="ladder-svg">`,
  );
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  title.forEach((t, k) => {
    o.push(`<text x="12" y="${22 + k * 18}" font-size="${k === 0 ? 14 : 12}" font-weight="${k === 0 ? 600 : 400}" fill="#111827">${xml(printable(t, 160))}</text>`);
  });
  // time gutter head
  o.push(`<text x="12" y="${headTop + 26}" font-family="${xml(MONO)}" font-size="11" fill="#6b7280">${xml(timeHead)}</text>`);
  // participants: a box with the endpoint, the role below, and a lifeline
  participants.forEach((p, i) => {
    const cx = x(i);
    const bw = Math.min(colW - 16, printable(p.label).length * 7.4 + 24);
    o.push(`<g class="participant" data-testid="ladder-participant" data-key="${xml(p.key)}">`);
    o.push(`<line x1="${cx}" y1="${headTop + headH}" x2="${cx}" y2="${bottom}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="4 4"/>`);
    o.push(`<rect x="${cx - bw / 2}" y="${headTop}" width="${bw}" height="${headH - 12}" rx="6" fill="#f3f4f6" stroke="#9ca3af"/>`);
    o.push(`<text x="${cx}" y="${headTop + 19}" text-anchor="middle" font-family="${xml(MONO)}" font-size="12" fill="#111827">${xml(printable(p.label))}</text>`);
    if (p.role) o.push(`<text x="${cx}" y="${headTop + headH + 4}" text-anchor="middle" font-size="11" fill="#6b7280">${p.role}</text>`);
    o.push('</g>');
  });

  arrows.forEach((a, k) => {
    const y = firstRow + k * rowH;
    const color = arrowColor(a);
    const marked = a.retransmission || a.duplicate;
    const dash = marked ? ' stroke-dasharray="6 4"' : '';
    const x1 = x(a.from);
    const x2 = x(a.to);
    const sel = opts.selected === k;
    o.push(
      `<g class="arrow${sel ? ' selected' : ''}" data-testid="ladder-arrow" data-index="${k}" data-label="${xml(a.label)}" data-from="${a.from}" data-to="${a.to}" data-frame="${a.frame}" data-time="${xml(times[k])}"` +
        `${marked ? ` data-mark="${a.retransmission ? 'retransmission' : 'duplicate'}"` : ''} style="cursor:pointer">`,
    );
    o.push(`<title>${xml(`frame ${a.frame} · ${a.transport.toUpperCase()} · CSeq ${a.cseq} ${a.cseqMethod} — click for the message`)}</title>`);
    // the clickable row, highlighted when selected
    o.push(`<rect x="4" y="${y - rowH / 2}" width="${width - 8}" height="${rowH - 2}" rx="4" fill="${sel ? '#fff3c4' : '#ffffff'}" fill-opacity="${sel ? 1 : 0}"/>`);
    o.push(`<text x="12" y="${y + 4}" font-family="${xml(MONO)}" font-size="11" fill="#374151">${xml(times[k])}</text>`);
    if (a.from === a.to) {
      const r = 34;
      o.push(`<path d="M ${x1} ${y - 8} h ${r} v 16 h ${-r + 9}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`);
      o.push(`<polygon points="${x1},${y + 8} ${x1 + 10},${y + 3.5} ${x1 + 10},${y + 12.5}" fill="${color}"/>`);
      o.push(`<text x="${x1 + r + 8}" y="${y - 2}" fill="${color}" font-weight="600">${xml(captions[k])}</text>`);
      if (sdps[k]) o.push(`<text x="${x1 + r + 8}" y="${y + 13}" font-size="11" fill="#4b5563">${xml(sdps[k])}</text>`);
    } else {
      const dir = x2 > x1 ? 1 : -1;
      o.push(`<line x1="${x1}" y1="${y}" x2="${x2 - dir * 9}" y2="${y}" stroke="${color}" stroke-width="1.6"${dash}/>`);
      o.push(`<polygon points="${x2},${y} ${x2 - dir * 10},${y - 4.5} ${x2 - dir * 10},${y + 4.5}" fill="${color}"/>`);
      const mid = (x1 + x2) / 2;
      o.push(`<text x="${mid}" y="${y - 6}" text-anchor="middle" fill="${color}" font-weight="600">${xml(captions[k])}</text>`);
      if (sdps[k]) o.push(`<text x="${mid}" y="${y + 14}" text-anchor="middle" font-size="11" fill="#4b5563">${xml(sdps[k])}</text>`);
    }
    o.push('</g>');
  });
  footer.forEach((f, k) => {
    o.push(`<text x="12" y="${bottom + 22 + k * 18}" font-size="12" fill="#111827">${xml(printable(f, 200))}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
