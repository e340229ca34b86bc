// The core's SIP and SDP scan: header forms (compact, odd case, folded, bare LF), Reason headers,
// long and malformed messages, what is not SIP, and the SDP sections, connections and codecs.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  run,
  A4,
  B4,
  B6T,
  pcap,
  req,
  reqFields,
  SDP,
  SDP_PARSED,
  expectMsg,
  expectCounters,
  udp4,
  eth,
  tcpPcap,
  save,
  O1,
  O2,
} from '../../support/core-fixtures.ts';
import type { Sdp, SipMessage } from '../../../shared/events.ts';
import { decode, type Decoded } from '../../support/engine.ts';

// ================================================================= SIP text

describe('SIP text', () => {
  async function one(payload: string, sport = 5060, dport = 5060): Promise<Decoded> {
    return run(pcap([eth(udp4(A4, sport, B4, dport, payload))]));
  }

  test.each([
    ['X-CID', 'x-cid'],
    ['x-call-id', 'x-cid'],
    ['X-Orig-Call-ID', 'x-cid'],
    ['X-ORIGINAL-CALL-ID', 'x-cid'],
  ])('correlation headers (SPEC §9): %s, Session-ID, P-Charging-Vector, the first of each', async (name) => {
    const msg =
      'INVITE sip:bob@example.com SIP/2.0\r\n' +
      'From: <sip:alice@example.com>;tag=x1\r\n' +
      'To: <sip:bob@example.com>\r\n' +
      'Call-ID: leg-b@host\r\n' +
      'CSeq: 1 INVITE\r\n' +
      `${name}:  leg-a@host \r\n` +
      'X-CID: second@host\r\n' +
      'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000\r\n' +
      'P-Charging-Vector: icid-value=1234bc9876e;\r\n orig-ioi=home1.net\r\n' +
      'X-CID-Extra: not-this\r\n' +
      'Content-Length: 0\r\n\r\n';
    const { messages } = await one(msg);
    expectMsg(messages[0], {
      callId: 'leg-b@host',
      xCallId: 'leg-a@host',
      sessionId: 'ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000',
      chargingVector: 'icid-value=1234bc9876e; orig-ioi=home1.net',
    });
  });

  test('no correlation headers: null', async () => {
    const { messages } = await one(req('INVITE', '1'));
    expectMsg(messages[0], { xCallId: null, sessionId: null, chargingVector: null });
  });

  test('the core hashes each message: equal bytes hash equal, one byte more or changed does not; without kept bytes the text is the same', async () => {
    const a = req('INVITE', '1');
    const changed = a.replace('CSeq: 1', 'CSeq: 2');
    const frames = [eth(udp4(A4, 5060, B4, 5060, a)), eth(udp4(O1, 5060, O2, 5060, a)), eth(udp4(A4, 5060, B4, 5060, changed))];
    const kept = await run(pcap(frames));
    const [x, y, z] = kept.messages;
    expect(x.rawHash).toBe(y.rawHash);
    expect(x.rawLen).toBe(y.rawLen);
    expect(z.rawLen).toBe(x.rawLen);
    expect(z.rawHash).not.toBe(x.rawHash);
    const bare = await decode([save(pcap(frames))], { keepRaw: false });
    expect(bare.messages.map((m) => m.raw)).toEqual([null, null, null]);
    // everything else as with the bytes kept
    expect(bare.messages.map(({ raw, frame, fileOffset, ...rest }) => rest)).toEqual(
      kept.messages.map(({ raw, frame, fileOffset, ...rest }) => rest),
    );
  });

  test('compact header forms (i, f, t, l, c, v, m)', async () => {
    const msg =
      'INVITE sip:bob@example.com SIP/2.0\r\n' +
      'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-c\r\n' +
      'f: <sip:alice@example.com>;tag=cf1\r\n' +
      't: Bob <sip:bob@example.com>\r\n' +
      'i: compact@host\r\n' +
      'CSeq: 7 INVITE\r\n' +
      'm: <sip:alice@192.0.2.1>\r\n' +
      'c: application/sdp\r\n' +
      `l: ${cw.text(SDP).length}\r\n` +
      '\r\n' +
      SDP;
    const { messages, stats } = await one(msg + 'trailing bytes beyond l:');
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        method: 'INVITE',
        cseq: 7,
        cseqMethod: 'INVITE',
        callId: 'compact@host',
        from: '<sip:alice@example.com>;tag=cf1',
        fromTag: 'cf1',
        to: 'Bob <sip:bob@example.com>',
        toTag: '',
        contentType: 'application/sdp',
        sdp: SDP_PARSED,
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipBodyShort: 0, sipMalformed: 0 });
  });

  test('header names in odd case, spaces before the colon', async () => {
    const msg =
      'SIP/2.0 486 Busy Here\r\n' +
      'VIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-x\r\n' +
      'fROM: <sip:alice@example.com>;TAG=Odd1\r\n' +
      'tO  : <sip:bob@example.com>;tag=odd2\r\n' +
      'cALL-iD: odd-case@host\r\n' +
      'cseq: 3 INVITE\r\n' +
      'sErVeR: Odd Server 1.0\r\n' +
      'USER-AGENT: Odd UA\r\n' +
      'REASON: Q.850;cause=17\r\n' +
      'content-LENGTH: 0\r\n' +
      '\r\n';
    const { messages } = await one(msg);
    expectMsg(
      messages[0],
      {
        isRequest: false,
        status: 486,
        reasonPhrase: 'Busy Here',
        callId: 'odd-case@host',
        fromTag: 'Odd1',
        toTag: 'odd2',
        cseq: 3,
        cseqMethod: 'INVITE',
        server: 'Odd Server 1.0',
        userAgent: 'Odd UA',
        reasonHeaders: ['Q.850;cause=17'],
        contentType: null,
        sdp: null,
      },
      msg,
    );
  });

  test('folded header lines', async () => {
    const msg =
      'BYE sip:bob@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-f\r\n' +
      'From: "Alice Smith"\r\n <sip:alice@example.com>\r\n\t;tag=fold1\r\n' +
      'To: <sip:bob@example.com>;tag=fold2\r\n' +
      'Call-ID: folded@host\r\n' +
      'CSeq:\r\n 9 BYE\r\n' +
      'Reason: SIP;cause=200;\r\n  text="Call completed elsewhere"\r\n' +
      'User-Agent: Folded\r\n   Agent/1\r\n' +
      'Content-Length: 0\r\n\r\n';
    const { messages, stats } = await one(msg);
    expectMsg(
      messages[0],
      {
        method: 'BYE',
        from: '"Alice Smith" <sip:alice@example.com> ;tag=fold1',
        fromTag: 'fold1',
        toTag: 'fold2',
        callId: 'folded@host',
        cseq: 9,
        cseqMethod: 'BYE',
        reasonHeaders: ['SIP;cause=200; text="Call completed elsewhere"'],
        userAgent: 'Folded Agent/1',
      },
      msg,
    );
    expectCounters(stats, { sipMessages: 1, sipMalformed: 0 });
  });

  test('bare LF line ends (headers and SDP)', async () => {
    const sdp =
      'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 40000 RTP/AVP 0 8 101\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n';
    const msg =
      'INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-lf\nFrom: <sip:alice@example.com>;tag=lf1\n' +
      `To: <sip:bob@example.com>\nCall-ID: lf@host\nCSeq: 5 INVITE\nContent-Type: application/sdp\nContent-Length: ${sdp.length}\n\n` +
      sdp;
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(
      messages[0],
      {
        method: 'INVITE',
        requestUri: 'sip:bob@example.com',
        callId: 'lf@host',
        fromTag: 'lf1',
        cseq: 5,
        cseqMethod: 'INVITE',
        sdp: { ...SDP_PARSED, origin: '- 1 1 IN IP4 192.0.2.1' },
      },
      msg,
    );
    expectCounters(stats, { sipMalformed: 0, sipBodyShort: 0 });
  });

  test('several Reason headers and a comma list in one', async () => {
    const msg = req('BYE', 'reasons', {
      cseq: 2,
      extra: [
        ['Reason', 'Q.850;cause=16;text="Normal call clearing"'],
        ['Reason', 'SIP;cause=200;text="Call completed, elsewhere", Q.850;cause=26'],
        ['reason', 'RELEASE_CAUSE;cause=1'],
      ],
    });
    const { messages } = await one(msg);
    expectMsg(
      messages[0],
      {
        ...reqFields('BYE', 'reasons', { cseq: 2 }),
        // each header as written, a comma list kept whole; compact or any case of the name
        reasonHeaders: [
          'Q.850;cause=16;text="Normal call clearing"',
          'SIP;cause=200;text="Call completed, elsewhere", Q.850;cause=26',
          'RELEASE_CAUSE;cause=1',
        ],
      },
      msg,
    );
  });

  test('a 3 KB Request-URI', async () => {
    const uri = `sip:${'u'.repeat(3000)}@example.com;transport=udp`;
    const msg = req('INVITE', 'long-uri', { uri, body: SDP });
    const { messages } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...reqFields('INVITE', 'long-uri', { uri, body: SDP }), sdp: SDP_PARSED }, msg);
    expect(messages[0].requestUri.length).toBe(uri.length);
  });

  test('no blank line after the headers: reported, counted sipMalformed', async () => {
    const msg = 'OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: noblank@host\r\nCSeq: 4 OPTIONS\r\nFrom: <sip:a@b>;tag=nb\r\n';
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { method: 'OPTIONS', callId: 'noblank@host', cseq: 4, cseqMethod: 'OPTIONS', fromTag: 'nb', sdp: null }, msg);
    expectCounters(stats, { sipMessages: 1, sipMalformed: 1, sipBodyShort: 0 });
  });

  test('Content-Length larger than the datagram: reported whole, counted sipBodyShort', async () => {
    const msg = req('MESSAGE', 'short', { body: 'hello', ctype: 'text/plain' }).replace('Content-Length: 5', 'Content-Length: 500');
    expect(msg).toContain('Content-Length: 500');
    const { messages, stats } = await one(msg);
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { ...reqFields('MESSAGE', 'short', { body: 'hello', ctype: 'text/plain' }) }, msg);
    expectCounters(stats, { sipMessages: 1, sipBodyShort: 1, sipMalformed: 0 });
  });

  test('a UTF-8 display name: raw bytes exact', async () => {
    const msg = req('MESSAGE', 'utf8', { body: 'Grüße, 世界\r\n', ctype: 'text/plain; charset=utf-8', extra: [['Subject', 'Zoë']] });
    const { messages } = await one(msg);
    expectMsg(messages[0], { ...reqFields('MESSAGE', 'utf8', { body: 'x', ctype: 'text/plain; charset=utf-8' }) }, msg);
    expect(messages[0].raw).toEqual(cw.text(msg));
  });

  test('a non-SIP UDP payload starting with letters is not reported', async () => {
    const { messages, stats } = await run(
      pcap([
        eth(udp4(A4, 5060, B4, 5060, 'Hello there, this is not SIP at all\r\n\r\n')),
        eth(udp4(A4, 5060, B4, 5060, 'NOTIFY sip:x@y HTTP/1.1\r\n\r\n')),
        eth(udp4(A4, 5060, B4, 5060, 'SIP/2.0 2xx Odd\r\n\r\n')),
      ]),
    );
    expect(messages).toEqual([]);
    expectCounters(stats, { frames: 3, sipMessages: 0, sipFrames: 0, otherFrames: 3 });
  });

  test('HTTP on port 5060 over TCP is not reported', async () => {
    const flow = new cw.TcpFlow({ ip: A4, port: 50999 }, { ip: B4, port: 5060 });
    const segs = [
      ...flow.handshake(),
      flow.send('c2s', 'GET /index.html HTTP/1.1\r\nHost: b.example.com\r\nUser-Agent: curl/8\r\n\r\n'),
      flow.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>'),
      flow.send('c2s', 'POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n'),
    ];
    const { messages, stats } = await run(tcpPcap(segs));
    expect(messages).toEqual([]);
    expectCounters(stats, { tcpStreams: 0, sipMessages: 0, sipFrames: 0 });
  });

  test('SIP on unusual ports (UDP 40000, TCP 40001)', async () => {
    const a = req('OPTIONS', 'port-udp');
    const b = req('OPTIONS', 'port-tcp');
    const flow = new cw.TcpFlow({ ip: A4, port: 40001 }, { ip: B4, port: 40001 });
    const { messages } = await run(pcap([eth(udp4(A4, 40000, B4, 40002, a)), flow.send('c2s', b).frame()]));
    expect(messages).toHaveLength(2);
    expectMsg(messages[0], { transport: 'udp', sport: 40000, dport: 40002, ...reqFields('OPTIONS', 'port-udp') }, a);
    expectMsg(messages[1], { transport: 'tcp', sport: 40001, dport: 40001, ...reqFields('OPTIONS', 'port-tcp') }, b);
  });

  test('a UDP CRLF keep-alive is counted', async () => {
    const { messages, stats } = await run(pcap([eth(udp4(A4, 5060, B4, 5060, '\r\n\r\n'))]));
    expect(messages).toEqual([]);
    expectCounters(stats, { keepalives: 1, sipMessages: 0 });
  });
});

// ================================================================= SDP

describe('SDP', () => {
  async function sdpOf(body: string, ctype = 'application/sdp'): Promise<SipMessage> {
    const msg = req('INVITE', 'sdp', { body, ctype });
    const { messages } = await run(pcap([eth(udp4(A4, 5060, B4, 5060, msg))]));
    expect(messages).toHaveLength(1);
    expectMsg(messages[0], { callId: 'sdp@sipscope.test', contentType: ctype }, msg);
    return messages[0];
  }

  test('direction and RTCP attributes: session level, media level, rtcp:PORT, rtcp-mux', async () => {
    const body =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n' +
      'm=audio 4000 RTP/AVP 0\r\na=rtcp:4005\r\n' +
      'm=audio 4002 RTP/AVP 8\r\na=Inactive\r\na=rtcp-mux\r\na=rtcp-fb:* nack\r\n';
    const m = await sdpOf(body);
    expect(m.sdp?.direction).toBe('sendonly');
    expect(m.sdp?.media.map((x) => [x.port, x.direction, x.rtcpPort, x.rtcpMux])).toEqual([
      [4000, null, 4005, false],
      [4002, 'inactive', null, true],
    ]);
  });

  test('c= and a=rtpmap: written with runs of spaces, tabs, no name, no address, non-ASCII space', async () => {
    const body =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n' +
      'c=IN  IP4\t192.0.2.7/16\r\n' +
      't=0 0\r\n' +
      'm=audio 49170 RTP/AVP 0 8 96 97 98 99\r\n' +
      'c=IN IP4\r\n' +
      'a=rtpmap:0\t \tPCMU/8000\r\n' +
      'a=rtpmap:8 /8000\r\n' +
      'a=rtpmap:96\r\n' +
      'a=rtpmap:97 \u00a0opus/48000\r\n' +
      'a=rtpmap:98 Zoë/8000\r\n' +
      'a=rtpmap:0 second/8000\r\n' +
      'a=rtpmap:99 speex\r\n';
    const m = await sdpOf(body);
    expect(m.sdp?.connections).toEqual(['192.0.2.7']);
    expect(m.sdp?.connection).toBe('192.0.2.7');
    expect(m.sdp?.media[0].connection).toBeNull();
    // as /^(\S+)\s+([^/\s]+)/ reads them: the first mapping of a payload type is kept
    expect([...(m.sdp?.media[0].rtpmap ?? [])]).toEqual([
      ['0', 'PCMU'],
      ['97', 'opus'],
      ['98', 'Zoë'],
      ['99', 'speex'],
    ]);
  });

  test('sections that map the same payload types the same way share one map; others do not', async () => {
    const section = (pts: string) => `m=audio 4000 RTP/AVP 0 8 101\r\n${pts}`;
    const common = 'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
    const head = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
    const messages: string[] = [];
    // the same maps in two messages, another order, another name, a repeated payload type, none,
    // and more distinct maps than the cache holds
    messages.push(head + section(common) + section(common));
    messages.push(head + section(common));
    messages.push(head + section('a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n'));
    messages.push(head + section('a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 G711A/8000\r\na=rtpmap:101 telephone-event/8000\r\n'));
    messages.push(head + section(`${common}a=rtpmap:0 other/8000\r\n`));
    messages.push(head + section(''));
    for (let i = 0; i < 1100; i++) messages.push(head + section(`a=rtpmap:${96 + (i % 32)} codec${i}/8000\r\n`));
    messages.push(head + section(common));
    const frames = messages.map((body, i) => eth(udp4(A4, 5060, B4, 5060, req('INVITE', `share-${i}`, { body }))));
    const { messages: got } = await run(pcap(frames));
    expect(got).toHaveLength(messages.length);
    const maps = got.map((m) => m.sdp?.media.map((x) => x.rtpmap) ?? []);
    const pcmu = [
      ['0', 'PCMU'],
      ['8', 'PCMA'],
      ['101', 'telephone-event'],
    ];
    expect([...maps[0][0]]).toEqual(pcmu);
    expect(maps[0][1]).toBe(maps[0][0]);
    expect(maps[1][0]).toBe(maps[0][0]);
    expect([...maps[2][0]]).toEqual([pcmu[1], pcmu[0], pcmu[2]]);
    expect(maps[3][0].get('8')).toBe('G711A');
    expect(maps[4][0]).not.toBe(maps[0][0]);
    expect([...maps[4][0]]).toEqual(pcmu); // the first mapping of a payload type is kept
    expect(maps[5][0].size).toBe(0);
    expect(maps[6 + 5][0].get('101')).toBe('codec5');
    // the cache was emptied on the way: an equal map again, made anew, still equal
    const last = maps[maps.length - 1][0];
    expect([...last]).toEqual(pcmu);
  });

  test('m= lines read as their words, chosen and random; sections saying the same after the port share their formats', async () => {
    // what an m= value says, as its words read it (runs of spaces and tabs are one separator)
    const reference = (v: string) => {
      const parts = / {2}|\t/.test(v) ? v.split(/[ \t]+/).filter((x) => x !== '') : v.split(' ');
      if (parts.length < 3) return null;
      const slash = parts[1].indexOf('/');
      const port = Number(slash < 0 ? parts[1] : parts[1].substring(0, slash));
      return { media: parts[0], port: Number.isFinite(port) ? port : 0, proto: parts[2], formats: parts.slice(3) };
    };
    const rand = cw.prng(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const chosen = [
      'audio 4000 RTP/AVP 0 8 101',
      'video 4000 RTP/AVP 0 8 101',
      'audio 4000 RTP/AVP',
      'audio 4000',
      'audio',
      'audio 4000/2 RTP/AVP 0',
      'audio x RTP/AVP 0',
      'audio 0x10 RTP/AVP 0',
      'audio 1e3 RTP/AVP 0',
      'audio 40  RTP/AVP 0',
      'audio\t40 RTP/AVP\t0 8',
      'image 5000 udptl t38',
    ];
    const random = Array.from({ length: 1500 }, () => {
      const sep = () => (rand() < 0.95 ? ' ' : pick(['  ', '\t', ' \t']));
      const formats = Array.from({ length: Math.floor(rand() * 5) }, () => pick(['0', '8', '18', '101', '96', 't38', '*']));
      return [
        pick(['audio', 'video', 'image', 'application']),
        pick(['4000', '0', '65535', '4000/2', '12a', '']),
        pick(['RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udptl']),
      ]
        .concat(formats)
        .reduce((a, w, i) => (i === 0 ? w : `${a}${sep()}${w}`), '');
    });
    const lines = [...chosen, ...random].map((l) => l.trim());
    const head = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
    const frames: Uint8Array[] = [];
    for (let i = 0; i < lines.length; i += 6) {
      const body =
        head +
        lines
          .slice(i, i + 6)
          .map((l) => `m=${l}\r\n`)
          .join('');
      frames.push(eth(udp4(A4, 5060, B4, 5060, req('INVITE', `mline-${i}`, { body }))));
    }
    const { messages } = await run(pcap(frames));
    const read = messages.flatMap((m) => m.sdp?.media ?? []);
    const expected = lines.map(reference).filter((x) => x !== null);
    expect(expected.length).toBeGreaterThan(lines.length * 0.9);
    expect(read.map((x) => ({ media: x.media, port: x.port, proto: x.proto, formats: [...x.formats] }))).toEqual(expected);
    // the same words after the port: one formats list, whatever the port; another media: its own
    const [a, b] = [read[0], read[1]];
    expect(a.media).toBe('audio');
    expect(b.media).toBe('video');
    const sameAsA = read.filter((x, i) => i > 1 && x.media === 'audio' && x.proto === 'RTP/AVP' && x.formats.join() === '0,8,101');
    for (const x of sameAsA) expect(x.formats).toBe(a.formats);
  });

  test('session-level and media-level c= (with /ttl removed), IPv6 c=, audio + video + image with rtpmap per section', async () => {
    const body =
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n' +
      'c=IN IP4 224.2.1.1/127\r\n' +
      't=0 0\r\n' +
      'm=audio 49170 RTP/AVP 0 8 97\r\n' +
      'a=rtpmap:0 PCMU/8000\r\n' +
      'a=rtpmap:97 opus/48000/2\r\n' +
      'm=video 51372/2 RTP/AVPF 31 96\r\n' +
      'c=IN IP6 2001:db8::20\r\n' +
      'a=rtpmap:96 H264/90000\r\n' +
      'a=rtpmap:0 notaudio/1\r\n' +
      'm=image 6000 udptl t38\r\n' +
      'c=IN IP4 233.252.0.1/64/3\r\n';
    const m = await sdpOf(body);
    expect(m.sdp).toEqual({
      connection: '224.2.1.1',
      connections: ['224.2.1.1', '2001:db8::20', '233.252.0.1'],
      media: [
        {
          media: 'audio',
          port: 49170,
          proto: 'RTP/AVP',
          formats: ['0', '8', '97'],
          rtpmap: new Map([
            ['0', 'PCMU'],
            ['97', 'opus'],
          ]),
          connection: null,
          direction: null,
          rtcpPort: null,
          rtcpMux: false,
        },
        {
          media: 'video',
          port: 51372,
          proto: 'RTP/AVPF',
          formats: ['31', '96'],
          rtpmap: new Map([
            ['96', 'H264'],
            ['0', 'notaudio'],
          ]),
          connection: '2001:db8::20',
          direction: null,
          rtcpPort: null,
          rtcpMux: false,
        },
        {
          media: 'image',
          port: 6000,
          proto: 'udptl',
          formats: ['t38'],
          rtpmap: new Map(),
          connection: '233.252.0.1',
          direction: null,
          rtcpPort: null,
          rtcpMux: false,
        },
      ],
      direction: null,
      origin: '- 1 1 IN IP4 192.0.2.1',
    } satisfies Sdp);
  });

  test('IPv6 session-level c= only', async () => {
    const body = cw.sdpBody({ sessionC: B6T, media: [{ port: 7078, formats: [9], rtpmap: { 9: 'G722/8000' } }] });
    const m = await sdpOf(body);
    expect(m.sdp).toEqual({
      connection: B6T,
      connections: [B6T],
      media: [
        {
          media: 'audio',
          port: 7078,
          proto: 'RTP/AVP',
          formats: ['9'],
          rtpmap: new Map([['9', 'G722']]),
          connection: null,
          direction: null,
          rtcpPort: null,
          rtcpMux: false,
        },
      ],
      direction: null,
      origin: `sipscope 1 1 IN IP6 ${B6T}`,
    });
  });

  test('multipart/mixed body with an application/sdp part (not the first part)', async () => {
    const body =
      '--b1-xyz\r\n' +
      'Content-Type: application/isup;version=itu-t92+\r\n' +
      'Content-Disposition: signal;handling=optional\r\n' +
      '\r\n' +
      'c=IN IP4 9.9.9.9\r\nm=audio 1 RTP/AVP 0\r\n' +
      '\r\n--b1-xyz\r\n' +
      'Content-Type: application/sdp\r\n' +
      '\r\n' +
      SDP +
      '\r\n--b1-xyz--\r\n';
    const m = await sdpOf(body, 'multipart/mixed;boundary="b1-xyz"');
    expect(m.sdp).toEqual(SDP_PARSED);
  });

  test('a text/plain body that looks like SDP is not parsed', async () => {
    const m = await sdpOf(SDP, 'text/plain');
    expect(m.sdp).toBeNull();
  });
});
