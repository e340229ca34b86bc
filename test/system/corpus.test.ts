// The public corpus (../shared/corpus/public, read-only): every call tshark sees with an initial
// INVITE is a sipscope record, and every leg of it (SPEC §9) has the INVITE time, parties,
// outcome and, where a Call-ID has several legs, the very messages tshark shows for its tags;
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
        // per leg: its own initial INVITE (the first with its From-tag) gives its time and
        // parties, and its outcome is in the messages that carry its tag (From or To)
        const tagsOf = (m: TsharkSip) => [m.extra['sip.from.tag']?.[0] ?? '', m.extra['sip.to.tag']?.[0] ?? ''];
        // a phone (or B2BUA) that retries with credentials under a new From-tag stays on its leg:
        // a tag of no record belongs to the leg challenged (401/407) less than 32 s before that
        // tag's first INVITE and that sent no INVITE in between
        const legTags = new Map(rs!.map((r) => [r, new Set([r.fromTag])]));
        for (const m of l) {
          const tag = tagsOf(m)[0];
          if (!initialOf(m) || rs!.some((r) => legTags.get(r)!.has(tag))) continue;
          const challenged = rs!.filter((r) => {
            const tags = legTags.get(r)!;
            const c = l.filter((x) => (x.status === 401 || x.status === 407) && x.cseqMethod === 'INVITE' && tags.has(tagsOf(x)[0])).at(-1);
            if (c === undefined) return false;
            const [tc, tm] = [Number(c.time), Number(m.time)];
            return tc < tm && tm - tc < 32 && !l.some((x) => initialOf(x) && tags.has(tagsOf(x)[0]) && +x.time > tc && +x.time < tm);
          });
          if (challenged.length === 1) legTags.get(challenged[0])!.add(tag);
        }
        for (const r of rs!) {
          const tags = legTags.get(r)!;
          const legMsgs = rs!.length === 1 ? l : l.filter((m) => tagsOf(m).some((t) => tags.has(t)));
          // a Call-ID of several legs: each leg holds exactly the messages of its tags
          if (rs!.length > 1 && new Set(rs!.map((x) => x.fromTag)).size === rs!.length) {
            expect(r.messages, `${id} leg ${r.leg} messages`).toBe(legMsgs.length);
            // legs open at the same time are tied by their Call-ID, the group named after the first
            const sec = (t: { sec: number; nsec: number }) => t.sec + t.nsec / 1e9;
            const overlapping = rs!.filter((x) => x !== r && sec(x.flow.start) <= sec(r.flow.end) && sec(r.flow.start) <= sec(x.flow.end));
            if (overlapping.length > 0) {
              expect(r.correlatedBy, `${id} leg ${r.leg} tied`).toContain('call-id');
              expect(r.callGroup).toBe(id);
            }
          }
          const invite = legMsgs.find((m) => initialOf(m) && tagsOf(m)[0] === r.fromTag)!;
          expect(invite, `${id} leg ${r.leg}: its INVITE`).toBeDefined();
          // INVITE time: the leg's first initial INVITE, to the capture's digits (a leg made again
          // after its record was exported keeps its tag: then one of that tag's INVITEs)
          const t = r.SIP_INVITE_TIME!;
          const times = legMsgs
            .filter((m) => initialOf(m) && tagsOf(m)[0] === r.fromTag)
            .map((m) => tsharkTimeWithDigits(m.time, t.digits));
          if (rs!.filter((x) => x.fromTag === r.fromTag).length === 1) {
            expect(formatTimestamp(t, 1), `${id} leg ${r.leg} INVITE time`).toBe(times[0]);
          } else expect(times, `${id} leg ${r.leg} INVITE time`).toContain(formatTimestamp(t, 1));
          // parties: the URIs of that INVITE's From and To
          const fromUri = invite.extra['sip.from.addr']?.[0];
          const toUri = invite.extra['sip.to.addr']?.[0];
          if (fromUri) expect(r.SIP_CALLING_PARTY.toLowerCase(), `${id} leg ${r.leg} calling party`).toContain(fromUri.toLowerCase());
          if (toUri) expect(r.SIP_CALLED_PARTY.toLowerCase(), `${id} leg ${r.leg} called party`).toContain(toUri.toLowerCase());
          // outcome: what the state and code claim is in tshark's messages of the leg
          const has = (pred: (m: TsharkSip) => boolean) => legMsgs.some(pred);
          if (r.SIP_RESPONSE_CODE !== 0) {
            expect(
              has((m) => m.status === r.SIP_RESPONSE_CODE && m.cseqMethod === 'INVITE'),
              `${id} leg ${r.leg} response ${r.SIP_RESPONSE_CODE}`,
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
