// One dialog as the tracker holds it while it is open: its timers' links, what its messages
// said so far (times, parties, SDP, causes, user agents) and its signalling flow.

import type { Sdp, SdpDirection, SdpMedia, SipMessage, Transport } from '../events.ts';
import type { ExportCause, LadderEntry } from '../record.ts';
import type { Timestamp } from '../time.ts';
import { sipField } from '../output/fields.ts';
import { eqIgnoreCase, hasIgnoreCase, q850Cause, splitList, utf8Length } from '../header-values.ts';
import { isIpLiteral, isRtpProto, isUnspecified, payloadName, stripTtl } from '../sdp-values.ts';
import type { MediaHooks } from './api.ts';
import type { Ties } from './correlation.ts';
import { W_NONE, type ActivityList, type Listed, type WindowEntry } from './timers.ts';

const C_IP_MAX = sipField('SIP_C_IP').maxLength;

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

export class Dialog implements Listed<Dialog> {
  prev: Dialog | null = null;
  next: Dialog | null = null;
  list: ActivityList<Dialog> | null = null;
  /** capture seconds of the last activity (SIP message, or RTP found when it looked idle) */
  last: number;
  collected = false;
  dueAt = 0;
  dueCause: ExportCause = 'end';

  kind: 'call' | 'dialog';
  /** the method of the request that began it (INVITE, REGISTER, OPTIONS …) */
  readonly method: string;
  isRegister = false;
  windowKind = W_NONE;
  windowGen = 0;
  /** its entry in the windows' heap while one is pending */
  window: WindowEntry<Dialog> | null = null;

  callerTags: string[] = [];
  /** SPEC §9: 1 for the Call-ID's first leg, 2… */
  leg = 1;
  /** the From-tag of the leg's first initial INVITE (of its first message for other dialogs) */
  fromTag = '';
  /** capture seconds of a 401/407 that ended the setup, null once the leg sends an INVITE again */
  challengedAt: number | null = null;
  isOpen = false;
  /** order of creation (names a group after its earliest leg when times are equal) */
  seq = 0;
  /** SPEC §9: its correlation headers' keys and its group, null while it has none */
  ties: Ties | null = null;
  /** SPEC §9: the SDP o= values whose keys it holds (its last two: an offer's and an answer's),
   *  each with the key's hash, when it was last seen and who first sent it on this leg; fields,
   *  not objects: every call has them */
  oKey0: string | null = null;
  oHash0 = 0;
  oAt0 = 0;
  oSrc0 = '';
  oPort0 = 0;
  oKey1: string | null = null;
  oHash1 = 0;
  oAt1 = 0;
  oSrc1 = '';
  oPort1 = 0;
  initialCseqs: number[] = [];
  setupCseq = 0;
  setupCode = 0;
  answered = false;
  provisional = false;

  inviteTs: Timestamp | null = null;
  tryingTs: Timestamp | null = null;
  ringingTs: Timestamp | null = null;
  okTs: Timestamp | null = null;
  failTs: Timestamp | null = null;
  byeTs: Timestamp | null = null;
  byeOkTs: Timestamp | null = null;
  cancelTs: Timestamp | null = null;
  cancelOkTs: Timestamp | null = null;

  calling = '';
  called = '';
  codecs: string[] = [];
  cips: string[] = [];
  cipBytes = 0;
  cipFull = false;
  rtpSrcSet = false;
  rtpSrcAddr: string | null = null;
  rtpSrcPort = 0;
  rtpDstSet = false;
  rtpDstAddr: string | null = null;
  rtpDstPort = 0;
  uac: string | null = null;
  uasUa: string | null = null;
  uasServer: string | null = null;
  /** Q.850 causes from a BYE/CANCEL and from the setup's final response, with the Reason header
   *  (as written) each came from and the message number that carried it */
  causeBC = 0;
  causeBCOrder = 0;
  causeBCText: string | null = null;
  causeFinal = 0;
  causeFinalOrder = 0;
  causeFinalText: string | null = null;
  /** without any Q.850 cause: the first Reason header of such a message (e.g. `SIP;cause=200`) */
  plainReason: string | null = null;
  plainReasonFromFinal = false;

  ipVersion: 4 | 6 = 4;
  src = '';
  dst = '';
  sport = 0;
  dport = 0;
  protocol = 17;
  firstTs: Timestamp;
  lastTs: Timestamp;
  messages = 0;
  packets = 0;
  bytes = 0;
  retransmissions = 0;
  duplicates = 0;

  /** its retransmission signatures (Retransmissions' pool) */
  sigHead = -1;
  sigTail = -1;
  /** SDP endpoints registered with MediaHooks */
  media: Announced[] | null = null;
  /** payload types the dialog's SDPs offered for RTP (SPEC §8 unexpected-payload) */
  offered: string[] = [];
  /** directions an SDP put on hold at some point: HELD_UP (caller → callee), HELD_DOWN */
  held = 0;
  ladder: LadderEntry[] | null = null;

  constructor(
    readonly callId: string,
    kind: 'call' | 'dialog',
    m: SipMessage,
    last: number,
  ) {
    this.kind = kind;
    this.method = m.isRequest ? m.method : m.cseqMethod;
    this.last = last;
    this.firstTs = m.ts;
    this.lastTs = m.ts;
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
          this.causeFinalText = h;
        } else {
          this.causeBC = c;
          this.causeBCOrder = this.messages;
          this.causeBCText = h;
        }
        return;
      }
    }
    if (this.plainReason === null) {
      this.plainReason = m.reasonHeaders[0];
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
