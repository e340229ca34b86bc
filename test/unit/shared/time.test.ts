// Capture time arithmetic and text (shared/time.ts): formats 0/1/2 with the capture's digits,
// ISO dates, exact differences.

import { describe, expect, it } from 'vitest';
import { formatTimestamp, isoTimestamp, timestampDiffText } from '../../../shared/time.ts';

describe('timestamps', () => {
  const t6 = { sec: 1_700_000_000, nsec: 123_456_000, digits: 6 };
  const t9 = { sec: 1_700_000_000, nsec: 123_456_789, digits: 9 };

  it('formats 0, 1, 2 with the capture digits', () => {
    expect(formatTimestamp(t6, 0)).toBe('1700000000');
    expect(formatTimestamp(t6, 1)).toBe('1700000000.123456');
    expect(formatTimestamp(t6, 2)).toBe('2023-11-14T22:13:20.123456Z');
    expect(formatTimestamp(t9, 1)).toBe('1700000000.123456789');
    expect(formatTimestamp(t9, 2)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(formatTimestamp({ sec: 5, nsec: 7000, digits: 6 }, 1)).toBe('5.000007');
    expect(isoTimestamp(t6, ' ', 3)).toBe('2023-11-14 22:13:20.123Z');
  });

  it('ISO dates agree with Date over many years', () => {
    for (let s = -86400 * 400; s < 4_200_000_000; s += 86_399 * 37 + 13) {
      const iso = formatTimestamp({ sec: s, nsec: 0, digits: 0 }, 2);
      expect(iso).toBe(new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
    }
  });

  it('differences are exact, with borrow and sign', () => {
    expect(timestampDiffText({ sec: 10, nsec: 900_000_000, digits: 6 }, { sec: 12, nsec: 100_000_000, digits: 6 })).toBe('1.200000');
    expect(timestampDiffText({ sec: 12, nsec: 100_000_000, digits: 6 }, { sec: 10, nsec: 900_000_000, digits: 6 })).toBe('-1.200000');
    expect(timestampDiffText({ sec: 1, nsec: 1, digits: 9 }, { sec: 1, nsec: 2, digits: 9 })).toBe('0.000000001');
  });
});
