// `sipscope read --merge`: captures of the same traffic taken at different points are read as
// one capture in timestamp order. Two captures of one call (each direction seen at its own point,
// other link types, pcapng, gzip) give exactly the records of one capture of both; the same
// packets seen at two points stay one call; a damaged input is named and the rest is read; 200
// files given in any order come out in time order.

import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Link, type Packet, sdpBody, sipMessage, udpPacketV4, writePcap, writePcapng } from '../support/capture-writer.ts';
import { runCli } from '../support/cli.ts';
import { jsonl } from '../support/jsonl.ts';
import { plannedStream } from '../support/rtp-plan.ts';
import { tempDir } from '../support/temp.ts';

const tmp = tempDir('merge');
const T0 = 1_767_261_600;
const A = { ip: '192.0.2.10', port: 40000 };
const B = { ip: '198.51.100.20', port: 30000 };

/** A packet as sent: who to whom, so it can be drawn on any link type. */
interface Sent {
  ts: number;
  fromCaller: boolean;
  sport: number;
  dport: number;
  payload: Uint8Array | string;
}

function callPackets(id: string, t0: number): Sent[] {
  const h = (cseq: string, toTag: boolean, sdp: boolean): [string, string][] => [
    ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK' + id + cseq.replace(' ', '')],
    ['Call-ID', `${id}@test`],
    ['From', '<sip:alice@x>;tag=a' + id],
    ['To', `<sip:bob@x>${toTag ? ';tag=b' + id : ''}`],
    ['CSeq', cseq],
    ...(sdp ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
  ];
  const sdp = (s: typeof A) => sdpBody({ sessionC: s.ip, media: [{ port: s.port, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const sip = (ts: number, fromCaller: boolean, text: string): Sent => ({ ts, fromCaller, sport: 5060, dport: 5060, payload: text });
  const out: Sent[] = [
    sip(t0, true, sipMessage('INVITE sip:bob@x SIP/2.0', h('1 INVITE', false, true), sdp(A))),
    sip(t0 + 0.01, false, sipMessage('SIP/2.0 100 Trying', h('1 INVITE', false, false))),
    sip(t0 + 0.3, false, sipMessage('SIP/2.0 180 Ringing', h('1 INVITE', true, false))),
    sip(t0 + 1, false, sipMessage('SIP/2.0 200 OK', h('1 INVITE', true, true), sdp(B))),
    sip(t0 + 1.05, true, sipMessage('ACK sip:bob@x SIP/2.0', h('1 ACK', true, false))),
    sip(t0 + 6, true, sipMessage('BYE sip:bob@x SIP/2.0', h('2 BYE', true, false))),
    sip(t0 + 6.02, false, sipMessage('SIP/2.0 200 OK', h('2 BYE', true, false))),
  ];
  const up = plannedStream({
    src: A.ip,
    sport: A.port,
    dst: B.ip,
    dport: B.port,
    ssrc: 0x10,
    count: 200,
    start: t0 + 1.1,
    jitterMs: 2,
    seed: 3,
  });
  const down = plannedStream({ src: B.ip, sport: B.port, dst: A.ip, dport: A.port, ssrc: 0x20, count: 200, start: t0 + 1.11 });
  const rtp = (p: Packet, fromCaller: boolean): Sent => ({
    ts: p.ts as number,
    fromCaller,
    sport: fromCaller ? A.port : B.port,
    dport: fromCaller ? B.port : A.port,
    payload: p.data.subarray(42), // the plan's Ethernet + IPv4 + UDP headers
  });
  out.push(...up.packets.map((p) => rtp(p, true)), ...down.packets.map((p) => rtp(p, false)));
  return out.sort((x, y) => x.ts - y.ts);
}

function draw(sent: Sent[], link: Link, shift = 0): Packet[] {
  return sent.map((s) => {
    const [src, dst] = s.fromCaller ? [A.ip, B.ip] : [B.ip, A.ip];
    return { ts: s.ts + shift, data: udpPacketV4(src, s.sport, dst, s.dport, s.payload, link) };
  });
}

const read = async (args: string[]) => {
  const r = await runCli(['read', ...args, '--format', 'jsonl', '-q'], { timeoutMs: 60_000 });
  return { ...r, records: jsonl(r.stdout) };
};

describe('read --merge', () => {
  const sent = callPackets('m1', T0);
  let both = '';
  let aSide = '';
  let bSide = '';
  beforeAll(() => {
    both = tmp.write('both.pcap', writePcap(draw(sent, 'eth')));
    // each direction captured at its own point: the caller's side on Ethernet (pcap), the
    // callee's on Linux cooked capture (pcapng, gzip)
    aSide = tmp.write(
      'a.pcap',
      writePcap(
        draw(
          sent.filter((s) => s.fromCaller),
          'eth',
        ),
      ),
    );
    const bPackets = draw(
      sent.filter((s) => !s.fromCaller),
      'sll',
    ).map((p) => ({ ts: p.ts, data: p.data }));
    bSide = tmp.write('b.pcapng.gz', gzipSync(writePcapng([{ interfaces: [{ linktype: 113 }], packets: bPackets }])));
  });

  test('two captures of one call, one per direction, give the records of one capture of both', async () => {
    const one = await read([both]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.records).toHaveLength(1);
    expect(one.records[0].SIP_CALL_STATE).toBe('CALL_COMPLETED');
    expect(one.records[0].media.map((m: { packets: number }) => m.packets)).toEqual([200, 200]);
    // without --merge the files are read one after the other: the call is torn apart
    const apart = await read([aSide, bSide]);
    expect(apart.stdout).not.toBe(one.stdout);
    const merged = await read(['--merge', bSide, aSide]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(one.stdout);
  });

  test('the same packets seen at two points (the second 0.3 ms later) stay one call with its first times', async () => {
    const later = tmp.write('later.pcap', writePcap(draw(sent, 'eth', 0.0003)));
    const one = (await read([both])).records[0];
    const r = await read(['--merge', both, later]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.records).toHaveLength(1);
    const m = r.records[0];
    for (const k of Object.keys(one).filter((k) => k.startsWith('SIP_'))) expect(m[k], k).toEqual(one[k]);
  });

  test('a damaged input is named, the others are read; exit 1', async () => {
    const whole = writePcap(
      draw(
        sent.filter((s) => !s.fromCaller),
        'eth',
      ),
    );
    const cut = tmp.write('cut.pcap', whole.subarray(0, whole.length - 30));
    const r = await read(['--merge', aSide, cut]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.pcap: the file ends in the middle of a record \(truncated capture\) \(at byte \d+\)/);
    expect(r.records).toHaveLength(1);
    const missing = await read(['--merge', aSide, tmp.file('nothing.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing\.pcap: no such file/);
    expect(missing.records).toHaveLength(1);
  });

  test('200 files given latest first come out in time order, one record each', async () => {
    const files: string[] = [];
    for (let i = 199; i >= 0; i--) {
      const calls = callPackets(`f${i}`, T0 + i * 10).filter((s) => s.sport === 5060);
      files.push(tmp.write(`f${i}.pcap`, writePcap(draw(calls, 'eth'))));
    }
    const r = await read(['--merge', ...files]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.records).toHaveLength(200);
    const starts = r.records.map((x) => x.SIP_INVITE_TIME as number);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect(new Set(r.records.map((x) => x.SIP_CALL_ID)).size).toBe(200);
    // each file holds an open file and a share of the read-ahead: a bound, said before reading
    const many = await runCli(['read', '--merge', ...Array.from({ length: 257 }, (_, i) => tmp.file(`n${i}.pcap`))]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/--merge reads at most 256 files at once/);
  });

  test('pcapng as written by many tools: two sections, big-endian, ns and 2^-20 s clocks, if_tsoffset, SPB and OPB — merged alone, the same records as read plainly', async () => {
    const sip = sent.filter((s) => s.sport === 5060);
    const half = Math.floor(sip.length / 2);
    const first = draw(sip.slice(0, half), 'eth');
    const second = draw(sip.slice(half), 'raw');
    const ng = writePcapng(
      [
        {
          interfaces: [
            { linktype: 1, tsresol: 9 },
            { linktype: 1, tsresol: 0x80 | 20 },
          ],
          packets: first.map((p, i) => ({ ts: p.ts, data: p.data, iface: i % 2, block: i === 1 ? ('opb' as const) : ('epb' as const) })),
        },
        {
          interfaces: [{ linktype: 101, tsoffset: 1_000_000_000 }],
          packets: second.map((p, i) => ({ ts: p.ts, data: p.data, block: i === 2 ? ('spb' as const) : ('epb' as const) })),
        },
      ],
      { bigEndian: true },
    );
    const file = tmp.write('tools.pcapng', ng);
    const plain = await read([file]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.records).toHaveLength(1);
    const merged = await read(['--merge', file]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(plain.stdout);
  });

  test('standard input cannot be merged; --merge is not a live option', async () => {
    const r = await runCli(['read', '--merge', '-', both]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--merge reads files, not standard input/);
    const live = await runCli(['live', '-i', 'lo', '--merge']);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/unknown option --merge/);
  });
});
