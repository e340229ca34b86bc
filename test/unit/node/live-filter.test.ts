// The capture filter of `sipscope live` (node/live.ts): a filter on ports gets IP fragments added,
// a warning, or nothing. That tcpdump compiles the rewritten filter is test/system/live.test.ts.

import { describe, expect, test } from 'vitest';
import { captureFilter, FRAGMENTS_FILTER } from '../../../node/live.ts';

describe('capture filter', () => {
  test('a filter on ports gets every IP fragment added (add), a warning (warn), or nothing (off)', () => {
    expect(captureFilter('udp port 5060', 'add').filter).toBe(`(udp port 5060) or ${FRAGMENTS_FILTER}`);
    expect(FRAGMENTS_FILTER).toBe('(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)');
    expect(captureFilter('udp portrange 5060-5070', 'warn')).toMatchObject({
      filter: 'udp portrange 5060-5070',
      warning: expect.stringMatching(/fragments/),
    });
    expect(captureFilter('udp port 5060', 'off')).toEqual({ filter: 'udp port 5060', warning: null });
    expect(captureFilter('udp[2:2] = 5060', 'add').filter).toContain(FRAGMENTS_FILTER);
    // hosts and protocols keep fragments (addresses and protocol are in every fragment)
    expect(captureFilter('host 192.0.2.1 and udp', 'add')).toEqual({ filter: 'host 192.0.2.1 and udp', warning: null });
    expect(captureFilter(undefined, 'add')).toEqual({ filter: null, warning: null });
  });
});
