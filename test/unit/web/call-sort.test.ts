// The call list's order (web/state/call-sort.ts): rows without a value last, ascending and
// descending, for each sortable column; and the media verdict filter (web/verdicts.ts).

import { describe, expect, test } from 'vitest';
import { sortRows, type SortKey } from '../../../web/state/call-sort.ts';
import { RowBuffer } from '../../../web/state/call-rows.ts';
import { VERDICT_NAMES, matchesVerdict, worstSeverity } from '../../../web/verdicts.ts';
import { rowFacts } from '../../support/call-rows.ts';
import type { CallRow } from '../../../web/worker-protocol.ts';

describe('call list order', () => {
  const row = (i: number, v: Partial<CallRow>): CallRow =>
    ({
      i,
      callId: `c${i}`,
      from: 'a',
      to: 'b',
      state: 'CALL_COMPLETED',
      start: i,
      setup: 1,
      duration: 1,
      code: 200,
      cause: 16,
      codecs: 'PCMU',
      messages: 5,
      mos: 4.41,
      verdicts: [],
      ...v,
      facts: rowFacts({ callId: `c${i}`, from: 'a', to: 'b', ...v }),
    }) as CallRow;
  const rows = () => [
    row(0, { setup: null, duration: null, code: 0, cause: 0, codecs: '', mos: null }),
    row(1, { setup: 0.5, duration: 30, code: 486, cause: 17, mos: 3.2, verdicts: ['high-loss', 'low-mos'] }),
    row(2, { setup: null, duration: null, code: 0, cause: 0, codecs: '', mos: null }),
    row(3, { setup: 2, duration: 5, code: 200, cause: 16, codecs: 'G729', verdicts: ['one-way'] }),
  ];
  const order = (key: SortKey, dir: 1 | -1) => sortRows(rows(), { key, dir }).map((r) => r.i);

  test.each([
    ['setup', [1, 3, 0, 2], [3, 1, 0, 2]],
    ['duration', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['code', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['cause', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['codecs', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['mos', [1, 3, 0, 2], [3, 1, 0, 2]],
    // by the worst verdict's severity (one-way is worse than loss and MOS together), calls without one last
    ['verdicts', [1, 3, 0, 2], [3, 1, 0, 2]],
  ] as const)('%s: rows without a value last, ascending and descending', (key, asc, desc) => {
    expect(order(key, 1)).toEqual(asc);
    expect(order(key, -1)).toEqual(desc);
  });

  test('equal severity: more verdicts sort after fewer', () => {
    const r = [row(0, { verdicts: ['high-loss', 'low-mos'] }), row(1, { verdicts: ['rtp-gap'] }), row(2, { verdicts: ['nat'] })];
    expect(sortRows(r, { key: 'verdicts', dir: 1 }).map((x) => x.i)).toEqual([2, 1, 0]);
    expect(worstSeverity([])).toBe(0);
    expect(worstSeverity(['nat', 'no-rtp'])).toBe(3);
  });

  test('the verdict filter: every call, none, any, one verdict; with the state filter and sort', () => {
    const b = new RowBuffer();
    b.add(rows());
    const ids = (verdict: string) => b.view('', '', verdict, { key: 'i', dir: 1 }).map((r) => r.i);
    expect(ids('')).toEqual([0, 1, 2, 3]);
    expect(ids('none')).toEqual([0, 2]);
    expect(ids('any')).toEqual([1, 3]);
    expect(ids('low-mos')).toEqual([1]);
    expect(ids('one-way')).toEqual([3]);
    expect(ids('nat')).toEqual([]);
    expect(b.view('c3', '', 'any', { key: 'i', dir: 1 }).map((r) => r.i)).toEqual([3]);
    for (const v of VERDICT_NAMES) expect(matchesVerdict([v], v)).toBe(true);
  });
});

describe('# numbers the rows in time order', () => {
  test('rows arriving in batches, out of time order, with equal starts: # is the rank by start, then record order', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const buf = new RowBuffer();
    const all: CallRow[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const rows: CallRow[] = [];
      for (let k = 0; k < 1 + Math.floor(rnd() * 30); k++) {
        const i = all.length + rows.length;
        // starts in whole seconds: many equal ones; later batches also start earlier calls
        rows.push({
          i,
          callId: `c${i}`,
          state: 'CALL_COMPLETED',
          start: Math.floor(rnd() * 50),
          verdicts: [],
          facts: rowFacts({}),
        } as unknown as CallRow);
      }
      all.push(...rows);
      buf.add(rows);
      buf.view('', '', '', { key: 'i', dir: 1 });
      const want = [...all].sort((a, b) => a.start - b.start || a.i - b.i);
      expect(want.map((r) => r.n)).toEqual(want.map((_, k) => k + 1));
    }
  });
});
