// The public corpus (../shared/corpus/public, read-only): every call tshark sees with an initial
// INVITE is a sipscope record, with the INVITE time, parties and outcome tshark's messages show;
// sipscope makes no call tshark has no INVITE for; files that are not valid captures give a clear
// error, not a crash. Skipped with a message when the corpus or tshark is missing, unless CI=true.

import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { corpusGate, toolGate } from '../support/tools/exec.ts';
import { tsharkSipMessages, tsharkTimeWithDigits, type TsharkSip } from '../support/tools/tshark.ts';
import { recordsOf } from '../support/engine.ts';
import { CORPUS } from '../support/paths.ts';
import type { CallRecord } from '../../shared/record.ts';
import { formatTimestamp } from '../../shared/time.ts';

const corpus = corpusGate('corpus');
const haveCorpus = corpus.present;
const files = corpus.files;

/** tshark cannot read these (sipscope reads what it can and says what is wrong). */
const UNREADABLE_BY_TSHARK = new Set(['pkts-cool.pcap']);
/** tshark's port table hides SIP on these files without a decode-as rule. */
const DECODE_AS: Record<string, string[]> = { 'heplify-sip_ipv4_tcp_fragmented.pcap': ['tcp.port==6060,sip'] };
/** SIP that tshark 4.0 does not decode at all (HEP v3 encapsulation): sipscope's calls there are extra. */
const TSHARK_BLIND = new Set(['hepwireshark-hep.pcap']);

const gate = toolGate(['tshark'], 'corpus');
test.runIf(gate.mustFail)('tshark is installed', () => gate.assertAvailable());
test.runIf(corpus.mustFail)('the public corpus is present under CI', () => corpus.assertAvailable());

describe.skipIf(!haveCorpus || gate.missing.length > 0)('public corpus: calls as Wireshark sees them', () => {
  test('the corpus has captures', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const file of files) {
    test(file, async () => {
      const path = join(CORPUS, file);
      const { records, files: results } = await recordsOf([path]);
      if (UNREADABLE_BY_TSHARK.has(file)) {
        // damaged file: a message that says what is wrong, no crash
        expect(results[0].error).not.toBe(0);
        expect(results[0].message).toMatch(/damaged|truncated|not a pcap/);
        return;
      }
      expect(results[0].readError).toBeNull();
      const all = (
        await tsharkSipMessages(path, {
          extraDecodeAs: DECODE_AS[file],
          extraFields: ['sip.from.addr', 'sip.to.addr', 'sip.to.tag', 'sip.from.tag'],
        })
      ).filter((m) => !m.inIcmpError && m.callId !== '');
      // calls are expected from well-formed messages; any message (even one tshark calls
      // malformed) may justify a record
      const msgs = all.filter((m) => !m.malformed);
      const anyInvite = new Set(all.filter((m) => m.isRequest && m.method === 'INVITE').map((m) => m.callId));

      const byCall = new Map<string, TsharkSip[]>();
      for (const m of msgs) {
        let l = byCall.get(m.callId);
        if (!l) byCall.set(m.callId, (l = []));
        l.push(m);
      }
      const initialOf = (m: TsharkSip): boolean =>
        m.isRequest && m.method === 'INVITE' && m.messagesInFrame === 1 && (m.extra['sip.to.tag'] ?? []).length === 0;
      const expected = [...byCall.entries()].filter(([, l]) => l.some(initialOf));

      const recs = new Map<string, CallRecord[]>();
      for (const r of records) {
        let l = recs.get(r.SIP_CALL_ID);
        if (!l) recs.set(r.SIP_CALL_ID, (l = []));
        l.push(r);
      }
      // no call that tshark has no INVITE for
      if (!TSHARK_BLIND.has(file)) {
        for (const id of recs.keys()) expect(anyInvite.has(id), `record ${id} has no INVITE in tshark`).toBe(true);
      } else expect(records.length).toBeGreaterThan(0);
      for (const [id, l] of expected) {
        const rs = recs.get(id);
        expect(rs, `call ${id} missing`).toBeDefined();
        // legs (SPEC §9): each record is named by the From-tag of an initial INVITE tshark saw,
        // and the records of a Call-ID are its legs 1, 2… (a retry after a leg was exported is a
        // new record: sngrep's aaa.pcap retries 33 s after a 407, with the same tag)
        const inviteTags = new Set(l.filter(initialOf).map((m) => m.extra['sip.from.tag']?.[0] ?? ''));
        for (const r of rs!) expect(inviteTags.has(r.fromTag), `${id} leg ${r.leg} From-tag ${r.fromTag}`).toBe(true);
        expect(
          rs!.map((r) => r.leg).sort((a, b) => a - b),
          `${id}: legs numbered 1…`,
        ).toEqual(rs!.map((_, i) => i + 1));
        const first = rs!
          .slice()
          .sort((a, b) => a.SIP_INVITE_TIME!.sec - b.SIP_INVITE_TIME!.sec || a.SIP_INVITE_TIME!.nsec - b.SIP_INVITE_TIME!.nsec)[0];
        const invite = l.find(initialOf)!;
        // INVITE time: the first initial INVITE, to the capture's digits
        const t = first.SIP_INVITE_TIME!;
        expect(formatTimestamp(t, 1), `${id} INVITE time`).toBe(tsharkTimeWithDigits(invite.time, t.digits));
        // parties: the URIs of that INVITE's From and To
        const fromUri = invite.extra['sip.from.addr']?.[0];
        const toUri = invite.extra['sip.to.addr']?.[0];
        if (fromUri) expect(first.SIP_CALLING_PARTY.toLowerCase(), `${id} calling party`).toContain(fromUri.toLowerCase());
        if (toUri) expect(first.SIP_CALLED_PARTY.toLowerCase(), `${id} called party`).toContain(toUri.toLowerCase());
        // outcome: what the state and code claim is in tshark's messages of the call
        for (const r of rs!) {
          const has = (pred: (m: TsharkSip) => boolean) => l.some(pred);
          if (r.SIP_RESPONSE_CODE !== 0) {
            expect(
              has((m) => m.status === r.SIP_RESPONSE_CODE && m.cseqMethod === 'INVITE'),
              `${id} response ${r.SIP_RESPONSE_CODE}`,
            ).toBe(true);
          }
          switch (r.SIP_CALL_STATE) {
            case 'CALL_COMPLETED':
              expect(
                has((m) => m.method === 'BYE'),
                `${id} completed without BYE`,
              ).toBe(true);
              break;
            case 'CALL_CANCELED':
              expect(
                has((m) => m.method === 'CANCEL' || m.status === 487),
                `${id} canceled`,
              ).toBe(true);
              break;
            case 'CALL_ERROR':
              expect(r.SIP_RESPONSE_CODE).toBeGreaterThanOrEqual(300);
              break;
            case 'CALL_IN_PROGRESS':
              expect(
                has((m) => m.status >= 100 && m.status < 300 && m.cseqMethod === 'INVITE'),
                `${id} in progress`,
              ).toBe(true);
              break;
            case 'CALL_STARTED':
              expect(r.SIP_RESPONSE_CODE).toBe(0);
              break;
            default:
              throw new Error(`${id}: state ${r.SIP_CALL_STATE} without --all-dialogs`);
          }
        }
      }
    });
  }
});
