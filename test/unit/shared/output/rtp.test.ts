// The RTP elements of the exports (SPEC §8 "Export"): which streams are "in" and "out"
// (shared/output/rtp.ts), the units and sizes of each element (shared/output/fields.ts), their text in
// dump and CSV lines, and the stream pairs of --export-rtp-flows.

import { describe, expect, it } from 'vitest';
import type { CallRecord, MediaStream } from '../../../../shared/record.ts';
import {
  DEFAULT_TEMPLATE,
  RTP_FIELDS,
  RTP_FLOW_FIELDS,
  fieldByName,
  parseTemplate,
  type FieldDef,
} from '../../../../shared/output/fields.ts';
import { csvLine, dumpHeader, dumpLine, fieldJson, jsonLine } from '../../../../shared/output/format.ts';
import { pairFlow, rtpFlowRecords, rtpPairs, rtpSides } from '../../../../shared/output/rtp.ts';
import { splitEndpoint } from '../../../../shared/addr.ts';
import { DEFAULT_DUMP_HEADER, dumpRecord, mediaStream, timestamp } from '../../../support/records.ts';

const F = (name: string): FieldDef => {
  const f = fieldByName(name);
  if (!f) throw new Error(name);
  return f;
};

/** A call whose media are these streams. */
const call = (media: MediaStream[]): CallRecord => dumpRecord('rtp@test', 1_700_000_100, { media });

const up = (o: Partial<MediaStream> = {}) => mediaStream(o);
const down = (o: Partial<MediaStream> = {}) =>
  mediaStream({
    src: '10.0.0.2:5000',
    dst: '10.0.0.1:4000',
    ssrc: 0x2000,
    direction: 'callee-to-caller',
    start: timestamp(1_700_000_003, 40_000_000),
    end: timestamp(1_700_000_053, 500_000_000),
    packets: 2490,
    bytes: 398_400,
    lost: -2,
    maxDeltaMs: 41.257,
    meanJitterMs: 0.431,
    rFactor: 88.4,
    mos: 4.24,
    payloadType: 0,
    ...o,
  });

/** name → wire value of every RTP element of a record. */
const wire = (r: CallRecord): Record<string, string | number> => Object.fromEntries(RTP_FIELDS.map((f) => [f.name, f.wire(r)]));

describe('in and out streams', () => {
  it('in = the caller-to-callee stream with the most packets, out = the callee-to-caller one', () => {
    const a = up({ ssrc: 1, packets: 100 });
    const b = up({ ssrc: 2, packets: 300 });
    const c = down({ ssrc: 3, packets: 250 });
    const d = down({ ssrc: 4, packets: 249 });
    const x = up({ ssrc: 5, packets: 10_000, direction: 'unknown' });
    const s = rtpSides(call([a, x, d, b, c]));
    expect(s.in?.ssrc).toBe(2);
    expect(s.out?.ssrc).toBe(3);
  });

  it('a tie goes to the stream that started first; unknown direction is neither; none is null', () => {
    const s = rtpSides(call([up({ ssrc: 1 }), up({ ssrc: 2 })]));
    expect(s.in?.ssrc).toBe(1);
    expect(s.out).toBeNull();
    expect(rtpSides(call([up({ direction: 'unknown' })]))).toEqual({ in: null, out: null });
    expect(rtpSides(call([]))).toEqual({ in: null, out: null });
  });
});

describe('RTP elements: numbers, units, sizes (SPEC §8)', () => {
  it('ntop numbers, v9 ids and lengths', () => {
    const table: [string, number, number][] = [
      ['RTP_IN_JITTER', 154, 4],
      ['RTP_OUT_JITTER', 155, 4],
      ['RTP_IN_PKT_LOST', 156, 4],
      ['RTP_OUT_PKT_LOST', 157, 4],
      ['RTP_OUT_PAYLOAD_TYPE', 158, 1],
      ['RTP_IN_MAX_DELTA', 159, 4],
      ['RTP_OUT_MAX_DELTA', 160, 4],
      ['RTP_IN_PAYLOAD_TYPE', 161, 1],
      ['RTP_IN_MOS', 370, 4],
      ['RTP_OUT_MOS', 432, 4],
      ['RTP_MOS', 434, 4],
      ['RTP_IN_R_FACTOR', 371, 4],
      ['RTP_OUT_R_FACTOR', 433, 4],
      ['RTP_R_FACTOR', 436, 4],
      ['RTP_RTT', 380, 4],
      ['RTP_DTMF_TONES', 395, 32],
      ['RTP_SSRC', 437, 4],
    ];
    expect(RTP_FIELDS.map((f) => f.name)).toEqual(table.map((t) => t[0]));
    for (const [name, n, len] of table) {
      const f = F(name);
      expect({ name, n: f.ntop, v9Id: f.v9Id, v9Length: f.v9Length, ipfixId: f.ipfixId, group: f.group }).toEqual({
        name,
        n,
        v9Id: 57472 + n,
        v9Length: len,
        ipfixId: n | 0x8000,
        group: 'rtp',
      });
      expect(f.ipfixLength).toBe(name === 'RTP_DTMF_TONES' ? 'varlen' : len);
    }
    expect(F('RTP_SIP_CALL_ID')).toMatchObject({ ntop: 348, v9Id: 57820, v9Length: 96, ipfixLength: 'varlen', maxLength: 96 });
    expect(RTP_FLOW_FIELDS.map((f) => [f.name, f.ntop, f.v9Id, f.v9Length, f.ipfixLength])).toEqual([
      ['RTP_SIP_CALL_ID', 348, 57820, 96, 'varlen'],
      ['RTP_FIRST_SEQ', 150, 57622, 2, 2],
      ['RTP_FIRST_TS', 151, 57623, 4, 4],
      ['RTP_LAST_SEQ', 152, 57624, 2, 2],
      ['RTP_LAST_TS', 153, 57625, 4, 4],
      ...RTP_FIELDS.map((f) => [f.name, f.ntop, f.v9Id, f.v9Length, f.ipfixLength]),
    ]);
  });

  it('jitter ms × 1000 (mean), lost (negative → 0), payload types, max delta ms × 100, MOS and R × 100, SSRC of "in"', () => {
    const r = call([up({ dtmf: '12' }), down({ dtmf: '#' })]);
    expect(wire(r)).toEqual({
      RTP_IN_JITTER: 900, // meanJitterMs 0.9
      RTP_OUT_JITTER: 431, // 0.431
      RTP_IN_PKT_LOST: 10,
      RTP_OUT_PKT_LOST: 0, // lost −2: duplicates
      RTP_OUT_PAYLOAD_TYPE: 0, // PCMU
      RTP_IN_MAX_DELTA: 6050, // 60.5 ms
      RTP_OUT_MAX_DELTA: 4126, // 41.257 ms, rounded
      RTP_IN_PAYLOAD_TYPE: 8,
      RTP_IN_MOS: 437,
      RTP_OUT_MOS: 424,
      RTP_MOS: 431, // (437 + 424) / 2 = 430.5, rounded half up
      RTP_IN_R_FACTOR: 9112,
      RTP_OUT_R_FACTOR: 8840,
      RTP_R_FACTOR: 8976,
      RTP_RTT: 0, // no RTCP
      RTP_DTMF_TONES: '12#', // every stream's events, in order of first packet
      RTP_SSRC: 0x1000,
    });
  });

  it('RTT: the mean of what RTCP said about the two streams, rounded to ms; one alone when the other has none', () => {
    const rtcp = (rttMs: number | null) => ({ reports: 2, fractionLost: 0, cumulativeLost: 0, jitterMs: 1, rttMs });
    expect(F('RTP_RTT').wire(call([up({ rtcp: rtcp(40.2) }), down({ rtcp: rtcp(43.1) })]))).toBe(42);
    expect(F('RTP_RTT').wire(call([up({ rtcp: rtcp(null) }), down({ rtcp: rtcp(43.6) })]))).toBe(44);
    expect(F('RTP_RTT').text(call([up({ rtcp: rtcp(null) }), down()]), 1)).toBe('');
  });

  it('one direction only: its elements, the means from it alone, the other side 0 on the wire and empty in text', () => {
    const r = call([down()]);
    const w = wire(r);
    expect(w.RTP_OUT_MOS).toBe(424);
    expect(w.RTP_MOS).toBe(424);
    expect(w.RTP_R_FACTOR).toBe(8840);
    expect([w.RTP_IN_JITTER, w.RTP_IN_PKT_LOST, w.RTP_IN_PAYLOAD_TYPE, w.RTP_IN_MOS, w.RTP_SSRC]).toEqual([0, 0, 0, 0, 0]);
    const text = (n: string) => F(n).text(r, 1);
    expect([text('RTP_IN_JITTER'), text('RTP_IN_PAYLOAD_TYPE'), text('RTP_SSRC'), text('RTP_DTMF_TONES')]).toEqual(['', '', '', '']);
    // a real 0 is written: no loss (lost −2 → 0) and payload type 0 (PCMU)
    expect([text('RTP_OUT_PKT_LOST'), text('RTP_OUT_PAYLOAD_TYPE'), text('RTP_OUT_MOS')]).toEqual(['0', '0', '424']);
    expect(fieldJson(F('RTP_OUT_PKT_LOST'), r)).toBe('0');
    expect(fieldJson(F('RTP_IN_PKT_LOST'), r)).toBe('null');
  });

  it('no media: every element 0 / empty', () => {
    const r = call([]);
    for (const f of RTP_FIELDS) {
      expect(f.wire(r), f.name).toBe(f.type === 'string' ? '' : 0);
      expect(f.text(r, 1), f.name).toBe('');
    }
  });
});

describe('RTP elements in dump and CSV lines', () => {
  it('--template names them; the text is the wire integer; the default columns do not change', () => {
    const tpl = parseTemplate(
      '%SIP_CALL_ID %RTP_IN_JITTER %RTP_OUT_PKT_LOST %RTP_IN_PAYLOAD_TYPE %RTP_MOS %RTP_RTT %RTP_DTMF_TONES %RTP_SSRC',
    );
    const r = call([up({ dtmf: '1*' }), down()]);
    expect(dumpHeader(tpl)).toBe('SIP_CALL_ID|RTP_IN_JITTER|RTP_OUT_PKT_LOST|RTP_IN_PAYLOAD_TYPE|RTP_MOS|RTP_RTT|RTP_DTMF_TONES|RTP_SSRC');
    expect(dumpLine(r, tpl)).toBe('rtp@test|900|0|8|431||1*|4096');
    expect(csvLine(r, tpl)).toBe('rtp@test,900,0,8,431,,1*,4096');
    expect(dumpLine(call([]), tpl)).toBe('rtp@test|||||||');
    expect(dumpHeader()).toBe(DEFAULT_DUMP_HEADER);
    expect(DEFAULT_TEMPLATE.some((f) => f.group === 'rtp')).toBe(false);
    // JSON keeps its SPEC §5.3 keys: the elements are not JSON keys
    expect(jsonLine(r)).not.toMatch(/"RTP_/);
  });
});

describe('stream pairs (--export-rtp-flows)', () => {
  it('a stream pairs with the first later one that reverses it; the caller-to-callee one goes forward', () => {
    const b1 = down({ ssrc: 0x21, start: timestamp(1_700_000_001, 0) }); // starts first
    const a = up({ ssrc: 0x11 });
    const b2 = down({ ssrc: 0x22, start: timestamp(1_700_000_030, 0) }); // new SSRC, same ports
    const other = up({ ssrc: 0x31, src: '10.0.0.1:4002', dst: '10.0.0.2:5002' });
    const pairs = rtpPairs([b1, a, b2, other]);
    expect(pairs.map((p) => [p.in.ssrc, p.out?.ssrc ?? null])).toEqual([
      [0x11, 0x21],
      [0x22, null],
      [0x31, null],
    ]);
  });

  it('unknown directions: the stream that started first goes forward', () => {
    const a = up({ ssrc: 1, direction: 'unknown' });
    const b = down({ ssrc: 2, direction: 'unknown' });
    expect(rtpPairs([a, b]).map((p) => [p.in.ssrc, p.out?.ssrc])).toEqual([[1, 2]]);
    expect(rtpPairs([b, a]).map((p) => [p.in.ssrc, p.out?.ssrc])).toEqual([[2, 1]]);
  });

  it('the flow of a pair: forward addresses and ports, UDP, first to last packet, both counts, IP-layer bytes', () => {
    const f = pairFlow(up(), down());
    expect(f).toEqual({
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 4000,
      dport: 5000,
      protocol: 17,
      start: timestamp(1_700_000_003, 20_000_000),
      end: timestamp(1_700_000_053, 500_000_000),
      packets: 2500 + 2490,
      bytes: 400_000 + 398_400 + (2500 + 2490) * 28, // payload + 8 UDP + 20 IPv4 a packet
    });
    const v6 = pairFlow(up({ src: '[2001:db8::1]:4000', dst: '[2001:db8::2]:5000', packets: 10, bytes: 1600 }), null);
    expect(v6).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', sport: 4000, dport: 5000, bytes: 1600 + 10 * 48 });
    expect(splitEndpoint('[::1]:7')).toEqual({ ip: '::1', port: 7 });
  });

  it('one record per pair: the call with the pair as its flow and its in/out streams', () => {
    const r = call([down({ ssrc: 0x21, start: timestamp(1_700_000_001, 0) }), up({ ssrc: 0x11, dtmf: '5' }), down({ ssrc: 0x22 })]);
    const recs = rtpFlowRecords(r);
    expect(recs).toHaveLength(2);
    expect(recs.map((p) => F('RTP_SIP_CALL_ID').wire(p))).toEqual(['rtp@test', 'rtp@test']);
    expect(recs.map((p) => [F('RTP_SSRC').wire(p), F('RTP_OUT_MOS').wire(p)])).toEqual([
      [0x11, 424],
      [0x22, 0], // a lone callee-to-caller stream: its flow goes from its sender, "in" is it
    ]);
    expect(recs[1].flow).toMatchObject({ src: '10.0.0.2', sport: 5000, dst: '10.0.0.1', dport: 4000 });
    expect(F('RTP_IN_MOS').wire(recs[1])).toBe(424);
    // first / last sequence number and timestamp: of the "in" stream
    const seqTs = (p: CallRecord) => ['RTP_FIRST_SEQ', 'RTP_FIRST_TS', 'RTP_LAST_SEQ', 'RTP_LAST_TS'].map((n) => F(n).wire(p));
    expect(seqTs(recs[0])).toEqual([1000, 160_000, 3509, 560_000]);
    const r2 = call([up({ firstSeq: 65_500, lastSeq: 300, firstTs: 0xffff_ff00, lastTs: 1200 }), down({ firstSeq: 7 })]);
    expect(seqTs(rtpFlowRecords(r2)[0])).toEqual([65_500, 0xffff_ff00, 300, 1200]);
    expect(F('RTP_FIRST_SEQ').text(call([]), 1)).toBe('');
    expect(F('RTP_DTMF_TONES').wire(recs[0])).toBe('5');
    expect(r.flow.sport).toBe(5060); // the call record itself is left as it was
    expect(rtpFlowRecords(call([]))).toEqual([]);
  });
});
