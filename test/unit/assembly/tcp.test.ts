// The core's TCP reassembly: split, coalesced, retransmitted, reordered and lost segments,
// sequence wrap, keep-alives, captures starting mid-stream, Content-Length framing, memory limits.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  run,
  A4,
  B4,
  A6,
  A6T,
  B6,
  B6T,
  expTs,
  req,
  reqFields,
  resp,
  respFields,
  SDP,
  SDP_PARSED,
  SDP_B,
  SDP_B_PARSED,
  expectMsg,
  expectCounters,
  expectNoOtherProblems,
  ids,
  tcpPcap,
  ipLen,
} from '../../support/core-fixtures.ts';

// ================================================================= TCP

describe('TCP reassembly', () => {
  const C = { ip: A4, port: 50123 };
  const S = { ip: B4, port: 5060 };
  const tcpFields = { transport: 'tcp' as const, src: A4, dst: B4, sport: 50123, dport: 5060, ipVersion: 4 as const };

  test('a message split over 3 segments', async () => {
    const flow = new cw.TcpFlow(C, S);
    const inv = req('INVITE', 'split', { body: SDP });
    const segs = [...flow.handshake(), ...flow.split('c2s', inv, [100, 250])];
    const ok = resp(200, 'OK', 'split', { body: SDP_B });
    segs.push(flow.send('s2c', ok));
    expect(segs).toHaveLength(7);
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE split@sipscope.test', '200 split@sipscope.test']);
    expectMsg(
      messages[0],
      {
        ...tcpFields,
        frame: 6,
        ts: expTs(5),
        wirePackets: 3,
        wireBytes: ipLen(segs[3]) + ipLen(segs[4]) + ipLen(segs[5]),
        ...reqFields('INVITE', 'split', { body: SDP }),
        sdp: SDP_PARSED,
      },
      inv,
    );
    expectMsg(
      messages[1],
      {
        transport: 'tcp',
        frame: 7,
        src: B4,
        dst: A4,
        sport: 5060,
        dport: 50123,
        wirePackets: 1,
        ...respFields(200, 'OK', 'split', { body: SDP_B }),
        sdp: SDP_B_PARSED,
      },
      ok,
    );
    expectCounters(stats, { tcpStreams: 2, tcpRetransmissions: 0, tcpOutOfOrder: 0, tcpGaps: 0, sipMessages: 2 });
    expectNoOtherProblems(stats);
  });

  test('reassembly memory runs out (700 streams each holding 100 KB of an unfinished message): counted, and SIP after it is still decoded', async () => {
    // the arena grows linear memory as it fills, up to its 64 MiB; beyond that buffers are refused
    const pad = `X-Pad: ${'p'.repeat(990)}\r\n`;
    const head = `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP ${A4};branch=z9hG4bK-big\r\n`;
    const unfinished = head + pad.repeat(100); // ~100 KB, no blank line: the message never ends
    const segs: cw.TcpSegment[] = [];
    for (let i = 0; i < 700; i++) {
      const flow = new cw.TcpFlow({ ip: A4, port: 20000 + i }, S);
      segs.push(...flow.handshake(), ...flow.split('c2s', unfinished, [50_000]));
    }
    const last = new cw.TcpFlow({ ip: A4, port: 40000 }, S);
    const inv = req('INVITE', 'after-exhaustion');
    segs.push(...last.handshake(), last.send('c2s', inv));
    const { messages, stats } = await run(tcpPcap(segs));
    expect(stats.counters.memoryExhausted).toBeGreaterThan(0);
    expect(ids(messages)).toContain('INVITE after-exhaustion@sipscope.test');
  });

  test('two messages coalesced in one segment', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = resp(100, 'Trying', 'co');
    const b = resp(180, 'Ringing', 'co');
    const seg = flow.coalesce('s2c', [a, b]);
    const { messages, stats } = await run(tcpPcap([seg]));
    expect(messages).toHaveLength(2);
    expectMsg(
      messages[0],
      { transport: 'tcp', frame: 1, src: B4, sport: 5060, wirePackets: 1, wireBytes: ipLen(seg), ...respFields(100, 'Trying', 'co') },
      a,
    );
    expectMsg(
      messages[1],
      { transport: 'tcp', frame: 1, src: B4, sport: 5060, wirePackets: 0, wireBytes: 0, ...respFields(180, 'Ringing', 'co') },
      b,
    );
    expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 2, tcpStreams: 1 });
    expectNoOtherProblems(stats);
  });

  test('a retransmitted segment is counted and its message reported once', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'rtx', { body: SDP });
    const b = req('ACK', 'rtx');
    const sa = flow.send('c2s', a);
    const segs = [sa, flow.retransmit(sa), flow.send('c2s', b)];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE rtx@sipscope.test', 'ACK rtx@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 1, ...reqFields('INVITE', 'rtx', { body: SDP }) }, a);
    expectMsg(messages[1], { ...tcpFields, frame: 3, wirePackets: 1, ...reqFields('ACK', 'rtx') }, b);
    expectCounters(stats, { tcpRetransmissions: 1, tcpOutOfOrder: 0, tcpGaps: 0, sipMessages: 2 });
  });

  test('sequence numbers wrapping past 2^32 inside a message', async () => {
    const flow = new cw.TcpFlow(C, S, { isn: { c2s: 0xffff_ff00 } });
    const a = req('INVITE', 'wrap', { body: SDP });
    const b = req('ACK', 'wrap');
    const segs = [...flow.handshake(), ...flow.split('c2s', a, [100, 200]), flow.send('c2s', b)];
    expect(segs[4].seq).toBeGreaterThan(0xffff_ff00);
    expect(segs[5].seq).toBeLessThan(0x1000);
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE wrap@sipscope.test', 'ACK wrap@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 6, wirePackets: 3, ...reqFields('INVITE', 'wrap', { body: SDP }) }, a);
    expectMsg(messages[1], { ...tcpFields, frame: 7, ...reqFields('ACK', 'wrap') }, b);
    expectNoOtherProblems(stats);
  });

  test('a retransmission that overlaps new data', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'overlap', { body: SDP });
    const whole = flow.send('c2s', a);
    const segs = [whole.slice(0, 100), whole.slice(50, 300), whole.slice(300)];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...tcpFields, frame: 3, ...reqFields('INVITE', 'overlap', { body: SDP }) }, a);
    expectCounters(stats, { sipMessages: 1, tcpGaps: 0, sipMalformed: 0 });
  });

  test('reordered segments: counted, message reported once with the time of the segment that completed it', async () => {
    const flow = new cw.TcpFlow(C, S);
    const first = req('INVITE', 'ooo-1', { body: SDP });
    const second = req('INVITE', 'ooo-2', { body: SDP, cseq: 2 });
    const third = req('BYE', 'ooo-3', { cseq: 3 });
    const p1 = flow.split('c2s', first, [100, 200]);
    const p2 = flow.split('c2s', second, [100, 200]);
    const p3 = flow.send('c2s', third);
    // frames: p1[0] p1[2] p1[1] | p2[2] p2[1] p2[0] | p3
    const segs = [...cw.TcpFlow.reorder(p1, [0, 2, 1]), ...cw.TcpFlow.reorder(p2, [2, 1, 0]), p3];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE ooo-1@sipscope.test', 'INVITE ooo-2@sipscope.test', 'BYE ooo-3@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 3, ts: expTs(2), ...reqFields('INVITE', 'ooo-1', { body: SDP }) }, first);
    expectMsg(messages[1], { ...tcpFields, frame: 6, ts: expTs(5), ...reqFields('INVITE', 'ooo-2', { body: SDP, cseq: 2 }) }, second);
    expectMsg(messages[2], { ...tcpFields, frame: 7, ...reqFields('BYE', 'ooo-3', { cseq: 3 }) }, third);
    expectCounters(stats, { tcpOutOfOrder: 3, tcpRetransmissions: 0, tcpGaps: 0, sipMessages: 3 });
    expectNoOtherProblems(stats);
  });

  test('CRLF keep-alives between messages', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('OPTIONS', 'ka-1');
    const b = req('OPTIONS', 'ka-2', { cseq: 2 });
    const c = req('OPTIONS', 'ka-3', { cseq: 3 });
    const segs = [
      flow.send('c2s', a),
      flow.send('c2s', '\r\n\r\n'),
      flow.send('c2s', '\r\n' + b),
      flow.send('c2s', c + '\r\n\r\n'),
      flow.send('c2s', '\r\n'),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['OPTIONS ka-1@sipscope.test', 'OPTIONS ka-2@sipscope.test', 'OPTIONS ka-3@sipscope.test']);
    expectMsg(messages[1], { ...tcpFields, frame: 3, ...reqFields('OPTIONS', 'ka-2', { cseq: 2 }) }, b);
    expectMsg(messages[2], { ...tcpFields, frame: 4, ...reqFields('OPTIONS', 'ka-3', { cseq: 3 }) }, c);
    expectCounters(stats, { sipMalformed: 0, tcpGaps: 0, sipMessages: 3 });
    expectNoOtherProblems(stats);
  });

  test('capture starting mid-stream: the tail of a message is skipped, the next full message reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const lost = req('INVITE', 'mid-0', { body: SDP });
    const full = req('INVITE', 'mid-1', { body: SDP, cseq: 2 });
    const segs = [flow.send('c2s', cw.text(lost).subarray(180)), flow.send('c2s', full)];
    const { messages } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE mid-1@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, ...reqFields('INVITE', 'mid-1', { body: SDP, cseq: 2 }) }, full);
  });

  test('capture starting mid-stream: the first segment holds a tail and the start of the next message', async () => {
    const flow = new cw.TcpFlow(C, S);
    const lost = cw.text(req('INVITE', 'mid2-0', { body: SDP }));
    const next = cw.text(req('INVITE', 'mid2-1', { body: SDP, cseq: 2 }));
    const after = req('BYE', 'mid2-2', { cseq: 3 });
    // [tail of lost + first 150 bytes of next] [rest of next] [after]
    const segs = [
      flow.send('c2s', cw.concat(lost.subarray(300), next.subarray(0, 150))),
      flow.send('c2s', next.subarray(150)),
      flow.send('c2s', after),
    ];
    const { messages } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE mid2-1@sipscope.test', 'BYE mid2-2@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, ...reqFields('INVITE', 'mid2-1', { body: SDP, cseq: 2 }) }, next);
  });

  test('a segment lost for good, connection closed: gap counted, the next message still reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap-a', { body: SDP });
    const b = req('CANCEL', 'gap-b');
    const parts = flow.split('c2s', a, [150, 150]);
    const segs = [parts[0], parts[2], flow.send('c2s', b), flow.fin('c2s')]; // parts[1] never captured
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['CANCEL gap-b@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, ...reqFields('CANCEL', 'gap-b') }, b);
    expect(stats.counters.tcpGaps).toBe(1);
  });

  test('a segment lost for good, many messages after it: gap counted, every later message reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap2-a', { body: SDP });
    const parts = flow.split('c2s', a, [150, 150]);
    const later = Array.from({ length: 40 }, (_, i) => req('OPTIONS', `gap2-${i}`, { cseq: i + 2 }));
    const segs = [parts[0], parts[2], ...later.map((x) => flow.send('c2s', x))];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(later.map((_, i) => `OPTIONS gap2-${i}@sipscope.test`));
    messages.forEach((x, i) => {
      expectMsg(x, { ...tcpFields, ...reqFields('OPTIONS', `gap2-${i}`, { cseq: i + 2 }) }, later[i]);
    });
    // messages after the hole are reported no earlier than the frame that carried them
    messages.forEach((x, i) => {
      expect(x.frame).toBeGreaterThanOrEqual(i + 3);
    });
    expect(stats.counters.tcpGaps).toBe(1);
  });

  test('whole messages missing between two (missed by the capture, or one call cut out of a shared connection): the next one is reported at once, in its own frame', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'hole-a', { body: SDP });
    const b = req('BYE', 'hole-b', { cseq: 2 });
    const c = req('OPTIONS', 'hole-c', { cseq: 3 });
    const d = req('OPTIONS', 'hole-d', { cseq: 4 });
    const sa = flow.send('c2s', a);
    flow.send('c2s', b); // never captured
    const sc = flow.split('c2s', c, [60]);
    const sd = flow.send('c2s', d);
    const { messages, stats } = await run(tcpPcap([sa, ...sc, sd]));
    expect(ids(messages)).toEqual(['INVITE hole-a@sipscope.test', 'OPTIONS hole-c@sipscope.test', 'OPTIONS hole-d@sipscope.test']);
    expectMsg(messages[1], { ...tcpFields, frame: 3, ts: expTs(2), ...reqFields('OPTIONS', 'hole-c', { cseq: 3 }) }, c);
    expectMsg(messages[2], { ...tcpFields, frame: 4, ts: expTs(3), ...reqFields('OPTIONS', 'hole-d', { cseq: 4 }) }, d);
    expectCounters(stats, { tcpOutOfOrder: 1, tcpGaps: 0, sipMessages: 3 });
  });

  test('a message that fills such a hole late (reordered) is still reported, in its own frame', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'late-a', { body: SDP });
    const b = req('BYE', 'late-b', { cseq: 2 });
    const c = req('OPTIONS', 'late-c', { cseq: 3 });
    const [sa, sb, sc] = [flow.send('c2s', a), flow.send('c2s', b), flow.send('c2s', c)];
    const { messages, stats } = await run(tcpPcap([sa, sc, sb]));
    expect(ids(messages)).toEqual(['INVITE late-a@sipscope.test', 'OPTIONS late-c@sipscope.test', 'BYE late-b@sipscope.test']);
    expectMsg(messages[2], { ...tcpFields, frame: 3, ts: expTs(2), ...reqFields('BYE', 'late-b', { cseq: 2 }) }, b);
    expectCounters(stats, { tcpOutOfOrder: 1, tcpRetransmissions: 0, tcpGaps: 0, sipMessages: 3 });
  });

  test('a segment lost for good at the end of the capture: gap counted at finish(), the message after it reported', async () => {
    const flow = new cw.TcpFlow(C, S);
    const a = req('INVITE', 'gap3-a', { body: SDP });
    const b = req('CANCEL', 'gap3-b');
    const parts = flow.split('c2s', a, [150, 150]);
    const segs = [parts[0], parts[2], flow.send('c2s', b)]; // no FIN: the capture just ends
    const { messages, stats } = await run(tcpPcap(segs));
    expect({ messages: ids(messages), tcpGaps: stats.counters.tcpGaps }).toEqual({ messages: ['CANCEL gap3-b@sipscope.test'], tcpGaps: 1 });
    expectMsg(messages[0], { ...tcpFields, ...reqFields('CANCEL', 'gap3-b') }, b);
  });

  test('Content-Length framing: a body spanning segments, the next message in the same segment, a body that looks like SIP', async () => {
    const flow = new cw.TcpFlow(C, S);
    const inv = cw.text(req('INVITE', 'cl', { body: SDP }));
    const fake = 'SIP/2.0 200 OK\r\nCall-ID: fake\r\n\r\nINVITE sip:x@y SIP/2.0\r\n\r\n';
    const msg = req('MESSAGE', 'cl-2', { cseq: 2, body: fake, ctype: 'text/plain' });
    const ack = req('ACK', 'cl-3', { cseq: 3 });
    const bodyAt = inv.length - cw.text(SDP).length;
    const segs = [
      flow.send('c2s', inv.subarray(0, bodyAt + 20)),
      flow.send('c2s', cw.concat(inv.subarray(bodyAt + 20), cw.text(msg).subarray(0, cw.text(msg).length - 10))),
      flow.send('c2s', cw.concat(cw.text(msg).subarray(cw.text(msg).length - 10), cw.text(ack))),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE cl@sipscope.test', 'MESSAGE cl-2@sipscope.test', 'ACK cl-3@sipscope.test']);
    expectMsg(messages[0], { ...tcpFields, frame: 2, wirePackets: 2, ...reqFields('INVITE', 'cl', { body: SDP }), sdp: SDP_PARSED }, inv);
    expectMsg(
      messages[1],
      { ...tcpFields, frame: 3, ...reqFields('MESSAGE', 'cl-2', { cseq: 2, body: fake, ctype: 'text/plain' }), sdp: null },
      msg,
    );
    expectMsg(messages[2], { ...tcpFields, frame: 3, wirePackets: 0, ...reqFields('ACK', 'cl-3', { cseq: 3 }) }, ack);
    expectCounters(stats, { sipMessages: 3, sipMalformed: 0, tcpGaps: 0 });
    expectNoOtherProblems(stats);
  });

  test('IPv6 TCP', async () => {
    const flow = new cw.TcpFlow({ ip: A6, port: 40111 }, { ip: B6, port: 5060 });
    const reg = req('REGISTER', 'v6tcp', { uri: 'sip:example.com' });
    const segs = [...flow.handshake(), ...flow.split('c2s', reg, [64])];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'tcp',
        ipVersion: 6,
        src: A6T,
        dst: B6T,
        sport: 40111,
        dport: 5060,
        frame: 5,
        wirePackets: 2,
        wireBytes: ipLen(segs[3]) + ipLen(segs[4]),
        ...reqFields('REGISTER', 'v6tcp', { uri: 'sip:example.com' }),
      },
      reg,
    );
    expectCounters(stats, { tcpStreams: 1, sipMessages: 1 });
    expectNoOtherProblems(stats);
  });
});
