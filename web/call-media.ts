// A call's media as its JSON line has it (SPEC §8: `media[]`, `verdicts`), read back by the page's
// views (Media tab, RTP bands on the ladder) and by the worker (the streams a plot traces). The
// numbers stay the JSON's own, so the page shows exactly what the JSONL download says.

import { type MediaDirection, type MediaStream, STOPPED_SEC, type Verdict } from '../shared/record.ts';

/** One object of JSON `media[]` (shared/record.ts MediaStream as format.ts writes it): ssrc as its
 *  `0x%08x` text, times as epoch seconds, without the fields only exports carry. */
export type StreamJson = Omit<MediaStream, 'ssrc' | 'start' | 'end' | 'firstSeq' | 'lastSeq' | 'firstTs' | 'lastTs'> & {
  ssrc: string;
  start: number;
  end: number;
};

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
