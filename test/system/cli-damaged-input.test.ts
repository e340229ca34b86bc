// Damaged input never crashes or hangs the CLI: truncated and bit-flipped captures, impossible
// record and block lengths, files that are not captures, a cut gzip stream, and broken SIP text
// inside valid packets. Every case runs `node bin/sipscope.js read …` with a 20 s limit and checks:
// exit 0 or 1 (no signal, no stack trace), standard output made of complete JSON lines only, and
// a one-line message naming each file that is not fine.

import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import {
  LINKTYPE,
  TcpFlow,
  concat,
  prng,
  sdpBody,
  text,
  udpPacketV4,
  writePcap,
  writePcapng,
  type Packet,
} from '../support/capture-writer.ts';
import { runCli } from '../support/cli.ts';
import { SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';

const LIMIT_MS = 20_000;
const SAMPLE_CALL_IDS = new Set([
  'a84b4c76e66710@192.0.2.10',
  '3848276298220188511@192.0.2.11',
  'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  'b7c2e1f0@192.0.2.10',
  'tcp-5f1e2d3c@192.0.2.11',
  'ipv6-call-77@2001:db8:10::5',
]);

// ---------------------------------------------------------------- running the CLI

interface RunResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** `node bin/sipscope.js read --format jsonl ...files`, killed after LIMIT_MS. */
async function read(files: string[], extra: string[] = []): Promise<RunResult> {
  const args = ['read', '--format', 'jsonl', '--no-progress', ...extra, ...files];
  const r = await runCli(args, { timeoutMs: LIMIT_MS });
  // output must be valid UTF-8 (bad bytes in SIP become U+FFFD, never pass through)
  const stdout = new TextDecoder('utf-8', { fatal: true }).decode(r.stdoutBytes);
  return { args, code: r.code, signal: r.signal, stdout, stderr: r.stderr, timedOut: r.timedOut };
}

/** Runs tasks with at most n at a time, results in order. */
async function pool<T, R>(items: T[], n: number, f: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i], i);
      }
    }),
  );
  return out;
}

type Rec = Record<string, any>;

/**
 * The checks every damaged-input run must pass. `bad` files must get a message; with `good`
 * listed, those must not. Returns the records.
 */
function checkRun(r: RunResult, files: { bad?: string[]; good?: string[] } = {}): Rec[] {
  const what = `sipscope ${r.args.join(' ')}\n--- stderr:\n${r.stderr.slice(0, 2000)}`;
  expect(r.timedOut, `did not finish in ${LIMIT_MS} ms: ${what}`).toBe(false);
  expect(r.signal, what).toBeNull();
  expect([0, 1], what).toContain(r.code);
  expect(r.stderr, what).not.toMatch(
    /RangeError|RuntimeError|TypeError|ReferenceError|unreachable|abort|out of bounds|Maximum call stack/i,
  );
  expect(r.stderr, `stack trace: ${what}`).not.toMatch(/^\s+at .+[:(]/m);

  // standard output: complete JSON lines only, each a record
  let recs: Rec[] = [];
  if (r.stdout !== '') {
    expect(r.stdout.endsWith('\n'), `last line incomplete: ${what}`).toBe(true);
    recs = r.stdout
      .slice(0, -1)
      .split('\n')
      .map((l) => {
        let o: Rec;
        try {
          o = JSON.parse(l) as Rec;
        } catch {
          throw new Error(`not a JSON line: ${l.slice(0, 200)}\n${what}`);
        }
        expect(typeof o.SIP_CALL_ID, what).toBe('string');
        expect(typeof o.SIP_CALL_STATE, what).toBe('string');
        return o;
      });
  }

  // one message line per bad file: "sipscope: FILE: what is wrong"
  const errLines = r.stderr.split('\n');
  const problemLines = (f: string) => errLines.filter((l) => l.startsWith(`sipscope: ${f}: `) && !l.startsWith(`sipscope: ${f}: warning:`));
  for (const f of files.bad ?? []) {
    const ls = problemLines(f);
    expect(ls, `one message for ${f}: ${what}`).toHaveLength(1);
    expect(ls[0].length, `message for ${f} says why`).toBeGreaterThan(`sipscope: ${f}: `.length + 10);
  }
  for (const f of files.good ?? []) expect(problemLines(f), `no message for ${f}: ${what}`).toHaveLength(0);
  if (r.code === 1) {
    expect(
      errLines.some((l) => /^sipscope: .+: /.test(l) && !/: warning: /.test(l)),
      `exit 1 without a message: ${what}`,
    ).toBe(true);
  }
  return recs;
}

// ---------------------------------------------------------------- the build

// ---------------------------------------------------------------- capture helpers

/** Offsets of the record headers of a little-endian pcap (the sample), and the end. */
function recordOffsets(file: Uint8Array): number[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const offs: number[] = [];
  for (let o = 24; o < file.length; o += 16 + dv.getUint32(o + 8, true)) offs.push(o);
  return offs;
}

function packetsOf(file: Uint8Array): Packet[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  return recordOffsets(file).map((o) => ({
    ts: { sec: dv.getUint32(o, true), nsec: dv.getUint32(o + 4, true) * 1000 },
    data: file.subarray(o + 16, o + 16 + dv.getUint32(o + 8, true)),
  }));
}

/** Offsets of the blocks of a little-endian pcapng file. */
function blockOffsets(file: Uint8Array): { offset: number; type: number; length: number }[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: { offset: number; type: number; length: number }[] = [];
  for (let o = 0; o < file.length; ) {
    const length = dv.getUint32(o + 4, true);
    out.push({ offset: o, type: dv.getUint32(o, true), length });
    o += length;
  }
  return out;
}

function withU32(file: Uint8Array, at: number, v: number): Uint8Array {
  const copy = file.slice();
  new DataView(copy.buffer).setUint32(at, v >>> 0, true);
  return copy;
}

// ---------------------------------------------------------------- SIP as raw bytes

type Part = string | Uint8Array;
const bytes = (...parts: Part[]): Uint8Array => concat(...parts.map((x) => (typeof x === 'string' ? text(x) : x)));
const CRLF = '\r\n';

const UAC = { ip: '10.9.0.1', port: 5060 };
const UAS = { ip: '10.9.0.2', port: 5060 };
const T0 = 1_767_261_600;

/** A SIP message from raw parts; Content-Length is the body's byte length unless given. */
function sip(start: Part, headers: [string, Part][], body: Part = '', contentLength?: string): Uint8Array {
  const b = typeof body === 'string' ? text(body) : body;
  const hs = headers.map(([n, v]) => bytes(n, ': ', v, CRLF));
  return bytes(start, CRLF, ...hs, 'Content-Length: ', contentLength ?? String(b.length), CRLF, CRLF, b);
}

interface CallOpts {
  from?: Part;
  userAgent?: Part;
  /** headers added to the INVITE after the usual ones */
  inviteExtra?: [string, Part][];
  /** INVITE body (default: a one-codec SDP offer) */
  offer?: Part;
  inviteContentLength?: string;
}

/** A complete answered call (INVITE … 200 OK to BYE) over UDP, 10 ms between messages. */
function call(callId: string, t: number, o: CallOpts = {}): Packet[] {
  const from = bytes(o.from ?? '"Alice" <sip:alice@example.com>', ';tag=a1');
  const common = (cseq: string, to: string): [string, Part][] => [
    ['Via', `SIP/2.0/UDP ${UAC.ip}:${UAC.port};branch=z9hG4bK-${cseq.replace(' ', '-')}`],
    ['From', from],
    ['To', to],
    ['Call-ID', callId],
    ['CSeq', cseq],
  ];
  const to0 = '<sip:bob@example.net>';
  const to1 = '<sip:bob@example.net>;tag=b1';
  const offer = o.offer ?? sdpBody({ sessionC: UAC.ip, media: [{ port: 40000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const answer = sdpBody({ sessionC: UAS.ip, media: [{ port: 50000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const msgs: [boolean, Uint8Array][] = [
    [
      true,
      sip(
        'INVITE sip:bob@10.9.0.2 SIP/2.0',
        [
          ...common('1 INVITE', to0),
          ['User-Agent', o.userAgent ?? 'TestPhone 1.0'],
          ...(o.inviteExtra ?? []),
          ['Content-Type', 'application/sdp'],
        ],
        offer,
        o.inviteContentLength,
      ),
    ],
    [false, sip('SIP/2.0 180 Ringing', [...common('1 INVITE', to1), ['Server', 'TestPBX']])],
    [false, sip('SIP/2.0 200 OK', [...common('1 INVITE', to1), ['Server', 'TestPBX'], ['Content-Type', 'application/sdp']], answer)],
    [true, sip('ACK sip:bob@10.9.0.2 SIP/2.0', common('1 ACK', to1))],
    [true, sip('BYE sip:bob@10.9.0.2 SIP/2.0', common('2 BYE', to1))],
    [false, sip('SIP/2.0 200 OK', common('2 BYE', to1))],
  ];
  return msgs.map(([req, m], i) => ({
    ts: t + i * 0.01,
    data: req ? udpPacketV4(UAC.ip, UAC.port, UAS.ip, UAS.port, m) : udpPacketV4(UAS.ip, UAS.port, UAC.ip, UAC.port, m),
  }));
}

/** One SIP message UAC → UAS over UDP. */
const oneUdp = (t: number, m: Part): Packet => ({ ts: t, data: udpPacketV4(UAC.ip, UAC.port, UAS.ip, UAS.port, m) });

/** An INVITE (only the given headers, no Content-Length added). */
function bareInvite(headers: [string, Part][]): Uint8Array {
  return bytes('INVITE sip:bob@10.9.0.2 SIP/2.0', CRLF, ...headers.map(([n, v]) => bytes(n, ': ', v, CRLF)), CRLF);
}

const baseHeaders = (callId: string | null, cseq: string | null): [string, Part][] => {
  const h: [string, Part][] = [
    ['Via', `SIP/2.0/UDP ${UAC.ip}:5060;branch=z9hG4bK-bare`],
    ['From', '<sip:x@example.com>;tag=x1'],
    ['To', '<sip:bob@example.net>'],
  ];
  if (callId !== null) h.push(['Call-ID', callId]);
  if (cseq !== null) h.push(['CSeq', cseq]);
  h.push(['Content-Length', '0']);
  return h;
};

// ---------------------------------------------------------------- fixtures

const dir = tempDir('damaged');
let sample: Uint8Array;
const save = (name: string, data: Uint8Array): string => dir.write(name, data);

beforeAll(() => {
  sample = new Uint8Array(readFileSync(SAMPLE));
});

describe('damaged captures', () => {
  test('the sample cut at 20 offsets (inside the global header, inside record headers, anywhere)', async () => {
    const rnd = prng(0x7c0ffee);
    const offs = recordOffsets(sample);
    const boundaries = new Set([...offs, sample.length]);
    const cuts = new Set<number>([1, 12, 23, 24]); // inside the global header, and right after it
    cuts.add(offs[1] + 7); // inside a record header
    cuts.add(offs[Math.floor(offs.length / 2)] + 15); // last byte of a record header
    cuts.add(offs[offs.length - 1] + 3);
    cuts.add(offs[40]); // exactly on a record boundary
    while (cuts.size < 20) cuts.add(1 + Math.floor(rnd() * (sample.length - 1)));
    const cases = [...cuts].sort((a, b) => a - b).map((n) => ({ n, file: save(`cut-${n}.pcap`, sample.subarray(0, n)) }));
    expect(cases).toHaveLength(20);

    await pool(cases, 4, async ({ n, file }) => {
      const r = await read([file]);
      const clean = boundaries.has(n) || n === 24;
      const recs = checkRun(r, clean ? { good: [file] } : { bad: [file] });
      expect(r.code, `cut at ${n}: ${r.stderr}`).toBe(clean ? 0 : 1);
      for (const rec of recs) expect(SAMPLE_CALL_IDS.has(rec.SIP_CALL_ID), `cut at ${n}: ${rec.SIP_CALL_ID}`).toBe(true);
      if (n === sample.length) expect(recs).toHaveLength(6);
    });
  });

  test('200 variants with random bit flips, 20 files per run', async () => {
    const rnd = prng(0xb17f11b);
    const offs = recordOffsets(sample);
    const files: string[] = [];
    for (let v = 0; v < 200; v++) {
      const copy = sample.slice();
      const flips = 1 + Math.floor(rnd() * 12);
      for (let k = 0; k < flips; k++) {
        let at: number;
        const where = rnd();
        if (v % 5 === 0 && k === 0)
          at = Math.floor(rnd() * 24); // the global header
        else if (where < 0.4)
          at = offs[Math.floor(rnd() * offs.length)] + Math.floor(rnd() * 16); // a record header
        else at = Math.floor(rnd() * copy.length);
        copy[at] ^= 1 << Math.floor(rnd() * 8);
      }
      files.push(save(`flip-${String(v).padStart(3, '0')}.pcap`, copy));
    }
    const batches: string[][] = [];
    for (let i = 0; i < files.length; i += 20) batches.push(files.slice(i, i + 20));
    const results = await pool(batches, 4, async (batch) => {
      const r = await read(batch);
      checkRun(r);
      // every file named in a message is one of the batch, and named once at most
      for (const f of batch) {
        const n = r.stderr.split('\n').filter((l) => l.startsWith(`sipscope: ${f}: `) && !l.includes(': warning: ')).length;
        expect(n, `${f}: ${r.stderr}`).toBeLessThanOrEqual(1);
      }
      return r;
    });
    // the flips did damage some files: the runs say so
    expect(results.some((r) => r.code === 1)).toBe(true);
  });

  test('an absurd record length (caplen 0xFFFFFFFF) in the middle', async () => {
    const offs = recordOffsets(sample);
    const dv = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
    // the first record after the first call (and its RTP) is over: in the middle of the file
    const mid = offs.find((o) => dv.getUint32(o, true) >= T0 + 5)!;
    expect(mid).toBeGreaterThan(sample.length / 2);
    expect(mid).toBeLessThan(sample.length - 5000);
    const file = save('caplen-ffffffff.pcap', withU32(sample, mid + 8, 0xffffffff));
    const r = await read([file]);
    const recs = checkRun(r, { bad: [file] });
    expect(r.code).toBe(1);
    // what came before the damage is still read
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.find((x) => x.SIP_CALL_ID === 'a84b4c76e66710@192.0.2.10')?.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    // the same with orig_len, and a file read after it in the same run is still read
    const file2 = save('origlen-ffffffff.pcap', withU32(sample, mid + 12, 0xffffffff));
    const r2 = await read([file2, SAMPLE]);
    checkRun(r2, { good: [SAMPLE] });
  });

  describe('pcapng', () => {
    let ng: Uint8Array;
    let epb: { offset: number; type: number; length: number };
    beforeAll(() => {
      ng = writePcapng([{ interfaces: [{ linktype: LINKTYPE.ETHERNET }], packets: packetsOf(sample) }]);
      const blocks = blockOffsets(ng);
      const epbs = blocks.filter((b) => b.type === 6);
      epb = epbs[Math.floor(epbs.length / 2)];
    });

    test('the intact pcapng gives the six calls', async () => {
      const r = await read([save('intact.pcapng', ng)]);
      expect(checkRun(r)).toHaveLength(6);
      expect(r.code).toBe(0);
    });

    for (const [what, len] of [
      ['an absurd block length', 0x7ffffff0],
      ['block length 0xFFFFFFFF', 0xffffffff],
      ['a block length that is not a multiple of 4', -2],
      ['a block length below the minimum (8)', 8],
    ] as [string, number][]) {
      test(what, async () => {
        const v = len < 0 ? epb.length + len : len;
        const file = save(`ng-${v}.pcapng`, withU32(ng, epb.offset + 4, v));
        const r = await read([file]);
        const recs = checkRun(r, { bad: [file] });
        expect(r.code).toBe(1);
        expect(recs.length).toBeGreaterThan(0);
      });
    }
  });

  test('garbage bytes after the pcap header', async () => {
    const rnd = prng(42);
    const junk = Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256));
    const file = save('garbage-after-header.pcap', concat(sample.subarray(0, 24), junk));
    const r = await read([file]);
    checkRun(r, { bad: [file] });
    expect(r.code).toBe(1);
  });

  test('garbage bytes after the last record', async () => {
    const rnd = prng(43);
    const junk = Uint8Array.from({ length: 777 }, () => Math.floor(rnd() * 256));
    const file = save('garbage-at-end.pcap', concat(sample, junk));
    const r = await read([file]);
    expect(checkRun(r, { bad: [file] })).toHaveLength(6);
    expect(r.code).toBe(1);
  });

  test('files that are not captures: empty, random bytes, text — each named, the good one still read', async () => {
    const rnd = prng(7);
    const empty = save('empty.pcap', new Uint8Array(0));
    const random = save(
      'random.bin',
      Uint8Array.from({ length: 10_000 }, () => Math.floor(rnd() * 256)),
    );
    const txt = save('notes.txt', text('INVITE sip:bob@example.net SIP/2.0\r\nthis is a text file, not a capture\r\n'.repeat(50)));
    for (const f of [empty, random, txt]) {
      const r = await read([f]);
      expect(checkRun(r, { bad: [f] })).toHaveLength(0);
      expect(r.code, f).toBe(1);
    }
    const r = await read([empty, random, SAMPLE, txt]);
    expect(checkRun(r, { bad: [empty, random, txt], good: [SAMPLE] })).toHaveLength(6);
    expect(r.code).toBe(1);
  });

  test('a gzip file cut in the middle', async () => {
    const gz = gzipSync(sample);
    const file = save('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await read([file]);
    const recs = checkRun(r, { bad: [file] });
    expect(r.code).toBe(1);
    for (const rec of recs) expect(SAMPLE_CALL_IDS.has(rec.SIP_CALL_ID)).toBe(true);
    // a gzip stream whose body is garbage
    const bad = save('garbage.gz', concat(gz.subarray(0, 10), text('not deflate data at all'.repeat(20))));
    const r2 = await read([bad]);
    checkRun(r2, { bad: [bad] });
    expect(r2.code).toBe(1);
  });
});

// ---------------------------------------------------------------- broken SIP in valid packets

interface SipCase {
  name: string;
  packets: () => Packet[];
  /** the stats on stderr must say something about it */
  stats?: RegExp;
  check?: (recs: Rec[], stderr: string) => void;
}

const MALFORMED = /malformed SIP \d+|without Call-ID\/CSeq[^:]*: \d+/;

const good = (recs: Rec[], id: string) => {
  const r = recs.find((x) => x.SIP_CALL_ID === id);
  expect(r, `record ${id}`).toBeDefined();
  expect(r!.SIP_CALL_STATE).toBe('CALL_COMPLETED');
  return r!;
};

const sipCases: SipCase[] = [
  {
    name: 'no Call-ID',
    packets: () => [oneUdp(T0, bareInvite(baseHeaders(null, '1 INVITE'))), ...call('after-no-callid@t', T0 + 1)],
    stats: MALFORMED,
    check: (recs) => {
      good(recs, 'after-no-callid@t');
      expect(recs).toHaveLength(1);
    },
  },
  {
    name: 'no CSeq',
    packets: () => [oneUdp(T0, bareInvite(baseHeaders('no-cseq@t', null))), ...call('after-no-cseq@t', T0 + 1)],
    stats: MALFORMED,
    check: (recs) => {
      good(recs, 'after-no-cseq@t');
      expect(recs.map((x) => x.SIP_CALL_ID)).not.toContain('no-cseq@t');
    },
  },
  {
    name: 'CSeq "abc INVITE"',
    packets: () => [oneUdp(T0, bareInvite(baseHeaders('cseq-abc@t', 'abc INVITE'))), ...call('after-cseq-abc@t', T0 + 1)],
    stats: MALFORMED,
    check: (recs) => {
      good(recs, 'after-cseq-abc@t');
      expect(recs.map((x) => x.SIP_CALL_ID)).not.toContain('cseq-abc@t');
    },
  },
  {
    name: '10 000 headers',
    packets: () => {
      const filler: [string, Part][] = Array.from({ length: 10_000 }, (_, i) => ['X', String(i % 10)]);
      return [...call('many-headers@t', T0, { inviteExtra: filler }), ...call('after-many@t', T0 + 1)];
    },
    check: (recs) => {
      good(recs, 'after-many@t');
      const r = recs.find((x) => x.SIP_CALL_ID === 'many-headers@t');
      // 60 KB of headers: either a call or counted as too large — but if a record, a sane one
      if (r) expect(r.SIP_CALLING_PARTY).toBe('"Alice" <sip:alice@example.com>');
    },
  },
  {
    name: 'a 200 KB header line (TCP)',
    packets: () => {
      const flow = new TcpFlow({ ip: UAC.ip, port: 40001 }, { ip: UAS.ip, port: 5060 });
      const invite = sip('INVITE sip:bob@10.9.0.2 SIP/2.0', [
        ['Via', `SIP/2.0/TCP ${UAC.ip}:40001;branch=z9hG4bK-long`],
        ['From', '<sip:long@example.com>;tag=l1'],
        ['To', '<sip:bob@example.net>'],
        ['Call-ID', 'long-line@t'],
        ['CSeq', '1 INVITE'],
        ['Subject', 'a'.repeat(200_000)],
      ]);
      const pkts: Packet[] = [];
      let t = T0;
      for (const s of flow.handshake()) pkts.push({ ts: (t += 0.001), data: s.frame() });
      for (const s of flow.split('c2s', invite, Array(Math.ceil(invite.length / 1400)).fill(1400)))
        pkts.push({ ts: (t += 0.0001), data: s.frame() });
      return [...pkts, ...call('after-long-line@t', T0 + 1)];
    },
    check: (recs) => {
      good(recs, 'after-long-line@t');
    },
  },
  {
    name: 'a 300 KB SIP message (TCP): more than sipscope decodes',
    packets: () => {
      const flow = new TcpFlow({ ip: UAC.ip, port: 40003 }, { ip: UAS.ip, port: 5060 });
      const invite = sip('INVITE sip:bob@10.9.0.2 SIP/2.0', [
        ['Via', `SIP/2.0/TCP ${UAC.ip}:40003;branch=z9hG4bK-big`],
        ['From', '<sip:big@example.com>;tag=g1'],
        ['To', '<sip:bob@example.net>'],
        ['Call-ID', 'too-large@t'],
        ['CSeq', '1 INVITE'],
        ['Subject', 'c'.repeat(300_000)],
      ]);
      const pkts: Packet[] = [];
      let t = T0;
      for (const s of flow.handshake()) pkts.push({ ts: (t += 0.001), data: s.frame() });
      for (const s of flow.split('c2s', invite, Array(Math.ceil(invite.length / 1400)).fill(1400)))
        pkts.push({ ts: (t += 0.0001), data: s.frame() });
      return [...pkts, ...call('after-too-large@t', T0 + 1)];
    },
    stats: /too large \d+|malformed SIP \d+/,
    check: (recs) => {
      good(recs, 'after-too-large@t');
    },
  },
  {
    name: 'a 60 KB header line (UDP)',
    packets: () => [...call('long-udp@t', T0, { inviteExtra: [['Subject', 'b'.repeat(60_000)]] }), ...call('after-long-udp@t', T0 + 1)],
    check: (recs) => {
      good(recs, 'after-long-udp@t');
    },
  },
  {
    name: 'NUL bytes in headers',
    packets: () =>
      call('nul-bytes@t', T0, {
        userAgent: bytes('Evil', new Uint8Array([0]), 'Phone'),
        from: bytes('"Nul', new Uint8Array([0, 0]), 'Name" <sip:nul@example.com>'),
        inviteExtra: [['Subject', bytes(new Uint8Array([0, 0, 0, 0]))]],
      }),
    check: (recs) => {
      const r = recs.find((x) => x.SIP_CALL_ID === 'nul-bytes@t');
      expect(r, 'a record for the call').toBeDefined();
      expect(typeof r!.SIP_UAC).toBe('string');
      expect(r!.SIP_UAC.startsWith('Evil')).toBe(true);
    },
  },
  {
    name: 'Content-Length 999999999 (UDP)',
    packets: () => [...call('huge-clen@t', T0, { inviteContentLength: '999999999' }), ...call('after-huge-clen@t', T0 + 1)],
    stats: /shorter than Content-Length \d+|malformed SIP \d+/,
    check: (recs) => {
      good(recs, 'after-huge-clen@t');
      const r = recs.find((x) => x.SIP_CALL_ID === 'huge-clen@t');
      if (r) expect(r.SIP_CALLED_PARTY).toBe('<sip:bob@example.net>');
    },
  },
  {
    name: 'Content-Length 999999999 (TCP: the stream waits for a body that never comes)',
    packets: () => {
      const flow = new TcpFlow({ ip: UAC.ip, port: 40002 }, { ip: UAS.ip, port: 5060 });
      const invite = sip(
        'INVITE sip:bob@10.9.0.2 SIP/2.0',
        [
          ['Via', `SIP/2.0/TCP ${UAC.ip}:40002;branch=z9hG4bK-huge`],
          ['From', '<sip:huge@example.com>;tag=h1'],
          ['To', '<sip:bob@example.net>'],
          ['Call-ID', 'huge-clen-tcp@t'],
          ['CSeq', '1 INVITE'],
        ],
        'v=0\r\n',
        '999999999',
      );
      const pkts: Packet[] = [];
      let t = T0;
      for (const s of flow.handshake()) pkts.push({ ts: (t += 0.001), data: s.frame() });
      pkts.push({ ts: (t += 0.001), data: flow.send('c2s', invite).frame() });
      for (let i = 0; i < 50; i++) pkts.push({ ts: (t += 0.001), data: flow.send('c2s', 'x'.repeat(1000)).frame() });
      return [...pkts, ...call('after-huge-tcp@t', T0 + 1)];
    },
    stats: /too large \d+|shorter than Content-Length \d+|malformed SIP \d+/,
    check: (recs) => {
      good(recs, 'after-huge-tcp@t');
    },
  },
  {
    name: 'invalid UTF-8 in From and User-Agent',
    packets: () =>
      call('bad-utf8@t', T0, {
        from: bytes('"Bad', new Uint8Array([0xff, 0xfe]), 'Name', new Uint8Array([0xc3]), '" <sip:bad@example.com>'),
        userAgent: bytes('Agent', new Uint8Array([0x80, 0xbf, 0xed, 0xa0, 0x80]), ' 2.0'),
      }),
    check: (recs) => {
      const r = recs.find((x) => x.SIP_CALL_ID === 'bad-utf8@t');
      expect(r, 'a record for the call').toBeDefined();
      expect(r!.SIP_CALLING_PARTY).toContain('\uFFFD');
      expect(r!.SIP_CALLING_PARTY).toMatch(/^"Bad\uFFFD+Name\uFFFD" <sip:bad@example\.com>$/);
      expect(r!.SIP_UAC).toContain('\uFFFD');
      expect(r!.SIP_UAC).toMatch(/^Agent\uFFFD+ 2\.0$/);
      expect(r!.SIP_CALL_STATE).toBe('CALL_COMPLETED');
    },
  },
  {
    name: 'a start line with no LF',
    packets: () => [
      oneUdp(T0, 'INVITE sip:bob@10.9.0.2 SIP/2.0'),
      oneUdp(T0 + 0.1, 'INVITE sip:bob@10.9.0.2 SIP/2.0 Call-ID: nolf@t CSeq: 1 INVITE ' + 'z'.repeat(3000)),
      oneUdp(T0 + 0.2, 'SIP/2.0 200 OK\r'),
      ...call('after-no-lf@t', T0 + 1),
    ],
    check: (recs, stderr) => {
      good(recs, 'after-no-lf@t');
      expect(recs).toHaveLength(1);
      // not taken for SIP (a start line ends with CRLF), but every frame is counted somewhere
      expect(stderr).toMatch(/\b9 frames\b/);
      expect(stderr).toMatch(/\b[1-9]\d* other traffic|malformed SIP [1-9]/);
    },
  },
  {
    name: 'an SDP with 500 m= lines and malformed c= lines',
    packets: () => {
      const badC = [
        'c=IN IP4',
        'c=',
        'c=IN IP4 300.1.2.3',
        'c=IN IP6 zz::1::2',
        'c=IN IP4 10.0.0.1/abc/def',
        'c=XX YY ZZ',
        'c=IN IP4 ' + '9'.repeat(300),
      ];
      let sdp = 'v=0\r\no=- 1 1 IN IP4 10.9.0.1\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n';
      for (let i = 0; i < 500; i++) {
        sdp += `m=audio ${i % 7 === 0 ? 'notaport' : 20000 + 2 * i} RTP/AVP ${i % 128} ${(i * 7) % 128}\r\n`;
        sdp += badC[i % badC.length] + '\r\n';
        if (i % 3 === 0) sdp += `a=rtpmap:${i % 128} codec${i}/8000\r\n`;
      }
      return [...call('many-m@t', T0, { offer: sdp }), ...call('after-many-m@t', T0 + 1)];
    },
    check: (recs) => {
      good(recs, 'after-many-m@t');
      const r = recs.find((x) => x.SIP_CALL_ID === 'many-m@t');
      expect(r, 'a record for the call').toBeDefined();
      expect(typeof r!.SIP_RTP_CODECS).toBe('string');
      expect(r!.SIP_CALL_STATE).toBe('CALL_COMPLETED');
      if (r!.SIP_RTP_IPV4_SRC_ADDR !== null) expect(r!.SIP_RTP_IPV4_SRC_ADDR).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      for (const port of [r!.SIP_RTP_L4_SRC_PORT, r!.SIP_RTP_L4_DST_PORT]) {
        if (port !== null) expect(port >= 1 && port <= 65535).toBe(true);
      }
    },
  },
];

describe('broken SIP inside valid packets', () => {
  for (const c of sipCases) {
    test(c.name, async () => {
      const file = save(`sip-${c.name.replace(/[^a-z0-9]+/gi, '-')}.pcap`, writePcap(c.packets()));
      const r = await read([file]);
      const recs = checkRun(r, { good: [file] });
      expect(r.code, r.stderr).toBe(0);
      if (c.stats) expect(r.stderr, 'statistics mention it').toMatch(c.stats);
      c.check?.(recs, r.stderr);
    });
  }

  test('all of them in one capture, in every output format', async () => {
    let t = 0;
    const all: Packet[] = [];
    for (const c of sipCases) {
      for (const pk of c.packets()) all.push({ ...pk, ts: (pk.ts as number) + t });
      t += 10;
    }
    const file = save('sip-all.pcap', writePcap(all));
    const r = await read([file]);
    const recs = checkRun(r, { good: [file] });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(MALFORMED);
    for (const fmt of ['csv', 'table']) {
      const o = await read([file], ['--format', fmt, '-q']);
      expect(o.timedOut).toBe(false);
      expect(o.code, o.stderr).toBe(0);
      expect(o.stderr).toBe('');
      expect(o.stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(recs.length + 1);
    }
  });
});
