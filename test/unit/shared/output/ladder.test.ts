// shared/output/ladder.ts: participants and arrows of a call's messages, the time gutter, the short SDP
// summary and the text ladder (the browser's SVG view and "ladder as text" download use these).
// The SVG layout drawn from them (web/views/ladder-svg.ts) is test/unit/web/ladder-svg.test.ts.

import { describe, expect, test } from 'vitest';
import { recordsOf } from '../../../support/engine.ts';
import { base, ts, viaProxy } from '../../../support/ladder-messages.ts';
import { SAMPLE } from '../../../support/paths.ts';
import {
  arrowCaption,
  arrowTime,
  endpointText,
  ladderModel,
  ladderText,
  printable,
  shortSdp,
  type LadderMessage,
} from '../../../../shared/output/ladder.ts';

describe('ladder model', () => {
  test('one column per endpoint in order of appearance, caller and callee marked', () => {
    const m = ladderModel(viaProxy);
    expect(m.participants.map((p) => [p.label, p.role])).toEqual([
      ['10.0.0.1:5060', 'caller'],
      ['10.0.0.2:5060', 'callee'],
      ['10.0.0.2:5070', null],
    ]);
    expect(m.arrows.map((a) => [a.from, a.to, a.status])).toEqual([
      [0, 1, 0],
      [1, 2, 0],
      [1, 2, 0],
      [2, 0, 200],
    ]);
    expect(m.arrows[3].sdp).toBe('PCMU 10.0.0.2:4000; video H264 10.0.0.2:5000');
    expect(arrowCaption(m.arrows[2])).toBe('INVITE (retransmission)');
    expect(arrowCaption(m.arrows[3])).toBe('200 OK (SDP)');
  });

  test('merged by IP: the proxy hop becomes a message to itself', () => {
    const m = ladderModel(viaProxy, { mergeByIp: true });
    expect(m.participants.map((p) => [p.key, p.label, p.port])).toEqual([
      ['10.0.0.1', '10.0.0.1', null],
      ['10.0.0.2', '10.0.0.2', null],
    ]);
    expect(m.arrows.map((a) => [a.from, a.to])).toEqual([
      [0, 1],
      [1, 1],
      [1, 1],
      [1, 0],
    ]);
  });

  test('time gutter: absolute, relative, delta (exact, from the capture digits)', () => {
    const m = ladderModel(viaProxy);
    expect(m.arrows.map((_, i) => arrowTime(m, i, 'absolute'))).toEqual([
      '10:00:00.000000',
      '10:00:00.500000',
      '10:00:00.500000',
      '10:00:01.000000',
    ]);
    expect(m.arrows.map((_, i) => arrowTime(m, i, 'relative'))).toEqual(['+0.000000', '+0.500000', '+0.500000', '+1.000000']);
    expect(m.arrows.map((_, i) => arrowTime(m, i, 'delta'))).toEqual(['+0.000000', '+0.500000', '+0.000000', '+0.500000']);
  });

  test('helpers', () => {
    expect(endpointText('2001:db8::1', 5060)).toBe('[2001:db8::1]:5060');
    expect(shortSdp('audio 5004 RTP/AVP PCMU,telephone-event')).toBe('PCMU,telephone-event port 5004');
    expect(shortSdp('image 192.0.2.1:4000 udptl t38')).toBe('image t38 192.0.2.1:4000');
    // each payload name once (offered at several clock rates)
    expect(shortSdp('audio 192.0.2.1:4000 RTP/AVP opus,ISAC,ISAC,G722,CN,CN,CN,telephone-event,telephone-event')).toBe(
      'opus,ISAC,G722,CN,telephone-event 192.0.2.1:4000',
    );
    expect(printable('a\r\nb\x7f')).toBe('a\\x0D\\x0Ab\\x7F');
    expect(printable('x'.repeat(10), 5)).toBe('xxxx…');
  });
});

/** INVITE, 200, ACK, then CANCEL and BYE with their 200s: only the answer to the INVITE goes without its method. */
const withNonInviteAnswers: LadderMessage[] = [
  { ...base, frame: 1, ts: ts(0), src: '10.0.0.1', sport: 5060, dst: '10.0.0.2', dport: 5060, label: 'INVITE', isRequest: true },
  {
    ...base,
    frame: 2,
    ts: ts(1),
    src: '10.0.0.1',
    sport: 5060,
    dst: '10.0.0.2',
    dport: 5060,
    label: 'CANCEL',
    isRequest: true,
    cseqMethod: 'CANCEL',
  },
  {
    ...base,
    frame: 3,
    ts: ts(1),
    src: '10.0.0.2',
    sport: 5060,
    dst: '10.0.0.1',
    dport: 5060,
    label: '200 OK',
    isRequest: false,
    fromCaller: false,
    cseqMethod: 'CANCEL',
  },
  {
    ...base,
    frame: 4,
    ts: ts(1),
    src: '10.0.0.2',
    sport: 5060,
    dst: '10.0.0.1',
    dport: 5060,
    label: '487 Request Terminated',
    isRequest: false,
    fromCaller: false,
  },
  {
    ...base,
    frame: 5,
    ts: ts(2),
    src: '10.0.0.2',
    sport: 5060,
    dst: '10.0.0.1',
    dport: 5060,
    label: 'BYE',
    isRequest: true,
    fromCaller: false,
    cseqMethod: 'BYE',
    cseq: 2,
  },
  {
    ...base,
    frame: 6,
    ts: ts(2),
    src: '10.0.0.1',
    sport: 5060,
    dst: '10.0.0.2',
    dport: 5060,
    label: '200 OK',
    isRequest: false,
    cseqMethod: 'BYE',
    cseq: 2,
  },
];

describe('captions', () => {
  test('a response to anything but the INVITE names its CSeq method, in the model and the text ladder alike', () => {
    const m = ladderModel(withNonInviteAnswers);
    expect(m.arrows.map(arrowCaption)).toEqual(['INVITE', 'CANCEL', '200 OK (CANCEL)', '487 Request Terminated', 'BYE', '200 OK (BYE)']);
    expect(m.arrows.map((a) => a.label)).toEqual(['INVITE', 'CANCEL', '200 OK', '487 Request Terminated', 'BYE', '200 OK']);
    const lines = ladderText(m, { time: 'relative' }).split('\n');
    expect(lines.find((l) => l.startsWith('+1.000000') && l.includes('200 OK'))).toMatch(/\|<-+ 200 OK \(CANCEL\) -+\|/);
    expect(lines.find((l) => l.startsWith('+2.000000') && l.includes('200 OK'))).toMatch(/\|-+ 200 OK \(BYE\) -+>\|/);
  });
});

describe('text ladder', () => {
  test('a proxied call with a retransmission (delta times)', () => {
    expect(ladderText(ladderModel(viaProxy), { time: 'delta' })).toBe(
      [
        'since previous           10.0.0.1:5060                   10.0.0.2:5060                   10.0.0.2:5070',
        '                             caller                          callee',
        '                                |                               |                               |',
        '+0.000000                       |----------- INVITE ----------->|                               |',
        '+0.500000                       |                               |----------- INVITE ----------->|',
        '+0.000000                       |                               |... INVITE (retransmission) ..>|',
        '+0.500000                       |<----------------------- 200 OK (SDP) -------------------------|                 PCMU 10.0.0.2:4000; video H264 10.0.0.2:5000',
        '                                |                               |                               |',
        '',
      ].join('\n'),
    );
  });

  test('merged by IP: hooks for messages to the same address', () => {
    const t = ladderText(ladderModel(viaProxy, { mergeByIp: true }), { time: 'delta' });
    expect(t.split('\n').slice(3, 7)).toEqual([
      '+0.000000                       |----------- INVITE ----------->|',
      '+0.500000                       |                               |--+ INVITE',
      '+0.000000                       |                               |..+ INVITE (retransmission)',
      '+0.500000                       |<------- 200 OK (SDP) ---------|                 PCMU 10.0.0.2:4000; video H264 10.0.0.2:5000',
    ]);
  });

  test('the busy call of the sample, with header and footer lines', async () => {
    const { records } = await recordsOf([SAMPLE], { keepMessages: true });
    const busy = records.find((r) => r.SIP_CALL_STATE === 'CALL_ERROR')!;
    expect(ladderText(ladderModel(busy.ladder!), { header: ['Call-ID: ' + busy.SIP_CALL_ID], footer: ['end'] })).toBe(
      [
        'Call-ID: 3848276298220188511@192.0.2.11',
        '2026-01-01 UTC      192.0.2.11:5062      198.51.100.21:5060',
        '                         caller                callee',
        '                            |                     |',
        '10:00:05.000000             |--- INVITE (SDP) --->|            PCMU,G729 192.0.2.11:7078',
        '10:00:05.020000             |<--- 100 Trying -----|',
        '10:00:05.400000             |<-- 486 Busy Here ---|',
        '10:00:05.410000             |-------- ACK ------->|',
        '                            |                     |',
        'end',
        '',
      ].join('\n'),
    );
  });
});
