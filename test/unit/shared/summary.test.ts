// KPIs (SPEC §10, shared/output/summary.ts) against values worked out by hand: the sample's six
// calls, then variants of its records for legs, user-side failures, PDD quantiles, minutes and
// the worst calls.

import { beforeAll, describe, expect, test } from 'vitest';
import { KpiCollector, WORST_CALLS, summaryText, type Kpis } from '../../../shared/output/summary.ts';
import type { CallRecord, MediaStream } from '../../../shared/record.ts';
import { recordsOf } from '../../support/engine.ts';
import { SAMPLE } from '../../support/paths.ts';

let records: CallRecord[] = [];
beforeAll(async () => {
  records = (await recordsOf([SAMPLE], { allDialogs: true })).records;
});

const kpis = (rs: CallRecord[]): Kpis => {
  const k = new KpiCollector();
  for (const r of rs) k.add(r);
  return k.result();
};

describe('KPIs', () => {
  test('the sample: 6 attempts, 4 answered, ACD, PDD, codes, minutes, verdicts', () => {
    const k = kpis(records);
    expect(k.attempts).toBe(6);
    expect(k.calls).toBe(6);
    expect(k.notCalls).toBe(1); // the REGISTER dialog
    expect(k.answered).toBe(4);
    expect(k.asr).toBeCloseTo((100 * 4) / 6, 10);
    // answered 4 + the caller's CANCEL + 486 busy: all six ended as users wanted
    expect(k.ner).toBe(100);
    // durations 2.2, 8, 6, 7 s
    expect(k.acd).toBeCloseTo(5.8, 10);
    expect(k.acdCalls).toBe(4);
    // INVITE → first 180/183/200: 0.35, 0.6, 0.2, 0.5 (IPv6), 0.5 (cancelled after 180); the busy call had none
    expect(k.pdd.calls).toBe(5);
    expect(k.pdd.mean).toBeCloseTo(0.43, 10);
    expect(k.pdd.median).toBe(0.5);
    expect(k.pdd.p95).toBe(0.6);
    expect(k.codes).toEqual({ 200: 4, 486: 1, 487: 1 });
    expect(k.perMinute).toEqual([{ minute: '2026-01-01 10:00', answered: 4, failed: 1, cancelled: 1, other: 0 }]);
    expect(k.verdicts).toEqual({ 'no-rtp': 3 });
    expect(k.worst).toEqual([{ callId: 'a84b4c76e66710@192.0.2.10', leg: 1, mos: 4.4, verdicts: [] }]);
  });

  test('legs count as attempts, end-to-end calls by group; user-side failures count for NER, network ones do not', () => {
    const base = records[3]; // the busy call
    const fail = (i: number, code: number, over: Partial<CallRecord> = {}): CallRecord => ({
      ...base,
      SIP_CALL_ID: `f${i}@x`,
      callGroup: `f${i}@x`,
      SIP_RESPONSE_CODE: code,
      ...over,
    });
    const rs = [
      fail(1, 480),
      fail(2, 603),
      fail(3, 604),
      fail(4, 404),
      fail(5, 503),
      fail(6, 408),
      // a B2BUA's second leg of f1: one more attempt, not one more call
      fail(7, 480, { callGroup: 'f1@x', leg: 2 }),
    ];
    const k = kpis(rs);
    expect(k.attempts).toBe(7);
    expect(k.calls).toBe(6);
    expect(k.answered).toBe(0);
    expect(k.asr).toBe(0);
    expect(k.ner).toBeCloseTo((100 * 4) / 7, 10); // 480, 603, 604, 480
    expect(k.acd).toBeNull();
    expect(k.codes).toEqual({ 404: 1, 408: 1, 480: 2, 503: 1, 603: 1, 604: 1 });
    expect(kpis([]).asr).toBeNull();
  });

  test('PDD quantiles at 1 ms; minutes in order; the worst calls, at most ten', () => {
    const base = records[0];
    const stream = (mos: number): MediaStream => ({ ...base.media[0], mos });
    const rs: CallRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const sec = 1_767_261_600 + (i % 3) * 60 + i; // three minutes
      rs.push({
        ...base,
        SIP_CALL_ID: `c${i}@x`,
        callGroup: `c${i}@x`,
        SIP_INVITE_TIME: { sec, nsec: 0, digits: 6 },
        setupSec: (i + 1) / 10, // 0.1 … 2.0
        media: [stream(4.4 - i * 0.1), stream(4.4)],
        verdicts: i % 2 ? ['low-mos'] : [],
      });
    }
    const k = kpis(rs);
    expect(k.pdd.median).toBe(1); // the 10th of 0.1…2.0
    expect(k.pdd.p95).toBe(1.9); // the 19th
    expect(k.pdd.mean).toBeCloseTo(1.05, 10);
    expect(k.perMinute.map((m) => [m.minute, m.answered])).toEqual([
      ['2026-01-01 10:00', 7],
      ['2026-01-01 10:01', 7],
      ['2026-01-01 10:02', 6],
    ]);
    expect(k.worst.length).toBe(WORST_CALLS);
    expect(k.worst.map((w) => w.callId)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10].map((i) => `c${i}@x`));
    expect(k.worst[0].mos).toBeCloseTo(2.5, 10);
    expect(k.verdicts).toEqual({ 'low-mos': 10 });
  });

  test('as text', () => {
    const text = summaryText(kpis(records));
    expect(text).toContain('Calls: 6 attempts, 4 answered');
    expect(text).toContain('ASR 66.7%   NER 100.0%');
    expect(text).toContain('ACD 5.80 s (4 answered calls with a BYE)');
    expect(text).toContain('PDD mean 0.430 s, median 0.500 s, 95th percentile 0.600 s (5 calls)');
    expect(text).toMatch(/ {3}486 {8}1 {2}#####\n/);
    expect(text).toContain(
      '  minute             answered     failed  cancelled      other\n  2026-01-01 10:00          4          1          1          0\n',
    );
    expect(text).toContain('(1 non-INVITE dialog not counted)');
  });
});
