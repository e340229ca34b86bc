// A call's media when it is exported (SPEC §8): the RTP streams the core analysed at the
// endpoints its SDPs announced, each with its direction, codec, loss, jitter and MOS, and the
// verdicts a VoIP engineer looks for first: was there audio both ways, did it stop, how bad was it.

import type { RtcpReport, RtpStream } from '../events.ts';
import type { MediaDirection, MediaStream, RtcpFigures, Verdict } from '../record.ts';
import { endpoint, payloadName } from '../sdp-values.ts';
import { compareTimestamps, tsSeconds } from '../time.ts';
import type { MediaHooks } from './api.ts';
import { type Announced, type Dialog, HELD_DOWN, HELD_UP } from './dialog.ts';
import { mosOf, rFactor } from './emodel.ts';

/** A stream that ends this long before its call, or pauses this long, lost its audio. */
const STOPPED_SEC = 2;
const HIGH_LOSS_PCT = 3;
const HIGH_JITTER_MS = 50;
const LOW_MOS = 3.6;
const DEFAULT_PTIME_MS = 20;

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function sentBy(a: Announced, s: RtpStream): boolean {
  return a.addr === s.src && a.port === s.sport;
}

/** The streams of dialog d and its verdicts; none without media hooks (nothing was watched). */
export function mediaOf(d: Dialog, hooks: MediaHooks | undefined): { media: MediaStream[]; verdicts: Verdict[] } {
  const media: MediaStream[] = [];
  const verdicts: Verdict[] = [];
  if (hooks === undefined) return { media, verdicts }; // nothing was watched: nothing to say
  const announced = d.media ?? [];
  const streams: [RtpStream, Announced][] = [];
  for (const a of announced) for (const s of hooks.streams(a.id)) streams.push([s, a]);
  // what each side announced: a stream from elsewhere is NATed
  const byCaller = announced.filter((a) => a.fromCaller);
  const byCallee = announced.filter((a) => !a.fromCaller);
  streams.sort((x, y) => compareTimestamps(x[0].first, y[0].first));
  const reports = rtcpBySsrc(announced, hooks);
  // the call's round trip (any stream's receiver that measured one) when a stream has none
  let callRtt: number | null = null;
  for (const r of reports.values()) if (r.rtts > 0 && callRtt === null) callRtt = r.rttMeanMs;

  const answered = d.okTs !== null;
  const end = tsSeconds(d.byeTs ?? d.lastTs);
  let nat = false;
  let unexpected = false;
  let gap = false;
  let loss = false;
  let jitter = false;
  let lowMos = false;
  const lastEnd = [0, 0]; // latest stream end per direction: caller → callee, callee → caller
  const heard = [false, false];
  for (const [s, at] of streams) {
    // sent to the side that announced the endpoint, or (symmetric RTP) sent by it from there
    const toAnnouncer = s.dst === at.addr && s.dport === at.port;
    const fromCaller = toAnnouncer ? !at.fromCaller : sentBy(at, s) ? at.fromCaller : null;
    const direction: MediaDirection = fromCaller === null ? 'unknown' : fromCaller ? 'caller-to-callee' : 'callee-to-caller';
    const pt = s.payloadType;
    const codec = pt === null ? null : payloadName(at, String(pt)) || null;
    const lostPct = s.expected > 0 ? (s.lost / s.expected) * 100 : 0;
    const ptime = s.expected > 1 && s.rtpTimeMs > 0 ? s.rtpTimeMs / (s.expected - 1) : DEFAULT_PTIME_MS;
    const rep = reports.get(s.ssrc);
    const rtcp = rep === undefined ? null : rtcpFigures(rep, s.clockRate);
    // one-way delay: half the RTCP round trip, a jitter buffer of twice the jitter, one packet
    const rtt = rtcp?.rttMs ?? callRtt ?? 0;
    const r = rFactor(codec, rtt / 2 + 2 * s.jitterMs + Math.min(ptime, 200), lostPct);
    const mos = mosOf(r);
    media.push({
      src: endpoint(s.src, s.sport),
      dst: endpoint(s.dst, s.dport),
      ssrc: s.ssrc,
      direction,
      payloadType: pt,
      codec,
      clockRate: s.clockRate || null,
      start: s.first,
      end: s.last,
      packets: s.packets,
      bytes: s.bytes,
      expected: s.expected,
      lost: s.lost,
      lostPct: round(lostPct, 2),
      duplicates: s.duplicates,
      outOfOrder: s.outOfOrder,
      maxDeltaMs: round(s.maxDeltaMs, 3),
      jitterMs: round(s.jitterMs, 3),
      meanJitterMs: round(s.meanJitterMs, 3),
      maxJitterMs: round(s.maxJitterMs, 3),
      rFactor: round(r, 2),
      mos: round(mos, 2),
      dtmf: s.dtmf,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      firstTs: s.firstTs,
      lastTs: s.lastTs,
      rtcp,
    });

    const held = fromCaller === null ? false : (d.held & (fromCaller ? HELD_UP : HELD_DOWN)) !== 0;
    if (fromCaller !== null) {
      const k = fromCaller ? 0 : 1;
      heard[k] = true;
      lastEnd[k] = Math.max(lastEnd[k], tsSeconds(s.last));
      // another address than the sender's SDP announced: NAT (or an SBC that rewrote nothing)
      const mine = fromCaller ? byCaller : byCallee;
      if (mine.length > 0 && !mine.some((a) => sentBy(a, s))) nat = true;
    }
    if (s.maxDeltaMs >= STOPPED_SEC * 1000 && !held) gap = true;
    if (lostPct > HIGH_LOSS_PCT) loss = true;
    if (s.maxJitterMs > HIGH_JITTER_MS) jitter = true;
    if (mos < LOW_MOS) lowMos = true;
    for (const p of s.payloadTypes) if (!d.offered.includes(String(p))) unexpected = true;
  }

  if (answered && !heard[0] && !heard[1]) verdicts.push('no-rtp');
  else if (answered && heard[0] !== heard[1]) verdicts.push('one-way');
  if (answered) {
    const stopped = [0, 1].some((k) => heard[k] && end - lastEnd[k] >= STOPPED_SEC && (d.held & (k === 0 ? HELD_UP : HELD_DOWN)) === 0);
    if (stopped) verdicts.push('rtp-stopped');
  }
  if (gap) verdicts.push('rtp-gap');
  if (loss) verdicts.push('high-loss');
  if (jitter) verdicts.push('high-jitter');
  if (lowMos) verdicts.push('low-mos');
  if (unexpected) verdicts.push('unexpected-payload');
  if (nat) verdicts.push('nat');
  return { media, verdicts };
}

/** Per SSRC, what its receiver said in RTCP: of the endpoints that heard about it, the one with
 *  the most report blocks (RTCP to the RTCP port, or muxed to the RTP port). */
function rtcpBySsrc(announced: Announced[], hooks: MediaHooks): Map<number, RtcpReport> {
  const by = new Map<number, RtcpReport>();
  if (hooks.rtcpReports === undefined) return by;
  for (const a of announced) {
    for (const id of [a.id, a.rtcpId]) {
      for (const r of hooks.rtcpReports(id)) {
        const had = by.get(r.ssrc);
        if (had === undefined || r.reports > had.reports) by.set(r.ssrc, r);
      }
    }
  }
  return by;
}

function rtcpFigures(r: RtcpReport, clockRate: number): RtcpFigures {
  return {
    reports: r.reports,
    fractionLost: round(r.fraction / 256, 4),
    cumulativeLost: r.cumulativeLost,
    jitterMs: clockRate > 0 ? round((r.jitter / clockRate) * 1000, 3) : null,
    rttMs: r.rtts > 0 ? round(r.rttMeanMs, 3) : null,
  };
}
