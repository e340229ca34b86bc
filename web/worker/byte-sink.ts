// An append-only byte file kept in Blob storage, not on the JS heap: text and bytes are
// collected in a small buffer and moved into a Blob part whenever it fills. The browser keeps
// Blob data outside the JavaScript heap (and may page it to disk), so the worker's heap stays
// bounded however large the outputs grow. Byte offsets of what was written are known exactly,
// so a part can be read back later (a record's JSON line, a call's ladder).

const utf8 = new TextEncoder();

export class ByteSink {
  private parts: Blob[] = [];
  private buf: Uint8Array<ArrayBuffer>;
  private used = 0;
  private flushedBytes = 0;
  private whole: Blob | null = null;

  constructor(
    readonly type = 'application/octet-stream',
    private readonly chunk = 1 << 20,
  ) {
    this.buf = new Uint8Array(chunk);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.flushedBytes + this.used;
  }

  private flush(): void {
    if (this.used === 0) return;
    // a Blob copies what it is made from: the buffer is reused (a fresh one per part costs more
    // than the copy in Chromium)
    this.parts.push(new Blob([this.buf.subarray(0, this.used)]));
    this.flushedBytes += this.used;
    this.used = 0;
    this.whole = null;
  }

  /** Append bytes; returns the offset they start at. */
  bytes(b: Uint8Array): number {
    const at = this.size;
    if (b.length > this.chunk >> 2) {
      this.flush();
      this.parts.push(new Blob([b as Uint8Array<ArrayBuffer>]));
      this.flushedBytes += b.length;
      this.whole = null;
      return at;
    }
    if (this.used + b.length > this.buf.length) this.flush();
    this.buf.set(b, this.used);
    this.used += b.length;
    this.whole = null;
    return at;
  }

  /** Append a string as UTF-8; returns [offset, byte length]. */
  text(s: string): [number, number] {
    const at = this.size;
    // a JS string of n UTF-16 units takes at most 3n UTF-8 bytes
    if (s.length * 3 > this.chunk >> 2) {
      const b = utf8.encode(s);
      this.bytes(b);
      return [at, b.length];
    }
    if (this.used + s.length * 3 > this.buf.length) this.flush();
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.used));
    this.used += written;
    this.whole = null;
    return [at, written];
  }

  /** Append a string as UTF-8 after its byte length (u32, little-endian); returns the bytes
   *  written, header included. Encoded in place: no copy of the text is made first. */
  textWithLength(s: string): number {
    if (s.length * 3 + 4 > this.chunk >> 2) {
      const b = utf8.encode(s);
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, b.length, true);
      this.bytes(head);
      this.bytes(b);
      return 4 + b.length;
    }
    if (this.used + 4 + s.length * 3 > this.buf.length) this.flush();
    const at = this.used;
    const { written } = utf8.encodeInto(s, this.buf.subarray(at + 4));
    new DataView(this.buf.buffer).setUint32(at, written, true);
    this.used += 4 + written;
    this.whole = null;
    return 4 + written;
  }

  /** Everything written so far as one Blob (the parts are shared, not copied). */
  blob(): Blob {
    if (this.whole === null) {
      this.flush();
      this.whole = new Blob(this.parts, { type: this.type });
    }
    return this.whole;
  }

  /** Bytes [offset, offset + length). */
  read(offset: number, length: number): Promise<ArrayBuffer> {
    return this.blob()
      .slice(offset, offset + length)
      .arrayBuffer();
  }
}

/** A growable list of numbers in a typed array (4 numbers per call for 100k calls is 3 MB). */
export class NumberList {
  private a = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }

  get(i: number): number {
    return i >= 0 && i < this.length ? this.a[i] : NaN;
  }
}
