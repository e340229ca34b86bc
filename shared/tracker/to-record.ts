// Turning a dialog into its record (SPEC §2–§5): the call state, the cause and the fields.

import type { CallRecord, CallState, ExportCause, MediaStream, Verdict } from '../record.ts';
import { compareTimestamps, timestampDiff, type Timestamp } from '../time.ts';
import { endpoint, IPV4 } from '../sdp-values.ts';
import { Correlator } from './correlation.ts';
import type { Dialog } from './dialog.ts';

/** A record's own copy of a time: the dialog's time objects are its own, used again (Dialog.clock). */
function copyOf<T extends Timestamp | null>(t: T): T {
  return (t === null ? null : { sec: t.sec, nsec: t.nsec, digits: t.digits }) as T;
}

export function stateOf(d: Dialog): CallState {
  if (d.kind === 'dialog') return d.isRegister ? 'REGISTER' : 'UNKNOWN';
  if ((d.cancelTs !== null && d.okTs === null) || d.setupCode === 487) return 'CALL_CANCELED';
  if (d.byeTs !== null) return 'CALL_COMPLETED';
  if (d.setupCode >= 300) return 'CALL_ERROR';
  if (d.provisional || d.okTs !== null) return 'CALL_IN_PROGRESS';
  return 'CALL_STARTED';
}

export function toRecord(
  d: Dialog,
  cause: ExportCause,
  at: number,
  rtpPackets: number,
  media: MediaStream[],
  verdicts: Verdict[],
): CallRecord {
  // the first Q.850 cause in message order; `reason` is the header it came from
  const fromFinal = d.causeFinal !== 0 && (d.causeBC === 0 || d.causeFinalOrder < d.causeBCOrder);
  const reasonCause = fromFinal ? d.causeFinal : d.causeBC;
  const reasonText = reasonCause === 0 ? d.plainReason : fromFinal ? d.causeFinalText : d.causeBCText;
  let firstAnswer: Timestamp | null = d.ringingTs;
  if (d.okTs !== null && (firstAnswer === null || compareTimestamps(d.okTs, firstAnswer) < 0)) firstAnswer = d.okTs;
  const src = d.rtpSrcAddr;
  const dst = d.rtpDstAddr;
  const r: CallRecord = {
    SIP_CALL_ID: d.callId,
    SIP_CALLING_PARTY: d.calling,
    SIP_CALLED_PARTY: d.called,
    SIP_RTP_CODECS: d.codecs.join(';'),
    SIP_INVITE_TIME: copyOf(d.inviteTs),
    SIP_TRYING_TIME: copyOf(d.tryingTs),
    SIP_RINGING_TIME: copyOf(d.ringingTs),
    SIP_INVITE_OK_TIME: copyOf(d.okTs),
    SIP_INVITE_FAILURE_TIME: copyOf(d.failTs),
    SIP_BYE_TIME: copyOf(d.byeTs),
    SIP_BYE_OK_TIME: copyOf(d.byeOkTs),
    SIP_CANCEL_TIME: copyOf(d.cancelTs),
    SIP_CANCEL_OK_TIME: copyOf(d.cancelOkTs),
    // 0.0.0.0 (hold) is 0 on the wire: not seen (SPEC §5.3)
    SIP_RTP_IPV4_SRC_ADDR: src !== null && IPV4.test(src) && src !== '0.0.0.0' ? src : '',
    SIP_RTP_L4_SRC_PORT: d.rtpSrcPort,
    SIP_RTP_IPV4_DST_ADDR: dst !== null && IPV4.test(dst) && dst !== '0.0.0.0' ? dst : '',
    SIP_RTP_L4_DST_PORT: d.rtpDstPort,
    SIP_RESPONSE_CODE: d.setupCode,
    SIP_REASON_CAUSE: reasonCause,
    SIP_UAC: d.uac ?? '',
    SIP_UAS: d.uasUa ?? d.uasServer ?? '',
    SIP_C_IP: d.cips.join(','),
    SIP_CALL_STATE: stateOf(d),
    flow: {
      ipVersion: d.ipVersion,
      src: d.src,
      dst: d.dst,
      sport: d.sport,
      dport: d.dport,
      protocol: d.protocol,
      start: copyOf(d.firstTs),
      end: copyOf(d.lastTs),
      packets: d.packets,
      bytes: d.bytes,
    },
    rtpSrc: src !== null && src !== '' ? endpoint(src, d.rtpSrcPort) : null,
    rtpDst: dst !== null && dst !== '' ? endpoint(dst, d.rtpDstPort) : null,
    reason: reasonText,
    messages: d.messages,
    retransmissions: d.retransmissions,
    duplicates: d.duplicates,
    durationSec: d.okTs !== null && d.byeTs !== null ? timestampDiff(d.okTs, d.byeTs) : null,
    setupSec: d.inviteTs !== null && firstAnswer !== null ? timestampDiff(d.inviteTs, firstAnswer) : null,
    leg: d.leg,
    fromTag: d.fromTag,
    callGroup: Correlator.callGroup(d),
    correlatedBy: Correlator.correlatedBy(d),
    groupSeq: Correlator.groupSeq(d),
    method: d.method,
    exportCause: cause,
    exportedAt: at,
    rtpPackets,
    media,
    verdicts,
  };
  if (d.ladder !== null) r.ladder = d.ladder;
  return r;
}
