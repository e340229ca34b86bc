// One call's ladder, laid out by ladder-svg.ts (one column per endpoint, or per IP) with a time
// gutter (absolute / relative / delta) and the call's RTP streams as bands between the columns.
// The participant header stays at the top and the gutter at the left while the arrows scroll.
// Click an arrow (or ↑ ↓ in the diagram) for the raw message, which opens a panel beside the
// diagram (Escape or × closes it); the RTP endpoints from SDP; the ladder as SVG or text for
// download. A leg of a call with several legs (SPEC §9) can also be shown as the whole call: every
// leg's messages on one ladder in time order, each leg in its colour (ladder-legs.ts).

import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { CallData, CallRow } from '../worker-protocol.ts';
import type { LadderPrefs, LegsView } from '../state/page-state.ts';
import { arrowName, ladderModel, ladderText, endpointText, type LadderModel, type TimeMode } from '../../shared/output/ladder.ts';
import type { LadderEntry } from '../../shared/record.ts';
import { clockTimestamp } from '../../shared/time.ts';
import { clockAt, type TimeZone } from '../format.ts';
import { COLORS, arrowSpan, ladderLayout, ladderPieces, ladderSvg, pieceSvg } from './ladder-svg.ts';
import { safeName, saveBlob } from '../save-file.ts';
import { callMedia, streamMarks } from '../call-media.ts';
import { BAND_COLORS, type LadderBand } from './ladder-rtp.ts';
import { legColor, wholeCallModel, type LadderLegs } from './ladder-legs.ts';
import { groupKeyOf, groupRow } from '../state/call-groups.ts';

const utf8 = new TextDecoder('utf-8');

/** Control characters other than CR/LF/TAB shown as `\xHH` so the raw text is safe to read. */
function rawText(b: Uint8Array): string {
  return utf8
    .decode(b)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

interface Parsed {
  rtpSrc: string | null;
  rtpDst: string | null;
  codecs: string | null;
}

export function rtpLines(p: Parsed, rtpPackets: number): string[] {
  if (!p.rtpSrc && !p.rtpDst) return ['RTP (from SDP): no media endpoints'];
  const codecs = p.codecs ? ` · codecs ${p.codecs}` : '';
  return [
    `RTP (from SDP): caller ${p.rtpSrc ?? '(no SDP)'} <-> callee ${p.rtpDst ?? '(no SDP answer)'}${codecs} · ${rtpPackets} RTP packets counted`,
  ];
}

function parsedOf(json: string): Parsed {
  const j = JSON.parse(json) as Record<string, unknown>;
  return {
    rtpSrc: (j.rtpSrc as string | null) ?? null,
    rtpDst: (j.rtpDst as string | null) ?? null,
    codecs: (j.SIP_RTP_CODECS as string | null) ?? null,
  };
}

/** A call's RTP streams as bands, with their marks. */
function bandsOf(json: string): LadderBand[] {
  const call = callMedia(json);
  return call.media.map((stream) => ({ stream, marks: streamMarks(stream, call) }));
}

const NO_BANDS: LadderBand[] = [];

/** What one ladder draws: one leg's messages, or every leg's of a call. */
interface LadderSource {
  /** null: not kept (`reason` says why) */
  entries: readonly LadderEntry[] | null;
  reason: string;
  model: LadderModel | null;
  streams: LadderBand[];
  title: string[];
  footer: string[];
  omitted: number;
  /** the legs of a whole-call ladder, null for one leg */
  legs: LadderLegs | null;
  /** file name of the downloads, without extension */
  base: string;
}

function legSource(row: CallRow, data: CallData, merge: boolean): LadderSource {
  const entries = data.ladder.kept ? data.ladder.entries : null;
  return {
    entries,
    reason: data.ladder.kept ? 'no messages' : data.ladder.reason,
    model: entries ? ladderModel(entries, { mergeByIp: merge }) : null,
    streams: bandsOf(data.json),
    title: [`Call-ID: ${row.callId}`, `${row.from}  →  ${row.to}  ·  ${row.state}${row.code ? ` ${row.code}` : ''}`],
    footer: rtpLines(parsedOf(data.json), row.rtpPackets),
    omitted: data.ladder.kept ? data.ladder.omitted : 0,
    legs: null,
    base: `call-${row.i + 1}-${safeName(row.callId)}`,
  };
}

/** The same band twice (media not anchored by the B2BUA: both legs' SDP name it) is drawn once. */
function uniqueBands(bands: LadderBand[]): LadderBand[] {
  const seen = new Set<string>();
  return bands.filter((b) => {
    const k = `${b.stream.src} ${b.stream.dst} ${b.stream.ssrc}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function wholeSource(legs: readonly CallRow[], view: LegsView, merge: boolean): LadderSource {
  const d = view.data!;
  const g = groupRow(groupKeyOf(legs[0]), legs);
  const list = legs.map((l, k) => ({ label: `${l.callId} · leg ${l.leg}`, color: legColor(k) }));
  const notKept = d.legs.filter((l) => !l.kept).map((l) => legs.find((x) => x.i === l.i)?.callId ?? `#${l.i + 1}`);
  return {
    entries: d.entries.length ? d.entries : null,
    reason: notKept.length ? `ladders not kept (memory limit): ${notKept.join(', ')}` : 'no messages',
    model: wholeCallModel(d.entries, d.legOf, { mergeByIp: merge }),
    streams: uniqueBands(d.legs.flatMap((l) => bandsOf(l.json))),
    title: [
      `Call: ${g.callGroup} · ${legs.length} legs (${legs.map((l) => `${l.callId} leg ${l.leg}`).join(', ')})`,
      `${g.from}  →  ${g.to}  ·  ${g.state}${g.code ? ` ${g.code}` : ''}`,
    ],
    footer: [
      ...d.legs.flatMap((l, k) => rtpLines(parsedOf(l.json), legs[k].rtpPackets).map((line) => `${list[k].label}: ${line}`)),
      ...(notKept.length ? [`ladder not kept (memory limit): ${notKept.join(', ')}`] : []),
    ],
    omitted: d.legs.reduce((n, l) => n + l.omitted, 0),
    legs: { of: d.legOf, list },
    base: `call-${legs[0].i + 1}-${safeName(g.callGroup)}-legs`,
  };
}

/** The legend of a whole-call ladder as text lines (the text download has no colours). */
function legsText(legs: LadderLegs): string[] {
  const count = legs.list.map(() => 0);
  for (const l of legs.of) count[l]++;
  return legs.list.map((l, k) => `leg ${k + 1}: ${l.label} (${count[k]} messages)`);
}

const sameLegs = (view: LegsView, legs: readonly CallRow[]) =>
  view.indices.length === legs.length && view.indices.every((i, k) => legs[k].i === i);

export interface LadderViewProps {
  row: CallRow;
  data: CallData;
  focusToken: number;
  prefs: LadderPrefs;
  onPrefs(p: LadderPrefs): void;
  /** the legs of the row's call, earliest first; null for a call alone */
  legs?: readonly CallRow[] | null;
  /** their messages on one ladder, as fetched (the whole-call ladder) */
  legsView?: LegsView | null;
  /** where absolute times are shown (UTC) */
  zone?: TimeZone;
}

export function LadderView({ row, data, focusToken, prefs, onPrefs, legs = null, legsView = null, zone = 'utc' }: LadderViewProps) {
  const { merge, time, rtp } = prefs;
  const clock = useMemo(() => clockAt(zone, row.start), [zone, row.start]);
  const several = legs !== null && legs.length > 1;
  const whole = prefs.whole && several;
  const wholeView = whole && legsView && sameLegs(legsView, legs) ? legsView : null;
  const [selected, setSelected] = useState<number | null>(null);
  const diagram = useRef<HTMLDivElement>(null);
  const headRow = useRef<HTMLDivElement>(null);
  const bodyRow = useRef<HTMLDivElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: another call (row.i), or the other ladder of it, starts with no message selected
  useEffect(() => setSelected(null), [row.i, whole]);
  useEffect(() => {
    if (focusToken > 0) diagram.current?.focus();
  }, [focusToken]);

  const source = useMemo<LadderSource | null>(
    () => (!whole ? legSource(row, data, merge) : wholeView?.data ? wholeSource(legs!, wholeView, merge) : null),
    [whole, row, data, merge, legs, wholeView],
  );
  const streams = source?.streams ?? NO_BANDS;
  const bands = rtp ? streams : NO_BANDS;
  const model = source?.model ?? null;
  const entries = source?.entries ?? null;
  const title = source?.title ?? [];
  const footer = source?.footer ?? [];
  const legsOfLadder = source?.legs ?? null;
  const layout = useMemo(
    () => (model ? ladderLayout(model, time, bands, legsOfLadder, clock) : null),
    [model, time, bands, legsOfLadder, clock],
  );
  // drawn without the selection, which is a class on the row (no redraw on every ↑ ↓)
  const pieces = useMemo(() => {
    if (!layout) return null;
    const p = ladderPieces(layout);
    return {
      corner: pieceSvg(p.corner, layout.gutterW, layout.headH),
      head: pieceSvg(p.head, layout.bodyW, layout.headH),
      gutter: pieceSvg(p.gutter, layout.gutterW, layout.bodyH),
      body: pieceSvg(p.body, layout.bodyW, layout.bodyH),
    };
  }, [layout]);

  // mark the selected row, then bring it into view below the header and right of the gutter
  // biome-ignore lint/correctness/useExhaustiveDependencies: new pieces are new DOM: mark the row again
  useLayoutEffect(() => {
    const el = diagram.current;
    if (!el || !layout) return;
    for (const g of el.querySelectorAll('.selected[data-index]')) g.classList.remove('selected');
    if (selected === null || !layout.rows[selected]) return;
    for (const g of el.querySelectorAll(`[data-index="${selected}"]`)) g.classList.add('selected');
    const r = layout.rows[selected];
    const headH = headRow.current?.offsetHeight ?? 0;
    const top = (bodyRow.current?.offsetTop ?? 0) + r.top;
    const bottom = top + r.h;
    // a little of the row before / after shows too (all the way up for the first row)
    if (top < el.scrollTop + headH) el.scrollTop = top - headH - 6;
    else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = bottom - el.clientHeight + 6;
    const gw = gutter.current?.offsetWidth ?? 0;
    const [lo, hi] = arrowSpan(layout, selected).map((x) => x + gw);
    // an arrow wider than the view shows its start
    if (lo < el.scrollLeft + gw) el.scrollLeft = lo - gw;
    else if (hi > el.scrollLeft + el.clientWidth) el.scrollLeft = Math.min(hi - el.clientWidth, lo - gw);
  }, [selected, pieces, layout]);

  const which = several ? (
    <fieldset className="seg" aria-label="Ladder of" data-testid="ladder-which">
      <button
        type="button"
        aria-pressed={!whole}
        data-testid="ladder-this-leg"
        title="The messages of this leg"
        onClick={() => onPrefs({ ...prefs, whole: false })}
      >
        This leg
      </button>
      <button
        type="button"
        aria-pressed={whole}
        data-testid="ladder-whole-call"
        title={`Every leg of this call on one ladder: ${legs.map((l) => `${l.callId} (leg ${l.leg})`).join(', ')}`}
        onClick={() => onPrefs({ ...prefs, whole: true })}
      >
        Whole call ({legs.length} legs)
      </button>
    </fieldset>
  ) : null;

  if (!source) {
    return (
      <div className="ladder-pane">
        <div className="toolbar">{which}</div>
        <p className={wholeView?.error ? 'error' : 'note'} data-testid="ladder-loading">
          {wholeView?.error ?? 'Loading the legs of this call…'}
        </p>
      </div>
    );
  }

  if (!model || !entries || !layout || !pieces) {
    return (
      <div className="ladder-pane" data-testid="ladder">
        {which && <div className="toolbar">{which}</div>}
        <p className="note" data-testid="ladder-not-kept">
          {source.reason}
        </p>
        <p>{footer.join(' ')}</p>
      </div>
    );
  }

  const n = model.arrows.length;
  const close = () => {
    setSelected(null);
    diagram.current?.focus();
  };
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const g = (e.target as Element).closest?.('[data-index]');
    if (g) setSelected(Number(g.getAttribute('data-index')));
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'ArrowDown') setSelected((s) => (s === null ? 0 : Math.min(n - 1, s + 1)));
    else if (e.key === 'ArrowUp') setSelected((s) => (s === null ? 0 : Math.max(0, s - 1)));
    else if (e.key === 'Home') setSelected(0);
    else if (e.key === 'End') setSelected(n - 1);
    else if (e.key === 'Escape' && selected !== null) setSelected(null);
    else return;
    e.preventDefault();
  };

  const base = source.base;
  const sel = selected !== null ? entries[selected] : null;
  const arrow = selected !== null ? model.arrows[selected] : null;
  const selLeg = selected !== null && legsOfLadder ? legsOfLadder.list[legsOfLadder.of[selected]] : null;

  return (
    <div className="ladder-pane">
      <div className="toolbar">
        <label>
          <input
            type="checkbox"
            checked={merge}
            onChange={(e) => onPrefs({ ...prefs, merge: e.currentTarget.checked })}
            data-testid="merge-ip"
          />{' '}
          one column per IP
        </label>
        <label title={streams.length ? undefined : 'no RTP stream in this call'}>
          <input
            type="checkbox"
            checked={rtp}
            disabled={streams.length === 0}
            onChange={(e) => onPrefs({ ...prefs, rtp: e.currentTarget.checked })}
            data-testid="ladder-rtp-toggle"
          />{' '}
          RTP streams
        </label>
        <label>
          time{' '}
          <select value={time} onChange={(e) => onPrefs({ ...prefs, time: e.currentTarget.value as TimeMode })} data-testid="time-mode">
            <option value="absolute">absolute ({clock.name})</option>
            <option value="relative">relative to first</option>
            <option value="delta">delta to previous</option>
          </select>
        </label>
        <span className="legend">
          <i style={{ background: COLORS.request }} /> request <i style={{ background: COLORS.provisional }} /> 1xx{' '}
          <i style={{ background: COLORS.success }} /> 2xx <i style={{ background: COLORS.failure }} /> ≥300 <i className="dashed" />{' '}
          retransmission
          {bands.length > 0 && (
            <span title="RTP streams: caller → callee, callee → caller">
              <i className="band" style={{ background: BAND_COLORS['caller-to-callee'] }} />
              <i className="band pair" style={{ background: BAND_COLORS['callee-to-caller'] }} /> RTP
            </span>
          )}
        </span>
        {source.omitted > 0 && <span className="note">{source.omitted} later messages not kept</span>}
        <span className="spacer" />
        <button
          type="button"
          data-testid="download-ladder-svg"
          onClick={() =>
            saveBlob(
              new Blob([ladderSvg(model, { time, clock, title, footer, bands, legs: legsOfLadder })], { type: 'image/svg+xml' }),
              `${base}.svg`,
            )
          }
        >
          Ladder .svg
        </button>
        <button
          type="button"
          data-testid="download-ladder-text"
          onClick={() =>
            saveBlob(
              new Blob([ladderText(model, { time, clock, header: legsOfLadder ? [...title, ...legsText(legsOfLadder)] : title, footer })], {
                type: 'text/plain',
              }),
              `${base}.txt`,
            )
          }
        >
          Ladder .txt
        </button>
      </div>
      <div className="ladder-title">
        {which}
        <span className="parties" title={title.join('\n')}>
          {title[1]}
        </span>
        {sel ? null : <span className="note hint">click an arrow, or ↑ ↓ in the diagram, for the message</span>}
      </div>
      {legsOfLadder && (
        <ul className="leg-legend" data-testid="ladder-legs" aria-label="Legs">
          {legsOfLadder.list.map((l, k) => (
            <li key={l.label} data-testid="ladder-leg" data-leg={k} data-call-id={legs![k].callId} style={{ color: l.color }}>
              <i style={{ background: l.color }} /> {l.label}
            </li>
          ))}
        </ul>
      )}
      <div className="ladder-body">
        <div
          className="diagram"
          ref={diagram}
          tabIndex={0}
          data-testid="ladder"
          data-arrows={n}
          data-bands={layout.bands.length}
          data-whole={legsOfLadder ? 'true' : undefined}
          aria-label="Ladder diagram: click an arrow or use the arrow keys to see a message"
          onClick={onClick}
          onKeyDown={onKey}
        >
          <div className="lg">
            <div className="lg-headrow" ref={headRow} data-testid="ladder-head">
              {/* biome-ignore lint/security/noDangerouslySetInnerHtml: SVG from ladder-svg.ts, where every text from the capture is escaped */}
              <div className="lg-corner" dangerouslySetInnerHTML={{ __html: pieces.corner }} />
              {/* biome-ignore lint/security/noDangerouslySetInnerHtml: as above */}
              <div className="lg-head" dangerouslySetInnerHTML={{ __html: pieces.head }} />
            </div>
            <div className="lg-bodyrow" ref={bodyRow}>
              {/* biome-ignore lint/security/noDangerouslySetInnerHtml: as above */}
              <div className="lg-gutter" ref={gutter} data-testid="ladder-gutter" dangerouslySetInnerHTML={{ __html: pieces.gutter }} />
              {/* biome-ignore lint/security/noDangerouslySetInnerHtml: as above */}
              <div className="lg-body" dangerouslySetInnerHTML={{ __html: pieces.body }} />
            </div>
          </div>
          <p className="ladder-foot">{footer.join(' ')}</p>
        </div>
        <aside
          className="raw"
          data-testid="raw-panel"
          data-open={sel ? 'true' : 'false'}
          hidden={!sel}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
          }}
        >
          {sel && arrow ? (
            <>
              <div className="raw-bar">
                <div className="raw-head" data-testid="raw-head">
                  <b>{arrowName(arrow)}</b> · frame {sel.frame} · {sel.transport.toUpperCase()} {endpointText(sel.src, sel.sport)} →{' '}
                  {endpointText(sel.dst, sel.dport)}
                  <br />
                  {clockTimestamp(sel.ts, clock, ' ')} · {sel.raw.length} bytes
                  {sel.retransmission ? ' · retransmission' : sel.duplicate ? ' · duplicate' : ''}
                  {selLeg ? (
                    <>
                      <br />
                      <span data-testid="raw-leg" style={{ color: selLeg.color }}>
                        {selLeg.label}
                      </span>
                    </>
                  ) : null}
                </div>
                <button
                  type="button"
                  className="raw-close"
                  data-testid="raw-close"
                  aria-label="Close the message"
                  title="Close (Esc)"
                  onClick={close}
                >
                  ×
                </button>
              </div>
              <pre data-testid="raw-message">{rawText(sel.raw)}</pre>
            </>
          ) : null}
        </aside>
      </div>
    </div>
  );
}
