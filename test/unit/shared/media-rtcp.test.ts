// RTCP of a call's streams (SPEC §8 `rtcp`), through the real core and tracker: report blocks
// sent to the RTCP port (m= port + 1, a=rtcp:) or muxed on the RTP port, the round trip from
// LSR/DLSR against the capture time of the SR they name, and damaged compounds counted.

import { describe, expect, test } from 'vitest';
import type { CallRecord } from '../../../shared/record.ts';
import { concat, type Packet, sdpBody, sipMessage, udpPacketV4, writePcap } from '../../support/capture-writer.ts';
import { recordsOf } from '../../support/engine.ts';
import { lsrOf, ntpOf, receiverReport, sdesCname, senderReport } from '../../support/rtcp-packets.ts';
import { mergeByTime, plannedStream } from '../../support/rtp-plan.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = tempDir('media-rtcp');
const T0 = 1_767_261_600;
const A = { ip: '192.0.2.10', port: 40000 };
const B = { ip: '198.51.100.20', port: 30000 };
type Side = typeof A;

function sip(from: Side, to: Side, t: number, text: string): Packet {
  return { ts: t, data: udpPacketV4(from.ip, 5060, to.ip, 5060, text) };
}

const headers = (cseq: string, toTag: boolean, sdp: boolean): [string, string][] => [
  ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1'],
  ['Call-ID', 'rtcp@test'],
  ['From', '<sip:a@x>;tag=a1'],
  ['To', `<sip:b@x>${toTag ? ';tag=b1' : ''}`],
  ['CSeq', cseq],
  ...(sdp ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
];

/** A call A → B with 10 s of audio each way, the given SDP attributes and RTCP packets. */
async function call(attrs: string, rtcp: Packet[]): Promise<{ record: CallRecord; counters: Record<string, number> }> {
  const sdp = (s: Side) => sdpBody({ sessionC: s.ip, media: [{ port: s.port, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] }) + attrs;
  const up = plannedStream({ src: A.ip, sport: A.port, dst: B.ip, dport: B.port, ssrc: 0x1000, count: 500, start: T0 + 1 });
  const down = plannedStream({ src: B.ip, sport: B.port, dst: A.ip, dport: A.port, ssrc: 0x2000, count: 500, start: T0 + 1.01 });
  const sipPackets = [
    sip(A, B, T0, sipMessage('INVITE sip:b@x SIP/2.0', headers('1 INVITE', false, true), sdp(A))),
    sip(B, A, T0 + 0.5, sipMessage('SIP/2.0 200 OK', headers('1 INVITE', true, true), sdp(B))),
    sip(A, B, T0 + 12, sipMessage('BYE sip:b@x SIP/2.0', headers('2 BYE', true, false))),
    sip(B, A, T0 + 12.05, sipMessage('SIP/2.0 200 OK', headers('2 BYE', true, false))),
  ];
  const path = tmp.write(
    `call-${Math.random().toString(36).slice(2)}.pcap`,
    writePcap(mergeByTime(sipPackets, up.packets, down.packets, rtcp)),
  );
  const { records, stats } = await recordsOf([path]);
  expect(records).toHaveLength(1);
  return { record: records[0], counters: stats.engine.counters };
}

const rtcpPacket = (from: Side, fromPort: number, to: Side, toPort: number, t: number, data: Uint8Array): Packet => ({
  ts: t,
  data: udpPacketV4(from.ip, fromPort, to.ip, toPort, data),
});

/**
 * A sends an SR about its stream with a block about B's; 50 ms later B answers with an SR
 * whose block about A's stream names A's SR (DLSR 20 ms); 50 ms after that, A's RR names B's SR
 * (DLSR 10 ms). Round trips: 50 − 20 = 30 ms and 50 − 10 = 40 ms (less DLSR rounding).
 */
function exchange(portOf: (s: Side) => number): Packet[] {
  const t1 = T0 + 5;
  const ntpA = ntpOf(t1 + 1000); // the sender's clock need not be the capture's
  const ntpB = ntpOf(t1 + 0.05 - 300);
  const blk = (ssrc: number, fraction: number, cumulative: number, jitter: number, lsr: number, dlsr: number) => ({
    ssrc,
    fraction,
    cumulative,
    highestSeq: 0x1_0000 + 300,
    jitter,
    lsr,
    dlsr,
  });
  return [
    rtcpPacket(
      A,
      portOf(A),
      B,
      portOf(B),
      t1,
      concat(senderReport(0x1000, ntpA, 32_000, [blk(0x2000, 0, 0, 16, 0, 0)]), sdesCname(0x1000, 'a@x')),
    ),
    rtcpPacket(
      B,
      portOf(B),
      A,
      portOf(A),
      t1 + 0.05,
      concat(senderReport(0x2000, ntpB, 32_400, [blk(0x1000, 26, 5, 40, lsrOf(ntpA), Math.round(0.02 * 65536))]), sdesCname(0x2000, 'b@x')),
    ),
    rtcpPacket(
      A,
      portOf(A),
      B,
      portOf(B),
      t1 + 0.1,
      receiverReport(0x1000, [blk(0x2000, 3, -2, 24, lsrOf(ntpB), Math.round(0.01 * 65536))]),
    ),
  ];
}

const rttOf = (gapMs: number, dlsrMs: number) => Math.round((gapMs - (Math.round(dlsrMs * 65.536) * 1000) / 65536) * 1000) / 1000;

describe('RTCP about a call’s streams', () => {
  test('separate RTCP on port + 1: the receiver’s last figures and the LSR/DLSR round trip per stream', async () => {
    const { record, counters } = await call(
      '',
      exchange((s) => s.port + 1),
    );
    const [up, down] = record.media;
    expect(up.ssrc).toBe(0x1000);
    expect(up.rtcp).toEqual({ reports: 1, fractionLost: 0.1016, cumulativeLost: 5, jitterMs: 5, rttMs: rttOf(50, 20) });
    expect(down.rtcp).toEqual({ reports: 2, fractionLost: 0.0117, cumulativeLost: -2, jitterMs: 3, rttMs: rttOf(50, 10) });
    expect(counters.rtcpPackets).toBe(3);
    expect(counters.rtcpInvalid).toBe(0);
    // half the round trip is one-way delay: a little below the R of the same call without RTCP
    const { record: plain } = await call('', []);
    expect(plain.media[0].rtcp).toBeNull();
    expect(up.rFactor).toBeLessThanOrEqual(plain.media[0].rFactor);
  });

  test('a=rtcp:PORT moves the RTCP port; rtcp-mux brings RTCP to the RTP port', async () => {
    const moved = await call(
      'a=rtcp:45000\r\n',
      exchange(() => 45000),
    );
    expect(moved.record.media[0].rtcp?.reports).toBe(1);
    expect(moved.record.media[1].rtcp?.rttMs).toBe(rttOf(50, 10));
    const mux = await call(
      'a=rtcp-mux\r\n',
      exchange((s) => s.port),
    );
    // RTCP is not counted as RTP, neither in a stream nor in the call's flow
    expect(mux.record.media.map((m) => m.packets)).toEqual([500, 500]);
    expect(mux.record.rtpPackets).toBe(1000);
    expect(mux.record.media[0].rtcp).toEqual({ reports: 1, fractionLost: 0.1016, cumulativeLost: 5, jitterMs: 5, rttMs: rttOf(50, 20) });
    expect(mux.counters.rtcpPackets).toBe(3);
  });

  test('a block that names no SR seen gives figures but no round trip; RTCP to a port nobody announced is not read', async () => {
    const lone = receiverReport(0x2000, [
      { ssrc: 0x1000, fraction: 0, cumulative: 0, highestSeq: 1, jitter: 8, lsr: 0x1234_5678, dlsr: 10 },
    ]);
    const { record, counters } = await call('', [
      rtcpPacket(B, B.port + 1, A, A.port + 1, T0 + 3, lone),
      rtcpPacket(B, B.port + 1, A, A.port + 7, T0 + 3, lone),
    ]);
    expect(record.media[0].rtcp).toEqual({ reports: 1, fractionLost: 0, cumulativeLost: 0, jitterMs: 1, rttMs: null });
    expect(counters.rtcpPackets).toBe(1);
  });

  test('damaged compounds are counted, never read past their end', async () => {
    const good = receiverReport(0x2000, [{ ssrc: 0x1000, fraction: 9, cumulative: 1, highestSeq: 1, jitter: 8, lsr: 0, dlsr: 0 }]);
    const longer = good.slice();
    longer[3] = 40; // length says 164 bytes
    const badVersion = good.slice();
    badVersion[0] = 0x41;
    const tail = concat(good, new Uint8Array([0x80, 0xca])); // two bytes after the last packet
    const fewBlocks = good.slice(0, 8); // count says one block, length says none
    fewBlocks[3] = 1;
    const at = (t: number, d: Uint8Array) => rtcpPacket(B, B.port + 1, A, A.port + 1, T0 + t, d);
    const { record, counters } = await call('', [
      at(2, longer),
      at(2.1, badVersion),
      at(2.2, tail),
      at(2.3, fewBlocks),
      at(2.4, new Uint8Array(3)),
    ]);
    expect(counters.rtcpInvalid).toBe(5);
    expect(counters.rtcpPackets).toBe(0);
    // a compound is checked whole (RFC 3550 A.2): even its sound first report is not kept
    expect(record.media[0].rtcp).toBeNull();
  });
});
