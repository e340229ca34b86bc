// Checks the test harness itself (SIPp flows recorded with tcpdump, read back with tshark)
// before anything relies on it: every flow must be on the wire exactly as FLOWS describes it.
//
// Needs tshark, sipp (package sip-tester) and tcpdump with permission to capture on lo.
// Missing tools: skipped with a printed reason, unless CI=true (then the suite fails).

import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../support/temp.ts';
import { toolGate } from '../support/tools/exec.ts';
import { ALL_FLOWS, FLOWS, flowOfCallId, recordFlowsDetailed, type FlowName, type Recording } from '../support/tools/sipp.ts';
import { tsharkCalls, tsharkCount, tsharkSipMessages, tsharkTimeWithDigits, type TsharkSip } from '../support/tools/tshark.ts';

const gate = toolGate(['tshark', 'sipp', 'tcpdump'], 'harness.test', { capture: true });
const tsharkGate = toolGate(['tshark'], 'harness.test (tshark only)');

test.runIf(gate.mustFail)('required tools are installed (CI)', () => gate.assertAvailable());

/** A classic pcap (µs, Ethernet) with the given IPv4/TCP payloads from 10.0.0.1:5060 to 10.0.0.2:5060. */
function tcpPcap(payloads: string[]): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20); // Ethernet
  parts.push(gh);
  let seq = 1000;
  payloads.forEach((text, i) => {
    const payload = Buffer.from(text, 'latin1');
    const eth = Buffer.alloc(14);
    eth.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6]);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64;
    ip[9] = 6;
    ip.set([10, 0, 0, 1], 12);
    ip.set([10, 0, 0, 2], 16);
    let sum = 0;
    for (let j = 0; j < 20; j += 2) sum += ip.readUInt16BE(j);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(5060, 0);
    tcp.writeUInt16BE(5060, 2);
    tcp.writeUInt32BE(seq, 4);
    tcp.writeUInt32BE(1, 8);
    tcp[12] = 0x50;
    tcp[13] = 0x18; // PSH ACK
    tcp.writeUInt16BE(65535, 14);
    seq += payload.length;
    const frame = Buffer.concat([eth, ip, tcp, payload]);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_700_000_000 + i, 0);
    rh.writeUInt32LE(123456, 4);
    rh.writeUInt32LE(frame.length, 8);
    rh.writeUInt32LE(frame.length, 12);
    parts.push(rh, frame);
  });
  return Buffer.concat(parts);
}

function sipText(startLine: string, callId: string, cseq: string): string {
  return (
    [
      startLine,
      'Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKharness' + cseq.replace(/\W/g, ''),
      'From: <sip:a@10.0.0.1>;tag=a1',
      'To: <sip:b@10.0.0.2>;tag=b1',
      `Call-ID: ${callId}`,
      `CSeq: ${cseq}`,
      'Content-Length: 0',
    ].join('\r\n') + '\r\n\r\n'
  );
}

describe.skipIf(tsharkGate.missing.length > 0)('tshark reader (crafted capture)', () => {
  const dir = tempDir('harness-crafted');

  test('several SIP messages in one TCP segment come out one per message, in order', async () => {
    const file = dir.write(
      'multi.pcap',
      tcpPcap([
        sipText('SIP/2.0 200 OK', 'first@harness', '7 INVITE') +
          sipText('BYE sip:b@10.0.0.2 SIP/2.0', 'second@harness', '8 BYE') +
          sipText('SIP/2.0 486 Busy Here', 'third@harness', '9 INVITE'),
        sipText('OPTIONS sip:b@10.0.0.2 SIP/2.0', 'fourth@harness', '1 OPTIONS'),
      ]),
    );
    const msgs = await tsharkSipMessages(file);
    expect(
      msgs.map((m) => [m.frame, m.indexInFrame, m.messagesInFrame, m.isRequest ? m.method : m.status, m.callId, m.cseq, m.cseqMethod]),
    ).toEqual([
      [1, 0, 3, 200, 'first@harness', 7, 'INVITE'],
      [1, 1, 3, 'BYE', 'second@harness', 8, 'BYE'],
      [1, 2, 3, 486, 'third@harness', 9, 'INVITE'],
      [2, 0, 1, 'OPTIONS', 'fourth@harness', 1, 'OPTIONS'],
    ]);
    for (const m of msgs) {
      expect(m).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, transport: 'tcp', ipVersion: 4 });
      expect(m.ambiguous).toBe(false);
      expect(m.malformed).toBe(false);
    }
    expect(msgs[0].time).toBe('1700000000.123456000');
    expect(tsharkTimeWithDigits(msgs[0].time, 6)).toBe('1700000000.123456');
    expect(await tsharkCalls(file)).toEqual([]);
  });

  test('tsharkTimeWithDigits keeps significant digits only', () => {
    expect(tsharkTimeWithDigits('12.345000000', 6)).toBe('12.345000');
    expect(tsharkTimeWithDigits('12.345678912', 9)).toBe('12.345678912');
    expect(() => tsharkTimeWithDigits('12.345678912', 6)).toThrow();
    expect(tsharkTimeWithDigits('12', 3)).toBe('12.000');
  });
});

describe.skipIf(gate.missing.length > 0)('SIPp flows recorded on loopback, read back by tshark', () => {
  const dir = tempDir('harness');
  let rec: Recording;
  let msgs: TsharkSip[] = [];

  beforeAll(async () => {
    rec = await recordFlowsDetailed(dir.path, ALL_FLOWS);
    console.info(
      `[harness] recorded ${ALL_FLOWS.length} flows in ${rec.totalMs} ms (${rec.perFlow.map((p) => `${p.flow} ${p.ms} ms`).join(', ')}); ${rec.tcpdumpStats.replace(/\n/g, ', ')}`,
    );
    msgs = await tsharkSipMessages(rec.pcap, { extraFields: ['sip.Reason'] });
  }, 60_000);

  const ofFlow = (f: FlowName): TsharkSip[] => msgs.filter((m) => flowOfCallId(m.callId) === f);

  test('the recording took less than 30 s and every SIP message belongs to a flow', () => {
    expect(rec.totalMs).toBeLessThan(30_000);
    expect(msgs.length).toBe(ALL_FLOWS.reduce((n, f) => n + FLOWS[f].messages.length, 0));
    expect(msgs.filter((m) => flowOfCallId(m.callId) === null)).toEqual([]);
    for (const m of msgs) {
      expect(m.time).toMatch(/^\d{10}\.\d{9}$/);
      expect(m.malformed || m.ambiguous || m.inIcmpError).toBe(false);
      expect(m.messagesInFrame).toBe(1);
    }
    // frames and times increase through the file
    for (let i = 1; i < msgs.length; i++) {
      expect(msgs[i].frame).toBeGreaterThan(msgs[i - 1].frame);
      expect(BigInt(msgs[i].time.replace('.', ''))).toBeGreaterThanOrEqual(BigInt(msgs[i - 1].time.replace('.', '')));
    }
  });

  test('tsharkCalls: one INVITE Call-ID per flow', async () => {
    const calls = await tsharkCalls(rec.pcap);
    expect(calls.map((c) => flowOfCallId(c))).toEqual([...ALL_FLOWS]);
  });

  test.each(ALL_FLOWS.map((f) => [f]))('flow %s: expected messages, CSeq, Call-ID, transport, addresses', (name) => {
    const flow = FLOWS[name as FlowName];
    const got = ofFlow(flow.name);
    expect(new Set(got.map((m) => m.callId)).size).toBe(flow.calls);
    expect(
      got.map((m) => ({
        from:
          m.sport === flow.callerPort && m.dport === flow.calleePort
            ? 'caller'
            : m.sport === flow.calleePort && m.dport === flow.callerPort
              ? 'callee'
              : `?${m.sport}->${m.dport}`,
        method: m.method,
        status: m.status,
        cseq: m.cseq,
        cseqMethod: m.cseqMethod,
      })),
    ).toEqual(flow.messages);
    const addr = flow.ipVersion === 6 ? '::1' : '127.0.0.1';
    for (const m of got) {
      expect(m.transport).toBe(flow.transport);
      expect(m.ipVersion).toBe(flow.ipVersion);
      expect(m.src).toBe(addr);
      expect(m.dst).toBe(addr);
      expect(m.isRequest).toBe(m.method !== '');
    }
    if (flow.reason) {
      const finals = got.filter((m) => m.status >= 300);
      expect(finals.length).toBe(1);
      expect(finals[0].extra['sip.Reason']).toEqual([flow.reason]);
      expect(got.filter((m) => m.status < 300).every((m) => m.extra['sip.Reason'].length === 0)).toBe(true);
    }
  });

  test('answered-rtp: RTP both ways between the ACK and the BYE', async () => {
    const flow = FLOWS['answered-rtp'];
    const decode = { extraDecodeAs: [`udp.port==${flow.calleeMediaPort},rtp`] };
    const up = await tsharkCount(rec.pcap, `rtp && udp.srcport==${flow.callerMediaPort} && udp.dstport==${flow.calleeMediaPort}`, decode);
    const down = await tsharkCount(rec.pcap, `rtp && udp.srcport==${flow.calleeMediaPort} && udp.dstport==${flow.callerMediaPort}`, decode);
    // ~2 s of 20 ms packets, paced by SIPp; allow a wide margin for a busy machine
    expect(up).toBeGreaterThanOrEqual(30);
    expect(down).toBeGreaterThanOrEqual(30);
    const sip = ofFlow('answered-rtp');
    const ack = sip.find((m) => m.method === 'ACK')!;
    const bye = sip.find((m) => m.method === 'BYE')!;
    const inCall = await tsharkCount(rec.pcap, `rtp && frame.number > ${ack.frame} && frame.number < ${bye.frame}`, decode);
    expect(inCall).toBeGreaterThanOrEqual(up + down - 4); // the echo of the last packets may trail the BYE
    // no RTP on the other flows' media ports
    const other = ALL_FLOWS.filter((f) => f !== 'answered-rtp')
      .map((f) => `udp.port==${FLOWS[f].calleeMediaPort} || udp.port==${FLOWS[f].callerMediaPort}`)
      .join(' || ');
    expect(await tsharkCount(rec.pcap, `udp && !sip && (${other})`)).toBe(0);
  });
});
