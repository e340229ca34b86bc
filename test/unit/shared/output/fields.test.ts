// The field table (shared/output/fields.ts): ids, lengths, the default template, template
// parsing, and each field's text, JSON and wire values.

import { describe, expect, it } from 'vitest';
import {
  ALL_FIELDS,
  DEFAULT_TEMPLATE,
  FLOW_FIELDS,
  FLOW_FIELDS_V4,
  FLOW_FIELDS_V6,
  IPFIX_ENTERPRISE_BIT,
  NTOP_BASE_ID,
  NTOP_PEN,
  SIP_FIELDS,
  exportFields,
  fieldByName,
  parseTemplate,
  sipField,
} from '../../../../shared/output/fields.ts';
import { fieldJson } from '../../../../shared/output/format.ts';
import type { CallRecord } from '../../../../shared/record.ts';
import { DEFAULT_DUMP_HEADER } from '../../../support/records.ts';

describe('field table', () => {
  it('has the 23 SIP fields in the default dump order', () => {
    expect(SIP_FIELDS).toHaveLength(23);
    expect(SIP_FIELDS.map((f) => f.name).join('|')).toBe(DEFAULT_DUMP_HEADER);
    expect(DEFAULT_TEMPLATE).toBe(SIP_FIELDS);
  });

  it('ntop numbers, v9 ids and lengths match SPEC §5.1', () => {
    const table: Array<[string, number, number, number | 'varlen', number]> = [
      ['SIP_CALL_ID', 130, 96, 'varlen', 96],
      ['SIP_CALLING_PARTY', 131, 96, 'varlen', 96],
      ['SIP_CALLED_PARTY', 132, 96, 'varlen', 96],
      ['SIP_RTP_CODECS', 133, 512, 512, 512],
      ['SIP_INVITE_TIME', 134, 4, 4, 4],
      ['SIP_TRYING_TIME', 135, 4, 4, 4],
      ['SIP_RINGING_TIME', 136, 4, 4, 4],
      ['SIP_INVITE_OK_TIME', 137, 4, 4, 4],
      ['SIP_INVITE_FAILURE_TIME', 138, 4, 4, 4],
      ['SIP_BYE_TIME', 139, 4, 4, 4],
      ['SIP_BYE_OK_TIME', 140, 4, 4, 4],
      ['SIP_CANCEL_TIME', 141, 4, 4, 4],
      ['SIP_CANCEL_OK_TIME', 142, 4, 4, 4],
      ['SIP_RTP_IPV4_SRC_ADDR', 143, 4, 4, 4],
      ['SIP_RTP_L4_SRC_PORT', 144, 2, 2, 2],
      ['SIP_RTP_IPV4_DST_ADDR', 145, 4, 4, 4],
      ['SIP_RTP_L4_DST_PORT', 146, 2, 2, 2],
      ['SIP_RESPONSE_CODE', 147, 4, 4, 4],
      ['SIP_REASON_CAUSE', 148, 4, 4, 4],
      ['SIP_UAC', 316, 96, 'varlen', 96],
      ['SIP_UAS', 317, 96, 'varlen', 96],
      ['SIP_C_IP', 362, 128, 128, 128],
      ['SIP_CALL_STATE', 363, 16, 'varlen', 16],
    ];
    for (const [name, n, v9len, ipfixLen, max] of table) {
      const f = sipField(name);
      expect({ name, n: f.ntop, v9Id: f.v9Id, v9Length: f.v9Length, ipfix: f.ipfixLength, max: f.maxLength }).toEqual({
        name,
        n,
        v9Id: 57472 + n,
        v9Length: v9len,
        ipfix: ipfixLen,
        max,
      });
      expect(f.enterprise).toBe(NTOP_PEN);
      expect(f.ipfixId).toBe(n | 0x8000);
      expect(f.iana).toBeNull();
    }
    expect(NTOP_PEN).toBe(35632);
    expect(NTOP_BASE_ID).toBe(57472);
    expect(IPFIX_ENTERPRISE_BIT).toBe(0x8000);
    expect(sipField('SIP_CALL_ID').v9Id).toBe(57602);
    expect(sipField('SIP_CALL_STATE').v9Id).toBe(57835);
  });

  it('flow fields are IANA elements (SPEC §4)', () => {
    const ids = (fs: readonly { iana: number | null }[]) => fs.map((f) => f.iana);
    expect(ids(FLOW_FIELDS_V4)).toEqual([8, 12, 7, 11, 4, 152, 153, 2, 1]);
    expect(ids(FLOW_FIELDS_V6)).toEqual([27, 28, 7, 11, 4, 152, 153, 2, 1]);
    for (const f of FLOW_FIELDS) {
      expect(f.ntop).toBeNull();
      expect(f.enterprise).toBe(0);
      expect(f.ipfixId).toBe(f.iana);
      expect(f.v9Id).toBe(f.iana);
      expect(f.ipfixLength).toBe(f.maxLength);
    }
    expect(fieldByName('sourceIPv6Address')!.maxLength).toBe(16);
    expect(fieldByName('protocolIdentifier')!.maxLength).toBe(1);
    expect(fieldByName('flowStartMilliseconds')!.maxLength).toBe(8);
    expect(exportFields(4).length).toBe(9 + 23 + 17);
    expect(exportFields(6)[0].name).toBe('sourceIPv6Address');
    expect(new Set(ALL_FIELDS.map((f) => f.name)).size).toBe(ALL_FIELDS.length);
  });
});

describe('parseTemplate', () => {
  it('reads nProbe style and plain lists', () => {
    expect(parseTemplate('%SIP_CALL_ID %SIP_CALL_STATE').map((f) => f.name)).toEqual(['SIP_CALL_ID', 'SIP_CALL_STATE']);
    expect(parseTemplate('SIP_CALL_ID, sip_uac ,SIP_UAS').map((f) => f.name)).toEqual(['SIP_CALL_ID', 'SIP_UAC', 'SIP_UAS']);
    expect(parseTemplate(DEFAULT_DUMP_HEADER)).toEqual([...SIP_FIELDS]);
  });

  it('SIP_FAILURE_CODE is SIP_RESPONSE_CODE; nProbe names of flow fields work', () => {
    expect(parseTemplate('%SIP_FAILURE_CODE')[0]).toBe(sipField('SIP_RESPONSE_CODE'));
    expect(parseTemplate('%IPV4_SRC_ADDR %L4_DST_PORT %PROTOCOL').map((f) => f.iana)).toEqual([8, 11, 4]);
  });

  it('rejects unknown names and empty templates', () => {
    expect(() => parseTemplate('%SIP_CALL_ID %NOPE')).toThrow(/NOPE/);
    expect(() => parseTemplate('  ')).toThrow();
  });
});

describe('field values', () => {
  const rec = {
    SIP_CALL_ID: 'c1',
    SIP_INVITE_TIME: { sec: 1_700_000_000, nsec: 250_000_000, digits: 6 },
    SIP_TRYING_TIME: null,
    SIP_RTP_IPV4_SRC_ADDR: '',
    SIP_RTP_L4_SRC_PORT: 0,
    SIP_RESPONSE_CODE: 486,
    SIP_UAS: '',
    flow: {
      ipVersion: 6,
      src: '2001:db8::1',
      dst: '2001:db8::2',
      sport: 5060,
      dport: 5062,
      protocol: 17,
      start: { sec: 1_700_000_000, nsec: 250_999_999, digits: 9 },
      end: { sec: 1_700_000_001, nsec: 0, digits: 9 },
      packets: 3,
      bytes: 1500,
    },
  } as unknown as CallRecord;

  it('text, JSON and wire values; absent values are empty / null / 0', () => {
    const f = (n: string) => fieldByName(n)!;
    expect(f('SIP_INVITE_TIME').text(rec, 1)).toBe('1700000000.250000');
    expect(fieldJson(f('SIP_INVITE_TIME'), rec)).toBe('1700000000.250000');
    expect(f('SIP_INVITE_TIME').wire(rec)).toBe(1_700_000_000);
    expect(f('SIP_TRYING_TIME').text(rec, 2)).toBe('');
    expect(fieldJson(f('SIP_TRYING_TIME'), rec)).toBe('null');
    expect(f('SIP_TRYING_TIME').wire(rec)).toBe(0);
    expect(fieldJson(f('SIP_RTP_IPV4_SRC_ADDR'), rec)).toBe('null');
    expect(f('SIP_RTP_L4_SRC_PORT').text(rec, 1)).toBe('');
    expect(fieldJson(f('SIP_RESPONSE_CODE'), rec)).toBe('486');
    expect(fieldJson(f('SIP_UAS'), rec)).toBe('null');
    expect(fieldJson(f('SIP_CALL_ID'), rec)).toBe('"c1"');
    expect(f('sourceIPv4Address').wire(rec)).toBe('');
    expect(f('sourceIPv6Address').wire(rec)).toBe('2001:db8::1');
    expect(f('destinationTransportPort').text(rec, 1)).toBe('5062');
    expect(f('flowStartMilliseconds').wire(rec)).toBe(1_700_000_000_250);
    expect(f('flowStartMilliseconds').text(rec, 1)).toBe('1700000000.250999999');
    expect(f('octetDeltaCount').wire(rec)).toBe(1500);
  });
});
