// A HEP v3 agent for the live bench: answered calls (INVITE, 100, 180, 200, ACK, BYE, 200 over
// 2.1 s, seven messages), mirrored over UDP or TCP at a steady rate of SIP messages per second,
// each stamped with the time it is sent, as an agent beside a SIP server would. Prints one JSON
// line: what was sent, in how long, and the Call-ID prefix of its calls.
//
//   node --import tsx bench/hep-sender.ts --port 28890 [--transport udp|tcp] --rate 20000 --seconds 10

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { hepPacket } from '../test/support/hep.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i < 0 ? dflt : argv[i + 1];
};
const port = Number(opt('--port', '28890'));
const transport = opt('--transport', 'udp');
const rate = Number(opt('--rate', '10000'));
const seconds = Number(opt('--seconds', '10'));
const prefix = `hepbench-${process.pid}-`;

/** The call's messages: offset in seconds, sent by the caller, start line, CSeq, To tag. */
const CALL: [number, boolean, string, string, boolean][] = [
  [0, true, 'INVITE sip:bob@192.0.2.20 SIP/2.0', '1 INVITE', false],
  [0.01, false, 'SIP/2.0 100 Trying', '1 INVITE', false],
  [0.1, false, 'SIP/2.0 180 Ringing', '1 INVITE', true],
  [0.5, false, 'SIP/2.0 200 OK', '1 INVITE', true],
  [0.51, true, 'ACK sip:bob@192.0.2.20 SIP/2.0', '1 ACK', true],
  [2.1, true, 'BYE sip:bob@192.0.2.20 SIP/2.0', '2 BYE', true],
  [2.11, false, 'SIP/2.0 200 OK', '2 BYE', true],
];
const enc = new TextEncoder();

/** Where chunk `type`'s data starts in a HEP packet. */
function chunkData(p: Uint8Array, type: number): number {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  for (let off = 6; off + 6 <= p.length; off += v.getUint16(off + 4)) if (v.getUint16(off + 2) === type) return off + 6;
  throw new Error(`no chunk ${type}`);
}

/**
 * Each message of the call as a packet built once, with the call number (8 digits, "########"
 * in the text) and the time patched in per call: building packets must not be what limits the rate.
 */
const TEMPLATES = CALL.map(([, fromCaller, first, cseq, tag]) => {
  const text =
    `${first}\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK########x${cseq[0]}\r\n` +
    `From: <sip:alice@example.com>;tag=a########\r\nTo: <sip:bob@example.net>${tag ? ';tag=b########' : ''}\r\n` +
    `Call-ID: ${prefix}########\r\nCSeq: ${cseq}\r\nUser-Agent: hep-bench\r\nContent-Length: 0\r\n\r\n`;
  const packet = hepPacket({
    src: fromCaller ? '192.0.2.10' : '192.0.2.20',
    dst: fromCaller ? '192.0.2.20' : '192.0.2.10',
    sport: 5060,
    dport: 5060,
    time: 0,
    payload: enc.encode(text),
  });
  const digits: number[] = [];
  const hash = 0x23;
  for (let i = 0; i + 8 <= packet.length; i++) {
    if (!packet.subarray(i, i + 8).every((b) => b === hash)) continue;
    digits.push(i);
    i += 7;
  }
  return { packet, digits, sec: chunkData(packet, 9), usec: chunkData(packet, 10) };
});

function message(call: number, k: number, time: number): Uint8Array {
  const t = TEMPLATES[k];
  const p = t.packet.slice();
  const n = String(call).padStart(8, '0');
  for (const at of t.digits) for (let j = 0; j < 8; j++) p[at + j] = n.charCodeAt(j);
  const v = new DataView(p.buffer);
  const sec = Math.floor(time);
  v.setUint32(t.sec, sec);
  v.setUint32(t.usec, Math.min(999_999, Math.round((time - sec) * 1e6)));
  return p;
}

async function main(): Promise<void> {
  const callRate = rate / CALL.length;
  const calls = Math.floor(callRate * seconds);
  // due times of every message, in order: calls start evenly, each message at its offset
  const due: [number, number, number][] = [];
  for (let c = 0; c < calls; c++) for (let k = 0; k < CALL.length; k++) due.push([c / callRate + CALL[k][0], c, k]);
  due.sort((a, b) => a[0] - b[0]);

  const udp = transport === 'udp' ? createSocket('udp4') : null;
  const tcp =
    transport === 'tcp'
      ? await new Promise<ReturnType<typeof connect>>((res, rej) => {
          const s = connect({ host: '127.0.0.1', port }, () => res(s));
          s.once('error', rej);
        })
      : null;
  const send = (p: Uint8Array) =>
    udp
      ? new Promise<void>((r) => udp.send(p, port, '127.0.0.1', () => r()))
      : new Promise<void>((r) => (tcp!.write(p) ? r() : tcp!.once('drain', () => r())));

  const t0 = performance.now();
  const wall0 = Date.now() / 1000;
  let i = 0;
  let late = 0;
  while (i < due.length) {
    const now = (performance.now() - t0) / 1000;
    if (due[i][0] > now) {
      await new Promise((r) => setTimeout(r, Math.min(5, (due[i][0] - now) * 1000)));
      continue;
    }
    // everything due by now, in one go
    for (; i < due.length && due[i][0] <= now; i++) {
      const [, c, k] = due[i];
      await send(message(c, k, wall0 + (performance.now() - t0) / 1000));
    }
    if (now - due[i - 1][0] > 0.05) late++;
  }
  const secs = (performance.now() - t0) / 1000;
  udp?.close();
  if (tcp) await new Promise<void>((r) => tcp.end(() => r()));
  // the schedule spans `span` seconds (calls start for `seconds`, the last ones end 2.11 s later);
  // finishing later means the sender could not keep the rate: the rate reached is that much lower
  const span = due.length ? due[due.length - 1][0] : 0;
  const reached = Math.round(rate * Math.min(1, span / secs));
  process.stdout.write(
    `${JSON.stringify({ sent: due.length, calls, seconds: +secs.toFixed(2), span: +span.toFixed(2), rate: reached, late, prefix })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`hep-sender: ${(e as Error).message}\n`);
  process.exit(1);
});
