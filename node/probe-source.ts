// What `sipscope live` reads from: a source that turns traffic into one endless pcap stream
// (tcpdump capturing an interface, or the HEP listener), so the engine, tracker and outputs are
// those of `read`. node/live.ts runs either the same way: wall-clock ticks, status lines,
// signals, and the end.

import type { Readable } from 'node:stream';

export interface ProbeSource {
  /** in messages: `tcpdump -i eth0`, `HEP udp://0.0.0.0:9060` */
  readonly name: string;
  /** the pcap stream */
  readonly stream: Readable;
  /**
   * Capture time lags the wall clock: after quietMs without data it is moved on to wall − lagMs.
   * `ownClock`: the source's times are not this machine's (HEP agents' clocks, a capture
   * replayed as HEP): the wall clock then moves capture time on from where the last data left it.
   */
  readonly timing: { quietMs: number; lagMs: number; ownClock?: boolean };
  /** receiving began (tcpdump said "listening on"; the HEP sockets are bound), and stays true */
  ready(): boolean;
  /** after a stop signal, how long to wait for data already received but not yet handed over */
  stopDelayMs(lastData: number): number;
  /** stop receiving: the stream ends once what was received is in (bounded in time) */
  stop(): void;
  /** the source's part of a status line ("kernel drops 0"), asked for fresh (within 1 s) */
  status(): Promise<string>;
  /** the stream has ended: resolves once the source is gone */
  closed(): Promise<void>;
  /** lines for the end (when `quiet`, only those that report a loss) */
  finalLines(quiet: boolean): string[];
  /** ended by itself, or never started: what to say and the exit status (2: a usage error) */
  problem(): { message: string; status: number } | null;
  /** timers and handlers the source holds, released at the end */
  dispose(): void;
}
