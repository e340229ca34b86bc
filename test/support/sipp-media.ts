// SIPp calls with real RTP in both directions, recorded with tcpdump on loopback, for the media
// tests. Unlike test/support/tools/sipp.ts (one flow after the other, the callee echoing the
// caller), each side here plays its own RTP (a pcap this module writes: known SSRC, sequence
// numbers and timestamps, 20 ms PCMA), the calls run at the same time, and a call can put the
// callee on hold with re-INVITEs (a=sendonly) and resume, or announce a=rtcp-mux in both SDPs.
// Every process is started by this module, bounded in time and ended by its pid.

import { readFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rtp, udpPacketV4, writePcap } from './capture-writer.ts';
import { type Bg, sleep, startBg, stopBg, tail, waitExit, waitFor } from './procs.ts';
import { toolPath } from './tools/exec.ts';

export interface MediaCall {
  name: string;
  ipVersion: 4 | 6;
  /** SIP ports of callee and caller, RTP ports of callee and caller (RTCP: + 1) */
  sip: { callee: number; caller: number };
  media: { callee: number; caller: number };
  /**
   * basic: both sides play `packets` RTP packets from the answer on; the caller hangs up
   *   `byeAfterMs` after its ACK.
   * hold: the caller plays all along; the callee plays 1 s, the caller puts it on hold
   *   (re-INVITE a=sendonly, answer a=recvonly) for 2.5 s, resumes (the callee plays 1 s more,
   *   same SSRC, its sequence numbers going on), holds again and hangs up 2.3 s later, on hold.
   */
  kind: 'basic' | 'hold';
  packets?: number;
  byeAfterMs?: number;
  /** a=rtcp-mux in both SDPs */
  mux?: boolean;
  /** SSRCs of the caller's and the callee's RTP */
  ssrc: { caller: number; callee: number };
}

export const HOLD_TIMELINE = {
  /** ms after the ACK: hold, resume, hold again, BYE */
  holdMs: 1200,
  resumeMs: 3700,
  holdAgainMs: 4900,
  byeMs: 7200,
  /** callee packets before the hold and after the resume */
  calleeBefore: 50,
  calleeAfter: 50,
  callerPackets: 350,
} as const;

export const hostOf = (c: MediaCall) => (c.ipVersion === 6 ? '::1' : '127.0.0.1');

// ---------------------------------------------------------------- scenarios

const sdp = (who: string, version: number, direction: string, mux: boolean) =>
  [
    'v=0',
    `o=${who} 1001 ${version} IN IP[local_ip_type] [local_ip]`,
    's=sipscope media test',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    'm=audio [media_port] RTP/AVP 8 101',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${direction}`,
    ...(mux ? ['a=rtcp-mux'] : []),
  ]
    .map((l) => `      ${l}`)
    .join('\n');

const callerHeaders = (method: string, cseq: number, dialog: boolean) => `
      ${method} sip:callee@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: "Caller" <sip:caller@[local_ip]:[local_port]>;tag=caller[pid]n[call_number]
      To: <sip:callee@[remote_ip]:[remote_port]>${dialog ? '[peer_tag_param]' : ''}
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Contact: <sip:caller@[local_ip]:[local_port]>
      User-Agent: sipscope-media-caller`;

function invite(cseq: number, direction: string, mux: boolean): string {
  return `  <send retrans="500"><![CDATA[${callerHeaders('INVITE', cseq, cseq > 1)}
      Content-Type: application/sdp
      Content-Length: [len]

${sdp('caller', cseq, direction, mux)}
    ]]></send>
  <recv response="100" optional="true" />
  ${cseq === 1 ? '<recv response="180" optional="true" />' : ''}
  <recv response="200" rtd="true" />
  <send><![CDATA[${callerHeaders('ACK', cseq, true)}
      Content-Length: 0
    ]]></send>`;
}

const bye = (cseq: number) => `  <send retrans="500"><![CDATA[${callerHeaders('BYE', cseq, true)}
      Content-Length: 0
    ]]></send>
  <recv response="200" />`;

const play = (file: string) => `  <nop><action><exec play_pcap_audio="${file}" /></action></nop>`;
const pause = (ms: number) => `  <pause milliseconds="${ms}" />`;

const answer = (status: string, tag: boolean, body: string | null) => `  <send retrans="500"><![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:]${tag ? ';tag=callee[pid]n[call_number]' : ''}
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:callee@[local_ip]:[local_port]>
      Server: sipscope-media-callee
${body === null ? '      Content-Length: 0' : `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${body}`}
    ]]></send>`;

const scenario = (name: string, body: string[]) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${body.join('\n')}\n</scenario>\n`;

function scenarios(c: MediaCall): { uac: string; uas: string } {
  const mux = c.mux === true;
  const up = `pcap/${c.name}-up.pcap`;
  if (c.kind === 'basic') {
    return {
      uac: scenario(`${c.name} caller`, [invite(1, 'sendrecv', mux), play(up), pause(c.byeAfterMs ?? 3400), bye(2)]),
      uas: scenario(`${c.name} callee`, [
        '  <recv request="INVITE" />',
        answer('100 Trying', false, null),
        answer('180 Ringing', true, null),
        answer('200 OK', true, sdp('callee', 1, 'sendrecv', mux)),
        '  <recv request="ACK" />',
        play(`pcap/${c.name}-down.pcap`),
        '  <recv request="BYE" />',
        answer('200 OK', false, null),
      ]),
    };
  }
  const h = HOLD_TIMELINE;
  const reinvite = (cseq: number, dir: string, calleeDir: string) => ({
    uac: invite(cseq, dir, mux),
    uas: ['  <recv request="INVITE" />', answer('200 OK', false, sdp('callee', cseq, calleeDir, mux)), '  <recv request="ACK" />'].join(
      '\n',
    ),
  });
  const hold = reinvite(2, 'sendonly', 'recvonly');
  const resume = reinvite(3, 'sendrecv', 'sendrecv');
  const holdAgain = reinvite(4, 'sendonly', 'recvonly');
  return {
    uac: scenario(`${c.name} caller`, [
      invite(1, 'sendrecv', mux),
      play(up),
      pause(h.holdMs),
      hold.uac,
      pause(h.resumeMs - h.holdMs),
      resume.uac,
      pause(h.holdAgainMs - h.resumeMs),
      holdAgain.uac,
      pause(h.byeMs - h.holdAgainMs),
      bye(5),
    ]),
    uas: scenario(`${c.name} callee`, [
      '  <recv request="INVITE" />',
      answer('100 Trying', false, null),
      answer('180 Ringing', true, null),
      answer('200 OK', true, sdp('callee', 1, 'sendrecv', mux)),
      '  <recv request="ACK" />',
      play(`pcap/${c.name}-down.pcap`),
      hold.uas,
      resume.uas,
      play(`pcap/${c.name}-down2.pcap`),
      holdAgain.uas,
      '  <recv request="BYE" />',
      answer('200 OK', false, null),
    ]),
  };
}

// ---------------------------------------------------------------- the RTP the sides play

/** `count` PCMA packets, 20 ms apart (addresses and ports are SIPp's to replace). */
export function rtpPcap(o: { ssrc: number; count: number; seq: number; ts: number; marker?: boolean }): Uint8Array {
  const pk = [];
  for (let i = 0; i < o.count; i++)
    pk.push({
      ts: 1_000 + i * 0.02,
      data: udpPacketV4(
        '10.0.0.1',
        4000,
        '10.0.0.2',
        4002,
        rtp(
          { pt: 8, seq: (o.seq + i) & 0xffff, ts: (o.ts + i * 160) >>> 0, ssrc: o.ssrc, marker: i === 0 && o.marker !== false, fill: 0xd5 },
          160,
        ),
      ),
    });
  return writePcap(pk);
}

/** First sequence numbers and timestamps of the played RTP. */
export const CALLER_RTP = { seq: 1000, ts: 160_000 };
export const CALLEE_RTP = { seq: 5000, ts: 80_000 };

function writeFiles(dir: string, c: MediaCall): { uac: string; uas: string } {
  mkdirSync(join(dir, 'pcap'), { recursive: true });
  const n = c.kind === 'hold' ? HOLD_TIMELINE.callerPackets : (c.packets ?? 150);
  writeFileSync(join(dir, 'pcap', `${c.name}-up.pcap`), rtpPcap({ ssrc: c.ssrc.caller, count: n, ...CALLER_RTP }));
  const down = c.kind === 'hold' ? HOLD_TIMELINE.calleeBefore : (c.packets ?? 150);
  writeFileSync(join(dir, 'pcap', `${c.name}-down.pcap`), rtpPcap({ ssrc: c.ssrc.callee, count: down, ...CALLEE_RTP }));
  if (c.kind === 'hold') {
    // after the hold the callee goes on where it stopped: next sequence number, its clock ran on
    const ranOnMs = HOLD_TIMELINE.resumeMs - 20 * HOLD_TIMELINE.calleeBefore;
    writeFileSync(
      join(dir, 'pcap', `${c.name}-down2.pcap`),
      rtpPcap({
        ssrc: c.ssrc.callee,
        count: HOLD_TIMELINE.calleeAfter,
        seq: CALLEE_RTP.seq + HOLD_TIMELINE.calleeBefore,
        ts: CALLEE_RTP.ts + HOLD_TIMELINE.calleeBefore * 160 + ranOnMs * 8,
        marker: false,
      }),
    );
  }
  const s = scenarios(c);
  const uac = join(dir, `${c.name}-uac.xml`);
  const uas = join(dir, `${c.name}-uas.xml`);
  writeFileSync(uac, s.uac);
  writeFileSync(uas, s.uas);
  return { uac, uas };
}

// ---------------------------------------------------------------- running and recording

/** A UDP socket is bound to the port (a SIPp callee listens). */
export function portBound(port: number, v6 = false): boolean {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return readFileSync(`/proc/net/udp${v6 ? '6' : ''}`, 'utf8')
      .split('\n')
      .some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex));
  } catch {
    return false;
  }
}

/** Options every SIPp of a recorded call takes: UDP, one call, no terminal, bounded in time. */
export const SIPP_COMMON = ['-t', 'u1', '-nr', '-m', '1', '-nostdin', '-timeout', '20', '-timeout_error', '-bind_local'];

/** tcpdump on lo writing `pcap` as packets come (filter `filter`), once it listens. */
export async function startLoopbackCapture(dir: string, pcap: string, filter: string, waitMs: number, bufferKiB = 8192): Promise<Bg> {
  const args = ['-i', 'lo', '-n', '-U', '--immediate-mode', '-B', String(bufferKiB), '-s', '0', '-w', pcap];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('-Z', 'root');
  const tcpdump = startBg('tcpdump', toolPath('tcpdump'), [...args, filter], { cwd: dir });
  await waitFor(() => /listening on/.test(tcpdump.stderr()), Math.min(5000, waitMs), 'tcpdump to listen', tcpdump);
  return tcpdump;
}

/** Let the last packets reach tcpdump, stop it so the file's end is written, and check it lost
 *  nothing and wrote something; its closing lines. */
export async function finishLoopbackCapture(tcpdump: Bg, pcap: string, waitMs: number): Promise<string> {
  await sleep(150);
  tcpdump.proc.kill('SIGINT');
  if (!(await waitExit(tcpdump, Math.min(5000, waitMs + 2000)))) throw new Error('tcpdump did not stop after SIGINT');
  const closing = tail(tcpdump.stderr(), 3);
  const dropped = /(\d+) packets? dropped by kernel/.exec(tcpdump.stderr());
  if (dropped && Number(dropped[1]) > 0) throw new Error(`tcpdump dropped packets: ${closing}`);
  if (!existsSync(pcap) || statSync(pcap).size <= 24) throw new Error(`nothing recorded in ${pcap}`);
  return closing;
}

/** Wait for every process to end with exit 0 (else throw with the tail of its output). */
export async function allSucceed(procs: Bg[], left: () => number): Promise<void> {
  for (const b of procs) {
    if (!(await waitExit(b, left()))) throw new Error(`${b.name} did not finish in time:\n${tail(b.stdout() + b.stderr(), 30)}`);
    if (b.code !== 0) throw new Error(`${b.name} failed (exit ${b.code}):\n${tail(b.stdout() + b.stderr(), 30)}`);
  }
}

export interface Recorded {
  pcap: string;
  /** tcpdump's closing lines */
  tcpdump: string;
  ms: number;
}

/**
 * Run `calls` at the same time under one tcpdump on lo (`filter`), into DIR/NAME.pcap. Throws
 * with the tail of a failing tool's output; every process is ended (by pid) before it returns.
 */
export async function recordCalls(dir: string, calls: MediaCall[], filter: string, name = 'calls', timeoutMs = 30_000): Promise<Recorded> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const left = () => Math.max(0, deadline - Date.now());
  mkdirSync(dir, { recursive: true });
  const pcap = join(dir, `${name}.pcap`);
  const files = calls.map((c) => writeFiles(dir, c));
  const sipp = toolPath('sipp');
  const tcpdump = await startLoopbackCapture(dir, pcap, filter, left());
  const procs: Bg[] = [tcpdump];
  try {
    const uas = calls.map((c, i) => {
      const host = hostOf(c);
      const args = [
        '-sf',
        files[i].uas,
        '-i',
        host,
        '-p',
        String(c.sip.callee),
        '-mi',
        host,
        '-mp',
        String(c.media.callee),
        ...SIPP_COMMON,
      ];
      const b = startBg(`sipp callee ${c.name}`, sipp, args, { cwd: dir });
      procs.push(b);
      return b;
    });
    for (const [i, c] of calls.entries())
      await waitFor(() => portBound(c.sip.callee, c.ipVersion === 6), Math.min(5000, left()), `SIPp callee ${c.name} to listen`, uas[i]);
    const uac = calls.map((c, i) => {
      const host = hostOf(c);
      const remote = c.ipVersion === 6 ? `[${host}]:${c.sip.callee}` : `${host}:${c.sip.callee}`;
      const args = [
        '-sf',
        files[i].uac,
        remote,
        '-i',
        host,
        '-p',
        String(c.sip.caller),
        '-mi',
        host,
        '-mp',
        String(c.media.caller),
        '-cid_str',
        `sipscope-media-${c.name}-%u@%s`,
        ...SIPP_COMMON,
      ];
      const b = startBg(`sipp caller ${c.name}`, sipp, args, { cwd: dir });
      procs.push(b);
      return b;
    });
    await allSucceed([...uac, ...uas], left);
    return { pcap, tcpdump: await finishLoopbackCapture(tcpdump, pcap, left()), ms: Date.now() - t0 };
  } finally {
    for (const b of procs) await stopBg(b, b === tcpdump ? 'SIGINT' : 'SIGKILL', 2000);
  }
}
