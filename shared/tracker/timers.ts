// The tracker's clocks, all in capture seconds: the 32 s windows after a BYE or a final response
// (a min-heap) and the idle timeouts (dialogs ordered by their last activity).

/** RFC 3261 64*T1: transaction lifetime, retransmission window, BYE / auth-retry windows. */
export const WINDOW = 32;
/** An insertion never walks further than this from the list tail (bounded cost on odd input). */
const MAX_WALK = 64;

/** The window a dialog is waiting out, if any. */
export const W_NONE = 0;
export const W_BYE = 1;
export const W_FINAL = 2;

/** What an ActivityList links: the dialog itself carries its links (no node object per dialog). */
export interface Listed<T extends Listed<T>> {
  prev: T | null;
  next: T | null;
  list: ActivityList<T> | null;
  /** capture seconds of the last activity */
  last: number;
}

/** Entries ordered by `last` (oldest at head); appends are O(1) because time mostly moves forward. */
export class ActivityList<T extends Listed<T>> {
  head: T | null = null;
  tail: T | null = null;
  size = 0;

  insert(d: T): void {
    let p = this.tail;
    for (let n = 0; p !== null && p.last > d.last && n < MAX_WALK; n++) p = p.prev;
    d.list = this;
    d.prev = p;
    if (p === null) {
      d.next = this.head;
      if (this.head !== null) this.head.prev = d;
      else this.tail = d;
      this.head = d;
    } else {
      d.next = p.next;
      if (p.next !== null) p.next.prev = d;
      else this.tail = d;
      p.next = d;
    }
    this.size++;
  }

  remove(d: T): void {
    if (d.prev !== null) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next !== null) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = null;
    d.list = null;
    this.size--;
  }

  touch(d: T): void {
    if (this.tail === d) return;
    this.remove(d);
    this.insert(d);
  }
}

export interface WindowEntry<T> {
  at: number;
  /** null once the window is cleared or the dialog exported: the entry is then only a date */
  d: T | null;
  /** the dialog's window generation when set: a changed one makes the entry stale */
  gen: number;
}

/** Min-heap of pending windows; stale entries (generation changed) are skipped when popped. */
export class WindowHeap<T> {
  private a: WindowEntry<T>[] = [];

  get size(): number {
    return this.a.length;
  }

  top(): WindowEntry<T> {
    return this.a[0];
  }

  push(e: WindowEntry<T>): void {
    const a = this.a;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= e.at) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = e;
  }

  pop(): WindowEntry<T> {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as WindowEntry<T>;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r].at < a[l].at ? r : l;
        if (a[c].at >= last.at) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }

  clear(): void {
    this.a = [];
  }
}
