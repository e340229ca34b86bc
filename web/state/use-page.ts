// The page's store as one React hook: the reducer, the row buffer, the actions, the fetch of the
// selected call (and of its call's legs for the whole-call ladder), and what the list shows
// (filtered, grouped and sorted, recomputed only when it changes).

import type { FilterError } from '../../shared/filter.ts';
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CallRow } from '../worker-protocol.ts';
import { RowBuffer } from './call-rows.ts';
import type { ListRow } from './call-groups.ts';
import { createPageActions, savedHiddenColumns, savedZone, type PageActions } from './page-actions.ts';
import { INITIAL_STATE, pageReducer, type PageState } from './page-state.ts';

/** The address parameter that holds the list's filter. */
const FILTER_PARAM = 'filter';

function filterInUrl(): string {
  return typeof window === 'undefined' ? '' : (new URL(window.location.href).searchParams.get(FILTER_PARAM) ?? '');
}

export interface Page {
  state: PageState;
  actions: PageActions;
  /** the rows the list shows, in order (group rows and open groups' legs when grouped) */
  view: ListRow[];
  /** records matching the filters */
  matched: number;
  /** those records, in record order */
  matchedRows: readonly CallRow[];
  /** what is wrong with the filter expression (null: nothing) */
  filterError: FilterError | null;
  /** records and, of them, calls, as of the last redraw (rows arriving between redraws are counted at the next) */
  total: number;
  calls: number;
  selectedRow: CallRow | null;
  /** the legs of the selected row's call, earliest first; null when it is a call alone */
  selectedLegs: readonly CallRow[] | null;
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, k) => x === b[k]);

export function usePage(): Page {
  // the filter is kept in the page's address (?filter=…): a link or a reload shows the same view
  const [state, dispatch] = useReducer(pageReducer, INITIAL_STATE, (s) => ({
    ...s,
    query: filterInUrl(),
    hiddenColumns: savedHiddenColumns(),
    zone: savedZone(),
  }));
  const { query: urlQuery } = state;
  useEffect(() => {
    const url = new URL(window.location.href);
    if (urlQuery === (url.searchParams.get(FILTER_PARAM) ?? '')) return;
    if (urlQuery === '') url.searchParams.delete(FILTER_PARAM);
    else url.searchParams.set(FILTER_PARAM, urlQuery);
    window.history.replaceState(window.history.state, '', url);
  }, [urlQuery]);
  const [rows] = useState(() => new RowBuffer());
  const latest = useRef(state);
  useLayoutEffect(() => {
    latest.current = state;
  });
  // one set of actions for the page's life (dispatch is stable), so the views' callbacks are too
  const actions = useMemo(() => createPageActions(dispatch, rows, () => latest.current), [rows]);

  const { selected, sort, query, stateFilter, verdictFilter, rowsVersion, grouped, expanded, groupFilter, tab } = state;
  const whole = state.ladderPrefs.whole;
  const runId = state.run.workerRunId;

  // the selected call's record and ladder, from the worker (not again once loaded)
  useEffect(() => {
    if (selected === null || runId === null) return;
    const c = latest.current.callData;
    if (c && c.runId === runId && c.i === selected && (c.data || c.error)) return;
    return actions.loadCall(runId, selected);
  }, [selected, runId, actions]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsVersion stands for the buffer's contents
  const selectedLegs = useMemo(() => {
    const r = rows.row(selected);
    return r ? rows.groups.legsOf(r) : null;
  }, [rows, rowsVersion, selected]);

  // the legs of the selected call on one ladder, when the ladder shows the whole call
  useEffect(() => {
    if (tab !== 'ladder' || !whole || !selectedLegs || runId === null) return;
    const indices = selectedLegs.map((l) => l.i);
    const v = latest.current.legsView;
    if (v && v.runId === runId && sameList(v.indices, indices) && (v.data || v.error)) return;
    return actions.loadLegs(runId, indices);
  }, [tab, whole, selectedLegs, runId, actions]);

  // the buffer changes in place: rowsVersion is what says it changed
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsVersion stands for the buffer's contents
  const listed = useMemo(
    () => rows.listView(query, stateFilter, verdictFilter, sort, { grouped, expanded, group: groupFilter }),
    [rows, rowsVersion, sort, query, stateFilter, verdictFilter, grouped, expanded, groupFilter],
  );
  const { rows: view, matched, matchedRows, error: filterError } = listed;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsVersion stands for the buffer's contents
  const [total, calls] = useMemo(() => [rows.rows.length, rows.rows.length - rows.nonCalls], [rows, rowsVersion]);

  return { state, actions, view, matched, matchedRows, filterError, total, calls, selectedRow: rows.row(selected), selectedLegs };
}
