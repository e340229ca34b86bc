// The HEP part of `npm run bench:live`: `sipscope live --hep` fed by a HEP v3 agent
// (bench/hep-sender.ts: answered calls of seven messages, stamped as sent) at rising rates of
// SIP messages per second, over UDP, then over TCP. A rate is held when every call sent is a
// completed record, with nothing dropped by sipscope (UDP beyond 64 MiB waiting) or by the
// kernel (the socket's queue full), and, over TCP, the rate reached (the probe slows a TCP
// sender it cannot keep up with). The sender shares the machine: when it cannot reach a UDP
// rate, that is the generator's ceiling, said as such.

import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Meter, type Proc, sleep, start, stop, waitFor } from './live-probe.ts';

export interface HepRate {
  transport: 'udp' | 'tcp';
  /** SIP messages/s asked of the sender, and what it reached */
  asked: number;
  sentPerSec: number;
  sent: number;
  calls: number;
  seconds: number;
  /** completed records of the sender's calls */
  records: number;
  received: number | null;
  dropped: number | null;
  kernelDrops: number | null;
  probeCpuPct: number;
  rssMiB: number;
  /** probe CPU (% of one core) per 100 000 messages/s */
  cpuPer100k: number;
  held: boolean;
  /** the sender reached less than 95% of the rate: the generator, not the probe, was the limit */
  generatorLimited: boolean;
}

const PORT = 28890;

export async function hepBench(o: {
  cli: string;
  root: string;
  scratch: string;
  rates: number[];
  seconds: number;
  transports: ('udp' | 'tcp')[];
  log: (s?: string) => void;
}): Promise<HepRate[]> {
  const out: HepRate[] = [];
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  for (const transport of o.transports) {
    o.log(`  HEP over ${transport.toUpperCase()}: sipscope live --hep ${transport}://127.0.0.1:${PORT}, ${o.seconds} s per rate`);
    for (const asked of o.rates) {
      const recFile = join(o.scratch, `hep-${transport}-${asked}.jsonl`);
      const probe = start('sipscope live --hep', process.execPath, [
        o.cli,
        'live',
        '--hep',
        `${transport}://127.0.0.1:${PORT}`,
        '--format',
        'jsonl',
        '--out',
        recFile,
        '--status-interval',
        '0',
      ]);
      let sender: Proc | null = null;
      try {
        if (!(await waitFor(() => /listening on /.test(probe.text()) || probe.done(), 15_000)) || probe.done())
          throw new Error(`sipscope live --hep did not start: ${probe.text().slice(-500)}`);
        const meter = new Meter([probe.pid]);
        sender = start('hep-sender', process.execPath, [
          '--import',
          'tsx',
          join(o.root, 'bench', 'hep-sender.ts'),
          '--port',
          String(PORT),
          '--transport',
          transport,
          '--rate',
          String(asked),
          '--seconds',
          String(o.seconds),
        ]);
        await sender.exited;
        const m = meter.stop();
        const sent = JSON.parse(sender.text().trim().split('\n').pop() ?? '{}') as {
          sent: number;
          calls: number;
          seconds: number;
          rate: number;
          prefix: string;
        };
        // the last calls end 2.1 s after they start; their records come with the BYE's answer
        await sleep(1500);
        await stop(probe, 'SIGINT', 20_000);
        const err = probe.text();
        const hep = /HEP: (\d+) packets .*?; (\d+) dropped \(the engine was behind\)(?:, (\d+) dropped by the kernel)?/.exec(err);
        const records = readFileSync(recFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes(`"${sent.prefix}`) && l.includes('"CALL_COMPLETED"')).length;
        const cpu = (m.cpu[0] / m.wall) * 100;
        const r: HepRate = {
          transport,
          asked,
          sentPerSec: sent.rate,
          sent: sent.sent,
          calls: sent.calls,
          seconds: sent.seconds,
          records,
          received: hep ? Number(hep[1]) : null,
          dropped: hep ? Number(hep[2]) : null,
          kernelDrops: hep?.[3] !== undefined ? Number(hep[3]) : transport === 'tcp' ? 0 : null,
          probeCpuPct: +cpu.toFixed(0),
          rssMiB: +(meter.peakRssKiB / 1024).toFixed(0),
          cpuPer100k: +((cpu / Math.max(1, sent.rate)) * 100_000).toFixed(0),
          held: false,
          // over TCP a sender that falls short may be held back by the probe (back-pressure)
          generatorLimited: transport === 'udp' && sent.rate < asked * 0.95,
        };
        r.held = r.records === r.calls && r.dropped === 0 && r.kernelDrops === 0 && r.received === r.sent && sent.rate >= asked * 0.95;
        out.push(r);
        o.log(
          `    ${int(asked).padStart(7)} msg/s asked, ${int(r.sentPerSec)} sent: ${r.records}/${r.calls} calls recorded, ` +
            `received ${r.received ?? '?'} of ${r.sent}, dropped ${r.dropped ?? '?'}, kernel drops ${r.kernelDrops ?? '?'}; ` +
            `probe CPU ${r.probeCpuPct}% (${r.cpuPer100k}% per 100k msg/s), RSS ${r.rssMiB} MiB` +
            (r.held ? '' : r.received === r.sent && r.records === r.calls ? ' — rate not reached' : ' — LOST') +
            (r.generatorLimited ? ' — the sender could not keep this rate' : ''),
        );
        if (!r.held || r.generatorLimited) break;
      } finally {
        if (sender && !sender.done()) await stop(sender, 'SIGKILL', 2000);
        if (!probe.done()) await stop(probe, 'SIGKILL', 2000);
      }
    }
  }
  return out;
}
