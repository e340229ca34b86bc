// What the user can do, as functions the views call: read files (a new run replaces the one
// shown), cancel, download an output, fetch a call, and the plain state changes. Everything that
// talks to the worker is here, not in the views; results go into the reducer (page-state.ts).

import type { Dispatch } from 'react';
import { cancelRun, fetchCall, fetchDownload, fetchExtract, fetchLegs, startRun, traceCall } from '../engine-client.ts';
import type { DownloadKind, RunOptions } from '../worker-protocol.ts';
import { baseName, safeName, saveBlob } from '../save-file.ts';
import type { SortKey } from './call-sort.ts';
import type { TimeZone } from '../format.ts';
import type { RowBuffer } from './call-rows.ts';
import type { Action, LadderPrefs, PacketScope, PageState, Tab } from './page-state.ts';

export interface PageActions {
  /** Read files as one capture with these options; nothing happens for an empty list. */
  start(files: FileList | File[] | null | undefined, options: RunOptions): Promise<void>;
  cancel(): void;
  /** Save one of the run's outputs as `<capture name>.<ext>`. */
  download(kind: DownloadKind, ext: string): Promise<void>;
  /** Save the frames of these records' calls as `<capture name>-<name>.pcapng`. */
  downloadPackets(scope: PacketScope, indices: readonly number[], name: string): Promise<void>;
  /** Fetch a call's record and ladder (after a short pause, so ↑ ↓ through the list stays light); returns a canceller. */
  loadCall(runId: number, i: number): () => void;
  /** Fetch the legs of one call (record numbers, earliest first) for the whole-call ladder; returns a canceller. */
  loadLegs(runId: number, indices: number[]): () => void;
  /** Plot a call's RTP streams over time (the worker reads the capture again); a new plot replaces the one before. */
  plotMedia(runId: number, i: number): Promise<void>;
  select(i: number): void;
  open(i: number): void;
  setTab(tab: Tab): void;
  sortBy(key: SortKey): void;
  setQuery(query: string): void;
  setStateFilter(state: string): void;
  setVerdictFilter(verdict: string): void;
  /** Show the legs of one call as one row, or every leg as a row of its own. */
  setGrouped(grouped: boolean): void;
  /** Show a group's legs under its row, or hide them (`open` omitted: the other way). */
  expand(group: string, open?: boolean): void;
  /** List only the legs of one call (a callGroup), or every call again (null). */
  setGroupFilter(group: string | null): void;
  setOptions(patch: Partial<RunOptions>): void;
  setLadderPrefs(prefs: LadderPrefs): void;
  /** Packets are downloaded anonymised (or as captured). */
  setAnonymize(on: boolean): void;
  /** On a narrow screen, back from the call to the list. */
  showList(): void;
  /** Show or hide a column of the list (remembered in the browser). */
  showColumn(key: SortKey, shown: boolean): void;
  /** Show times in UTC or in the browser's zone (remembered in the browser). */
  setZone(zone: TimeZone): void;
}

const COLUMNS_KEY = 'sipscope.hiddenColumns';

/** The columns hidden in this browser before (none when storage is refused). */
export function savedHiddenColumns(): Set<SortKey> {
  try {
    const v = JSON.parse(window.localStorage.getItem(COLUMNS_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? (v.filter((k) => typeof k === 'string') as SortKey[]) : []);
  } catch {
    return new Set();
  }
}

function saveHiddenColumns(hidden: ReadonlySet<SortKey>): void {
  remember(COLUMNS_KEY, JSON.stringify([...hidden]));
}

const ZONE_KEY = 'sipscope.timeZone';

/** The time zone chosen in this browser before (UTC when none). */
export function savedZone(): TimeZone {
  try {
    return window.localStorage.getItem(ZONE_KEY) === 'local' ? 'local' : 'utc';
  } catch {
    return 'utc';
  }
}

function remember(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // not remembered, still applied
  }
}

const ROW_REDRAW_MS = 200; // the list redraws at most ~5 times a second while reading
const CALL_FETCH_DELAY_MS = 40;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function createPageActions(dispatch: Dispatch<Action>, rows: RowBuffer, latest: () => PageState): PageActions {
  let seq = 0; // the page's run number: updates of a replaced run are dropped
  let plotSeq = 0; // the page's plot number: news of a replaced plot are dropped
  let lastBump = 0;
  let bumpTimer: number | null = null;

  /** New rows: redraw now (`force`), or at most every ROW_REDRAW_MS. */
  const bumpRows = (force: boolean): void => {
    const t = performance.now();
    if (bumpTimer !== null) {
      if (!force) return;
      clearTimeout(bumpTimer);
      bumpTimer = null;
    }
    if (force || t - lastBump >= ROW_REDRAW_MS) {
      lastBump = t;
      dispatch({ type: 'rows-changed' });
    } else {
      bumpTimer = window.setTimeout(
        () => {
          bumpTimer = null;
          lastBump = performance.now();
          dispatch({ type: 'rows-changed' });
        },
        ROW_REDRAW_MS - (t - lastBump),
      );
    }
  };

  return {
    async start(list, options) {
      const files = list ? Array.from(list) : [];
      if (files.length === 0) return;
      const id = ++seq;
      rows.clear();
      dispatch({ type: 'run-started', files, options, startedAt: performance.now() });
      bumpRows(true);
      try {
        const summary = await startRun(files, options, (u) => {
          if (seq !== id) return;
          if (u.rows.length) {
            rows.addSent(u.rows);
            bumpRows(false);
          }
          dispatch({ type: 'run-progress', update: u, hasRows: u.rows.length > 0, at: performance.now() });
        });
        if (seq !== id) return;
        rows.addSent(summary.rows);
        dispatch({ type: 'run-done', summary, at: performance.now() });
        bumpRows(true);
      } catch (err) {
        if (seq !== id) return;
        dispatch({ type: 'run-failed', error: message(err) });
        bumpRows(true);
      } finally {
        if (seq === id) dispatch({ type: 'run-ended', run: id });
      }
    },

    cancel() {
      dispatch({ type: 'cancel-requested' });
      void cancelRun();
    },

    async download(kind, ext) {
      const { workerRunId, files } = latest().run;
      if (workerRunId === null) return;
      dispatch({ type: 'download-error', error: null });
      dispatch({ type: 'preparing', kind });
      try {
        const blob = await fetchDownload(workerRunId, kind);
        saveBlob(blob, `${baseName(files)}.${ext}`);
      } catch (err) {
        dispatch({ type: 'download-error', error: `download failed: ${message(err)}` });
      } finally {
        dispatch({ type: 'preparing', kind: null });
      }
    },

    async downloadPackets(scope, indices, name) {
      const { workerRunId, files } = latest().run;
      if (workerRunId === null || indices.length === 0) return;
      dispatch({ type: 'download-error', error: null });
      dispatch({ type: 'preparing', kind: `packets-${scope}` });
      try {
        const anonymize = latest().anonymize;
        const blob = await fetchExtract(workerRunId, [...indices], anonymize);
        saveBlob(blob, `${baseName(files)}-${safeName(name)}${anonymize ? '-anon' : ''}.pcapng`);
      } catch (err) {
        dispatch({ type: 'download-error', error: `download failed: ${message(err)}` });
      } finally {
        dispatch({ type: 'preparing', kind: null });
      }
    },

    loadCall(runId, i) {
      let live = true;
      const t = window.setTimeout(() => {
        fetchCall(runId, i).then(
          (data) => live && dispatch({ type: 'call-loaded', call: { runId, i, data, error: null } }),
          (err) => live && dispatch({ type: 'call-loaded', call: { runId, i, data: null, error: message(err) } }),
        );
      }, CALL_FETCH_DELAY_MS);
      return () => {
        live = false;
        clearTimeout(t);
      };
    },

    loadLegs(runId, indices) {
      let live = true;
      const t = window.setTimeout(() => {
        const base = { runId, indices };
        fetchLegs(runId, indices).then(
          (data) => live && dispatch({ type: 'legs-loaded', legs: { ...base, data, error: null } }),
          (err) => live && dispatch({ type: 'legs-loaded', legs: { ...base, data: null, error: message(err) } }),
        );
      }, CALL_FETCH_DELAY_MS);
      return () => {
        live = false;
        clearTimeout(t);
      };
    },

    async plotMedia(runId, i) {
      const id = ++plotSeq;
      const base = { runId, i, trace: null, progress: null, error: null };
      dispatch({ type: 'plot', plot: base });
      try {
        const trace = await traceCall(runId, i, (progress) => {
          if (plotSeq === id) dispatch({ type: 'plot', plot: { ...base, progress } });
        });
        if (plotSeq === id) dispatch({ type: 'plot', plot: { ...base, trace } });
      } catch (err) {
        if (plotSeq === id) dispatch({ type: 'plot', plot: { ...base, error: message(err) } });
      }
    },

    select: (i) => dispatch({ type: 'select', i }),
    open: (i) => dispatch({ type: 'open', i }),
    setTab: (tab) => dispatch({ type: 'tab', tab }),
    sortBy: (key) => dispatch({ type: 'sort', key }),
    setQuery: (query) => dispatch({ type: 'query', query }),
    setStateFilter: (state) => dispatch({ type: 'state-filter', state }),
    setVerdictFilter: (verdict) => dispatch({ type: 'verdict-filter', verdict }),
    setGrouped: (grouped) => dispatch({ type: 'grouped', grouped }),
    expand: (group, open) => dispatch({ type: 'expand', group, open }),
    setGroupFilter: (group) => dispatch({ type: 'group-filter', group }),
    setOptions: (patch) => dispatch({ type: 'options', patch }),
    setLadderPrefs: (prefs) => dispatch({ type: 'ladder-prefs', prefs }),
    setAnonymize: (on) => dispatch({ type: 'anonymize', on }),
    showList: () => dispatch({ type: 'show-list' }),
    setZone(zone) {
      remember(ZONE_KEY, zone);
      dispatch({ type: 'zone', zone });
    },
    showColumn(key, shown) {
      const hidden = new Set(latest().hiddenColumns);
      if (shown) hidden.delete(key);
      else hidden.add(key);
      saveHiddenColumns(hidden);
      dispatch({ type: 'columns', hidden });
    },
  };
}
