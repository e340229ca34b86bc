// The `sipscope` command line as a user runs it: `node bin/sipscope.js read …` in a child
// process, with argument arrays (no shell). Output formats, files and standard input, several
// files as one capture, timeouts, usage errors, missing files and SIGINT on a slow pipe.

import { beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSample } from '../../samples/make-sample.ts';
import { concat, sdpBody, sipMessage, udpPacketV4, writePcap, type Packet } from '../support/capture-writer.ts';
import { runCli as run, type CliResult } from '../support/cli.ts';
import { jsonl } from '../support/jsonl.ts';
import { BIN, repoRoot, SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';

/** What a run of the CLI gives (the SIGINT runs below drive the child themselves). */
type RunResult = Pick<CliResult, 'code' | 'signal' | 'stdout' | 'stderr' | 'timedOut'>;

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

/** RFC 4180 reader (quoted fields with doubled quotes, CRLF or LF records). */
function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------- the build

// ---------------------------------------------------------------- captures

interface RawRecord {
  sec: number;
  usec: number;
  data: Uint8Array;
}

/** The records of a little-endian microsecond pcap (what writePcap and the sample are). */
function pcapRecords(file: Uint8Array): RawRecord[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
  const out: RawRecord[] = [];
  for (let o = 24; o < file.length; ) {
    const cap = dv.getUint32(o + 8, true);
    out.push({ sec: dv.getUint32(o, true), usec: dv.getUint32(o + 4, true), data: file.subarray(o + 16, o + 16 + cap) });
    o += 16 + cap;
  }
  return out;
}

const asPacket = (r: RawRecord, shiftSec = 0): Packet => ({ ts: { sec: r.sec + shiftSec, nsec: r.usec * 1000 }, data: r.data });

const A = { ip: '10.1.0.1', port: 5060 };
const B = { ip: '10.2.0.2', port: 5060 };

/** The messages of one call over UDP between A and B. */
function callMessages(callId: string, opts: { from?: string; outcome: 'answered' | 'unanswered' | 'answered-open' }): string[] {
  const from = `${opts.from ?? '"Alice" <sip:alice@example.com>'};tag=f${callId.length}`;
  const base = (cseq: string, to: string): [string, string][] => [
    ['Via', `SIP/2.0/UDP ${A.ip}:${A.port};branch=z9hG4bK${callId.replace(/[^a-z0-9]/gi, '')}${cseq.split(' ')[0]}`],
    ['From', from],
    ['To', to],
    ['Call-ID', callId],
    ['CSeq', cseq],
  ];
  const toNoTag = '<sip:bob@example.net>';
  const toTag = '<sip:bob@example.net>;tag=t1';
  const offer = sdpBody({ sessionC: A.ip, media: [{ port: 40000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const answer = sdpBody({ sessionC: B.ip, media: [{ port: 50000, formats: [0], rtpmap: { 0: 'PCMU/8000' } }] });
  const msgs = [sipMessage(`INVITE sip:bob@${B.ip} SIP/2.0`, [...base('1 INVITE', toNoTag), ['Content-Type', 'application/sdp']], offer)];
  if (opts.outcome === 'unanswered') return msgs;
  msgs.push(sipMessage('SIP/2.0 200 OK', [...base('1 INVITE', toTag), ['Content-Type', 'application/sdp']], answer));
  msgs.push(sipMessage(`ACK sip:bob@${B.ip} SIP/2.0`, base('1 ACK', toTag)));
  if (opts.outcome === 'answered-open') return msgs;
  msgs.push(sipMessage(`BYE sip:bob@${B.ip} SIP/2.0`, base('2 BYE', toTag)));
  msgs.push(sipMessage('SIP/2.0 200 OK', base('2 BYE', toTag)));
  return msgs;
}

/** Messages as packets, 10 ms apart from t, requests A→B and responses B→A. */
function callPackets(t: number, msgs: string[]): Packet[] {
  return msgs.map((m, i) => ({
    ts: t + i * 0.01,
    data: m.startsWith('SIP/2.0') ? udpPacketV4(B.ip, B.port, A.ip, A.port, m) : udpPacketV4(A.ip, A.port, B.ip, B.port, m),
  }));
}

const T0 = 1_767_261_600;

// ---------------------------------------------------------------- tests

const dir = tempDir('cli');
let sampleBytes: Uint8Array;
const p = (name: string) => dir.file(name);

beforeAll(() => {
  sampleBytes = new Uint8Array(readFileSync(SAMPLE));
});

describe('the shipped sample', () => {
  test('samples/sample.pcap is exactly what buildSample() writes', () => {
    const built = buildSample();
    expect(built.length, 'size of samples/sample.pcap vs buildSample()').toBe(sampleBytes.length);
    const firstDiff = built.findIndex((b, i) => b !== sampleBytes[i]);
    expect(firstDiff, 'first differing byte (regenerate: node --import tsx samples/make-sample.ts)').toBe(-1);
    expect(Buffer.compare(Buffer.from(built), Buffer.from(sampleBytes))).toBe(0);
  });
});

describe('output formats', () => {
  test('--format jsonl: the six calls of the sample, statistics on stderr, exit 0', async () => {
    const r = await run(['read', SAMPLE, '--format', 'jsonl']);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(0);
    const recs = jsonl(r.stdout);
    expect(recs).toHaveLength(6);
    expect(recs.map((x) => x.SIP_CALL_STATE).sort()).toEqual([
      'CALL_CANCELED',
      'CALL_COMPLETED',
      'CALL_COMPLETED',
      'CALL_COMPLETED',
      'CALL_COMPLETED',
      'CALL_ERROR',
    ]);
    const byId = new Map(recs.map((x) => [x.SIP_CALL_ID as string, x]));
    expect(byId.size).toBe(6);

    const busy = byId.get('3848276298220188511@192.0.2.11')!;
    expect(busy).toMatchObject({ SIP_CALL_STATE: 'CALL_ERROR', SIP_RESPONSE_CODE: 486, SIP_REASON_CAUSE: 17, SIP_INVITE_OK_TIME: null });
    expect(busy.SIP_INVITE_FAILURE_TIME).toBeCloseTo(T0 + 5.4, 6);

    const cancelled = byId.get('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')!;
    expect(cancelled).toMatchObject({ SIP_CALL_STATE: 'CALL_CANCELED', SIP_RESPONSE_CODE: 487, SIP_INVITE_OK_TIME: null });
    expect(cancelled.SIP_CANCEL_TIME).toBeCloseTo(T0 + 9.5, 6);
    expect(cancelled.SIP_CANCEL_OK_TIME).toBeCloseTo(T0 + 9.52, 6);

    const v6 = byId.get('ipv6-call-77@2001:db8:10::5')!;
    expect(v6).toMatchObject({
      SIP_CALL_STATE: 'CALL_COMPLETED',
      rtpSrc: '[2001:db8:10::5]:16384',
      rtpDst: '[2001:db8:20::7]:16390',
      SIP_RTP_IPV4_SRC_ADDR: null,
      SIP_RTP_IPV4_DST_ADDR: null,
      SIP_RTP_L4_SRC_PORT: 16384,
    });
    expect(v6.flow.ipVersion).toBe(6);

    const first = byId.get('a84b4c76e66710@192.0.2.10')!;
    expect(first).toMatchObject({
      SIP_CALLING_PARTY: '"Alice" <sip:alice@example.com>',
      SIP_RTP_CODECS: 'PCMA;PCMU',
      SIP_RESPONSE_CODE: 200,
      SIP_REASON_CAUSE: 16,
    });
    expect(first.SIP_INVITE_TIME).toBe(T0);

    // statistics: frames and SIP messages
    const frames = pcapRecords(sampleBytes).length;
    expect(r.stderr).toMatch(new RegExp(`\\b${frames} frames\\b`));
    expect(r.stderr).toMatch(/\b[1-9]\d* SIP messages\b/);
    expect(r.stderr).toMatch(/\b6 records\b/);
  });

  test('-q: the same records and nothing on stderr', async () => {
    const r = await run(['read', SAMPLE, '--format', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(jsonl(r.stdout)).toHaveLength(6);
  });

  test('jsonl is the default when standard output is not a terminal', async () => {
    const r = await run(['read', SAMPLE, '-q']);
    expect(r.code).toBe(0);
    expect(jsonl(r.stdout)).toHaveLength(6);
  });

  test('--format csv: the template header, 6 rows, values as in JSON', async () => {
    const r = await run(['read', SAMPLE, '--format', 'csv', '-q']);
    expect(r.code).toBe(0);
    // RFC 4180 §2: every line ends with CRLF, and there is no bare LF
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    expect(r.stdout.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    const rows = parseCsv(r.stdout);
    const header = rows[0];
    expect(header).toEqual([
      'SIP_CALL_ID',
      'SIP_CALLING_PARTY',
      'SIP_CALLED_PARTY',
      'SIP_RTP_CODECS',
      'SIP_INVITE_TIME',
      'SIP_TRYING_TIME',
      'SIP_RINGING_TIME',
      'SIP_INVITE_OK_TIME',
      'SIP_INVITE_FAILURE_TIME',
      'SIP_BYE_TIME',
      'SIP_BYE_OK_TIME',
      'SIP_CANCEL_TIME',
      'SIP_CANCEL_OK_TIME',
      'SIP_RTP_IPV4_SRC_ADDR',
      'SIP_RTP_L4_SRC_PORT',
      'SIP_RTP_IPV4_DST_ADDR',
      'SIP_RTP_L4_DST_PORT',
      'SIP_RESPONSE_CODE',
      'SIP_REASON_CAUSE',
      'SIP_UAC',
      'SIP_UAS',
      'SIP_C_IP',
      'SIP_CALL_STATE',
    ]);
    expect(rows).toHaveLength(7);
    const recs = jsonl((await run(['read', SAMPLE, '--format', 'jsonl', '-q'])).stdout);
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(header.length);
      const rec = recs.find((x) => x.SIP_CALL_ID === row[0]);
      expect(rec, `record of ${row[0]}`).toBeDefined();
      for (const name of ['SIP_CALLING_PARTY', 'SIP_CALLED_PARTY', 'SIP_RTP_CODECS', 'SIP_UAC', 'SIP_UAS', 'SIP_C_IP', 'SIP_CALL_STATE']) {
        expect(row[header.indexOf(name)], `${row[0]} ${name}`).toBe(rec![name] ?? '');
      }
      expect(row[header.indexOf('SIP_RESPONSE_CODE')]).toBe(String(rec!.SIP_RESPONSE_CODE));
    }
    // a value with a comma is quoted: SIP_C_IP of an answered call holds both addresses
    expect(r.stdout).toContain(',"192.0.2.10,198.51.100.20",');
  });

  test('--format csv quotes a display name with a quote and a comma (RFC 4180)', async () => {
    const name = '"Doe, \\"JJ\\"" <sip:jj@example.com>'; // SIP quoted-string with escaped quotes
    const file = p('quoted-name.pcap');
    writeFileSync(file, writePcap(callPackets(T0, callMessages('quoted-1@test', { from: name, outcome: 'answered' }))));
    const j = jsonl((await run(['read', file, '--format', 'jsonl', '-q'])).stdout);
    expect(j).toHaveLength(1);
    expect(j[0].SIP_CALLING_PARTY).toBe(name);
    const r = await run(['read', file, '--format', 'csv', '-q']);
    expect(r.code).toBe(0);
    // the field in quotes, every quote doubled
    expect(r.stdout).toContain(`,"${name.replace(/"/g, '""')}",`);
    const rows = parseCsv(r.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveLength(rows[0].length);
    expect(rows[1][rows[0].indexOf('SIP_CALLING_PARTY')]).toBe(name);
  });

  test('--template "%SIP_CALL_ID %SIP_CALL_STATE" gives two columns', async () => {
    const r = await run(['read', SAMPLE, '--format', 'csv', '-q', '--template', '%SIP_CALL_ID %SIP_CALL_STATE']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual(['SIP_CALL_ID', 'SIP_CALL_STATE']);
    expect(rows).toHaveLength(7);
    const recs = jsonl((await run(['read', SAMPLE, '-q'])).stdout);
    expect(
      rows
        .slice(1)
        .map((x) => x.join(' '))
        .sort(),
    ).toEqual(recs.map((x) => `${x.SIP_CALL_ID} ${x.SIP_CALL_STATE}`).sort());
  });

  test('--format table: a header and one row per call', async () => {
    const r = await run(['read', SAMPLE, '--format', 'table', '-q']);
    expect(r.code).toBe(0);
    const ls = lines(r.stdout);
    expect(ls).toHaveLength(7);
    expect(ls[0]).toMatch(/STATE/);
    expect(ls[0]).toMatch(/CALL-ID/);
    const recs = jsonl((await run(['read', SAMPLE, '-q'])).stdout);
    for (const rec of recs) {
      const rows = ls.slice(1).filter((l) => l.includes(rec.SIP_CALL_ID));
      expect(rows, rec.SIP_CALL_ID).toHaveLength(1);
      expect(rows[0]).toContain(rec.SIP_CALL_STATE);
    }
  });
});

describe('--out', () => {
  test('writes the records to the file and nothing to stdout', async () => {
    const out = p('out.jsonl');
    const r = await run(['read', SAMPLE, '--format', 'jsonl', '-q', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(jsonl(text)).toHaveLength(6);
    expect(text).toBe((await run(['read', SAMPLE, '--format', 'jsonl', '-q'])).stdout);
  });

  test('csv to a file', async () => {
    const out = p('out.csv');
    const r = await run(['read', SAMPLE, '--format', 'csv', '-q', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(parseCsv(readFileSync(out, 'utf8'))).toHaveLength(7);
  });

  test('an unwritable path: exit 1 and one clear line', async () => {
    const out = dir.file('no-such-dir', 'x.jsonl');
    const r = await run(['read', SAMPLE, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const ls = lines(r.stderr);
    expect(ls, r.stderr).toHaveLength(1);
    expect(ls[0]).toContain(out);
    expect(ls[0]).toMatch(/^sipscope: /);
    expect(existsSync(out)).toBe(false);
  });
});

describe('inputs', () => {
  test('standard input ("-"), plain and gzip, gives the same JSONL as the file', async () => {
    const fromFile = (await run(['read', SAMPLE, '-q'])).stdout;
    expect(jsonl(fromFile)).toHaveLength(6);
    const plain = await run(['read', '-', '-q'], { stdin: sampleBytes });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(fromFile);
    const gz = await run(['read', '-', '-q'], { stdin: gzipSync(sampleBytes) });
    expect(gz.code).toBe(0);
    expect(gz.stdout).toBe(fromFile);
  });

  test('a gzip file is detected by content', async () => {
    const file = p('sample.pcap.bin');
    writeFileSync(file, gzipSync(sampleBytes));
    const r = await run(['read', file, '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await run(['read', SAMPLE, '-q'])).stdout);
  });

  test('two files are one capture: calls that span both are complete', async () => {
    const recs = pcapRecords(sampleBytes);
    const cut = T0 + 15; // inside the proxied call (10 s … 20 s)
    const a = recs.filter((x) => x.sec < cut);
    const b = recs.filter((x) => x.sec >= cut);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    writeFileSync(p('part1.pcap'), writePcap(a.map((x) => asPacket(x))));
    writeFileSync(p('part2.pcap'), writePcap(b.map((x) => asPacket(x))));
    // the split files hold exactly the sample's records
    expect(
      Buffer.compare(
        Buffer.from(concat(readFileSync(p('part1.pcap')), readFileSync(p('part2.pcap')).subarray(24))),
        Buffer.from(sampleBytes),
      ),
    ).toBe(0);

    const r = await run(['read', p('part1.pcap'), p('part2.pcap'), '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const split = jsonl(r.stdout);
    expect(split).toHaveLength(6);
    const spanning = split.find((x) => x.SIP_CALL_ID === 'b7c2e1f0@192.0.2.10')!;
    expect(spanning).toMatchObject({ SIP_CALL_STATE: 'CALL_COMPLETED', SIP_RESPONSE_CODE: 200 });
    expect(spanning.SIP_INVITE_TIME).toBe(T0 + 10);
    expect(spanning.SIP_BYE_OK_TIME).toBeCloseTo(T0 + 20.02, 6);
    expect(r.stdout).toBe((await run(['read', SAMPLE, '-q'])).stdout);
    // only the first file alone: the spanning call is still open at the end of input
    const only1 = jsonl((await run(['read', p('part1.pcap'), '-q'])).stdout);
    expect(only1.find((x) => x.SIP_CALL_ID === 'b7c2e1f0@192.0.2.10')?.SIP_CALL_STATE).toBe('CALL_IN_PROGRESS');
  });

  test('--all-dialogs adds the REGISTER record', async () => {
    const r = await run(['read', SAMPLE, '--all-dialogs', '--format', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const recs = jsonl(r.stdout);
    expect(recs).toHaveLength(7);
    const reg = recs.filter((x) => x.SIP_CALL_STATE === 'REGISTER');
    expect(reg).toHaveLength(1);
    expect(reg[0].SIP_CALL_ID).toBe('reg-0001@192.0.2.12');
  });

  test('--idle-timeout 1 exports an unanswered INVITE when later traffic moves time on', async () => {
    const file = p('idle.pcap');
    const packets = [
      ...callPackets(T0, callMessages('idle-invite@test', { outcome: 'unanswered' })),
      ...callPackets(T0 + 5, callMessages('later-call@test', { outcome: 'answered' })),
    ];
    writeFileSync(file, writePcap(packets));

    // without the option (300 s default) the unanswered call is still open at the end of input
    const dflt = jsonl((await run(['read', file, '-q'])).stdout);
    expect(dflt.map((x) => x.SIP_CALL_ID)).toEqual(['later-call@test', 'idle-invite@test']);

    const r = await run(['read', file, '--idle-timeout', '1', '--format', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const recs = jsonl(r.stdout);
    // exported when the later call's first message passed its deadline: before the later call
    expect(recs.map((x) => x.SIP_CALL_ID)).toEqual(['idle-invite@test', 'later-call@test']);
    expect(recs[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_STARTED', SIP_RESPONSE_CODE: null, SIP_INVITE_TIME: T0 });
    expect(recs[1]).toMatchObject({ SIP_CALL_STATE: 'CALL_COMPLETED' });

    // a timeout longer than the gap changes nothing
    const longer = jsonl((await run(['read', file, '--idle-timeout', '10', '-q'])).stdout);
    expect(longer.map((x) => x.SIP_CALL_ID)).toEqual(['later-call@test', 'idle-invite@test']);
  });

  test.runIf(existsSync('/dev/full'))(
    '--out and --dump-file on a full disk (/dev/full): one clear error, exit 1, even for a few records',
    async () => {
      for (const opt of ['--out', '--dump-file']) {
        const r = await run(['read', SAMPLE, '-q', '--format', opt === '--out' ? 'jsonl' : 'none', opt, '/dev/full']);
        expect(r.code, `${opt}: ${r.stderr}`).toBe(1);
        expect(lines(r.stderr)).toEqual([expect.stringMatching(/^sipscope: writing records failed: ENOSPC/)]);
      }
    },
  );

  test.runIf(process.platform === 'linux')('--out to a FIFO: its reader gets the bytes a file gets', async () => {
    // 400 answered calls: ~450 KB of JSON Lines, more than a pipe holds
    const packets: Packet[] = [];
    for (let i = 0; i < 400; i++) packets.push(...callPackets(T0 + i, callMessages(`fifo-${i}@test`, { outcome: 'answered' })));
    const cap = dir.file('fifo-calls.pcap');
    writeFileSync(cap, writePcap(packets));
    const file = dir.file('fifo-calls.jsonl');
    expect((await run(['read', cap, '-q', '--format', 'jsonl', '--out', file])).code).toBe(0);
    const fifo = dir.file('records.fifo');
    const mk = spawn('mkfifo', [fifo]);
    expect(await new Promise((res) => mk.once('close', res))).toBe(0);

    // a reader that reads: the same bytes as the file
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const got: Buffer[] = [];
    reader.stdout.on('data', (b: Buffer) => got.push(b));
    const readerDone = new Promise((res) => reader.once('close', res));
    const r = await run(['read', cap, '-q', '--format', 'jsonl', '--out', fifo]);
    await readerDone;
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.concat(got).equals(readFileSync(file))).toBe(true);
  });

  test('a missing file: exit 1, the message names it, the other files are still read', async () => {
    const missing = dir.file('does-not-exist.pcap');
    const r = await run(['read', missing, SAMPLE, '--format', 'jsonl']);
    expect(r.code).toBe(1);
    const msg = lines(r.stderr).filter((l) => l.includes(missing));
    expect(msg, r.stderr).toHaveLength(1);
    expect(msg[0]).toMatch(/^sipscope: /);
    expect(msg[0]).toMatch(/no such file/i);
    expect(jsonl(r.stdout)).toHaveLength(6);
    // the order does not matter
    const r2 = await run(['read', SAMPLE, missing, '-q']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(missing);
    expect(jsonl(r2.stdout)).toHaveLength(6);
  });
});

describe('usage', () => {
  const usageCases: [string, string[], RegExp][] = [
    ['no file', ['read'], /at least one capture file/],
    ['an unknown option', ['read', SAMPLE, '--bogus'], /unknown option --bogus/],
    ['an unknown short option', ['read', SAMPLE, '-z'], /unknown option -z/],
    ['--format xml', ['read', SAMPLE, '--format', 'xml'], /--format.*xml/],
    ['--idle-timeout abc', ['read', SAMPLE, '--idle-timeout', 'abc'], /--idle-timeout.*abc/],
    ['--idle-timeout without a value', ['read', SAMPLE, '--idle-timeout'], /--idle-timeout/],
    ['an unknown command', ['frobnicate', SAMPLE], /unknown command "frobnicate"/],
    // a message must never be longer than the mtu (SPEC §5.1): one whole record is the least
    [
      '--mtu smaller than one IPFIX record',
      ['read', SAMPLE, '--mtu', '1377', '--ipfix-file', '/dev/null'],
      /--mtu 1377 is too small: .* 1378 bytes/,
    ],
    [
      '--mtu smaller than one v9 record',
      ['read', SAMPLE, '--mtu', '1375', '--export-format', 'v9', '--ipfix-file', '/dev/null'],
      /1376 bytes/,
    ],
    ['--observation-domain beyond 32 bits', ['read', SAMPLE, '--observation-domain', '4294967296'], /from 0 to 4294967295/],
    ["--csv-separator '\"'", ['read', SAMPLE, '--format', 'csv', '--csv-separator', '"'], /double quote/],
  ];
  for (const [what, args, message] of usageCases) {
    test(`${what}: exit 2 with a message`, async () => {
      const r = await run(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^sipscope: /);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  test('no arguments at all: usage, exit 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/usage/i);
  });

  test('--help prints usage and exits 0', async () => {
    for (const args of [['--help'], ['-h'], ['read', '--help']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/usage/i);
      expect(r.stdout).toMatch(/read FILE/);
      expect(r.stdout).toContain('--format');
      expect(r.stdout).toContain('--idle-timeout');
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`sipscope ${pkg.version}`);
  });
});

// ---------------------------------------------------------------- SIGINT

/**
 * A long capture fed slowly on stdin: first a call that is answered and never hung up, then the
 * sample again and again (100 s later each time), in one chunk per repetition.
 */
function slowFeed(): { header: Uint8Array; prefix: Uint8Array; repetition: (n: number) => Uint8Array } {
  const open = writePcap(callPackets(T0 - 10, callMessages('open-at-sigint@test', { outcome: 'answered-open' })));
  const recs = pcapRecords(sampleBytes);
  return {
    header: open.subarray(0, 24),
    prefix: open.subarray(24),
    repetition: (n) => writePcap(recs.map((x) => asPacket(x, n * 100))).subarray(24),
  };
}

interface SigintRun {
  result: RunResult;
  repetitionsWritten: number;
  linesBeforeSignal: number;
}

/**
 * Feeds the child until it has printed `linesBefore` records, sends SIGINT, then either keeps
 * feeding (a pipe that is still delivering) or stalls (a pipe that stays open but quiet).
 */
async function sigintRun(afterSignal: 'keep-writing' | 'stall', linesBefore = 12, timeoutMs = 15_000): Promise<SigintRun> {
  const feed = slowFeed();
  const child = spawn(process.execPath, [BIN, 'read', '-', '--format', 'jsonl', '--established-timeout', '1000000'], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let timer: NodeJS.Timeout | undefined;
  let pump: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  try {
    let stdout = '';
    let stderr = '';
    let signalled = false;
    let linesBeforeSignal = 0;
    let reps = 0;
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdin.on('error', () => {});
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
      child.once('error', rej);
      child.once('close', (code, signal) => res({ code, signal }));
    });
    let stalled = false;
    const sendSigint = () => {
      signalled = true;
      linesBeforeSignal = stdout.split('\n').length - 1;
      child.kill('SIGINT');
    };
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (signalled || stalled || stdout.split('\n').length - 1 < linesBefore) return;
      if (afterSignal === 'keep-writing') return sendSigint();
      // stall: stop writing, let the child read everything queued and wait on the pipe, then signal
      stalled = true;
      idle = setInterval(() => {
        if (child.stdin.writableLength > 0) return;
        clearInterval(idle);
        setTimeout(sendSigint, 500);
      }, 20);
    });
    child.stderr.on('data', (d: string) => (stderr += d));
    child.stdin.write(feed.header);
    child.stdin.write(feed.prefix);
    pump = setInterval(() => {
      if (stalled) return;
      if (child.stdin.writableLength > 1 << 20) return; // slow pipe: never more than ~1 MB queued
      child.stdin.write(feed.repetition(reps++));
    }, 10);
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const { code, signal } = await closed;
    return { result: { code, signal, stdout, stderr, timedOut }, repetitionsWritten: reps, linesBeforeSignal };
  } finally {
    clearInterval(pump);
    clearInterval(idle);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function checkInterrupted(run: SigintRun): void {
  const { result: r } = run;
  expect(r.timedOut, 'the CLI stopped after SIGINT').toBe(false);
  expect(r.signal).toBeNull();
  expect(r.code).toBe(130);
  expect(r.stderr).toMatch(/stopped by SIGINT/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const recs = jsonl(r.stdout); // complete lines only, each one JSON
  expect(recs.length).toBeGreaterThanOrEqual(run.linesBeforeSignal);
  for (const rec of recs) expect(typeof rec.SIP_CALL_ID).toBe('string');
  // the call open when the signal came is exported at the end, in its state at that moment
  const open = recs.filter((x) => x.SIP_CALL_ID === 'open-at-sigint@test');
  expect(open).toHaveLength(1);
  expect(open[0]).toMatchObject({ SIP_CALL_STATE: 'CALL_IN_PROGRESS', SIP_RESPONSE_CODE: 200, SIP_BYE_TIME: null });
  expect(recs.indexOf(open[0]), 'exported after the signal').toBeGreaterThanOrEqual(run.linesBeforeSignal);
  // no call twice (each repetition is 100 s later: INVITE times tell the records apart)
  const keys = recs.map((x) => `${x.SIP_CALL_ID} ${x.SIP_INVITE_TIME}`);
  expect(new Set(keys).size).toBe(keys.length);
}

describe('SIGINT', () => {
  test('while the pipe still delivers: exit 130, complete JSON lines, open calls exported', async () => {
    const r = await sigintRun('keep-writing');
    checkInterrupted(r);
    // it stopped reading: not every repetition written was turned into records
    expect(r.repetitionsWritten).toBeGreaterThan(1);
  });

  test('while the pipe is open but quiet: exit 130 promptly, open calls exported', async () => {
    const r = await sigintRun('stall', 12, 8_000);
    checkInterrupted(r);
  });
});
