// A record on its way to the export worker: a flat list of primitives, because copying objects
// between threads writes every key of every object again (measured: about twice the cost).
// Only what the worker's outputs read crosses: the fields of the field table (SIP fields and the
// flow), what its RTP elements and the stream pair records read of each media stream (the RTT of
// its RTCP figures, not the rest), and the export time. The other record fields arrive empty.

import type { CallRecord, MediaStream, RtcpFigures } from '../../shared/record.ts';
import type { Timestamp } from '../../shared/time.ts';
import { SIP_FIELDS } from '../../shared/output/fields.ts';

export type Wire = (string | number | null)[];

/** The number-or-null and string values of a stream that cross, in wire order (times and RTT apart). */
const MEDIA_VALUES = [
  'src',
  'dst',
  'ssrc',
  'direction',
  'payloadType',
  'packets',
  'bytes',
  'lost',
  'maxDeltaMs',
  'meanJitterMs',
  'rFactor',
  'mos',
  'dtmf',
  'firstSeq',
  'lastSeq',
  'firstTs',
  'lastTs',
] as const satisfies readonly (keyof MediaStream)[];

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
  out.push(r.media.length);
  for (const m of r.media) {
    // written out, in MEDIA_VALUES order: a loop over the key names is several times slower
    out.push(m.src, m.dst, m.ssrc, m.direction, m.payloadType, m.packets, m.bytes, m.lost, m.maxDeltaMs, m.meanJitterMs);
    out.push(m.rFactor, m.mos, m.dtmf, m.firstSeq, m.lastSeq, m.firstTs, m.lastTs);
    packTime(m.start, out);
    packTime(m.end, out);
    out.push(m.rtcp === null ? null : m.rtcp.rttMs);
  }
}

/** A stream as the worker sees it: what crossed, the rest zero or empty. */
function emptyStream(): MediaStream {
  const zero = { sec: 0, nsec: 0, digits: 6 };
  return {
    src: '',
    dst: '',
    ssrc: 0,
    direction: 'unknown',
    payloadType: null,
    codec: null,
    clockRate: null,
    start: zero,
    end: zero,
    packets: 0,
    bytes: 0,
    expected: 0,
    lost: 0,
    lostPct: 0,
    duplicates: 0,
    outOfOrder: 0,
    maxDeltaMs: 0,
    jitterMs: 0,
    meanJitterMs: 0,
    maxJitterMs: 0,
    rFactor: 0,
    mos: 0,
    dtmf: '',
    firstSeq: 0,
    lastSeq: 0,
    firstTs: 0,
    lastTs: 0,
    rtcp: null,
  };
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
    const media: MediaStream[] = [];
    for (let n = a[i++] as number; n > 0; n--) {
      const m = emptyStream() as unknown as Record<string, unknown>;
      for (const k of MEDIA_VALUES) m[k] = a[i++];
      m.start = time();
      m.end = time();
      const rtt = a[i++] as number | null;
      // only the round trip crosses: the RTP elements read nothing else of RTCP
      m.rtcp = rtt === null ? null : ({ rttMs: rtt } as Partial<RtcpFigures> as RtcpFigures);
      media.push(m as unknown as MediaStream);
    }
    r.rtpSrc = null;
    r.rtpDst = null;
    r.reason = null;
    r.messages = 0;
    r.retransmissions = 0;
    r.duplicates = 0;
    r.durationSec = null;
    r.setupSec = null;
    r.rtpPackets = 0;
    r.media = media;
    r.verdicts = [];
    out.push(r as unknown as CallRecord);
  }
  return out;
}
