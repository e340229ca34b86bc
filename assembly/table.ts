// Open-addressing index (linear probing, backward-shift deletion) over a fixed array of
// entries. Slots hold entry+1 (0 = empty); each entry's hash is kept so deletion can move
// slots without re-reading keys. Entries are recycled through a free list. Fixed size: a full
// table refuses inserts (callers count it).

export class Table {
  slots: usize = 0;
  mask: u32 = 0;
  hashes: usize = 0; // u32 per entry
  nextFree: usize = 0; // u32 per entry: free-list links
  freeHead: i32 = -1;
  /** entries never used yet are [fresh, capacity): taken in order before the free list grows */
  fresh: u32 = 0;
  used: u32 = 0;
  capacity: u32 = 0;

  // Nothing is written here: the memory of a new instance is zero (empty slots), and writing
  // every slot and link would touch megabytes at start-up for tables that mostly stay empty.
  constructor(capacity: u32) {
    this.capacity = capacity;
    let size: u32 = 1;
    while (size < capacity * 2) size <<= 1;
    this.mask = size - 1;
    this.slots = heap.alloc((<usize>size) << 2);
    this.hashes = heap.alloc((<usize>capacity) << 2);
    this.nextFree = heap.alloc((<usize>capacity) << 2);
  }

  /** First slot position to probe for hash h. */
  start(h: u32): u32 {
    return h & this.mask;
  }
  /** Entry index stored at slot position s, or -1 when the slot is empty. */
  at(s: u32): i32 {
    return <i32>load<u32>(this.slots + ((<usize>s) << 2)) - 1;
  }
  next(s: u32): u32 {
    return (s + 1) & this.mask;
  }
  hashOf(e: i32): u32 {
    return load<u32>(this.hashes + ((<usize>e) << 2));
  }

  /** Take a free entry and put it in the index under hash h; -1 when full. */
  insert(h: u32): i32 {
    let e = this.freeHead;
    if (e >= 0) this.freeHead = load<i32>(this.nextFree + ((<usize>e) << 2));
    else if (this.fresh < this.capacity) {
      e = <i32>this.fresh;
      this.fresh++;
    } else return -1;
    store<u32>(this.hashes + ((<usize>e) << 2), h);
    let s = this.start(h);
    while (this.at(s) >= 0) s = this.next(s);
    store<u32>(this.slots + ((<usize>s) << 2), <u32>e + 1);
    this.used++;
    return e;
  }

  /** Remove entry e from the index and free it. */
  remove(e: i32): void {
    let i = this.start(this.hashOf(e));
    while (this.at(i) != e) {
      if (this.at(i) < 0) return; // not present
      i = this.next(i);
    }
    // backward-shift: pull later members of the probe run into the hole
    let j = this.next(i);
    while (true) {
      const ej = this.at(j);
      if (ej < 0) break;
      const k = this.start(this.hashOf(ej));
      const movable = i <= j ? k <= i || k > j : k <= i && k > j;
      if (movable) {
        store<u32>(this.slots + ((<usize>i) << 2), <u32>ej + 1);
        i = j;
      }
      j = this.next(j);
    }
    store<u32>(this.slots + ((<usize>i) << 2), 0);
    store<i32>(this.nextFree + ((<usize>e) << 2), this.freeHead);
    this.freeHead = e;
    this.used--;
  }
}

/** Hash of a 16-byte address plus a 32-bit extra word (murmur3-style finalizer). */
export function hash16(p: usize, extra: u32): u32 {
  let h = load<u32>(p) * 0x9e3779b1;
  h ^= load<u32>(p + 4) + (h << 6) + (h >> 2);
  h ^= load<u32>(p + 8) * 0x85ebca6b + (h << 6) + (h >> 2);
  h ^= load<u32>(p + 12) * 0xc2b2ae35 + (h << 6) + (h >> 2);
  h ^= extra * 0x27d4eb2f;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

export function same16(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a + 8) == load<u64>(b + 8);
}
