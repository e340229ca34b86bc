// What the tracker keeps of a message is text of its own, never a view of the message: in V8 a
// substring of 13 characters or more is a view that keeps the whole string it was cut from, so a
// kept tag or User-Agent would keep every open call's INVITE alive (header-values.ts ownText).
// Checked in a heap snapshot: with calls open, ended calls remembered and records held, no
// string that holds a message's text is left.

import { randomUUID } from 'node:crypto';
import { getHeapSnapshot } from 'node:v8';
import { expect, test } from 'vitest';
import { createEngine } from '../../../node/wasm.ts';
import { feedFile } from '../../../node/input.ts';
import { Analyzer } from '../../../shared/analyzer.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { type Packet, sdpBody, sipMessage, udpPacketV4, writePcap } from '../../support/capture-writer.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = tempDir('own-text');
const T0 = 1_767_261_600;
const A = '192.0.2.10';
const B = '198.51.100.20';

/** Every message carries `mark` in a header nothing keeps; kept values are long (≥ 13 characters). */
function capture(mark: string): Uint8Array {
  const packets: Packet[] = [];
  let t = T0;
  const send = (from: string, to: string, text: string) => packets.push({ ts: (t += 0.01), data: udpPacketV4(from, 5060, to, 5060, text) });
  const headers = (i: number, cseq: string, toTag: boolean, extra: [string, string][] = []): [string, string][] => [
    ['X-Marker', `${mark}-${i}-${cseq}`],
    ['Via', `SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${i}-${cseq.replace(' ', '-')}`],
    ['Call-ID', `own-text-call-${i}@example.test`],
    ['From', `"Caller number ${i}" <sip:caller${i}@example.test>;tag=from-tag-long-${i}-0123456789`],
    ['To', `<sip:callee${i}@example.test>${toTag ? `;tag=to-tag-long-${i}-0123456789` : ''}`],
    ['CSeq', cseq],
    ...extra,
  ];
  const sdp = (ip: string, port: number) =>
    sdpBody({
      origin: `user-${port} ${port}00 1 IN IP4 ${ip}`,
      sessionC: ip,
      media: [{ port, formats: [0, 8], rtpmap: { 0: 'PCMU/8000', 8: 'PCMA/8000' } }],
    });
  const withSdp: [string, string] = ['Content-Type', 'application/sdp'];
  for (let i = 0; i < 12; i++) {
    const invite: [string, string][] = [
      withSdp,
      ['User-Agent', `Long User Agent Name/${i}.0 (build 12345)`],
      ['X-CID', `other-leg-call-id-${i}@elsewhere.test`],
      ['Session-ID', `${'ab'.repeat(15)}${String(i).padStart(2, '0')};remote=${'0'.repeat(32)}`],
      ['P-Charging-Vector', `icid-value=charging-vector-icid-${i}-0123456789;icid-generated-at=${A}`],
    ];
    send(A, B, sipMessage('INVITE sip:callee@example.test SIP/2.0', headers(i, '1 INVITE', false, invite), sdp(A, 20000 + 2 * i)));
    send(B, A, sipMessage('SIP/2.0 180 Ringing', headers(i, '1 INVITE', true, [['Server', `Long Server Name of the Callee/${i}.1`]])));
    switch (i % 4) {
      case 0: // answered, still going
        send(
          B,
          A,
          sipMessage(
            'SIP/2.0 200 OK',
            headers(i, '1 INVITE', true, [withSdp, ['User-Agent', `Callee Agent Name/${i}.2`]]),
            sdp(B, 30000 + 2 * i),
          ),
        );
        break;
      case 1: // refused: open for its final response's 32 s
        send(
          B,
          A,
          sipMessage(
            'SIP/2.0 486 Busy Here',
            headers(i, '1 INVITE', true, [['Reason', `Q.850;cause=17;text="user busy, call number ${i}"`]]),
          ),
        );
        break;
      case 2: // cancelled
        send(
          A,
          B,
          sipMessage(
            'CANCEL sip:callee@example.test SIP/2.0',
            headers(i, '1 CANCEL', false, [['Reason', `Q.850;cause=31;text="cancelled by caller ${i}"`]]),
          ),
        );
        break;
      case 3: // ended: a record, and a tomb for its late messages
        send(B, A, sipMessage('SIP/2.0 200 OK', headers(i, '1 INVITE', true, [withSdp]), sdp(B, 30000 + 2 * i)));
        send(
          A,
          B,
          sipMessage(
            'BYE sip:callee@example.test SIP/2.0',
            headers(i, '2 BYE', true, [['Reason', `SIP;cause=200;text="normal hang-up of call ${i}"`]]),
          ),
        );
        send(B, A, sipMessage('SIP/2.0 200 OK', headers(i, '2 BYE', true)));
        break;
    }
  }
  // the last message decoded carries no mark (the engine holds the text of the one it decoded last)
  send(
    B,
    A,
    sipMessage('OPTIONS sip:a@example.test SIP/2.0', [
      ['Call-ID', 'last@example.test'],
      ['CSeq', '1 OPTIONS'],
    ]),
  );
  return writePcap(packets);
}

async function heapStrings(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of getHeapSnapshot()) chunks.push(c as Buffer);
  return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { strings: string[] }).strings;
}

test('the tracker keeps no view of a message text: open calls, ended calls and records hold only their own strings', {
  timeout: 60_000,
}, async () => {
  const mark = `m${randomUUID().replaceAll('-', '')}`;
  const path = tmp.write('own-text.pcap', capture(mark));
  const engine = await createEngine();
  const records: CallRecord[] = [];
  const analyzer = new Analyzer(engine, {}, (r) => records.push(r));
  await feedFile(engine, path, 0);
  // the calls stay open (no finish); what was exported is held here
  const st = analyzer.stats().tracker;
  expect(st.open).toBe(9);
  expect(records).toHaveLength(3);
  expect(records.map((r) => r.SIP_UAC)).toEqual([
    'Long User Agent Name/3.0 (build 12345)',
    'Long User Agent Name/7.0 (build 12345)',
    'Long User Agent Name/11.0 (build 12345)',
  ]);
  const withMark = (await heapStrings()).filter((s) => s.includes(mark) && s !== mark);
  expect(withMark.map((s) => s.slice(0, 120))).toEqual([]);
  // still in use after the snapshot: the analyzer and what it holds were alive while it was taken
  analyzer.finish();
  expect(records).toHaveLength(12);
});
