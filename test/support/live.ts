// Running `sipscope live` in tests: start it (optionally through a wrapper such as
// `ip netns exec NS`), wait until its tcpdump listens, stop it with a signal, and find/kill the
// tcpdump it started (its own process group, so a kill of sipscope alone would leave it behind).
// Also the SIPp scenarios and the short RTP pcap of the live tests and of the bench's live run.

import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rtp, udpPacketV4, writePcap } from './capture-writer.ts';
import { parseJsonl } from './jsonl.ts';
import { BIN, repoRoot } from './paths.ts';
import { startBg, stopBg, waitExit, waitFor, type Bg } from './procs.ts';

export interface Live {
  bg: Bg;
  /** parsed JSON Lines printed so far (complete lines only) */
  records(): Record<string, any>[];
  /** the tcpdump started by this sipscope (found once it listens) */
  tcpdumpPid: number | null;
}

/** Child pids of `pid` (all its threads), from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      /* thread gone */
    }
  }
  return out;
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Pid of the tcpdump under sipscope's pid (or null). */
export function findTcpdump(pid: number): number | null {
  return childPids(pid).find((c) => commOf(c) === 'tcpdump') ?? null;
}

/** Status of a pid from /proc (VmRSS in KiB), null when gone. */
export function rssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Start `sipscope live ARGS` (through `wrapper` when given, e.g. ['ip', 'netns', 'exec', NS])
 * and wait (bounded) until its tcpdump listens.
 */
export async function startLive(args: string[], opts: { wrapper?: string[]; name?: string; readyMs?: number } = {}): Promise<Live> {
  const cmd = [...(opts.wrapper ?? []), process.execPath, BIN, 'live', ...args];
  const bg = startBg(opts.name ?? 'sipscope live', cmd[0], cmd.slice(1), { cwd: repoRoot });
  const live: Live = { bg, records: () => parseJsonl(bg.stdout()), tcpdumpPid: null };
  await waitFor(() => /listening on /.test(bg.stderr()), opts.readyMs ?? 10_000, 'sipscope live to listen', bg);
  live.tcpdumpPid = findTcpdump(bg.pid);
  return live;
}

/** Stop sipscope with `sig` and wait for it (bounded); afterwards, kill a tcpdump it left behind. */
export async function stopLive(live: Live, sig: NodeJS.Signals = 'SIGINT', ms = 20_000): Promise<void> {
  if (!live.bg.done) {
    try {
      live.bg.proc.kill(sig);
    } catch {
      /* gone */
    }
    await waitExit(live.bg, ms);
  }
  await killLive(live);
}

/** Kill sipscope and its tcpdump by pid (finally/afterAll). */
export async function killLive(live: Live): Promise<void> {
  const t = live.tcpdumpPid ?? (live.bg.done ? null : findTcpdump(live.bg.pid));
  await stopBg(live.bg, 'SIGKILL', 3000);
  if (t !== null && commOf(t) === 'tcpdump') {
    try {
      process.kill(t, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------- SIPp scenarios for live tests and the bench

const HDR = (method: string, cseq: string, toTag: boolean) => `
      ${method} sip:callee@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Live" <sip:live@[local_ip]:[local_port]>;tag=[pid]n[call_number]
      To: <sip:callee@[remote_ip]:[remote_port]>${toTag ? '[peer_tag_param]' : ''}
      Call-ID: [call_id]
      CSeq: ${cseq}
      Max-Forwards: 70
      User-Agent: sipscope-live-test`;

const INVITE = `<send retrans="500"><![CDATA[${HDR('INVITE', '1 INVITE', false)}
      Contact: <sip:live@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=live 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
    ]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rtd="true" />
  <send><![CDATA[${HDR('ACK', '1 ACK', true)}
      Content-Length: 0
    ]]></send>`;

const BYE = `<send retrans="500"><![CDATA[${HDR('BYE', '2 BYE', true)}
      Content-Length: 0
    ]]></send>
  <recv response="200" />`;

const scenario = (name: string, body: string) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n  ${body}\n</scenario>\n`;

/** answered call, 0.5 s of PCMA RTP (pcap/short.pcap, echoed by the callee), BYE */
export const UAC_LOAD = scenario(
  'live load caller',
  `${INVITE}
  <nop><action><exec play_pcap_audio="pcap/short.pcap" /></action></nop>
  <pause milliseconds="600" />
  ${BYE}`,
);
/** answered call that never hangs up */
export const UAC_NO_BYE = scenario('live caller without BYE', INVITE);
/** answered call, hangs up only after a minute (stopped before) */
export const UAC_HOLD = scenario(
  'live caller on hold',
  `${INVITE}
  <pause milliseconds="60000" />
  ${BYE}`,
);
export const UAS_NO_BYE = scenario(
  'live callee without BYE',
  `<recv request="INVITE" />
  <send><![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=callee[pid]n[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]></send>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=callee[pid]n[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:callee@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=callee 2 2 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
    ]]></send>
  <recv request="ACK" />`,
);

/** 25 RTP packets (0.5 s of PCMA at 20 ms) for play_pcap_audio: addresses/ports are replaced by SIPp. */
export function shortRtpPcap(): Uint8Array {
  const pk = [];
  for (let i = 0; i < 25; i++)
    pk.push({
      ts: 1_000 + i * 0.02,
      data: udpPacketV4('10.0.0.1', 4000, '10.0.0.2', 4002, rtp({ pt: 8, seq: i, ts: i * 160, ssrc: 0x5ca1ab1e }, 160)),
    });
  return writePcap(pk);
}

/**
 * Write into `dir` what the scenarios need: pcap/short.pcap and uac-load.xml, uac-nobye.xml,
 * uac-hold.xml, uas-nobye.xml (SIPp runs with `dir` as its working directory).
 */
export function writeLoadFiles(dir: string): void {
  mkdirSync(join(dir, 'pcap'), { recursive: true });
  writeFileSync(join(dir, 'pcap', 'short.pcap'), shortRtpPcap());
  for (const [f, text] of Object.entries({
    'uac-load.xml': UAC_LOAD,
    'uac-nobye.xml': UAC_NO_BYE,
    'uac-hold.xml': UAC_HOLD,
    'uas-nobye.xml': UAS_NO_BYE,
  }))
    writeFileSync(join(dir, f), text);
}
