// The IPFIX and NetFlow v9 messages of the encoder (shared/output/ipfix.ts), read by tshark's
// CFLOW dissector: every ntop SIP element equals the record. Skipped with a message when tshark is
// missing, unless CI=true.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sipField } from '../../shared/output/fields.ts';
import { FlowEncoder } from '../../shared/output/ipfix.ts';
import type { CallRecord } from '../../shared/record.ts';
import { udpPacketV4, writePcap } from '../support/capture-writer.ts';
import { str } from '../support/ipfix-parse.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate, toolPath } from '../support/tools/exec.ts';
import { trackedCall as trackedCallAt } from '../support/tracker.ts';

const T = 1_700_000_000; // 0x6553f100

/** A realistic call through the tracker (test/support/tracker.ts), from capture time T. */
const trackedCall = (callId?: string): CallRecord => trackedCallAt(T, callId);

describe('tshark decodes the messages', () => {
  const gate = toolGate(['tshark'], 'ipfix: tshark');
  if (gate.mustFail) it('tshark is installed (required on CI)', () => gate.assertAvailable());
  const tmp = tempDir('ipfix');

  const NAMES = [
    ['SIP_CALL_ID', 'cflow.pie.ntop.sip_call_id'],
    ['SIP_CALLING_PARTY', 'cflow.pie.ntop.sip_calling_party'],
    ['SIP_CALLED_PARTY', 'cflow.pie.ntop.sip_called_party'],
    ['SIP_RTP_CODECS', 'cflow.pie.ntop.sip_rtp_codecs'],
    ['SIP_INVITE_TIME', 'cflow.pie.ntop.sip_invite_time'],
    ['SIP_TRYING_TIME', 'cflow.pie.ntop.sip_trying_time'],
    ['SIP_RINGING_TIME', 'cflow.pie.ntop.sip_ringing_time'],
    ['SIP_INVITE_OK_TIME', 'cflow.pie.ntop.sip_ok_time'],
    ['SIP_INVITE_FAILURE_TIME', 'cflow.pie.ntop.sip_invite_failure_time'],
    ['SIP_BYE_TIME', 'cflow.pie.ntop.sip_bye_time'],
    ['SIP_BYE_OK_TIME', 'cflow.pie.ntop.sip_bye_ok_time'],
    ['SIP_CANCEL_TIME', 'cflow.pie.ntop.sip_cancel_time'],
    ['SIP_CANCEL_OK_TIME', 'cflow.pie.ntop.sip_cancel_ok_time'],
    ['SIP_RTP_IPV4_SRC_ADDR', 'cflow.pie.ntop.sip_rtp_ipv4_src_addr'],
    ['SIP_RTP_L4_SRC_PORT', 'cflow.pie.ntop.sip_rtp_l4_src_port'],
    ['SIP_RTP_IPV4_DST_ADDR', 'cflow.pie.ntop.sip_rtp_ipv4_dst_addr'],
    ['SIP_RTP_L4_DST_PORT', 'cflow.pie.ntop.sip_rtp_l4_dst_port'],
    ['SIP_RESPONSE_CODE', 'cflow.pie.ntop.sip_response_code'],
    ['SIP_REASON_CAUSE', 'cflow.pie.ntop.sip_reason_cause'],
    ['SIP_C_IP', 'cflow.pie.ntop.sip_c_ip'],
    ['SIP_CALL_STATE', 'cflow.pie.ntop.sip_call_state'],
  ] as const;

  /** tshark's text for one record value. */
  function tsharkText(name: string, r: CallRecord): string {
    const f = sipField(name);
    const v = f.wire(r);
    if (f.type === 'time') {
      // e.g. "Nov 14, 2023 22:13:23.000000000 UTC"
      return new Date(Number(v) * 1000).toISOString();
    }
    return String(v);
  }

  function normalize(name: string, s: string): string {
    if (sipField(name).type !== 'time') return s;
    const t = Date.parse(s.replace(/\.\d+ UTC$/, ' UTC'));
    return new Date(t).toISOString();
  }

  for (const format of ['ipfix', 'v9'] as const) {
    it.skipIf(gate.missing.length > 0)(`${format}: cflow.pie.ntop.sip_* equal the record`, () => {
      const r = trackedCall();
      const rr = { ...trackedCall('second-call@example.com'), SIP_CALL_STATE: 'CALL_CANCELED' as const, SIP_UAC: 'Zoiper ü' };
      const enc = new FlowEncoder({ format });
      const msgs = [enc.templateMessage(T + 20), ...enc.encode([r], T + 21, false), ...enc.encode([rr], T + 22, false)];
      const port = format === 'ipfix' ? 4739 : 2055;
      const pcap = writePcap(msgs.map((m, i) => ({ ts: T + 20 + i, data: udpPacketV4('192.0.2.50', 40000, '192.0.2.60', port, m) })));
      const file = tmp.write(`${format}.pcap`, pcap);
      const extra = format === 'ipfix' ? 'cflow.enterprise_private_entry' : 'cflow.unknown_field_type';
      const args = ['-r', file, '-Y', 'cflow.pie.ntop.sip_call_id', '-T', 'fields', '-E', 'separator=\t', '-E', 'aggregator=\x01'];
      for (const [, fname] of NAMES) args.push('-e', fname);
      args.push('-e', extra, '-e', 'cflow.sequence', '-e', 'cflow.packets', '-e', 'cflow.octets');
      const out = execFileSync(toolPath('tshark'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const lines = out.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(2);
      for (const [i, record] of [r, rr].entries()) {
        const cols = lines[i].split('\t');
        NAMES.forEach(([name], k) => {
          expect(normalize(name, cols[k]), name).toBe(tsharkText(name, record));
        });
        // SIP_UAC / SIP_UAS have no name in tshark 4.0: raw bytes, hex
        const raw = cols[NAMES.length]
          .split('\x01')
          .map((h) => str(Uint8Array.from(h.replace(/:/g, '').match(/../g) ?? [], (x) => parseInt(x, 16))));
        expect(raw).toEqual([record.SIP_UAC, record.SIP_UAS]);
        expect(Number(cols[NAMES.length + 1])).toBe(format === 'ipfix' ? i : i + 1);
        expect(Number(cols[NAMES.length + 2])).toBe(record.flow.packets);
        expect(Number(cols[NAMES.length + 3])).toBe(record.flow.bytes);
      }
    });
  }
});
