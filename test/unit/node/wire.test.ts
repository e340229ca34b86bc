// Records on their way to the export worker (node/export/wire.ts): what the worker's outputs read
// must come out as it went in — every field of the field table, the RTP elements, and the stream
// pair records of --export-rtp-flows.

import { describe, expect, it } from 'vitest';
import { packRecord, unpackRecords, type Wire } from '../../../node/export/wire.ts';
import { ALL_FIELDS } from '../../../shared/output/fields.ts';
import { FlowEncoder } from '../../../shared/output/ipfix.ts';
import { rtpFlowRecords } from '../../../shared/output/rtp.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { dumpRecord, mediaStream, timestamp } from '../../support/records.ts';

const rtcp = { reports: 4, fractionLost: 0.01, cumulativeLost: 3, jitterMs: 2, rttMs: 38.4 };

function roundTrip(recs: CallRecord[]): CallRecord[] {
  const w: Wire = [];
  for (const r of recs) packRecord(r, w);
  // the worker gets a structured clone
  return unpackRecords(structuredClone(w));
}

describe('records to the export worker', () => {
  const withMedia = dumpRecord('m@x', 1_700_000_100, {
    media: [
      mediaStream({ dtmf: '9#', rtcp }),
      mediaStream({
        src: '10.0.0.2:5000',
        dst: '10.0.0.1:4000',
        ssrc: 0xfffffffe,
        direction: 'callee-to-caller',
        payloadType: null,
        codec: null,
        clockRate: null,
        lost: -3,
        end: timestamp(1_700_000_060, 123_456_789, 9),
      }),
      mediaStream({ src: '[2001:db8::1]:6000', dst: '[2001:db8::2]:6002', direction: 'unknown', packets: 3 }),
    ],
  });
  const bare = dumpRecord('bare@x', 1_700_000_101, { SIP_TRYING_TIME: timestamp(1_700_000_096, 0) });

  it('every field of the table, text and wire, is the same on both sides', () => {
    const back = roundTrip([withMedia, bare]);
    expect(back).toHaveLength(2);
    for (const [i, r] of [withMedia, bare].entries()) {
      for (const f of ALL_FIELDS) {
        expect(f.wire(back[i]), `${r.SIP_CALL_ID} ${f.name}`).toEqual(f.wire(r));
        expect(f.text(back[i], 2), `${r.SIP_CALL_ID} ${f.name}`).toBe(f.text(r, 2));
      }
      expect(back[i].exportedAt).toBe(r.exportedAt);
    }
    expect(back[0].media.map((m) => [m.src, m.ssrc, m.direction, m.payloadType, m.end])).toEqual(
      withMedia.media.map((m) => [m.src, m.ssrc, m.direction, m.payloadType, m.end]),
    );
    expect(back[0].media[0].rtcp?.rttMs).toBe(38.4);
    expect(back[1].media).toEqual([]);
  });

  it('the export messages built from what crossed are the bytes built from the record, stream pairs included', () => {
    const [back] = roundTrip([withMedia]);
    for (const format of ['ipfix', 'v9'] as const) {
      const a = new FlowEncoder({ format, rtpFlows: true }).encode([withMedia], 1_700_000_100, true);
      const b = new FlowEncoder({ format, rtpFlows: true }).encode([back], 1_700_000_100, true);
      expect(b).toEqual(a);
    }
    expect(rtpFlowRecords(back).map((p) => p.flow)).toEqual(rtpFlowRecords(withMedia).map((p) => p.flow));
  });
});
