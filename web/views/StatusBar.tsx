// The status line (what is being read, how fast, how many records; or how the run ended), the
// progress bar and Cancel while reading. Its data-* attributes are what tests and the browser
// bench read (run number, first row and end times, the worker's own times).

import { useEffect, useState, type ReactNode } from 'react';
import type { RunView } from '../state/page-state.ts';
import { bytesText, rateText, secondsText } from '../format.ts';

export interface StatusBarProps {
  run: RunView;
  /** number of the last run that ended */
  doneRuns: number;
  onCancel(): void;
  /** controls at the right end (the time zone) */
  extra?: ReactNode;
}

export function StatusBar({ run, doneRuns, onCancel, extra }: StatusBarProps) {
  const running = run.phase === 'running';
  const [now, setNow] = useState(0);

  // the elapsed time and rate move on while reading
  useEffect(() => {
    if (!running) return;
    const t = window.setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(t);
  }, [running]);

  const elapsed = running ? Math.max(0, now - run.startedAt) : (run.doneMs ?? run.summary?.elapsedMs ?? 0);
  const pct = run.totalBytes > 0 ? Math.min(100, (100 * run.bytes) / run.totalBytes) : running ? 0 : 100;

  let statusText: ReactNode;
  if (run.phase === 'idle') statusText = 'No capture loaded yet.';
  else if (running)
    statusText = `${run.cancelling ? 'Stopping… ' : ''}Reading ${run.files[run.file]?.name ?? ''}${run.files.length > 1 ? ` (file ${run.file + 1} of ${run.files.length})` : ''}: ${bytesText(run.bytes)} of ${bytesText(run.totalBytes)} · ${rateText(run.bytes, elapsed)} · ${run.records} records`;
  else if (run.phase === 'error') statusText = 'The analysis failed (see below).';
  else
    statusText = `${run.summary?.cancelled ? 'Cancelled' : 'Done'}: ${run.files.map((f) => f.name).join(', ')} · ${bytesText(run.bytes)} in ${secondsText(elapsed)} (${rateText(run.bytes, elapsed)}) · ${run.records} records${
      run.firstRowMs !== null ? ` · first call after ${secondsText(run.firstRowMs)}` : ''
    }`;

  return (
    <div className="status-bar">
      <p
        data-testid="status"
        data-state={run.phase}
        data-run={doneRuns}
        data-first-row-ms={run.firstRowMs ?? ''}
        data-done-ms={run.doneMs ?? ''}
        data-elapsed-ms={run.summary ? Math.round(run.summary.elapsedMs) : ''}
        data-parse-ms={run.summary ? Math.round(run.summary.parseMs) : ''}
        role="status"
      >
        {statusText}
      </p>
      {running && (
        <>
          <div
            className="progress"
            data-testid="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(pct)}
          >
            <div className="bar" style={{ width: `${pct}%` }} />
          </div>
          <button type="button" data-testid="cancel" disabled={run.cancelling} onClick={onCancel}>
            Cancel
          </button>
        </>
      )}
      {extra}
    </div>
  );
}
