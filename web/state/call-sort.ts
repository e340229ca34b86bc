// The order of the call list: by any column, either way; rows without the value stay last in both
// directions, and ties keep record order (so a sort is stable across redraws while reading).

import type { CallRow } from '../worker-protocol.ts';
import { worstSeverity } from '../verdicts.ts';

export type SortKey =
  | 'i'
  | 'start'
  | 'from'
  | 'to'
  | 'addr'
  | 'state'
  | 'setup'
  | 'duration'
  | 'code'
  | 'cause'
  | 'codecs'
  | 'messages'
  | 'mos'
  | 'verdicts'
  | 'callId';
export interface Sort {
  key: SortKey;
  dir: 1 | -1;
}

function compare(key: SortKey): (a: CallRow, b: CallRow) => number {
  switch (key) {
    case 'i': // the number in time order
      return (a, b) => a.start - b.start;
    case 'start':
    case 'code':
    case 'cause':
    case 'messages':
      return (a, b) => a[key] - b[key];
    case 'setup':
    case 'duration':
    case 'mos':
      return (a, b) => (a[key] ?? 0) - (b[key] ?? 0);
    case 'verdicts':
      // the worst first when descending: by severity, then by how many
      return (a, b) => worstSeverity(a.verdicts) - worstSeverity(b.verdicts) || a.verdicts.length - b.verdicts.length;
    case 'addr':
      return (a, b) => (a.src < b.src ? -1 : a.src > b.src ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0);
    default:
      return (a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);
  }
}

/** The row has no value in this column (no answer, no response, no cause, no text, no media, no verdict). */
function missing(key: SortKey, r: CallRow): boolean {
  switch (key) {
    case 'setup':
    case 'duration':
    case 'mos':
      return r[key] === null || !Number.isFinite(r[key]);
    case 'verdicts':
      return r.verdicts.length === 0;
    case 'code':
    case 'cause':
      return r[key] === 0;
    case 'from':
    case 'to':
    case 'codecs':
    case 'callId':
      return r[key] === '';
    default:
      return false;
  }
}

/** Rows in the order of a sort; rows without the value last in both directions (ties keep record order). */
export function sortRows<R extends CallRow>(rows: R[], sort: Sort): R[] {
  const c = compare(sort.key);
  const key = sort.key;
  return rows.sort((a, b) => {
    const ma = missing(key, a);
    const mb = missing(key, b);
    if (ma !== mb) return ma ? 1 : -1;
    return (ma ? 0 : c(a, b) * sort.dir) || a.i - b.i;
  });
}
