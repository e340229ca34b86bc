// What crosses between the main thread (host.ts) and the export worker (worker.ts): the config
// the worker opens its outputs from, and the messages each way. Plain data only (structured clone).

import type { ExporterOptions } from './ipfix-transports.ts';
import type { TimestampFormat } from '../../shared/time.ts';
import type { Wire } from './wire.ts';

/** What to open, as plain data (it crosses to the worker thread). */
export interface ExportConfig {
  dump: {
    dir: string;
    nested: boolean;
    maxLines: number | undefined;
    /** --template text, or null for the default columns */
    template: string | null;
    timestampFormat: TimestampFormat;
    separator: string;
    execCmd: string | undefined;
  } | null;
  ipfixFile: string | null;
  collectors: string[];
  exporter: Omit<ExporterOptions, 'captureNow' | 'sipFields'>;
}

/** The worker's workerData: the config and the capture time at start. */
export interface WorkerInit {
  config: ExportConfig;
  now: number;
}

/** Main thread → worker. `records` is a batch packed by wire.ts. */
export type HostMessage = { t: 'records'; records: Wire; count: number; now: number } | { t: 'close'; now: number };

/** Worker → main thread. */
export type WorkerMessage =
  | { t: 'ack'; n: number }
  | { t: 'warn'; line: string }
  | { t: 'fatal'; message: string }
  | { t: 'closed'; problems: string[]; summary: string[] };
