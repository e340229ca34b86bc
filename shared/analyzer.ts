// One capture run: the engine's SIP messages go to the call tracker, the tracker watches SDP
// media through the engine's RTP counters, and capture time drives expiry. Node and the browser
// both use this, so the same bytes give the same records.

import type { Engine, EngineStats } from './engine/engine.ts';
import { CallTracker } from './tracker/tracker.ts';
import type { CallRecord } from './record.ts';
import type { TrackerOptions, TrackerStats } from './tracker/api.ts';

export interface RunStats {
  engine: EngineStats;
  tracker: TrackerStats;
}

export class Analyzer {
  readonly tracker: CallTracker;

  constructor(
    readonly engine: Engine,
    options: Partial<TrackerOptions>,
    onRecord: (r: CallRecord) => void,
  ) {
    this.tracker = new CallTracker(options, onRecord, engine);
    // message bytes are kept only where ladders show them
    engine.keepRaw = options.keepMessages === true;
    engine.onMessage = (m) => this.tracker.onMessage(m);
    // capture time moving on without SIP (RTP only) runs expiry; ticks come in frame order
    engine.onTick = (t) => this.tracker.advance(t);
  }

  /** End of input (or shutdown): give up reassembly, export every open call. */
  finish(): void {
    this.engine.finish();
    this.tracker.advance(this.engine.now());
    this.tracker.finish();
  }

  stats(): RunStats {
    return { engine: this.engine.stats(), tracker: this.tracker.stats() };
  }
}
