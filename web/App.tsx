// The page: load captures (drop anywhere, or choose files), watch them being read, browse the
// calls, open a call's ladder and details, read the run's statistics, download the outputs.

import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import {
  cancelRun,
  fetchCall,
  fetchDownload,
  startRun,
  type CallData,
  type CallRow,
  type DownloadKind,
  type RunOptions,
  type RunSummary,
} from './engine-client.ts';
import { CallList, sortRows, type Sort, type SortKey } from './CallList.tsx';
import { LadderView, type LadderPrefs } from './LadderView.tsx';
import { Details } from './Details.tsx';
import { RunStats, fileProblem } from './RunStats.tsx';
import { baseName, bytesText, rateText, saveBlob, secondsText } from './util.ts';

type Phase = 'idle' | 'running' | 'done' | 'error';
type Tab = 'ladder' | 'details' | 'stats';

interface RunView {
  phase: Phase;
  files: File[];
  totalBytes: number;
  bytes: number;
  file: number;
  records: number;
  startedAt: number;
  /** page-side: ms from the start to the first row shown, and to the end */
  firstRowMs: number | null;
  doneMs: number | null;
  summary: RunSummary | null;
  error: string | null;
  workerRunId: number | null;
  cancelling: boolean;
}

const IDLE: RunView = {
  phase: 'idle',
  files: [],
  totalBytes: 0,
  bytes: 0,
  file: 0,
  records: 0,
  startedAt: 0,
  firstRowMs: null,
  doneMs: null,
  summary: null,
  error: null,
  workerRunId: null,
  cancelling: false,
};

const STATES = ['CALL_COMPLETED', 'CALL_IN_PROGRESS', 'CALL_STARTED', 'CALL_CANCELED', 'CALL_ERROR', 'REGISTER', 'UNKNOWN'];
/** States of records that are not INVITE dialogs (with "all dialogs"). */
const NOT_CALLS = new Set(['REGISTER', 'UNKNOWN']);

const DOWNLOADS: { kind: DownloadKind; label: string; ext: string; tip: string }[] = [
  { kind: 'dump', label: 'Dump .sip', ext: 'sip', tip: 'nProbe-style dump file: the bytes of `sipscope read FILE --dump-file X.sip`' },
  { kind: 'ipfix', label: 'IPFIX', ext: 'ipfix', tip: 'RFC 5655 file: `sipscope read FILE --ipfix-file X.ipfix`' },
  { kind: 'v9', label: 'NetFlow v9', ext: 'v9', tip: '`sipscope read FILE --ipfix-file X.v9 --export-format v9`' },
  { kind: 'jsonl', label: 'JSONL', ext: 'jsonl', tip: '`sipscope read FILE --format jsonl`' },
  { kind: 'csv', label: 'CSV', ext: 'csv', tip: '`sipscope read FILE --format csv`' },
];

/** Lower-case text the filter searches: Call-ID, parties, user agents. */
const hayOf = (r: CallRow): string => `${r.callId}\n${r.from}\n${r.to}\n${r.uac}\n${r.uas}`.toLowerCase();

function optionFlags(o: RunOptions): string {
  const f: string[] = [];
  if (o.allDialogs) f.push('--all-dialogs');
  if (o.idleTimeout !== undefined) f.push(`--idle-timeout ${o.idleTimeout}`);
  if (o.establishedTimeout !== undefined) f.push(`--established-timeout ${o.establishedTimeout}`);
  if (o.timestampFormat !== undefined && o.timestampFormat !== 1) f.push(`--timestamp-format ${o.timestampFormat}`);
  return f.join(' ');
}

function sameOptions(a: RunOptions, b: RunOptions): boolean {
  return optionFlags(a) === optionFlags(b);
}

export function App() {
  const [run, setRun] = useState<RunView>(IDLE);
  const [doneRuns, setDoneRuns] = useState(0);
  const [options, setOptions] = useState<RunOptions>({});
  const [usedOptions, setUsedOptions] = useState<RunOptions>({});
  const rowsRef = useRef<CallRow[]>([]);
  const nonCalls = useRef(0);
  const hays = useRef<string[]>([]);
  const [rowsVersion, setRowsVersion] = useState(0);
  const lastBump = useRef(0);
  const bumpTimer = useRef<number | null>(null);
  const seq = useRef(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [callData, setCallData] = useState<{ runId: number; i: number; data: CallData | null; error: string | null } | null>(null);
  const [tab, setTab] = useState<Tab>('ladder');
  const [focusLadder, setFocusLadder] = useState(0);
  // the ladder's drawing options outlive each call's view (it is remounted on every call switch)
  const [ladderPrefs, setLadderPrefs] = useState<LadderPrefs>({ merge: false, time: 'absolute' });
  const [sort, setSort] = useState<Sort>({ key: 'start', dir: 1 });
  const [query, setQuery] = useState('');
  const [stateFilter, setStateFilter] = useState('');
  const [over, setOver] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [now, setNow] = useState(0);

  /** New rows: redraw the list at most ~5 times a second while reading. */
  const bumpRows = useCallback((force: boolean) => {
    const t = performance.now();
    if (bumpTimer.current !== null) {
      if (!force) return;
      clearTimeout(bumpTimer.current);
      bumpTimer.current = null;
    }
    if (force || t - lastBump.current >= 200) {
      lastBump.current = t;
      setRowsVersion((v) => v + 1);
    } else {
      bumpTimer.current = window.setTimeout(() => {
        bumpTimer.current = null;
        lastBump.current = performance.now();
        setRowsVersion((v) => v + 1);
      }, 200 - (t - lastBump.current));
    }
  }, []);

  const start = useCallback(
    async (list: FileList | File[] | null | undefined, opts: RunOptions) => {
      const files = list ? Array.from(list) : [];
      if (files.length === 0) return;
      const id = ++seq.current;
      rowsRef.current = [];
      nonCalls.current = 0;
      hays.current = [];
      setSelected(null);
      setCallData(null);
      setDownloadError(null);
      setUsedOptions(opts);
      const startedAt = performance.now();
      setRun({ ...IDLE, phase: 'running', files, totalBytes: files.reduce((n, f) => n + f.size, 0), startedAt });
      bumpRows(true);
      const addRows = (rows: CallRow[]) => {
        for (const r of rows) {
          rowsRef.current.push(r);
          if (NOT_CALLS.has(r.state)) nonCalls.current++;
        }
      };
      try {
        const summary = await startRun(files, opts, (u) => {
          if (seq.current !== id) return;
          if (u.rows.length) {
            addRows(u.rows);
            bumpRows(false);
          }
          setRun((r) => ({
            ...r,
            bytes: u.bytes,
            file: u.file,
            records: u.records,
            workerRunId: u.runId,
            firstRowMs: r.firstRowMs ?? (u.rows.length ? performance.now() - r.startedAt : null),
          }));
        });
        if (seq.current !== id) return;
        addRows(summary.rows);
        const total = summary.files.reduce((n, f) => n + f.bytesRead, 0);
        setRun((r) => ({
          ...r,
          phase: 'done',
          summary,
          bytes: total,
          records: summary.records,
          workerRunId: summary.runId,
          error: summary.error,
          cancelling: false,
          firstRowMs: r.firstRowMs ?? (summary.records ? performance.now() - r.startedAt : null),
          doneMs: performance.now() - r.startedAt,
        }));
        bumpRows(true);
      } catch (err) {
        if (seq.current !== id) return;
        setRun((r) => ({ ...r, phase: 'error', error: err instanceof Error ? err.message : String(err), cancelling: false }));
        bumpRows(true);
      } finally {
        if (seq.current === id) setDoneRuns(id);
      }
    },
    [bumpRows],
  );

  // the elapsed time and rate move on while reading
  useEffect(() => {
    if (run.phase !== 'running') return;
    const t = window.setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(t);
  }, [run.phase]);

  // the selected call's record and ladder, from the worker
  useEffect(() => {
    if (selected === null || run.workerRunId === null) return;
    const runId = run.workerRunId;
    if (callData && callData.runId === runId && callData.i === selected && (callData.data || callData.error)) return;
    let live = true;
    const t = window.setTimeout(() => {
      fetchCall(runId, selected).then(
        (data) => live && setCallData({ runId, i: selected, data, error: null }),
        (err) => live && setCallData({ runId, i: selected, data: null, error: err instanceof Error ? err.message : String(err) }),
      );
    }, 40);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [selected, run.workerRunId]);

  const view = useMemo(() => {
    const all = rowsRef.current;
    const q = query.trim().toLowerCase();
    let v: CallRow[] = all;
    if (stateFilter) v = v.filter((r) => r.state === stateFilter);
    if (q) {
      const h = hays.current;
      v = v.filter((r) => (h[r.i] ??= hayOf(r)).includes(q));
    }
    if (v === all) v = all.slice();
    return sortRows(v, sort);
  }, [rowsVersion, sort, query, stateFilter]);

  const onSort = useCallback((key: SortKey) => setSort((s) => (s.key === key ? { key, dir: s.dir === 1 ? -1 : 1 } : { key, dir: 1 })), []);
  const onOpen = useCallback((i: number) => {
    setSelected(i);
    setTab('ladder');
    setFocusLadder((n) => n + 1);
  }, []);

  const download = async (kind: DownloadKind, ext: string) => {
    if (run.workerRunId === null) return;
    setDownloadError(null);
    try {
      const blob = await fetchDownload(run.workerRunId, kind);
      saveBlob(blob, `${baseName(run.files)}.${ext}`);
    } catch (err) {
      setDownloadError(`download failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const onDragOver = (e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    if (!over) setOver(true);
  };
  const onDragLeave = (e: DragEvent) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void start(e.dataTransfer.files, options);
  };

  // the count of the rows the list shows (rows arriving between redraws are counted at the next one)
  const [total, calls] = useMemo(() => [rowsRef.current.length, rowsRef.current.length - nonCalls.current], [rowsVersion]);
  const selectedRow = selected !== null ? rowsRef.current[selected] ?? null : null;
  const running = run.phase === 'running';
  const finished = run.phase === 'done' && run.summary !== null;
  const problems: string[] = [];
  if (run.error) problems.push(run.phase === 'error' ? `The analysis failed: ${run.error}` : `The analysis stopped early: ${run.error}`);
  for (const f of run.summary?.files ?? []) {
    const p = fileProblem(f);
    if (p) problems.push(`${f.name}: ${p}${f.error === 1 || f.error === 5 ? ' — nothing was read from this file.' : ''}`);
    if (f.warning) problems.push(`${f.name}: warning: ${f.warning}`);
  }
  if (downloadError) problems.push(downloadError);
  const elapsed = running ? Math.max(0, now - run.startedAt) : (run.doneMs ?? run.summary?.elapsedMs ?? 0);
  const pct = run.totalBytes > 0 ? Math.min(100, (100 * run.bytes) / run.totalBytes) : running ? 0 : 100;
  // one file input for the page (the buttons are labels for it), so it keeps its files across views
  const fileInput = (
    <input
      id="file-input"
      className="file-input"
      type="file"
      multiple
      data-testid="file-input"
      aria-label="Choose capture files"
      onChange={(e) => {
        void start(e.currentTarget.files, options);
        e.currentTarget.value = ''; // choosing the same file again reads it again
      }}
    />
  );

  let statusText: ReactNode;
  if (run.phase === 'idle') statusText = 'No capture loaded yet.';
  else if (running)
    statusText = `${run.cancelling ? 'Stopping… ' : ''}Reading ${run.files[run.file]?.name ?? ''}${run.files.length > 1 ? ` (file ${run.file + 1} of ${run.files.length})` : ''}: ${bytesText(run.bytes)} of ${bytesText(run.totalBytes)} · ${rateText(run.bytes, elapsed)} · ${run.records} records`;
  else if (run.phase === 'error') statusText = 'The analysis failed (see below).';
  else
    statusText = `${run.summary?.cancelled ? 'Cancelled' : 'Done'}: ${run.files.map((f) => f.name).join(', ')} · ${bytesText(run.bytes)} in ${secondsText(elapsed)} (${rateText(run.bytes, elapsed)}) · ${run.records} records${
      run.firstRowMs !== null ? ` · first call after ${secondsText(run.firstRowMs)}` : ''
    }`;

  const dropZone =
    run.phase === 'idle' ? (
      <div className={over ? 'landing drop-zone over' : 'landing drop-zone'} data-testid="drop-zone">
        <h2>Drop packet captures here</h2>
        <p>pcap, pcapng or gzip — several files are read as one capture, in the order given.</p>
        <label className="button primary" htmlFor="file-input">
          Choose files…
        </label>
        <p className="note">Nothing is uploaded: the files are read by this page, in your browser, and nothing leaves this machine.</p>
      </div>
    ) : (
      <div className={over ? 'drop-strip drop-zone over' : 'drop-strip drop-zone'} data-testid="drop-zone">
        <span>Drop captures here or</span>
        <label className="button" htmlFor="file-input">
          Choose files…
        </label>
      </div>
    );

  return (
    <div className={over ? 'app dragging' : 'app'} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      {fileInput}
      <header className="top">
        <h1>
          sipscope <small>SIP calls from packet captures</small>
        </h1>
        {run.phase !== 'idle' && dropZone}
        <details className="options" data-testid="options">
          <summary>Options</summary>
          <div className="options-body">
            <label>
              <input
                type="checkbox"
                data-testid="opt-all-dialogs"
                checked={options.allDialogs === true}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  setOptions((o) => ({ ...o, allDialogs: on || undefined }));
                }}
              />{' '}
              all dialogs (REGISTER, OPTIONS… as records)
            </label>
            <SecondsOption
              label="idle timeout"
              placeholder={300}
              testId="opt-idle-timeout"
              value={options.idleTimeout}
              onChange={(n) => setOptions((o) => ({ ...o, idleTimeout: n }))}
            />
            <SecondsOption
              label="established timeout"
              placeholder={7200}
              testId="opt-established-timeout"
              value={options.establishedTimeout}
              onChange={(n) => setOptions((o) => ({ ...o, establishedTimeout: n }))}
            />
            <label>
              dump/CSV times{' '}
              <select
                data-testid="opt-timestamp-format"
                value={options.timestampFormat ?? 1}
                onChange={(e) => {
                  const v = Number(e.currentTarget.value) as 0 | 1 | 2;
                  setOptions((o) => ({ ...o, timestampFormat: v === 1 ? undefined : v }));
                }}
              >
                <option value={1}>epoch with fraction</option>
                <option value={0}>epoch seconds</option>
                <option value={2}>ISO 8601 UTC</option>
              </select>
            </label>
            <p className="note">
              CLI equivalent: <code>sipscope read FILE {optionFlags(options)}</code>
            </p>
            {run.files.length > 0 && !running && !sameOptions(options, usedOptions) && (
              <button type="button" className="primary" data-testid="reanalyze" onClick={() => void start(run.files, options)}>
                Analyse again with these options
              </button>
            )}
          </div>
        </details>
        <nav className="downloads" aria-label="Downloads">
          {DOWNLOADS.map((d) => (
            <button
              key={d.kind}
              type="button"
              title={d.tip}
              disabled={!finished}
              data-testid={`download-${d.kind}`}
              onClick={() => void download(d.kind, d.ext)}
            >
              ⤓ {d.label}
            </button>
          ))}
        </nav>
      </header>

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
            <div className="progress" data-testid="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
              <div className="bar" style={{ width: `${pct}%` }} />
            </div>
            <button
              type="button"
              data-testid="cancel"
              disabled={run.cancelling}
              onClick={() => {
                setRun((r) => ({ ...r, cancelling: true }));
                void cancelRun();
              }}
            >
              Cancel
            </button>
          </>
        )}
      </div>
      {problems.length > 0 && (
        <ul className="problems" data-testid="problems" role="alert">
          {problems.map((p, k) => (
            <li key={k} className="error">
              {p}
            </li>
          ))}
        </ul>
      )}

      {run.phase === 'idle' ? (
        dropZone
      ) : (
        <main className="panes">
          <section className="list-pane">
            <div className="list-tools">
              <input
                type="search"
                placeholder="Filter: Call-ID, from, to, user agent"
                value={query}
                onChange={(e) => setQuery(e.currentTarget.value)}
                data-testid="filter"
                aria-label="Filter calls"
              />
              <select value={stateFilter} onChange={(e) => setStateFilter(e.currentTarget.value)} data-testid="state-filter" aria-label="State">
                <option value="">all states</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
              <span className="count">
                <b data-testid="call-count">{total}</b> {calls === total ? (total === 1 ? 'call' : 'calls') : `records (${calls} ${calls === 1 ? 'call' : 'calls'})`}
                {view.length !== total ? (
                  <>
                    , <span data-testid="shown-count">{view.length}</span> shown
                  </>
                ) : null}
              </span>
            </div>
            <CallList
              rows={view}
              total={total}
              selected={selected}
              onSelect={setSelected}
              onOpen={onOpen}
              sort={sort}
              onSort={onSort}
              empty={
                running
                  ? 'Calls appear here as they end…'
                  : total === 0
                    ? run.phase === 'error'
                      ? 'No calls: the analysis failed.'
                      : 'No calls in this capture. See “Run statistics” for what was read and what was not decoded.'
                    : 'No call matches the filter.'
              }
            />
          </section>
          <section className="detail-pane">
            <div className="tabs" role="tablist">
              {(
                [
                  ['ladder', 'Ladder'],
                  ['details', 'Call details'],
                  ['stats', 'Run statistics'],
                ] as [Tab, string][]
              ).map(([t, label]) => (
                <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} data-testid={`tab-${t}`} onClick={() => setTab(t)}>
                  {label}
                </button>
              ))}
              {selectedRow && tab !== 'stats' && (
                <span className="tab-title" title={selectedRow.callId}>
                  #{selectedRow.i + 1} {selectedRow.callId}
                </span>
              )}
            </div>
            <div className="tab-body">
              {tab === 'stats' ? (
                run.summary ? (
                  <RunStats summary={run.summary} sizes={run.files.map((f) => f.size)} />
                ) : (
                  <p className="note">{running ? 'The statistics are shown when the input is read.' : 'No statistics: the analysis did not finish.'}</p>
                )
              ) : selectedRow === null ? (
                <p className="note">Select a call (click, or ↑ ↓ in the list; Enter opens its ladder).</p>
              ) : callData === null || callData.i !== selectedRow.i || (!callData.data && !callData.error) ? (
                <p className="note">Loading call…</p>
              ) : callData.error || !callData.data ? (
                <p className="error">{callData.error}</p>
              ) : tab === 'ladder' ? (
                <LadderView row={selectedRow} data={callData.data} focusToken={focusLadder} prefs={ladderPrefs} onPrefs={setLadderPrefs} />
              ) : (
                <Details row={selectedRow} data={callData.data} />
              )}
            </div>
          </section>
        </main>
      )}
    </div>
  );
}

/** A timeout option in seconds; empty means the default (shown as the placeholder). */
function SecondsOption(props: { label: string; placeholder: number; testId: string; value: number | undefined; onChange: (n: number | undefined) => void }) {
  return (
    <label>
      {props.label}{' '}
      <input
        type="number"
        min={1}
        placeholder={String(props.placeholder)}
        data-testid={props.testId}
        value={props.value ?? ''}
        onChange={(e) => {
          const v = e.currentTarget.value;
          const n = Number(v);
          props.onChange(v !== '' && n >= 1 ? n : undefined);
        }}
      />{' '}
      s
    </label>
  );
}
