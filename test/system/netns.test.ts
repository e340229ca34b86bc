// `sipscope live` on a real Ethernet link with MTU 1500: two network namespaces joined by a veth
// pair (private test addresses inside the namespaces only; nothing leaves them). From namespace
// B, INVITEs whose SDP makes them larger than the MTU (so the kernel fragments them, IPv4 and
// IPv6) go to namespace A, where `sipscope live -i <veth> -f 'udp port 5060'` runs. With the
// default --frag-filter add, the fragments without ports are captured and the calls are right;
// with --frag-filter off the same filter loses them (the reason for the default).
// The namespaces are removed in finally. Without permission for `ip netns` the test is skipped
// with the reason (CI=true: it fails).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { have, isCI, run, toolPath } from '../support/tools/exec.ts';
import { stopAll, waitFor } from '../support/procs.ts';
import { killLive, startLive, stopLive, type Live } from '../support/live.ts';

const tag = String(process.pid % 100000);
const NS_A = `sipscope-a-${tag}`;
const NS_B = `sipscope-b-${tag}`;
const VETH_A = `ssa${tag}`; // interface names: at most 15 characters
const VETH_B = `ssb${tag}`;
const A4 = '10.28.0.1';
const B4 = '10.28.0.2';
const A6 = 'fd28::1';
const B6 = 'fd28::2';

/** null when network namespaces can be made here, else why not */
function netnsProblem(): string | null {
  const missing = ['ip', 'tcpdump'].filter((t) => !have(t));
  if (missing.length) return `missing tool(s): ${missing.join(', ')}`;
  const probe = `sipscope-probe-${tag}`;
  const r = spawnSync(toolPath('ip'), ['netns', 'add', probe], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return `ip netns add is not permitted: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`;
  spawnSync(toolPath('ip'), ['netns', 'del', probe], { timeout: 10_000 });
  return null;
}

const problem = netnsProblem();
if (problem && !isCI) console.warn(`[netns] skipped: ${problem} (set CI=true to make this a failure)`);

test.runIf(problem !== null && isCI)('network namespaces can be created (CI)', () => {
  throw new Error(`[netns] ${problem} (required when CI=true)`);
});

const ip = (...args: string[]) => run(toolPath('ip'), args, { timeoutMs: 15_000 });

/** An INVITE whose SDP is > 1500 bytes; the codecs that only the last fragment carries are named. */
function bigInvite(callId: string, src: string, dst: string): string {
  const v6 = src.includes(':');
  const host = (a: string) => (v6 ? `[${a}]` : a);
  const fill = Array.from({ length: 40 }, (_, i) => `a=x-sipscope-filler-${String(i).padStart(2, '0')}:${'f'.repeat(40)}\r\n`).join('');
  const sdp =
    `v=0\r\no=netns 1 1 IN IP${v6 ? 6 : 4} ${src}\r\ns=-\r\nc=IN IP${v6 ? 6 : 4} ${src}\r\nt=0 0\r\n` +
    `m=audio 40000 RTP/AVP 0 8 18 96 101\r\n${fill}` +
    `a=rtpmap:18 G729/8000\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n`;
  return (
    `INVITE sip:bob@${host(dst)}:5060 SIP/2.0\r\nVia: SIP/2.0/UDP ${host(src)}:5062;branch=z9hG4bK-${callId}\r\nMax-Forwards: 70\r\n` +
    `From: "Alice" <sip:alice@${host(src)}>;tag=netns1\r\nTo: <sip:bob@${host(dst)}>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\n` +
    `User-Agent: sipscope-netns-test\r\nContent-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`
  );
}

describe.skipIf(problem !== null)('sipscope live in a network namespace, MTU 1500, fragmented INVITEs', () => {
  const lives: Live[] = [];
  let made = false;

  beforeAll(async () => {
    made = true;
    await ip('netns', 'add', NS_A);
    await ip('netns', 'add', NS_B);
    // created directly inside the namespaces: the root namespace never sees the pair
    await ip('link', 'add', VETH_A, 'netns', NS_A, 'mtu', '1500', 'type', 'veth', 'peer', 'name', VETH_B, 'netns', NS_B, 'mtu', '1500');
    for (const [ns, dev, a4, a6] of [
      [NS_A, VETH_A, A4, A6],
      [NS_B, VETH_B, B4, B6],
    ]) {
      await ip('-n', ns, 'addr', 'add', `${a4}/24`, 'dev', dev);
      await ip('-n', ns, 'addr', 'add', `${a6}/64`, 'dev', dev, 'nodad');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', dev, 'up');
    }
  });

  afterAll(async () => {
    try {
      for (const l of lives) await killLive(l);
      await stopAll();
    } finally {
      if (made) {
        // deleting a namespace deletes its end of the veth pair, and with it the pair
        for (const ns of [NS_A, NS_B])
          await run(toolPath('ip'), ['netns', 'del', ns], { allowFail: true, timeoutMs: 15_000 }).catch(() => {});
      }
    }
    const left = (await run(toolPath('ip'), ['netns', 'list'], { allowFail: true })).stdout;
    expect(left).not.toContain(NS_A);
    expect(left).not.toContain(NS_B);
  });

  test('IPv4 and IPv6 INVITEs larger than the MTU: the record has the Call-ID, all codecs and the state', { timeout: 60_000 }, async () => {
    expect((await ip('-n', NS_A, 'link', 'show', VETH_A)).stdout).toMatch(/mtu 1500/);
    const wrapper = [toolPath('ip'), 'netns', 'exec', NS_A];
    const args = ['-i', VETH_A, '-f', 'udp port 5060', '--format', 'jsonl', '--status-interval', '1'];
    const withFrags = await startLive(args, { wrapper, name: 'sipscope live (frag-filter add)' });
    lives.push(withFrags);
    const without = await startLive([...args, '--frag-filter', 'off'], { wrapper, name: 'sipscope live (frag-filter off)' });
    lives.push(without);
    expect(withFrags.bg.stderr()).toMatch(/link-type EN10MB/);
    expect(withFrags.bg.stderr()).toContain('filter: (udp port 5060) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)');

    const ids = { v4: `netns-v4-${tag}@${B4}`, v6: `netns-v6-${tag}@[${B6}]` };
    const msgs = [
      { text: bigInvite(ids.v4, B4, A4), family: 'udp4', dst: A4 },
      { text: bigInvite(ids.v6, B6, A6), family: 'udp6', dst: A6 },
    ];
    for (const m of msgs) expect(Buffer.byteLength(m.text)).toBeGreaterThan(2500);
    // sent from namespace B by a small node script (one datagram each; the kernel fragments them)
    const script = `
      import { createSocket } from 'node:dgram';
      const msgs = JSON.parse(process.argv[1]);
      for (const m of msgs) {
        const s = createSocket(m.family);
        await new Promise((res, rej) => s.bind(5062, () => s.send(m.text, 5060, m.dst, (e) => (e ? rej(e) : res()))));
        s.close();
      }`;
    await run(toolPath('ip'), ['netns', 'exec', NS_B, process.execPath, '--input-type=module', '-e', script, JSON.stringify(msgs)], {
      timeoutMs: 15_000,
    });

    await waitFor(() => /status: calls 2 open/.test(withFrags.bg.stderr()), 10_000, 'both INVITEs to be decoded', withFrags.bg);
    await stopLive(withFrags, 'SIGINT');
    await stopLive(without, 'SIGINT');
    expect(withFrags.bg.code, withFrags.bg.stderr()).toBe(0);
    expect(without.bg.code, without.bg.stderr()).toBe(0);

    const recs = withFrags.records();
    expect(recs.map((r) => r.SIP_CALL_ID).sort()).toEqual([ids.v4, ids.v6].sort());
    for (const r of recs) {
      expect(r).toMatchObject({
        SIP_CALL_STATE: 'CALL_STARTED',
        SIP_RTP_CODECS: 'PCMU;PCMA;G729;opus',
        SIP_UAC: 'sipscope-netns-test',
        SIP_CALLING_PARTY: expect.stringMatching(/^"Alice" <sip:alice@/),
        SIP_RTP_L4_SRC_PORT: 40000,
      });
    }
    expect(recs.find((r) => r.SIP_CALL_ID === ids.v4)).toMatchObject({
      SIP_RTP_IPV4_SRC_ADDR: B4,
      flow: { ipVersion: 4, src: B4, dst: A4 },
    });
    expect(recs.find((r) => r.SIP_CALL_ID === ids.v6)).toMatchObject({
      SIP_C_IP: B6,
      rtpSrc: `[${B6}]:40000`,
      flow: { ipVersion: 6, src: B6, dst: A6 },
    });
    // each INVITE came in fragments (2 or more) and was reassembled
    expect(Number(/IP fragments (\d+)/.exec(withFrags.bg.stderr())?.[1])).toBeGreaterThanOrEqual(4);
    expect(withFrags.bg.stderr()).toMatch(/IP datagrams reassembled 2/);
    expect(withFrags.bg.stderr()).toMatch(/0 packets dropped by kernel/);

    // the same filter without the fragment rule: the IPv4 first fragment alone (IPv6 fragments
    // have no UDP header at all) — the messages are never complete, no call
    expect(without.records()).toEqual([]);
    expect(without.bg.stderr()).toMatch(/0 SIP messages/);
    console.log(
      `[netns] frag-filter add: ${recs.length} records (${recs.map((r) => `${r.flow.ipVersion === 6 ? 'IPv6' : 'IPv4'} ${r.SIP_RTP_CODECS}`).join(', ')}); ` +
        `frag-filter off: ${without.records().length} records (${/not decoded: ([^\n]*)/.exec(without.bg.stderr())?.[1] ?? 'nothing counted'})`,
    );
  });
});
