// IPFIX (RFC 7011) / NetFlow v9 (RFC 3954) encoder: hand-computed bytes, and an independent
// parser (test/support/ipfix-parse.ts) for round trips. tshark's reading of the same messages is
// test/system/ipfix-tshark.test.ts.

import { describe, expect, it } from 'vitest';
import { FlowEncoder, type ExportFormat } from '../../../../shared/output/ipfix.ts';
import type { CallRecord, FlowInfo } from '../../../../shared/record.ts';
import { ALL_FIELDS, SIP_FIELDS, exportFields, fieldByName, sipField, type FieldDef } from '../../../../shared/output/fields.ts';
import { parseIp16 } from '../../../../shared/addr.ts';
import { ts } from '../../../support/sip-messages.ts';
import { mediaStream } from '../../../support/records.ts';
import { trackedCall as trackedCallAt } from '../../../support/tracker.ts';
import { FlowParser, hexOf, ipv4, str, uint, type FieldSpec, type ParsedMessage } from '../../../support/ipfix-parse.ts';

// ---------------------------------------------------------------- helpers

/**
 * Hand-written hex: whitespace ignored, `# comment` to the end of a line, `{61*95}` = byte 0x61
 * repeated 95 times.
 */
function hx(s: string): string {
  return s
    .replace(/#[^\n]*/g, '')
    .replace(/\{([0-9a-f]{2})\*(\d+)\}/gi, (_, b: string, n: string) => b.repeat(Number(n)))
    .replace(/\s+/g, '')
    .toLowerCase();
}

const T = 1_700_000_000; // 0x6553f100

const F = (name: string): FieldDef => {
  const f = fieldByName(name);
  if (!f) throw new Error(name);
  return f;
};

type RecordInit = Partial<Omit<CallRecord, 'flow'>> & { flow?: Partial<FlowInfo> };

/** A literal record: nothing seen unless given. */
function rec(o: RecordInit = {}): CallRecord {
  const { flow, ...rest } = o;
  return {
    SIP_CALL_ID: '',
    SIP_CALLING_PARTY: '',
    SIP_CALLED_PARTY: '',
    SIP_RTP_CODECS: '',
    SIP_INVITE_TIME: null,
    SIP_TRYING_TIME: null,
    SIP_RINGING_TIME: null,
    SIP_INVITE_OK_TIME: null,
    SIP_INVITE_FAILURE_TIME: null,
    SIP_BYE_TIME: null,
    SIP_BYE_OK_TIME: null,
    SIP_CANCEL_TIME: null,
    SIP_CANCEL_OK_TIME: null,
    SIP_RTP_IPV4_SRC_ADDR: '',
    SIP_RTP_L4_SRC_PORT: 0,
    SIP_RTP_IPV4_DST_ADDR: '',
    SIP_RTP_L4_DST_PORT: 0,
    SIP_RESPONSE_CODE: 0,
    SIP_REASON_CAUSE: 0,
    SIP_UAC: '',
    SIP_UAS: '',
    SIP_C_IP: '',
    SIP_CALL_STATE: 'CALL_STARTED',
    rtpSrc: null,
    rtpDst: null,
    reason: null,
    messages: 1,
    retransmissions: 0,
    duplicates: 0,
    durationSec: null,
    setupSec: null,
    leg: 1,
    fromTag: 'a1',
    callGroup: '',
    correlatedBy: [],
    exportCause: 'end',
    exportedAt: T + 12,
    rtpPackets: 0,
    media: [],
    verdicts: [],
    ...rest,
    flow: {
      ipVersion: 4,
      src: '192.0.2.1',
      dst: '192.0.2.2',
      sport: 5060,
      dport: 5080,
      protocol: 17,
      start: ts('1700000000.250000'),
      end: ts('1700000012.000000'),
      packets: 9,
      bytes: 0x1234,
      ...flow,
    },
  };
}

const v6flow: Partial<FlowInfo> = { ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2' };

// The flow fields of rec() as they go on the wire (SPEC §4), written out by hand.
const FLOW_V4 = `
  c0000201                  # sourceIPv4Address 192.0.2.1
  c0000202                  # destinationIPv4Address 192.0.2.2
  13c4 13d8                 # ports 5060, 5080
  11                        # protocol 17
  0000018bcfe568fa          # flowStartMilliseconds 1700000000250
  0000018bcfe596e0          # flowEndMilliseconds 1700000012000
  0000000000000009          # packetDeltaCount 9
  0000000000001234          # octetDeltaCount 0x1234
`;
const FLOW_V6 = `
  20010db8000000000000000000000001  # sourceIPv6Address 2001:db8::1
  20010db8000000000000000000000002  # destinationIPv6Address 2001:db8::2
  13c4 13d8 11 0000018bcfe568fa 0000018bcfe596e0 0000000000000009 0000000000001234
`;
// Field specifiers of the flow fields (IANA ids, no enterprise number): same in IPFIX and v9.
const FLOW_SPECS_V4 = '0008 0004  000c 0004  0007 0002  000b 0002  0004 0001  0098 0008  0099 0008  0002 0008  0001 0008';
const FLOW_SPECS_V6 = '001b 0010  001c 0010  0007 0002  000b 0002  0004 0001  0098 0008  0099 0008  0002 0008  0001 0008';

// The 23 SIP field specifiers of the default template, IPFIX: id n|0x8000, length, PEN 35632 (0x8b30).
const IPFIX_SIP_SPECS = `
  8082 ffff 00008b30  # 130 SIP_CALL_ID varlen
  8083 ffff 00008b30  # 131 SIP_CALLING_PARTY varlen
  8084 ffff 00008b30  # 132 SIP_CALLED_PARTY varlen
  8085 0200 00008b30  # 133 SIP_RTP_CODECS 512
  8086 0004 00008b30  # 134 SIP_INVITE_TIME
  8087 0004 00008b30  # 135 TRYING
  8088 0004 00008b30  # 136 RINGING
  8089 0004 00008b30  # 137 INVITE_OK
  808a 0004 00008b30  # 138 INVITE_FAILURE
  808b 0004 00008b30  # 139 BYE
  808c 0004 00008b30  # 140 BYE_OK
  808d 0004 00008b30  # 141 CANCEL
  808e 0004 00008b30  # 142 CANCEL_OK
  808f 0004 00008b30  # 143 SIP_RTP_IPV4_SRC_ADDR
  8090 0002 00008b30  # 144 SIP_RTP_L4_SRC_PORT
  8091 0004 00008b30  # 145 SIP_RTP_IPV4_DST_ADDR
  8092 0002 00008b30  # 146 SIP_RTP_L4_DST_PORT
  8093 0004 00008b30  # 147 SIP_RESPONSE_CODE
  8094 0004 00008b30  # 148 SIP_REASON_CAUSE
  813c ffff 00008b30  # 316 SIP_UAC varlen
  813d ffff 00008b30  # 317 SIP_UAS varlen
  816a 0080 00008b30  # 362 SIP_C_IP 128
  816b ffff 00008b30  # 363 SIP_CALL_STATE varlen
`;

// The same in NetFlow v9: type 57472+n, fixed v9 length.
const V9_SIP_SPECS = `
  e102 0060  e103 0060  e104 0060  # 57602..57604 call id, calling, called: 96
  e105 0200                        # 57605 codecs 512
  e106 0004  e107 0004  e108 0004  e109 0004  e10a 0004  e10b 0004  e10c 0004  e10d 0004  e10e 0004  # times
  e10f 0004  e110 0002  e111 0004  e112 0002  # RTP addresses and ports
  e113 0004  e114 0004                        # response code, reason cause
  e1bc 0060  e1bd 0060                        # 57788 UAC, 57789 UAS: 96
  e1ea 0080                                   # 57834 SIP_C_IP 128
  e1eb 0010                                   # 57835 SIP_CALL_STATE 16
`;

// The 17 RTP element specifiers that follow them (SPEC §8 "Export"): IPFIX, then v9.
const IPFIX_RTP_SPECS = `
  809a 0004 00008b30  809b 0004 00008b30  # 154 RTP_IN_JITTER, 155 RTP_OUT_JITTER
  809c 0004 00008b30  809d 0004 00008b30  # 156 RTP_IN_PKT_LOST, 157 RTP_OUT_PKT_LOST
  809e 0001 00008b30                      # 158 RTP_OUT_PAYLOAD_TYPE
  809f 0004 00008b30  80a0 0004 00008b30  # 159 RTP_IN_MAX_DELTA, 160 RTP_OUT_MAX_DELTA
  80a1 0001 00008b30                      # 161 RTP_IN_PAYLOAD_TYPE
  8172 0004 00008b30  81b0 0004 00008b30  81b2 0004 00008b30  # 370 IN_MOS, 432 OUT_MOS, 434 RTP_MOS
  8173 0004 00008b30  81b1 0004 00008b30  81b4 0004 00008b30  # 371 IN_R, 433 OUT_R, 436 RTP_R_FACTOR
  817c 0004 00008b30                      # 380 RTP_RTT
  818b ffff 00008b30                      # 395 RTP_DTMF_TONES varlen
  81b5 0004 00008b30                      # 437 RTP_SSRC
`;
const V9_RTP_SPECS = `
  e11a 0004  e11b 0004  e11c 0004  e11d 0004  e11e 0001  e11f 0004  e120 0004  e121 0001  # 57626..57633
  e1f2 0004  e230 0004  e232 0004  e1f3 0004  e231 0004  e234 0004                        # MOS, R factors
  e1fc 0004  e20b 0020  e235 0004                                                         # RTT, DTMF 32, SSRC
`;

const hex = (b: Uint8Array): string => hexOf(b);

function parseAll(format: ExportFormat, msgs: Uint8Array[]): { parser: FlowParser; parsed: ParsedMessage[] } {
  const parser = new FlowParser(format);
  return { parser, parsed: msgs.map((m) => parser.parse(m)) };
}

/** The field table entry a template's field specifier names (collector side lookup). */
function defOf(format: ExportFormat, s: FieldSpec): FieldDef {
  const f = ALL_FIELDS.find((d) =>
    format === 'ipfix'
      ? s.enterprise === 0
        ? d.iana === s.id && d.enterprise === 0
        : d.ntop === s.id && d.enterprise === s.enterprise
      : d.v9Id === s.id,
  );
  if (!f) throw new Error(`unknown field ${s.enterprise}/${s.id}`);
  return f;
}

/** Decode a field's bytes by its type. */
function decode(f: FieldDef, b: Uint8Array): string | number {
  switch (f.type) {
    case 'string':
    case 'state':
      return str(b);
    case 'ipv4':
      return ipv4(b) === '0.0.0.0' ? '' : ipv4(b);
    case 'ipv6':
      return b.every((x) => x === 0) ? '' : hex(b);
    default:
      return uint(b);
  }
}

/** What the record should decode to (ipv6 as hex of its 16 bytes). */
function expectedWire(f: FieldDef, r: CallRecord): string | number {
  const v = f.wire(r);
  if (f.type === 'ipv6' && typeof v === 'string' && v !== '') return hex(parseIp16(v) as Uint8Array);
  return v;
}

/** Field name → decoded value for every data record of the messages, in order. */
function decodeRecords(format: ExportFormat, msgs: Uint8Array[]): { tid: number; values: Record<string, string | number> }[] {
  const { parser, parsed } = parseAll(format, msgs);
  const out: { tid: number; values: Record<string, string | number> }[] = [];
  for (const m of parsed) {
    for (const s of m.sets) {
      if (s.records.length === 0) continue;
      const t = parser.templates.get(s.id)!;
      for (const r of s.records) {
        const values: Record<string, string | number> = {};
        t.fields.forEach((spec, i) => {
          const f = defOf(format, spec);
          values[f.name] = decode(f, r[i]);
        });
        out.push({ tid: s.id, values });
      }
    }
  }
  return out;
}

/** A realistic call through the tracker (test/support/tracker.ts), from capture time T. */
const trackedCall = (callId?: string): CallRecord => trackedCallAt(T, callId);

// ---------------------------------------------------------------- templates

describe('templates', () => {
  it('IPFIX template set: both templates, enterprise bit + PEN, varlen 65535', () => {
    const enc = new FlowEncoder({ format: 'ipfix', observationDomain: 7 });
    const msg = enc.templateMessage(T);
    expect(hex(msg)).toBe(
      hx(`
        000a 02e4 6553f100 00000000 00000007   # version 10, length 740, export time, sequence 0, domain 7
        0002 02d4                              # template set, length 4 + 2*360
        0101 0031 ${FLOW_SPECS_V4} ${IPFIX_SIP_SPECS} ${IPFIX_RTP_SPECS}   # template 257, 49 fields
        0102 0031 ${FLOW_SPECS_V6} ${IPFIX_SIP_SPECS} ${IPFIX_RTP_SPECS}   # template 258, 49 fields
      `),
    );
    expect(enc.sequence).toBe(0); // template records are not counted
  });

  it('NetFlow v9 template flowset: id 0, types 57472+n, fixed lengths, count = 2 records', () => {
    const enc = new FlowEncoder({ format: 'v9', observationDomain: 7 });
    const msg = enc.templateMessage(T, 5000);
    expect(hex(msg)).toBe(
      hx(`
        0009 0002 00001388 6553f100 00000000 00000007  # version 9, count 2, uptime 5000 ms, secs, seq 0, source id 7
        0000 0194                                      # template flowset, length 4 + 2*200
        0101 0031 ${FLOW_SPECS_V4} ${V9_SIP_SPECS} ${V9_RTP_SPECS}
        0102 0031 ${FLOW_SPECS_V6} ${V9_SIP_SPECS} ${V9_RTP_SPECS}
      `),
    );
    expect(enc.sequence).toBe(1); // v9 counts packets
  });

  it('template fields come from the field table: exportFields, user SIP fields in order, flow fields skipped', () => {
    const enc = new FlowEncoder({ format: 'ipfix' });
    expect(enc.templateFields(4)).toEqual(exportFields(4));
    expect(enc.templateFields(6)).toEqual(exportFields(6));
    const user = new FlowEncoder({ format: 'v9', sipFields: [F('SIP_CALL_STATE'), F('IPV4_SRC_ADDR'), F('SIP_FAILURE_CODE')] });
    const names = user.templateFields(4).map((f) => f.name);
    expect(names.slice(-2)).toEqual(['SIP_CALL_STATE', 'SIP_RESPONSE_CODE']);
    expect(names.filter((n) => n === 'sourceIPv4Address')).toHaveLength(1);
  });

  it('custom template ids and bad options', () => {
    const enc = new FlowEncoder({ format: 'ipfix', templateIdV4: 300, templateIdV6: 301, sipFields: [F('SIP_CALL_STATE')] });
    const { parsed } = parseAll('ipfix', [enc.templateMessage(T)]);
    expect(parsed[0].sets[0].templates.map((t) => t.id)).toEqual([300, 301]);
    expect(() => new FlowEncoder({ format: 'ipfix', templateIdV4: 255 })).toThrow();
    expect(() => new FlowEncoder({ format: 'ipfix', templateIdV4: 258 })).toThrow(); // same as v6 default
    expect(() => new FlowEncoder({ format: 'v9', mtu: 10 })).toThrow();
  });
});

// ---------------------------------------------------------------- IPFIX data records

describe('IPFIX data records', () => {
  // SIP_UAC as a user could define it with a larger cap: lets a value use the 3-byte length form
  const BIG_UAC: FieldDef = { ...sipField('SIP_UAC'), maxLength: 400 };

  it('varlen in the 1-byte form and the 3-byte form (>= 255 bytes), absent string = length 0', () => {
    const enc = new FlowEncoder({
      format: 'ipfix',
      observationDomain: 0x01020304,
      sipFields: [F('SIP_CALL_ID'), BIG_UAC, F('SIP_UAS'), F('SIP_CALL_STATE')],
    });
    expect(hex(enc.templateMessage(T))).toBe(
      hx(`
        000a 00a4 6553f100 00000000 01020304   # length 16 + 148
        0002 0094                              # 4 + 2 * (4 + 9*4 + 4*8)
        0101 000d ${FLOW_SPECS_V4} 8082 ffff 00008b30  813c ffff 00008b30  813d ffff 00008b30  816b ffff 00008b30
        0102 000d ${FLOW_SPECS_V6} 8082 ffff 00008b30  813c ffff 00008b30  813d ffff 00008b30  816b ffff 00008b30
      `),
    );
    const r = rec({ SIP_CALL_ID: 'abc@host', SIP_UAC: 'x'.repeat(300), SIP_UAS: '', SIP_CALL_STATE: 'CALL_COMPLETED' });
    const msgs = enc.encode([r], T + 60, false);
    expect(msgs).toHaveLength(1);
    expect(hex(msgs[0])).toBe(
      hx(`
        000a 0189 6553f13c 00000000 01020304   # length 393, export time T+60, seq 0
        0101 0179                              # data set 257, length 4 + 373
        ${FLOW_V4}
        08 61626340686f7374                    # "abc@host"
        ff 012c {78*300}                       # 300 x "x": 0xff + 2-byte length
        00                                     # absent UAS
        0e 43414c4c5f434f4d504c45544544        # "CALL_COMPLETED"
      `),
    );
    expect(enc.sequence).toBe(1);
  });

  it('fixed strings are NUL-padded; strings are cut at a UTF-8 boundary', () => {
    const enc = new FlowEncoder({ format: 'ipfix', sipFields: [F('SIP_CALL_ID'), F('SIP_C_IP')] });
    const r1 = rec({ SIP_CALL_ID: 'a'.repeat(95) + '€', SIP_C_IP: '10.0.0.1,10.0.0.2' });
    const r2 = rec({ SIP_CALL_ID: 'a'.repeat(94) + 'é', SIP_C_IP: 'b'.repeat(127) + 'é' });
    const msgs = enc.encode([r1, r2], T, false);
    expect(msgs).toHaveLength(1);
    expect(hex(msgs[0])).toBe(
      hx(`
        000a 022f 6553f100 00000000 00000000   # length 16 + 543
        0101 021f                              # 4 + 269 + 270
        ${FLOW_V4}
        5f {61*95}                             # 95 "a": the 3-byte "€" (e2 82 ac) would end at byte 98 > 96
        31302e302e302e312c31302e302e302e32 {00*111}  # "10.0.0.1,10.0.0.2" + NULs to 128
        ${FLOW_V4}
        60 {61*94} c3a9                        # "é" ends exactly at byte 96: kept
        {62*127} 00                            # "é" would end at byte 129 > 128: cut, NUL-padded
      `),
    );
  });

  it('IPv6 flow uses template 258 and its IPv6 addresses; records keep their order, a set per run of one template', () => {
    const enc = new FlowEncoder({
      format: 'ipfix',
      sipFields: [F('SIP_CALL_STATE'), F('SIP_RTP_IPV4_SRC_ADDR'), F('SIP_RTP_L4_SRC_PORT')],
    });
    const r6 = rec({ flow: v6flow, SIP_CALL_STATE: 'CALL_ERROR', SIP_RTP_IPV4_SRC_ADDR: '', SIP_RTP_L4_SRC_PORT: 4000 });
    const one = enc.encode([r6], T, false);
    expect(hex(one[0])).toBe(
      hx(`
        000a 006a 6553f100 00000000 00000000   # length 16 + 90
        0102 005a                              # data set 258, 4 + 86
        ${FLOW_V6}
        0a 43414c4c5f4552524f52                # "CALL_ERROR"
        00000000                               # IPv6 media: SIP_RTP_IPV4_SRC_ADDR stays 0.0.0.0
        0fa0                                   # port 4000
      `),
    );
    const r4 = rec({ SIP_CALL_STATE: 'CALL_STARTED', SIP_RTP_IPV4_SRC_ADDR: '198.51.100.7', SIP_RTP_L4_SRC_PORT: 4002 });
    const mixed = enc.encode([r6, r4, r4, r6], T, false);
    expect(mixed).toHaveLength(1);
    const { parsed } = parseAll('ipfix', [enc.templateMessage(T), ...mixed]);
    expect(parsed[1].sets.map((s) => [s.id, s.records.length])).toEqual([
      [258, 1],
      [257, 2],
      [258, 1],
    ]);
    expect(hex(parsed[1].sets[1].records[0][10])).toBe('c6336407'); // 198.51.100.7
    expect(parsed[1].header.sequence).toBe(1); // after the one record above
  });

  it('a record encodes the same whatever the encoder encoded before it', () => {
    for (const format of ['ipfix', 'v9'] as const) {
      const full = rec({
        SIP_CALL_ID: 'x'.repeat(90),
        SIP_RTP_IPV4_SRC_ADDR: '192.0.2.1',
        SIP_RTP_IPV4_DST_ADDR: '198.51.100.2',
        SIP_UAC: 'u'.repeat(90),
      });
      const empty = rec({ SIP_CALL_ID: 'y', SIP_RTP_IPV4_SRC_ADDR: '', SIP_RTP_IPV4_DST_ADDR: '', SIP_UAC: '' });
      const used = new FlowEncoder({ format });
      used.recordBytes(full);
      expect(hex(used.recordBytes(empty))).toBe(hex(new FlowEncoder({ format }).recordBytes(empty)));
    }
  });

  it('a 4-byte character that would cross the field length is left out whole', () => {
    const enc = new FlowEncoder({ format: 'ipfix', sipFields: [sipField('SIP_CALL_ID')] });
    for (const [tail, keep] of [
      ['\u{1F600}', 94], // f0 9f 98 80 would end at byte 98 > 96
      ['ab\u{1F600}', 96], // "ab" fills 96 exactly, the emoji goes
    ] as const) {
      const b = enc.recordBytes(rec({ SIP_CALL_ID: 'a'.repeat(94) + tail }));
      const flowLen = b.length - 1 - keep; // the Call-ID is the last field: 1-byte length + value
      expect(b[flowLen]).toBe(keep);
      expect(new TextDecoder().decode(b.subarray(flowLen + 1))).toBe(('a'.repeat(94) + tail).slice(0, keep));
    }
  });

  it('numbers are written in the table length; absent times are 0', () => {
    const enc = new FlowEncoder({
      format: 'ipfix',
      sipFields: [
        F('SIP_INVITE_TIME'),
        F('SIP_BYE_TIME'),
        F('SIP_RESPONSE_CODE'),
        F('SIP_REASON_CAUSE'),
        F('SIP_RTP_IPV4_DST_ADDR'),
        F('SIP_RTP_L4_DST_PORT'),
      ],
    });
    const r = rec({
      SIP_INVITE_TIME: ts('1700000000.999999'),
      SIP_RESPONSE_CODE: 486,
      SIP_REASON_CAUSE: 17,
      SIP_RTP_IPV4_DST_ADDR: '10.1.2.3',
      SIP_RTP_L4_DST_PORT: 65535,
    });
    expect(hex(enc.encode([r], T, false)[0])).toBe(
      hx(`
        000a 0057 6553f100 00000000 00000000   # 16 + 71
        0101 0047                              # 4 + 45 + 22
        ${FLOW_V4}
        6553f100                               # INVITE time: seconds only
        00000000                               # no BYE
        000001e6                               # 486
        00000011                               # cause 17
        0a010203 ffff                          # RTP dst 10.1.2.3:65535
      `),
    );
  });
});

// ---------------------------------------------------------------- NetFlow v9 data records

describe('NetFlow v9 data records', () => {
  it('templates + data in one packet: count, uptime, fixed lengths, flowset padded to 4', () => {
    const enc = new FlowEncoder({ format: 'v9', observationDomain: 0x01020304, sipFields: [F('SIP_CALL_STATE')] });
    const msgs = enc.encode([rec({ SIP_CALL_STATE: 'CALL_CANCELED' })], T + 60, true, 123456);
    expect(msgs).toHaveLength(1);
    expect(hex(msgs[0])).toBe(
      hx(`
        0009 0003 0001e240 6553f13c 00000000 01020304   # 2 template records + 1 data record, uptime 123456
        0000 005c                                       # template flowset 4 + 2*44
        0101 000a ${FLOW_SPECS_V4} e1eb 0010
        0102 000a ${FLOW_SPECS_V6} e1eb 0010
        0101 0044                                       # data flowset 257: 4 + 61 + 3 padding
        ${FLOW_V4}
        43414c4c5f43414e43454c4544 000000               # "CALL_CANCELED" NUL-padded to 16
        000000                                          # flowset padding
      `),
    );
    expect(enc.sequence).toBe(1);
  });

  it('v9 strings: cut at a UTF-8 boundary then NUL-padded to the v9 length', () => {
    const enc = new FlowEncoder({ format: 'v9', sipFields: [F('SIP_CALL_ID')] });
    enc.templateMessage(T, 0);
    const msgs = enc.encode([rec({ SIP_CALL_ID: 'a'.repeat(95) + '€' })], T, false, 0);
    expect(hex(msgs[0])).toBe(
      hx(`
        0009 0001 00000000 6553f100 00000001 00000000   # 1 record, sequence 1 (one packet before)
        0101 0094                                       # 4 + 141 + 3 padding = 148
        ${FLOW_V4}
        {61*95} 00                                      # "€" does not fit 96: cut, NUL-padded
        000000
      `),
    );
  });

  it('IPv6 flow in template 258', () => {
    const enc = new FlowEncoder({ format: 'v9', sipFields: [F('SIP_CALL_STATE')] });
    const msgs = enc.encode([rec({ flow: v6flow, SIP_CALL_STATE: 'CALL_COMPLETED' })], T, false, 7);
    expect(hex(msgs[0])).toBe(
      hx(`
        0009 0001 00000007 6553f100 00000000 00000000
        0102 005c                                       # 4 + 85 + 3 padding = 92
        ${FLOW_V6}
        43414c4c5f434f4d504c45544544 0000               # "CALL_COMPLETED" + 2 NULs
        000000
      `),
    );
  });
});

// ---------------------------------------------------------------- headers and sequence numbers

describe('headers and sequence numbers', () => {
  const recs = Array.from({ length: 6 }, (_, i) => rec({ SIP_CALL_ID: `call-${i}`, SIP_CALL_STATE: 'CALL_COMPLETED' }));
  const head = (m: Uint8Array, n: number) => hex(m.subarray(0, n));

  it('IPFIX: sequence = data records sent before; templates do not count; reset() restarts the session', () => {
    // default records are ~770 bytes (512-byte codecs): a larger mtu keeps several per message
    const enc = new FlowEncoder({ format: 'ipfix', observationDomain: 5, mtu: 9000 });
    const m0 = enc.templateMessage(T);
    const [m1] = enc.encode(recs.slice(0, 3), T + 1, false);
    const [m2] = enc.encode(recs.slice(3, 5), T + 2, false);
    const m3 = enc.templateMessage(T + 3);
    const [m4] = enc.encode(recs.slice(5), T + 4, true);
    const lenHex = (m: Uint8Array) => m.length.toString(16).padStart(4, '0');
    expect(head(m0, 16)).toBe(hx(`000a ${lenHex(m0)} 6553f100 00000000 00000005`));
    expect(head(m1, 16)).toBe(hx(`000a ${lenHex(m1)} 6553f101 00000000 00000005`));
    expect(head(m2, 16)).toBe(hx(`000a ${lenHex(m2)} 6553f102 00000003 00000005`));
    expect(head(m3, 16)).toBe(hx(`000a ${lenHex(m3)} 6553f103 00000005 00000005`));
    expect(head(m4, 16)).toBe(hx(`000a ${lenHex(m4)} 6553f104 00000005 00000005`));
    expect(enc.sequence).toBe(6);
    enc.reset();
    expect(enc.sequence).toBe(0);
    const [m5] = enc.encode(recs.slice(0, 1), T + 5, true);
    expect(head(m5, 16)).toBe(hx(`000a ${lenHex(m5)} 6553f105 00000000 00000005`));
    // each message parses and its length field is its size
    const { parsed } = parseAll('ipfix', [m0, m1, m2, m3, m4, m5]);
    expect(parsed.map((p) => p.dataRecords)).toEqual([0, 3, 2, 0, 1, 1]);
  });

  it('v9: sequence = packets sent before (template packets too); count = records; uptime from the first export', () => {
    const enc = new FlowEncoder({ format: 'v9', observationDomain: 9, mtu: 9000 });
    const m0 = enc.templateMessage(T);
    const [m1] = enc.encode(recs.slice(0, 3), T + 1, false);
    const [m2] = enc.encode(recs.slice(3, 5), T + 2, true);
    expect(head(m0, 20)).toBe(hx('0009 0002 00000000 6553f100 00000000 00000009'));
    expect(head(m1, 20)).toBe(hx('0009 0003 000003e8 6553f101 00000001 00000009')); // uptime 1000 ms
    expect(head(m2, 20)).toBe(hx('0009 0004 000007d0 6553f102 00000002 00000009')); // 2 templates + 2 data
    expect(enc.sequence).toBe(3);
    enc.reset(); // v9 numbers packets per exporter: continues
    expect(enc.sequence).toBe(3);
    const [m3] = enc.encode(recs.slice(5), T + 3, true, 42);
    expect(head(m3, 20)).toBe(hx('0009 0003 0000002a 6553f103 00000003 00000009'));
    const { parsed } = parseAll('v9', [m0, m1, m2, m3]);
    expect(parsed.map((p) => p.header.length)).toEqual([2, 3, 4, 3]);
  });

  it('no records and no templates: no message', () => {
    expect(new FlowEncoder({ format: 'ipfix' }).encode([], T, false)).toEqual([]);
    expect(new FlowEncoder({ format: 'v9' }).encode([], T, true)).toHaveLength(1);
  });

  it('deterministic: same records and export time give the same bytes', () => {
    const r = [trackedCall(), rec({ flow: v6flow, SIP_CALL_ID: 'x' })];
    for (const format of ['ipfix', 'v9'] as const) {
      const a = new FlowEncoder({ format }).encode(r, T, true);
      const b = new FlowEncoder({ format }).encode(r, T, true);
      expect(a.map(hex)).toEqual(b.map(hex));
    }
  });
});

// ---------------------------------------------------------------- MTU

describe('MTU', () => {
  /** Every string at its cap with multibyte characters, every number at its widest. */
  function bigRecord(i: number, v: 4 | 6): CallRecord {
    const fill = (n: number) => `${i}:` + 'ü€'.repeat(n);
    return rec({
      flow: v === 6 ? v6flow : {},
      SIP_CALL_ID: `id-${i}-` + 'x'.repeat(200),
      SIP_CALLING_PARTY: fill(60),
      SIP_CALLED_PARTY: fill(60),
      SIP_RTP_CODECS: 'PCMU;'.repeat(200),
      SIP_INVITE_TIME: ts(T + i),
      SIP_UAC: fill(60),
      SIP_UAS: fill(60),
      SIP_C_IP: '10.0.0.1,'.repeat(30),
      SIP_CALL_STATE: 'CALL_IN_PROGRESS',
    });
  }

  for (const format of ['ipfix', 'v9'] as const) {
    it(`${format}: many records split over messages <= mtu, none lost, each parses`, () => {
      const recs = Array.from({ length: 40 }, (_, i) => bigRecord(i, i % 3 === 0 ? 6 : 4));
      for (const mtu of [1400, 5000, 9000]) {
        const enc = new FlowEncoder({ format, mtu });
        const msgs = enc.encode(recs, T, true);
        expect(msgs.length).toBeGreaterThan(1);
        for (const m of msgs) expect(m.length).toBeLessThanOrEqual(mtu);
        const { parsed } = parseAll(format, msgs);
        expect(parsed[0].sets[0].templates).toHaveLength(2);
        expect(parsed.reduce((n, p) => n + p.dataRecords, 0)).toBe(40);
        const decoded = decodeRecords(format, msgs);
        const want = recs; // in their order, whatever the template
        expect(decoded.map((d) => d.values.SIP_CALL_ID)).toEqual(want.map((r) => r.SIP_CALL_ID.slice(0, 96)));
        expect(decoded.map((d) => d.tid)).toEqual(want.map((r) => (r.flow.ipVersion === 4 ? 257 : 258)));
        // sequence numbers: IPFIX counts records, v9 packets
        let seen = 0;
        parsed.forEach((p, i) => {
          expect(p.header.sequence).toBe(format === 'ipfix' ? seen : i);
          seen += p.dataRecords;
        });
        if (mtu >= 5000) expect(parsed.some((p) => p.dataRecords > 1)).toBe(true);
        expect(enc.lastCounts).toEqual(parsed.map((p) => p.dataRecords));
      }
    });

    it(`${format}: the largest default record fits the default mtu alone`, () => {
      const enc = new FlowEncoder({ format });
      for (const v of [4, 6] as const) {
        const msgs = enc.encode([bigRecord(1, v)], T, false);
        expect(msgs).toHaveLength(1);
        expect(msgs[0].length).toBeLessThanOrEqual(1400);
      }
    });

    it(`${format}: a record larger than the mtu goes alone in its own message`, () => {
      const enc = new FlowEncoder({ format, mtu: 800 }); // the template set alone is 740 bytes (IPFIX)
      const recs = [bigRecord(1, 4), bigRecord(2, 4), bigRecord(3, 6)];
      const msgs = enc.encode(recs, T, true);
      const { parsed } = parseAll(format, msgs);
      expect(parsed.map((p) => [p.templateRecords, p.dataRecords])).toEqual([
        [2, 0],
        [0, 1],
        [0, 1],
        [0, 1],
      ]);
      expect(msgs[0].length).toBeLessThanOrEqual(800);
    });
  }
});

// ---------------------------------------------------------------- round trip of a real record

describe('round trip of a tracked call', () => {
  for (const format of ['ipfix', 'v9'] as const) {
    it(`${format}: every field decodes to the record's value`, () => {
      const r = trackedCall();
      const r6 = { ...trackedCall('v6-call@example.com'), flow: { ...r.flow, ipVersion: 6 as const, src: 'fe80::1', dst: '2001:db8::5' } };
      const msgs = new FlowEncoder({ format }).encode([r, r6], T + 20, true);
      const out = decodeRecords(format, msgs);
      expect(out).toHaveLength(2);
      for (const [i, record] of [r, r6].entries()) {
        const { values } = out[i];
        const fields = exportFields(record.flow.ipVersion);
        expect(Object.keys(values)).toEqual(fields.map((f) => f.name));
        for (const f of fields) expect(values[f.name], f.name).toEqual(expectedWire(f, record));
      }
      // literal expectations, independent of the table's wire()
      const v = out[0].values;
      expect(v.SIP_CALL_ID).toBe('a84b4c76e66710@pc33.example.com');
      expect(v.SIP_CALLING_PARTY).toBe('"Alice" <sip:alice@example.com>');
      expect(v.SIP_CALLED_PARTY).toBe('"Bob" <sip:bob@example.net>');
      expect(v.SIP_RTP_CODECS).toBe('PCMU;PCMA');
      expect(v.SIP_INVITE_TIME).toBe(T);
      expect(v.SIP_RINGING_TIME).toBe(T + 1);
      expect(v.SIP_INVITE_OK_TIME).toBe(T + 3);
      expect(v.SIP_INVITE_FAILURE_TIME).toBe(0);
      expect(v.SIP_BYE_OK_TIME).toBe(T + 10);
      expect(v.SIP_RTP_IPV4_SRC_ADDR).toBe('10.0.0.1');
      expect(v.SIP_RTP_L4_SRC_PORT).toBe(4000);
      expect(v.SIP_RTP_IPV4_DST_ADDR).toBe('10.0.0.2');
      expect(v.SIP_RTP_L4_DST_PORT).toBe(5000);
      expect(v.SIP_RESPONSE_CODE).toBe(200);
      expect(v.SIP_REASON_CAUSE).toBe(16);
      expect(v.SIP_UAC).toBe('PhoneA/1.0');
      expect(v.SIP_UAS).toBe('PhoneB/2.0');
      expect(v.SIP_CALL_STATE).toBe('CALL_COMPLETED');
      expect(v.sourceIPv4Address).toBe('10.0.0.1');
      expect(v.flowStartMilliseconds).toBe(T * 1000 + 100);
      expect(v.flowEndMilliseconds).toBe(T * 1000 + 10_100);
      expect(v.packetDeltaCount).toBe(7);
      expect(out[1].tid).toBe(258);
      expect(out[1].values.sourceIPv6Address).toBe('fe800000000000000000000000000001');
    });
  }
});

// ---------------------------------------------------------------- RTP elements and stream pair records (SPEC §8)

describe('RTP elements and --export-rtp-flows', () => {
  const up = mediaStream({ dtmf: '12' });
  const down = mediaStream({
    src: '10.0.0.2:5000',
    dst: '10.0.0.1:4000',
    ssrc: 0x2000,
    direction: 'callee-to-caller',
    packets: 2490,
    bytes: 398_400,
    lost: -1,
    mos: 4.2,
    payloadType: 0,
  });
  const lone = mediaStream({ src: '[2001:db8::9]:7000', dst: '[2001:db8::8]:7002', ssrc: 0x3000, packets: 12, bytes: 1920 });
  const withMedia = rec({ SIP_CALL_ID: 'media@x', media: [up, down, lone] });
  const bare = rec({ SIP_CALL_ID: 'bare@x' });

  for (const format of ['ipfix', 'v9'] as const) {
    it(`${format}: the call record carries the RTP elements, literal values`, () => {
      const [values] = decodeRecords(format, new FlowEncoder({ format }).encode([withMedia], T, true)).map((d) => d.values);
      expect(values).toMatchObject({
        RTP_IN_JITTER: 900,
        RTP_OUT_JITTER: 900,
        RTP_IN_PKT_LOST: 10,
        RTP_OUT_PKT_LOST: 0,
        RTP_IN_PAYLOAD_TYPE: 8,
        RTP_OUT_PAYLOAD_TYPE: 0,
        RTP_IN_MAX_DELTA: 6050,
        RTP_OUT_MAX_DELTA: 6050,
        RTP_IN_MOS: 437,
        RTP_OUT_MOS: 420,
        RTP_MOS: 429, // (437 + 420) / 2 = 428.5
        RTP_IN_R_FACTOR: 9112,
        RTP_RTT: 0,
        RTP_DTMF_TONES: '12',
        RTP_SSRC: 0x1000,
      });
    });

    it(`${format}: one record per stream pair after its call, templates 259/260, counted in sequence and count`, () => {
      const enc = new FlowEncoder({ format, rtpFlows: true, mtu: 9000 });
      const msgs = enc.encode([withMedia, bare], T, true);
      expect(msgs).toHaveLength(1);
      const { parsed } = parseAll(format, msgs);
      expect(parsed[0].sets[0].templates.map((t) => t.id)).toEqual([257, 258, 259, 260]);
      if (format === 'v9') expect(parsed[0].header.length).toBe(4 + 4); // 4 templates + 2 calls + 2 pairs
      expect(enc.lastCounts).toEqual([2]); // call records only
      expect(enc.sequence).toBe(format === 'ipfix' ? 4 : 1);
      const out = decodeRecords(format, msgs);
      expect(out.map((d) => [d.tid, d.values.SIP_CALL_ID ?? d.values.RTP_SIP_CALL_ID])).toEqual([
        [257, 'media@x'],
        [259, 'media@x'],
        [260, 'media@x'],
        [257, 'bare@x'],
      ]);
      const [, pair, v6] = out.map((d) => d.values);
      expect(Object.keys(pair)).toEqual(enc.templateFields(4, true).map((f) => f.name));
      expect(pair).toMatchObject({
        sourceIPv4Address: '10.0.0.1',
        destinationIPv4Address: '10.0.0.2',
        sourceTransportPort: 4000,
        destinationTransportPort: 5000,
        protocolIdentifier: 17,
        packetDeltaCount: 2500 + 2490,
        octetDeltaCount: 400_000 + 398_400 + (2500 + 2490) * 28,
        flowStartMilliseconds: 1_700_000_003_020,
        flowEndMilliseconds: 1_700_000_053_000,
        RTP_SSRC: 0x1000,
        RTP_IN_MOS: 437,
        RTP_OUT_MOS: 420,
        RTP_DTMF_TONES: '12',
      });
      expect(v6).toMatchObject({
        sourceIPv6Address: '20010db8000000000000000000000009',
        sourceTransportPort: 7000,
        destinationTransportPort: 7002,
        packetDeltaCount: 12,
        RTP_SSRC: 0x3000,
        RTP_OUT_MOS: 0,
      });
    });
  }

  it('the least mtu holds the largest record of every template; bad stream pair template ids are refused', () => {
    expect(new FlowEncoder({ format: 'ipfix' }).minMtu).toBe(1378);
    expect(new FlowEncoder({ format: 'v9' }).minMtu).toBe(1376);
    expect(new FlowEncoder({ format: 'ipfix', rtpFlows: true }).minMtu).toBe(1378);
    expect(() => new FlowEncoder({ format: 'ipfix', rtpFlows: true, rtpTemplateIdV4: 257 })).toThrow(/own id/);
    expect(() => new FlowEncoder({ format: 'ipfix', rtpFlows: true, rtpTemplateIdV6: 100 })).toThrow(/bad template id/);
    expect(() => new FlowEncoder({ format: 'ipfix' }).templateFields(4, true)).toThrow();
  });
});

// every field of the default template is somewhere in these tests
it('default SIP fields are the 23 of the table', () => {
  expect(SIP_FIELDS).toHaveLength(23);
});
