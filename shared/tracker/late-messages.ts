// What the tracker remembers of Call-IDs that are not open records: exported calls for 32 s (so
// their late ACK, retransmitted 200 or BYE is absorbed, not a new call), and non-INVITE Call-IDs
// it only counts (REGISTER, OPTIONS … without allDialogs). Both expire in order and are bounded
// in number: at many thousand calls a second, 32 s of exported calls would otherwise grow
// without limit.

import { ownText } from '../header-values.ts';

/** An exported call, until its late messages can no longer come. */
export interface Tomb {
  callId: string;
  callerTags: string[];
  cseqs: number[];
  until: number;
  /** the highest leg number exported under this Call-ID */
  maxLeg: number;
}

/** Most exported calls remembered for their late messages (8 000 calls a second for 32 s). */
export const MAX_TOMBS = 1 << 18;

export class Tombs {
  private readonly byId = new Map<string, Tomb>();
  // expiry order is export order: `until` only grows, so a FIFO suffices
  private queue: Tomb[] = [];
  private head = 0;
  /** tombs let go before their 32 s because `max` were held */
  dropped = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byId.size;
  }

  get(callId: string): Tomb | undefined {
    return this.byId.get(callId);
  }

  add(t: Tomb): void {
    // the oldest goes first (its late messages are then counted as others, or start a record)
    while (this.byId.size >= this.max && !this.byId.has(t.callId) && this.head < this.queue.length) {
      const old = this.queue[this.head++];
      if (this.byId.get(old.callId) === old) {
        this.byId.delete(old.callId);
        this.dropped++;
      }
    }
    this.byId.set(t.callId, t);
    this.queue.push(t);
  }

  delete(callId: string): void {
    this.byId.delete(callId);
  }

  /** Forget every tomb whose time is before now. */
  expire(now: number): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head].until < now) {
      const tb = q[this.head++];
      if (this.byId.get(tb.callId) === tb) this.byId.delete(tb.callId);
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.byId.clear();
    this.queue = [];
    this.head = 0;
  }
}

interface Light {
  callId: string;
  last: number;
  prev: Light | null;
  next: Light | null;
}

/** Counted-only Call-IDs, least recently seen first (an LRU of at most `max` entries). */
export class CountedDialogs {
  private readonly byId = new Map<string, Light>();
  private head: Light | null = null;
  private tail: Light | null = null;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byId.size;
  }

  /** A message of callId at `now`; true when the Call-ID was not known (count it). */
  seen(callId: string, now: number): boolean {
    const l = this.byId.get(callId);
    if (l !== undefined) {
      l.last = now;
      if (l !== this.tail) {
        this.unlink(l);
        this.append(l);
      }
      return false;
    }
    if (this.byId.size >= this.max && this.head !== null) this.drop(this.head.callId);
    const own = ownText(callId);
    const n: Light = { callId: own, last: now, prev: null, next: null };
    this.byId.set(own, n);
    this.append(n);
    return true;
  }

  /** Forget those idle for longer than `idle` seconds at `now`. */
  expire(now: number, idle: number): void {
    while (this.head !== null && this.head.last + idle < now) this.drop(this.head.callId);
  }

  drop(callId: string): void {
    const l = this.byId.get(callId);
    if (l === undefined) return;
    this.byId.delete(callId);
    this.unlink(l);
  }

  clear(): void {
    this.byId.clear();
    this.head = this.tail = null;
  }

  private append(l: Light): void {
    l.prev = this.tail;
    l.next = null;
    if (this.tail !== null) this.tail.next = l;
    else this.head = l;
    this.tail = l;
  }

  private unlink(l: Light): void {
    if (l.prev !== null) l.prev.next = l.next;
    else this.head = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    else this.tail = l.prev;
    l.prev = l.next = null;
  }
}
