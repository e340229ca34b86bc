// Reading one capture file into the engine, as a stream: Blob.stream() reads ahead while the core
// parses (~1 GB/s in Chromium, twice what File.slice() reads with one request in flight), chunk by
// chunk, never whole; gzip (detected by content) is inflated on the way by DecompressionStream.

import type { Engine } from '../../shared/engine/engine.ts';
import type { FileResult } from '../worker-protocol.ts';

const isGzip = async (file: Blob): Promise<boolean> => {
  if (file.size < 2) return false;
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
};

/**
 * A read or inflate failure as one clear line. Chromium's DecompressionStream stops at the end of
 * the first gzip member: a multi-member gzip (`cat a.gz b.gz`, bgzip) or bytes after the
 * compressed data end the file there (Node's zlib reads every member).
 */
function readProblem(err: unknown, gzip: boolean): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (!gzip) return /could not be read|NotReadable/i.test(msg) ? `the file could not be read (${msg})` : msg;
  if (/junk found/i.test(msg))
    return 'gzip: data after the end of the first compressed stream (multi-member gzip or trailing bytes are not read in the browser); reading of this file stopped there';
  if (/truncated/i.test(msg)) return 'gzip: the compressed file is truncated';
  return `gzip: ${msg}`;
}

/** Longest stretch of reading without letting the worker's messages in (a Cancel among them):
 *  a stream that has chunks buffered resolves each read at once, in the same task. */
const YIELD_MS = 20;

/** Let queued messages run: a message to ourselves is queued behind them (setTimeout would be
 *  clamped to 4 ms after a few nested calls). */
const channel = typeof MessageChannel === 'undefined' ? null : new MessageChannel();
const waiting: (() => void)[] = [];
if (channel) channel.port1.onmessage = () => waiting.shift()?.();
function yieldToMessages(): Promise<void> {
  if (!channel) return new Promise((r) => setTimeout(r, 0));
  return new Promise((r) => {
    waiting.push(r);
    channel.port2.postMessage(0);
  });
}

export interface FeedHooks {
  /** after each chunk: file index, bytes of that file read so far */
  onChunk(file: number, fileBytes: number): void;
  stopped(): boolean;
  /** ms the engine spent on a chunk */
  parsed(ms: number): void;
  /** feed at most this many bytes at a time (a chunk read is cut into pieces) */
  maxFeed?: number;
  /** after each engine.feed() */
  fed?(): void;
  /** give the engine at most this many bytes (after inflation), then end the file as stopped:
   *  a download reads again exactly what its run read */
  limit?: { bytesFed: number; stopped: boolean };
}

/** What reading one file gave: its status, and how many bytes went into the engine. */
export interface FeedResult extends FileResult {
  bytesFed: number;
  /** reading stopped on purpose (Cancel, or the limit) */
  stopped: boolean;
}

/**
 * The streams being read, held from the module: Chromium may collect a file's stream whose only
 * references are a pending read and the function awaiting it, and that read then never settles
 * (the worker waited forever on the first read of a file, ~1 run in 5 of the browser tests).
 */
const beingRead = new Set<unknown>();

/** Bytes asked of a byte stream at a time. */
const READ_CHUNK = 1 << 20;

/** Something to read chunks from: a file's byte stream is read into two buffers used again and
 *  again — the next chunk is read into one while the engine parses the other (a fresh buffer per
 *  chunk cost Chromium more than the copy into the engine); other streams (inflated gzip) give
 *  their own chunks. A chunk is valid until the next read. */
function chunkReader(source: ReadableStream<Uint8Array>): {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
  releaseLock(): void;
} {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = source.getReader({ mode: 'byob' });
  } catch {
    // not a byte stream
  }
  if (!byob) return source.getReader();
  const r = byob;
  type Got = ReadableStreamReadResult<Uint8Array>;
  // each read hands its buffer to the stream, which gives it back as the value's
  const start = (buffer: ArrayBuffer): Promise<Got> => r.read(new Uint8Array(buffer, 0, READ_CHUNK)) as Promise<Got>;
  let ahead: Promise<Got> | null = null;
  let spare: ArrayBuffer | null = new ArrayBuffer(READ_CHUNK);
  let given: ArrayBuffer | null = null; // the buffer of the chunk the caller holds
  return {
    async read() {
      if (given) spare = given;
      given = null;
      const got = await (ahead ?? start(new ArrayBuffer(READ_CHUNK)));
      ahead = null;
      if (got.done || !got.value) return got;
      given = got.value.buffer as ArrayBuffer;
      if (spare) {
        ahead = start(spare);
        ahead.catch(() => {}); // a failed read-ahead is seen by the next read()
        spare = null;
      }
      return got;
    },
    cancel: () => r.cancel(),
    releaseLock: () => r.releaseLock(),
  };
}

/** Feed one file into the engine; a read or inflate failure ends the file and is reported in its result. */
export async function feedFile(engine: Engine, file: File, index: number, hooks: FeedHooks): Promise<FeedResult> {
  let bytesRead = 0;
  let bytesFed = 0;
  const limit = hooks.limit?.bytesFed ?? Infinity;
  let readError: string | null = null;
  let gzip = false;
  let stopped = false;
  engine.beginFile(index);
  engine.rawInFile = false;
  try {
    gzip = await isGzip(file);
    // messages of a plain file can be read again at their offsets (ladders); not inflated ones
    engine.rawInFile = !gzip;
    const stream = file.stream();
    let source: ReadableStream<Uint8Array>;
    if (gzip) {
      const raw = stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            bytesRead += chunk.byteLength;
            ctl.enqueue(chunk);
          },
        }),
      );
      source = raw.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    } else source = stream;
    const reader = chunkReader(source);
    const held = [stream, source, reader];
    beingRead.add(held);
    let yielded = performance.now();
    try {
      while (true) {
        if (performance.now() - yielded >= YIELD_MS) {
          await yieldToMessages();
          yielded = performance.now();
          if (hooks.stopped()) {
            stopped = true;
            await reader.cancel().catch(() => {});
            break;
          }
        }
        const { done, value: got } = await reader.read();
        if (done) break;
        if (!gzip) bytesRead += got.byteLength;
        const value = bytesFed + got.byteLength > limit ? got.subarray(0, limit - bytesFed) : got;
        bytesFed += value.byteLength;
        const t = performance.now();
        const step = Math.max(1, hooks.maxFeed ?? value.byteLength);
        for (let at = 0; at < value.byteLength; at += step) {
          engine.feed(step >= value.byteLength ? value : value.subarray(at, at + step));
          hooks.fed?.();
        }
        if (bytesFed >= limit) {
          stopped = hooks.limit!.stopped;
          await reader.cancel().catch(() => {});
          break;
        }
        hooks.parsed(performance.now() - t);
        hooks.onChunk(index, bytesRead);
        if (hooks.stopped()) {
          stopped = true;
          await reader.cancel().catch(() => {});
          break;
        }
      }
    } finally {
      beingRead.delete(held);
      reader.releaseLock();
    }
  } catch (err) {
    // the core's own failure is said as the engine words it (not as a read or gzip problem)
    readError = engine.failure ?? readProblem(err, gzip);
  }
  // stopped on purpose (Cancel): the record cut where reading stopped is not a damaged file
  const status = engine.endFile(stopped);
  return { ...status, name: file.name, bytesRead, readError, bytesFed, stopped };
}
