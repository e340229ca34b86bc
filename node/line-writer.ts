// Buffered line output with back-pressure: records can arrive by the hundred thousand, and
// writing each line alone to a pipe would dominate the run. Lines are encoded straight into
// reused chunks (no joined string, no fresh buffer per flush: with media a record is a few KB,
// and touching new memory twice per flush cost more than making the lines).

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

const CHUNK = 1 << 16;

export class LineWriter {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  /** chunks the stream has finished with */
  private spare: Buffer[] = [];
  private waiting: Promise<void> | null = null;
  private failed: Error | null = null;

  private constructor(
    private readonly out: Writable,
    private readonly owned: boolean,
    /** line end (CSV: CRLF) */
    private readonly eol: string,
  ) {
    out.on('error', (e: Error) => (this.failed ??= e));
  }

  static stdout(eol = '\n'): LineWriter {
    return new LineWriter(process.stdout, false, eol);
  }

  static async file(path: string, eol = '\n'): Promise<LineWriter> {
    const ws: WriteStream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new LineWriter(ws, true, eol);
  }

  get error(): Error | null {
    return this.failed;
  }

  /** One line: text, or its UTF-8 bytes (copied before this returns). */
  line(s: string | Uint8Array): void {
    if (typeof s !== 'string') {
      this.lineBytes(s);
      return;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const most = (s.length + this.eol.length) * 3;
    if (this.pos + most > CHUNK) this.flushSync();
    if (most > CHUNK) {
      this.send(Buffer.from(s + this.eol), false);
      return;
    }
    this.pos += this.chunk.write(s, this.pos);
    this.pos += this.chunk.write(this.eol, this.pos, 'latin1');
  }

  private lineBytes(b: Uint8Array): void {
    const most = b.length + this.eol.length;
    if (this.pos + most > CHUNK) this.flushSync();
    if (most > CHUNK) {
      this.send(Buffer.concat([b, Buffer.from(this.eol, 'latin1')]), false);
      return;
    }
    this.chunk.set(b, this.pos);
    this.pos += b.length;
    this.pos += this.chunk.write(this.eol, this.pos, 'latin1');
  }

  private flushSync(): void {
    if (this.pos === 0) return;
    const full = this.chunk.subarray(0, this.pos);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    this.send(full, true);
  }

  /** Hand bytes to the stream; a chunk comes back to the spares once written. */
  private send(bytes: Buffer, recycle: boolean): void {
    if (this.failed) return;
    const done = recycle
      ? () => {
          if (this.spare.length < 4) this.spare.push(Buffer.from(bytes.buffer, bytes.byteOffset, CHUNK));
        }
      : undefined;
    if (!this.out.write(bytes, done) && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        const done = () => {
          this.out.off('drain', done).off('error', done).off('close', done);
          this.waiting = null;
          resolve();
        };
        this.out.on('drain', done).on('error', done).on('close', done);
      });
    }
  }

  /** Hand the buffered lines to the stream now (live mode: a record shows when its call ends). */
  flush(): void {
    this.flushSync();
  }

  /** Wait while the consumer is behind (call between input chunks). */
  async drained(): Promise<void> {
    if (this.waiting) await this.waiting;
  }

  async close(): Promise<void> {
    this.flushSync();
    await this.drained();
    // end()'s callback gets the error of the last write (a full disk) before 'error' is emitted
    if (this.owned) {
      await new Promise<void>((resolve) =>
        this.out.end((e?: Error | null) => {
          this.failed ??= e ?? null;
          resolve();
        }),
      );
    }
  }
}
