// A minimal page over the engine worker: pick or drop capture files, see the calls.
// (The full UI — virtualized list, ladder, details, downloads — comes later.)

import { StrictMode, useCallback, useRef, useState, type DragEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { analyzeFiles, type AnalyzeOptions, type AnalyzeResult, type Progress } from './engine-client.ts';
import './style.css';

declare global {
  interface Window {
    /** for tests and scripting: the same worker the page uses */
    sipscopeAnalyze(files: File[], opts?: AnalyzeOptions, onProgress?: (p: Progress) => void): Promise<AnalyzeResult>;
  }
}

window.sipscopeAnalyze = (files, opts, onProgress) => analyzeFiles(Array.from(files), opts, onProgress);

interface CallRow {
  callId: string;
  caller: string;
  callee: string;
  state: string;
}

const MAX_ROWS = 2000;

function rowsOf(jsonl: string): CallRow[] {
  const rows: CallRow[] = [];
  for (const line of jsonl.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    rows.push({
      callId: String(r.SIP_CALL_ID ?? ''),
      caller: String(r.SIP_CALLING_PARTY ?? ''),
      callee: String(r.SIP_CALLED_PARTY ?? ''),
      state: String(r.SIP_CALL_STATE ?? ''),
    });
  }
  return rows;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

type RunState = 'idle' | 'running' | 'done' | 'error';

function App() {
  const [state, setState] = useState<RunState>('idle');
  const [run, setRun] = useState(0);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [rows, setRows] = useState<CallRow[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [over, setOver] = useState(false);
  const current = useRef(0);

  const start = useCallback(async (list: FileList | File[] | null) => {
    const files = list ? Array.from(list) : [];
    if (files.length === 0) return;
    const id = ++current.current;
    setState('running');
    setProgress(null);
    setRows([]);
    setProblems([]);
    try {
      const res = await analyzeFiles(files, {}, (p) => {
        if (current.current === id) setProgress(p);
      });
      if (current.current !== id) return; // a newer run replaced this one
      setRows(rowsOf(res.jsonl));
      setProblems(
        res.fileStatus.flatMap((f) => {
          const out: string[] = [];
          if (f.readError) out.push(`${f.name}: ${f.readError}`);
          else if (f.message) out.push(`${f.name}: ${f.message} (at byte ${f.offset})`);
          if (f.warning) out.push(`${f.name}: warning: ${f.warning}`);
          return out;
        }),
      );
      setState('done');
    } catch (err) {
      if (current.current !== id) return;
      setProblems([err instanceof Error ? err.message : String(err)]);
      setState('error');
    } finally {
      if (current.current === id) setRun(id);
    }
  }, []);

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    void start(e.dataTransfer.files);
  };

  return (
    <main>
      <h1>sipscope</h1>
      <div
        className={over ? 'drop-zone over' : 'drop-zone'}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop pcap, pcapng or gzip captures here, or choose files:</p>
        <input type="file" multiple data-testid="file-input" onChange={(e) => void start(e.currentTarget.files)} />
        <p>Files are analysed in this browser; nothing is uploaded.</p>
      </div>

      <p data-testid="status" data-state={state} data-run={run}>
        {state === 'running'
          ? progress
            ? `reading file ${progress.file + 1}: ${mb(progress.bytes)}, ${progress.records} calls so far`
            : 'reading…'
          : state === 'error'
            ? 'analysis failed'
            : state === 'done'
              ? 'done'
              : 'no capture yet'}
      </p>
      {problems.map((p, i) => (
        <p key={i} className="error">
          {p}
        </p>
      ))}

      <p>
        <span data-testid="call-count">{rows.length}</span> calls
        {rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ''}
      </p>
      <table data-testid="call-list">
        <thead>
          <tr>
            <th>Call-ID</th>
            <th>Caller</th>
            <th>Callee</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, MAX_ROWS).map((r, i) => (
            <tr key={i}>
              <td>{r.callId}</td>
              <td>{r.caller}</td>
              <td>{r.callee}</td>
              <td>{r.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
