// Writes samples/sample.pcap: a small capture made by sipscope's own capture writer, with one
// call of each common kind, so `npm start` has something real to show.
// Run: node --import tsx samples/make-sample.ts [OUT]   (the file is committed; a test checks
// that it still matches what this script writes).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sipMessage, sdpBody, rtp, udpPacketV4, udpPacketV6, TcpFlow, writePcap, type Packet } from '../test/support/capture-writer.ts';

const T0 = 1_767_261_600; // 2026-01-01 10:00:00 UTC

interface Leg {
  ip: string;
  port: number;
  name: string;
  user: string;
  ua: string;
}

/** Builds one dialog's messages with consistent Call-ID, tags, CSeq and Via. */
class Dialog {
  private toTag = '';
  constructor(
    readonly callId: string,
    readonly a: Leg,
    readonly b: Leg,
    readonly fromTag: string,
    readonly transport = 'UDP',
  ) {}
  answerTag(tag: string): this {
    this.toTag = tag;
    return this;
  }
  private host(l: Leg): string {
    return l.ip.includes(':') ? `[${l.ip}]` : l.ip;
  }
  request(
    method: string,
    cseq: number,
    opts: { fromB?: boolean; body?: string; extra?: [string, string][]; withToTag?: boolean; cseqMethod?: string } = {},
  ): string {
    const [src, dst] = opts.fromB ? [this.b, this.a] : [this.a, this.b];
    const from = opts.fromB
      ? `<sip:${this.b.user}@example.net>;tag=${this.toTag}`
      : `"${this.a.name}" <sip:${this.a.user}@example.com>;tag=${this.fromTag}`;
    const to = opts.fromB
      ? `"${this.a.name}" <sip:${this.a.user}@example.com>;tag=${this.fromTag}`
      : `<sip:${this.b.user}@example.net>${opts.withToTag !== false && this.toTag ? `;tag=${this.toTag}` : ''}`;
    const headers: [string, string][] = [
      ['Via', `SIP/2.0/${this.transport} ${this.host(src)}:${src.port};branch=z9hG4bK${method.toLowerCase()}${cseq}${this.callId.length}`],
      ['Max-Forwards', '70'],
      ['From', from],
      ['To', to],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${opts.cseqMethod ?? method}`],
      ['Contact', `<sip:${src.user}@${this.host(src)}:${src.port}>`],
      ['User-Agent', src.ua],
      ...(opts.extra ?? []),
    ];
    if (opts.body) headers.push(['Content-Type', 'application/sdp']);
    return sipMessage(`${method} sip:${dst.user}@${this.host(dst)}:${dst.port} SIP/2.0`, headers, opts.body ?? '');
  }
  response(
    status: string,
    cseq: number,
    method: string,
    opts: { body?: string; extra?: [string, string][]; toTag?: boolean; toB?: boolean } = {},
  ): string {
    const withTag = opts.toTag !== false && this.toTag !== '';
    const headers: [string, string][] = [
      [
        'Via',
        `SIP/2.0/${this.transport} ${this.host(this.a)}:${this.a.port};branch=z9hG4bK${method.toLowerCase()}${cseq}${this.callId.length}`,
      ],
      ['From', `"${this.a.name}" <sip:${this.a.user}@example.com>;tag=${this.fromTag}`],
      ['To', `<sip:${this.b.user}@example.net>${withTag ? `;tag=${this.toTag}` : ''}`],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Server', this.b.ua],
      ...(opts.extra ?? []),
    ];
    if (opts.body) headers.push(['Content-Type', 'application/sdp']);
    return sipMessage(`SIP/2.0 ${status}`, headers, opts.body ?? '');
  }
}

export function buildSample(): Uint8Array {
  const packets: Packet[] = [];
  const at = (t: number, data: Uint8Array) => packets.push({ ts: T0 + t, data });
  const udp = (t: number, from: Leg, to: Leg, msg: string) =>
    at(
      t,
      from.ip.includes(':') ? udpPacketV6(from.ip, from.port, to.ip, to.port, msg) : udpPacketV4(from.ip, from.port, to.ip, to.port, msg),
    );

  const alice: Leg = { ip: '192.0.2.10', port: 5060, name: 'Alice', user: 'alice', ua: 'Zoiper 5.6.1' };
  const bob: Leg = { ip: '198.51.100.20', port: 5060, name: 'Bob', user: 'bob', ua: 'Asterisk PBX 20.5.0' };
  const carol: Leg = { ip: '192.0.2.11', port: 5062, name: 'Carol', user: 'carol', ua: 'Linphone 5.2' };
  const dave: Leg = { ip: '198.51.100.21', port: 5060, name: 'Dave', user: 'dave', ua: 'Yealink SIP-T46U' };
  const erin: Leg = { ip: '192.0.2.12', port: 5060, name: 'Erin', user: 'erin', ua: 'MicroSIP 3.21' };
  const frank: Leg = { ip: '198.51.100.22', port: 5080, name: 'Frank', user: 'frank', ua: 'FreeSWITCH 1.10' };
  const v6a: Leg = { ip: '2001:db8:10::5', port: 5060, name: 'Grace', user: 'grace', ua: 'Bria 6' };
  const v6b: Leg = { ip: '2001:db8:20::7', port: 5060, name: 'Heidi', user: 'heidi', ua: 'Kamailio 5.7' };

  // 1. Alice calls Bob: answered, 2 s of G.711 both ways, Bob hangs up
  {
    const d = new Dialog('a84b4c76e66710@192.0.2.10', alice, bob, '1928301774');
    const offer = sdpBody({
      sessionC: alice.ip,
      media: [{ port: 49170, formats: [8, 0, 101], rtpmap: { 8: 'PCMA/8000', 0: 'PCMU/8000', 101: 'telephone-event/8000' } }],
    });
    const answer = sdpBody({
      sessionC: bob.ip,
      media: [{ port: 31000, formats: [8, 101], rtpmap: { 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
    });
    udp(0.0, alice, bob, d.request('INVITE', 314159, { body: offer }));
    udp(0.012, bob, alice, d.response('100 Trying', 314159, 'INVITE', { toTag: false }));
    d.answerTag('a6c85cf');
    udp(0.35, bob, alice, d.response('180 Ringing', 314159, 'INVITE'));
    udp(2.1, bob, alice, d.response('200 OK', 314159, 'INVITE', { body: answer }));
    udp(2.11, alice, bob, d.request('ACK', 314159));
    for (let i = 0; i < 100; i++) {
      const t = 2.2 + i * 0.02;
      at(t, udpPacketV4(alice.ip, 49170, bob.ip, 31000, rtp({ pt: 8, seq: 1000 + i, ts: 160 * i, ssrc: 0x11223344, fill: 0xd5 }, 160)));
      at(
        t + 0.004,
        udpPacketV4(bob.ip, 31000, alice.ip, 49170, rtp({ pt: 8, seq: 5000 + i, ts: 160 * i, ssrc: 0x55667788, fill: 0xd5 }, 160)),
      );
    }
    udp(4.3, bob, alice, d.request('BYE', 1, { fromB: true, extra: [['Reason', 'Q.850;cause=16;text="Normal call clearing"']] }));
    udp(
      4.31,
      alice,
      bob,
      sipMessage('SIP/2.0 200 OK', [
        ['Via', `SIP/2.0/UDP ${bob.ip}:${bob.port};branch=z9hG4bKbye1`],
        ['From', `<sip:bob@example.net>;tag=a6c85cf`],
        ['To', `"Alice" <sip:alice@example.com>;tag=1928301774`],
        ['Call-ID', d.callId],
        ['CSeq', '1 BYE'],
        ['User-Agent', alice.ua],
      ]),
    );
  }

  // 2. Carol calls Dave: busy, with a Q.850 cause
  {
    const d = new Dialog('3848276298220188511@192.0.2.11', carol, dave, 'c4r01');
    const offer = sdpBody({ sessionC: carol.ip, media: [{ port: 7078, formats: [0, 18], rtpmap: { 0: 'PCMU/8000', 18: 'G729/8000' } }] });
    udp(5.0, carol, dave, d.request('INVITE', 20, { body: offer }));
    udp(5.02, dave, carol, d.response('100 Trying', 20, 'INVITE', { toTag: false }));
    d.answerTag('d4v3');
    udp(5.4, dave, carol, d.response('486 Busy Here', 20, 'INVITE', { extra: [['Reason', 'Q.850;cause=17;text="User busy"']] }));
    udp(5.41, carol, dave, d.request('ACK', 20));
  }

  // 3. Erin calls Frank and gives up while it rings: CANCEL, 487
  {
    const d = new Dialog('f81d4fae-7dec-11d0-a765-00a0c91e6bf6', erin, frank, 'e71n');
    const offer = sdpBody({
      sessionC: erin.ip,
      media: [{ port: 4000, formats: [9, 0, 101], rtpmap: { 9: 'G722/8000', 0: 'PCMU/8000', 101: 'telephone-event/8000' } }],
    });
    udp(6.0, erin, frank, d.request('INVITE', 1, { body: offer }));
    udp(6.03, frank, erin, d.response('100 Trying', 1, 'INVITE', { toTag: false }));
    d.answerTag('fr4nk');
    udp(6.5, frank, erin, d.response('180 Ringing', 1, 'INVITE'));
    udp(9.5, erin, frank, d.request('CANCEL', 1, { withToTag: false, extra: [['Reason', 'Q.850;cause=16']] }));
    udp(9.52, frank, erin, d.response('200 OK', 1, 'CANCEL', { toTag: false }));
    udp(9.53, frank, erin, d.response('487 Request Terminated', 1, 'INVITE'));
    udp(9.55, erin, frank, d.request('ACK', 1, { withToTag: true }));
  }

  // 4. Alice calls Dave through a proxy that asks for credentials, then early media and answer
  {
    const d = new Dialog('b7c2e1f0@192.0.2.10', alice, dave, 'al1ce2');
    const offer = sdpBody({
      sessionC: alice.ip,
      media: [{ port: 49180, formats: [18, 101], rtpmap: { 18: 'G729/8000', 101: 'telephone-event/8000' } }],
    });
    const early = sdpBody({ sessionC: null, media: [{ port: 20000, formats: [18], rtpmap: { 18: 'G729/8000' }, c: dave.ip }] });
    udp(10.0, alice, dave, d.request('INVITE', 1, { body: offer }));
    d.answerTag('pr0xy');
    udp(
      10.02,
      dave,
      alice,
      d.response('407 Proxy Authentication Required', 1, 'INVITE', {
        extra: [['Proxy-Authenticate', 'Digest realm="example.net", nonce="4f9a1c", algorithm=MD5']],
      }),
    );
    udp(10.03, alice, dave, d.request('ACK', 1));
    d.answerTag('');
    udp(
      10.1,
      alice,
      dave,
      d.request('INVITE', 2, {
        body: offer,
        extra: [
          [
            'Proxy-Authorization',
            'Digest username="alice", realm="example.net", nonce="4f9a1c", uri="sip:dave@example.net", response="7a3b1e2f9c0d4a5b6c7d8e9f0a1b2c3d"',
          ],
        ],
      }),
    );
    udp(10.12, dave, alice, d.response('100 Trying', 2, 'INVITE', { toTag: false }));
    d.answerTag('d4v3b');
    udp(10.6, dave, alice, d.response('183 Session Progress', 2, 'INVITE', { body: early }));
    udp(12.0, dave, alice, d.response('200 OK', 2, 'INVITE', { body: early }));
    udp(12.02, alice, dave, d.request('ACK', 2));
    udp(20.0, alice, dave, d.request('BYE', 3));
    udp(20.02, dave, alice, d.response('200 OK', 3, 'BYE'));
  }

  // 5. Carol calls Bob over TCP: the INVITE spans two segments, 100 and 180 share one
  {
    const d = new Dialog('tcp-5f1e2d3c@192.0.2.11', { ...carol, port: 5070 }, bob, 'tcpc4r', 'TCP');
    const flow = new TcpFlow({ ip: carol.ip, port: 40123 }, { ip: bob.ip, port: 5060 });
    const offer = sdpBody({
      sessionC: carol.ip,
      media: [{ port: 7090, formats: [0, 8, 101], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' } }],
    });
    const answer = sdpBody({
      sessionC: bob.ip,
      media: [{ port: 31010, formats: [0, 101], rtpmap: { 0: 'PCMU/8000', 101: 'telephone-event/8000' } }],
    });
    let t = 21.0;
    for (const s of flow.handshake()) at((t += 0.001), s.frame());
    const invite = d.request('INVITE', 10, { body: offer });
    for (const s of flow.split('c2s', invite, [600])) at((t += 0.002), s.frame());
    const trying = d.response('100 Trying', 10, 'INVITE', { toTag: false });
    d.answerTag('b0bt');
    at((t += 0.2), flow.coalesce('s2c', [trying, d.response('180 Ringing', 10, 'INVITE')]).frame());
    at((t = 24.0), flow.send('s2c', d.response('200 OK', 10, 'INVITE', { body: answer })).frame());
    at((t += 0.01), flow.send('c2s', d.request('ACK', 10)).frame());
    at((t = 30.0), flow.send('c2s', d.request('BYE', 11)).frame());
    at((t += 0.02), flow.send('s2c', d.response('200 OK', 11, 'BYE')).frame());
  }

  // 6. Grace calls Heidi over IPv6, answered, Grace hangs up
  {
    const d = new Dialog('ipv6-call-77@2001:db8:10::5', v6a, v6b, 'gr4ce');
    const offer = sdpBody({
      sessionC: v6a.ip,
      media: [{ port: 16384, formats: [111, 0], rtpmap: { 111: 'opus/48000/2', 0: 'PCMU/8000' } }],
    });
    const answer = sdpBody({ sessionC: v6b.ip, media: [{ port: 16390, formats: [111], rtpmap: { 111: 'opus/48000/2' } }] });
    udp(31.0, v6a, v6b, d.request('INVITE', 1, { body: offer }));
    d.answerTag('h31d1');
    udp(31.5, v6b, v6a, d.response('180 Ringing', 1, 'INVITE'));
    udp(33.0, v6b, v6a, d.response('200 OK', 1, 'INVITE', { body: answer }));
    udp(33.01, v6a, v6b, d.request('ACK', 1));
    udp(40.0, v6a, v6b, d.request('BYE', 2));
    udp(40.01, v6b, v6a, d.response('200 OK', 2, 'BYE'));
  }

  // 7. A registration with a challenge (not a call: counted in the statistics)
  {
    const d = new Dialog('reg-0001@192.0.2.12', erin, { ...frank, user: 'registrar' }, 'r3g');
    udp(41.0, erin, frank, d.request('REGISTER', 1));
    d.answerTag('reg1');
    udp(41.01, frank, erin, d.response('401 Unauthorized', 1, 'REGISTER'));
    udp(
      41.05,
      erin,
      frank,
      d.request('REGISTER', 2, {
        extra: [['Authorization', 'Digest username="erin", realm="example.net", nonce="9b1e", response="0a1b2c"']],
      }),
    );
    udp(41.06, frank, erin, d.response('200 OK', 2, 'REGISTER'));
  }

  packets.sort((x, y) => (x.ts as number) - (y.ts as number));
  return writePcap(packets);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? fileURLToPath(new URL('./sample.pcap', import.meta.url));
  writeFileSync(out, buildSample());
  process.stdout.write(`wrote ${out}\n`);
}
