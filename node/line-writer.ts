// Buffered line output with back-pressure: records can arrive by the hundred thousand, and
// writing each line alone to a pipe would dominate the run. Lines are encoded straight into
// reused chunks (no joined string, no fresh buffer per flush: with media a record is a few KB,
// and touching new memory twice per flush cost more than making the lines). A regular file (or
// a device such as /dev/null) named by --out is written as Node writes standard output to a
// file: each chunk at once, not queued for the thread pool (the queue held megabytes between
// the reader's turns). A FIFO or socket is written through a stream: a write that waits for
// its reader must not hold the main thread, where Ctrl-C and the probe's timers run.

import { closeSync, createWriteStream, openSync, statSync, writeSync, type WriteStream } from 'node:fs';
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
    /** a stream (standard output), or null for a file written at fd */
    private readonly out: Writable | null,
    private fd: number,
    /** line end (CSV: CRLF) */
    private readonly eol: string,
  ) {
    out?.on('error', (e: Error) => (this.failed ??= e));
  }

  static stdout(eol = '\n'): LineWriter {
    return new LineWriter(process.stdout, -1, eol);
  }

  static async file(path: string, eol = '\n'): Promise<LineWriter> {
    if (writtenAtOnce(path)) return new LineWriter(null, openSync(path, 'w'), eol);
    const ws: WriteStream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new LineWriter(ws, -1, eol);
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
    if (this.out === null) {
      // written before this returns: the chunk is free again
      this.writeFile(this.chunk.subarray(0, this.pos));
      this.pos = 0;
      return;
    }
    const full = this.chunk.subarray(0, this.pos);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    this.send(full, true);
  }

  /** Hand bytes to the stream; a chunk comes back to the spares once written. */
  private send(bytes: Buffer, recycle: boolean): void {
    if (this.failed) return;
    const out = this.out;
    if (out === null) {
      this.writeFile(bytes);
      return;
    }
    const done = recycle
      ? () => {
          if (this.spare.length < 4) this.spare.push(Buffer.from(bytes.buffer, bytes.byteOffset, CHUNK));
        }
      : undefined;
    if (!out.write(bytes, done) && !this.waiting) {
      this.waiting = new Promise((resolve) => {
        const done = () => {
          out.off('drain', done).off('error', done).off('close', done);
          this.waiting = null;
          resolve();
        };
        out.on('drain', done).on('error', done).on('close', done);
      });
    }
  }

  /** All of bytes to the file; a write error (a full disk) is kept for the caller to report. */
  private writeFile(bytes: Uint8Array): void {
    if (this.failed) return;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (e) {
      this.failed = e as Error;
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
    if (this.out === null) {
      if (this.fd >= 0) {
        try {
          closeSync(this.fd);
        } catch (e) {
          this.failed ??= e as Error;
        }
        this.fd = -1;
      }
    } else if (this.out !== process.stdout) {
      // end()'s callback gets the error of the last write (a full disk) before 'error' is emitted
      const out = this.out;
      await new Promise<void>((resolve) =>
        out.end((e?: Error | null) => {
          this.failed ??= e ?? null;
          resolve();
        }),
      );
    }
  }
}

/** A path to write at once: a regular file (or one to be made), or a character device. */
function writtenAtOnce(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() || st.isCharacterDevice();
  } catch {
    return true; // not there yet: open makes a regular file (or says why it cannot)
  }
}
