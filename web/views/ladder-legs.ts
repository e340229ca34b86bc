// The legs of one end-to-end call (SPEC §9) on one ladder: the messages of every leg in capture
// time order (merged by the worker, worker/ladder-store.ts getLegs), laid out by the same model
// as one leg's (shared/output/ladder.ts), with the columns put in the order the call runs — the
// first leg's caller leftmost, then each leg's caller and callee (the B2BUA's or SBC's endpoints
// in the middle), the last leg's callee rightmost — and each leg with a colour of its own.

import { ladderModel, type LadderMessage, type LadderModel, type LadderOptions, type Participant } from '../../shared/output/ladder.ts';

/** Colours of the legs, in leg order (distinct from each other and readable on white). */
export const LEG_COLORS = ['#1d5bbf', '#c2410c', '#047857', '#9333ea', '#be185d', '#0e7490', '#a16207', '#374151'] as const;

export function legColor(k: number): string {
  return LEG_COLORS[k % LEG_COLORS.length];
}

/** The legs of a whole-call ladder: which leg each arrow belongs to, and each leg's legend. */
export interface LadderLegs {
  /** per arrow: the index of its leg in `list` */
  of: readonly number[];
  list: readonly { label: string; color: string }[];
}

/**
 * One ladder of several legs' messages (already in time order; `legOf[k]` is message k's leg,
 * 0 … legs-1, legs in the order the call runs). Arrow k is message k. The first leg's caller is
 * the only "caller" column, the last leg's callee the only "callee".
 */
export function wholeCallModel(messages: readonly LadderMessage[], legOf: readonly number[], opts: LadderOptions = {}): LadderModel {
  const base = ladderModel(messages, opts);
  const { participants, arrows } = base;
  if (arrows.length === 0) return base;
  let legs = 0;
  for (const l of legOf) legs = Math.max(legs, l + 1);

  // per leg: the columns of its first request from the caller (its INVITE), then every column it touches
  const ends: ({ caller: number; callee: number } | null)[] = [];
  const touched: number[][] = [];
  for (let l = 0; l < legs; l++) {
    ends.push(null);
    touched.push([]);
  }
  arrows.forEach((a, k) => {
    const l = legOf[k];
    const t = touched[l];
    if (!t.includes(a.from)) t.push(a.from);
    if (!t.includes(a.to)) t.push(a.to);
    if (ends[l] === null && a.isRequest && messages[k].fromCaller) ends[l] = { caller: a.from, callee: a.to };
  });
  // a leg without a request from its caller (its ladder starts late): its first message's columns
  for (let l = 0; l < legs; l++)
    if (ends[l] === null && touched[l].length) ends[l] = { caller: touched[l][0], callee: touched[l][1] ?? touched[l][0] };

  const present = ends.map((e, l) => (e ? l : -1)).filter((l) => l >= 0);
  const caller = ends[present[0]]!.caller;
  const callee = ends[present[present.length - 1]]!.callee;
  // each leg's caller, callee and the other columns it touches, in call order; the last leg's
  // callee is kept for the right end (unless the call came back to where it began)
  const last = callee !== caller ? callee : -1;
  const order: number[] = [];
  const put = (c: number) => {
    if (c !== last && !order.includes(c)) order.push(c);
  };
  for (const l of present) {
    put(ends[l]!.caller);
    put(ends[l]!.callee);
    for (const c of touched[l]) put(c);
  }
  for (let c = 0; c < participants.length; c++) put(c);
  if (last >= 0) order.push(last);

  const column = new Array<number>(participants.length);
  for (let k = 0; k < order.length; k++) column[order[k]] = k;
  const ps: Participant[] = order.map((old) => ({
    ...participants[old],
    role: old === caller ? 'caller' : old === last ? 'callee' : null,
  }));
  return { participants: ps, arrows: arrows.map((a) => ({ ...a, from: column[a.from], to: column[a.to] })) };
}
