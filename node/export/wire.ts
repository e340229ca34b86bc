// A record on its way to the export worker: a flat list of primitives, because copying objects
// between threads writes every key of every object again (measured: about twice the cost).
// Only what the worker's outputs read crosses: the fields of the field table (SIP fields and the
// flow), and the export time. The other record fields arrive empty.

import type { CallRecord } from '../../shared/record.ts';
import type { Timestamp } from '../../shared/time.ts';
import { SIP_FIELDS } from '../../shared/output/fields.ts';

type Wire = (string | number)[];

/** Marks an absent time (capture seconds are never negative). */
const NO_TIME = -1;

function packTime(t: Timestamp | null, out: Wire): void {
  if (t === null) out.push(NO_TIME);
  else out.push(t.sec, t.nsec, t.digits);
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
  // plain loops and no tuples: this runs cold for the burst of records at the end of a file
  const time = (): Timestamp | null => {
    const sec = a[i] as number;
    if (sec === NO_TIME) {
      i++;
      return null;
    }
    const t = { sec, nsec: a[i + 1] as number, digits: a[i + 2] as number };
    i += 3;
    return t;
  };
  while (i < a.length) {
    const r = {} as Record<string, unknown>;
    for (let k = 0; k < SIP_FIELDS.length; k++) {
      const f = SIP_FIELDS[k];
      r[f.name] = f.type === 'time' ? time() : a[i++];
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
      start: null as Timestamp | null,
      end: null as Timestamp | null,
    };
    i += 8;
    flow.start = time();
    flow.end = time();
    r.flow = flow;
    r.exportedAt = a[i++];
    r.exportCause = a[i++];
    r.rtpSrc = null;
    r.rtpDst = null;
    r.reason = null;
    r.messages = 0;
    r.retransmissions = 0;
    r.duplicates = 0;
    r.durationSec = null;
    r.setupSec = null;
    r.rtpPackets = 0;
    r.media = [];
    r.verdicts = [];
    out.push(r as unknown as CallRecord);
  }
  return out;
}
