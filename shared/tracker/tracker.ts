// The call tracker (SPEC §1–§3): SIP messages in, one finished record per call out. Keyed by
// Call-ID; everything is driven by capture time, never by the wall clock. This file is the
// dialog state machine; the dialog's own state, the timers, retransmission identity, late
// messages and the record's fields are in the files beside it.

import type { SipMessage } from '../events.ts';
import type { CallRecord, ExportCause } from '../record.ts';
import { compareTimestamps, type Timestamp, tsSeconds } from '../time.ts';
import { ownText, partyOf } from '../header-values.ts';
import { sdpSummary } from '../sdp-values.ts';
import { DEFAULT_TRACKER_OPTIONS, type MediaHooks, type TrackerOptions, type TrackerStats } from './api.ts';
import { Dialog, T_BYE, T_BYE_OK, T_CANCEL, T_CANCEL_OK, T_FAIL, T_INVITE, T_LAST, T_OK, T_RINGING, T_TRYING, append } from './dialog.ts';
import { Correlator } from './correlation.ts';
import { CountedDialogs, MAX_TOMBS, Tombs, type Tomb } from './late-messages.ts';
import { OpenLegs, challengedLeg, legByTag } from './legs.ts';
import { DUPLICATE, NEW, RETRANSMISSION, Retransmissions } from './retransmissions.ts';
import { ActivityList, W_BYE, W_FINAL, W_NONE, WINDOW, WindowHeap } from './timers.ts';
import { mediaOf } from './media.ts';
import { toRecord } from './to-record.ts';

const NO_BYTES = new Uint8Array(0);
/** Exported dialogs kept for reuse, at most. A new call's dialog object would otherwise be
 *  copied by a young-generation collection or two with the state it gathers and then promoted:
 *  a reused one already lives in the old generation (docs/PROFILE.md). */
const MAX_SPARE = 1024;
/** what a spare dialog's times say while it waits */
const NO_TIME: Timestamp = { sec: 0, nsec: 0, digits: 6 };

function byFirstThenId(a: Dialog, b: Dialog): number {
  const c = compareTimestamps(a.firstTs, b.firstTs);
  return c !== 0 ? c : a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0;
}

/** The dialog's pending window, if any, stops pointing at it (the heap drops it when due). */
function detachWindow(d: Dialog): void {
  if (d.window !== null) {
    d.window.d = null;
    d.window = null;
  }
}

// ---------------------------------------------------------------- the tracker

export class CallTracker {
  private readonly o: TrackerOptions;
  private readonly open = new OpenLegs();
  private readonly unanswered = new ActivityList<Dialog>();
  private readonly answered = new ActivityList<Dialog>();
  private readonly windows = new WindowHeap<Dialog>();
  private readonly tombs: Tombs;
  private readonly repeats = new Retransmissions();
  private readonly counted: CountedDialogs;
  private readonly corr = new Correlator((callId) => this.open.get(callId));
  /** exported dialogs, reset and used again by create() */
  private readonly spare: Dialog[] = [];
  /** capture time: the latest of message times and advance() */
  private now = -Infinity;
  /** latest message time: activity stamps use it so they do not depend on when advance() was called */
  private sipNow = -Infinity;

  private st = {
    messages: 0,
    malformed: 0,
    retransmissions: 0,
    duplicates: 0,
    calls: 0,
    dialogs: 0,
    exported: 0,
    evicted: 0,
    lateMessages: 0,
    otherMessages: 0,
  };
  private readonly methods = new Map<string, number>();
  private readonly causes: Record<ExportCause, number> = { bye: 0, final: 0, idle: 0, evicted: 0, end: 0 };

  constructor(
    opts: Partial<TrackerOptions>,
    private readonly onRecord: (r: CallRecord) => void,
    private readonly media?: MediaHooks,
  ) {
    this.o = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
    if (!(this.o.maxCalls >= 1)) this.o.maxCalls = 1;
    this.counted = new CountedDialogs(this.o.maxCalls);
    // as many exported calls as open ones are remembered (at least 1024, at most MAX_TOMBS)
    this.tombs = new Tombs(Math.max(1024, Math.min(this.o.maxCalls, MAX_TOMBS)));
  }

  onMessage(m: SipMessage): void {
    const st = this.st;
    st.messages++;
    if (
      m.callId === '' ||
      m.cseqMethod === '' ||
      !(m.cseq >= 0) ||
      (m.isRequest ? m.method === '' : !(m.status >= 100 && m.status <= 699))
    ) {
      st.malformed++;
      return;
    }
    const t = tsSeconds(m.ts);
    if (t > this.sipNow) this.sipNow = t;
    if (t > this.now) this.now = t;
    // deadlines that passed before this message are settled first, so the order of records does
    // not depend on how often the host calls advance()
    this.expire(this.now);

    const initial = m.isRequest && m.toTag === '' && m.method === 'INVITE';
    const legs = this.open.get(m.callId);
    // the leg of the From-tag first: a response or the caller's request names its leg there
    let d = legs === undefined ? undefined : legByTag(legs, m.fromTag);
    let tomb: Tomb | undefined;
    if (d === undefined) {
      tomb = this.tombs.get(m.callId);
      if (tomb !== undefined && tomb.until < t) {
        this.tombs.delete(m.callId);
        tomb = undefined;
      }
      // Within 32 s of an export, late copies (ACK, retransmitted 200/BYE, the INVITE itself)
      // belong to the exported leg: absorb them. Only an initial INVITE that is not one of the
      // exported legs' (other From-tag or CSeq) starts a new leg with the same Call-ID.
      if (tomb?.callerTags.includes(m.fromTag) && (!initial || tomb.cseqs.includes(m.cseq))) {
        st.lateMessages++;
        return;
      }
      if (legs !== undefined) {
        // the callee's requests carry their leg's tag as To-tag
        d = legByTag(legs, m.toTag) ?? (initial ? challengedLeg(legs, t) : undefined);
        if (d === undefined && !initial) {
          if (tomb !== undefined && m.toTag !== '' && tomb.callerTags.includes(m.toTag)) {
            st.lateMessages++;
            return;
          }
          // tags no leg announced: the Call-ID's latest leg takes them, as one record always did
          d = legs[legs.length - 1];
        }
      } else if (tomb !== undefined && !initial) {
        st.lateMessages++;
        return;
      }
    }
    if (d === undefined) {
      if (initial) d = this.create(m, 'call', tomb?.maxLeg ?? 0);
      else if (this.o.allDialogs) d = this.create(m, 'dialog', tomb?.maxLeg ?? 0);
      else {
        this.countOther(m);
        return;
      }
    } else if (initial && d.kind === 'dialog') {
      this.upgrade(d, m);
    }
    this.process(d, m, t, initial);
  }

  advance(nowSec: number): void {
    if (nowSec > this.now) this.now = nowSec;
    this.expire(this.now);
  }

  finish(): void {
    const rest = this.open.values().sort(byFirstThenId);
    for (const d of rest) this.exportDialog(d, 'end', this.now);
    this.windows.clear();
    this.tombs.clear();
    this.counted.clear();
    this.repeats.clear();
    this.corr.clear();
  }

  stats(): TrackerStats {
    return {
      ...this.st,
      open: this.open.size,
      tombsDropped: this.tombs.dropped,
      groupFull: this.corr.groupFull,
      correlationKeysDropped: this.corr.keysDropped,
      methods: Object.fromEntries(this.methods),
      exportCauses: { ...this.causes },
    };
  }

  /** How many entries each of the tracker's tables holds now (each has a limit). */
  tables(): Record<string, number> {
    return {
      open: this.open.size,
      tombs: this.tombs.size,
      counted: this.counted.size,
      signatures: this.repeats.size,
      ...this.corr.tables(),
    };
  }

  // ---------------------------------------------------------------- creation

  /** A new record (leg) of m's Call-ID; `exportedLegs`: the highest leg number of its exported
   *  legs still remembered. */
  private create(m: SipMessage, kind: 'call' | 'dialog', exportedLegs: number): Dialog {
    if (this.open.size >= this.o.maxCalls) this.evict();
    const callId = ownText(m.callId);
    const method = m.isRequest ? m.method : m.cseqMethod;
    let d = this.spare.pop();
    if (d === undefined) d = new Dialog(callId, kind, method, this.sipNow, m.ts);
    else d.reset(callId, kind, method, this.sipNow, m.ts);
    d.setFlow(m);
    d.fromTag = ownText(m.fromTag);
    d.callerTags = append(d.callerTags, d.fromTag);
    d.leg = Math.max(this.open.maxLeg(m.callId), exportedLegs) + 1;
    // a response travels from the callee: From still names the requester
    d.calling = ownText(partyOf(m.from));
    d.called = ownText(partyOf(m.to));
    if (kind === 'call') {
      this.st.calls++;
      this.counted.drop(m.callId);
    } else {
      this.st.dialogs++;
      d.isRegister = method === 'REGISTER';
      this.countMethod(method);
    }
    if (this.o.keepMessages) d.ladder = [];
    const sameCallId = this.open.get(m.callId);
    this.open.add(d);
    this.corr.added(d, sameCallId);
    this.unanswered.insert(d);
    return d;
  }

  /** A non-INVITE dialog record that receives an initial INVITE becomes a call (allDialogs only). */
  private upgrade(d: Dialog, m: SipMessage): void {
    d.kind = 'call';
    this.st.calls++;
    d.setFlow(m);
    d.fromTag = ownText(m.fromTag);
    d.callerTags = [d.fromTag];
    d.calling = ownText(partyOf(m.from));
    d.called = ownText(partyOf(m.to));
    d.setupCode = 0;
    this.clearWindow(d);
    this.corr.upgraded(d);
  }

  private evict(): void {
    const a = this.unanswered.head;
    const b = this.answered.head;
    const victim = a === null ? b : b === null ? a : a.last <= b.last ? a : b;
    if (victim === null) return;
    this.st.evicted++;
    this.exportDialog(victim, 'evicted', this.sipNow);
  }

  private countMethod(method: string): void {
    this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
  }

  /** Non-INVITE Call-IDs without allDialogs: counted once per Call-ID, kept only as an LRU entry. */
  private countOther(m: SipMessage): void {
    this.st.otherMessages++;
    if (this.counted.seen(m.callId, this.sipNow)) this.countMethod(m.isRequest ? m.method : m.cseqMethod);
  }

  // ---------------------------------------------------------------- per message

  private process(d: Dialog, m: SipMessage, t: number, initial: boolean): void {
    d.messages++;
    d.packets += m.wirePackets;
    d.bytes += m.wireBytes;
    if (compareTimestamps(m.ts, d.lastTs) > 0) d.time(T_LAST, m.ts);
    if (this.sipNow > d.last) {
      d.last = this.sipNow;
      d.list?.touch(d);
    }
    // an auth retry may come with a new From-tag: it is still the caller
    if (initial && d.kind === 'call' && !d.callerTags.includes(m.fromTag)) d.callerTags = append(d.callerTags, ownText(m.fromTag));
    const tagIsCaller = d.callerTags.includes(m.fromTag);
    const fromCaller = m.isRequest ? tagIsCaller : !tagIsCaller;

    const rep = this.repeats.classify(d, m, t);
    if (d.ladder !== null) {
      d.ladder.push({
        frame: m.frame,
        fileIndex: m.fileIndex,
        fileOffset: m.fileOffset,
        ts: m.ts,
        src: m.src,
        sport: m.sport,
        dst: m.dst,
        dport: m.dport,
        transport: m.transport,
        label: m.isRequest ? m.method : m.reasonPhrase ? `${m.status} ${m.reasonPhrase}` : String(m.status),
        isRequest: m.isRequest,
        cseq: m.cseq,
        cseqMethod: m.cseqMethod,
        retransmission: rep === RETRANSMISSION,
        duplicate: rep === DUPLICATE,
        sdp: m.sdp !== null ? sdpSummary(m.sdp) : null,
        fromCaller,
        // the engine hands each message its own copy of the bytes when ladders are kept, unless
        // they can be read again from the file
        raw: m.raw ?? NO_BYTES,
        rawAt: m.raw === null ? m.rawAt : -1,
        rawLen: m.rawLen,
        rawHash: m.rawHash,
      });
    }
    if (rep !== NEW) {
      if (rep === RETRANSMISSION) {
        d.retransmissions++;
        this.st.retransmissions++;
      } else {
        d.duplicates++;
        this.st.duplicates++;
      }
      return;
    }

    // headers
    const ua = m.userAgent;
    if (ua !== null && ua !== '') {
      if (fromCaller) {
        if (d.uac === null) d.uac = ownText(ua);
      } else if (d.uasUa === null) d.uasUa = ownText(ua);
    }
    if (!fromCaller && d.uasServer === null && m.server !== null && m.server !== '') d.uasServer = ownText(m.server);
    if (m.sdp !== null) d.takeSdp(m.sdp, fromCaller, this.media);
    this.corr.message(d, m, t);

    if (m.isRequest) this.request(d, m, t, initial);
    else this.response(d, m, t);
  }

  private request(d: Dialog, m: SipMessage, t: number, initial: boolean): void {
    switch (m.method) {
      case 'INVITE':
        if (initial) this.initialInvite(d, m);
        break;
      case 'BYE':
        if (d.byeTs === null) d.byeTs = d.time(T_BYE, m.ts);
        d.takeCause(m, false);
        this.setWindow(d, W_BYE, t + WINDOW);
        return;
      case 'CANCEL':
        if (d.cancelTs === null) d.cancelTs = d.time(T_CANCEL, m.ts);
        d.takeCause(m, false);
        break;
    }
    // a non-INVITE dialog goes on while requests come
    if (d.kind === 'dialog' && d.windowKind === W_FINAL) this.clearWindow(d);
  }

  private initialInvite(d: Dialog, m: SipMessage): void {
    if (d.inviteTs === null) {
      d.inviteTs = d.time(T_INVITE, m.ts);
      d.calling = ownText(partyOf(m.from));
      d.called = ownText(partyOf(m.to));
    }
    if (d.initialCseqs.includes(m.cseq)) return;
    d.initialCseqs = append(d.initialCseqs, m.cseq);
    d.challengedAt = null;
    if (d.initialCseqs.length === 1 || m.cseq > d.setupCseq) {
      // a new setup transaction (auth retry): what the old one's final said no longer counts
      d.setupCseq = m.cseq;
      d.setupCode = 0;
      d.failTs = null;
      d.causeFinal = 0;
      d.causeFinalText = null;
      if (d.plainReasonFromFinal) d.plainReason = null;
      if (d.windowKind === W_FINAL) this.clearWindow(d);
    }
  }

  private response(d: Dialog, m: SipMessage, t: number): void {
    const s = m.status;
    const cm = m.cseqMethod;
    if (cm === 'INVITE') {
      // the From-tag check keeps a callee's re-INVITE (own CSeq space) from posing as the setup
      if (d.kind === 'call' && d.initialCseqs.includes(m.cseq) && d.callerTags.includes(m.fromTag)) {
        if (s < 200) {
          d.provisional = true;
          if (s === 100) {
            if (d.tryingTs === null) d.tryingTs = d.time(T_TRYING, m.ts);
          } else if ((s === 180 || s === 183) && d.ringingTs === null) d.ringingTs = d.time(T_RINGING, m.ts);
        } else if (s < 300) {
          if (d.okTs === null) d.okTs = d.time(T_OK, m.ts);
          if (!d.answered) {
            d.answered = true;
            if (d.list === this.unanswered) {
              this.unanswered.remove(d);
              this.answered.insert(d);
            }
          }
          if (d.windowKind === W_FINAL) this.clearWindow(d);
        }
        // the first final response of the setup transaction decides it; later ones are forks' echoes
        if (s >= 200 && m.cseq === d.setupCseq && d.setupCode === 0) {
          if (s < 300) d.setupCode = s;
          else if (!d.answered) {
            d.setupCode = s;
            d.failTs = d.time(T_FAIL, m.ts);
            if (s === 401 || s === 407) d.challengedAt = t;
            d.takeCause(m, true);
            if (d.windowKind !== W_BYE) this.setWindow(d, W_FINAL, t + WINDOW);
          }
        }
        return;
      }
    } else if (cm === 'BYE') {
      if (s >= 200 && s < 300) {
        if (d.byeOkTs === null) d.byeOkTs = d.time(T_BYE_OK, m.ts);
        this.exportDialog(d, 'bye', this.sipNow);
        return;
      }
    } else if (cm === 'CANCEL') {
      if (s >= 200 && s < 300 && d.cancelOkTs === null) d.cancelOkTs = d.time(T_CANCEL_OK, m.ts);
    }
    if (d.kind === 'dialog' && s >= 200) {
      // non-INVITE dialog: the last final response is its code; it ends 32 s after it unless more comes
      d.setupCode = s;
      if (d.windowKind !== W_BYE) this.setWindow(d, W_FINAL, t + WINDOW);
    }
  }

  // ---------------------------------------------------------------- windows and expiry

  private setWindow(d: Dialog, kind: number, at: number): void {
    d.windowKind = kind;
    d.windowGen++;
    detachWindow(d);
    d.window = { at, d, gen: d.windowGen };
    this.windows.push(d.window);
  }

  private clearWindow(d: Dialog): void {
    d.windowKind = W_NONE;
    d.windowGen++;
    detachWindow(d);
  }

  /** Export everything whose deadline is before `now` (strictly: a message at exactly +32 s is in time). */
  private expire(now: number): void {
    // tombstones and counting-only entries first: cheap FIFO heads
    this.tombs.expire(now);
    const idle = this.o.idleTimeout;
    this.counted.expire(now, idle);

    let due: Dialog[] | null = null;
    const w = this.windows;
    while (w.size > 0 && w.top().at < now) {
      const e = w.pop();
      const d = e.d;
      if (d === null || e.gen !== d.windowGen || d.collected || !d.isOpen) continue;
      d.window = null;
      d.collected = true;
      d.dueAt = e.at;
      d.dueCause = d.windowKind === W_BYE ? 'bye' : 'final';
      d.list?.remove(d);
      (due ??= []).push(d);
    }
    due = this.expireList(this.unanswered, idle, now, due);
    due = this.expireList(this.answered, this.o.establishedTimeout, now, due);
    if (due === null) return;
    if (due.length > 1) due.sort((a, b) => a.dueAt - b.dueAt || byFirstThenId(a, b));
    for (const d of due) this.exportDialog(d, d.dueCause, d.dueAt);
  }

  private expireList(list: ActivityList<Dialog>, timeout: number, now: number, due: Dialog[] | null): Dialog[] | null {
    for (let h = list.head; h !== null && h.last + timeout < now; h = list.head) {
      // RTP is only asked about for calls whose SIP looks idle
      const rtp = h.rtpLast(this.media);
      if (rtp > h.last) {
        h.last = rtp;
        if (rtp + timeout >= now) {
          list.remove(h);
          list.insert(h);
          continue;
        }
      }
      list.remove(h);
      h.collected = true;
      h.dueAt = h.last + timeout;
      h.dueCause = 'idle';
      (due ??= []).push(h);
    }
    return due;
  }

  // ---------------------------------------------------------------- export

  private exportDialog(d: Dialog, cause: ExportCause, at: number): void {
    if (!this.open.remove(d)) return;
    d.list?.remove(d);
    d.windowGen++;
    d.windowKind = W_NONE;
    // its window may wait up to 32 s more in the heap: it no longer holds the dialog
    detachWindow(d);
    const { media, verdicts } = mediaOf(d, this.media);
    let rtpPackets = 0;
    if (d.media !== null && this.media !== undefined) {
      for (const w of d.media) {
        rtpPackets += this.media.packets(w.id);
        this.media.unwatch(w.id);
        if (w.rtcpId >= 0) this.media.unwatch(w.rtcpId);
      }
    }
    // `at` is a capture time that does not depend on when advance() ran, so neither does absorption
    // one tomb per Call-ID: the legs exported lately together
    const had = this.tombs.get(d.callId);
    const tomb: Tomb =
      had === undefined || had.until < at
        ? { callId: d.callId, callerTags: d.callerTags, cseqs: d.initialCseqs, until: at + WINDOW, maxLeg: d.leg }
        : {
            callId: d.callId,
            callerTags: [...had.callerTags, ...d.callerTags],
            cseqs: [...had.cseqs, ...d.initialCseqs],
            until: at + WINDOW,
            maxLeg: Math.max(had.maxLeg, d.leg),
          };
    this.tombs.add(tomb);
    this.corr.removed(d);
    this.st.exported++;
    this.causes[cause]++;
    this.onRecord(toRecord(d, cause, at, rtpPackets, media, verdicts));
    d.ladder = null;
    this.repeats.release(d);
    d.media = null;
    if (this.spare.length < MAX_SPARE) {
      d.reset('', 'dialog', '', 0, NO_TIME);
      this.spare.push(d);
    }
  }
}
