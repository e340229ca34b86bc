// `sipscope extract --anonymize` (SPEC §10): no original user part, host name, display name or
// address is left in the output's bytes; tshark finds no malformed packet and no bad checksum;
// the anonymised capture gives the same calls, states, codes, times and media figures. On the
// project's sample, the capture with known owners, and every public corpus capture.

import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { CORPUS, SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { ownedCapture } from '../support/extract-capture.ts';
import { corpusGate, toolGate } from '../support/tools/exec.ts';
import { tsharkFields } from '../support/tools/tshark.ts';
import { parseIp16 } from '../../shared/addr.ts';

const tmp = tempDir('cli-anonymize');
const KEY = '2122238d33a4cf80130a5b1649907d10d8988f83797965276257 4c2d2a842202'.replace(' ', '');
let OWNED = '';
beforeAll(() => {
  OWNED = tmp.write('owned.pcap', ownedCapture().bytes);
});

interface Rec {
  SIP_CALL_ID: string;
  SIP_CALLING_PARTY: string;
  SIP_CALLED_PARTY: string;
  SIP_C_IP: string;
  SIP_UAC: string;
  flow: { src: string; dst: string; packets: number };
  media: { src: string; dst: string; packets: number; lost: number; jitterMs: number; mos: number; codec: string | null }[];
  [k: string]: unknown;
}

async function records(file: string, damaged = false): Promise<Rec[]> {
  const r = await runCli(['read', file, '-q', '--format', 'jsonl']);
  expect(r.code === 0 || (damaged && r.code === 1), r.stderr).toBe(true);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
}

/** What must be gone: user parts, hosts and display names of the parties, every address. */
function secrets(recs: Rec[]): string[] {
  const out = new Set<string>();
  for (const r of recs) {
    for (const party of [r.SIP_CALLING_PARTY, r.SIP_CALLED_PARTY]) {
      const uri = /(?:sips?|tel):([^@;>]+@)?([^;>:]+)/.exec(party);
      if (uri?.[1] && uri[1].length > 4) out.add(uri[1].slice(0, -1));
      if (uri?.[2] && !/^\d/.test(uri[2]) && uri[2].includes('.')) out.add(uri[2]);
      const name = /^"([^"]+)"/.exec(party);
      if (name && name[1].length > 3) out.add(name[1]);
    }
    for (const ip of [
      r.flow.src,
      r.flow.dst,
      ...(r.SIP_C_IP ?? '').split(','),
      ...r.media.flatMap((m) => [m.src, m.dst].map((e) => e.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))),
    ]) {
      if (ip && parseIp16(ip)) out.add(ip); // (a fuzzed capture's c= may hold anything)
    }
  }
  return [...out].filter((s) => s.length >= 4);
}

/** What must stay: the fields that say what happened, not who (`ua`: and the user agents, whose
 *  text may hold a user part or a version number written like an address). */
function shape(r: Rec, ua = true) {
  const drop = new Set([
    ...(ua ? [] : ['SIP_UAC', 'SIP_UAS']),
    'SIP_CALL_ID',
    'SIP_CALLING_PARTY',
    'SIP_CALLED_PARTY',
    'SIP_RTP_IPV4_SRC_ADDR',
    'SIP_RTP_IPV4_DST_ADDR',
    'SIP_C_IP',
    'flow',
    'media',
    'rtpSrc',
    'rtpDst',
    'callGroup',
    'correlatedBy',
    'fromTag',
  ]);
  const kept = Object.fromEntries(Object.entries(r).filter(([k]) => !drop.has(k)));
  return { ...kept, packets: r.flow.packets, media: r.media.map((m) => [m.packets, m.lost, m.jitterMs, m.mos, m.codec]) };
}

/** s stands in text as a word of its own (not inside a longer token, as in SIPpTag001). */
function asWord(text: string, s: string): boolean {
  const esc = s.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![a-z0-9])${esc}(?![a-z0-9])`).test(text.toLowerCase());
}

async function anonymize(src: string, out: string, extra: string[] = []) {
  return runCli(['extract', src, '--anonymize', '--anonymize-key', KEY, '-o', out, ...extra], { timeoutMs: 60_000 });
}

const tshark = toolGate(['tshark'], 'anonymize');
test.runIf(tshark.mustFail)('tshark is installed', () => tshark.assertAvailable());

/** Frames tshark calls malformed or whose IP, UDP or TCP checksum it finds bad. */
async function badFrames(file: string): Promise<number> {
  const rows = await tsharkFields(file, ['frame.number'], {
    filter: '_ws.malformed or ip.checksum.status == "Bad" or udp.checksum.status == "Bad" or tcp.checksum.status == "Bad"',
    extraPrefs: ['ip.check_checksum:TRUE', 'udp.check_checksum:TRUE', 'tcp.check_checksum:TRUE'],
  });
  return rows.length;
}

describe('extract --anonymize', () => {
  test('the sample: nothing of who is left, everything of what happened is', async () => {
    const out = tmp.file('sample.pcapng');
    const r = await anonymize(SAMPLE, out);
    expect(r.code, r.stderr).toBe(0);
    const before = await records(SAMPLE);
    const after = await records(out);
    expect(after.map((x) => shape(x))).toEqual(before.map((x) => shape(x)));
    const bytes = readFileSync(out).toString('latin1');
    const gone = secrets(before);
    expect(gone.length).toBeGreaterThan(10);
    for (const s of gone) expect(asWord(bytes.toLowerCase(), s), s).toBe(false);
    // user agents and codecs are not who
    expect(after.map((x) => x.SIP_UAC)).toEqual(before.map((x) => x.SIP_UAC));
  });

  test('the same key gives the same bytes, a run without one other pseudonyms', async () => {
    const a = tmp.file('k1.pcapng');
    const b = tmp.file('k2.pcapng');
    const c = tmp.file('k3.pcapng');
    await anonymize(SAMPLE, a);
    await anonymize(SAMPLE, b);
    const r = await runCli(['extract', SAMPLE, '--anonymize', '-o', c]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    const bad = await runCli(['extract', SAMPLE, '--anonymize', '--anonymize-key', 'abc', '-o', c]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/64 hex digits/);
  });

  test('frames that cannot be rewritten safely are left out and said (IP fragments, part of a TCP message)', async () => {
    const out = tmp.file('owned.pcapng');
    const r = await anonymize(OWNED, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/frames left out: IP fragments/);
    expect(r.stderr).toMatch(/frames left out: TCP segments holding only part of a SIP message/);
    // the calls without such frames are whole
    const before = await records(OWNED);
    const after = await records(out);
    expect(after.slice(0, 2).map((x) => shape(x))).toEqual(before.slice(0, 2).map((x) => shape(x)));
  });

  test.skipIf(tshark.missing.length > 0)('tshark: no malformed packet, no bad checksum', async () => {
    for (const src of [SAMPLE, OWNED]) {
      const out = tmp.file(`t-${src === SAMPLE ? 'sample' : 'owned'}.pcapng`);
      await anonymize(src, out);
      expect(await badFrames(out), src).toBe(0);
    }
  });
});

const corpus = corpusGate('anonymize');
test.runIf(corpus.mustFail)('the public corpus is there', () => corpus.assertAvailable());

describe.skipIf(!corpus.present || tshark.missing.length > 0)('extract --anonymize: every public capture', () => {
  test.each(corpus.files)('%s: no address or party left, no new bad frame, the calls that stay whole unchanged', async (name) => {
    const src = join(CORPUS, name);
    const before = await records(src, true);
    if (before.length === 0) return;
    const out = tmp.file(`corpus-${name}.pcapng`);
    const r = await anonymize(src, out);
    expect(r.code === 0 || /damaged|truncated|ends in the middle/.test(r.stderr), r.stderr).toBe(true);
    const leftOut = /frames left out/.test(r.stderr);
    const bytes = readFileSync(out).toString('latin1').toLowerCase();
    for (const s of secrets(before)) expect(asWord(bytes, s), s).toBe(false);
    expect(await badFrames(out)).toBeLessThanOrEqual(await badFrames(src));
    // when every frame could be rewritten, the calls are the same calls
    if (!leftOut) expect((await records(out)).map((x) => shape(x, false))).toEqual(before.map((x) => shape(x, false)));
  });
});
