// One dialog as the tracker holds it while it is open: its timers' links, what its messages
// said so far (times, parties, SDP, causes, user agents) and its signalling flow.

import type { Sdp, SdpDirection, SdpMedia, SipMessage, Transport } from '../events.ts';
import type { ExportCause, LadderEntry } from '../record.ts';
import type { Timestamp } from '../time.ts';
import { sipField } from '../output/fields.ts';
import { eqIgnoreCase, hasIgnoreCase, ownText, q850Cause, splitList, utf8Length } from '../header-values.ts';
import { isIpLiteral, isRtpProto, isUnspecified, payloadName, stripTtl } from '../sdp-values.ts';
import type { MediaHooks } from './api.ts';
import type { Ties } from './correlation.ts';
import { W_NONE, type ActivityList, type Listed, type WindowEntry } from './timers.ts';

const C_IP_MAX = sipField('SIP_C_IP').maxLength;

/** A dialog's own time objects (Dialog.clock), one per time it keeps. */
export const T_FIRST = 0;
export const T_LAST = 1;
export const T_INVITE = 2;
export const T_TRYING = 3;
export const T_RINGING = 4;
export const T_OK = 5;
export const T_FAIL = 6;
export const T_BYE = 7;
export const T_BYE_OK = 8;
export const T_CANCEL = 9;
export const T_CANCEL_OK = 10;
const CLOCK_SIZE = 11;

/** Media directions put on hold by an SDP (Dialog.held). */
export const HELD_UP = 1; // caller → callee
export const HELD_DOWN = 2; // callee → caller

/** A media endpoint an SDP of the dialog announced, watched in the core. */
export interface Announced {
  addr: string;
  port: number;
  id: number;
  /** its RTCP port's watch (m= port + 1 or a=rtcp:), -1 with rtcp-mux or none */
  rtcpId: number;
  /** announced by the caller (it receives there) */
  fromCaller: boolean;
  /** the announcing section's payload types → encoding names */
  rtpmap: ReadonlyMap<string, string>;
}

/** list with v added. A short list is replaced by a copy of its own length: V8 gives a push
 *  room for 16 more items, and each call keeps several such lists (callers' tags, codecs,
 *  addresses…) with a few items for as long as it lasts. */
export function append<T>(list: T[], v: T): T[] {
  if (list.length === 0) return [v];
  if (list.length < 8) return list.concat([v]);
  list.push(v);
  return list;
}

function protocolNumber(t: Transport): number {
  return t === 'udp' ? 17 : t === 'sctp' ? 132 : 6; // WebSocket runs over TCP
}

/** Its fields are declared here and set by reset(), which the constructor calls: a dialog object
 *  used again (tracker.ts spare) starts as a new one does. */
export class Dialog implements Listed<Dialog> {
  callId!: string;
  prev!: Dialog | null;
  next!: Dialog | null;
  list!: ActivityList<Dialog> | null;
  /** capture seconds of the last activity (SIP message, or RTP found when it looked idle) */
  last!: number;
  collected!: boolean;
  dueAt!: number;
  dueCause!: ExportCause;

  kind!: 'call' | 'dialog';
  /** the method of the request that began it (INVITE, REGISTER, OPTIONS …) */
  method!: string;
  isRegister!: boolean;
  windowKind!: number;
  windowGen!: number;
  /** its entry in the windows' heap while one is pending */
  window!: WindowEntry<Dialog> | null;

  callerTags!: string[];
  /** SPEC §9: 1 for the Call-ID's first leg, 2… */
  leg!: number;
  /** the From-tag of the leg's first initial INVITE (of its first message for other dialogs) */
  fromTag!: string;
  /** capture seconds of a 401/407 that ended the setup, null once the leg sends an INVITE again */
  challengedAt!: number | null;
  isOpen!: boolean;
  /** order of creation (names a group after its earliest leg when times are equal) */
  seq!: number;
  /** SPEC §9: its correlation headers' keys and its group, null while it has none */
  ties!: Ties | null;
  /** SPEC §9: the SDP o= values whose keys it holds (its last two: an offer's and an answer's),
   *  each with the key's hash, when it was last seen and who first sent it on this leg; fields,
   *  not objects: every call has them */
  oKey0!: string | null;
  oHash0!: number;
  oAt0!: number;
  oSrc0!: string;
  oPort0!: number;
  oKey1!: string | null;
  oHash1!: number;
  oAt1!: number;
  oSrc1!: string;
  oPort1!: number;
  initialCseqs!: number[];
  setupCseq!: number;
  setupCode!: number;
  answered!: boolean;
  provisional!: boolean;

  /** Its times below are copies in objects of its own, not the messages' time objects: those
   *  then die young, and a reused dialog's (tracker.ts spare) are already in the old generation.
   *  Kept by reset(); a record gets copies (toRecord). */
  clock!: Timestamp[];
  inviteTs!: Timestamp | null;
  tryingTs!: Timestamp | null;
  ringingTs!: Timestamp | null;
  okTs!: Timestamp | null;
  failTs!: Timestamp | null;
  byeTs!: Timestamp | null;
  byeOkTs!: Timestamp | null;
  cancelTs!: Timestamp | null;
  cancelOkTs!: Timestamp | null;

  calling!: string;
  called!: string;
  codecs!: string[];
  cips!: string[];
  cipBytes!: number;
  cipFull!: boolean;
  rtpSrcSet!: boolean;
  rtpSrcAddr!: string | null;
  rtpSrcPort!: number;
  rtpDstSet!: boolean;
  rtpDstAddr!: string | null;
  rtpDstPort!: number;
  uac!: string | null;
  uasUa!: string | null;
  uasServer!: string | null;
  /** Q.850 causes from a BYE/CANCEL and from the setup's final response, with the Reason header
   *  (as written) each came from and the message number that carried it */
  causeBC!: number;
  causeBCOrder!: number;
  causeBCText!: string | null;
  causeFinal!: number;
  causeFinalOrder!: number;
  causeFinalText!: string | null;
  /** without any Q.850 cause: the first Reason header of such a message (e.g. `SIP;cause=200`) */
  plainReason!: string | null;
  plainReasonFromFinal!: boolean;

  ipVersion!: 4 | 6;
  src!: string;
  dst!: string;
  sport!: number;
  dport!: number;
  protocol!: number;
  firstTs!: Timestamp;
  lastTs!: Timestamp;
  messages!: number;
  packets!: number;
  bytes!: number;
  retransmissions!: number;
  duplicates!: number;

  /** its retransmission signatures (Retransmissions' pool) */
  sigHead!: number;
  sigTail!: number;
  /** SDP endpoints registered with MediaHooks */
  media!: Announced[] | null;
  /** payload types the dialog's SDPs offered for RTP (SPEC §8 unexpected-payload) */
  offered!: string[];
  /** directions an SDP put on hold at some point: HELD_UP (caller → callee), HELD_DOWN */
  held!: number;
  ladder!: LadderEntry[] | null;

  constructor(callId: string, kind: 'call' | 'dialog', method: string, last: number, ts: Timestamp) {
    this.clock = Array.from({ length: CLOCK_SIZE }, () => ({ sec: 0, nsec: 0, digits: 6 }));
    this.reset(callId, kind, method, last, ts);
  }

  /** t copied into its time object i (T_…), which it returns */
  time(i: number, t: Timestamp): Timestamp {
    const o = this.clock[i];
    o.sec = t.sec;
    o.nsec = t.nsec;
    o.digits = t.digits;
    return o;
  }

  /** Make it a new dialog, as the constructor does. The tracker reuses the objects of exported
   *  dialogs (tracker.ts spare): it resets them as they are exported, so that they keep nothing
   *  of their call while they wait, and again when they are taken. */
  reset(callId: string, kind: 'call' | 'dialog', method: string, last: number, ts: Timestamp): void {
    this.callId = callId;
    this.prev = null;
    this.next = null;
    this.list = null;
    this.last = last;
    this.collected = false;
    this.dueAt = 0;
    this.dueCause = 'end';
    this.kind = kind;
    this.method = method;
    this.isRegister = false;
    this.windowKind = W_NONE;
    this.windowGen = 0;
    this.window = null;
    this.callerTags = [];
    this.leg = 1;
    this.fromTag = '';
    this.challengedAt = null;
    this.isOpen = false;
    this.seq = 0;
    this.ties = null;
    this.oKey0 = null;
    this.oHash0 = 0;
    this.oAt0 = 0;
    this.oSrc0 = '';
    this.oPort0 = 0;
    this.oKey1 = null;
    this.oHash1 = 0;
    this.oAt1 = 0;
    this.oSrc1 = '';
    this.oPort1 = 0;
    this.initialCseqs = [];
    this.setupCseq = 0;
    this.setupCode = 0;
    this.answered = false;
    this.provisional = false;
    this.inviteTs = null;
    this.tryingTs = null;
    this.ringingTs = null;
    this.okTs = null;
    this.failTs = null;
    this.byeTs = null;
    this.byeOkTs = null;
    this.cancelTs = null;
    this.cancelOkTs = null;
    this.calling = '';
    this.called = '';
    this.codecs = [];
    this.cips = [];
    this.cipBytes = 0;
    this.cipFull = false;
    this.rtpSrcSet = false;
    this.rtpSrcAddr = null;
    this.rtpSrcPort = 0;
    this.rtpDstSet = false;
    this.rtpDstAddr = null;
    this.rtpDstPort = 0;
    this.uac = null;
    this.uasUa = null;
    this.uasServer = null;
    this.causeBC = 0;
    this.causeBCOrder = 0;
    this.causeBCText = null;
    this.causeFinal = 0;
    this.causeFinalOrder = 0;
    this.causeFinalText = null;
    this.plainReason = null;
    this.plainReasonFromFinal = false;
    this.ipVersion = 4;
    this.src = '';
    this.dst = '';
    this.sport = 0;
    this.dport = 0;
    this.protocol = 17;
    this.firstTs = this.time(T_FIRST, ts);
    this.lastTs = this.time(T_LAST, ts);
    this.messages = 0;
    this.packets = 0;
    this.bytes = 0;
    this.retransmissions = 0;
    this.duplicates = 0;
    this.sigHead = -1;
    this.sigTail = -1;
    this.media = null;
    this.offered = [];
    this.held = 0;
    this.ladder = null;
  }

  setFlow(m: SipMessage): void {
    // source = the side that sent the request (a response travels the other way)
    this.ipVersion = m.ipVersion;
    this.src = m.isRequest ? m.src : m.dst;
    this.dst = m.isRequest ? m.dst : m.src;
    this.sport = m.isRequest ? m.sport : m.dport;
    this.dport = m.isRequest ? m.dport : m.sport;
    this.protocol = protocolNumber(m.transport);
  }

  takeCause(m: SipMessage, finalResponse: boolean): void {
    if (m.reasonHeaders.length === 0 || (finalResponse ? this.causeFinal !== 0 : this.causeBC !== 0)) return;
    for (const h of m.reasonHeaders) {
      for (const r of splitList(h)) {
        const c = q850Cause(r);
        if (c === 0) continue;
        if (finalResponse) {
          this.causeFinal = c;
          this.causeFinalOrder = this.messages;
          this.causeFinalText = ownText(h);
        } else {
          this.causeBC = c;
          this.causeBCOrder = this.messages;
          this.causeBCText = ownText(h);
        }
        return;
      }
    }
    if (this.plainReason === null) {
      this.plainReason = ownText(m.reasonHeaders[0]);
      this.plainReasonFromFinal = finalResponse;
    }
  }

  takeSdp(sdp: Sdp, fromCaller: boolean, hooks: MediaHooks | undefined): void {
    for (const c of sdp.connections) this.addCip(stripTtl(c));
    let audioDone = false;
    for (const md of sdp.media) {
      const addrRaw = md.connection ?? sdp.connection;
      const addr = addrRaw === null ? null : stripTtl(addrRaw);
      const rtp = isRtpProto(md.proto);
      if (rtp) {
        for (const pt of md.formats) {
          const name = payloadName(md, pt);
          if (name === '' || eqIgnoreCase(name, 'telephone-event') || eqIgnoreCase(name, 'CN')) continue;
          if (!hasIgnoreCase(this.codecs, name)) this.codecs = append(this.codecs, name);
        }
      }
      const audio = eqIgnoreCase(md.media, 'audio');
      if (!audioDone && audio) {
        audioDone = true;
        if (fromCaller) {
          if (!this.rtpSrcSet) {
            this.rtpSrcSet = true;
            this.rtpSrcAddr = addr;
            this.rtpSrcPort = md.port;
          }
        } else if (!this.rtpDstSet) {
          this.rtpDstSet = true;
          this.rtpDstAddr = addr;
          this.rtpDstPort = md.port;
        }
      }
      if (!rtp || !(audio || eqIgnoreCase(md.media, 'video'))) continue;
      for (const pt of md.formats) if (!this.offered.includes(pt)) this.offered = append(this.offered, pt);
      if (audio)
        this.noteHold(md.direction ?? sdp.direction ?? 'sendrecv', md.port === 0 || addr === null || isUnspecified(addr), fromCaller);
      if (md.port !== 0 && addr !== null && hooks !== undefined && isIpLiteral(addr) && !isUnspecified(addr)) {
        this.watch(hooks, addr, md.port, fromCaller, md);
      }
    }
  }

  /** An SDP of one side that stops a direction: it will not send (recvonly, inactive) or not
   *  receive (sendonly, inactive, no address or port). */
  private noteHold(dir: SdpDirection, nowhere: boolean, fromCaller: boolean): void {
    const wontSend = dir === 'recvonly' || dir === 'inactive';
    const wontReceive = nowhere || dir === 'sendonly' || dir === 'inactive';
    if (wontSend) this.held |= fromCaller ? HELD_UP : HELD_DOWN;
    if (wontReceive) this.held |= fromCaller ? HELD_DOWN : HELD_UP;
  }

  addCip(a: string): void {
    if (this.cipFull || a === '' || this.cips.includes(a)) return;
    const add = utf8Length(a) + (this.cips.length > 0 ? 1 : 0);
    if (this.cipBytes + add > C_IP_MAX) {
      // cut at a comma: the list is a prefix that fits, later addresses are left out
      this.cipFull = true;
      return;
    }
    this.cips = append(this.cips, a);
    this.cipBytes += add;
  }

  watch(hooks: MediaHooks, addr: string, port: number, fromCaller: boolean, md: SdpMedia): void {
    if (this.media === null) this.media = [];
    const w = this.media;
    for (let i = 0; i < w.length; i++) {
      if (w[i].port === port && w[i].addr === addr) {
        w[i].rtpmap = md.rtpmap; // a later SDP may map its payload types anew
        return;
      }
    }
    const rtcpPort = md.rtcpMux ? 0 : (md.rtcpPort ?? port + 1);
    const rtcpId = hooks.watchRtcp && rtcpPort > 0 && rtcpPort <= 65535 ? hooks.watchRtcp(addr, rtcpPort) : -1;
    w.push({ addr, port, id: hooks.watch(addr, port), rtcpId, fromCaller, rtpmap: md.rtpmap });
  }

  rtpLast(hooks: MediaHooks | undefined): number {
    if (this.media === null || hooks === undefined) return 0;
    let last = 0;
    for (const w of this.media) {
      const s = hooks.lastSeen(w.id);
      if (s > last) last = s;
    }
    return last;
  }
}
