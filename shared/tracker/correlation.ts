// The legs of one end-to-end call (SPEC §9): a B2BUA or SBC makes two or more SIP legs of one
// phone call. Legs are tied when they share the Call-ID, when one names the other's Call-ID in
// an X-CID header, when they carry the same RFC 7989 Session-ID UUID or P-Charging-Vector
// icid-value, or when the same SDP o= comes back from another signalling host within 10 s (SDP
// passed through). Ties are made only between open legs: a leg's keys go when it is exported,
// so memory follows the open-call table. Groups are a union-find over the tied legs.

import type { SipMessage } from '../events.ts';
import { CORRELATIONS, type Correlation } from '../record.ts';
import { ownText } from '../header-values.ts';
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

/** What a leg that takes part in correlation holds (null on legs with no key). */
export class Ties {
  /** its group, made at its first tie */
  group: Group | null = null;
  reasons = 0;
  /** the keys it holds, and the Call-IDs its X-CID waits for */
  held: Sighting[] = [];
  waits: string[] | null = null;
  /** the header values last read, so a dialog's every message does not parse them again */
  xcid: string | null = null;
  sessionId: string | null = null;
  chargingVector: string | null = null;
}

function groupOf(d: Dialog, ties: Ties): Group {
  if (ties.group === null) ties.group = new Group(d.callId, tsSeconds(d.firstTs), d.seq);
  return root(ties.group);
}

/** Kinds of header key, each in its own map (Correlator.keys). */
const K_SESSION = 0;
const K_ICID = 1;

/** Who holds a Session-ID or icid key: the open leg that first showed it and the others tied to
 *  it that showed it too (no array while it is one). */
class Sighting {
  more: Dialog[] | null = null;
  constructor(
    public readonly key: string,
    public readonly kind: number,
    public d: Dialog,
  ) {}

  holds(d: Dialog): boolean {
    return this.d === d || (this.more?.includes(d) ?? false);
  }
}

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

/** The SPEC §9 key of an o= value: "sess-id address" (username and version may differ between
 *  legs), null when it does not have six fields. */
export function originKey(v: string): string | null {
  const w = v.split(/[ \t]+/);
  return w.length >= 6 ? `${w[1]} ${w[5]}` : null;
}

/** FNV-1a over o= `v`'s session id and address, 30 bits (a small integer: the cheapest Map key),
 *  read in place; -1 when the value is not six single-space-separated fields (then its key is
 *  hashed instead). */
export function originHash(v: string): number {
  const s1 = v.indexOf(' ');
  const s2 = s1 < 0 ? -1 : v.indexOf(' ', s1 + 1);
  const last = v.lastIndexOf(' ');
  let spaces = 0;
  for (let i = s1; i >= 0 && spaces < 6; i = v.indexOf(' ', i + 1)) spaces++;
  if (spaces !== 5 || s2 < 0 || v.indexOf('\t') >= 0) {
    const key = originKey(v);
    return key === null ? -1 : hashOf(key, 0, key.length, 0x811c9dc5) & 0x3fffffff;
  }
  const h = hashOf(v, s1 + 1, s2, 0x811c9dc5);
  return hashOf(v, last, v.length, h) & 0x3fffffff;
}

function hashOf(s: string, from: number, to: number, h: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** correlatedBy of a leg tied to none (one frozen array for the many lone calls) */
const ALONE = Object.freeze([]) as unknown as Correlation[];

export class Correlator {
  private readonly keys: Map<string, Sighting>[] = [new Map(), new Map()];
  /** SDP o= keys ("sess-id address") by their hash, and the open leg that holds each (its oKey
   *  fields say which key, when and from whom): every call carries two, so they are small-integer
   *  keys and no object is made for them */
  private readonly origins = new Map<number, Dialog>();
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
    const w = this.waits.size === 0 ? undefined : this.waits.get(d.callId);
    if (w !== undefined) {
      this.waits.delete(d.callId);
      for (const o of w) {
        // the wait is over: it no longer takes one of the leg's key places
        const list = o.ties?.waits;
        const at = list ? list.indexOf(d.callId) : -1;
        if (at >= 0) list!.splice(at, 1);
        if (o.isOpen) this.tie(o, d, BY_X_CID);
      }
    }
  }

  /** The keys a message of call leg d carries (t: its capture seconds). */
  message(d: Dialog, m: SipMessage, t: number): void {
    const x = m.xCallId;
    const s = m.sessionId;
    const c = m.chargingVector;
    const o = m.sdp?.origin ?? null;
    if (d.kind !== 'call') return;
    if (o !== null) this.origin(d, o, t, m);
    if (x === null && s === null && c === null) return;
    const ties = (d.ties ??= new Ties());
    // what is kept is copied (header-values.ts ownText): the values are views of the message
    if (x !== null && x !== ties.xcid) {
      ties.xcid = ownText(x);
      this.xcid(d, ties, ties.xcid);
    }
    if (s !== null && s !== ties.sessionId) {
      ties.sessionId = ownText(s);
      for (const u of sessionUuids(s)) this.sight(d, ties, u, K_SESSION);
    }
    if (c !== null && c !== ties.chargingVector) {
      ties.chargingVector = ownText(c);
      const icid = icidValue(c);
      if (icid !== '') this.sight(d, ties, icid, K_ICID);
    }
  }

  /** X-CID names the other leg's Call-ID: tie to its open legs, or wait for it. */
  private xcid(d: Dialog, ties: Ties, callId: string): void {
    if (callId === '' || callId === d.callId) return;
    const others = this.openLegs(callId);
    if (others !== undefined) {
      for (const o of others) if (o.kind === 'call') this.tie(d, o, BY_X_CID);
      return;
    }
    if (ties.waits?.includes(callId) || !this.room(ties)) return;
    (ties.waits ??= []).push(callId);
    const w = this.waits.get(callId);
    if (w === undefined) this.waits.set(callId, [d]);
    else w.push(d);
  }

  /** A Session-ID UUID or an icid-value that d carries. */
  private sight(d: Dialog, ties: Ties, key: string, kind: number): void {
    const map = this.keys[kind];
    const s = map.get(key);
    if (s === undefined) {
      if (!this.room(ties)) return;
      const own = ownText(key);
      const n = new Sighting(own, kind, d);
      map.set(own, n);
      ties.held.push(n);
      return;
    }
    if (s.holds(d)) return;
    // Session-ID, icid: every open leg that shows the key holds it, so the key outlives the
    // first of them (a third leg that comes after the first ended still ties to the second)
    if (!this.tie(d, s.d, kind === K_SESSION ? BY_SESSION_ID : BY_ICID) || !this.room(ties)) return;
    ties.held.push(s);
    (s.more ??= []).push(d);
  }

  /** An SDP o= key in a message of d. The same o= on another leg is a passed-through body only
   *  when it comes within 10 s of the holder's last sighting from a signalling endpoint other
   *  than the one that first sent it on the holder's leg; otherwise (a phone or tester that
   *  writes the same o= in every call) this leg takes the key over. */
  private origin(d: Dialog, v: string, t: number, m: SipMessage): void {
    const hash = originHash(v);
    if (hash < 0) return;
    // a key d holds itself is its own sighting, even when a later leg took the map's entry over
    // (otherwise the callee's answer with the caller's o=, as SIPp writes it, would tie d to the
    // next call of the same phone)
    if (d.oKey0 !== null && d.oHash0 === hash) {
      d.oAt0 = t;
      return;
    }
    if (d.oKey1 !== null && d.oHash1 === hash) {
      d.oAt1 = t;
      return;
    }
    const h = this.origins.get(hash);
    // another leg's: compared whole (a different key of the same hash is not a tie; d takes
    // the entry)
    if (h !== undefined) {
      const first = h.oHash0 === hash;
      const key = originKey(v);
      if (key !== null && key === originKey((first ? h.oKey0 : h.oKey1) ?? '')) {
        const at = first ? h.oAt0 : h.oAt1;
        const same = first ? h.oSrc0 === m.src && h.oPort0 === m.sport : h.oSrc1 === m.src && h.oPort1 === m.sport;
        if (t - at <= SDP_WINDOW && !same) {
          this.tie(d, h, BY_SDP);
          return;
        }
      }
    }
    // d holds it now, in a free slot or in place of its older one
    if (d.oKey0 !== null && d.oHash0 !== hash && d.oKey1 !== null && d.oHash1 !== hash) {
      if (this.origins.get(d.oHash0) === d) this.origins.delete(d.oHash0);
      d.oKey0 = d.oKey1;
      d.oHash0 = d.oHash1;
      d.oAt0 = d.oAt1;
      d.oSrc0 = d.oSrc1;
      d.oPort0 = d.oPort1;
      d.oKey1 = null;
    }
    if (d.oKey0 === null || d.oHash0 === hash) {
      d.oKey0 = v;
      d.oHash0 = hash;
      d.oAt0 = t;
      d.oSrc0 = m.src;
      d.oPort0 = m.sport;
    } else {
      d.oKey1 = v;
      d.oHash1 = hash;
      d.oAt1 = t;
      d.oSrc1 = m.src;
      d.oPort1 = m.sport;
    }
    this.origins.set(hash, d);
  }

  /** Whether d may hold one more key (false, counted, when it holds MAX_KEYS_PER_LEG). */
  private room(ties: Ties): boolean {
    if (ties.held.length + (ties.waits?.length ?? 0) < MAX_KEYS_PER_LEG) return true;
    this.keysDropped++;
    return false;
  }

  /** False when refused (the group would pass MAX_GROUP_LEGS). */
  private tie(a: Dialog, b: Dialog, by: number): boolean {
    if (a === b) return true;
    const ta = (a.ties ??= new Ties());
    const tb = (b.ties ??= new Ties());
    let ga = groupOf(a, ta);
    let gb = groupOf(b, tb);
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
    if (d.oKey0 !== null && this.origins.get(d.oHash0) === d) this.origins.delete(d.oHash0);
    if (d.oKey1 !== null && this.origins.get(d.oHash1) === d) this.origins.delete(d.oHash1);
    const ties = d.ties;
    if (ties === null) return;
    if (ties.waits !== null) {
      for (const id of ties.waits) {
        const w = this.waits.get(id);
        if (w === undefined) continue;
        const i = w.indexOf(d);
        if (i >= 0) w.splice(i, 1);
        if (w.length === 0) this.waits.delete(id);
      }
      ties.waits = null;
    }
    for (const s of ties.held) {
      if (!s.holds(d)) continue;
      if (s.d === d) {
        // the next leg that showed it holds it now
        const next = s.more?.shift();
        if (next === undefined) this.keys[s.kind].delete(s.key);
        else s.d = next;
      } else s.more!.splice(s.more!.indexOf(d), 1);
    }
    ties.held.length = 0;
  }

  /** SPEC §9 callGroup: the Call-ID of the group's earliest leg (its own when alone). */
  static callGroup(d: Dialog): string {
    const g = d.ties?.group ?? null;
    return g === null ? d.callId : root(g).callId;
  }

  /** Which group of its name d is in (see CallRecord.groupSeq). */
  static groupSeq(d: Dialog): number {
    const g = d.ties?.group ?? null;
    return g === null ? d.seq : root(g).seq;
  }

  /** SPEC §9 correlatedBy: why this leg is tied to others, in CORRELATIONS order. */
  static correlatedBy(d: Dialog): Correlation[] {
    const r = d.ties?.reasons ?? 0;
    if (r === 0) return ALONE;
    const out: Correlation[] = [];
    for (let i = 0; i < CORRELATIONS.length; i++) if (r & (1 << i)) out.push(CORRELATIONS[i]);
    return out;
  }

  /** Entries of its maps: SDP o= keys, Session-ID and icid keys, Call-IDs awaited by X-CID. */
  tables(): Record<string, number> {
    return { origins: this.origins.size, headerKeys: this.keys[0].size + this.keys[1].size, xcidWaits: this.waits.size };
  }

  clear(): void {
    for (const k of this.keys) k.clear();
    this.origins.clear();
    this.waits.clear();
  }
}
