// The text formats of a record (shared/output/format.ts): JSON Lines, dump lines, CSV and the
// terminal table.

import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../../shared/record.ts';
import { parseTemplate } from '../../../../shared/output/fields.ts';
import {
  csvHeader,
  csvLine,
  dumpHeader,
  dumpLine,
  escapeDumpValue,
  jsonLine,
  tableHeader,
  tableLine,
} from '../../../../shared/output/format.ts';
import { DEFAULT_DUMP_HEADER, timestamp as t } from '../../../support/records.ts';

function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    SIP_CALL_ID: 'id|1\\x',
    SIP_CALLING_PARTY: '"Alice" <sip:alice@example.com>',
    SIP_CALLED_PARTY: 'sip:bob@x',
    SIP_RTP_CODECS: 'PCMA;G729',
    SIP_INVITE_TIME: t(1_700_000_000, 123_456_000),
    SIP_TRYING_TIME: null,
    SIP_RINGING_TIME: t(1_700_000_001, 5_000),
    SIP_INVITE_OK_TIME: t(1_700_000_002, 500_000_000),
    SIP_INVITE_FAILURE_TIME: null,
    SIP_BYE_TIME: t(1_700_000_062, 500_000_000),
    SIP_BYE_OK_TIME: null,
    SIP_CANCEL_TIME: null,
    SIP_CANCEL_OK_TIME: null,
    SIP_RTP_IPV4_SRC_ADDR: '10.0.0.1',
    SIP_RTP_L4_SRC_PORT: 4000,
    SIP_RTP_IPV4_DST_ADDR: '',
    SIP_RTP_L4_DST_PORT: 5000,
    SIP_RESPONSE_CODE: 200,
    SIP_REASON_CAUSE: 16,
    SIP_UAC: 'Phone\nA',
    SIP_UAS: '',
    SIP_C_IP: '10.0.0.1,2001:db8::2',
    SIP_CALL_STATE: 'CALL_COMPLETED',
    flow: {
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 5060,
      dport: 5060,
      protocol: 17,
      start: t(1_700_000_000, 123_456_000),
      end: t(1_700_000_062, 600_000_000),
      packets: 7,
      bytes: 4000,
    },
    rtpSrc: '10.0.0.1:4000',
    rtpDst: '[2001:db8::2]:5000',
    reason: 'Q.850;cause=16',
    messages: 7,
    retransmissions: 1,
    duplicates: 0,
    durationSec: 60,
    setupSec: 0.876549,
    leg: 1,
    fromTag: 'a1',
    callGroup: 'id|1\\x',
    correlatedBy: [],
    exportCause: 'bye',
    exportedAt: 1_700_000_062.6,
    rtpPackets: 0,
    media: [],
    verdicts: [],
    ...over,
  };
}

describe('jsonLine', () => {
  it('writes the exact line with 6 fraction digits and nulls', () => {
    expect(jsonLine(record())).toBe(
      '{"SIP_CALL_ID":"id|1\\\\x","SIP_CALLING_PARTY":"\\"Alice\\" <sip:alice@example.com>","SIP_CALLED_PARTY":"sip:bob@x",' +
        '"SIP_RTP_CODECS":"PCMA;G729","SIP_INVITE_TIME":1700000000.123456,"SIP_TRYING_TIME":null,' +
        '"SIP_RINGING_TIME":1700000001.000005,"SIP_INVITE_OK_TIME":1700000002.500000,"SIP_INVITE_FAILURE_TIME":null,' +
        '"SIP_BYE_TIME":1700000062.500000,"SIP_BYE_OK_TIME":null,"SIP_CANCEL_TIME":null,"SIP_CANCEL_OK_TIME":null,' +
        '"SIP_RTP_IPV4_SRC_ADDR":"10.0.0.1","SIP_RTP_L4_SRC_PORT":4000,"SIP_RTP_IPV4_DST_ADDR":null,"SIP_RTP_L4_DST_PORT":5000,' +
        '"SIP_RESPONSE_CODE":200,"SIP_REASON_CAUSE":16,"SIP_UAC":"Phone\\nA","SIP_UAS":null,' +
        '"SIP_C_IP":"10.0.0.1,2001:db8::2","SIP_CALL_STATE":"CALL_COMPLETED",' +
        '"flow":{"ipVersion":4,"src":"10.0.0.1","dst":"10.0.0.2","sport":5060,"dport":5060,"protocol":17,' +
        '"start":1700000000.123456,"end":1700000062.600000,"packets":7,"bytes":4000},' +
        '"rtpSrc":"10.0.0.1:4000","rtpDst":"[2001:db8::2]:5000","reason":"Q.850;cause=16",' +
        '"messages":7,"retransmissions":1,"durationSec":60.000000,"setupSec":0.876549,"leg":1,"fromTag":"a1","callGroup":"id|1\\\\x","correlatedBy":[],"media":[],"verdicts":[]}',
    );
  });

  it('keeps 9 digits for nanosecond captures and parses as JSON', () => {
    const r = record({
      SIP_INVITE_TIME: t(1_700_000_000, 123_456_789, 9),
      SIP_RINGING_TIME: null,
      SIP_INVITE_OK_TIME: t(1_700_000_001, 1, 9),
      SIP_BYE_TIME: null,
      durationSec: null,
      setupSec: 0.876543212,
      rtpSrc: null,
      rtpDst: null,
      reason: null,
    });
    const line = jsonLine(r);
    expect(line).toContain('"SIP_INVITE_TIME":1700000000.123456789,');
    expect(line).toContain('"SIP_INVITE_OK_TIME":1700000001.000000001,');
    expect(line).toContain('"rtpSrc":null,"rtpDst":null,"reason":null,');
    expect(line).toContain(
      '"durationSec":null,"setupSec":0.876543212,"leg":1,"fromTag":"a1","callGroup":"id|1\\\\x","correlatedBy":[],"media":[],"verdicts":[]}',
    );
    const o = JSON.parse(line);
    expect(Object.keys(o)).toEqual([
      'SIP_CALL_ID',
      'SIP_CALLING_PARTY',
      'SIP_CALLED_PARTY',
      'SIP_RTP_CODECS',
      'SIP_INVITE_TIME',
      'SIP_TRYING_TIME',
      'SIP_RINGING_TIME',
      'SIP_INVITE_OK_TIME',
      'SIP_INVITE_FAILURE_TIME',
      'SIP_BYE_TIME',
      'SIP_BYE_OK_TIME',
      'SIP_CANCEL_TIME',
      'SIP_CANCEL_OK_TIME',
      'SIP_RTP_IPV4_SRC_ADDR',
      'SIP_RTP_L4_SRC_PORT',
      'SIP_RTP_IPV4_DST_ADDR',
      'SIP_RTP_L4_DST_PORT',
      'SIP_RESPONSE_CODE',
      'SIP_REASON_CAUSE',
      'SIP_UAC',
      'SIP_UAS',
      'SIP_C_IP',
      'SIP_CALL_STATE',
      'flow',
      'rtpSrc',
      'rtpDst',
      'reason',
      'messages',
      'retransmissions',
      'durationSec',
      'setupSec',
      'leg',
      'fromTag',
      'callGroup',
      'correlatedBy',
      'media',
      'verdicts',
    ]);
    expect(o.SIP_UAC).toBe('Phone\nA');
  });

  it('writes media[] in the SPEC §8 key order, SSRC as 0x%08x, and the verdicts', () => {
    const m = {
      src: '10.0.0.1:4000',
      dst: '[2001:db8::2]:5000',
      ssrc: 0xbeef,
      direction: 'caller-to-callee' as const,
      payloadType: 8,
      codec: 'PCMA',
      clockRate: 8000,
      start: t(1_700_000_003, 20_000_000),
      end: t(1_700_000_060, 0),
      packets: 2850,
      bytes: 490_200,
      expected: 2860,
      lost: 10,
      lostPct: 0.35,
      duplicates: 0,
      outOfOrder: 1,
      maxDeltaMs: 60.5,
      jitterMs: 1.25,
      meanJitterMs: 0.9,
      maxJitterMs: 3.75,
      rFactor: 91.12,
      mos: 4.37,
      dtmf: '12#',
      firstSeq: 1,
      lastSeq: 2860,
      firstTs: 160,
      lastTs: 457_600,
      rtcp: { reports: 3, fractionLost: 0.0039, cumulativeLost: 9, jitterMs: 1.5, rttMs: 41.2 },
    };
    const line = jsonLine(record({ media: [m], verdicts: ['one-way', 'nat'] }));
    expect(line).toContain(
      ',"media":[{"src":"10.0.0.1:4000","dst":"[2001:db8::2]:5000","ssrc":"0x0000beef","direction":"caller-to-callee",' +
        '"payloadType":8,"codec":"PCMA","clockRate":8000,"start":1700000003.020000,"end":1700000060.000000,"packets":2850,' +
        '"bytes":490200,"expected":2860,"lost":10,"lostPct":0.35,"duplicates":0,"outOfOrder":1,"maxDeltaMs":60.5,"jitterMs":1.25,' +
        '"meanJitterMs":0.9,"maxJitterMs":3.75,"rFactor":91.12,"mos":4.37,"dtmf":"12#",' +
        '"rtcp":{"reports":3,"fractionLost":0.0039,"cumulativeLost":9,"jitterMs":1.5,"rttMs":41.2}}],"verdicts":["one-way","nat"]}',
    );
    expect(JSON.parse(line).media[0].ssrc).toBe('0x0000beef');
  });
});

describe('dump lines', () => {
  it('header and line with the default template, escaping and empty absent values', () => {
    expect(dumpHeader()).toBe(DEFAULT_DUMP_HEADER);
    expect(dumpLine(record())).toBe(
      'id\\x7C1\\x5Cx|"Alice" <sip:alice@example.com>|sip:bob@x|PCMA;G729|1700000000.123456||1700000001.000005|' +
        '1700000002.500000||1700000062.500000||||10.0.0.1|4000||5000|200|16|Phone\\x0AA||10.0.0.1,2001:db8::2|CALL_COMPLETED',
    );
  });

  it('timestamp formats 0 and 2', () => {
    const tpl = parseTemplate('%SIP_INVITE_TIME %SIP_RINGING_TIME %SIP_TRYING_TIME %SIP_CALL_STATE');
    expect(dumpLine(record(), tpl, { timestampFormat: 0 })).toBe('1700000000|1700000001||CALL_COMPLETED');
    expect(dumpLine(record(), tpl, { timestampFormat: 2 })).toBe('2023-11-14T22:13:20.123456Z|2023-11-14T22:13:21.000005Z||CALL_COMPLETED');
    const ns = record({ SIP_INVITE_TIME: t(1_700_000_000, 42, 9) });
    expect(dumpLine(ns, tpl.slice(0, 1), { timestampFormat: 2 })).toBe('2023-11-14T22:13:20.000000042Z');
  });

  it('another separator is escaped too; control characters become \\xHH', () => {
    const tpl = parseTemplate('%SIP_CALL_ID %SIP_C_IP');
    expect(dumpHeader(tpl, ',')).toBe('SIP_CALL_ID,SIP_C_IP');
    expect(dumpLine(record(), tpl, { separator: ',' })).toBe('id\\x7C1\\x5Cx,10.0.0.1\\x2C2001:db8::2');
    expect(escapeDumpValue('a\tb\rc\x7fd\u0085e')).toBe('a\\x09b\\x0Dc\\x7Fd\\xC2\\x85e');
    expect(escapeDumpValue('plain ünïcode')).toBe('plain ünïcode');
  });
});

describe('CSV', () => {
  it('RFC 4180 quoting with the dump columns', () => {
    expect(csvHeader().split(',')).toHaveLength(23);
    expect(csvLine(record())).toBe(
      'id|1\\x,"""Alice"" <sip:alice@example.com>",sip:bob@x,PCMA;G729,1700000000.123456,,1700000001.000005,' +
        '1700000002.500000,,1700000062.500000,,,,10.0.0.1,4000,,5000,200,16,"Phone\nA",,"10.0.0.1,2001:db8::2",CALL_COMPLETED',
    );
    const tpl = parseTemplate('SIP_CALL_ID,SIP_INVITE_TIME,SIP_CALL_STATE');
    expect(csvHeader(tpl)).toBe('SIP_CALL_ID,SIP_INVITE_TIME,SIP_CALL_STATE');
    expect(csvLine(record(), tpl, { timestampFormat: 2 })).toBe('id|1\\x,2023-11-14T22:13:20.123456Z,CALL_COMPLETED');
    expect(csvLine(record({ SIP_CALL_ID: 'a;b' }), tpl, { separator: ';', timestampFormat: 0 })).toBe('"a;b";1700000000;CALL_COMPLETED');
  });
});

describe('terminal table', () => {
  it('fixed columns, truncation with …, control characters shown escaped', () => {
    const h = tableHeader();
    expect(h.startsWith('START (UTC)')).toBe(true);
    const r = record({
      SIP_CALLING_PARTY: '"A very long display name indeed" <sip:someone@example.com>',
      SIP_CALL_ID: 'x'.repeat(60),
    });
    const line = tableLine(r);
    expect(line.startsWith('2023-11-14 22:13:20.123  ')).toBe(true);
    expect(line).toContain('"A very long display name i…  ');
    expect(line).toContain('CALL_COMPLETED    200   0:01:00   PCMA;G729         ');
    expect(line.endsWith('x'.repeat(39) + '…')).toBe(true);
    const cols = h.indexOf('CALLEE');
    expect(line.indexOf('sip:bob@x')).toBe(cols);
    expect(tableLine(record({ SIP_CALL_ID: 'a\x1b[2Jb' }))).toContain('a\\x1B[2Jb');
    expect(tableLine(record({ durationSec: null, SIP_RESPONSE_CODE: 0 }))).toContain('CALL_COMPLETED          -');
  });

  it("the worst stream's MOS, the verdicts, the leg and the group", () => {
    const G = ' '.repeat(21);
    expect(tableHeader()).toContain(`CODECS            MOS   MEDIA                   LEG  GROUP${' '.repeat(17)}CALL-ID`);
    expect(tableLine(record())).toContain(`PCMA;G729         -                             1    -${G}id|1`);
    // a B2BUA's second leg of the same Call-ID
    const leg2 = record({ leg: 2, callGroup: 'id|1\\x', correlatedBy: ['call-id'] });
    expect(tableLine(leg2)).toContain(`-                             2    ${'id|1\\x'.padEnd(22)}id|1`);
    // a long group Call-ID is cut to its column
    const other = record({ callGroup: 'a-very-long-call-id-of-the-first-leg@pbx', correlatedBy: ['x-cid', 'sdp'] });
    expect(tableLine(other)).toContain('1    a-very-long-call-id…  id|1');
    const stream = (mos: number) => ({ mos }) as CallRecord['media'][number];
    const r = record({ media: [stream(4.4), stream(3.12)], verdicts: ['high-loss', 'low-mos'] });
    expect(tableLine(r)).toContain(`PCMA;G729         3.12  high-loss,low-mos       1    -${G}id|1`);
  });
});
