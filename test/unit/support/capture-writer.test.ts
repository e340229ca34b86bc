// The capture writer (test/support/capture-writer.ts) checked byte by byte: headers, link types,
// pcapng blocks, fragments, tunnels, TCP, SCTP, RTP, gzip. Whether tshark decodes the same bytes
// as intended is test/system/capture-writer-tshark.test.ts.

import { describe, it, expect } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import { A4, B4, A6, B6, T0, invite } from '../../support/capture-writer-fixtures.ts';

// ---------------------------------------------------------------- tests without tshark

describe('capture-writer (structure)', () => {
  it('parses IPv6 text forms', () => {
    const hex = (s: string) => Buffer.from(cw.parseIPv6(s)).toString('hex');
    expect(hex('::')).toBe('0'.repeat(32));
    expect(hex('::1')).toBe('0'.repeat(31) + '1');
    expect(hex('2001:db8::1')).toBe('20010db8' + '0'.repeat(23) + '1');
    expect(hex('fe80::1:2')).toBe('fe80' + '0'.repeat(20) + '00010002');
    expect(hex('2001:db8:0:1:2:3:4:5')).toBe('20010db8000000010002000300040005');
    expect(hex('::ffff:192.0.2.1')).toBe('0'.repeat(20) + 'ffffc0000201');
    expect(hex('fe80::1%eth0')).toBe('fe80' + '0'.repeat(27) + '1');
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1']) {
      expect(() => cw.parseIPv6(bad), bad).toThrow();
    }
  });

  it('writes a valid IPv4 header checksum and fragment fields', () => {
    const p = cw.ipv4({ src: A4, dst: B4, proto: 17, id: 0x1234, df: true, options: Uint8Array.of(0x94, 4, 0, 0) }, new Uint8Array(10));
    expect(p[0]).toBe(0x46);
    expect(cw.internetChecksum(p.subarray(0, 24))).toBe(0);
    const frags = cw.ipv4Fragments(
      { src: A4, dst: B4, proto: 17, options: Uint8Array.of(0x94, 4, 0, 0, 7, 3, 4) },
      new Uint8Array(100),
      32,
    );
    // record route (not copied) only in the first fragment, router alert in all
    expect(frags.map((f) => f.length)).toEqual([28 + 32, 24 + 32, 24 + 32, 24 + 4]);
    expect(frags.map((f) => ((f[6] << 8) | f[7]) & 0x3fff)).toEqual([0x2000, 0x2004, 0x2008, 12]);
    expect(() => cw.ipv4Fragments({ src: A4, dst: B4, proto: 17 }, new Uint8Array(100), 30)).toThrow();
  });

  it('builds IPv6 extension chains and fragment headers', () => {
    const hdr: cw.IPv6Header = {
      src: A6,
      dst: B6,
      nextHeader: 17,
      extHeaders: [{ type: 0 }, { type: 43 }, { type: 60, data: new Uint8Array(9) }],
    };
    const p = cw.ipv6(hdr, new Uint8Array(4));
    expect(p[6]).toBe(0); // first: hop-by-hop
    expect([p[40], p[41]]).toEqual([43, 0]);
    expect([p[48], p[49]]).toEqual([60, 0]);
    expect([p[56], p[57]]).toEqual([17, 1]); // 2 + 9 bytes padded to 16
    expect((p[4] << 8) | p[5]).toBe(8 + 8 + 16 + 4);
    const frags = cw.ipv6Fragments(hdr, new Uint8Array(50), 24, 7);
    expect(frags).toHaveLength(3);
    expect([frags[0][56], frags[0][72]]).toEqual([44, 17]); // dst-opts -> fragment -> UDP
    expect(frags.map((f) => (f[74] << 8) | f[75])).toEqual([1, 24 | 1, 48]);
    expect(frags.map((f) => (f[4] << 8) | f[5])).toEqual(frags.map((f) => f.length - 40));
  });

  it('sipMessage counts UTF-8 bytes and keeps a given Content-Length', () => {
    const m = cw.sipMessage('MESSAGE sip:b@x SIP/2.0', [['Call-ID', 'x']], 'héllo');
    expect(m).toBe('MESSAGE sip:b@x SIP/2.0\r\nCall-ID: x\r\nContent-Length: 6\r\n\r\nhéllo');
    expect(cw.sipMessage('OPTIONS sip:b@x SIP/2.0', [['l', '0']])).toBe('OPTIONS sip:b@x SIP/2.0\r\nl: 0\r\n\r\n');
  });

  it('sdpBody writes session and media lines', () => {
    const s = cw.sdpBody({
      sessionC: null,
      media: [
        { port: 5004, formats: [0], rtpmap: { 0: 'PCMU/8000' }, c: '2001:db8::5' },
        { media: 'image', port: 6000, formats: ['t38'] },
      ],
    });
    expect(s).toBe(
      'v=0\r\no=sipscope 1 1 IN IP6 2001:db8::5\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\na=rtpmap:0 PCMU/8000\r\nm=image 6000 udptl t38\r\n',
    );
  });

  it('TcpFlow keeps running sequence numbers and is deterministic', () => {
    const mk = () => new cw.TcpFlow({ ip: A4, port: 40001 }, { ip: B4, port: 5060 });
    const f = mk();
    const [syn, synack, ack] = f.handshake();
    expect(synack.ack).toBe((syn.seq + 1) >>> 0);
    expect(ack.seq).toBe((syn.seq + 1) >>> 0);
    const parts = f.split('c2s', 'abcdefghij', [3, 3]);
    expect(parts.map((s) => s.seq - ack.seq)).toEqual([0, 3, 6]);
    expect(parts.map((s) => s.flags)).toEqual(['A', 'A', 'PA']);
    const resp = f.send('s2c', 'xy');
    expect(resp.ack).toBe((ack.seq + 10) >>> 0);
    expect(f.retransmit(resp).ip()).toEqual(resp.ip());
    expect(cw.TcpFlow.reorder(parts, [2, 0, 1])).toEqual([parts[2], parts[0], parts[1]]);
    expect(mk().handshake()[0].seq).toBe(syn.seq);
    expect(new cw.TcpFlow({ ip: A4, port: 40001 }, { ip: B4, port: 5060 }, { seed: 1 }).handshake()[0].seq).not.toBe(syn.seq);
  });

  it('is byte-reproducible', () => {
    const build = () =>
      cw.writePcapng([
        { interfaces: [{ linktype: 1, tsresol: 9 }], packets: [{ ts: T0, data: cw.udpPacketV6(A6, 5060, B6, 5060, invite('r')) }] },
      ]);
    expect(build()).toEqual(build());
  });

  it('lays out pcap and pcapng headers', () => {
    const pcap = cw.writePcap([{ ts: 1.5, data: new Uint8Array(100) }], { bigEndian: true, nanos: true, snaplen: 64, linktype: 101 });
    const dv = new DataView(pcap.buffer);
    expect(dv.getUint32(0)).toBe(0xa1b23c4d);
    expect([dv.getUint32(16), dv.getUint32(20)]).toEqual([64, 101]);
    expect([dv.getUint32(24), dv.getUint32(28), dv.getUint32(32), dv.getUint32(36)]).toEqual([1, 500_000_000, 64, 100]);
    expect(pcap.length).toBe(24 + 16 + 64);

    const ng = cw.writePcapng([{ interfaces: [{ linktype: 1 }], packets: [{ ts: 0, data: new Uint8Array(5) }] }]);
    const v = new DataView(ng.buffer);
    let off = 0;
    const types: number[] = [];
    while (off < ng.length) {
      const len = v.getUint32(off + 4, true);
      expect(v.getUint32(off + len - 4, true)).toBe(len);
      expect(len % 4).toBe(0);
      types.push(v.getUint32(off, true));
      off += len;
    }
    expect(off).toBe(ng.length);
    expect(types).toEqual([0x0a0d0d0a, 1, 6]);
  });

  it('gzip round-trips through DecompressionStream', async () => {
    const data = cw.writePcap([{ ts: 1, data: new Uint8Array(70000).fill(7) }]);
    const gz = await cw.gzip(data);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const back = new Uint8Array(await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    expect(back).toEqual(data);
  });
});
