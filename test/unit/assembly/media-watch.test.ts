// The core's media watch: RTP to watched endpoints counted (packets, last seen), and endpoints
// of an SDP watched by the core before JavaScript sees the message.

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import { A4, B4, A6, B6, B6T, tsAt, pcap, req, SDP, expectCounters, udp4, udp6, eth } from '../../support/core-fixtures.ts';
import { createEngine } from '../../../node/wasm.ts';
import type { SipMessage } from '../../../shared/events.ts';

// ================================================================= RTP counting

describe('RTP counting', () => {
  test('watch(ip, port): packets(), lastSeen() and the rtpFrames counter', async () => {
    const engine = await createEngine();
    const msgs: SipMessage[] = [];
    engine.onMessage = (x) => msgs.push(x);
    const id4 = engine.watch(B4, 50000);
    const id6 = engine.watch(B6T, 50002);
    expect(id4).toBeGreaterThanOrEqual(0);
    expect(id6).toBeGreaterThanOrEqual(0);
    expect(engine.watch('not an ip', 1)).toBe(-1);
    // no SDP here: the core would watch its endpoints on its own (tested below)
    const frames: Uint8Array[] = [eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'rtp')))];
    for (let i = 0; i < 5; i++) frames.push(eth(udp4(A4, 40000, B4, 50000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 1 }, 160))));
    // the answer to the watched stream (symmetric RTP) is heard at its source; from another port it is not
    for (let i = 0; i < 3; i++) frames.push(eth(udp4(B4, 50000, A4, 40000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 2 }, 160))));
    frames.push(eth(udp4(B4, 50009, A4, 40000, cw.rtp({ pt: 0, seq: 0, ts: 0, ssrc: 4 }, 160))));
    for (let i = 0; i < 2; i++) frames.push(eth(udp6(A6, 40002, B6, 50002, cw.rtp({ pt: 8, seq: i, ts: i * 160, ssrc: 3 }, 160))));
    frames.push(eth(udp4(A4, 40000, B4, 50001, cw.rtp({ pt: 0, seq: 9, ts: 0, ssrc: 1 }, 160)))); // other port
    engine.beginFile(0);
    engine.feed(pcap(frames));
    expect(engine.endFile().error).toBe(0);
    engine.finish();
    expect(msgs).toHaveLength(1);
    expect(engine.packets(id4)).toBe(5);
    expect(engine.packets(id6)).toBe(2);
    expect(engine.lastSeen(id4)).toBeCloseTo(tsAt(5).sec + tsAt(5).nsec / 1e9, 6);
    expect(engine.lastSeen(id6)).toBeCloseTo(tsAt(11).sec + tsAt(11).nsec / 1e9, 6);
    const stats = engine.stats();
    expectCounters(stats, { frames: 13, sipFrames: 1, rtpFrames: 10, otherFrames: 2 });
    expect(stats.rtpBytes).toBe(10 * (12 + 160));
  });

  test('RTP following an SDP in the same input chunk is counted by the core before JS sees the message', async () => {
    const engine = await createEngine();
    const msgs: SipMessage[] = [];
    engine.onMessage = (x) => msgs.push(x);
    // SDP: session c= A4, audio 40000 (RTP/AVP)
    const frames: Uint8Array[] = [eth(udp4(A4, 5060, B4, 5060, req('INVITE', 'rtp-sdp', { body: SDP })))];
    for (let i = 0; i < 3; i++) frames.push(eth(udp4(B4, 50000, A4, 40000, cw.rtp({ pt: 0, seq: i, ts: i * 160, ssrc: 2 }, 160))));
    engine.beginFile(0);
    engine.feed(pcap(frames)); // one chunk
    engine.endFile();
    engine.finish();
    expect(msgs).toHaveLength(1);
    expectCounters(engine.stats(), { frames: 4, sipFrames: 1, rtpFrames: 3, otherFrames: 0 });
  });
});
