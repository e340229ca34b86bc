// SIP over SCTP (whole, bundled and fragmented DATA chunks) and over WebSocket (upgrade,
// masked and unmasked frames), decoded by the core.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  run,
  A4,
  B4,
  expTs,
  pcap,
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
  eth,
  wsFrame,
  tcpPcap,
} from '../../support/core-fixtures.ts';

// ================================================================= SCTP

describe('SCTP', () => {
  const sctpFrame = (o: cw.SctpDataOptions, payload: cw.Payload) =>
    eth(cw.ipv4({ src: A4, dst: B4, proto: cw.IPPROTO.SCTP }, cw.sctpData(o, payload)));

  test('one DATA chunk with a whole message', async () => {
    const msg = req('INVITE', 'sctp-1', { body: SDP });
    const { messages, stats } = await run(pcap([sctpFrame({ sport: 5060, dport: 5061, tsn: 100, ppid: 0 }, msg)]));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'sctp',
        frame: 1,
        src: A4,
        dst: B4,
        sport: 5060,
        dport: 5061,
        ...reqFields('INVITE', 'sctp-1', { body: SDP }),
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipFrames: 1, sctpPartial: 0 });
    expectNoOtherProblems(stats);
  });

  test('two DATA chunks with whole messages bundled in one packet', async () => {
    const a = req('OPTIONS', 'sctp-b1');
    const b = resp(200, 'OK', 'sctp-b1', { method: 'OPTIONS' });
    const first = cw.sctpData({ sport: 5060, dport: 5060, tsn: 1 }, a);
    const second = cw.sctpData({ sport: 5060, dport: 5060, tsn: 2, stream: 1 }, b);
    const pkt = cw.concat(first, second.subarray(12));
    pkt.fill(0, 8, 12);
    const crc = cw.crc32c(pkt);
    pkt[8] = crc & 0xff;
    pkt[9] = (crc >>> 8) & 0xff;
    pkt[10] = (crc >>> 16) & 0xff;
    pkt[11] = (crc >>> 24) & 0xff;
    const { messages } = await run(pcap([eth(cw.ipv4({ src: A4, dst: B4, proto: cw.IPPROTO.SCTP }, pkt))]));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { transport: 'sctp', frame: 1, ...reqFields('OPTIONS', 'sctp-b1') }, a);
    expectMsg(messages[1], { transport: 'sctp', frame: 1, ...respFields(200, 'OK', 'sctp-b1', { method: 'OPTIONS' }) }, b);
  });

  test('a message split over 3 DATA chunks (B, middle, E) in order', async () => {
    const msg = cw.text(req('INVITE', 'sctp-3', { body: SDP }));
    const parts = [msg.subarray(0, 200), msg.subarray(200, 450), msg.subarray(450)];
    const flags = [2, 0, 1];
    const frames = parts.map((p, i) => sctpFrame({ sport: 5060, dport: 5060, tsn: 7000 + i, stream: 1, streamSeq: 5, flags: flags[i] }, p));
    const { messages, stats } = await run(pcap(frames));
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        transport: 'sctp',
        frame: 3,
        ts: expTs(2),
        sport: 5060,
        dport: 5060,
        ...reqFields('INVITE', 'sctp-3', { body: SDP }),
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sctpPartial: 0 });
    expectNoOtherProblems(stats);
  });
});

// ================================================================= WebSocket

describe('WebSocket', () => {
  test('HTTP upgrade handshake, then masked and unmasked text frames carrying SIP', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 50555 }, { ip: B4, port: 8443 });
    const hs =
      'GET /sip HTTP/1.1\r\nHost: b.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const hsOk =
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
    const inv = req('INVITE', 'ws', { body: SDP });
    const trying = resp(100, 'Trying', 'ws');
    const ok = resp(200, 'OK', 'ws', { body: SDP_B });
    const ack = req('ACK', 'ws');
    const ackFrame = wsFrame(ack, [0xa1, 0xb2, 0xc3, 0xd4]);
    const segs = [
      ...flow.handshake(),
      flow.send('c2s', hs),
      flow.send('s2c', hsOk),
      flow.send('c2s', wsFrame(inv, [0x37, 0xfa, 0x21, 0x3d])), // 126 length form
      flow.send('s2c', cw.concat(wsFrame(trying), wsFrame(ok))),
      flow.send('c2s', cw.concat(wsFrame('hb', [9, 8, 7, 6], 9), ackFrame.subarray(0, 40))), // a ping, then half a frame
      flow.send('c2s', ackFrame.subarray(40)),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(ids(messages)).toEqual(['INVITE ws@sipscope.test', '100 ws@sipscope.test', '200 ws@sipscope.test', 'ACK ws@sipscope.test']);
    const c2s = { transport: 'ws' as const, src: A4, dst: B4, sport: 50555, dport: 8443 };
    const s2c = { transport: 'ws' as const, src: B4, dst: A4, sport: 8443, dport: 50555 };
    expectMsg(messages[0], { ...c2s, frame: 6, ...reqFields('INVITE', 'ws', { body: SDP }), sdp: SDP_PARSED }, inv);
    expectMsg(messages[1], { ...s2c, frame: 7, ...respFields(100, 'Trying', 'ws') }, trying);
    expectMsg(messages[2], { ...s2c, frame: 7, ...respFields(200, 'OK', 'ws', { body: SDP_B }), sdp: SDP_B_PARSED }, ok);
    expectMsg(messages[3], { ...c2s, frame: 9, ...reqFields('ACK', 'ws') }, ack);
    expectCounters(stats, { wsFrames: 4, sipMessages: 4, tcpStreams: 2 });
    expectNoOtherProblems(stats);
  });
});
