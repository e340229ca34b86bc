// A record on its way to the export worker: a flat list of primitives, because copying objects
// between threads writes every key of every object again (measured: about twice the cost).
// Only what the worker's outputs read crosses: the fields of the field table (SIP fields and the
// flow), and the export time. The other record fields arrive empty.

import type { CallRecord, FlowInfo } from '../shared/calls.ts';
import type { Timestamp } from '../shared/events.ts';
import { SIP_FIELDS } from '../shared/fields.ts';

type Wire = (string | number)[];

/** Marks an absent time (capture seconds are never negative). */
const NO_TIME = -1;

function packTime(t: Timestamp | null, out: Wire): void {
  if (t === null) out.push(NO_TIME);
  else out.push(t.sec, t.nsec, t.digits);
}

function unpackTime(a: Wire, i: number): [Timestamp | null, number] {
  const sec = a[i] as number;
  if (sec === NO_TIME) return [null, i + 1];
  return [{ sec, nsec: a[i + 1] as number, digits: a[i + 2] as number }, i + 3];
}

/** Append a record to a batch. */
export function packRecord(r: CallRecord, out: Wire): void {
  for (const f of SIP_FIELDS) {
    const v = f.value(r);
    if (f.type === 'time') packTime(v as Timestamp | null, out);
    else out.push(v as string | number);
  }
  const fl = r.flow;
  out.push(fl.ipVersion, fl.src, fl.dst, fl.sport, fl.dport, fl.protocol, fl.packets, fl.bytes);
  packTime(fl.start, out);
  packTime(fl.end, out);
  out.push(r.exportedAt, r.exportCause);
}

/** The records of a batch. */
export function unpackRecords(a: Wire): CallRecord[] {
  const out: CallRecord[] = [];
  let i = 0;
  while (i < a.length) {
    const r = {} as Record<string, unknown>;
    for (const f of SIP_FIELDS) {
      if (f.type === 'time') [r[f.name], i] = unpackTime(a, i);
      else r[f.name] = a[i++];
    }
    const flow = {
      ipVersion: a[i],
      src: a[i + 1],
      dst: a[i + 2],
      sport: a[i + 3],
      dport: a[i + 4],
      protocol: a[i + 5],
      packets: a[i + 6],
      bytes: a[i + 7],
    } as unknown as FlowInfo;
    i += 8;
    [flow.start, i] = unpackTime(a, i) as [Timestamp, number];
    [flow.end, i] = unpackTime(a, i) as [Timestamp, number];
    r.flow = flow;
    r.exportedAt = a[i++];
    r.exportCause = a[i++];
    Object.assign(r, { rtpSrc: null, rtpDst: null, reason: null, messages: 0, retransmissions: 0, duplicates: 0, durationSec: null, setupSec: null, rtpPackets: 0 });
    out.push(r as unknown as CallRecord);
  }
  return out;
}
