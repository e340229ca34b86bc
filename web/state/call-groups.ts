// The legs of one end-to-end call (SPEC §9) as the call list shows them: records that share a
// callGroup and say why they are tied (correlatedBy) make one group. A record that nothing ties
// stays alone even when a group is named after its Call-ID (a new attempt after that leg ended):
// the tracker ties only legs open together, and then each of them says why.
// A group row sums its legs up — the first leg's time and caller, the last leg's callee, the worst
// state — and is CallRow-shaped, so the list sorts and draws it as any other row.

import { CORRELATIONS, type Correlation, type Verdict } from '../../shared/record.ts';
import type { CallRow } from '../worker-protocol.ts';
import { VERDICT_NAMES } from '../verdicts.ts';

/** A record's group in the page (CallRow.groupKey, else its callGroup). */
export const groupKeyOf = (r: CallRow): string => r.groupKey ?? r.callGroup;

/** The callGroup a group key stands for (what the page shows). */
export const groupName = (key: string): string => {
  const nl = key.indexOf('\n');
  return nl < 0 ? key : key.slice(0, nl);
};

/** A row standing for the legs of one call. `i` is its first leg's record number. */
export interface GroupRow extends CallRow {
  /** the group's key (groupKeyOf its legs) */
  group: string;
  /** its legs, earliest first (start time, then record number) */
  legs: readonly CallRow[];
}

/** A leg shown under its group's row (a copy of its row, so the row itself stays as it is). */
export interface LegRow extends CallRow {
  /** the key of the group row it is shown under */
  under: string;
  /** it matches the list's filters (the others of an open group are shown dimmed) */
  match: boolean;
}

/** What the list shows: a call, a group of legs, or a leg under its open group. */
export type ListRow = CallRow | GroupRow | LegRow;

export const isGroupRow = (r: ListRow): r is GroupRow => 'legs' in r;
export const isLegRow = (r: ListRow): r is LegRow => 'under' in r;

/** How bad a state is for the group row's "worst state": failures first, then calls not answered. */
const STATE_RANK: Readonly<Record<string, number>> = {
  CALL_ERROR: 6,
  CALL_CANCELED: 5,
  CALL_STARTED: 4,
  CALL_IN_PROGRESS: 3,
  CALL_COMPLETED: 2,
  UNKNOWN: 1,
  REGISTER: 0,
};
const rank = (state: string): number => STATE_RANK[state] ?? 0;

/** Legs in the order a call runs: by start, then record number. */
export function legOrder(a: CallRow, b: CallRow): number {
  return a.start - b.start || a.i - b.i;
}

/**
 * The row of a group: first leg's start, caller, setup, duration and signalling source; the last
 * leg's callee and destination; the worst state (with that leg's response code and cause);
 * messages, RTP packets summed; the lowest MOS; every verdict, codec and reason of tie once.
 * `legs` must be in legOrder.
 */
export function groupRow(group: string, legs: readonly CallRow[]): GroupRow {
  const first = legs[0];
  const last = legs[legs.length - 1];
  let worst = first;
  let messages = 0;
  let retransmissions = 0;
  let duplicates = 0;
  let rtpPackets = 0;
  let exportedAt = 0;
  let mos: number | null = null;
  let ladder = true;
  let verdicts: Verdict[] = first.verdicts;
  let ties: Correlation[] = first.correlatedBy;
  let codecs = first.codecs;
  for (let k = 0; k < legs.length; k++) {
    const l = legs[k];
    if (rank(l.state) > rank(worst.state)) worst = l;
    messages += l.messages;
    retransmissions += l.retransmissions;
    duplicates += l.duplicates;
    rtpPackets += l.rtpPackets;
    if (l.exportedAt > exportedAt) exportedAt = l.exportedAt;
    if (l.mos !== null && (mos === null || l.mos < mos)) mos = l.mos;
    if (!l.ladder) ladder = false;
    if (k === 0) continue;
    // lists merged only when a leg adds to them (most legs of a call say the same)
    if (l.verdicts.some((v) => !verdicts.includes(v)))
      verdicts = VERDICT_NAMES.filter((v) => verdicts.includes(v) || l.verdicts.includes(v));
    if (l.correlatedBy.some((c) => !ties.includes(c))) ties = CORRELATIONS.filter((c) => ties.includes(c) || l.correlatedBy.includes(c));
    if (l.codecs !== codecs && l.codecs !== '') {
      const list = codecs === '' ? [] : codecs.split(';');
      for (const c of l.codecs.split(';')) if (c !== '' && !list.includes(c)) list.push(c);
      codecs = list.join(';');
    }
  }
  return {
    i: first.i,
    callId: first.callGroup,
    leg: first.leg,
    fromTag: first.fromTag,
    callGroup: first.callGroup,
    groupKey: group,
    correlatedBy: ties,
    from: first.from,
    to: last.to,
    state: worst.state,
    start: first.start,
    startText: first.startText,
    setup: first.setup,
    duration: first.duration,
    code: worst.code,
    cause: worst.cause,
    codecs,
    messages,
    retransmissions,
    duplicates,
    uac: first.uac,
    uas: last.uas,
    src: first.src,
    dst: last.dst,
    transport: first.transport,
    exportCause: last.exportCause,
    exportedAt,
    rtpPackets,
    mos,
    verdicts,
    ladder,
    facts: first.facts,
    group,
    legs,
  };
}

/**
 * The records of a run by callGroup, as they arrive: which groups are tied (two records or more
 * that say why), and each group's legs and row. A lone record is kept as itself, not in
 * an array, so 100 000 lone calls cost one map entry each.
 */
export class CallGroups {
  /** records that say why they are tied, by group key (groupKeyOf) */
  private readonly members = new Map<string, CallRow | CallRow[]>();
  /** records nothing ties, by group key (their own Call-ID) */
  private readonly lone = new Map<string, CallRow | CallRow[]>();
  /** group rows made so far, with the number of legs they were made of */
  private readonly rows = new Map<string, GroupRow>();

  clear(): void {
    this.members.clear();
    this.lone.clear();
    this.rows.clear();
  }

  add(r: CallRow): void {
    const key = groupKeyOf(r);
    // (a row made without the SPEC §9 fields, as in some tests, is never tied)
    const correlated = (r.correlatedBy?.length ?? 0) > 0;
    const map = correlated ? this.members : this.lone;
    const had = map.get(key);
    if (had === undefined) map.set(key, r);
    else if (Array.isArray(had)) had.push(r);
    else map.set(key, [had, r]);
  }

  /** The record is a leg of a tied group (not a record nothing ties that carries its name). */
  inGroup(r: CallRow): boolean {
    return (r.correlatedBy?.length ?? 0) > 0 && this.isTied(groupKeyOf(r));
  }

  /** The group has two legs or more that say why they are tied. */
  isTied(group: string): boolean {
    return Array.isArray(this.members.get(group));
  }

  /** The records of a callGroup in record order: its tied legs, else the records nothing ties
   *  that carry it ([] for none). */
  records(group: string): readonly CallRow[] {
    const m = this.members.get(group) ?? this.lone.get(group);
    return m === undefined ? [] : Array.isArray(m) ? m : [m];
  }

  /** The legs of a row's call, earliest first; null when the row is a call alone. */
  legsOf(r: CallRow): readonly CallRow[] | null {
    return this.inGroup(r) ? this.row(groupKeyOf(r)).legs : null;
  }

  /** The row of a tied group (made again only when a leg was added since). */
  row(group: string): GroupRow {
    const list = this.members.get(group) as CallRow[];
    const made = this.rows.get(group);
    if (made && made.legs.length === list.length) return made;
    const row = groupRow(group, [...list].sort(legOrder));
    this.rows.set(group, row);
    return row;
  }
}
