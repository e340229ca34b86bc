// The filter language (SPEC §10, shared/filter.ts) on the sample's records (six calls and a
// REGISTER dialog, with --all-dialogs) and on variants of them: every key and operator, free
// text, precedence, prefixes, and errors that point at their column.

import { beforeAll, describe, expect, test } from 'vitest';
import { FILTER_KEYS, FilterError, filterErrorText, parseFilter } from '../../../shared/filter.ts';
import type { CallRecord, MediaStream } from '../../../shared/record.ts';
import { recordsOf } from '../../support/engine.ts';
import { SAMPLE } from '../../support/paths.ts';

let records: CallRecord[] = [];
beforeAll(async () => {
  records = (await recordsOf([SAMPLE], { allDialogs: true })).records;
});

/** The short names (Call-ID before its @) of the sample's records a filter selects. */
function sel(expr: string, rs: CallRecord[] = records): string[] {
  const f = parseFilter(expr);
  return rs.filter(f).map((r) => r.SIP_CALL_ID.split('@')[0]);
}

const ALL = [
  'a84b4c76e66710',
  'b7c2e1f0',
  'tcp-5f1e2d3c',
  '3848276298220188511',
  'ipv6-call-77',
  'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  'reg-0001',
];

function error(expr: string): FilterError {
  try {
    parseFilter(expr);
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
  throw new Error(`"${expr}" was accepted`);
}

describe('filter: keys and operators', () => {
  test('the sample is what the tests below assume', () => {
    expect(sel('')).toEqual(ALL);
    expect(records.map((r) => r.SIP_CALL_STATE)).toEqual([
      'CALL_COMPLETED',
      'CALL_COMPLETED',
      'CALL_COMPLETED',
      'CALL_ERROR',
      'CALL_COMPLETED',
      'CALL_CANCELED',
      'REGISTER',
    ]);
  });

  test('call-id, from, to: = is whole and without case, ~ is contained', () => {
    expect(sel('call-id=B7C2E1F0@192.0.2.10')).toEqual(['b7c2e1f0']);
    expect(sel('call-id=b7c2e1f0')).toEqual([]);
    expect(sel('call-id~ipv6')).toEqual(['ipv6-call-77']);
    expect(sel('from~carol')).toEqual(['tcp-5f1e2d3c', '3848276298220188511']);
    expect(sel('to~dave')).toEqual(['b7c2e1f0', '3848276298220188511']);
    expect(sel('to!=<sip:bob@example.net>')).toEqual([
      'b7c2e1f0',
      '3848276298220188511',
      'ipv6-call-77',
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      'reg-0001',
    ]);
  });

  test('ua: either side', () => {
    expect(sel('ua~asterisk')).toEqual(['a84b4c76e66710', 'tcp-5f1e2d3c']);
    expect(sel('ua="Zoiper 5.6.1"')).toEqual(['a84b4c76e66710', 'b7c2e1f0']);
    expect(sel('ua!~asterisk')).toEqual([
      'b7c2e1f0',
      '3848276298220188511',
      'ipv6-call-77',
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      'reg-0001',
    ]);
  });

  test('ip: signalling and media addresses, any spelling, prefixes of both families', () => {
    expect(sel('ip=198.51.100.21')).toEqual(['b7c2e1f0', '3848276298220188511']);
    expect(sel('ip=192.0.2.12/32')).toEqual(['f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'reg-0001']);
    expect(sel('ip=198.51.100.0/24 ip!=198.51.100.20')).toEqual([
      'b7c2e1f0',
      '3848276298220188511',
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      'reg-0001',
    ]);
    expect(sel('ip=2001:0db8:0020:0000:0000:0000:0000:0007')).toEqual(['ipv6-call-77']);
    expect(sel('ip=2001:db8::/32')).toEqual(['ipv6-call-77']);
    // an IPv4 prefix holds IPv4 addresses only, ::/0 every address
    expect(sel('ip=0.0.0.0/0')).toEqual(ALL.filter((c) => c !== 'ipv6-call-77'));
    expect(sel('ip=::/0')).toEqual(ALL);
    expect(sel('ip~2001:db8:10')).toEqual(['ipv6-call-77']);
    // a media address only (from the call's RTP streams and SDP)
    const media = { ...records[0], flow: { ...records[0].flow, src: '10.1.1.1', dst: '10.1.1.2' }, SIP_C_IP: '' };
    expect(sel('ip=198.51.100.20', [media])).toEqual(['a84b4c76e66710']);
  });

  test('port: signalling and media ports, numbers compared as numbers', () => {
    expect(sel('port=5080')).toEqual(['f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'reg-0001']);
    expect(sel('port=31000')).toEqual(['a84b4c76e66710']);
    expect(sel('port>40000')).toEqual(['a84b4c76e66710', 'b7c2e1f0', 'tcp-5f1e2d3c']);
  });

  test('code, cause, reason', () => {
    expect(sel('code>=400')).toEqual(['3848276298220188511', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('code=486')).toEqual(['3848276298220188511']);
    expect(sel('code<300 code>=200')).toEqual(['a84b4c76e66710', 'b7c2e1f0', 'tcp-5f1e2d3c', 'ipv6-call-77', 'reg-0001']);
    expect(sel('code~48')).toEqual(['3848276298220188511', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('cause=16')).toEqual(['a84b4c76e66710', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('cause!=16')).toEqual(['b7c2e1f0', 'tcp-5f1e2d3c', '3848276298220188511', 'ipv6-call-77', 'reg-0001']);
    expect(sel('reason~"user busy"')).toEqual(['3848276298220188511']);
  });

  test('state and method: as written or short', () => {
    expect(sel('state=completed')).toEqual(['a84b4c76e66710', 'b7c2e1f0', 'tcp-5f1e2d3c', 'ipv6-call-77']);
    expect(sel('state=CALL_ERROR')).toEqual(['3848276298220188511']);
    expect(sel('state!=completed state!=register')).toEqual(['3848276298220188511', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('method=register')).toEqual(['reg-0001']);
    expect(sel('method=INVITE')).toEqual(ALL.slice(0, 6));
  });

  test('codec: offered or seen, one of a list', () => {
    expect(sel('codec=pcma')).toEqual(['a84b4c76e66710', 'tcp-5f1e2d3c']);
    expect(sel('codec=G72')).toEqual([]);
    expect(sel('codec~G72')).toEqual(['b7c2e1f0', '3848276298220188511', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
  });

  test('verdict, mos, loss, jitter: media numbers, none without media', () => {
    expect(sel('verdict=no-rtp')).toEqual(['b7c2e1f0', 'tcp-5f1e2d3c', 'ipv6-call-77']);
    expect(sel('verdict!=no-rtp state~call')).toEqual(['a84b4c76e66710', '3848276298220188511', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('mos>=4.4')).toEqual(['a84b4c76e66710']);
    expect(sel('mos<4')).toEqual([]);
    expect(sel('mos!=4.4')).toEqual(ALL.slice(1));
    const stream = (o: Partial<MediaStream>): MediaStream => ({ ...records[0].media[0], ...o });
    const bad = {
      ...records[0],
      SIP_CALL_ID: 'bad@x',
      media: [stream({ mos: 4.1, lostPct: 0.5, jitterMs: 3 }), stream({ mos: 2.5, lostPct: 12, jitterMs: 45 })],
    };
    expect(sel('mos<3', [bad])).toEqual(['bad']); // the lowest stream
    expect(sel('loss>10', [bad])).toEqual(['bad']); // the highest
    expect(sel('jitter>=45', [bad])).toEqual(['bad']);
    expect(sel('jitter>45', [bad])).toEqual([]);
  });

  test('duration and setup: seconds, none when not answered', () => {
    expect(sel('duration>5')).toEqual(['b7c2e1f0', 'tcp-5f1e2d3c', 'ipv6-call-77']);
    expect(sel('duration<=2.2')).toEqual(['a84b4c76e66710']);
    expect(sel('setup<0.4')).toEqual(['a84b4c76e66710', 'tcp-5f1e2d3c']);
    expect(sel('setup=.5')).toEqual(['ipv6-call-77', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
  });

  test('leg and group', () => {
    const b = { ...records[0], SIP_CALL_ID: 'b-leg@x', leg: 2, callGroup: 'a84b4c76e66710@192.0.2.10' };
    expect(sel('leg=2', [...records, b])).toEqual(['b-leg']);
    expect(sel('group=a84b4c76e66710@192.0.2.10', [...records, b])).toEqual(['a84b4c76e66710', 'b-leg']);
    expect(sel('leg<2 group~a84b', [...records, b])).toEqual(['a84b4c76e66710']);
  });

  test("start: the INVITE time in UTC, to the minute or second, or epoch seconds (the KPI tab's minute bars)", () => {
    // the sample's calls start at 10:00:00, :05, :06, :10, :21.005 and :31 on 2026-01-01
    expect(sel('start>=2026-01-01T10:00:10 start<2026-01-01T10:00:22')).toEqual(['b7c2e1f0', 'tcp-5f1e2d3c']);
    expect(sel('start>=2026-01-01T10:00 start<2026-01-01T10:01')).toEqual(
      ALL.filter((id) => sel('start>=1767261600 start<1767261660').includes(id)),
    );
    expect(sel('start>=2026-01-01T10:00 start<2026-01-01T10:01').length).toBeGreaterThanOrEqual(6);
    expect(sel('start>2026-01-01T10:00:21.005 state=completed')).toEqual(['ipv6-call-77']);
    expect(sel('start>"2026-01-01 10:00:21.005" state=completed')).toEqual(['ipv6-call-77']);
    expect(sel('start<1767261605')).toEqual(['a84b4c76e66710']);
    expect(() => parseFilter('start>=yesterday')).toThrow(/UTC time like 2026-01-01T10:00/);
  });

  test('every key of SPEC §10 is known, and start', () => {
    expect(Object.keys(FILTER_KEYS)).toEqual(
      'call-id from to ua ip port code reason cause state codec method verdict mos loss jitter duration setup leg group start'.split(' '),
    );
  });
});

describe('filter: words, precedence, quoting', () => {
  test('free text: Call-ID, parties, user agents, addresses, reason, codecs', () => {
    expect(sel('yealink')).toEqual(['b7c2e1f0', '3848276298220188511']);
    expect(sel('2001:db8:20::7')).toEqual(['ipv6-call-77']);
    expect(sel('opus')).toEqual(['ipv6-call-77']);
    expect(sel('"normal call"')).toEqual(['a84b4c76e66710']);
    expect(sel('ERIN')).toEqual(['f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'reg-0001']);
  });

  test('side by side is "and"; "or" binds less; "not" and "-" more; parentheses group', () => {
    expect(sel('carol dave')).toEqual(['3848276298220188511']);
    expect(sel('carol and dave')).toEqual(['3848276298220188511']);
    expect(sel('carol or dave')).toEqual(['b7c2e1f0', 'tcp-5f1e2d3c', '3848276298220188511']);
    // and before or: (alice and dave) or erin
    expect(sel('alice dave or erin')).toEqual(['b7c2e1f0', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'reg-0001']);
    expect(sel('alice (dave or erin)')).toEqual(['b7c2e1f0']);
    expect(sel('-alice state=completed')).toEqual(['tcp-5f1e2d3c', 'ipv6-call-77']);
    expect(sel('not (alice or carol) state~call')).toEqual(['ipv6-call-77', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('not not alice')).toEqual(sel('alice'));
    // keywords in any case; quoted, a keyword is text ("Normal call clearing" holds "or")
    expect(sel('carol OR dave')).toEqual(sel('carol or dave'));
    expect(sel('"or"')).toEqual(['a84b4c76e66710']);
    expect(sel('((code=486))')).toEqual(['3848276298220188511']);
  });

  test('a minus inside a word is part of it', () => {
    expect(sel('call-id~f81d4fae-7dec')).toEqual(['f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(sel('7dec-11d0')).toEqual(['f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
  });

  test('quoted values keep spaces, parentheses and escaped quotes', () => {
    expect(sel('ua="Asterisk PBX 20.5.0"')).toEqual(['a84b4c76e66710', 'tcp-5f1e2d3c']);
    expect(sel('reason~"text=\\"User busy\\""')).toEqual(['3848276298220188511']);
    expect(sel('from~"(nobody)"')).toEqual([]);
  });
});

describe('filter: errors point at their column', () => {
  test.each([
    ['fro=alice', 1, /unknown key "fro"/],
    ['alice (dave', 12, /"\(" at column 7 is not closed/],
    ['alice )', 7, /"\)" closes nothing/],
    ['or alice', 1, /"or" needs a term before it/],
    ['alice or', 9, /"or" needs a term after it/],
    ['alice and or bob', 11, /"and" needs a term after it/],
    ['not', 4, /"not" needs a term after it/],
    ['()', 2, /empty parentheses/],
    ['mos<good', 5, /mos takes a number, not "good"/],
    ['code>=4xx', 7, /code takes a number/],
    ['from<alice', 5, /from is compared as text: use =, != or ~/],
    ['ip=10.0.0.300', 4, /"10\.0\.0\.300" is not an IPv4 or IPv6 address/],
    ['ip=10.0.0.0/33', 13, /prefix length must be 0 to 32/],
    ['ip=::/129', 7, /prefix length must be 0 to 128/],
    ['reason~"busy', 8, /the quote is not closed/],
    ['code=', 6, /"code=" needs a value/],
    ['ua!~', 5, /"ua!~" needs a value/],
  ])('%s', (expr, column, message) => {
    const e = error(expr);
    expect(e.message).toMatch(message);
    expect(e.column).toBe(column);
    const text = filterErrorText(expr, e);
    const [, shown, caret] = text.split('\n');
    expect(shown).toBe(`  ${expr}`);
    expect(caret.indexOf('^')).toBe(column + 1);
  });
});
