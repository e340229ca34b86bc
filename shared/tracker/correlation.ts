// The legs of one end-to-end call (SPEC §9): a B2BUA or SBC makes two or more SIP legs of one
// phone call. Legs are tied when they share the Call-ID, when one names the other's Call-ID in
// an X-CID header, when they carry the same RFC 7989 Session-ID UUID or P-Charging-Vector
// icid-value, or when the same SDP o= comes back from another signalling host within 10 s (SDP
// passed through). Ties are made only between open legs: a leg's keys go when it is exported,
// so memory follows the open-call table. Groups are a union-find over the tied legs.

import type { SipMessage } from '../events.ts';
import { CORRELATIONS, type Correlation } from '../record.ts';
import { tsSeconds } from '../time.ts';
import type { Dialog } from './dialog.ts';

/** Bits of Ties.reasons, in CORRELATIONS order. */
export const BY_CALL_ID = 1;
export const BY_X_CID = 2;
export const BY_SESSION_ID = 4;
export const BY_ICID = 8;
export const BY_SDP = 16;

/** SDP passed through shows up on the other leg at once; a same o= later is another session. */
export const SDP_WINDOW = 10;
/** Most legs in one group; a tie that would make it larger is refused and counted (a device
 *  that writes one constant key into every call must not chain a whole capture together). */
export const MAX_GROUP_LEGS = 64;
/** Most correlation keys one leg holds; more are counted and not kept. */
export const MAX_KEYS_PER_LEG = 8;

/** One end-to-end call: a union-find node named after its earliest leg. */
class Group {
  parent: Group | null = null;
  size = 1;
  constructor(
    public callId: string,
    public firstT: number,
    public seq: number,
  ) {}
}

function root(g: Group): Group {
  while (g.parent !== null) {
    if (g.parent.parent !== null) g.parent = g.parent.parent;
    g = g.parent;
  }
  return g;
}

/** What a leg that takes part in correlation holds (null on the many legs with no key). */
export class Ties {
  group: Group;
  reasons = 0;
  /** the keys it registered ("w:" X-CID waits, other prefixes in Correlator.keys) */
  keys: string[] = [];
  /** the header values last read, so a dialog's every message does not parse them again */
  xcid: string | null = null;
  sessionId: string | null = null;
  chargingVector: string | null = null;
  constructor(d: Dialog) {
    this.group = new Group(d.callId, tsSeconds(d.firstTs), d.seq);
  }
}

/** Who holds a key: the open legs that showed it (tied to each other; the first leg holds an
 *  SDP key alone), when it was last shown, and (SDP) the signalling endpoints that sent it on the
 *  first leg. */
interface Sighting {
  legs: Dialog[];
  at: number;
  from: string[];
}

/** Senders remembered per SDP key: caller, callee, and a couple of forks or proxies. */
const MAX_SENDERS = 4;

const NULL_UUID = '00000000000000000000000000000000';
const UUID = /^[0-9a-f]{32}$/;

/** The non-null UUIDs of a Session-ID value (RFC 7989 "local;remote=…", or RFC 7329's bare one). */
export function sessionUuids(v: string): string[] {
  const out: string[] = [];
  const parts = v.split(';');
  const local = parts[0].trim().toLowerCase();
  if (UUID.test(local) && local !== NULL_UUID) out.push(local);
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i].trim();
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'remote') continue;
    const r = p
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (UUID.test(r) && r !== NULL_UUID && r !== local) out.push(r);
  }
  return out;
}

/** The icid-value of a P-Charging-Vector (RFC 7315: token or quoted string), '' when none. */
export function icidValue(v: string): string {
  const m = /(?:^|;)\s*icid-value\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(v);
  return m === null ? '' : (m[1] ?? m[2]);
}

export class Correlator {
  private readonly keys = new Map<string, Sighting>();
  /** Call-IDs named by an X-CID header that no open leg has (yet): the legs that named them */
  private readonly waits = new Map<string, Dialog[]>();
  private seq = 0;
  /** ties refused because the group would pass MAX_GROUP_LEGS */
  groupFull = 0;
  /** keys not kept because a leg had MAX_KEYS_PER_LEG */
  keysDropped = 0;

  constructor(private readonly openLegs: (callId: string) => Dialog[] | undefined) {}

  /** A new call leg: tied to the open legs of its Call-ID and to the legs that named it. */
  added(d: Dialog, sameCallId: readonly Dialog[] | undefined): void {
    d.seq = ++this.seq;
    if (d.kind === 'call') this.tieToCallId(d, sameCallId);
  }

  /** A non-INVITE dialog turned call (all dialogs): its Call-ID's legs now count. */
  upgraded(d: Dialog): void {
    this.tieToCallId(d, this.openLegs(d.callId));
  }

  private tieToCallId(d: Dialog, same: readonly Dialog[] | undefined): void {
    if (same !== undefined) for (const o of same) if (o !== d && o.kind === 'call') this.tie(d, o, BY_CALL_ID);
    const w = this.waits.get(d.callId);
    if (w !== undefined) {
      this.waits.delete(d.callId);
      for (const o of w) if (o.isOpen) this.tie(o, d, BY_X_CID);
    }
  }

  /** The keys a message of call leg d carries (t: its capture seconds). */
  message(d: Dialog, m: SipMessage, t: number): void {
    const x = m.xCallId;
    const s = m.sessionId;
    const c = m.chargingVector;
    const o = m.sdp?.origin ?? null;
    if (x === null && s === null && c === null && o === null) return;
    if (d.kind !== 'call') return;
    const ties = (d.ties ??= new Ties(d));
    if (x !== null && x !== ties.xcid) {
      ties.xcid = x;
      this.xcid(d, ties, x);
    }
    if (s !== null && s !== ties.sessionId) {
      ties.sessionId = s;
      for (const u of sessionUuids(s)) this.sight(d, ties, `s:${u}`, BY_SESSION_ID, t, '');
    }
    if (c !== null && c !== ties.chargingVector) {
      ties.chargingVector = c;
      const icid = icidValue(c);
      if (icid !== '') this.sight(d, ties, `i:${icid}`, BY_ICID, t, '');
    }
    if (o !== null) this.sight(d, ties, `o:${o}`, BY_SDP, t, `${m.src} ${m.sport}`);
  }

  /** X-CID names the other leg's Call-ID: tie to its open legs, or wait for it. */
  private xcid(d: Dialog, ties: Ties, callId: string): void {
    if (callId === '' || callId === d.callId) return;
    const others = this.openLegs(callId);
    if (others !== undefined) {
      for (const o of others) if (o.kind === 'call') this.tie(d, o, BY_X_CID);
      return;
    }
    if (!this.keep(ties, `w:${callId}`)) return;
    const w = this.waits.get(callId);
    if (w === undefined) this.waits.set(callId, [d]);
    else w.push(d);
  }

  private sight(d: Dialog, ties: Ties, key: string, by: number, t: number, from: string): void {
    const s = this.keys.get(key);
    if (s === undefined) {
      if (this.keep(ties, key)) this.keys.set(key, { legs: [d], at: t, from: [from] });
      return;
    }
    if (s.legs.includes(d)) {
      s.at = t;
      if (s.legs[0] === d && !s.from.includes(from) && s.from.length < MAX_SENDERS) s.from.push(from);
      return;
    }
    if (by === BY_SDP) {
      // the same o= is a passed-through body only when a host that did not send it on the
      // holder's leg sends it soon after; otherwise (a phone or tester that writes the same o=
      // in every call) this leg takes the key over
      if (t - s.at > SDP_WINDOW || s.from.includes(from)) {
        if (!ties.keys.includes(key) && !this.keep(ties, key)) return;
        s.legs = [d];
        s.at = t;
        s.from = [from];
        return;
      }
      this.tie(d, s.legs[0], by);
      return;
    }
    // Session-ID, icid: every open leg that shows the key holds it, so the key outlives the
    // first of them (a third leg that comes after the first ended still ties to the second)
    if (!this.tie(d, s.legs[0], by) || !this.keep(ties, key)) return;
    s.legs.push(d);
  }

  /** Note that d holds key (false, counted, when it holds too many). */
  private keep(ties: Ties, key: string): boolean {
    if (ties.keys.length >= MAX_KEYS_PER_LEG) {
      this.keysDropped++;
      return false;
    }
    ties.keys.push(key);
    return true;
  }

  /** False when refused (the group would pass MAX_GROUP_LEGS). */
  private tie(a: Dialog, b: Dialog, by: number): boolean {
    if (a === b) return true;
    const ta = (a.ties ??= new Ties(a));
    const tb = (b.ties ??= new Ties(b));
    let ga = root(ta.group);
    let gb = root(tb.group);
    if (ga !== gb) {
      if (ga.size + gb.size > MAX_GROUP_LEGS) {
        this.groupFull++;
        return false;
      }
      if (ga.size < gb.size) [ga, gb] = [gb, ga];
      gb.parent = ga;
      ga.size += gb.size;
      // the group is named after its earliest leg
      if (gb.firstT < ga.firstT || (gb.firstT === ga.firstT && gb.seq < ga.seq)) {
        ga.callId = gb.callId;
        ga.firstT = gb.firstT;
        ga.seq = gb.seq;
      }
    }
    ta.group = ga;
    tb.group = ga;
    ta.reasons |= by;
    tb.reasons |= by;
    return true;
  }

  /** The leg is exported: its keys go (a later leg can no longer be tied to it). */
  removed(d: Dialog): void {
    const ties = d.ties;
    if (ties === null) return;
    for (const key of ties.keys) {
      if (key.startsWith('w:')) {
        const id = key.slice(2);
        const w = this.waits.get(id);
        if (w === undefined) continue;
        const i = w.indexOf(d);
        if (i >= 0) w.splice(i, 1);
        if (w.length === 0) this.waits.delete(id);
      } else {
        const s = this.keys.get(key);
        if (s === undefined) continue;
        const i = s.legs.indexOf(d);
        if (i < 0) continue;
        s.legs.splice(i, 1);
        if (s.legs.length === 0) this.keys.delete(key);
      }
    }
    ties.keys = [];
  }

  /** SPEC §9 callGroup: the Call-ID of the group's earliest leg (its own when alone). */
  static callGroup(d: Dialog): string {
    return d.ties === null ? d.callId : root(d.ties.group).callId;
  }

  /** SPEC §9 correlatedBy: why this leg is tied to others, in CORRELATIONS order. */
  static correlatedBy(d: Dialog): Correlation[] {
    const r = d.ties?.reasons ?? 0;
    const out: Correlation[] = [];
    for (let i = 0; i < CORRELATIONS.length; i++) if (r & (1 << i)) out.push(CORRELATIONS[i]);
    return out;
  }

  clear(): void {
    this.keys.clear();
    this.waits.clear();
  }
}
