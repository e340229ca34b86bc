// The rows of the run shown, outside React state: a run can have 100 000 of them, arriving ~10
// times a second, and copying them into state on every update would cost more than the list
// itself. The page redraws from here when PageState.rowsVersion changes.

import type { CallRow, SentRow } from '../worker-protocol.ts';
import { sortRows, type Sort } from './call-sort.ts';
import { matchesVerdict } from '../verdicts.ts';
import { CallGroups, groupKeyOf, type GroupRow, type LegRow, type ListRow } from './call-groups.ts';
import { FilterError, compileFilter, factsOfRow, type FactsFilter } from '../../shared/filter.ts';

/** States of records that are not INVITE dialogs (with "all dialogs"). */
const NOT_CALLS = new Set(['REGISTER', 'UNKNOWN']);

/** A filter expression compiled, or why it cannot be (the list then ignores it). */
export interface CompiledQuery {
  filter: FactsFilter | null;
  error: FilterError | null;
}

/** What the list shows besides the filters: legs of a call as one row, and which groups are open. */
export interface ViewOptions {
  /** legs of one call as one group row */
  grouped?: boolean;
  /** callGroups whose rows show their legs under them */
  expanded?: ReadonlySet<string>;
  /** only the records of this callGroup (null: every record) */
  group?: string | null;
}

export interface RowView {
  /** what the list shows, in order */
  rows: ListRow[];
  /** records that match the filters (legs of a group each count) */
  matched: number;
  /** those records, in record order */
  matchedRows: readonly CallRow[];
  /** the filter expression is wrong here (its rows are not filtered by it) */
  error: FilterError | null;
}

/** Time order: start, then record order. */
const byStart = (a: CallRow, b: CallRow) => a.start - b.start || a.i - b.i;

export class RowBuffer {
  /** every row of the run, by record number */
  rows: CallRow[] = [];
  /** rows that are not calls (REGISTER, OPTIONS… with "all dialogs") */
  nonCalls = 0;
  /** the records by callGroup (SPEC §9) */
  readonly groups = new CallGroups();
  /** the last filter expression compiled */
  private compiled: { query: string; result: CompiledQuery } | null = null;
  /** rows numbered in time order so far (CallRow.n), and those rows in that order */
  private numbered = 0;
  private byTime: CallRow[] = [];

  clear(): void {
    this.numbered = 0;
    this.byTime = [];
    this.rows = [];
    this.nonCalls = 0;
    this.groups.clear();
  }

  /** Rows as the worker sends them: each is given its filter facts (in place) and added. */
  addSent(rows: readonly SentRow[]): void {
    for (const r of rows) (r as SentRow & { facts?: CallRow['facts'] }).facts = factsOfRow(r, r.extra);
    this.add(rows as readonly (SentRow & CallRow)[]);
  }

  add(rows: readonly CallRow[]): void {
    for (const r of rows) {
      this.rows.push(r);
      this.groups.add(r);
      if (NOT_CALLS.has(r.state)) this.nonCalls++;
    }
  }

  /** Number every row in time order (its start, then record order), when rows came since. */
  // The rows that came since are sorted alone and merged in: a redraw while reading costs one
  // pass over the rows, not a sort of all of them (a third of a second at 290 000 rows).
  private number(): void {
    if (this.numbered === this.rows.length) return;
    const fresh = this.rows.slice(this.numbered).sort(byStart);
    const old = this.byTime;
    const merged: CallRow[] = new Array(old.length + fresh.length);
    let a = 0;
    let b = 0;
    let first = -1; // where the first new row went: the numbers before it stand
    for (let k = 0; k < merged.length; k++) {
      const takeNew = a === old.length || (b < fresh.length && byStart(fresh[b], old[a]) < 0);
      if (takeNew && first < 0) first = k;
      merged[k] = takeNew ? fresh[b++] : old[a++];
    }
    for (let k = first; k < merged.length; k++) merged[k].n = k + 1;
    this.byTime = merged;
    this.numbered = this.rows.length;
  }

  row(i: number | null): CallRow | null {
    return i !== null ? (this.rows[i] ?? null) : null;
  }

  /**
   * The rows the list shows: of one state (or all), with the media verdicts asked for (see
   * matchesVerdict; '' for all), containing the text (or all), of one callGroup (or all), in sort
   * order. Grouped, the legs of a call are one row, shown when any of its legs matches and sorted
   * by its summed-up values; an open group's legs follow its row, earliest first. A new array.
   */
  view(query: string, state: string, verdict: string, sort: Sort, opts: ViewOptions = {}): ListRow[] {
    return this.listView(query, state, verdict, sort, opts).rows;
  }

  /** The filter language's expression (SPEC §10, shared/filter.ts), compiled once per text. */
  compile(query: string): CompiledQuery {
    if (this.compiled?.query !== query) {
      let result: CompiledQuery;
      try {
        result = { filter: query.trim() === '' ? null : compileFilter(query), error: null };
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        result = { filter: null, error: e };
      }
      this.compiled = { query, result };
    }
    return this.compiled.result;
  }

  /** view(), with the number of records that match the filters. */
  listView(query: string, state: string, verdict: string, sort: Sort, opts: ViewOptions = {}): RowView {
    const group = opts.group ?? null;
    this.number();
    const all = group === null ? this.rows : (this.groups.records(group) as CallRow[]);
    const { filter, error } = this.compile(query);
    let v: CallRow[] = all;
    if (state) v = v.filter((r) => r.state === state);
    if (verdict) v = v.filter((r) => matchesVerdict(r.verdicts, verdict));
    if (filter) v = v.filter((r) => filter(r.facts));
    const matched = v.length;
    const matchedRows: readonly CallRow[] = v;
    if (!opts.grouped) {
      if (v === all) v = all.slice();
      return { rows: sortRows(v, sort), matched, matchedRows, error };
    }

    const g = this.groups;
    const items: (CallRow | GroupRow)[] = [];
    /** the groups shown (a row each) */
    const shown = new Set<string>();
    for (const r of v) {
      const key = groupKeyOf(r);
      if (!g.inGroup(r)) items.push(r);
      else if (!shown.has(key)) {
        shown.add(key);
        items.push(g.row(key));
      }
    }
    sortRows(items, sort);
    const open = opts.expanded;
    const isOpen = (key: string) => key === group || open?.has(key) === true;
    if (shown.size === 0 || (group === null && (!open || open.size === 0))) return { rows: items, matched, matchedRows, error };
    // the legs of open groups that match the filters (all of them when nothing is filtered)
    let matching: Set<number> | null = null;
    if (v !== all) {
      matching = new Set();
      for (const r of v) if (isOpen(groupKeyOf(r))) matching.add(r.i);
    }
    const out: ListRow[] = [];
    for (const r of items) {
      out.push(r);
      if (!('legs' in r) || !isOpen(r.group)) continue;
      for (const leg of r.legs) out.push({ ...leg, under: r.group, match: matching === null || matching.has(leg.i) } satisfies LegRow);
    }
    return { rows: out, matched, matchedRows, error };
  }
}
