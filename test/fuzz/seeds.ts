// The captures every fuzz case starts from: the project's sample, the fixtures of its own tests,
// and captures written here with the capture writer for the layers those leave out (HEP v3,
// WebSocket, SCTP pieces, TCP segmentation, IP fragments, tunnels, RTP and RTCP to SDP
// endpoints, other link layers and pcapng). All deterministic.

import { readFileSync } from 'node:fs';
import * as cw from '../support/capture-writer.ts';
import { ownedCapture } from '../support/extract-capture.ts';
import { sameCallIdCapture, xcidCapture } from '../support/b2bua-capture.ts';
import { receiverReport, senderReport, sdesCname, ntpOf, lsrOf } from '../support/rtcp-packets.ts';
import { SAMPLE } from '../support/paths.ts';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

const T0 = 1_767_268_800;
const A = '192.0.2.10';
const B = '198.51.100.20';
const A6 = '2001:db8::10';
const B6 = '2001:db8::20';

function invite(callId: string, host: string, port: number, transport = 'UDP', extra: [string, string][] = []): string {
  const v6 = host.includes(':');
  const sdp = cw.sdpBody({
    sessionC: host,
    media: [
      { port, formats: [0, 101], rtpmap: { 0: 'PCMU/8000', 101: 'telephone-event/8000' } },
      { media: 'video', port: port + 2, formats: [96], rtpmap: { 96: 'H264/90000' } },
    ],
  });
  return cw.sipMessage(
    `INVITE sip:bob@${v6 ? `[${B6}]` : B} SIP/2.0`,
    [
      ['Via', `SIP/2.0/${transport} ${v6 ? `[${host}]` : host}:5060;branch=z9hG4bK-${callId}`],
      ['Max-Forwards', '70'],
      ['From', `"Alice" <sip:alice@example.test>;tag=fa-${callId}`],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      ['Contact', `<sip:alice@${v6 ? `[${host}]` : host}:5060>`],
      ['User-Agent', 'sipscope-fuzz/1'],
      ['X-CID', `x-${callId}`],
      ['Content-Type', 'application/sdp'],
      ...extra,
    ],
    sdp + 'a=rtcp:' + (port + 1) + '\r\na=sendrecv\r\n',
  );
}

function answer(code: number, reason: string, callId: string, host: string, port: number, method = 'INVITE', cseq = 1): string {
  const body =
    code === 200 && method === 'INVITE' ? cw.sdpBody({ sessionC: host, media: [{ port, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] }) : '';
  return cw.sipMessage(
    `SIP/2.0 ${code} ${reason}`,
    [
      ['Via', `SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${callId}`],
      ['From', `"Alice" <sip:alice@example.test>;tag=fa-${callId}`],
      ['To', `<sip:bob@example.test>;tag=tb-${callId}`],
      ['Call-ID', callId],
      ['CSeq', `${cseq} ${method}`],
      ['Server', 'sipscope-fuzz-uas'],
      ...(body ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
      ...(code >= 400 ? [['Reason', 'Q.850;cause=17'] as [string, string]] : []),
    ],
    body,
  );
}

function request(method: string, callId: string, cseq: number): string {
  return cw.sipMessage(`${method} sip:bob@${B} SIP/2.0`, [
    ['Via', `SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${method}-${callId}`],
    ['From', `<sip:alice@example.test>;tag=fa-${callId}`],
    ['To', `<sip:bob@example.test>;tag=tb-${callId}`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} ${method}`],
  ]);
}

const at = (s: number) => ({ sec: T0 + Math.floor(s), nsec: Math.round((s % 1) * 1e9) });

/** A whole call over UDP with RTP both ways (CSRC, extension, padding, DTMF) and RTCP. */
function mediaCall(v6: boolean): Uint8Array {
  const [a, b] = v6 ? [A6, B6] : [A, B];
  const pkt = (src: string, sp: number, dst: string, dp: number, p: cw.Payload) =>
    v6 ? cw.udpPacketV6(src, sp, dst, dp, p) : cw.udpPacketV4(src, sp, dst, dp, p);
  const id = v6 ? 'media6' : 'media4';
  const out: cw.Packet[] = [];
  out.push({ ts: at(0), data: pkt(a, 5060, b, 5060, invite(id, a, 40000)) });
  out.push({ ts: at(0.05), data: pkt(b, 5060, a, 5060, answer(180, 'Ringing', id, b, 50000)) });
  out.push({ ts: at(0.5), data: pkt(b, 5060, a, 5060, answer(200, 'OK', id, b, 50000)) });
  out.push({ ts: at(0.55), data: pkt(a, 5060, b, 5060, request('ACK', id, 1)) });
  for (let i = 0; i < 12; i++) {
    const t = 0.6 + i * 0.02;
    const fwd = cw.rtp({ pt: 0, seq: 100 + i, ts: 8000 + i * 160, ssrc: 0x1111, marker: i === 0 }, 160);
    if (i === 3) fwd[0] = 0x82; // two CSRCs
    if (i === 4) fwd[0] = 0x90; // header extension
    if (i === 5) {
      fwd[0] = 0xa0; // padding: the last byte counts it
      fwd[fwd.length - 1] = 4;
    }
    if (i === 3) fwd.set([0, 0, 0, 1, 0, 0, 0, 2], 12);
    if (i === 4) fwd.set([0xbe, 0xde, 0, 1, 1, 2, 3, 4], 12);
    out.push({ ts: at(t), data: pkt(a, 40000, b, 50000, fwd) });
    const back = cw.rtp({ pt: i === 7 ? 101 : 0, seq: 900 + i, ts: 3200 + i * 160, ssrc: 0x2222 }, i === 7 ? 4 : 160);
    if (i === 7) back.set([5, 0x80, 0, 160], 12);
    out.push({ ts: at(t + 0.005), data: pkt(b, 50000, a, 40000, back) });
  }
  const ntp = ntpOf(T0 + 1);
  const sr = cw.concat(
    senderReport(0x1111, ntp, 9920, [{ ssrc: 0x2222, fraction: 3, cumulative: 1, highestSeq: 911, jitter: 12, lsr: 0, dlsr: 0 }]),
    sdesCname(0x1111, 'a@fuzz'),
  );
  out.push({ ts: at(1), data: pkt(a, 40001, b, 50001, sr) });
  const rr = cw.concat(
    receiverReport(0x2222, [{ ssrc: 0x1111, fraction: 0, cumulative: 0, highestSeq: 111, jitter: 4, lsr: lsrOf(ntp), dlsr: 3000 }]),
    sdesCname(0x2222, 'b@fuzz'),
  );
  out.push({ ts: at(1.1), data: pkt(b, 50001, a, 40001, rr) });
  // RTCP on the RTP port (rtcp-mux)
  out.push({ ts: at(1.2), data: pkt(b, 50000, a, 40000, rr) });
  out.push({ ts: at(2), data: pkt(a, 5060, b, 5060, request('BYE', id, 2)) });
  out.push({ ts: at(2.05), data: pkt(b, 5060, a, 5060, answer(200, 'OK', id, b, 0, 'BYE', 2)) });
  return cw.writePcap(out, v6 ? { nanos: true } : {});
}

/** SIP over TCP: handshake, a message split over segments and reordered, two coalesced, a
 *  retransmission, a message that arrives after a hole, FIN. */
function tcpCall(): Uint8Array {
  const flow = new cw.TcpFlow({ ip: A, port: 50600 }, { ip: B, port: 5060 }, { seed: 3 });
  const segs: cw.TcpSegment[] = [...flow.handshake()];
  segs.push(...cw.TcpFlow.reorder(flow.split('c2s', invite('tcp1', A, 41000, 'TCP'), [90, 200, 7]), [0, 2, 1, 3]));
  const co = flow.coalesce('s2c', [answer(100, 'Trying', 'tcp1', B, 0), answer(180, 'Ringing', 'tcp1', B, 0)]);
  segs.push(co, flow.retransmit(co));
  segs.push(flow.send('s2c', answer(486, 'Busy Here', 'tcp1', B, 0)));
  const lost = flow.send('c2s', request('ACK', 'tcp1', 1));
  segs.push(flow.send('c2s', '\r\n\r\n'), flow.send('c2s', request('OPTIONS', 'tcp2', 7)));
  segs.push(lost, flow.fin('c2s'), flow.fin('s2c'));
  return cw.writePcap(segs.map((s, i) => ({ ts: at(i * 0.01), data: s.frame('eth') })));
}

/** IPv4 and IPv6 fragments of SIP over UDP, out of order, one datagram left incomplete. */
function fragments(): Uint8Array {
  const big = invite('frag4', A, 42000, 'UDP', [['X-Pad', 'p'.repeat(1600)]]);
  const f4 = cw.ipv4Fragments(
    { src: A, dst: B, proto: cw.IPPROTO.UDP, id: 0x4242 },
    cw.udp({ sport: 5060, dport: 5060 }, big, { src: A, dst: B }),
    504,
  );
  const big6 = invite('frag6', A6, 42100, 'UDP', [['X-Pad', 'q'.repeat(1500)]]);
  const f6 = cw.ipv6Fragments(
    { src: A6, dst: B6, nextHeader: cw.IPPROTO.UDP },
    cw.udp({ sport: 5060, dport: 5060 }, big6, { src: A6, dst: B6 }),
    496,
  );
  const lone = cw.ipv4Fragments(
    { src: B, dst: A, proto: cw.IPPROTO.UDP, id: 7 },
    cw.udp({ sport: 5060, dport: 5060 }, big, { src: B, dst: A }),
    800,
  );
  const frames = [f4[2], f4[0], f4[3], ...f4.slice(4), f4[1], ...f6.reverse(), lone[0]];
  return cw.writePcap(
    frames.map((f, i) => ({ ts: at(i * 0.001), data: cw.linkFrame('raw', f) })),
    { linktype: cw.LINKTYPE.RAW },
  );
}

/** HEP v3 chunks around SIP (IPv4 and IPv6 agents), sent over UDP to a collector. */
function hep3(msg: string, v6: boolean): Uint8Array {
  const w = new cw.ByteWriter();
  const chunk = (type: number, body: Uint8Array) =>
    w
      .u16(0)
      .u16(type)
      .u16(6 + body.length)
      .bytes(body);
  const u8 = (v: number) => Uint8Array.of(v);
  const u16 = (v: number) => Uint8Array.of(v >> 8, v & 0xff);
  const u32 = (v: number) => Uint8Array.of(v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  w.bytes(cw.text('HEP3')).u16(0);
  chunk(1, u8(v6 ? 10 : 2));
  chunk(2, u8(17));
  chunk(v6 ? 5 : 3, v6 ? cw.parseIPv6(A6) : cw.parseIPv4(A));
  chunk(v6 ? 6 : 4, v6 ? cw.parseIPv6(B6) : cw.parseIPv4(B));
  chunk(7, u16(5060));
  chunk(8, u16(5062));
  chunk(9, u32(T0));
  chunk(10, u32(1234));
  chunk(11, u8(1));
  chunk(12, u32(2001));
  chunk(15, cw.text(msg));
  const out = w.finish();
  out[4] = out.length >> 8;
  out[5] = out.length & 0xff;
  return out;
}

function hepCapture(): Uint8Array {
  const msgs = [invite('hep1', A, 43000), answer(200, 'OK', 'hep1', B, 53000), request('BYE', 'hep1', 2)];
  return cw.writePcap(
    msgs.map((m, i) => ({ ts: at(i * 0.1), data: cw.udpPacketV4('203.0.113.5', 9060, '203.0.113.9', 9060, hep3(m, i === 1)) })),
  );
}

function wsFrame(payload: Uint8Array, mask: number[] | null, opcode = 1): Uint8Array {
  const w = new cw.ByteWriter();
  w.u8(0x80 | opcode);
  const m = mask ? 0x80 : 0;
  if (payload.length < 126) w.u8(m | payload.length);
  else if (payload.length < 65536) w.u8(m | 126).u16(payload.length);
  else w.u8(m | 127).u64(BigInt(payload.length));
  if (mask) w.bytes(Uint8Array.from(mask)).bytes(payload.map((b, i) => b ^ mask[i & 3]));
  else w.bytes(payload);
  return w.finish();
}

/** SIP over WebSocket: the HTTP upgrade both ways, masked and unmasked frames, a frame with a
 *  16-bit length, a ping, frames split over segments. */
function wsCapture(): Uint8Array {
  const flow = new cw.TcpFlow({ ip: A, port: 50800 }, { ip: B, port: 8443 }, { seed: 5 });
  const segs: cw.TcpSegment[] = [...flow.handshake()];
  segs.push(
    flow.send(
      'c2s',
      'GET /sip HTTP/1.1\r\nHost: b.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n',
    ),
  );
  segs.push(
    flow.send(
      's2c',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n',
    ),
  );
  segs.push(flow.send('c2s', wsFrame(cw.text(invite('ws1', A, 44000, 'WS')), [9, 8, 7, 6])));
  segs.push(flow.send('s2c', wsFrame(cw.text(answer(200, 'OK', 'ws1', B, 54000)), null)));
  segs.push(flow.send('c2s', wsFrame(new Uint8Array(0), [1, 2, 3, 4], 9)));
  segs.push(...flow.split('c2s', wsFrame(cw.text(request('BYE', 'ws1', 2)), [4, 3, 2, 1]), [3, 40]));
  segs.push(flow.send('s2c', wsFrame(cw.text(answer(200, 'OK', 'ws1', B, 0, 'BYE', 2)), null)));
  return cw.writePcap(segs.map((s, i) => ({ ts: at(i * 0.01), data: s.frame('eth') })));
}

/** SIP over SCTP: whole DATA chunks and a message in three pieces (B, middle, E). */
function sctpCapture(): Uint8Array {
  const frames: Uint8Array[] = [];
  const sctp = (o: cw.SctpDataOptions, p: cw.Payload) =>
    cw.linkFrame('eth', cw.ipv4({ src: A, dst: B, proto: cw.IPPROTO.SCTP }, cw.sctpData(o, p)));
  frames.push(sctp({ sport: 5060, dport: 5060, tsn: 1 }, invite('sctp1', A, 45000, 'SCTP')));
  const msg = cw.text(answer(200, 'OK', 'sctp1', B, 55000));
  const third = Math.floor(msg.length / 3);
  frames.push(sctp({ sport: 5060, dport: 5060, tsn: 10, flags: 2, streamSeq: 4 }, msg.subarray(0, third)));
  frames.push(sctp({ sport: 5060, dport: 5060, tsn: 11, flags: 0, streamSeq: 4 }, msg.subarray(third, 2 * third)));
  frames.push(sctp({ sport: 5060, dport: 5060, tsn: 12, flags: 1, streamSeq: 4 }, msg.subarray(2 * third)));
  frames.push(sctp({ sport: 5060, dport: 5060, tsn: 2 }, request('BYE', 'sctp1', 2)));
  return cw.writePcap(frames.map((f, i) => ({ ts: at(i * 0.01), data: f })));
}

/** SIP through tunnels and other link layers, in a pcapng file with two interfaces. */
function tunnels(): Uint8Array {
  const inner = (id: string) =>
    cw.ipv4({ src: A, dst: B, proto: cw.IPPROTO.UDP }, cw.udp({ sport: 5060, dport: 5060 }, request('OPTIONS', id, 1), { src: A, dst: B }));
  const outer = (proto: number, p: Uint8Array) => cw.ipv4({ src: '10.9.0.1', dst: '10.9.0.2', proto }, p);
  const eth = (ip: Uint8Array, o: Partial<cw.EthernetOptions> = {}) => cw.ethernet({ etherType: cw.ETHERTYPE.IPV4, ...o }, ip);
  const frames: { data: Uint8Array; iface: number }[] = [
    { data: eth(outer(cw.IPPROTO.IPIP, inner('ipip'))), iface: 0 },
    { data: eth(outer(cw.IPPROTO.GRE, cw.gre({ protocol: cw.ETHERTYPE.IPV4, key: 5 }, inner('gre')))), iface: 0 },
    { data: eth(outer(cw.IPPROTO.GRE, cw.erspan2({ sessionId: 3 }, eth(inner('erspan2'))))), iface: 0 },
    { data: eth(outer(cw.IPPROTO.GRE, cw.erspan3({ sessionId: 4 }, eth(inner('erspan3'))))), iface: 0 },
    {
      data: eth(
        cw.ipv4({ src: '10.9.0.1', dst: '10.9.0.2', proto: 17 }, cw.udp({ sport: 40000, dport: 4789 }, cw.vxlan(7, eth(inner('vxlan'))))),
      ),
      iface: 0,
    },
    {
      data: eth(cw.ipv4({ src: '10.9.0.1', dst: '10.9.0.2', proto: 17 }, cw.udp({ sport: 2152, dport: 2152 }, cw.gtpu(9, inner('gtpu'))))),
      iface: 0,
    },
    { data: eth(inner('vlan'), { vlans: [10, 20], outerTags: [{ tpid: 0x88a8, vid: 30 }] }), iface: 0 },
    { data: eth(inner('mpls'), { mpls: [100, 200] }), iface: 0 },
    { data: eth(inner('pppoe'), { pppoe: { session: 1 } }), iface: 0 },
    { data: eth(cw.ipv6({ src: A6, dst: B6, nextHeader: cw.IPPROTO.IPIP }, inner('4in6'))), iface: 0 },
    { data: cw.sll({ protocol: cw.ETHERTYPE.IPV4 }, inner('sll')), iface: 1 },
  ];
  const packets: (cw.PcapngPacket | cw.PcapngRawBlock)[] = frames.map((f, i) => ({ ts: at(i * 0.01), data: f.data, iface: f.iface }));
  packets.push({ ts: at(1), data: eth(inner('spb')), block: 'spb' });
  packets.splice(4, 0, cw.nameResolutionBlock([{ ip: B, names: ['b.test'] }]));
  return cw.writePcapng([{ interfaces: [{ linktype: 1 }, { linktype: 113, tsresol: 9 }], packets }]);
}

/** Other link layers and byte orders, each with a short call. */
function links(): Uint8Array[] {
  const call = (link: cw.Link, v6: boolean) => {
    const [a, b] = v6 ? [A6, B6] : [A, B];
    const pkt = (src: string, dst: string, m: string) =>
      v6 ? cw.udpPacketV6(src, 5060, dst, 5060, m, link) : cw.udpPacketV4(src, 5060, dst, 5060, m, link);
    return [pkt(a, b, invite(`l-${link}`, a, 46000)), pkt(b, a, answer(603, 'Decline', `l-${link}`, b, 0))];
  };
  return [
    cw.writePcap(
      call('sll2', false).map((d, i) => ({ ts: at(i), data: d })),
      { linktype: cw.LINKTYPE.LINUX_SLL2, bigEndian: true },
    ),
    cw.writePcap(
      call('null', true).map((d, i) => ({ ts: at(i), data: d })),
      { linktype: cw.LINKTYPE.NULL },
    ),
    cw.writePcap(
      call('loop', false).map((d, i) => ({ ts: at(i), data: d })),
      { linktype: cw.LINKTYPE.LOOP, nanos: true },
    ),
  ];
}

let cached: Seed[] | null = null;

/** Every seed, built once per process. */
export function projectSeeds(): Seed[] {
  if (cached) return cached;
  const seeds: Seed[] = [
    { name: 'sample.pcap', bytes: new Uint8Array(readFileSync(SAMPLE)) },
    { name: 'extract-capture', bytes: ownedCapture().bytes },
    { name: 'b2bua-xcid', bytes: xcidCapture().bytes },
    { name: 'b2bua-same-call-id', bytes: sameCallIdCapture().bytes },
    { name: 'media-ipv4', bytes: mediaCall(false) },
    { name: 'media-ipv6', bytes: mediaCall(true) },
    { name: 'tcp', bytes: tcpCall() },
    { name: 'ip-fragments', bytes: fragments() },
    { name: 'hep3', bytes: hepCapture() },
    { name: 'websocket', bytes: wsCapture() },
    { name: 'sctp', bytes: sctpCapture() },
    { name: 'tunnels-pcapng', bytes: tunnels() },
    ...links().map((bytes, i) => ({ name: `links-${i}`, bytes })),
  ];
  cached = seeds;
  return seeds;
}
