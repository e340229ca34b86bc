// `sipscope live`: a probe. Its source is tcpdump capturing an interface (-i IFACE, node/tcpdump.ts)
// or the HEP listener (--hep URL, node/hep-listener.ts); either gives one endless pcap stream,
// which goes through the same engine, tracker and outputs as `read`.
//
// Time: the tracker's timeouts run on capture time, which only moves when packets come. A
// 1-second wall-clock timer moves it on while the source is quiet (capture timestamps are the
// wall clock here), so idle calls and the 32 s windows end on time. Exports are stamped with the
// wall clock (IPFIX export time, dump file minute).
//
// Stop: SIGINT/SIGTERM → the source stops once what it received is in, every open call is
// exported, outputs are flushed and closed, the source's loss counts are printed, exit 0. A
// source that cannot start or ends by itself → one line saying why and how to fix it, what was
// collected is still exported, exit 1 (2 for a usage error, e.g. a filter tcpdump rejects).

import { UsageError, type Parsed } from './args.ts';
import { createEngine } from './wasm.ts';
import { feedReadable } from './input.ts';
import { statsReport } from './report.ts';
import { checkCollectors, openOutputs, outputSettings, trackerOptions } from './setup.ts';
import type { RecordOutputs } from './record-outputs.ts';
import type { ProbeSource } from './probe-source.ts';
import { captureFilter, DEFAULT_BUFFER_KIB, findTcpdump, TcpdumpSource, type FragMode } from './tcpdump.ts';
import { HepSource, hepKeyBytes, parseHepUrl } from './hep-listener.ts';
import { Analyzer } from '../shared/analyzer.ts';
import type { Engine } from '../shared/engine/engine.ts';

export { captureFilter, FRAGMENTS_FILTER } from './tcpdump.ts';

const DEFAULT_STATUS_SEC = 10;
const TICK_MS = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function live({ positional, opts }: Parsed): Promise<number> {
  if (positional.length > 0)
    throw new UsageError(`live takes no file arguments (got "${positional[0]}"); give the capture filter with -f "BPF"`);
  const iface = opts.interface as string | undefined;
  const hep = (opts.hep as string[] | undefined) ?? [];
  if (!iface && hep.length === 0)
    throw new UsageError('live needs a source: -i IFACE (-i any: every interface) or --hep udp://HOST:PORT (or tcp://)');
  if (iface && hep.length > 0) throw new UsageError('live takes one source: -i IFACE or --hep URL, not both');
  if (hep.length === 0) {
    for (const o of ['hep-key', 'hep-time']) if (opts[o] !== undefined) throw new UsageError(`--${o} goes with --hep`);
  } else {
    for (const o of ['filter', 'frag-filter', 'immediate', 'buffer', 'tcpdump'])
      if (opts[o] !== undefined) throw new UsageError(`--${o} goes with -i IFACE (tcpdump), not with --hep`);
  }
  const endpoints = hep.map(parseHepUrl);
  const hepKey = hepKeyBytes(opts['hep-key'] as string | undefined);
  const settings = outputSettings(opts);
  checkCollectors(settings);
  const say = (s: string) => process.stderr.write(`sipscope: ${s}\n`);

  // what can be known wrong before anything is opened
  const capture = iface ? captureFilter(opts.filter as string | undefined, (opts['frag-filter'] as FragMode | undefined) ?? 'add') : null;
  const tcpdumpPath = iface ? ((opts.tcpdump as string | undefined) ?? findTcpdump()) : null;
  if (iface && tcpdumpPath === null) {
    say('tcpdump not found (looked on PATH, /usr/sbin, /sbin) — install it (apt install tcpdump) or give its path with --tcpdump PATH');
    return 1;
  }
  if (capture?.warning) say(capture.warning);

  const engine = await createEngine();
  // the HEP ports first: one in use leaves the outputs of a running collector untouched
  let listener: HepSource | null = null;
  if (!iface) {
    // the agent's time by default: agents send as they see, or in batches (heplify)
    engine.setHep({ key: hepKey, agentTime: opts['hep-time'] !== 'arrival' });
    listener = new HepSource(endpoints, say);
    try {
      await listener.listen();
    } catch (e) {
      listener.dispose();
      say((e as Error).message);
      return 1;
    }
  }
  let outputs: RecordOutputs;
  try {
    outputs = await openOutputs(opts, settings, engine, 'wall');
  } catch (e) {
    listener?.dispose();
    say((e as Error).message);
    return 1;
  }
  const source: ProbeSource =
    listener ??
    new TcpdumpSource({
      path: tcpdumpPath ?? 'tcpdump',
      iface: iface ?? 'any',
      bufferKiB: (opts.buffer as number | undefined) ?? DEFAULT_BUFFER_KIB,
      filter: capture?.filter ?? null,
      immediate: opts.immediate === true,
      say,
    });
  return probe(source, engine, outputs, opts, say);
}

/** Read the source until a signal or its end, exporting calls as they end. */
async function probe(
  source: ProbeSource,
  engine: Engine,
  outputs: RecordOutputs,
  opts: Parsed['opts'],
  say: (s: string) => void,
): Promise<number> {
  const statusSec = (opts['status-interval'] as number | undefined) ?? DEFAULT_STATUS_SEC;
  const quiet = opts.quiet === true;
  const { quietMs, lagMs } = source.timing;
  const analyzer = new Analyzer(engine, trackerOptions(opts), (r) => outputs.add(r));
  const started = performance.now();

  // ------------------------------------------------------------ stopping
  /** wall-clock ms of the last data from the source */
  let lastData = 0;
  /** capture time less wall-clock time at the last data (0 but for a source with its own clock) */
  let offsetSec = 0;
  let stopSignal: string | null = null;
  let stopDelay: NodeJS.Timeout | null = null;
  const onSignal = (sig: string) => {
    if (stopSignal === 'EPIPE') return;
    // second signal: give up at once (the source's exit handler kills tcpdump)
    if (stopSignal) process.exit(130);
    stopSignal = sig;
    const wait = source.stopDelayMs(lastData);
    if (wait > 0) stopDelay = setTimeout(() => source.stop(), wait);
    else source.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // ------------------------------------------------------------ wall clock and status
  const tick = setInterval(() => {
    // capture time moves with packets while they come; once the source is quiet, the wall
    // clock (less what may still be held back) is the capture time; never backwards
    // (a source with its own clock: only once its time is known)
    if (Date.now() - lastData >= quietMs && (offsetSec !== 0 || !source.timing.ownClock))
      analyzer.tracker.advance((Date.now() - lagMs) / 1000 + offsetSec);
    outputs.flushLines();
    // the reader of standard output went away (`sipscope live … | head`): stop as on a signal
    if (outputs.stdoutClosed() && !stopSignal) onSignal('EPIPE');
  }, TICK_MS);
  let statusPending = false;
  const status =
    statusSec > 0
      ? setInterval(() => {
          if (!source.ready() || stopSignal || statusPending) return;
          statusPending = true;
          void source.status().then((part) => {
            statusPending = false;
            if (stopSignal) return;
            const t = analyzer.tracker.stats();
            const c = engine.stats().counters;
            const rss = process.memoryUsage.rss() / 2 ** 20;
            say(
              `status: calls ${t.open} open, ${outputs.count} exported; ${c.frames} packets, ${c.sipMessages} SIP messages; ` +
                `${part}; RSS ${rss.toFixed(0)} MiB`,
            );
          });
        }, statusSec * 1000)
      : null;

  // ------------------------------------------------------------ the stream
  const res = await feedReadable(engine, source.stream, source.name, 0, {
    onChunk: () => {
      lastData = Date.now();
      if (source.timing.ownClock && engine.now() > 0) offsetSec = engine.now() - lastData / 1000;
      outputs.flushLines();
      return outputs.drained();
    },
    stopped: () => outputs.fatal !== null,
  });
  if (outputs.fatal) source.stop();
  await source.closed();
  // a supervisor (systemd's control-group stop) may signal the source and sipscope together
  for (let i = 0; i < 10 && !stopSignal; i++) await sleep(50);
  clearInterval(tick);
  if (status) clearInterval(status);
  if (stopDelay) clearTimeout(stopDelay);
  source.dispose();

  const problem = stopSignal || outputs.fatal ? null : source.problem();
  if (problem && !source.ready() && problem.status === 2) {
    // nothing was received: say it as a usage error
    await outputs.close();
    say(problem.message);
    return 2;
  }

  analyzer.finish();
  const problems = await outputs.close();
  for (const p of problems) say(p);
  if (res.readError) say(`reading ${source.name}: ${res.readError}`);
  else if (res.error >= 1 && res.error <= 3 && res.bytesRead > 0) say(`${source.name}: ${res.message} (at byte ${res.offset})`);
  if (!quiet && source.ready())
    process.stderr.write(
      [statsReport(analyzer.stats(), outputs.count, (performance.now() - started) / 1000), ...outputs.summary()].join('\n') + '\n',
    );
  for (const l of source.finalLines(quiet)) say(l);
  if (problem) {
    say(problem.message);
    return problem.status;
  }
  if (problems.length) return 1;
  if (!quiet) say(stopSignal === 'EPIPE' ? 'standard output was closed; stopped' : `stopped by ${stopSignal}; open calls were exported`);
  return 0;
}
