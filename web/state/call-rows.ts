// The rows of the run shown, outside React state: a run can have 100 000 of them, arriving ~10
// times a second, and copying them into state on every update would cost more than the list
// itself. The page redraws from here when PageState.rowsVersion changes.

import type { CallRow } from '../worker-protocol.ts';
import { sortRows, type Sort } from './call-sort.ts';
import { matchesVerdict } from '../verdicts.ts';

/** States of records that are not INVITE dialogs (with "all dialogs"). */
const NOT_CALLS = new Set(['REGISTER', 'UNKNOWN']);

/** Lower-case text the filter searches: Call-ID, parties, user agents. */
const hayOf = (r: CallRow): string => `${r.callId}\n${r.from}\n${r.to}\n${r.uac}\n${r.uas}`.toLowerCase();

export class RowBuffer {
  /** every row of the run, by record number */
  rows: CallRow[] = [];
  /** rows that are not calls (REGISTER, OPTIONS… with "all dialogs") */
  nonCalls = 0;
  /** filter text of each row, made when first searched */
  private hays: string[] = [];

  clear(): void {
    this.rows = [];
    this.nonCalls = 0;
    this.hays = [];
  }

  add(rows: readonly CallRow[]): void {
    for (const r of rows) {
      this.rows.push(r);
      if (NOT_CALLS.has(r.state)) this.nonCalls++;
    }
  }

  row(i: number | null): CallRow | null {
    return i !== null ? (this.rows[i] ?? null) : null;
  }

  /**
   * The rows the list shows: of one state (or all), with the media verdicts asked for (see
   * matchesVerdict; '' for all), containing the text (or all), in sort order. A new array.
   */
  view(query: string, state: string, verdict: string, sort: Sort): CallRow[] {
    const all = this.rows;
    const q = query.trim().toLowerCase();
    let v: CallRow[] = all;
    if (state) v = v.filter((r) => r.state === state);
    if (verdict) v = v.filter((r) => matchesVerdict(r.verdicts, verdict));
    if (q) {
      const h = this.hays;
      v = v.filter((r) => (h[r.i] ??= hayOf(r)).includes(q));
    }
    if (v === all) v = all.slice();
    return sortRows(v, sort);
  }
}
