// The legs of one call in the page's list (web/state/call-groups.ts, call-rows.ts): which records
// make a group, what the group row says, how filters, sort, open groups and the group filter
// shape the list, the page state's actions for them, and a list of 100 000 rows.

import { describe, expect, test } from 'vitest';
import { RowBuffer } from '../../../web/state/call-rows.ts';
import { CallGroups, groupRow, isGroupRow, isLegRow, type ListRow } from '../../../web/state/call-groups.ts';
import { INITIAL_STATE, pageReducer } from '../../../web/state/page-state.ts';
import type { CallRow } from '../../../web/worker-protocol.ts';
import { rowFacts } from '../../support/call-rows.ts';

const row = (i: number, v: Partial<CallRow>): CallRow =>
  withFacts({
    i,
    callId: `c${i}@test`,
    leg: 1,
    fromTag: `t${i}`,
    callGroup: v.callId ?? `c${i}@test`,
    correlatedBy: [],
    from: `<sip:from${i}@x>`,
    to: `<sip:to${i}@x>`,
    state: 'CALL_COMPLETED',
    start: 100 + i,
    startText: `t${i}`,
    setup: 0.5,
    duration: 10,
    code: 200,
    cause: 16,
    codecs: 'PCMA',
    messages: 7,
    retransmissions: 0,
    duplicates: 0,
    uac: 'ua',
    uas: 'ua',
    src: `10.0.0.${i}:5060`,
    dst: `10.0.1.${i}:5060`,
    transport: 17,
    exportCause: 'bye',
    exportedAt: 200 + i,
    rtpPackets: 10,
    mos: 4.4,
    verdicts: [],
    ladder: true,
    ...v,
  });
function withFacts(r: Omit<CallRow, 'facts'>): CallRow {
  return { ...r, facts: rowFacts(r) };
}

/** Leg B (record 0, exported first) of a call whose leg A is record 2; an unrelated call between them. */
const xcid = (): CallRow[] => [
  row(0, {
    callId: 'b@test',
    callGroup: 'a@test',
    correlatedBy: ['x-cid'],
    start: 100.02,
    from: '<sip:alice@sbc>',
    to: '<sip:carol@10.0.0.3>',
    uas: 'phone C',
    dst: '10.0.0.3:5060',
    state: 'CALL_ERROR',
    code: 486,
    cause: 17,
    codecs: 'PCMU;G729',
    mos: 3.1,
    verdicts: ['one-way'],
  }),
  row(1, { callId: 'other@test', start: 100.5, from: '<sip:dave@x>' }),
  row(2, {
    callId: 'a@test',
    callGroup: 'a@test',
    correlatedBy: ['x-cid'],
    start: 100,
    from: '<sip:alice@x>',
    to: '<sip:carol@x>',
    state: 'CALL_CANCELED',
    code: 487,
    codecs: 'PCMA;PCMU',
    mos: 4.2,
    verdicts: ['nat'],
  }),
];

const buffer = (rows: CallRow[]) => {
  const b = new RowBuffer();
  b.add(rows);
  return b;
};
const byStart = { key: 'start', dir: 1 } as const;
const shape = (rows: readonly ListRow[]) =>
  rows.map((r) =>
    isGroupRow(r) ? `group ${r.group} ${r.legs.length}` : isLegRow(r) ? `  leg ${r.i}${r.match ? '' : ' (no match)'}` : `call ${r.i}`,
  );

describe('groups of legs', () => {
  test('records of one callGroup, one of them correlated, are one group; its row sums them up', () => {
    const g = new CallGroups();
    for (const r of xcid()) g.add(r);
    expect(g.isTied('a@test')).toBe(true);
    expect(g.isTied('other@test')).toBe(false);
    expect(g.legsOf(xcid()[1])).toBeNull();
    const legs = g.legsOf(xcid()[0])!;
    expect(legs.map((l) => l.i)).toEqual([2, 0]); // by start: leg A first
    const r = g.row('a@test');
    expect(r).toMatchObject({
      i: 2,
      group: 'a@test',
      callId: 'a@test',
      start: 100,
      from: '<sip:alice@x>', // the first leg's caller
      to: '<sip:carol@10.0.0.3>', // the last leg's callee
      uas: 'phone C',
      src: '10.0.0.2:5060',
      dst: '10.0.0.3:5060',
      state: 'CALL_ERROR', // the worst, with its code and cause
      code: 486,
      cause: 17,
      codecs: 'PCMA;PCMU;G729',
      messages: 14,
      rtpPackets: 20,
      mos: 3.1,
      verdicts: ['one-way', 'nat'],
      correlatedBy: ['x-cid'],
    });
    expect(g.row('a@test')).toBe(r); // made once while no leg is added
  });

  test('a group row lists its reasons in SPEC order, once each', () => {
    const legs = [
      row(0, { callGroup: 'g', correlatedBy: ['sdp', 'x-cid'] }),
      row(1, { callGroup: 'g', correlatedBy: ['call-id', 'x-cid'] }),
    ];
    expect(groupRow('g', legs).correlatedBy).toEqual(['call-id', 'x-cid', 'sdp']);
  });

  test('records of one Call-ID that nothing ties (a new attempt after the first was exported) stay apart', () => {
    const b = buffer([row(0, { callId: 'x@test' }), row(1, { callId: 'x@test', leg: 2 })]);
    expect(b.groups.isTied('x@test')).toBe(false);
    expect(shape(b.view('', '', '', byStart, { grouped: true }))).toEqual(['call 0', 'call 1']);
  });

  test('two calls whose groups carry one name (a Call-ID used again after its legs ended) stay two groups', () => {
    const [b, , a] = xcid();
    const first = [
      { ...a, i: 0, groupKey: 'a@test\n1' },
      { ...b, i: 1, groupKey: 'a@test\n1' },
    ];
    const again = [
      { ...a, i: 2, start: 300, groupKey: 'a@test\n9' },
      { ...b, i: 3, start: 300.02, groupKey: 'a@test\n9' },
    ];
    const buf = buffer([...first, ...again]);
    expect(shape(buf.view('', '', '', byStart, { grouped: true }))).toEqual(['group a@test\n1 2', 'group a@test\n9 2']);
    expect(buf.groups.legsOf(again[0])!.map((l) => l.i)).toEqual([2, 3]);
    // both show the name the records carry
    const rows = buf.view('', '', '', byStart, { grouped: true }) as CallRow[];
    expect(rows.map((r) => r.callGroup)).toEqual(['a@test', 'a@test']);
    // the group filter lists one of them
    expect(shape(buf.view('', '', '', byStart, { group: 'a@test\n9' }))).toEqual(['call 2', 'call 3']);
  });

  test('a record nothing ties stays alone, even when a group is named after its Call-ID', () => {
    const [b, , a] = xcid();
    const rows = [
      { ...a, i: 0 },
      { ...b, i: 1 },
      { ...a, i: 2, leg: 2, correlatedBy: [] },
    ];
    const buf = buffer(rows);
    expect(buf.groups.legsOf(rows[0])!.map((l) => [l.callId, l.leg])).toEqual([
      ['a@test', 1],
      ['b@test', 1],
    ]);
    expect(buf.groups.legsOf(rows[2])).toBeNull();
    // grouped, it is a row of its own beside the group
    expect(shape(buf.view('', '', '', byStart, { grouped: true }))).toEqual(['group a@test 2', 'call 2']);
  });
});

describe('the list, grouped', () => {
  test('off: every record is a row, as before', () => {
    expect(shape(buffer(xcid()).view('', '', '', byStart))).toEqual(['call 2', 'call 0', 'call 1']);
  });

  test('on: one row for the legs, lone calls as they are; open groups show their legs earliest first', () => {
    const b = buffer(xcid());
    expect(shape(b.view('', '', '', byStart, { grouped: true }))).toEqual(['group a@test 2', 'call 1']);
    expect(shape(b.view('', '', '', byStart, { grouped: true, expanded: new Set(['a@test']) }))).toEqual([
      'group a@test 2',
      '  leg 2',
      '  leg 0',
      'call 1',
    ]);
    // sorted by the group's values: descending start puts the group (100) after the call (100.5)
    expect(shape(b.view('', '', '', { key: 'start', dir: -1 }, { grouped: true }))).toEqual(['call 1', 'group a@test 2']);
    // by state: COMPLETED before the group's worst (ERROR), and the other way
    expect(shape(b.view('', '', '', { key: 'state', dir: 1 }, { grouped: true }))).toEqual(['call 1', 'group a@test 2']);
    expect(shape(b.view('', '', '', { key: 'state', dir: -1 }, { grouped: true }))).toEqual(['group a@test 2', 'call 1']);
  });

  test('a group shows when any of its legs matches; its other legs are shown dimmed', () => {
    const b = buffer(xcid());
    const open = { grouped: true, expanded: new Set(['a@test']) };
    expect(shape(b.view('nobody', '', '', byStart, open))).toEqual([]);
    expect(shape(b.view('carol@10.0.0.3', '', '', byStart, open))).toEqual(['group a@test 2', '  leg 2 (no match)', '  leg 0']);
    expect(b.listView('carol@10.0.0.3', '', '', byStart, open).matched).toBe(1);
    expect(shape(b.view('', 'CALL_CANCELED', '', byStart, { grouped: true }))).toEqual(['group a@test 2']);
    expect(shape(b.view('', 'CALL_COMPLETED', '', byStart, { grouped: true }))).toEqual(['call 1']);
    expect(shape(b.view('', '', 'nat', byStart, { grouped: true }))).toEqual(['group a@test 2']);
    expect(shape(b.view('', '', 'none', byStart, { grouped: true }))).toEqual(['call 1']);
  });

  test("the group filter lists one call's legs, grouped or not", () => {
    const b = buffer(xcid());
    expect(shape(b.view('', '', '', byStart, { group: 'a@test' }))).toEqual(['call 2', 'call 0']);
    expect(shape(b.view('', '', '', byStart, { grouped: true, group: 'a@test' }))).toEqual(['group a@test 2', '  leg 2', '  leg 0']);
    expect(shape(b.view('', '', '', byStart, { group: 'other@test' }))).toEqual(['call 1']);
    expect(shape(b.view('', '', '', byStart, { group: 'nothing' }))).toEqual([]);
    expect(shape(b.view('dave', '', '', byStart, { group: 'a@test' }))).toEqual([]);
  });

  test('a leg arriving later joins its group row', () => {
    const [b, u, a] = xcid();
    const buf = buffer([b, u]);
    // alone, leg B says it is tied but has no partner yet: a call of its own
    expect(shape(buf.view('', '', '', byStart, { grouped: true }))).toEqual(['call 0', 'call 1']);
    buf.add([a]);
    const rows = buf.view('', '', '', byStart, { grouped: true });
    expect(shape(rows)).toEqual(['group a@test 2', 'call 1']);
    expect((rows[0] as CallRow).state).toBe('CALL_ERROR');
  });

  // (how fast is measured by the browser bench, not here: a timing bound fails on a busy machine)
  test('100 000 rows with 10 000 groups: grouped, filtered and sorted', () => {
    const rows: CallRow[] = [];
    for (let i = 0; i < 100_000; i++) {
      const g = i % 10 === 1 ? i - 1 : i;
      const tied = i % 10 <= 1;
      rows.push(row(i, { callId: `c${i}@test`, callGroup: `c${g}@test`, correlatedBy: tied ? ['x-cid'] : [], start: i }));
    }
    const b = buffer(rows);
    const all = b.view('', '', '', byStart, { grouped: true });
    const some = b.view('from7', '', '', { key: 'messages', dir: -1 }, { grouped: true, expanded: new Set(['c10@test']) });
    expect(all.length).toBe(90_000);
    expect(all.filter(isGroupRow).length).toBe(10_000);
    expect(some.length).toBeGreaterThan(1000);
  });
});

describe('page state: grouping, open groups, the group filter', () => {
  test('actions', () => {
    let s = pageReducer(INITIAL_STATE, { type: 'grouped', grouped: true });
    expect(s.grouped).toBe(true);
    s = pageReducer(s, { type: 'expand', group: 'g' });
    expect([...s.expanded]).toEqual(['g']);
    expect(pageReducer(s, { type: 'expand', group: 'g', open: true })).toBe(s);
    s = pageReducer(s, { type: 'expand', group: 'g' });
    expect(s.expanded.size).toBe(0);
    s = pageReducer(s, { type: 'expand', group: 'g', open: true });
    s = pageReducer(s, { type: 'group-filter', group: 'g' });
    expect(s.groupFilter).toBe('g');
    // a new run: no group open or filtered, grouping stays as the user set it
    s = pageReducer(s, { type: 'run-started', files: [], options: {}, startedAt: 0 });
    expect(s.groupFilter).toBeNull();
    expect(s.expanded.size).toBe(0);
    expect(s.grouped).toBe(true);
    expect(s.legsView).toBeNull();
  });
});
