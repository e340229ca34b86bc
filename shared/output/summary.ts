// KPIs of a run (SPEC §10: `read --summary`, the page's dashboard): attempts, answered, ASR, NER,
// ACD, PDD, the final-response histogram, calls per minute by outcome, media verdicts and the
// worst calls by MOS. Calls only (INVITE dialogs); each leg is an attempt. Fed record by record
// in bounded memory: PDD quantiles come from a 1 ms histogram, the worst calls are the few kept.

import { groupKey, worstMos, type CallRecord, type Verdict } from '../record.ts';
import { isoTimestamp } from '../time.ts';

/** Final responses that a user (not the network) gave: they count towards NER (ITU-T E.425,
 *  RFC 6076's SEER): busy, no answer, declined, does not exist anywhere. */
const USER_CODES = new Set([480, 486, 600, 603, 604]);
/** PDD histogram: 1 ms bins up to this many seconds, then one bin for the rest. */
const PDD_MAX_SEC = 120;
/** Worst calls listed. */
export const WORST_CALLS = 10;

export type Outcome = 'answered' | 'failed' | 'cancelled' | 'other';

export interface Kpis {
  /** INVITE records (legs) */
  attempts: number;
  /** end-to-end calls (distinct callGroup) among them */
  calls: number;
  answered: number;
  /** answered ÷ attempts, % (null without attempts) */
  asr: number | null;
  /** (answered + cancelled + user-side failures 480 486 600 603 604) ÷ attempts, % */
  ner: number | null;
  /** mean duration of answered calls with a BYE, seconds */
  acd: number | null;
  acdCalls: number;
  /** INVITE → first 180/183/2xx, seconds */
  pdd: { calls: number; mean: number | null; median: number | null; p95: number | null };
  /** final response code → calls (0: none) */
  codes: Record<string, number>;
  /** by minute of the INVITE (UTC, "YYYY-MM-DD HH:MM") */
  perMinute: { minute: string; answered: number; failed: number; cancelled: number; other: number }[];
  /** calls with each media verdict */
  verdicts: Partial<Record<Verdict, number>>;
  /** lowest MOS first */
  worst: { callId: string; leg: number; mos: number; verdicts: Verdict[] }[];
  /** calls not in a minute bucket because they had no time, or records that are not calls */
  notCalls: number;
}

export function outcomeOf(r: CallRecord): Outcome {
  if (r.SIP_INVITE_OK_TIME !== null) return 'answered';
  if (r.SIP_CALL_STATE === 'CALL_CANCELED') return 'cancelled';
  if (r.SIP_CALL_STATE === 'CALL_ERROR') return 'failed';
  return 'other';
}

export class KpiCollector {
  private attempts = 0;
  private answered = 0;
  private effective = 0;
  private durationSum = 0;
  private durations = 0;
  private readonly groups = new Set<string>();
  private readonly pddBins = new Uint32Array(PDD_MAX_SEC * 1000 + 1);
  private pddSum = 0;
  private pddN = 0;
  private readonly codes = new Map<number, number>();
  private readonly minutes = new Map<number, { answered: number; failed: number; cancelled: number; other: number }>();
  private readonly verdicts = new Map<Verdict, number>();
  private worst: Kpis['worst'] = [];
  private notCalls = 0;

  add(r: CallRecord): void {
    if (r.SIP_CALL_STATE === 'REGISTER' || r.SIP_CALL_STATE === 'UNKNOWN') {
      this.notCalls++;
      return;
    }
    this.attempts++;
    // a group name is a Call-ID: distinct groups are bounded by the calls themselves
    this.groups.add(groupKey(r));
    const outcome = outcomeOf(r);
    if (outcome === 'answered') this.answered++;
    if (outcome === 'answered' || outcome === 'cancelled' || USER_CODES.has(r.SIP_RESPONSE_CODE)) this.effective++;
    if (outcome === 'answered' && r.durationSec !== null) {
      this.durationSum += r.durationSec;
      this.durations++;
    }
    if (r.setupSec !== null) {
      this.pddSum += r.setupSec;
      this.pddN++;
      this.pddBins[Math.min(PDD_MAX_SEC * 1000, Math.round(r.setupSec * 1000))]++;
    }
    this.codes.set(r.SIP_RESPONSE_CODE, (this.codes.get(r.SIP_RESPONSE_CODE) ?? 0) + 1);
    const t = r.SIP_INVITE_TIME ?? r.flow.start;
    const minute = Math.floor(t.sec / 60);
    let m = this.minutes.get(minute);
    if (!m) this.minutes.set(minute, (m = { answered: 0, failed: 0, cancelled: 0, other: 0 }));
    m[outcome]++;
    for (const v of r.verdicts) this.verdicts.set(v, (this.verdicts.get(v) ?? 0) + 1);
    const mos = worstMos(r);
    if (mos !== null && (this.worst.length < WORST_CALLS || mos < this.worst[this.worst.length - 1].mos)) {
      this.worst.push({ callId: r.SIP_CALL_ID, leg: r.leg, mos, verdicts: [...r.verdicts] });
      this.worst.sort((a, b) => a.mos - b.mos);
      if (this.worst.length > WORST_CALLS) this.worst.length = WORST_CALLS;
    }
  }

  /** The value at quantile q of the PDD histogram, seconds. */
  private pddQuantile(q: number): number | null {
    if (this.pddN === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.pddN));
    let seen = 0;
    for (let i = 0; i < this.pddBins.length; i++) {
      seen += this.pddBins[i];
      if (seen >= rank) return i / 1000;
    }
    return PDD_MAX_SEC;
  }

  result(): Kpis {
    const pct = (n: number) => (this.attempts === 0 ? null : (100 * n) / this.attempts);
    const codes: Record<string, number> = {};
    for (const [c, n] of [...this.codes].sort((a, b) => a[0] - b[0])) codes[String(c)] = n;
    const verdicts: Kpis['verdicts'] = {};
    for (const [v, n] of this.verdicts) verdicts[v] = n;
    return {
      attempts: this.attempts,
      calls: this.groups.size,
      answered: this.answered,
      asr: pct(this.answered),
      ner: pct(this.effective),
      acd: this.durations === 0 ? null : this.durationSum / this.durations,
      acdCalls: this.durations,
      pdd: {
        calls: this.pddN,
        mean: this.pddN === 0 ? null : this.pddSum / this.pddN,
        median: this.pddQuantile(0.5),
        p95: this.pddQuantile(0.95),
      },
      codes,
      perMinute: [...this.minutes]
        .sort((a, b) => a[0] - b[0])
        .map(([minute, m]) => ({ minute: isoTimestamp({ sec: minute * 60, nsec: 0, digits: 0 }, ' ').slice(0, 16), ...m })),
      verdicts,
      worst: this.worst.map((w) => ({ ...w, verdicts: [...w.verdicts] })),
      notCalls: this.notCalls,
    };
  }
}

const fixed = (v: number | null, d: number, unit = ''): string => (v === null ? '—' : `${v.toFixed(d)}${unit}`);

/** The KPIs as text for a terminal. */
export function summaryText(k: Kpis): string {
  const out: string[] = [];
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const legs = k.attempts === k.calls ? '' : ` (${plural(k.calls, 'end-to-end call')})`;
  out.push(`Calls: ${plural(k.attempts, 'attempt')}${legs}, ${k.answered} answered`);
  out.push(`  ASR ${fixed(k.asr, 1, '%')}   NER ${fixed(k.ner, 1, '%')}`);
  out.push(`  ACD ${fixed(k.acd, 2, ' s')} (${plural(k.acdCalls, 'answered call')} with a BYE)`);
  out.push(
    `  PDD mean ${fixed(k.pdd.mean, 3, ' s')}, median ${fixed(k.pdd.median, 3, ' s')}, 95th percentile ${fixed(k.pdd.p95, 3, ' s')} (${plural(k.pdd.calls, 'call')})`,
  );
  const codes = Object.entries(k.codes);
  if (codes.length) {
    out.push('Final responses:');
    const max = Math.max(...codes.map(([, n]) => n));
    for (const [c, n] of codes)
      out.push(`  ${c === '0' ? 'none' : c.padStart(4)}  ${String(n).padStart(7)}  ${'#'.repeat(Math.max(1, Math.round((20 * n) / max)))}`);
  }
  if (k.perMinute.length) {
    const cols = ['answered', 'failed', 'cancelled', 'other'] as const;
    out.push('Calls per minute (UTC):');
    out.push(`  ${'minute'.padEnd(16)}${cols.map((c) => c.padStart(11)).join('')}`);
    for (const m of k.perMinute) out.push(`  ${m.minute.padEnd(16)}${cols.map((c) => String(m[c]).padStart(11)).join('')}`);
  }
  const verdicts = Object.entries(k.verdicts);
  out.push(`Media verdicts: ${verdicts.length ? verdicts.map(([v, n]) => `${v} ${n}`).join(', ') : 'none'}`);
  if (k.worst.length) {
    out.push('Worst calls by MOS:');
    for (const w of k.worst)
      out.push(
        `  ${w.mos.toFixed(2)}  ${w.callId}${w.leg > 1 ? ` (leg ${w.leg})` : ''}${w.verdicts.length ? `  ${w.verdicts.join(',')}` : ''}`,
      );
  }
  if (k.notCalls) out.push(`(${plural(k.notCalls, 'non-INVITE dialog')} not counted)`);
  return out.join('\n');
}
