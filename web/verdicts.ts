// The media verdicts of a call (SPEC §8) as the page shows them: a short badge text, the whole
// rule for the tooltip, and how bad it is (the badge's colour and the list's order by verdicts).

import type { Verdict } from '../shared/record.ts';

/** 3: the call had no audio (or only one way), 2: the audio was poor, 1: worth knowing. */
export type Severity = 1 | 2 | 3;

export interface VerdictInfo {
  badge: string;
  text: string;
  severity: Severity;
}

/** In SPEC §8 order, the order records list them in. */
export const VERDICTS: Readonly<Record<Verdict, VerdictInfo>> = {
  'no-rtp': { badge: 'no RTP', text: 'no-rtp: answered call, no RTP in either direction', severity: 3 },
  'one-way': { badge: 'one-way', text: 'one-way: answered call, RTP in one direction only', severity: 3 },
  'rtp-stopped': {
    badge: 'stopped',
    text: 'rtp-stopped: a stream ends 2 s or more before the call ends, and no SDP put that direction on hold',
    severity: 3,
  },
  'rtp-gap': { badge: 'gap', text: 'rtp-gap: a gap of 2 s or more inside a stream, not explained by hold', severity: 2 },
  'high-loss': { badge: 'loss', text: 'high-loss: a stream lost more than 3 % of its packets', severity: 2 },
  'high-jitter': { badge: 'jitter', text: 'high-jitter: a stream with a maximum jitter above 50 ms', severity: 2 },
  'low-mos': { badge: 'MOS', text: 'low-mos: a stream with an estimated MOS below 3.6', severity: 2 },
  'unexpected-payload': {
    badge: 'PT',
    text: "unexpected-payload: an RTP payload type the leg's SDP did not offer",
    severity: 1,
  },
  nat: { badge: 'NAT', text: "nat: a stream comes from another address than the sender's SDP announced", severity: 1 },
};

export const VERDICT_NAMES = Object.keys(VERDICTS) as Verdict[];

/** The worst severity among a call's verdicts, 0 without any. */
export function worstSeverity(verdicts: readonly Verdict[]): number {
  let w = 0;
  for (const v of verdicts) w = Math.max(w, VERDICTS[v]?.severity ?? 1);
  return w;
}

/** The verdict filter of the call list: '' every call, 'none' no problem, 'any' some problem, or one verdict. */
export function matchesVerdict(verdicts: readonly Verdict[], filter: string): boolean {
  if (filter === '') return true;
  if (filter === 'none') return verdicts.length === 0;
  if (filter === 'any') return verdicts.length > 0;
  return verdicts.includes(filter as Verdict);
}
