// The page's state as one reducer with typed actions: the run being shown, the options being
// edited, the selection, the tab, the list's sort, filters and grouping of legs, the ladder's
// drawing options.
// Pure (times come in the actions): React may call it twice. The rows themselves are not here:
// they live in a RowBuffer (call-rows.ts), and `rowsVersion` says when the list must redraw.

import type { TimeMode } from '../../shared/output/ladder.ts';
import type { CallData, DownloadKind, LegsData, MediaTrace, RunOptions, RunSummary, RunUpdate, TraceProgress } from '../worker-protocol.ts';
import type { Sort, SortKey } from './call-sort.ts';
import type { TimeZone } from '../format.ts';

/** Whose frames a pcapng download holds: the selected call, the legs of its call, the listed calls. */
export type PacketScope = 'call' | 'group' | 'list';

export type Phase = 'idle' | 'running' | 'done' | 'error';
export type Tab = 'ladder' | 'media' | 'details' | 'kpis' | 'stats';

/** The run the page shows, as the page sees it. */
export interface RunView {
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

/** The selected call's record and ladder as fetched from the worker (or why not). */
export interface CallView {
  runId: number;
  i: number;
  data: CallData | null;
  error: string | null;
}

/** The legs of the selected call's group on one ladder, as fetched from the worker (or why not). */
export interface LegsView {
  runId: number;
  /** record numbers of the legs, earliest first */
  indices: number[];
  data: LegsData | null;
  error: string | null;
}

/** The plot of a call's streams over time (Media tab): being read, read, or why not. */
export interface PlotView {
  runId: number;
  i: number;
  trace: MediaTrace | null;
  progress: TraceProgress | null;
  error: string | null;
}

/** How the user likes the ladder drawn; kept across calls (the ladder view is remounted on each). */
export interface LadderPrefs {
  merge: boolean;
  time: TimeMode;
  /** the call's RTP streams drawn as bands */
  rtp: boolean;
  /** every leg of the selected leg's call on one ladder (when it has more than one) */
  whole: boolean;
}

export interface PageState {
  run: RunView;
  /** number of the last run that ended (tests wait on it through the status line) */
  doneRuns: number;
  /** the options being edited, and those of the run shown */
  options: RunOptions;
  usedOptions: RunOptions;
  /** bumped when the list must redraw from the row buffer */
  rowsVersion: number;
  selected: number | null;
  callData: CallView | null;
  /** the legs of the selected call's group, for the whole-call ladder */
  legsView: LegsView | null;
  tab: Tab;
  /** bumped to move the keyboard focus into the ladder (Enter or double-click on a row) */
  focusLadder: number;
  ladderPrefs: LadderPrefs;
  /** packet downloads are anonymised (SPEC §10) */
  anonymize: boolean;
  /** a narrow screen shows the call (its tabs) instead of the list */
  showCall: boolean;
  /** the list's columns the user hid (kept in the browser) */
  hiddenColumns: ReadonlySet<SortKey>;
  /** where times are shown: UTC, or the browser's time zone (kept in the browser) */
  zone: TimeZone;
  /** the last plot asked for (one call's at a time) */
  plot: PlotView | null;
  sort: Sort;
  query: string;
  stateFilter: string;
  /** '' every call, 'none' calls without media verdicts, 'any' calls with one, or a verdict's name */
  verdictFilter: string;
  /** legs of one call (SPEC §9) shown as one row */
  grouped: boolean;
  /** the groups shown open (their legs under their row) */
  expanded: ReadonlySet<string>;
  /** only the legs of this callGroup are listed (null: every call) */
  groupFilter: string | null;
  downloadError: string | null;
  /** the download being built (read again from the files) */
  /** a download being built: an output, or calls' frames (PacketScope) */
  preparing: DownloadKind | `packets-${PacketScope}` | null;
}

export const IDLE_RUN: RunView = {
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

export const INITIAL_STATE: PageState = {
  run: IDLE_RUN,
  doneRuns: 0,
  options: {},
  usedOptions: {},
  rowsVersion: 0,
  selected: null,
  callData: null,
  legsView: null,
  tab: 'ladder',
  focusLadder: 0,
  ladderPrefs: { merge: false, time: 'absolute', rtp: true, whole: false },
  anonymize: false,
  showCall: false,
  hiddenColumns: new Set(),
  zone: 'utc',
  plot: null,
  sort: { key: 'start', dir: 1 },
  query: '',
  stateFilter: '',
  verdictFilter: '',
  grouped: false,
  expanded: new Set(),
  groupFilter: null,
  downloadError: null,
  preparing: null,
};

export type Action =
  | { type: 'run-started'; files: File[]; options: RunOptions; startedAt: number }
  /** `at`: performance.now() when the update arrived */
  | { type: 'run-progress'; update: Omit<RunUpdate, 'rows'>; hasRows: boolean; at: number }
  | { type: 'run-done'; summary: RunSummary; at: number }
  | { type: 'run-failed'; error: string }
  | { type: 'run-ended'; run: number }
  | { type: 'cancel-requested' }
  | { type: 'rows-changed' }
  | { type: 'select'; i: number | null }
  /** select a call and show its ladder, with the keyboard focus in it */
  | { type: 'open'; i: number }
  | { type: 'call-loaded'; call: CallView }
  | { type: 'legs-loaded'; legs: LegsView }
  | { type: 'tab'; tab: Tab }
  /** the same column again reverses the order */
  | { type: 'sort'; key: SortKey }
  | { type: 'query'; query: string }
  | { type: 'state-filter'; state: string }
  | { type: 'verdict-filter'; verdict: string }
  | { type: 'grouped'; grouped: boolean }
  /** show a group's legs under its row, or not (`open` omitted: the other way) */
  | { type: 'expand'; group: string; open?: boolean }
  | { type: 'group-filter'; group: string | null }
  | { type: 'options'; patch: Partial<RunOptions> }
  | { type: 'ladder-prefs'; prefs: LadderPrefs }
  | { type: 'anonymize'; on: boolean }
  | { type: 'show-list' }
  | { type: 'columns'; hidden: ReadonlySet<SortKey> }
  | { type: 'zone'; zone: TimeZone }
  /** a plot started, moved on, ended or failed (only the latest plot's news are taken) */
  | { type: 'plot'; plot: PlotView }
  | { type: 'download-error'; error: string | null }
  | { type: 'preparing'; kind: PageState['preparing'] };

export function pageReducer(s: PageState, a: Action): PageState {
  switch (a.type) {
    case 'run-started':
      return {
        ...s,
        selected: null,
        callData: null,
        legsView: null,
        expanded: new Set(),
        groupFilter: null,
        plot: null,
        downloadError: null,
        usedOptions: a.options,
        run: { ...IDLE_RUN, phase: 'running', files: a.files, totalBytes: a.files.reduce((n, f) => n + f.size, 0), startedAt: a.startedAt },
      };
    case 'run-progress': {
      const r = s.run;
      const u = a.update;
      return {
        ...s,
        run: {
          ...r,
          bytes: u.bytes,
          file: u.file,
          records: u.records,
          workerRunId: u.runId,
          firstRowMs: r.firstRowMs ?? (a.hasRows ? a.at - r.startedAt : null),
        },
      };
    }
    case 'run-done': {
      const r = s.run;
      const sum = a.summary;
      return {
        ...s,
        run: {
          ...r,
          phase: 'done',
          summary: sum,
          bytes: sum.files.reduce((n, f) => n + f.bytesRead, 0),
          records: sum.records,
          workerRunId: sum.runId,
          error: sum.error,
          cancelling: false,
          firstRowMs: r.firstRowMs ?? (sum.records ? a.at - r.startedAt : null),
          doneMs: a.at - r.startedAt,
        },
      };
    }
    case 'run-failed':
      return { ...s, run: { ...s.run, phase: 'error', error: a.error, cancelling: false } };
    case 'run-ended':
      return { ...s, doneRuns: a.run };
    case 'cancel-requested':
      return { ...s, run: { ...s.run, cancelling: true } };
    case 'rows-changed':
      return { ...s, rowsVersion: s.rowsVersion + 1 };
    case 'select':
      return a.i === s.selected && s.showCall === (a.i !== null) ? s : { ...s, selected: a.i, showCall: a.i !== null };
    case 'open':
      return { ...s, selected: a.i, tab: 'ladder', focusLadder: s.focusLadder + 1, showCall: true };
    case 'show-list':
      return { ...s, showCall: false };
    case 'columns':
      return { ...s, hiddenColumns: a.hidden };
    case 'zone':
      return { ...s, zone: a.zone };
    case 'call-loaded':
      return { ...s, callData: a.call };
    case 'legs-loaded':
      return { ...s, legsView: a.legs };
    case 'tab':
      return a.tab === s.tab ? s : { ...s, tab: a.tab };
    case 'sort':
      return { ...s, sort: s.sort.key === a.key ? { key: a.key, dir: s.sort.dir === 1 ? -1 : 1 } : { key: a.key, dir: 1 } };
    case 'query':
      return { ...s, query: a.query };
    case 'state-filter':
      return { ...s, stateFilter: a.state };
    case 'verdict-filter':
      return { ...s, verdictFilter: a.verdict };
    case 'grouped':
      return a.grouped === s.grouped ? s : { ...s, grouped: a.grouped };
    case 'expand': {
      const open = a.open ?? !s.expanded.has(a.group);
      if (open === s.expanded.has(a.group)) return s;
      const expanded = new Set(s.expanded);
      if (open) expanded.add(a.group);
      else expanded.delete(a.group);
      return { ...s, expanded };
    }
    case 'group-filter':
      return a.group === s.groupFilter ? s : { ...s, groupFilter: a.group };
    case 'options':
      return { ...s, options: { ...s.options, ...a.patch } };
    case 'ladder-prefs':
      return { ...s, ladderPrefs: a.prefs };
    case 'anonymize':
      return { ...s, anonymize: a.on };
    case 'plot':
      return { ...s, plot: a.plot };
    case 'download-error':
      return { ...s, downloadError: a.error };
    case 'preparing':
      return { ...s, preparing: a.kind };
  }
}
