// Retransmissions and duplicates (SPEC §1, docs/DECISIONS.md): a message is new, a
// retransmission (same transaction identity and hop within 32 s) or an exact duplicate (the same
// bytes within 1 ms, on any hop).

import type { SipMessage } from '../events.ts';
import { WINDOW } from './timers.ts';

const DUP_WINDOW = 0.001;
/** most messages whose bytes are held for the exact-duplicate check (only those of the last 1 ms) */
const DUP_RING = 256;

export const NEW = 0;
export const RETRANSMISSION = 1;
export const DUPLICATE = 2;
export type Repeat = typeof NEW | typeof RETRANSMISSION | typeof DUPLICATE;

/** What identifies one transmission of a message on one hop. */
export interface Sig {
  isRequest: boolean;
  method: string;
  status: number;
  cseq: number;
  cseqMethod: string;
  toTag: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  first: number;
  last: number;
  len: number;
  /** bytes of the latest copy while it is in the 1 ms duplicate ring, else null */
  raw: Uint8Array | null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The signatures of one dialog's recent transmissions, and the run's 1 ms ring of bytes. */
export class Retransmissions {
  // The duplicate ring: bytes of the messages of the last 1 ms, so an exact copy can be compared
  // byte for byte without hashing every message or keeping bytes longer than that.
  private readonly ringSig: (Sig | null)[] = new Array(DUP_RING).fill(null);
  private readonly ringRaw: (Uint8Array | null)[] = new Array(DUP_RING).fill(null);
  private readonly ringT = new Float64Array(DUP_RING);
  private ringHead = 0;
  private ringCount = 0;

  /** Classify m (at capture seconds t) against its dialog's signatures, and remember it. */
  classify(d: { sigs: Sig[] }, m: SipMessage, t: number): Repeat {
    const raw = m.raw;
    this.ringExpire(t);
    // an exact copy within 1 ms is a duplicate whatever its addresses (a tap on both sides of a
    // NAT, bonded interfaces): identical bytes already mean the same Call-ID, CSeq and tags. Its
    // own hop is still recorded below, so a later copy on that hop is known too.
    let copy = false;
    for (let k = 0; k < this.ringCount && !copy; k++) {
      const r = this.ringRaw[(this.ringHead + k) % DUP_RING];
      copy = r !== null && r.length === raw.length && sameBytes(r, raw);
    }
    const sigs = d.sigs;
    let stale = 0;
    for (let i = 0; i < sigs.length; i++) {
      const s = sigs[i];
      if (t - s.first > WINDOW) {
        stale++;
        continue;
      }
      if (
        s.cseq === m.cseq &&
        s.isRequest === m.isRequest &&
        s.status === m.status &&
        s.method === m.method &&
        s.cseqMethod === m.cseqMethod &&
        s.toTag === m.toTag &&
        s.sport === m.sport &&
        s.dport === m.dport &&
        s.src === m.src &&
        s.dst === m.dst
      ) {
        // Bytes are compared only for a copy within 1 ms; if the ring overflowed (over 256 messages
        // in 1 ms) the copy is taken as a duplicate: no SIP timer retransmits that fast.
        const dup = t - s.last <= DUP_WINDOW && s.len === raw.length && (s.raw === null || sameBytes(s.raw, raw));
        if (t > s.last) s.last = t;
        s.len = raw.length;
        this.ringPut(s, raw, t);
        return dup || copy ? DUPLICATE : RETRANSMISSION;
      }
    }
    if (stale > 8) d.sigs = sigs.filter((s) => t - s.first <= WINDOW);
    const s: Sig = {
      isRequest: m.isRequest,
      method: m.method,
      status: m.status,
      cseq: m.cseq,
      cseqMethod: m.cseqMethod,
      toTag: m.toTag,
      src: m.src,
      sport: m.sport,
      dst: m.dst,
      dport: m.dport,
      first: t,
      last: t,
      len: raw.length,
      raw: null,
    };
    d.sigs.push(s);
    this.ringPut(s, raw, t);
    return copy ? DUPLICATE : NEW;
  }

  /** Let go of every byte held (end of input). */
  clear(): void {
    while (this.ringCount > 0) this.ringDrop();
  }

  private ringPut(s: Sig, raw: Uint8Array, t: number): void {
    if (this.ringCount === DUP_RING) this.ringDrop();
    const i = (this.ringHead + this.ringCount) % DUP_RING;
    this.ringSig[i] = s;
    this.ringRaw[i] = raw;
    this.ringT[i] = t;
    this.ringCount++;
    s.raw = raw;
  }

  private ringExpire(t: number): void {
    while (this.ringCount > 0 && this.ringT[this.ringHead] < t - DUP_WINDOW) this.ringDrop();
  }

  private ringDrop(): void {
    const h = this.ringHead;
    const s = this.ringSig[h] as Sig;
    if (s.raw === this.ringRaw[h]) s.raw = null;
    this.ringSig[h] = null;
    this.ringRaw[h] = null;
    this.ringHead = (h + 1) % DUP_RING;
    this.ringCount--;
  }
}
