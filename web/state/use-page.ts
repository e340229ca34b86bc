// The page's store as one React hook: the reducer, the row buffer, the actions, the fetch of the
// selected call, and what the list shows (filtered and sorted, recomputed only when it changes).

import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CallRow } from '../worker-protocol.ts';
import { RowBuffer } from './call-rows.ts';
import { createPageActions, type PageActions } from './page-actions.ts';
import { INITIAL_STATE, pageReducer, type PageState } from './page-state.ts';

export interface Page {
  state: PageState;
  actions: PageActions;
  /** the rows the list shows, in order */
  view: CallRow[];
  /** records and, of them, calls, as of the last redraw (rows arriving between redraws are counted at the next) */
  total: number;
  calls: number;
  selectedRow: CallRow | null;
}

export function usePage(): Page {
  const [state, dispatch] = useReducer(pageReducer, INITIAL_STATE);
  const [rows] = useState(() => new RowBuffer());
  const latest = useRef(state);
  useLayoutEffect(() => {
    latest.current = state;
  });
  // one set of actions for the page's life (dispatch is stable), so the views' callbacks are too
  const actions = useMemo(() => createPageActions(dispatch, rows, () => latest.current), [rows]);

  const { selected, sort, query, stateFilter, verdictFilter, rowsVersion } = state;
  const runId = state.run.workerRunId;

  // the selected call's record and ladder, from the worker (not again once loaded)
  useEffect(() => {
    if (selected === null || runId === null) return;
    const c = latest.current.callData;
    if (c && c.runId === runId && c.i === selected && (c.data || c.error)) return;
    return actions.loadCall(runId, selected);
  }, [selected, runId, actions]);

  // the buffer changes in place: rowsVersion is what says it changed
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsVersion stands for the buffer's contents
  const view = useMemo(
    () => rows.view(query, stateFilter, verdictFilter, sort),
    [rows, rowsVersion, sort, query, stateFilter, verdictFilter],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsVersion stands for the buffer's contents
  const [total, calls] = useMemo(() => [rows.rows.length, rows.rows.length - rows.nonCalls], [rows, rowsVersion]);

  return { state, actions, view, total, calls, selectedRow: rows.row(selected) };
}
