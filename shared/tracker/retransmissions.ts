// Retransmissions and duplicates (SPEC §1, docs/DECISIONS.md): a message is new, a
// retransmission (same transaction identity and hop within 32 s) or an exact duplicate (the same
// bytes within 1 ms, on any hop: the same length and the same 32-bit hash the core made of them).

import type { SipMessage } from '../events.ts';
import { ownText } from '../header-values.ts';
import { WINDOW } from './timers.ts';

const DUP_WINDOW = 0.001;
/** most messages remembered for the exact-duplicate check (only those of the last 1 ms) */
const DUP_RING = 256;

export const NEW = 0;
export const RETRANSMISSION = 1;
export const DUPLICATE = 2;
export type Repeat = typeof NEW | typeof RETRANSMISSION | typeof DUPLICATE;

/** The dialog's side of the signatures: the first and last of its list in the pool (-1: none),
 *  oldest first, as they are compared. */
export interface SigList {
  sigHead: number;
  sigTail: number;
}

/** The signatures of the dialogs' recent transmissions, and the run's 1 ms ring of copies.
 *  A signature is what identifies one transmission of a message on one hop (CSeq, method,
 *  status, To-tag, addresses and ports), with when it was first and last seen and the length
 *  and hash of its latest copy's bytes. They live in a pool of parallel arrays, numbers in
 *  typed arrays, each dialog's in a linked list: as objects, a call's seven were a quarter of
 *  what each open call kept alive for the garbage collector (docs/PROFILE.md). */
export class Retransmissions {
  // The duplicate ring: length and hash of the bytes of the messages of the last 1 ms, so an exact
  // copy on another hop is known without keeping any bytes.
  private readonly ringLen = new Uint32Array(DUP_RING);
  private readonly ringHash = new Uint32Array(DUP_RING);
  private readonly ringT = new Float64Array(DUP_RING);
  private ringHead = 0;
  private ringCount = 0;

  // the signature pool; a free entry is linked through `next` from `free`
  private next = new Int32Array(0);
  private first = new Float64Array(0);
  private last = new Float64Array(0);
  private cseq = new Float64Array(0);
  private len = new Uint32Array(0);
  private hash = new Uint32Array(0);
  /** isRequest + 2 × status */
  private kind = new Int32Array(0);
  /** sport << 16 | dport */
  private ports = new Uint32Array(0);
  private method: string[] = [];
  private cseqMethod: string[] = [];
  private toTag: string[] = [];
  private src: string[] = [];
  private dst: string[] = [];
  private free = -1;
  /** signatures held by dialogs now */
  size = 0;

  /** Classify m (at capture seconds t) against its dialog's signatures, and remember it. */
  classify(d: SigList, m: SipMessage, t: number): Repeat {
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
    const kind = (m.isRequest ? 1 : 0) + 2 * m.status;
    const ports = ((m.sport << 16) | m.dport) >>> 0;
    let stale = 0;
    for (let i = d.sigHead; i >= 0; i = this.next[i]) {
      if (t - this.first[i] > WINDOW) {
        stale++;
        continue;
      }
      if (
        this.cseq[i] === m.cseq &&
        this.kind[i] === kind &&
        this.method[i] === m.method &&
        this.cseqMethod[i] === m.cseqMethod &&
        this.toTag[i] === m.toTag &&
        this.ports[i] === ports &&
        this.src[i] === m.src &&
        this.dst[i] === m.dst
      ) {
        const dup = t - this.last[i] <= DUP_WINDOW && this.len[i] === len && this.hash[i] === hash;
        if (t > this.last[i]) this.last[i] = t;
        this.len[i] = len;
        this.hash[i] = hash;
        this.ringPut(len, hash, t);
        return dup || copy ? DUPLICATE : RETRANSMISSION;
      }
    }
    if (stale > 8) this.dropStale(d, t);
    const i = this.take();
    const before = d.sigTail;
    this.next[i] = -1;
    if (d.sigTail < 0) d.sigHead = i;
    else this.next[d.sigTail] = i;
    d.sigTail = i;
    this.first[i] = t;
    this.last[i] = t;
    this.cseq[i] = m.cseq;
    this.len[i] = len;
    this.hash[i] = hash;
    this.kind[i] = kind;
    this.ports[i] = ports;
    // A signature lives as long as its call: its texts are shared ones, not one string per
    // message (the method names are the engine's literals, header-values.ts methodName; the To-tag
    // is the one of the call's signature before it when it is the same) and never a view of the
    // message (header-values.ts ownText).
    this.method[i] = m.method;
    this.cseqMethod[i] = m.cseqMethod;
    const tagBefore = before >= 0 ? this.toTag[before] : '';
    this.toTag[i] = tagBefore === m.toTag ? tagBefore : ownText(m.toTag);
    this.src[i] = m.src;
    this.dst[i] = m.dst;
    this.ringPut(len, hash, t);
    return copy ? DUPLICATE : NEW;
  }

  /** The dialog is gone: its signatures go back to the pool. */
  release(d: SigList): void {
    let i = d.sigHead;
    while (i >= 0) {
      const n = this.next[i];
      this.put(i);
      i = n;
    }
    d.sigHead = -1;
    d.sigTail = -1;
  }

  /** Signatures older than the retransmission window can match nothing more. */
  private dropStale(d: SigList, t: number): void {
    let prev = -1;
    let i = d.sigHead;
    while (i >= 0) {
      const n = this.next[i];
      if (t - this.first[i] > WINDOW) {
        if (prev < 0) d.sigHead = n;
        else this.next[prev] = n;
        this.put(i);
      } else prev = i;
      i = n;
    }
    d.sigTail = prev;
  }

  private take(): number {
    if (this.free < 0) this.grow();
    const i = this.free;
    this.free = this.next[i];
    this.size++;
    return i;
  }

  private put(i: number): void {
    // the texts are let go now, not when the entry is taken again
    this.method[i] = '';
    this.cseqMethod[i] = '';
    this.toTag[i] = '';
    this.src[i] = '';
    this.dst[i] = '';
    this.next[i] = this.free;
    this.free = i;
    this.size--;
  }

  private grow(): void {
    const old = this.next.length;
    const size = Math.max(1024, old * 2);
    const grown = <A extends Float64Array | Uint32Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.next = grown(this.next, (n) => new Int32Array(n));
    this.first = grown(this.first, (n) => new Float64Array(n));
    this.last = grown(this.last, (n) => new Float64Array(n));
    this.cseq = grown(this.cseq, (n) => new Float64Array(n));
    this.len = grown(this.len, (n) => new Uint32Array(n));
    this.hash = grown(this.hash, (n) => new Uint32Array(n));
    this.kind = grown(this.kind, (n) => new Int32Array(n));
    this.ports = grown(this.ports, (n) => new Uint32Array(n));
    for (const a of [this.method, this.cseqMethod, this.toTag, this.src, this.dst]) for (let i = old; i < size; i++) a.push('');
    // the new entries join the free list, lowest first
    for (let i = size - 1; i >= old; i--) {
      this.next[i] = this.free;
      this.free = i;
    }
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
