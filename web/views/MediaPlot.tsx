// Below the Media tab's table: the call's streams over time (packets per second, loss, jitter),
// drawn by media-plot-svg.ts. The worker reads the capture again for it: when the Media tab shows
// a call of a finished run whose capture is small enough to read again at once (AUTO_PLOT_BYTES),
// a moment after it is shown, else when asked (the button); with progress while reading. The
// legend names each stream and what the plot counted of it (its packets and losses, which are the
// table's when the whole stream was read).

import { useEffect, useMemo } from 'react';
import type { PlotView } from '../state/page-state.ts';
import { DIRECTION_TEXT, type StreamJson } from '../call-media.ts';
import { bytesText, clockText, secondsText } from '../format.ts';
import { CHARTS, chartSvg, plotLines, seriesTotals, streamStyle } from './media-plot-svg.ts';

/** A finished run's capture up to this size is read again for the plot without asking (~0.3 s). */
export const AUTO_PLOT_BYTES = 256 << 20;
/** ms the call must stay shown before that (↑ ↓ through the list reads nothing) */
const AUTO_PLOT_DELAY_MS = 300;

export interface MediaPlotProps {
  media: readonly StreamJson[];
  /** the plot of this call, if one was asked for */
  plot: PlotView | null;
  /** bytes the worker reads again */
  captureBytes: number;
  /** the run has finished (a plot is made without asking only then) */
  runDone: boolean;
  onPlot(): void;
}

export function MediaPlot({ media, plot, captureBytes, runDone, onPlot }: MediaPlotProps) {
  const trace = plot?.trace ?? null;
  const auto = runDone && captureBytes <= AUTO_PLOT_BYTES && plot === null;
  useEffect(() => {
    if (!auto) return;
    const t = window.setTimeout(onPlot, AUTO_PLOT_DELAY_MS);
    return () => clearTimeout(t);
  }, [auto, onPlot]);
  const charts = useMemo(
    () => (trace ? CHARTS.map((c) => ({ ...c, svg: chartSvg(c.kind, plotLines(trace, media, c.kind), trace) })) : []),
    [trace, media],
  );
  const reading = plot !== null && plot.trace === null && plot.error === null;
  const pct = plot?.progress && plot.progress.total > 0 ? Math.min(100, Math.round((100 * plot.progress.bytes) / plot.progress.total)) : 0;

  return (
    <section className="media-plot" data-testid="media-plot-section" aria-label="Streams over time">
      <div className="plot-bar">
        <h3>Over time</h3>
        <button type="button" onClick={onPlot} disabled={reading} data-testid="plot-media">
          {trace ? 'Plot again' : 'Plot jitter, loss and packet rate'}
        </button>
        {reading ? (
          <span className="note" data-testid="plot-progress" role="status">
            reading the capture again… {pct} %
          </span>
        ) : plot?.error ? (
          <span className="error" data-testid="plot-error" role="alert">
            {plot.error}
          </span>
        ) : trace ? (
          <span className="note" data-testid="plot-note">
            from {clockText(trace.start)} UTC in {trace.binSec < 1 ? `${trace.binSec * 1000} ms` : `${trace.binSec} s`} intervals · read{' '}
            {bytesText(trace.bytes)} in {secondsText(trace.ms)}
            {trace.stoppedEarly ? ' (up to the last packet)' : ''}
            {trace.samplesDropped > 0 ? (
              <span className="error"> · {trace.samplesDropped} packets could not be traced: the plot misses them</span>
            ) : null}
          </span>
        ) : (
          <span className="note">reads the capture again ({bytesText(captureBytes)}); nothing is kept per packet</span>
        )}
      </div>
      {trace && (
        <>
          <ul className="plot-legend" data-testid="plot-legend">
            {media.map((s, k) => {
              const st = streamStyle(media, k);
              const tot = trace.streams[k] ? seriesTotals(trace.streams[k]) : { packets: 0, lost: 0 };
              return (
                <li key={`${s.src} ${s.dst} ${s.ssrc}`} data-stream={k} data-packets={tot.packets} data-lost={tot.lost}>
                  <i className={st.dashed ? 'dashed' : undefined} style={{ borderColor: st.color }} />
                  {DIRECTION_TEXT[s.direction] ?? s.direction} <code>{s.src}</code> → <code>{s.dst}</code> {s.ssrc}
                  <span className="note">
                    {' '}
                    · {tot.packets} packets, {tot.lost} lost
                  </span>
                </li>
              );
            })}
          </ul>
          <div className="plots">
            {charts.map((c) => (
              // biome-ignore lint/security/noDangerouslySetInnerHtml: SVG from media-plot-svg.ts, where every text from the capture is escaped
              <div key={c.kind} className="plot" dangerouslySetInnerHTML={{ __html: c.svg }} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
