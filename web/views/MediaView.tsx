// The Media tab of a call: its verdicts in words, then one row per RTP stream (SPEC §8) with
// direction, endpoints, SSRC, codec, time, packets, loss, duplicates, reordering, jitter, the
// largest gap, MOS and R, DTMF and what RTCP said about it; below, the plot over time (MediaPlot).
// Every number is the JSON line's own text (data-k names its key), so the page says exactly what
// the JSONL download says.

import { useMemo, type ReactNode } from 'react';
import type { CallData } from '../worker-protocol.ts';
import type { PlotView } from '../state/page-state.ts';
import { DIRECTION_TEXT, callMedia, type StreamJson } from '../call-media.ts';
import { VERDICTS } from '../verdicts.ts';
import { clockText } from '../format.ts';
import { MediaPlot } from './MediaPlot.tsx';

/** A JSON number as the JSON line writes it, with the key it came from; null as "—". */
function n(k: string, v: number | null | undefined): ReactNode {
  return (
    <span data-k={k} className={v === null || v === undefined ? 'absent' : undefined}>
      {v === null || v === undefined ? '—' : String(v)}
    </span>
  );
}

function secondsText(s: number): string {
  return `${s < 10 ? s.toFixed(3) : s.toFixed(1)} s`;
}

function StreamRow({ s, k }: { s: StreamJson; k: number }) {
  const r = s.rtcp;
  return (
    <tr data-testid="media-stream" data-index={k} data-src={s.src} data-dst={s.dst} data-ssrc={s.ssrc} data-direction={s.direction}>
      <td className="stream">
        <div>
          <b data-k="direction" data-value={s.direction}>
            {DIRECTION_TEXT[s.direction] ?? s.direction}
          </b>{' '}
          · SSRC <code data-k="ssrc">{s.ssrc}</code>
        </div>
        <div className="endpoints">
          <code data-k="src">{s.src}</code> → <code data-k="dst">{s.dst}</code>
        </div>
      </td>
      <td>
        <span data-k="codec">{s.codec ?? (s.payloadType === null ? '—' : `PT ${s.payloadType}`)}</span>
        {s.clockRate ? <span className="sub">{s.clockRate} Hz</span> : null}
      </td>
      <td className="num">
        {clockText(s.start)}
        <span className="sub">{secondsText(Math.max(0, s.end - s.start))}</span>
      </td>
      <td className="num">{n('packets', s.packets)}</td>
      <td className={s.lostPct > 3 ? 'num bad' : 'num'}>
        {n('lost', s.lost)} ({n('lostPct', s.lostPct)} %)
        <span className="sub">of {n('expected', s.expected)}</span>
      </td>
      <td className="num">
        {n('duplicates', s.duplicates)} / {n('outOfOrder', s.outOfOrder)}
      </td>
      <td className={s.maxJitterMs > 50 ? 'num bad' : 'num'}>
        {n('meanJitterMs', s.meanJitterMs)} / {n('maxJitterMs', s.maxJitterMs)}
        <span className="sub">last {n('jitterMs', s.jitterMs)}</span>
      </td>
      <td className={s.maxDeltaMs >= 2000 ? 'num bad' : 'num'}>{n('maxDeltaMs', s.maxDeltaMs)}</td>
      <td className={s.mos < 3.6 ? 'num bad' : 'num'}>
        <b>{n('mos', s.mos)}</b>
        <span className="sub">R {n('rFactor', s.rFactor)}</span>
      </td>
      <td>
        <code data-k="dtmf">{s.dtmf}</code>
      </td>
      <td className="rtcp" data-k="rtcp" data-value={r ? 'yes' : 'none'}>
        {r ? (
          <>
            {n('rtcp.reports', r.reports)} {r.reports === 1 ? 'report' : 'reports'} · fraction lost {n('rtcp.fractionLost', r.fractionLost)}{' '}
            · cumulative lost {n('rtcp.cumulativeLost', r.cumulativeLost)}
            <span className="sub">
              jitter {n('rtcp.jitterMs', r.jitterMs)} ms · RTT {n('rtcp.rttMs', r.rttMs)} ms
            </span>
          </>
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

export interface MediaViewProps {
  data: CallData;
  /** the plot of this call over time, if one was asked for */
  plot: PlotView | null;
  /** bytes of the capture (a plot reads it again), and whether the run has finished */
  captureBytes: number;
  runDone: boolean;
  onPlot(): void;
}

export function MediaView({ data, plot, captureBytes, runDone, onPlot }: MediaViewProps) {
  const call = useMemo(() => callMedia(data.json), [data.json]);
  const { media, verdicts } = call;
  return (
    <div className="media" data-testid="media">
      <ul className="media-verdicts" data-testid="media-verdicts">
        {verdicts.length === 0 ? (
          <li className="note">{media.length === 0 ? 'No RTP stream at the endpoints the SDP announced.' : 'No media problem found.'}</li>
        ) : (
          verdicts.map((v) => (
            <li key={v}>
              <span className={`verdict sev-${VERDICTS[v]?.severity ?? 1}`} data-verdict={v}>
                {VERDICTS[v]?.badge ?? v}
              </span>{' '}
              {VERDICTS[v]?.text ?? v}
            </li>
          ))
        )}
      </ul>
      {media.length > 0 && (
        <table className="media-table" data-testid="media-table">
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Codec</th>
              <th scope="col" className="num">
                Start (UTC)
              </th>
              <th scope="col" className="num">
                Packets
              </th>
              <th scope="col" className="num" title="expected − received (RFC 3550), and of how many expected">
                Lost
              </th>
              <th scope="col" className="num" title="duplicates / out of order">
                Dup. / reord.
              </th>
              <th scope="col" className="num" title="RFC 3550 interarrival jitter: mean / max over the stream, and the last value">
                Jitter ms
              </th>
              <th scope="col" className="num" title="the largest gap between two packets">
                Max Δ ms
              </th>
              <th scope="col" className="num" title="E-model (ITU-T G.107) estimate">
                MOS
              </th>
              <th scope="col">DTMF</th>
              <th scope="col" title="what the receiver reported about the stream in RTCP (last report; RTT mean)">
                RTCP
              </th>
            </tr>
          </thead>
          <tbody>
            {media.map((s, k) => (
              <StreamRow key={`${s.src} ${s.dst} ${s.ssrc}`} s={s} k={k} />
            ))}
          </tbody>
        </table>
      )}
      {media.length > 0 && <MediaPlot media={media} plot={plot} captureBytes={captureBytes} runDone={runDone} onPlot={onPlot} />}
    </div>
  );
}
