// A call's media[] and verdicts (SPEC §8), through the real core and tracker: each verdict has a
// call that must raise it and one that must not.

import { describe, expect, test } from 'vitest';
import type { CallRecord } from '../../../shared/record.ts';
import { mosOf, rFactor } from '../../../shared/tracker/emodel.ts';
import { type Packet, sdpBody, sipMessage, udpPacketV4, writePcap } from '../../support/capture-writer.ts';
import { recordsOf } from '../../support/engine.ts';
import { mergeByTime, plannedStream, type RtpPlan } from '../../support/rtp-plan.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = tempDir('verdicts');
const T0 = 1_767_261_600;
const CALLER = { ip: '192.0.2.10', port: 40000 };
const CALLEE = { ip: '198.51.100.20', port: 30000 };

interface CallPlan {
  /** the callee's final answer (default 200) */
  status?: number;
  /** seconds after T0 of the BYE (default 12) */
  byeAt?: number;
  /** a re-INVITE from the caller at this time with this direction attribute */
  reinvite?: { at: number; direction: 'sendonly' | 'inactive' | 'recvonly' };
  /** offered formats (default 0 8 101) */
  formats?: number[];
  up?: Partial<RtpPlan> & { count: number };
  down?: Partial<RtpPlan> & { count: number };
}

function sip(from: typeof CALLER, to: typeof CALLER, t: number, text: string): Packet {
  return { ts: t, data: udpPacketV4(from.ip, 5060, to.ip, 5060, text) };
}

function headers(cseq: string, toTag: boolean, sdp: boolean): [string, string][] {
  const h: [string, string][] = [
    ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1'],
    ['Call-ID', 'v@test'],
    ['From', '<sip:a@x>;tag=a1'],
    ['To', `<sip:b@x>${toTag ? ';tag=b1' : ''}`],
    ['CSeq', cseq],
  ];
  if (sdp) h.push(['Content-Type', 'application/sdp']);
  return h;
}

async function callRecord(p: CallPlan): Promise<CallRecord> {
  const formats = p.formats ?? [0, 8, 101];
  const rtpmap = { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' };
  const sdp = (side: typeof CALLER, direction?: string) =>
    sdpBody({ sessionC: side.ip, media: [{ port: side.port, formats, rtpmap }] }) + (direction ? `a=${direction}\r\n` : '');
  const status = p.status ?? 200;
  const packets: Packet[] = [
    sip(CALLER, CALLEE, T0, sipMessage('INVITE sip:b@x SIP/2.0', headers('1 INVITE', false, true), sdp(CALLER))),
    sip(
      CALLEE,
      CALLER,
      T0 + 0.5,
      sipMessage(`SIP/2.0 ${status} X`, headers('1 INVITE', true, status === 200), status === 200 ? sdp(CALLEE) : ''),
    ),
  ];
  if (status === 200) {
    if (p.reinvite) {
      const t = T0 + p.reinvite.at;
      packets.push(
        sip(CALLER, CALLEE, t, sipMessage('INVITE sip:b@x SIP/2.0', headers('2 INVITE', true, true), sdp(CALLER, p.reinvite.direction))),
      );
      const answer = { sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' }[p.reinvite.direction];
      packets.push(sip(CALLEE, CALLER, t + 0.1, sipMessage('SIP/2.0 200 OK', headers('2 INVITE', true, true), sdp(CALLEE, answer))));
    }
    const bye = T0 + (p.byeAt ?? 12);
    packets.push(sip(CALLER, CALLEE, bye, sipMessage('BYE sip:b@x SIP/2.0', headers('3 BYE', true, false))));
    packets.push(sip(CALLEE, CALLER, bye + 0.05, sipMessage('SIP/2.0 200 OK', headers('3 BYE', true, false))));
  }
  const media: Packet[][] = [];
  const base = { start: T0 + 1, ssrc: 0x100 };
  if (p.up) media.push(plannedStream({ src: CALLER.ip, sport: CALLER.port, dst: CALLEE.ip, dport: CALLEE.port, ...base, ...p.up }).packets);
  if (p.down)
    media.push(
      plannedStream({
        src: CALLEE.ip,
        sport: CALLEE.port,
        dst: CALLER.ip,
        dport: CALLER.port,
        ...base,
        start: T0 + 1.01,
        ssrc: 0x200,
        ...p.down,
      }).packets,
    );
  const all = mergeByTime(packets, ...media);
  const path = tmp.write(`call-${Math.random().toString(36).slice(2)}.pcap`, writePcap(all));
  const { records } = await recordsOf([path]);
  expect(records).toHaveLength(1);
  return records[0];
}

/** 500 packets = 10 s of 20 ms audio, from T0 + 1 s: it ends about 1 s before a BYE at 12 s. */
const TEN_SECONDS = { count: 500 };

describe('a healthy call', () => {
  test('two streams, directions from the SDPs, codec and clock, MOS of a clean G.711 call, no verdict', async () => {
    const r = await callRecord({ up: TEN_SECONDS, down: TEN_SECONDS });
    expect(r.verdicts).toEqual([]);
    expect(r.media.map((m) => [m.direction, m.src, m.dst, m.codec, m.clockRate, m.packets, m.lost])).toEqual([
      ['caller-to-callee', '192.0.2.10:40000', '198.51.100.20:30000', 'PCMU', 8000, 500, 0],
      ['callee-to-caller', '198.51.100.20:30000', '192.0.2.10:40000', 'PCMU', 8000, 500, 0],
    ]);
    for (const m of r.media) {
      expect(m.mos).toBeGreaterThan(4.3);
      expect(m.rFactor).toBeGreaterThan(90);
    }
  });
});

describe('verdicts', () => {
  test('no-rtp: answered without media; an unanswered call is not', async () => {
    expect((await callRecord({})).verdicts).toEqual(['no-rtp']);
    expect((await callRecord({ status: 486 })).verdicts).toEqual([]);
  });

  test('one-way: audio in one direction only; both ways is not', async () => {
    expect((await callRecord({ up: TEN_SECONDS })).verdicts).toEqual(['one-way']);
    expect((await callRecord({ up: TEN_SECONDS, down: TEN_SECONDS })).verdicts).not.toContain('one-way');
  });

  test('rtp-stopped: a direction ends 5 s before the BYE; on hold it is not', async () => {
    const stopped = await callRecord({ up: TEN_SECONDS, down: { count: 250 } });
    expect(stopped.verdicts).toEqual(['rtp-stopped']);
    const held = await callRecord({ up: TEN_SECONDS, down: { count: 250 }, reinvite: { at: 6, direction: 'sendonly' } });
    expect(held.verdicts).toEqual([]);
  });

  test('rtp-gap: 3 s without packets inside a stream; 1.5 s is not, nor a gap on hold', async () => {
    // the sender pauses half-way; every stream ends 0.5 s before the BYE
    const gap = (ms: number) => ({ count: 500 + (3000 - ms) / 20, pauseAt: 250, pauseMs: ms });
    const long = { count: 675 };
    const r = await callRecord({ up: gap(3000), down: long, byeAt: 14.5 });
    expect(r.verdicts).toEqual(['rtp-gap']);
    expect(r.media[0].maxDeltaMs).toBeCloseTo(3020, 0);
    expect((await callRecord({ up: gap(1500), down: long, byeAt: 14.5 })).verdicts).toEqual([]);
    const held = await callRecord({ up: gap(3000), down: long, byeAt: 14.5, reinvite: { at: 6, direction: 'inactive' } });
    expect(held.verdicts).toEqual([]);
  });

  test('high-loss: more than 3 % lost; 2 % is not', async () => {
    const lose = (every: number) => ({ count: 500, lose: Array.from({ length: 500 }, (_, i) => i).filter((i) => i % every === 7) });
    const r = await callRecord({ up: lose(20), down: TEN_SECONDS });
    expect(r.media[0].lostPct).toBe(5);
    expect(r.verdicts).toEqual(['high-loss']);
    expect((await callRecord({ up: lose(50), down: TEN_SECONDS })).verdicts).toEqual([]);
  });

  test('high-jitter: above 50 ms; ±6 ms is not', async () => {
    const bursty = { count: 500, delay: Array.from({ length: 40 }, (_, k): [number, number] => [100 + k * 10, 900]) };
    const r = await callRecord({ up: bursty, down: TEN_SECONDS });
    expect(r.media[0].maxJitterMs).toBeGreaterThan(50);
    expect(r.verdicts).toContain('high-jitter');
    expect((await callRecord({ up: { count: 500, jitterMs: 6 }, down: TEN_SECONDS })).verdicts).toEqual([]);
  });

  test('low-mos: 20 % loss brings MOS below 3.6; clean audio does not', async () => {
    const heavy = { count: 500, lose: Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 5 === 2) };
    const r = await callRecord({ up: heavy, down: TEN_SECONDS });
    expect(r.media[0].mos).toBeLessThan(3.6);
    expect(r.verdicts).toEqual(['high-loss', 'low-mos']);
  });

  test('unexpected-payload: a payload type the SDPs never offered; an offered one is not', async () => {
    const r = await callRecord({ up: { count: 500, pt: 18 }, down: TEN_SECONDS });
    expect(r.verdicts).toEqual(['unexpected-payload']);
    expect((await callRecord({ up: { count: 500, pt: 8 }, down: TEN_SECONDS })).verdicts).toEqual([]);
  });

  test('nat: the caller sends from another address than its SDP named; a healthy NATed call is only nat', async () => {
    const NAT = { src: '203.0.113.9', sport: 61000 };
    const r = await callRecord({ up: { count: 500, ...NAT }, down: { count: 500, dst: NAT.src, dport: NAT.sport } });
    expect(r.verdicts).toEqual(['nat']);
    expect(r.media.map((m) => m.direction)).toEqual(['caller-to-callee', 'callee-to-caller']);
  });
});

describe('E-model (ITU-T G.107 defaults, G.113 codec values)', () => {
  test('R of a perfect G.711 call is 93.2, MOS 4.41; delay and loss lower it as the model says', () => {
    expect(rFactor('PCMU', 0, 0)).toBeCloseTo(93.2, 6);
    expect(mosOf(93.2)).toBeCloseTo(4.41, 2);
    // G.711 with PLC, Bpl 25.1: 5 % random loss → Ie,eff = 95·5/30.1
    expect(rFactor('PCMA', 0, 5)).toBeCloseTo(93.2 - (95 * 5) / 30.1, 6);
    // G.729: Ie 11
    expect(rFactor('G729', 0, 0)).toBeCloseTo(82.2, 6);
    // delay: beyond 100 ms the Idd term appears; 300 ms costs more than 20 points
    expect(rFactor('PCMU', 150, 0)).toBeLessThan(rFactor('PCMU', 100, 0));
    expect(93.2 - rFactor('PCMU', 300, 0)).toBeGreaterThan(20);
    expect(mosOf(-5)).toBe(1);
    expect(mosOf(120)).toBe(4.5);
  });
});
