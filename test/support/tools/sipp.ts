// Real SIP traffic for tests: SIPp caller/callee pairs on loopback, recorded with tcpdump.
//
// recordFlows(dir, flows) starts tcpdump on `lo` with a filter narrow to this module's own
// ports, runs one SIPp callee (UAS) + caller (UAC) pair per flow, one flow after the other,
// stops tcpdump with SIGINT once everything is done and returns the pcap's path. Every child
// process is killed (by its pid) on any error; every wait is bounded.
//
// Ports (ours alone; nothing else in the project uses them):
//   SIP   25600-25609  flow i: callee 25600+2i, caller 25601+2i
//   media 26600-26679  flow i: callee 26600+16i, caller 26608+16i (SIPp also opens mport+2)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, tail, waitExit } from '../procs.ts';
import { toolPath } from './exec.ts';

export type FlowName = 'answered-rtp' | 'busy-q850' | 'cancel' | 'tcp' | 'ipv6';

export const ALL_FLOWS: readonly FlowName[] = ['answered-rtp', 'busy-q850', 'cancel', 'tcp', 'ipv6'];

/** One SIP message a flow must produce, in order. `from`: who sends it. */
export interface ExpectedMessage {
  from: 'caller' | 'callee';
  method: string; // requests: method; responses: ''
  status: number; // responses: status code; requests: 0
  cseq: number;
  cseqMethod: string;
}

export interface FlowSpec {
  name: FlowName;
  transport: 'udp' | 'tcp';
  ipVersion: 4 | 6;
  host: string; // loopback address both sides use
  calleePort: number;
  callerPort: number;
  calleeMediaPort: number;
  callerMediaPort: number;
  uasScenario: string; // file name in test/support/sipp/
  uacScenario: string;
  /** the caller plays pcap/g711a.pcap to the callee, which echoes it back (-rtp_echo) */
  rtp: boolean;
  /** every Call-ID of this flow starts with this */
  callIdPrefix: string;
  /** number of calls (distinct Call-IDs) */
  calls: number;
  messages: ExpectedMessage[];
  /** Reason header value expected on the final response, if any */
  reason?: string;
}

export const SIP_PORT_RANGE = [25600, 25609] as const;
export const MEDIA_PORT_RANGE = [26600, 26679] as const;

const req = (from: 'caller' | 'callee', method: string, cseq: number, cseqMethod = method): ExpectedMessage => ({
  from,
  method,
  status: 0,
  cseq,
  cseqMethod,
});
const resp = (status: number, cseq: number, cseqMethod: string, from: 'caller' | 'callee' = 'callee'): ExpectedMessage => ({
  from,
  method: '',
  status,
  cseq,
  cseqMethod,
});

const ANSWERED: ExpectedMessage[] = [
  req('caller', 'INVITE', 1),
  resp(100, 1, 'INVITE'),
  resp(180, 1, 'INVITE'),
  resp(200, 1, 'INVITE'),
  req('caller', 'ACK', 1),
  req('caller', 'BYE', 2),
  resp(200, 2, 'BYE'),
];

function spec(
  sipBase: number,
  mediaBase: number,
  i: number,
  name: FlowName,
  rest: Pick<FlowSpec, 'transport' | 'ipVersion' | 'uasScenario' | 'uacScenario' | 'rtp' | 'messages'> & Partial<Pick<FlowSpec, 'reason'>>,
): FlowSpec {
  return {
    name,
    host: rest.ipVersion === 6 ? '::1' : '127.0.0.1',
    calleePort: sipBase + 2 * i,
    callerPort: sipBase + 2 * i + 1,
    calleeMediaPort: mediaBase + 16 * i,
    callerMediaPort: mediaBase + 16 * i + 8,
    callIdPrefix: `sipscope-${name}-`,
    calls: 1,
    ...rest,
  };
}

/**
 * The flows with their ports taken from other ranges (10 SIP ports from sipBase, 80 media ports
 * from mediaBase), for tests that must not share the default ranges.
 */
export function flowSpecs(sipBase: number, mediaBase: number): Readonly<Record<FlowName, FlowSpec>> {
  return {
    'answered-rtp': spec(sipBase, mediaBase, 0, 'answered-rtp', {
      transport: 'udp',
      ipVersion: 4,
      uasScenario: 'uas-answer.xml',
      uacScenario: 'uac-answer-rtp.xml',
      rtp: true,
      messages: ANSWERED,
    }),
    'busy-q850': spec(sipBase, mediaBase, 1, 'busy-q850', {
      transport: 'udp',
      ipVersion: 4,
      uasScenario: 'uas-busy.xml',
      uacScenario: 'uac-busy.xml',
      rtp: false,
      messages: [req('caller', 'INVITE', 1), resp(486, 1, 'INVITE'), req('caller', 'ACK', 1)],
      reason: 'Q.850;cause=17;text="User busy"',
    }),
    cancel: spec(sipBase, mediaBase, 2, 'cancel', {
      transport: 'udp',
      ipVersion: 4,
      uasScenario: 'uas-cancel.xml',
      uacScenario: 'uac-cancel.xml',
      rtp: false,
      messages: [
        req('caller', 'INVITE', 1),
        resp(100, 1, 'INVITE'),
        resp(180, 1, 'INVITE'),
        req('caller', 'CANCEL', 1),
        resp(200, 1, 'CANCEL'),
        resp(487, 1, 'INVITE'),
        req('caller', 'ACK', 1),
      ],
    }),
    tcp: spec(sipBase, mediaBase, 3, 'tcp', {
      transport: 'tcp',
      ipVersion: 4,
      uasScenario: 'uas-answer.xml',
      uacScenario: 'uac-answer.xml',
      rtp: false,
      messages: ANSWERED,
    }),
    ipv6: spec(sipBase, mediaBase, 4, 'ipv6', {
      transport: 'udp',
      ipVersion: 6,
      uasScenario: 'uas-answer.xml',
      uacScenario: 'uac-answer.xml',
      rtp: false,
      messages: ANSWERED,
    }),
  };
}

/** What each flow produces on the wire. */
export const FLOWS: Readonly<Record<FlowName, FlowSpec>> = flowSpecs(SIP_PORT_RANGE[0], MEDIA_PORT_RANGE[0]);

/** The flow a Call-ID belongs to (by its prefix), or null. */
export function flowOfCallId(callId: string): FlowName | null {
  for (const f of ALL_FLOWS) if (callId.startsWith(FLOWS[f].callIdPrefix)) return f;
  return null;
}

/** Directory of our SIPp scenario files. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');

/** tcpdump filter: our SIP and media ports, plus IPv4/IPv6 fragments (non-first fragments have no ports). */
export function captureFilter(sipBase: number = SIP_PORT_RANGE[0], mediaBase: number = MEDIA_PORT_RANGE[0]): string {
  return [
    `((udp or tcp) and (portrange ${sipBase}-${sipBase + 9} or portrange ${mediaBase}-${mediaBase + 79}))`,
    '(ip and ip[6:2] & 0x3fff != 0)', // any IPv4 fragment (MF set or offset != 0)
    '(ip6 and ip6[6] == 44)', // IPv6 fragment header right after the fixed header
  ].join(' or ');
}

const G711A_CANDIDATES = ['/usr/share/sip-tester/g711a.pcap', '/usr/local/share/sipp/g711a.pcap', '/usr/share/sipp/g711a.pcap'];

export interface RecordOptions {
  /** overall bound for the whole recording (default 30 s) */
  timeoutMs?: number;
  /** pcap file name inside dir (default 'flows.pcap') */
  fileName?: string;
  /** other port ranges than SIP_PORT_RANGE / MEDIA_PORT_RANGE (see flowSpecs) */
  portBase?: { sip: number; media: number };
}

export interface FlowTiming {
  flow: FlowName;
  ms: number;
}

export interface Recording {
  pcap: string;
  flows: FlowName[];
  totalMs: number;
  perFlow: FlowTiming[];
  /** tcpdump's closing statistics (captured / received / dropped) */
  tcpdumpStats: string;
}

// ---------------------------------------------------------------------------------------------
// child process bookkeeping

interface Child {
  name: string;
  proc: ChildProcess;
  output: string[]; // interleaved stdout/stderr, capped
  outLen: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const OUTPUT_CAP = 256 * 1024;

function start(name: string, cmd: string, args: string[], cwd: string): Child {
  const proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const child: Child = {
    name,
    proc,
    output: [],
    outLen: 0,
    done: false,
    code: null,
    signal: null,
    exited: undefined as never,
  };
  const onData = (d: Buffer): void => {
    if (child.outLen >= OUTPUT_CAP) return;
    const s = d.toString('utf8');
    child.output.push(s);
    child.outLen += s.length;
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  child.exited = new Promise((res) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      child.done = true;
      child.code = code;
      child.signal = signal;
      res({ code, signal });
    };
    proc.on('exit', finish);
    proc.on('error', (err) => {
      onData(Buffer.from(`spawn error: ${err.message}\n`));
      finish(-1, null);
    });
  });
  return child;
}

function outputOf(c: Child): string {
  return c.output.join('');
}

/** Kill one child by its pid (SIGKILL unless told otherwise) and wait (bounded) for it to go. */
async function stop(c: Child, signal: NodeJS.Signals = 'SIGKILL', graceMs = 3000): Promise<void> {
  if (c.done) return;
  try {
    c.proc.kill(signal);
  } catch {
    /* already gone */
  }
  if (await waitExit(c, graceMs)) return;
  if (signal !== 'SIGKILL') {
    try {
      c.proc.kill('SIGKILL');
    } catch {
      /* gone */
    }
    await waitExit(c, 2000);
  }
}

// ---------------------------------------------------------------------------------------------
// readiness: is a socket bound to this port? (/proc/net, no external tool)

function portBound(port: number, transport: 'udp' | 'tcp', ipVersion: 4 | 6): boolean {
  const file = `/proc/net/${transport}${ipVersion === 6 ? '6' : ''}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const local = cols[1];
    const state = cols[3];
    if (!local.endsWith(`:${hexPort}`)) continue;
    if (transport === 'tcp' && state !== '0A') continue; // LISTEN
    return true;
  }
  return false;
}

async function waitBound(c: Child, port: number, transport: 'udp' | 'tcp', ipVersion: 4 | 6, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    if (portBound(port, transport, ipVersion)) return;
    if (c.done) throw new Error(`${c.name} exited (code ${c.code}) before listening on ${port}:\n${tail(outputOf(c), 40)}`);
    await sleep(20);
  }
  throw new Error(`${c.name} did not listen on ${transport} port ${port} within ${ms} ms:\n${tail(outputOf(c), 40)}`);
}

// ---------------------------------------------------------------------------------------------
// one flow

const COMMON_SIPP = ['-m', '1', '-nostdin', '-timeout', '20', '-timeout_error', '-bind_local'];

async function runFlow(flow: FlowSpec, cwd: string, live: Set<Child>, deadline: number): Promise<void> {
  const sipp = toolPath('sipp');
  const host = flow.host;
  const remote = flow.ipVersion === 6 ? `[${host}]` : host;
  const transportArgs = flow.transport === 'tcp' ? ['-t', 't1'] : ['-t', 'u1', '-nr']; // -nr: no UDP retransmissions
  const uasArgs = [
    '-sf',
    join(SCENARIO_DIR, flow.uasScenario),
    '-i',
    host,
    '-p',
    String(flow.calleePort),
    '-mi',
    host,
    '-mp',
    String(flow.calleeMediaPort),
    ...(flow.rtp ? ['-rtp_echo'] : []),
    ...transportArgs,
    ...COMMON_SIPP,
  ];
  const uacArgs = [
    '-sf',
    join(SCENARIO_DIR, flow.uacScenario),
    `${remote}:${flow.calleePort}`,
    '-i',
    host,
    '-p',
    String(flow.callerPort),
    '-mi',
    host,
    '-mp',
    String(flow.callerMediaPort),
    '-cid_str',
    `${flow.callIdPrefix}%u-%p@%s`,
    ...transportArgs,
    ...COMMON_SIPP,
  ];

  const uas = start(`sipp callee (${flow.name})`, sipp, uasArgs, cwd);
  live.add(uas);
  try {
    await waitBound(uas, flow.calleePort, flow.transport, flow.ipVersion, Math.min(5000, Math.max(0, deadline - Date.now())));
    const uac = start(`sipp caller (${flow.name})`, sipp, uacArgs, cwd);
    live.add(uac);
    try {
      // the caller ends the call; SIPp's own -timeout 20 is the inner bound
      const uacDone = await waitExit(uac, Math.min(25_000, Math.max(0, deadline - Date.now())));
      if (!uacDone) throw new Error(`${uac.name} did not finish in time:\n${tail(outputOf(uac), 40)}`);
      const uasDone = await waitExit(uas, Math.min(5000, Math.max(0, deadline - Date.now())));
      if (!uasDone) throw new Error(`${uas.name} did not finish after the caller:\n${tail(outputOf(uas), 40)}`);
      for (const c of [uac, uas]) {
        if (c.code !== 0)
          throw new Error(
            `${c.name} failed (exit ${c.code}${c.signal ? `, ${c.signal}` : ''}): ${c.proc.spawnargs.join(' ')}\n${tail(outputOf(c), 40)}`,
          );
      }
    } finally {
      await stop(uac);
      live.delete(uac);
      writeFileSync(join(cwd, `${flow.name}-caller.log`), outputOf(uac));
    }
  } finally {
    await stop(uas);
    live.delete(uas);
    writeFileSync(join(cwd, `${flow.name}-callee.log`), outputOf(uas));
  }
}

function preparePcapDir(cwd: string): void {
  const src = G711A_CANDIDATES.find((p) => existsSync(p));
  if (!src) throw new Error(`g711a.pcap (package sip-tester) not found in ${G711A_CANDIDATES.join(', ')}`);
  const pcapDir = join(cwd, 'pcap');
  mkdirSync(pcapDir, { recursive: true });
  const link = join(pcapDir, 'g711a.pcap');
  if (!existsSync(link)) symlinkSync(src, link);
}

// ---------------------------------------------------------------------------------------------
// the recording

/** Record `flows` (run one after another) into DIR/flows.pcap; returns the pcap path. */
export async function recordFlows(dir: string, flows: readonly FlowName[], opts: RecordOptions = {}): Promise<string> {
  return (await recordFlowsDetailed(dir, flows, opts)).pcap;
}

/** Same as recordFlows, with timings and tcpdump's statistics. */
export async function recordFlowsDetailed(dir: string, flows: readonly FlowName[], opts: RecordOptions = {}): Promise<Recording> {
  const t0 = Date.now();
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  const cwd = resolve(dir);
  mkdirSync(cwd, { recursive: true });
  const table = opts.portBase ? flowSpecs(opts.portBase.sip, opts.portBase.media) : FLOWS;
  if (flows.some((f) => table[f].rtp)) preparePcapDir(cwd);
  const pcap = join(cwd, opts.fileName ?? 'flows.pcap');

  const live = new Set<Child>();
  const tcpdumpArgs = ['-i', 'lo', '-n', '-U', '--immediate-mode', '-B', '4096', '-s', '0', '-w', pcap];
  if (typeof process.getuid === 'function' && process.getuid() === 0) tcpdumpArgs.push('-Z', 'root');
  tcpdumpArgs.push(opts.portBase ? captureFilter(opts.portBase.sip, opts.portBase.media) : captureFilter());
  const tcpdump = start('tcpdump', toolPath('tcpdump'), tcpdumpArgs, cwd);
  live.add(tcpdump);
  const perFlow: FlowTiming[] = [];
  let tcpdumpStats = '';
  try {
    // tcpdump prints "listening on lo, ..." once the capture is active
    for (let i = 0; i < 500 && !/listening on/.test(outputOf(tcpdump)); i++) {
      if (tcpdump.done) throw new Error(`tcpdump exited (code ${tcpdump.code}):\n${tail(outputOf(tcpdump), 40)}`);
      if (Date.now() > t0 + 5000) throw new Error(`tcpdump did not start listening within 5 s:\n${tail(outputOf(tcpdump), 40)}`);
      await sleep(10);
    }
    if (!/listening on/.test(outputOf(tcpdump))) throw new Error('tcpdump did not start listening');

    for (const name of flows) {
      if (Date.now() > deadline) throw new Error(`recording exceeded ${opts.timeoutMs ?? 30_000} ms before flow ${name}`);
      const f0 = Date.now();
      await runFlow(table[name], cwd, live, deadline);
      perFlow.push({ flow: name, ms: Date.now() - f0 });
    }

    // let the last packets reach tcpdump, then stop it cleanly so the file is complete
    await sleep(150);
    tcpdump.proc.kill('SIGINT');
    if (!(await waitExit(tcpdump, 5000))) throw new Error('tcpdump did not exit after SIGINT');
    tcpdumpStats = tail(outputOf(tcpdump), 3);
    const dropped = /(\d+) packets? dropped by kernel/.exec(outputOf(tcpdump));
    if (dropped && Number(dropped[1]) > 0) throw new Error(`tcpdump dropped packets: ${tcpdumpStats}`);
    if (!existsSync(pcap) || statSync(pcap).size <= 24) throw new Error(`no packets recorded in ${pcap}: ${tcpdumpStats}`);
  } finally {
    for (const c of live) await stop(c, c === tcpdump ? 'SIGINT' : 'SIGKILL');
    live.clear();
    writeFileSync(join(cwd, 'tcpdump.log'), outputOf(tcpdump));
  }
  return { pcap, flows: [...flows], totalMs: Date.now() - t0, perFlow, tcpdumpStats };
}
