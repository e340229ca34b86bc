// The anonymiser's pieces (shared/anonymize.ts): Crypto-PAn against the published test vectors,
// prefix preservation for IPv4 and IPv6, pseudonyms, and a SIP message with every place a user,
// host or address can stand. Whole captures: test/system/cli-anonymize.test.ts.

import { describe, expect, test } from 'vitest';
import { Anonymizer } from '../../../shared/anonymize.ts';
import { parseIp16 } from '../../../shared/addr.ts';

// the key and addresses published with Crypto-PAn (Xu, Fan, Ammar, Moon)
const CRYPTO_PAN_KEY = Uint8Array.from([
  21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34,
  2,
]);
const VECTORS: [string, string][] = [
  ['128.11.68.132', '135.242.180.132'],
  ['129.118.74.4', '134.136.186.123'],
  ['130.132.252.244', '133.68.164.234'],
  ['141.223.7.43', '141.167.8.160'],
  ['141.233.145.108', '141.129.237.235'],
  ['152.163.225.39', '151.140.114.167'],
  ['156.29.3.236', '147.225.12.42'],
  ['165.247.96.84', '162.9.99.234'],
  ['166.107.77.190', '160.132.178.185'],
  ['192.102.249.13', '252.138.62.131'],
];

const key = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 255);

/** Bits two 16-byte addresses share from the start. */
function commonPrefix(a: string, b: string): number {
  const x = parseIp16(a)!;
  const y = parseIp16(b)!;
  for (let i = 0; i < 128; i++) if (((x[i >> 3] ^ y[i >> 3]) >> (7 - (i & 7))) & 1) return i;
  return 128;
}

describe('addresses', () => {
  test('Crypto-PAn: the published test vectors', () => {
    const a = new Anonymizer(CRYPTO_PAN_KEY);
    expect(VECTORS.map(([i]) => a.ipText(i))).toEqual(VECTORS.map(([, o]) => o));
  });

  test('prefixes are kept: two addresses share as many leading bits after as before (IPv4 and IPv6), families kept', () => {
    const a = new Anonymizer(key(1));
    const v4 = ['10.1.2.3', '10.1.2.200', '10.1.77.3', '10.200.2.3', '192.168.0.1', '172.16.5.4'];
    const v6 = ['2001:db8::1', '2001:db8::2', '2001:db8:1::1', 'fe80::1', '2001:db9::1'];
    for (const list of [v4, v6]) {
      for (const x of list) {
        for (const y of list) {
          const before = commonPrefix(x, y) - (list === v4 ? 96 : 0);
          const after = commonPrefix(a.ipText(x)!, a.ipText(y)!) - (list === v4 ? 96 : 0);
          expect(after, `${x} ${y}`).toBe(before);
        }
      }
    }
    expect(a.ipText('10.1.2.3')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(a.ipText('2001:db8::1')).toContain(':');
    expect(a.ipText('not an address')).toBeNull();
  });

  test('another key, other addresses; the same key, the same', () => {
    expect(new Anonymizer(key(1)).ipText('10.1.2.3')).toBe(new Anonymizer(key(1)).ipText('10.1.2.3'));
    expect(new Anonymizer(key(1)).ipText('10.1.2.3')).not.toBe(new Anonymizer(key(2)).ipText('10.1.2.3'));
    expect(() => new Anonymizer(new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe('names', () => {
  test('numbers stay numbers of their length (a leading + kept), other users and hosts become pseudonyms', () => {
    const a = new Anonymizer(key(3));
    expect(a.user('+14155550123')).toMatch(/^\+\d{11}$/);
    expect(a.user('+14155550123')).not.toBe('+14155550123');
    expect(a.user('1001')).toMatch(/^\d{4}$/);
    expect(a.user('alice')).toMatch(/^u[0-9a-f]{8}$/);
    expect(a.user('alice')).toBe(a.user('alice'));
    expect(a.host('pbx.Example.com')).toBe(a.host('PBX.example.COM'));
    expect(a.host('pbx.example.com')).toMatch(/^h[0-9a-f]{8}\.invalid$/);
  });
});

describe('a SIP message', () => {
  const body = [
    'v=0',
    'o=alice 2890844526 2890844526 IN IP4 10.1.2.3',
    's=-',
    'c=IN IP4 10.1.2.3',
    't=0 0',
    'm=audio 49170 RTP/AVP 0',
    'a=rtcp:49171 IN IP6 2001:db8::7',
    '',
  ].join('\r\n');
  const msg = [
    'INVITE sip:+14155550123@gw.carrier.example:5060;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP pbx.customer.example:5060;branch=z9hG4bK776;received=10.1.2.3',
    'Via: SIP/2.0/TCP [2001:db8::7]:5061;branch=z9hG4bK777',
    'From: "Alice Liddell" <sip:alice@customer.example>;tag=1928',
    'To: Bob Builder <sip:+14155550123@carrier.example>',
    'Contact: <sip:alice@10.1.2.3:5060>',
    'P-Asserted-Identity: <tel:+1-415-555-0199>',
    'Call-ID: a84b4c76e66710@pbx.customer.example',
    'CSeq: 314159 INVITE',
    'Authorization: Digest username="alice", realm="customer.example", uri="sip:gw.carrier.example", response="x"',
    'X-Account: alice',
    'Content-Type: application/sdp',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');

  test('no user, host, display name or address is left; lengths are right; the rest is kept', () => {
    const a = new Anonymizer(key(4));
    const out = a.sipText(msg);
    for (const secret of [
      '4155550123',
      '415-555-0199',
      'gw.carrier',
      'carrier.example',
      'customer.example',
      'pbx.',
      'Alice',
      'alice',
      'Bob Builder',
      '10.1.2.3',
      '2001:db8',
    ]) {
      expect(out, secret).not.toContain(secret);
    }
    // what is kept: the method, branch, tags, CSeq, ports, Call-ID local part, SDP ports
    for (const kept of [
      'INVITE sip:',
      ';user=phone SIP/2.0',
      'branch=z9hG4bK776',
      'tag=1928',
      'CSeq: 314159 INVITE',
      'a84b4c76e66710@',
      'm=audio 49170 RTP/AVP 0',
      ':5060',
    ]) {
      expect(out, kept).toContain(kept);
    }
    const split = out.indexOf('\r\n\r\n') + 4;
    const cl = Number(/Content-Length: (\d+)/.exec(out)![1]);
    expect(cl).toBe(out.length - split);
    // the same address the same everywhere: Via received=, Contact and SDP c=
    const mapped = a.ipText('10.1.2.3')!;
    expect(out.split(mapped).length - 1).toBe(4);
    // the same user in From, Contact, the digest, a header of its own and the SDP o= line
    const user = a.user('alice');
    expect(out.split(user).length - 1).toBe(5);
  });
});
