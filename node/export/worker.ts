// Worker thread that owns the dump directory, .ipfix files and collectors (worker-outputs.ts).
// The main thread sends records in batches (host.ts); batches are handled one after the
// other, and each is acknowledged once the outputs have caught up, which is the back-pressure.

import { parentPort, workerData } from 'node:worker_threads';
import { ExportOutputs } from './worker-outputs.ts';
import type { HostMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import { unpackRecords } from './wire.ts';

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const { config, now: startNow } = workerData as WorkerInit;

/** capture time sent with the latest batch: the export time of template-only messages */
let now = startNow;
const queue: HostMessage[] = [];
let busy = false;
let fatalSent = false;

async function pump(out: ExportOutputs): Promise<void> {
  busy = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    now = m.now;
    if (m.t === 'records') {
      for (const r of unpackRecords(m.records)) out.add(r);
      if (config.exporter.clock === 'capture') out.tick(now);
      await out.drained();
      if (out.fatal && !fatalSent) {
        fatalSent = true;
        post({ t: 'fatal', message: out.fatal.message });
      }
      post({ t: 'ack', n: m.count });
    } else {
      const problems = await out.close();
      post({ t: 'closed', problems, summary: out.summary() });
      port.close();
      return;
    }
  }
  busy = false;
}

try {
  const out = await ExportOutputs.open(
    config,
    () => now,
    (line) => post({ t: 'warn', line }),
  );
  port.on('message', (m: HostMessage) => {
    queue.push(m);
    if (!busy) void pump(out);
  });
} catch (e) {
  post({ t: 'fatal', message: (e as Error).message });
  port.close();
}
