// A call's media as its JSON line has it (SPEC §8: `media[]`, `verdicts`), read back by the page's
// views (Media tab, RTP bands on the ladder) and by the worker (the streams a plot traces). The
// numbers stay the JSON's own, so the page shows exactly what the JSONL download says.

import type { MediaDirection, Verdict } from '../shared/record.ts';

export interface RtcpJson {
  reports: number;
  fractionLost: number;
  cumulativeLost: number;
  jitterMs: number | null;
  rttMs: number | null;
}

/** One object of JSON `media[]`: ssrc as its `0x%08x` text, times as epoch seconds. */
export interface StreamJson {
  src: string;
  dst: string;
  ssrc: string;
  direction: MediaDirection;
  payloadType: number | null;
  codec: string | null;
  clockRate: number | null;
  start: number;
  end: number;
  packets: number;
  bytes: number;
  expected: number;
  lost: number;
  lostPct: number;
  duplicates: number;
  outOfOrder: number;
  maxDeltaMs: number;
  jitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
  rFactor: number;
  mos: number;
  dtmf: string;
  rtcp: RtcpJson | null;
}

export interface CallMedia {
  media: StreamJson[];
  verdicts: Verdict[];
  /** the call was answered (a 2xx to the INVITE) */
  answered: boolean;
  /** when the call ended for the media verdicts: its BYE, else its last SIP message (epoch seconds) */
  end: number | null;
}

/** The media part of a call's JSON line (a record from before media analysis reads as none). */
export function callMedia(json: string): CallMedia {
  const j = JSON.parse(json) as Record<string, unknown>;
  const flow = (j.flow ?? {}) as Record<string, unknown>;
  const bye = typeof j.SIP_BYE_TIME === 'number' ? j.SIP_BYE_TIME : null;
  const last = typeof flow.end === 'number' ? flow.end : null;
  return {
    media: Array.isArray(j.media) ? (j.media as StreamJson[]) : [],
    verdicts: Array.isArray(j.verdicts) ? (j.verdicts as Verdict[]) : [],
    answered: typeof j.SIP_INVITE_OK_TIME === 'number',
    end: bye ?? last,
  };
}

/** `ip:port` or `[v6]:port` → its parts; null when it is neither. */
export function parseEndpoint(s: string): { ip: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]]+):(\d+)$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { ip: m[1], port } : null;
}

/** The SSRC text of JSON (`0x0000abcd`) as a number. */
export function ssrcOf(s: StreamJson): number {
  return Number.parseInt(s.ssrc, 16) >>> 0;
}

export const DIRECTION_TEXT: Record<MediaDirection, string> = {
  'caller-to-callee': 'caller → callee',
  'callee-to-caller': 'callee → caller',
  unknown: 'unknown',
};

/** A stream that ends this long before its call, or pauses this long, lost its audio (SPEC §8). */
export const STOPPED_SEC = 2;

export interface StreamMarks {
  /** ends ≥ 2 s before the call: `stopped` with the rtp-stopped verdict, `ended` without it (hold) */
  end: 'stopped' | 'ended' | null;
  /** a gap ≥ 2 s inside the stream (its longest, ms), else null */
  gapMs: number | null;
}

/** What the ladder marks on a stream: how it ended, and a long gap inside it. */
export function streamMarks(s: StreamJson, call: CallMedia): StreamMarks {
  const early = call.answered && call.end !== null && call.end - s.end >= STOPPED_SEC;
  return {
    end: early ? (call.verdicts.includes('rtp-stopped') ? 'stopped' : 'ended') : null,
    gapMs: s.maxDeltaMs >= STOPPED_SEC * 1000 ? s.maxDeltaMs : null,
  };
}
