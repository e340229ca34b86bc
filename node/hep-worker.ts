// The HEP listener's worker thread: it owns the sockets (node/hep-receiver.ts) and posts the
// records it frames to the main thread, which feeds them to the engine (node/hep-listener.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { HepReceiver, type HepCounters, type HepEndpoint } from './hep-receiver.ts';

/** main thread → worker */
export type ToHepWorker = { t: 'flow'; pauseTcp: boolean; dropUdp: boolean } | { t: 'status' } | { t: 'stop' };
/** worker → main thread */
export type FromHepWorker =
  | { t: 'listening'; udpPorts: number[] }
  | { t: 'error'; message: string }
  | { t: 'batch'; records: Uint8Array; counters: HepCounters }
  | { t: 'status' | 'ended'; counters: HepCounters; error: string | null };

const port = parentPort!;
const post = (m: FromHepWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const receiver = new HepReceiver(workerData.endpoints as HepEndpoint[], (records) =>
  post({ t: 'batch', records, counters: receiver.counters }, [records.buffer as ArrayBuffer]),
);
// a failure after listening is reported with the next status or at the end
port.on('message', (m: ToHepWorker) => {
  switch (m.t) {
    case 'flow':
      receiver.pauseTcp(m.pauseTcp);
      receiver.dropUdp = m.dropUdp;
      return;
    case 'status':
      return post({ t: 'status', counters: receiver.counters, error: receiver.error });
    case 'stop':
      void receiver.stop().then(() => {
        post({ t: 'ended', counters: receiver.counters, error: receiver.error });
        port.close();
      });
      return;
  }
});
receiver.listen().then(
  () => post({ t: 'listening', udpPorts: receiver.udpPorts() }),
  (e: Error) => {
    post({ t: 'error', message: e.message });
    port.close();
  },
);
