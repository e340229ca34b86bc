// Every field of one call (SPEC §2 in table order, times in UTC and relative to the INVITE), the
// extra JSON fields, and what the run knows about the record (export cause, RTP packets, ladder).

import { useMemo } from 'react';
import type { CallData, CallRow } from '../worker-protocol.ts';
import { SIP_FIELDS } from '../../shared/output/fields.ts';
import { isoTimestamp, timestampDiffText } from '../../shared/time.ts';
import type { Timestamp } from '../../shared/time.ts';
import { Q850, jsonNumberText, timestampOfText } from '../format.ts';

const TIME_FIELDS = new Set(SIP_FIELDS.filter((f) => f.type === 'time').map((f) => f.name));

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function relative(base: Timestamp | null, t: Timestamp): string {
  if (!base) return '';
  const d = timestampDiffText(base, t);
  return `${d.startsWith('-') ? d : `+${d}`} s`;
}

export function Details({ row, data }: { row: CallRow; data: CallData }) {
  const j = useMemo(() => JSON.parse(data.json) as Record<string, unknown>, [data.json]);
  const tsOf = (key: string): Timestamp | null => {
    const t = jsonNumberText(data.json, key);
    return t === null ? null : timestampOfText(t);
  };
  const invite = tsOf('SIP_INVITE_TIME') ?? tsOf('start');
  const flow = (j.flow ?? {}) as Record<string, unknown>;

  return (
    <div className="details" data-testid="call-details">
      <table>
        <caption>nProbe SIP fields</caption>
        <tbody>
          {SIP_FIELDS.map((f) => {
            const v = j[f.name];
            let text: string = show(v);
            let rel = '';
            if (TIME_FIELDS.has(f.name) && v !== null) {
              const t = tsOf(f.name);
              if (t) {
                text = isoTimestamp(t, ' ');
                rel = relative(invite, t);
              }
            } else if (f.name === 'SIP_REASON_CAUSE' && typeof v === 'number' && Q850[v]) text = `${v} (${Q850[v]})`;
            return (
              <tr key={f.name} data-field={f.name}>
                <th>{f.name}</th>
                <td className={v === null ? 'absent' : ''}>{text}</td>
                <td className="rel">{rel}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table>
        <caption>More of the record (JSON)</caption>
        <tbody>
          {Object.entries(flow).map(([k, v]) => {
            const t = (k === 'start' || k === 'end') && typeof v === 'number' ? tsOf(k) : null;
            return (
              <tr key={`flow.${k}`} data-field={`flow.${k}`}>
                <th>flow.{k}</th>
                <td>{t ? isoTimestamp(t, ' ') : show(v)}</td>
                <td className="rel">
                  {t
                    ? relative(invite, t)
                    : k === 'protocol'
                      ? (({ 6: 'TCP', 17: 'UDP', 132: 'SCTP' } as Record<number, string>)[v as number] ?? '')
                      : ''}
                </td>
              </tr>
            );
          })}
          {['rtpSrc', 'rtpDst', 'reason', 'messages', 'retransmissions', 'durationSec', 'setupSec', 'leg', 'fromTag'].map((k) => (
            <tr key={k} data-field={k}>
              <th>{k}</th>
              <td className={j[k] === null ? 'absent' : ''}>{show(j[k])}</td>
              <td className="rel">{(k === 'durationSec' || k === 'setupSec') && j[k] !== null ? 's' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>In this run</caption>
        <tbody>
          <tr data-field="record">
            <th>record</th>
            <td>
              #{row.i + 1} (line {row.i + 1} of the JSONL download; line {row.i + 2} of the CSV and dump downloads, after their header line)
            </td>
            <td />
          </tr>
          <tr data-field="exportCause">
            <th>exported because</th>
            <td>
              {{
                bye: 'BYE answered (or unanswered for 32 s)',
                final: 'final response ended the setup',
                idle: 'idle timeout',
                evicted: 'table of open calls full',
                end: 'end of input',
              }[row.exportCause] ?? row.exportCause}
            </td>
            <td className="rel">{isoTimestamp(timestampOfText(String(Math.floor(row.exportedAt))), ' ')}</td>
          </tr>
          <tr data-field="duplicates">
            <th>duplicates</th>
            <td>{row.duplicates}</td>
            <td />
          </tr>
          <tr data-field="rtpPackets">
            <th>RTP packets counted</th>
            <td>{row.rtpPackets}</td>
            <td className="rel">to the SDP endpoints</td>
          </tr>
          <tr data-field="ladder">
            <th>ladder</th>
            <td>{row.ladder ? 'kept' : 'not kept (memory limit)'}</td>
            <td />
          </tr>
        </tbody>
      </table>
    </div>
  );
}
