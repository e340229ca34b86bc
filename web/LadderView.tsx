// One call's ladder: the SVG from ladder-svg.ts (one column per endpoint, or per IP), a time
// gutter (absolute / relative / delta), click an arrow (or ↑ ↓ in the diagram) for the raw
// message, the RTP endpoints from SDP, and the ladder as SVG or text for download.

import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { CallData, CallRow } from './engine-client.ts';
import { ladderModel, ladderText, endpointText, type TimeMode } from '../shared/ladder.ts';
import { isoTimestamp } from '../shared/fields.ts';
import { COLORS, ladderSvg } from './ladder-svg.ts';
import { safeName, saveBlob } from './util.ts';

const utf8 = new TextDecoder('utf-8');

/** Control characters other than CR/LF/TAB shown as `\xHH` so the raw text is safe to read. */
function rawText(b: Uint8Array): string {
  return utf8.decode(b).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

interface Parsed {
  rtpSrc: string | null;
  rtpDst: string | null;
  codecs: string | null;
}

export function rtpLines(p: Parsed, rtpPackets: number): string[] {
  if (!p.rtpSrc && !p.rtpDst) return ['RTP (from SDP): no media endpoints'];
  const codecs = p.codecs ? ` · codecs ${p.codecs}` : '';
  return [`RTP (from SDP): caller ${p.rtpSrc ?? '(no SDP)'} <-> callee ${p.rtpDst ?? '(no SDP answer)'}${codecs} · ${rtpPackets} RTP packets counted`];
}

export interface LadderViewProps {
  row: CallRow;
  data: CallData;
  focusToken: number;
}

export function LadderView({ row, data, focusToken }: LadderViewProps) {
  const [merge, setMerge] = useState(false);
  const [time, setTime] = useState<TimeMode>('absolute');
  const [selected, setSelected] = useState<number | null>(null);
  const diagram = useRef<HTMLDivElement>(null);

  useEffect(() => setSelected(null), [row.i]);
  useEffect(() => {
    if (focusToken > 0) diagram.current?.focus();
  }, [focusToken]);

  const parsed = useMemo<Parsed>(() => {
    const j = JSON.parse(data.json) as Record<string, unknown>;
    return { rtpSrc: (j.rtpSrc as string | null) ?? null, rtpDst: (j.rtpDst as string | null) ?? null, codecs: (j.SIP_RTP_CODECS as string | null) ?? null };
  }, [data.json]);

  const entries = data.ladder.kept ? data.ladder.entries : null;
  const model = useMemo(() => (entries ? ladderModel(entries, { mergeByIp: merge }) : null), [entries, merge]);
  const title = useMemo(() => [`Call-ID: ${row.callId}`, `${row.from}  →  ${row.to}  ·  ${row.state}${row.code ? ` ${row.code}` : ''}`], [row]);
  const footer = useMemo(() => rtpLines(parsed, row.rtpPackets), [parsed, row.rtpPackets]);
  const svg = useMemo(() => (model ? ladderSvg(model, { time, selected, title, footer }) : ''), [model, time, selected, title, footer]);

  if (!data.ladder.kept || !model || !entries) {
    return (
      <div className="ladder-pane" data-testid="ladder">
        <p className="note" data-testid="ladder-not-kept">
          {data.ladder.kept ? 'no messages' : data.ladder.reason}
        </p>
        <p>{footer.join(' ')}</p>
      </div>
    );
  }

  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const g = (e.target as Element).closest?.('[data-index]');
    if (g) setSelected(Number(g.getAttribute('data-index')));
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const n = model.arrows.length;
    if (e.key === 'ArrowDown') setSelected((s) => (s === null ? 0 : Math.min(n - 1, s + 1)));
    else if (e.key === 'ArrowUp') setSelected((s) => (s === null ? 0 : Math.max(0, s - 1)));
    else if (e.key === 'Escape') setSelected(null);
    else return;
    e.preventDefault();
  };

  const base = `call-${row.i + 1}-${safeName(row.callId)}`;
  const sel = selected !== null ? entries[selected] : null;
  const arrow = selected !== null ? model.arrows[selected] : null;

  return (
    <div className="ladder-pane">
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={merge} onChange={(e) => setMerge(e.currentTarget.checked)} data-testid="merge-ip" /> one column per IP
        </label>
        <label>
          time{' '}
          <select value={time} onChange={(e) => setTime(e.currentTarget.value as TimeMode)} data-testid="time-mode">
            <option value="absolute">absolute (UTC)</option>
            <option value="relative">relative to first</option>
            <option value="delta">delta to previous</option>
          </select>
        </label>
        <span className="legend">
          <i style={{ background: COLORS.request }} /> request <i style={{ background: COLORS.provisional }} /> 1xx <i style={{ background: COLORS.success }} /> 2xx{' '}
          <i style={{ background: COLORS.failure }} /> ≥300 <i className="dashed" /> retransmission
        </span>
        {data.ladder.omitted > 0 && <span className="note">{data.ladder.omitted} later messages not kept</span>}
        <span className="spacer" />
        <button
          type="button"
          data-testid="download-ladder-svg"
          onClick={() => saveBlob(new Blob([ladderSvg(model, { time, title, footer })], { type: 'image/svg+xml' }), `${base}.svg`)}
        >
          Ladder .svg
        </button>
        <button
          type="button"
          data-testid="download-ladder-text"
          onClick={() => saveBlob(new Blob([ladderText(model, { time, header: title, footer })], { type: 'text/plain' }), `${base}.txt`)}
        >
          Ladder .txt
        </button>
      </div>
      <div className="ladder-body">
        <div
          className="diagram"
          ref={diagram}
          tabIndex={0}
          data-testid="ladder"
          data-arrows={model.arrows.length}
          aria-label="Ladder diagram: click an arrow or use the arrow keys to see a message"
          onClick={onClick}
          onKeyDown={onKey}
          dangerouslySetInnerHTML={{ __html: svg }}
        />
        <aside className="raw" data-testid="raw-panel">
          {sel && arrow ? (
            <>
              <div className="raw-head" data-testid="raw-head">
                <b>{arrow.label}</b> · frame {sel.frame} · {sel.transport.toUpperCase()} {endpointText(sel.src, sel.sport)} → {endpointText(sel.dst, sel.dport)}
                <br />
                {isoTimestamp(sel.ts, ' ')} · {sel.raw.length} bytes
                {sel.retransmission ? ' · retransmission' : sel.duplicate ? ' · duplicate' : ''}
              </div>
              <pre data-testid="raw-message">{rawText(sel.raw)}</pre>
            </>
          ) : (
            <p className="note">Click an arrow (or focus the diagram and use ↑ ↓) to see the message as captured.</p>
          )}
        </aside>
      </div>
    </div>
  );
}
