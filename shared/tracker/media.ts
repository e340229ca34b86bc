// A call's media when it is exported (SPEC §8): the RTP streams the core analysed at the
// endpoints its SDPs announced, each with its direction, codec, loss, jitter and MOS, and the
// verdicts a VoIP engineer looks for first: was there audio both ways, did it stop, how bad was it.

import type { RtcpReport, RtpStream } from '../events.ts';
import { type MediaDirection, type MediaStream, type RtcpFigures, STOPPED_SEC, type Verdict } from '../record.ts';
import { endpoint, payloadName } from '../sdp-values.ts';
import { compareTimestamps, tsSeconds } from '../time.ts';
import type { MediaHooks } from './api.ts';
import { type Announced, type Dialog, HELD_DOWN, HELD_UP } from './dialog.ts';
import { mosOf, rFactor } from './emodel.ts';

const HIGH_LOSS_PCT = 3;
const HIGH_JITTER_MS = 50;
const LOW_MOS = 3.6;
const DEFAULT_PTIME_MS = 20;
/** Seconds after a BYE in which a stream may still start and be the call's (late RTP). */
const REUSE_SLACK_SEC = 2;

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function sentBy(a: Announced, s: RtpStream): boolean {
  return a.addr === s.src && a.port === s.sport;
}

/** The streams of dialog d and its verdicts; none without media hooks (nothing was watched). */
// Plain indexed loops, no destructuring, closures or iterators: this runs once per call, and
// V8 optimises it; those forms made it the costliest function of a run to compile.
export function mediaOf(d: Dialog, hooks: MediaHooks | undefined): { media: MediaStream[]; verdicts: Verdict[] } {
  const media: MediaStream[] = [];
  const verdicts: Verdict[] = [];
  if (hooks === undefined) return { media, verdicts }; // nothing was watched: nothing to say
  const announced = d.media ?? [];
  const streams: RtpStream[] = [];
  const owners: Announced[] = [];
  // An endpoint reused by another call (a phone's next call on the same port) keeps its earlier
  // and later streams, and the core may have read ahead of this call's end: only streams that
  // were alive between the call's first message and its BYE (with a moment's slack) are its own.
  const from = tsSeconds(d.firstTs);
  const until = d.byeTs === null ? Infinity : tsSeconds(d.byeTs) + REUSE_SLACK_SEC;
  for (let i = 0; i < announced.length; i++) {
    const list = hooks.streams(announced[i].id);
    for (let j = 0; j < list.length; j++) {
      if (tsSeconds(list[j].last) < from || tsSeconds(list[j].first) > until) continue;
      insertByFirst(streams, owners, list[j], announced[i]);
    }
  }
  const reports = new Map<number, RtcpReport>();
  // RTCP figures are a stream's: none to read for a call without one (most, on signalling-only links)
  const callRtt = streams.length === 0 ? null : rtcpBySsrc(announced, hooks, reports);

  const answered = d.okTs !== null;
  const end = tsSeconds(d.byeTs ?? d.lastTs);
  let nat = false;
  let unexpected = false;
  let gap = false;
  let loss = false;
  let jitter = false;
  let lowMos = false;
  // latest stream end per direction, and whether it was heard: caller → callee, callee → caller
  let upEnd = 0;
  let downEnd = 0;
  let upHeard = false;
  let downHeard = false;
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i];
    const at = owners[i];
    // sent to the side that announced the endpoint, or (symmetric RTP) sent by it from there
    const toAnnouncer = s.dst === at.addr && s.dport === at.port;
    const fromCaller = toAnnouncer ? !at.fromCaller : sentBy(at, s) ? at.fromCaller : null;
    const m = streamOf(s, at, fromCaller, reports.get(s.ssrc), callRtt);
    media.push(m);

    const held = fromCaller === null ? false : (d.held & (fromCaller ? HELD_UP : HELD_DOWN)) !== 0;
    if (fromCaller !== null) {
      const last = tsSeconds(s.last);
      if (fromCaller) {
        upHeard = true;
        if (last > upEnd) upEnd = last;
      } else {
        downHeard = true;
        if (last > downEnd) downEnd = last;
      }
      // another address than the sender's SDP announced: NAT (or an SBC that rewrote nothing)
      if (announcedElsewhere(announced, fromCaller, s)) nat = true;
    }
    if (s.maxDeltaMs >= STOPPED_SEC * 1000 && !held) gap = true;
    if (m.lostPct > HIGH_LOSS_PCT) loss = true;
    if (s.maxJitterMs > HIGH_JITTER_MS) jitter = true;
    if (m.mos < LOW_MOS) lowMos = true;
    for (let j = 0; j < s.payloadTypes.length; j++) if (!d.offered.includes(String(s.payloadTypes[j]))) unexpected = true;
  }

  if (answered && !upHeard && !downHeard) verdicts.push('no-rtp');
  else if (answered && upHeard !== downHeard) verdicts.push('one-way');
  if (answered) {
    const upStopped = upHeard && end - upEnd >= STOPPED_SEC && (d.held & HELD_UP) === 0;
    const downStopped = downHeard && end - downEnd >= STOPPED_SEC && (d.held & HELD_DOWN) === 0;
    if (upStopped || downStopped) verdicts.push('rtp-stopped');
  }
  if (gap) verdicts.push('rtp-gap');
  if (loss) verdicts.push('high-loss');
  if (jitter) verdicts.push('high-jitter');
  if (lowMos) verdicts.push('low-mos');
  if (unexpected) verdicts.push('unexpected-payload');
  if (nat) verdicts.push('nat');
  return { media, verdicts };
}

/** Insert s (heard at the endpoint `at`) keeping the list in order of first packet. */
function insertByFirst(streams: RtpStream[], owners: Announced[], s: RtpStream, at: Announced): void {
  let i = streams.length;
  streams.push(s);
  owners.push(at);
  while (i > 0 && compareTimestamps(streams[i - 1].first, s.first) > 0) {
    streams[i] = streams[i - 1];
    owners[i] = owners[i - 1];
    i--;
  }
  streams[i] = s;
  owners[i] = at;
}

/** The sender (the caller when fromCaller) announced endpoints, none of them s's source. */
function announcedElsewhere(announced: Announced[], fromCaller: boolean, s: RtpStream): boolean {
  let any = false;
  for (let i = 0; i < announced.length; i++) {
    const a = announced[i];
    if (a.fromCaller !== fromCaller) continue;
    if (sentBy(a, s)) return false;
    any = true;
  }
  return any;
}

/** One stream of media[]: direction, codec, rounded figures, E-model, RTCP. */
function streamOf(
  s: RtpStream,
  at: Announced,
  fromCaller: boolean | null,
  rep: RtcpReport | undefined,
  callRtt: number | null,
): MediaStream {
  const direction: MediaDirection = fromCaller === null ? 'unknown' : fromCaller ? 'caller-to-callee' : 'callee-to-caller';
  const pt = s.payloadType;
  const codec = pt === null ? null : payloadName(at, String(pt)) || null;
  const lostPct = s.expected > 0 ? (s.lost / s.expected) * 100 : 0;
  const ptime = s.expected > 1 && s.rtpTimeMs > 0 ? s.rtpTimeMs / (s.expected - 1) : DEFAULT_PTIME_MS;
  const rtcp = rep === undefined ? null : rtcpFigures(rep, s.clockRate);
  // one-way delay: half the RTCP round trip, a jitter buffer of twice the jitter, one packet
  const rtt = rtcp?.rttMs ?? callRtt ?? 0;
  const r = rFactor(codec, rtt / 2 + 2 * s.jitterMs + Math.min(ptime, 200), lostPct);
  const mos = mosOf(r);
  return {
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
  };
}

/** Per SSRC, what its receiver said in RTCP (into `by`): of the endpoints that heard about it, the
 *  one with the most report blocks (RTCP to the RTCP port, or muxed to the RTP port). Returns the
 *  call's round trip — the first any receiver measured — for streams without one of their own. */
function rtcpBySsrc(announced: Announced[], hooks: MediaHooks, by: Map<number, RtcpReport>): number | null {
  if (hooks.rtcpReports === undefined) return null;
  let rtt: number | null = null;
  for (let i = 0; i < announced.length * 2; i++) {
    const a = announced[i >> 1];
    const list = hooks.rtcpReports((i & 1) === 0 ? a.id : a.rtcpId);
    for (let j = 0; j < list.length; j++) {
      const r = list[j];
      const had = by.get(r.ssrc);
      if (had === undefined || r.reports > had.reports) by.set(r.ssrc, r);
      if (rtt === null && r.rtts > 0) rtt = r.rttMeanMs;
    }
  }
  return rtt;
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
