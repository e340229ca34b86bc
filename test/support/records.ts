// Call records written out by hand, for the output tests (text formats, dump files, exports).

import type { CallRecord, MediaStream } from '../../shared/record.ts';
import type { Timestamp } from '../../shared/time.ts';

/** SPEC §5.2: the header line of the default dump template (the 23 SIP fields, `|`-separated). */
export const DEFAULT_DUMP_HEADER =
  'SIP_CALL_ID|SIP_CALLING_PARTY|SIP_CALLED_PARTY|SIP_RTP_CODECS|SIP_INVITE_TIME|SIP_TRYING_TIME|SIP_RINGING_TIME|SIP_INVITE_OK_TIME|' +
  'SIP_INVITE_FAILURE_TIME|SIP_BYE_TIME|SIP_BYE_OK_TIME|SIP_CANCEL_TIME|SIP_CANCEL_OK_TIME|SIP_RTP_IPV4_SRC_ADDR|SIP_RTP_L4_SRC_PORT|' +
  'SIP_RTP_IPV4_DST_ADDR|SIP_RTP_L4_DST_PORT|SIP_RESPONSE_CODE|SIP_REASON_CAUSE|SIP_UAC|SIP_UAS|SIP_C_IP|SIP_CALL_STATE';

/** A capture time with `digits` significant fraction digits. */
export const timestamp = (sec: number, nsec: number, digits = 6): Timestamp => ({ sec, nsec, digits });

/** Seconds since the epoch of a UTC date and time. */
export const utc = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

/** A complete record exported at `at` (capture seconds), its times a few seconds before. */
export function dumpRecord(id: string, at: number, over: Partial<CallRecord> = {}): CallRecord {
  const s = Math.floor(at) - 5;
  return {
    SIP_CALL_ID: id,
    SIP_CALLING_PARTY: '"Alice" <sip:alice@example.com>',
    SIP_CALLED_PARTY: 'sip:bob@example.net',
    SIP_RTP_CODECS: 'PCMA',
    SIP_INVITE_TIME: timestamp(s, 123_456_000),
    SIP_TRYING_TIME: null,
    SIP_RINGING_TIME: timestamp(s + 1, 5_000),
    SIP_INVITE_OK_TIME: timestamp(s + 2, 500_000_000),
    SIP_INVITE_FAILURE_TIME: null,
    SIP_BYE_TIME: timestamp(s + 4, 0),
    SIP_BYE_OK_TIME: null,
    SIP_CANCEL_TIME: null,
    SIP_CANCEL_OK_TIME: null,
    SIP_RTP_IPV4_SRC_ADDR: '10.0.0.1',
    SIP_RTP_L4_SRC_PORT: 4000,
    SIP_RTP_IPV4_DST_ADDR: '10.0.0.2',
    SIP_RTP_L4_DST_PORT: 5000,
    SIP_RESPONSE_CODE: 200,
    SIP_REASON_CAUSE: 0,
    SIP_UAC: 'PhoneA/1.0',
    SIP_UAS: 'PhoneB/2.0',
    SIP_C_IP: '10.0.0.1',
    SIP_CALL_STATE: 'CALL_COMPLETED',
    flow: {
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 5060,
      dport: 5060,
      protocol: 17,
      start: timestamp(s, 123_456_000),
      end: timestamp(s + 4, 0),
      packets: 6,
      bytes: 3000,
    },
    rtpSrc: '10.0.0.1:4000',
    rtpDst: '10.0.0.2:5000',
    reason: null,
    messages: 6,
    retransmissions: 0,
    duplicates: 0,
    durationSec: 1.5,
    setupSec: 0.876549,
    leg: 1,
    fromTag: 'a1',
    callGroup: id,
    correlatedBy: [],
    exportCause: 'bye',
    exportedAt: at,
    rtpPackets: 0,
    media: [],
    verdicts: [],
    ...over,
  };
}

/** One RTP stream of a record (SPEC §8): caller to callee, 10.0.0.1:4000 → 10.0.0.2:5000, 50 s of PCMA. */
export function mediaStream(over: Partial<MediaStream> = {}): MediaStream {
  return {
    src: '10.0.0.1:4000',
    dst: '10.0.0.2:5000',
    ssrc: 0x1000,
    direction: 'caller-to-callee',
    payloadType: 8,
    codec: 'PCMA',
    clockRate: 8000,
    start: timestamp(1_700_000_003, 20_000_000),
    end: timestamp(1_700_000_053, 0),
    packets: 2500,
    bytes: 400_000,
    expected: 2510,
    lost: 10,
    lostPct: 0.4,
    duplicates: 0,
    outOfOrder: 0,
    maxDeltaMs: 60.5,
    jitterMs: 1.25,
    meanJitterMs: 0.9,
    maxJitterMs: 3.75,
    rFactor: 91.12,
    mos: 4.37,
    dtmf: '',
    firstSeq: 1000,
    lastSeq: 3509,
    firstTs: 160_000,
    lastTs: 560_000,
    rtcp: null,
    ...over,
  };
}
