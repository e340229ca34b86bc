// Buffered line output with back-pressure: records can arrive by the hundred thousand, and
// writing each line alone to a pipe would dominate the run.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

export class LineWriter {
  private buf: string[] = [];
  private size = 0;
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

  line(s: string): void {
    this.buf.push(s);
    this.size += s.length + this.eol.length;
    if (this.size >= FLUSH_AT) this.flushSync();
  }

  private flushSync(): void {
    if (this.buf.length === 0 || this.failed) return;
    const text = this.buf.join(this.eol) + this.eol;
    this.buf = [];
    this.size = 0;
    if (!this.out.write(text) && !this.waiting) {
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
