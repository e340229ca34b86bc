// The records of a live capture against `sipscope read` of the file that was replayed: the same
// calls (Call-ID and leg), and in each the same fields but those that come from packet times.
//
// Replayed at a fixed packet rate, a packet's time is when tcpreplay sent it, not the time in the
// file: every *_TIME field, durationSec, setupSec and the flow's start and end differ; so do what
// RTP analysis makes of arrival times (a stream's start and end, max delta, jitter, and the
// R factor and MOS that jitter feeds), and the verdicts drawn from them (rtp-stopped, rtp-gap,
// high-jitter, low-mos). Everything else — state, codes, parties, message, packet and byte
// counts, every stream's packets, loss, duplicates and order, the other verdicts, legs and
// groups — must be equal.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const TIME_KEY = /_TIME$|^durationSec$|^setupSec$/;
const TIME_MEDIA = new Set(['start', 'end', 'maxDeltaMs', 'jitterMs', 'meanJitterMs', 'maxJitterMs', 'rFactor', 'mos']);
const TIME_VERDICTS = new Set(['rtp-stopped', 'rtp-gap', 'high-jitter', 'low-mos']);

type Rec = Record<string, unknown>;

/** The record without the fields that come from packet times. */
export function withoutTimes(r: Rec): Rec {
  const o: Rec = {};
  for (const [k, v] of Object.entries(r)) if (!TIME_KEY.test(k)) o[k] = v;
  o.flow = { ...(r.flow as Rec), start: 0, end: 0 };
  o.media = ((r.media as Rec[] | undefined) ?? []).map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => !TIME_MEDIA.has(k))));
  o.verdicts = ((r.verdicts as string[] | undefined) ?? []).filter((v) => !TIME_VERDICTS.has(v));
  return o;
}

const keyOf = (r: Rec) => `${r.SIP_CALL_ID}\u0000${r.leg}`;
const digest = (r: Rec) =>
  createHash('sha1')
    .update(JSON.stringify(withoutTimes(r)))
    .digest('base64');

async function eachRecord(path: string, f: (r: Rec) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line !== '') f(JSON.parse(line) as Rec);
}

export interface Comparison {
  /** records of the file read */
  read: number;
  /** records of the live capture */
  live: number;
  /** calls (Call-ID and leg) the file has and the live capture has not */
  missing: number;
  /** calls the live capture has and the file has not */
  extra: number;
  /** calls both have, with a field other than the time-derived ones different */
  different: number;
  /** a few of each, and which fields differed how often (top level, media[].field) */
  examples: { missing: string[]; extra: string[]; different: string[] };
  fields: Record<string, number>;
}

function flatFields(a: Rec, b: Rec, into: Record<string, number>): void {
  const x = withoutTimes(a);
  const y = withoutTimes(b);
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (k === 'media') {
      const ma = x.media as Rec[];
      const mb = y.media as Rec[];
      if (ma.length !== mb.length) into['media (streams)'] = (into['media (streams)'] ?? 0) + 1;
      for (let i = 0; i < Math.min(ma.length, mb.length); i++)
        for (const f of Object.keys(ma[i]))
          if (JSON.stringify(ma[i][f]) !== JSON.stringify(mb[i][f])) into[`media[].${f}`] = (into[`media[].${f}`] ?? 0) + 1;
    } else if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) into[k] = (into[k] ?? 0) + 1;
  }
}

/** Compare the JSON Lines of a live capture with those of `sipscope read` of the replayed file. */
export async function compareRecords(livePath: string, readPath: string): Promise<Comparison> {
  const live = new Map<string, string>();
  await eachRecord(livePath, (r) => live.set(keyOf(r), digest(r)));
  const c: Comparison = {
    read: 0,
    live: live.size,
    missing: 0,
    extra: 0,
    different: 0,
    examples: { missing: [], extra: [], different: [] },
    fields: {},
  };
  const seen = new Set<string>();
  const differing = new Map<string, Rec>(); // key → the read record, for the field counts (first 2000)
  await eachRecord(readPath, (r) => {
    c.read++;
    const k = keyOf(r);
    seen.add(k);
    const d = live.get(k);
    if (d === undefined) {
      c.missing++;
      if (c.examples.missing.length < 5) c.examples.missing.push(String(r.SIP_CALL_ID));
    } else if (d !== digest(r)) {
      c.different++;
      if (c.examples.different.length < 5) c.examples.different.push(String(r.SIP_CALL_ID));
      if (differing.size < 2000) differing.set(k, r);
    }
  });
  for (const k of live.keys())
    if (!seen.has(k)) {
      c.extra++;
      if (c.examples.extra.length < 5) c.examples.extra.push(k.split('\u0000')[0]);
    }
  if (differing.size)
    await eachRecord(livePath, (r) => {
      const other = differing.get(keyOf(r));
      if (other) flatFields(r, other, c.fields);
    });
  return c;
}
