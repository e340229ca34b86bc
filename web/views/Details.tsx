// Every field of one call (SPEC §2 in table order, times in UTC and relative to the INVITE), the
// extra JSON fields, and what the run knows about the record (export cause, RTP packets, ladder).
// A leg of a call with several legs (SPEC §9) lists them all, with why each is tied to the others;
// a click selects one, and the list of calls can be limited to them.

import { useMemo } from 'react';
import type { CallData, CallRow } from '../worker-protocol.ts';
import { SIP_FIELDS } from '../../shared/output/fields.ts';
import { clockTimestamp, timestampDiffText } from '../../shared/time.ts';
import type { Timestamp } from '../../shared/time.ts';
import { Q850, jsonNumberText, timestampOfText, clockAt, type TimeZone } from '../format.ts';
import { groupKeyOf } from '../state/call-groups.ts';

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

/** SPEC §9 reasons in words, for the tooltip. */
const TIES: Record<string, string> = {
  'call-id': 'the same Call-ID as another leg',
  'x-cid': "an X-CID (or X-Call-ID, X-Orig-Call-ID, X-Original-Call-ID) header with another leg's Call-ID",
  'session-id': 'the same Session-ID (RFC 7989) as another leg',
  icid: 'the same P-Charging-Vector icid-value as another leg',
  sdp: "the same SDP o= session as another leg's, within 10 s",
};

function tiesText(ties: readonly string[]): string {
  return ties.length ? ties.join(', ') : '— (alone)';
}

function Legs({
  row,
  legs,
  onSelectLeg,
  onShowLegs,
}: {
  row: CallRow;
  legs: readonly CallRow[];
  onSelectLeg(i: number): void;
  onShowLegs(group: string): void;
}) {
  return (
    <table className="legs" data-testid="call-legs" data-group={row.callGroup}>
      <caption>
        Legs of this call ({legs.length}){' '}
        <button type="button" data-testid="show-call-legs" onClick={() => onShowLegs(groupKeyOf(row))}>
          Show this call's legs
        </button>
      </caption>
      <thead>
        <tr>
          <th>Call-ID</th>
          <th>leg</th>
          <th>From-tag</th>
          <th>state</th>
          <th>code</th>
          <th>start (UTC)</th>
          <th>tied by</th>
        </tr>
      </thead>
      <tbody>
        {legs.map((l) => (
          <tr
            key={l.i}
            data-testid="call-leg"
            data-index={l.i}
            data-call-id={l.callId}
            data-correlated-by={l.correlatedBy.join(' ')}
            aria-current={l.i === row.i ? 'true' : undefined}
            className={l.i === row.i ? 'current' : undefined}
          >
            <td>
              <button
                type="button"
                className="link"
                data-testid="select-leg"
                title={l.i === row.i ? 'the leg shown' : 'Show this leg'}
                onClick={() => onSelectLeg(l.i)}
              >
                {l.callId}
              </button>
            </td>
            <td>{l.leg}</td>
            <td>{l.fromTag}</td>
            <td>
              <span className={`state state-${l.state}`}>{l.state.replace(/^CALL_/, '')}</span>
            </td>
            <td>{l.code || ''}</td>
            <td>{l.startText}</td>
            <td title={l.correlatedBy.map((c) => `${c}: ${TIES[c] ?? c}`).join('\n') || undefined} data-testid="leg-ties">
              {tiesText(l.correlatedBy)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface DetailsProps {
  row: CallRow;
  data: CallData;
  /** the legs of the row's call, earliest first; null for a call alone */
  legs?: readonly CallRow[] | null;
  onSelectLeg?(i: number): void;
  onShowLegs?(group: string): void;
  /** where times are shown (UTC) */
  zone?: TimeZone;
}

export function Details({ row, data, legs = null, onSelectLeg = () => {}, onShowLegs = () => {}, zone = 'utc' }: DetailsProps) {
  const clock = clockAt(zone, row.start);
  const j = useMemo(() => JSON.parse(data.json) as Record<string, unknown>, [data.json]);
  const tsOf = (key: string): Timestamp | null => {
    const t = jsonNumberText(data.json, key);
    return t === null ? null : timestampOfText(t);
  };
  const invite = tsOf('SIP_INVITE_TIME') ?? tsOf('start');
  const flow = (j.flow ?? {}) as Record<string, unknown>;

  return (
    <div className="details" data-testid="call-details">
      {legs && legs.length > 1 && (
        <div className="legs-section">
          <Legs row={row} legs={legs} onSelectLeg={onSelectLeg} onShowLegs={onShowLegs} />
        </div>
      )}
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
                text = clockTimestamp(t, clock, ' ');
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
                <td>{t ? clockTimestamp(t, clock, ' ') : show(v)}</td>
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
          <tr data-field="callGroup">
            <th>callGroup</th>
            <td>{row.callGroup}</td>
            <td className="rel">{row.correlatedBy.length ? '' : 'its own Call-ID: a call alone'}</td>
          </tr>
          <tr data-field="correlatedBy">
            <th>correlatedBy</th>
            <td
              className={row.correlatedBy.length ? '' : 'absent'}
              title={row.correlatedBy.map((c) => TIES[c] ?? c).join('\n') || undefined}
            >
              {tiesText(row.correlatedBy)}
            </td>
            <td />
          </tr>
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
            <td className="rel">{clockTimestamp(timestampOfText(String(Math.floor(row.exportedAt))), clock, ' ')}</td>
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
