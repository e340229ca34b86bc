// The call list's order (web/state/call-sort.ts): rows without a value last, ascending and
// descending, for each sortable column.

import { describe, expect, test } from 'vitest';
import { sortRows, type SortKey } from '../../../web/state/call-sort.ts';
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
      ...v,
    }) as CallRow;
  const rows = () => [
    row(0, { setup: null, duration: null, code: 0, cause: 0, codecs: '' }),
    row(1, { setup: 0.5, duration: 30, code: 486, cause: 17 }),
    row(2, { setup: null, duration: null, code: 0, cause: 0, codecs: '' }),
    row(3, { setup: 2, duration: 5, code: 200, cause: 16, codecs: 'G729' }),
  ];
  const order = (key: SortKey, dir: 1 | -1) => sortRows(rows(), { key, dir }).map((r) => r.i);

  test.each([
    ['setup', [1, 3, 0, 2], [3, 1, 0, 2]],
    ['duration', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['code', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['cause', [3, 1, 0, 2], [1, 3, 0, 2]],
    ['codecs', [3, 1, 0, 2], [1, 3, 0, 2]],
  ] as const)('%s: rows without a value last, ascending and descending', (key, asc, desc) => {
    expect(order(key, 1)).toEqual(asc);
    expect(order(key, -1)).toEqual(desc);
  });
});
