// Retransmissions and duplicates (SPEC §1, docs/DECISIONS.md): a message is new, a
// retransmission (same transaction identity and hop within 32 s) or an exact duplicate (the same
// bytes within 1 ms, on any hop: the same length and the same 32-bit hash the core made of them).

import type { SipMessage } from '../events.ts';
import { WINDOW } from './timers.ts';
import { append } from './dialog.ts';

const DUP_WINDOW = 0.001;
/** most messages remembered for the exact-duplicate check (only those of the last 1 ms) */
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
  /** length and hash of the latest copy's bytes */
  len: number;
  hash: number;
}

/** The signatures of one dialog's recent transmissions, and the run's 1 ms ring of copies. */
export class Retransmissions {
  // The duplicate ring: length and hash of the bytes of the messages of the last 1 ms, so an exact
  // copy on another hop is known without keeping any bytes.
  private readonly ringLen = new Uint32Array(DUP_RING);
  private readonly ringHash = new Uint32Array(DUP_RING);
  private readonly ringT = new Float64Array(DUP_RING);
  private ringHead = 0;
  private ringCount = 0;

  /** Classify m (at capture seconds t) against its dialog's signatures, and remember it. */
  classify(d: { sigs: Sig[] }, m: SipMessage, t: number): Repeat {
    const len = m.rawLen;
    const hash = m.rawHash;
    this.ringExpire(t);
    // an exact copy within 1 ms is a duplicate whatever its addresses (a tap on both sides of a
    // NAT, bonded interfaces): identical bytes already mean the same Call-ID, CSeq and tags. Its
    // own hop is still recorded below, so a later copy on that hop is known too.
    let copy = false;
    for (let k = 0; k < this.ringCount && !copy; k++) {
      const i = (this.ringHead + k) % DUP_RING;
      copy = this.ringHash[i] === hash && this.ringLen[i] === len;
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
        const dup = t - s.last <= DUP_WINDOW && s.len === len && s.hash === hash;
        if (t > s.last) s.last = t;
        s.len = len;
        s.hash = hash;
        this.ringPut(len, hash, t);
        return dup || copy ? DUPLICATE : RETRANSMISSION;
      }
    }
    if (stale > 8) d.sigs = sigs.filter((s) => t - s.first <= WINDOW);
    d.sigs = append(d.sigs, {
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
      len,
      hash,
    });
    this.ringPut(len, hash, t);
    return copy ? DUPLICATE : NEW;
  }

  /** Forget the ring (end of input). */
  clear(): void {
    this.ringCount = 0;
  }

  private ringPut(len: number, hash: number, t: number): void {
    if (this.ringCount === DUP_RING) this.ringDrop();
    const i = (this.ringHead + this.ringCount) % DUP_RING;
    this.ringLen[i] = len;
    this.ringHash[i] = hash;
    this.ringT[i] = t;
    this.ringCount++;
  }

  private ringExpire(t: number): void {
    while (this.ringCount > 0 && this.ringT[this.ringHead] < t - DUP_WINDOW) this.ringDrop();
  }

  private ringDrop(): void {
    this.ringHead = (this.ringHead + 1) % DUP_RING;
    this.ringCount--;
  }
}
