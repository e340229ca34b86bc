// The run's KPIs (SPEC §10, the numbers of `sipscope read --summary`): attempts, answered, ASR,
// NER, ACD, PDD, final responses, calls per minute by outcome, media verdicts, the worst calls.
// Every bar, count and call is a button that puts its filter in the list's filter box. Small SVG
// and plain elements: a chart library would outweigh the whole page for five simple charts.

import type { Kpis } from '../../shared/output/summary.ts';

/** The filter of each outcome (as the summary counts them). */
/** The filter of a minute bar: the calls whose INVITE is in that minute (UTC). */
function minuteFilter(minute: string): string {
  const t = Date.parse(`${minute.replace(' ', 'T')}:00Z`) / 1000;
  const next = new Date((t + 60) * 1000).toISOString().slice(0, 16);
  return `start>=${minute.replace(' ', 'T')} start<${next}`;
}

const OUTCOMES = [
  ['answered', 'answered', 'code>=200 code<300'],
  ['failed', 'failed', 'state=error'],
  ['cancelled', 'cancelled', 'state=canceled'],
  ['other', 'no final answer', 'state=started or state=in_progress'],
] as const;

const fixed = (v: number | null, d: number, unit = '') => (v === null ? '—' : `${v.toFixed(d)}${unit}`);

export function KpiView({ kpis, onFilter }: { kpis: Kpis; onFilter(expr: string): void }) {
  const codes = Object.entries(kpis.codes).sort((a, b) => b[1] - a[1]);
  const maxCode = Math.max(1, ...codes.map(([, n]) => n));
  const minutes = kpis.perMinute;
  const maxMinute = Math.max(1, ...minutes.map((m) => m.answered + m.failed + m.cancelled + m.other));
  // one bar a minute: up to 720 px wide in all, a bar 3 to 24 px
  const bar = Math.max(3, Math.min(24, Math.floor(720 / Math.max(1, minutes.length))));
  const figure = (label: string, value: string, test: string, title?: string) => (
    <div className="kpi" title={title}>
      <span className="kpi-value" data-testid={`kpi-${test}`}>
        {value}
      </span>
      <span className="kpi-label">{label}</span>
    </div>
  );
  if (kpis.attempts === 0) return <p className="note">No calls: the KPIs count INVITE dialogs.</p>;
  return (
    <div className="kpis" data-testid="kpis">
      <div className="kpi-figures">
        {figure('attempts', String(kpis.attempts), 'attempts', `${kpis.calls} end-to-end calls; every leg is an attempt`)}
        {figure('answered', String(kpis.answered), 'answered')}
        {figure('ASR', fixed(kpis.asr, 1, '%'), 'asr', 'answered ÷ attempts')}
        {figure('NER', fixed(kpis.ner, 1, '%'), 'ner', '(answered + cancelled + 480 486 600 603 604) ÷ attempts')}
        {figure('ACD', fixed(kpis.acd, 2, ' s'), 'acd', `mean duration of ${kpis.acdCalls} answered calls with a BYE`)}
        {figure(
          'PDD median',
          fixed(kpis.pdd.median, 3, ' s'),
          'pdd',
          `INVITE → first 180/183/2xx; mean ${fixed(kpis.pdd.mean, 3, ' s')}, 95th percentile ${fixed(kpis.pdd.p95, 3, ' s')}`,
        )}
      </div>

      <h3>Final responses</h3>
      <ul className="kpi-bars">
        {codes.map(([code, n]) => (
          <li key={code}>
            <button
              type="button"
              data-testid={`kpi-code-${code}`}
              title={`list the calls whose final response is ${code === '0' ? 'none' : code}`}
              onClick={() => onFilter(`code=${code}`)}
            >
              <span className="kpi-bar-label">{code === '0' ? 'none' : code}</span>
              <span className="kpi-bar" style={{ width: `${(100 * n) / maxCode}%` }} />
              <span className="kpi-bar-count">{n}</span>
            </button>
          </li>
        ))}
      </ul>

      <h3>Calls per minute (UTC)</h3>
      <svg
        className="kpi-minutes"
        width={Math.max(1, minutes.length) * bar}
        height={60}
        viewBox={`0 0 ${Math.max(1, minutes.length) * bar} 60`}
        role="img"
        aria-label="calls per minute by outcome"
      >
        {minutes.map((m, i) => {
          let y = 60;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG bar cannot be a <button>; it has the role and the keys of one
            <g
              key={m.minute}
              className="kpi-minute"
              data-testid="kpi-minute"
              data-minute={m.minute}
              role="button"
              tabIndex={0}
              aria-label={`list the calls of ${m.minute}`}
              onClick={() => onFilter(minuteFilter(m.minute))}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') onFilter(minuteFilter(m.minute));
              }}
            >
              <title>{`${m.minute}: ${m.answered} answered, ${m.failed} failed, ${m.cancelled} cancelled, ${m.other} other (click: list them, ${minuteFilter(m.minute)})`}</title>
              <rect className="kpi-minute-hit" x={i * bar} y={0} width={bar} height={60} />
              {OUTCOMES.map(([key]) => {
                const h = (60 * m[key]) / maxMinute;
                y -= h;
                return h > 0 ? <rect key={key} className={`out-${key}`} x={i * bar + 1} y={y} width={bar - 2} height={h} /> : null;
              })}
            </g>
          );
        })}
      </svg>
      <p className="kpi-legend">
        {OUTCOMES.map(([key, label, expr]) => (
          <button
            key={key}
            type="button"
            className={`out-${key}`}
            data-testid={`kpi-outcome-${key}`}
            onClick={() => onFilter(expr)}
            title={`list them: ${expr}`}
          >
            {label} {minutes.reduce((n, m) => n + m[key], 0)}
          </button>
        ))}
      </p>

      <h3>Media verdicts</h3>
      <p className="kpi-legend">
        {Object.keys(kpis.verdicts).length === 0
          ? 'none'
          : Object.entries(kpis.verdicts).map(([v, n]) => (
              <button key={v} type="button" data-testid={`kpi-verdict-${v}`} onClick={() => onFilter(`verdict=${v}`)}>
                {v} {n}
              </button>
            ))}
      </p>

      {kpis.worst.length > 0 && (
        <>
          <h3>Worst calls by MOS</h3>
          <ol className="kpi-worst">
            {kpis.worst.map((w) => (
              <li key={`${w.callId}\n${w.leg}`}>
                <button
                  type="button"
                  data-testid="kpi-worst"
                  onClick={() => onFilter(`call-id="${w.callId.replace(/["\\]/g, '\\$&')}"${w.leg > 1 ? ` leg=${w.leg}` : ''}`)}
                >
                  {w.mos.toFixed(2)} {w.callId}
                  {w.verdicts.length ? ` · ${w.verdicts.join(', ')}` : ''}
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
