// Checks the fixture writer against real tshark: if tshark decodes our bytes as intended,
// fixtures built with it test the analyzer and not the writer's own mistakes.

import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as cw from '../support/capture-writer.ts';
import { A4, B4, A6, B6, T0, invite, response, udp4, udp6 } from '../support/capture-writer-fixtures.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate, toolPath } from '../support/tools/exec.ts';

// tshark missing: skipped with a message, unless CI=true (then the checks run and fail)
const gate = toolGate(['tshark'], 'capture-writer');
const describeTshark = gate.skip ? describe.skip : describe;

describeTshark('capture-writer (checked by tshark)', () => {
  const dir = tempDir('cw');
  let n = 0;

  function save(bytes: Uint8Array, ext = 'pcap'): string {
    return dir.write(`f${n++}.${ext}`, bytes);
  }

  /** One row per frame, one entry per field; repeated occurrences joined with ','. */
  function tshark(file: string, fields: string[], prefs: string[] = [], decodeAs: string[] = []): string[][] {
    const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
    for (const p of prefs) args.push('-o', p);
    for (const d of decodeAs) args.push('-d', d);
    for (const f of fields) args.push('-e', f);
    const out = execFileSync(toolPath('tshark'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
  }

  const SIP_FIELDS = ['frame.protocols', 'sip.Call-ID', 'sip.CSeq', 'ip.src', 'ipv6.src', 'udp.dstport'];

  describe('snoop and NetMon 2.x', () => {
    it('tshark reads them as the pcap twin: the same frames, times, lengths and SIP', () => {
      const packets = [0, 1, 2].map((i) => ({ ts: { sec: T0.sec + i, nsec: i * 250_001_000 }, data: udp4(`twin-${i}`) }));
      const fields = ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'sip.Call-ID', 'ip.src'];
      const want = tshark(save(cw.writePcap(packets)), fields);
      expect(want.length).toBe(3);
      for (const [ext, bytes] of [
        ['snoop', cw.writeSnoop(packets)],
        ['cap', cw.writeNetmon(packets, { minor: 0 })],
        ['cap', cw.writeNetmon(packets, { minor: 1 })],
        ['cap', cw.writeNetmon(packets, { minor: 2 })],
        ['cap', cw.writeNetmon(packets, { minor: 3 })],
      ] as const) {
        const got = tshark(save(bytes, ext), fields);
        expect(got, ext).toEqual(want);
      }
    });
  });

  describe('link types', () => {
    const v4 = udp4('link-v4');
    const v6 = udp6('link-v6');
    const cases: [string, number, Uint8Array, string, boolean][] = [
      ['Ethernet', 1, cw.ethernet({ etherType: 0x0800 }, v4), 'eth:ethertype:ip', false],
      ['Ethernet IPv6', 1, cw.ethernet({ etherType: 0x86dd }, v6), 'eth:ethertype:ipv6', true],
      ['802.1Q', 1, cw.ethernet({ etherType: 0x0800, vlans: [10] }, v4), 'eth:ethertype:vlan:ethertype:ip', false],
      [
        '802.1Q double',
        1,
        cw.ethernet({ etherType: 0x86dd, vlans: [10, 20] }, v6),
        'eth:ethertype:vlan:ethertype:vlan:ethertype:ipv6',
        true,
      ],
      [
        'QinQ 802.1ad',
        1,
        cw.ethernet({ etherType: 0x0800, outerTags: [{ tpid: 0x88a8, vid: 100 }], vlans: [10] }, v4),
        'eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip',
        false,
      ],
      [
        'QinQ 0x9100',
        1,
        cw.ethernet({ etherType: 0x86dd, outerTags: [{ tpid: 0x9100, vid: 100 }] }, v6),
        'eth:ethertype:vlan:ethertype:ipv6',
        true,
      ],
      ['MPLS', 1, cw.ethernet({ etherType: 0x0800, mpls: [100, 200, 300] }, v4), 'eth:ethertype:mpls:ip', false],
      [
        'VLAN + MPLS IPv6',
        1,
        cw.ethernet({ etherType: 0x86dd, vlans: [7], mpls: [16] }, v6),
        'eth:ethertype:vlan:ethertype:mpls:ipv6',
        true,
      ],
      ['PPPoE', 1, cw.ethernet({ etherType: 0x0800, pppoe: { session: 7 } }, v4), 'eth:ethertype:pppoes:ppp:ip', false],
      [
        'VLAN + PPPoE IPv6',
        1,
        cw.ethernet({ etherType: 0x86dd, vlans: [5], pppoe: { session: 9 } }, v6),
        'eth:ethertype:vlan:ethertype:pppoes:ppp:ipv6',
        true,
      ],
      ['SLL', 113, cw.sll({ protocol: 0x0800 }, v4), 'sll:ethertype:ip', false],
      ['SLL IPv6 outgoing', 113, cw.sll({ protocol: 0x86dd, pktType: 4 }, v6), 'sll:ethertype:ipv6', true],
      ['SLL2', 276, cw.sll2({ protocol: 0x0800, ifindex: 3 }, v4), 'sll:ethertype:ip', false],
      ['SLL2 IPv6', 276, cw.sll2({ protocol: 0x86dd }, v6), 'sll:ethertype:ipv6', true],
      ['raw 101', 101, v4, 'raw:ip', false],
      ['raw 101 IPv6', 101, v6, 'raw:ipv6', true],
      ['raw 12', 12, v4, 'raw:ip', false],
      ['raw 14', 14, v6, 'raw:ipv6', true],
      ['IPv4 228', 228, v4, 'ip', false],
      ['IPv6 229', 229, v6, 'ipv6', true],
      ['NULL', 0, cw.nullLoop(2, v4), 'null:ip', false],
      ['NULL AF 24', 0, cw.nullLoop(24, v6), 'null:ipv6', true],
      ['NULL AF 28', 0, cw.nullLoop(28, v6), 'null:ipv6', true],
      ['NULL AF 30', 0, cw.nullLoop(30, v6), 'null:ipv6', true],
      ['LOOP', 108, cw.nullLoop(2, v4, true), 'null:ip', false],
      ['LOOP IPv6', 108, cw.nullLoop(30, v6, true), 'null:ipv6', true],
    ];
    it.each(cases)('%s (linktype %i)', (_name, linktype, frame, stack, isV6) => {
      const f = save(cw.writePcap([{ ts: T0, data: frame }], { linktype }));
      const rows = tshark(
        f,
        [...SIP_FIELDS, 'ip.checksum.status', 'udp.checksum.status', '_ws.expert.message'],
        ['ip.check_checksum:TRUE', 'udp.check_checksum:TRUE'],
      );
      const callId = isV6 ? 'link-v6' : 'link-v4';
      expect(rows).toEqual([
        [`${stack}:udp:sip:sdp`, callId, '1 INVITE', isV6 ? '' : A4, isV6 ? A6 : '', '5060', isV6 ? '' : '1', '1', ''],
      ]);
    });

    it('udpPacketV4/V6 for every Link, as pcapng interfaces', () => {
      const links = Object.keys(cw.LINKTYPE_OF) as cw.Link[];
      const packets = links.flatMap((link, iface) => [
        { iface, ts: T0, data: cw.udpPacketV4(A4, 5061, B4, 5060, invite(`conv4-${link}`), link) },
        { iface, ts: T0, data: cw.udpPacketV6(A6, 5061, B6, 5060, invite(`conv6-${link}`), link) },
      ]);
      const f = save(cw.writePcapng([{ interfaces: links.map((l) => ({ linktype: cw.LINKTYPE_OF[l] })), packets }]), 'pcapng');
      const rows = tshark(
        f,
        ['sip.Call-ID', 'ip.src', 'ipv6.src', 'udp.srcport', 'udp.checksum.status', '_ws.expert.message'],
        ['udp.check_checksum:TRUE'],
      );
      expect(rows).toEqual(
        links.flatMap((link) => [
          [`conv4-${link}`, A4, '', '5061', '1', ''],
          [`conv6-${link}`, '', A6, '5061', '1', ''],
        ]),
      );
    });

    it('decodes the tag and label values', () => {
      const frame = cw.ethernet({ etherType: 0x0800, outerTags: [{ tpid: 0x88a8, vid: 300 }], vlans: [10, 20] }, v4);
      const mpls = cw.ethernet({ etherType: 0x0800, mpls: [100, 200] }, v4);
      const pppoe = cw.ethernet({ etherType: 0x0800, pppoe: { session: 0x1234 } }, v4);
      const f = save(cw.writePcap([frame, mpls, pppoe].map((data) => ({ ts: T0, data }))));
      expect(tshark(f, ['ieee8021ad.id', 'vlan.id', 'mpls.label', 'mpls.bottom', 'pppoe.session_id', 'pppoe.payload_length'])).toEqual([
        ['300', '10,20', '', '', '', ''],
        ['', '', '100,200', '0,1', '', ''],
        ['', '', '', '', '0x1234', String(v4.length + 2)],
      ]);
    });
  });

  describe('pcap headers and timestamps', () => {
    const frame = cw.udpPacketV4(A4, 5060, B4, 5060, invite('ts'));
    it.each([
      [false, false, '1700000000.123457000'],
      [false, true, '1700000000.123457000'],
      [true, false, '1700000000.123456789'],
      [true, true, '1700000000.123456789'],
    ])('nanos=%s bigEndian=%s', (nanos, bigEndian, want) => {
      const f = save(
        cw.writePcap(
          [
            { ts: T0, data: frame },
            { ts: 1700000001.25, data: frame },
          ],
          { nanos, bigEndian },
        ),
      );
      const rows = tshark(f, ['frame.time_epoch', 'sip.Call-ID']);
      expect(rows).toEqual([
        [want, 'ts'],
        ['1700000001.250000000', 'ts'],
      ]);
    });

    it('truncates to snaplen and keeps the original length', () => {
      const f = save(cw.writePcap([{ ts: T0, data: frame }], { snaplen: 64, bigEndian: true }));
      expect(tshark(f, ['frame.len', 'frame.cap_len', 'ip.src'])).toEqual([[String(frame.length), '64', A4]]);
    });
  });

  describe('pcapng', () => {
    // 32473: the PEN reserved for documentation (RFC 5612)
    const unknownType: cw.PcapngRawBlock = { rawBlock: { type: 0x7ff0_0001, body: new Uint8Array(12) } };
    const sections = (bigEndian: boolean): cw.PcapngSection[] => [
      {
        interfaces: [
          { linktype: 1, name: 'eth0' },
          { linktype: 101, tsresol: 9, tsoffset: 1_600_000_000 },
          { linktype: 113, tsresol: 0x80 | 10 },
        ],
        packets: [
          { iface: 0, ts: T0, data: cw.udpPacketV4(A4, 5060, B4, 5060, invite('ng-1')) },
          cw.nameResolutionBlock([{ ip: A4, names: ['alice.example'] }], { bigEndian }),
          { iface: 1, ts: T0, data: udp4('ng-2') },
          cw.customBlock(32473, Uint8Array.of(1, 2, 3, 4), { copy: false, bigEndian }),
          { iface: 2, ts: T0, data: cw.sll({ protocol: 0x86dd }, udp6('ng-3')), block: 'opb' },
          unknownType,
          { ts: T0, data: cw.udpPacketV6(A6, 5060, B6, 5060, invite('ng-4')), block: 'spb' },
        ],
      },
      {
        interfaces: [
          { linktype: 229, tsresol: 9 },
          { linktype: 276, tsresol: 3, tsoffset: 100 },
        ],
        packets: [
          { iface: 1, ts: { sec: 1_700_000_100, nsec: 999_600_000 }, data: cw.sll2({ protocol: 0x0800 }, udp4('ng-5')) },
          { iface: 0, ts: { sec: 1_700_000_200, nsec: 1 }, data: udp6('ng-6'), block: 'opb' },
          cw.customBlock(32473, new Uint8Array(0), { bigEndian }),
          { iface: 0, ts: T0, data: udp6('ng-7') },
        ],
      },
    ];
    it.each([false, true])('two sections, mixed link types and blocks (bigEndian=%s)', (bigEndian) => {
      const f = save(cw.writePcapng(sections(bigEndian), { bigEndian }), 'pcapng');
      // Wireshark 4.0 numbers interfaces per section and shows custom blocks as non-packet
      // records; SPBs carry no timestamp
      const rows = tshark(f, [
        'frame.section_number',
        'frame.interface_id',
        'frame.time_epoch',
        'frame.protocols',
        'sip.Call-ID',
        '_ws.col.Protocol',
      ]);
      const info = tshark(f, ['_ws.col.Info']).map((r) => r[0]);
      expect(rows).toEqual([
        ['1', '0', '1700000000.123457000', 'eth:ethertype:ip:udp:sip:sdp', 'ng-1', 'SIP/SDP'],
        ['1', '1', '1700000000.123456789', 'raw:ip:udp:sip:sdp', 'ng-2', 'SIP/SDP'],
        ['1', '', '', 'data', '', 'PCAPNG'],
        ['1', '2', '1700000000.123046875', 'sll:ethertype:ipv6:udp:sip:sdp', 'ng-3', 'SIP/SDP'],
        ['1', '0', '', 'eth:ethertype:ipv6:udp:sip:sdp', 'ng-4', 'SIP/SDP'],
        ['2', '1', '1700000101.000000000', 'sll:ethertype:ip:udp:sip:sdp', 'ng-5', 'SIP/SDP'],
        ['2', '0', '1700000200.000000001', 'ipv6:udp:sip:sdp', 'ng-6', 'SIP/SDP'],
        ['2', '', '', '', '', 'PCAPNG'],
        ['2', '0', '1700000000.123456789', 'ipv6:udp:sip:sdp', 'ng-7', 'SIP/SDP'],
      ]);
      expect(info[2]).toBe('Custom Block: PEN = Example Enterprise Number for Documentation Use (32473), will not be copied');
      expect(info[7]).toBe('Custom Block: PEN = Example Enterprise Number for Documentation Use (32473), will be copied');
      expect(tshark(f, ['frame.interface_name']).map((r) => r[0])[0]).toBe('eth0');
    });

    it('truncates to the interface snaplen', () => {
      const data = cw.udpPacketV4(A4, 5060, B4, 5060, invite('snap'));
      const f = save(
        cw.writePcapng([
          {
            interfaces: [{ linktype: 1, snaplen: 60 }],
            packets: [
              { ts: T0, data },
              { ts: T0, data, block: 'spb' },
            ],
          },
        ]),
        'pcapng',
      );
      expect(tshark(f, ['frame.len', 'frame.cap_len'])).toEqual([
        [String(data.length), '60'],
        [String(data.length), '60'],
      ]);
    });
  });

  describe('IP fragments reassembled out of order', () => {
    it('IPv4', () => {
      const dgram = cw.udp({ sport: 5060, dport: 5060 }, invite('frag-v4'), { src: A4, dst: B4 });
      const frags = cw.ipv4Fragments({ src: A4, dst: B4, proto: 17, id: 0x4242 }, dgram, 200);
      expect(frags.length).toBe(Math.ceil(dgram.length / 200));
      const order = [2, 0, 3, 1].filter((i) => i < frags.length);
      expect(order.length).toBe(frags.length);
      const f = save(
        cw.writePcap(order.map((i, k) => ({ ts: 1_700_000_000 + k / 10, data: cw.ethernet({ etherType: 0x0800 }, frags[i]) }))),
      );
      const rows = tshark(f, ['ip.frag_offset', 'ip.flags.mf', 'sip.Call-ID', 'udp.length'], ['ip.defragment:TRUE']);
      expect(rows.map((r) => r[0])).toEqual(order.map((i) => String((i * 200) / 8))); // tshark shows 8-byte units
      const sipRows = rows.filter((r) => r[2] !== '');
      expect(sipRows).toHaveLength(1);
      expect(sipRows[0][2]).toBe('frag-v4');
      expect(sipRows[0][3]).toBe(String(dgram.length));
      expect(rows[rows.length - 1][2]).toBe('frag-v4'); // completes on the last frame in file order
    });

    it('IPv6 with extension headers before the fragment header', () => {
      const dgram = cw.udp({ sport: 5060, dport: 5060 }, invite('frag-v6'), { src: A6, dst: B6 });
      const hdr: cw.IPv6Header = { src: A6, dst: B6, nextHeader: 17, extHeaders: [{ type: 0 }, { type: 60 }] };
      const frags = cw.ipv6Fragments(hdr, dgram, 256, 0xabcdef01);
      expect(frags.length).toBe(Math.ceil(dgram.length / 256));
      const order = [...frags.keys()].reverse();
      const f = save(
        cw.writePcap(
          order.map((i, k) => ({ ts: 1_700_000_000 + k, data: frags[i] })),
          { linktype: 229 },
        ),
      );
      const rows = tshark(f, ['ipv6.fraghdr.offset', 'ipv6.fraghdr.ident', 'sip.Call-ID', 'frame.protocols'], ['ipv6.defragment:TRUE']);
      expect(rows.map((r) => r[1])).toEqual(order.map(() => '0xabcdef01'));
      expect(rows.map((r) => r[0])).toEqual(order.map((i) => String((i * 256) / 8)));
      expect(rows[rows.length - 1][2]).toBe('frag-v6');
      expect(rows[rows.length - 1][3]).toBe('ipv6:ipv6.hopopts:ipv6.dstopts:ipv6.fraghdr:udp:sip:sdp');
      expect(rows.slice(0, -1).every((r) => r[2] === '')).toBe(true);
    });
  });

  describe('tunnels', () => {
    const inner4 = udp4('tun-4');
    const inner6 = udp6('tun-6');
    const outer = (proto: number, payload: Uint8Array) =>
      cw.ethernet({ etherType: 0x0800 }, cw.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto }, payload));
    const outerUdp = (dport: number, payload: Uint8Array) =>
      outer(17, cw.udp({ sport: 49152, dport }, payload, { src: '10.0.0.1', dst: '10.0.0.2' }));
    const innerEth = cw.ethernet({ etherType: 0x0800, vlans: [42] }, inner4);
    const cases: [string, Uint8Array, string, string][] = [
      ['IP-in-IP', outer(4, inner4), 'eth:ethertype:ip:ip:udp:sip:sdp', 'tun-4'],
      ['6in4', outer(41, inner6), 'eth:ethertype:ip:ipv6:udp:sip:sdp', 'tun-6'],
      [
        'IPv4 in IPv6',
        cw.ethernet({ etherType: 0x86dd }, cw.ipv6({ src: '2001:db8::a', dst: '2001:db8::b', nextHeader: 4 }, inner4)),
        'eth:ethertype:ipv6:ip:udp:sip:sdp',
        'tun-4',
      ],
      ['GRE', outer(47, cw.gre({ protocol: 0x0800 }, inner4)), 'eth:ethertype:ip:gre:ip:udp:sip:sdp', 'tun-4'],
      [
        'GRE key+seq+checksum IPv6',
        outer(47, cw.gre({ protocol: 0x86dd, key: 77, seq: 5, checksum: true }, inner6)),
        'eth:ethertype:ip:gre:ipv6:udp:sip:sdp',
        'tun-6',
      ],
      [
        'GRE transparent Ethernet',
        outer(47, cw.gre({ protocol: 0x6558 }, innerEth)),
        'eth:ethertype:ip:gre:eth:ethertype:vlan:ethertype:ip:udp:sip:sdp',
        'tun-4',
      ],
      [
        'ERSPAN II',
        outer(47, cw.erspan2({ sessionId: 100, vlan: 42 }, innerEth)),
        'eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:udp:sip:sdp',
        'tun-4',
      ],
      [
        'ERSPAN III',
        outer(47, cw.erspan3({ sessionId: 101 }, innerEth)),
        'eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:udp:sip:sdp',
        'tun-4',
      ],
      [
        'VXLAN',
        outerUdp(4789, cw.vxlan(5001, innerEth)),
        'eth:ethertype:ip:udp:vxlan:eth:ethertype:vlan:ethertype:ip:udp:sip:sdp',
        'tun-4',
      ],
      ['GTP-U', outerUdp(2152, cw.gtpu(0x1234abcd, inner4)), 'eth:ethertype:ip:udp:gtp:ip:udp:sip:sdp', 'tun-4'],
      ['GTP-U IPv6', outerUdp(2152, cw.gtpu(7, inner6)), 'eth:ethertype:ip:udp:gtp:ipv6:udp:sip:sdp', 'tun-6'],
    ];
    it.each(cases)('%s', (_name, frame, stack, callId) => {
      const f = save(cw.writePcap([{ ts: T0, data: frame }]));
      expect(tshark(f, ['frame.protocols', 'sip.Call-ID', '_ws.expert.message'])).toEqual([[stack, callId, '']]);
    });

    it('tunnel header fields', () => {
      const frames = [
        outer(47, cw.gre({ protocol: 0x0800, key: 77, seq: 5, checksum: true }, inner4)),
        outer(47, cw.erspan2({ sessionId: 100, vlan: 42 }, innerEth)),
        outer(47, cw.erspan3({ sessionId: 101 }, innerEth)),
        outerUdp(4789, cw.vxlan(5001, innerEth)),
        outerUdp(2152, cw.gtpu(0x1234abcd, inner4)),
      ];
      const f = save(cw.writePcap(frames.map((data) => ({ ts: T0, data }))));
      const rows = tshark(f, [
        'gre.key',
        'gre.sequence_number',
        'gre.checksum.status',
        'erspan.version',
        'erspan.spanid',
        'vxlan.vni',
        'gtp.teid',
      ]);
      expect(rows).toEqual([
        ['0x0000004d', '5', '1', '', '', '', ''],
        ['', '0', '', '1', '100', '', ''],
        ['', '0', '', '2', '101', '', ''],
        ['', '', '', '', '', '5001', ''],
        ['', '', '', '', '', '', '0x1234abcd'],
      ]);
    });
  });

  describe('TCP', () => {
    const client = { ip: A4, port: 40001 };
    const server = { ip: B4, port: 5060 };

    it('reassembles a split message and separates coalesced ones', () => {
      const flow = new cw.TcpFlow(client, server);
      const inv = cw.text(invite('tcp-1', 1, 'TCP'));
      const segs = [
        ...flow.handshake(),
        ...flow.split('c2s', inv, [100, 250]),
        flow.coalesce('s2c', [response(100, 'Trying', 'tcp-1'), response(180, 'Ringing', 'tcp-1')]),
        flow.send('s2c', response(200, 'OK', 'tcp-1')),
      ];
      segs.push(flow.retransmit(segs[segs.length - 1]));
      const f = save(cw.writePcap(segs.map((s, i) => ({ ts: 1_700_000_000 + i / 100, data: s.frame() }))));
      const rows = tshark(
        f,
        ['tcp.len', 'sip.Call-ID', 'sip.Method', 'sip.Status-Code', 'tcp.analysis.retransmission', 'tcp.checksum.status'],
        ['tcp.desegment_tcp_streams:TRUE', 'tcp.check_checksum:TRUE'],
      );
      expect(rows).toEqual([
        ['0', '', '', '', '', '1'],
        ['0', '', '', '', '', '1'],
        ['0', '', '', '', '', '1'],
        ['100', '', '', '', '', '1'],
        ['250', '', '', '', '', '1'],
        [String(inv.length - 350), 'tcp-1', 'INVITE', '', '', '1'],
        [expect.any(String), 'tcp-1,tcp-1', '', '100,180', '', '1'],
        [expect.any(String), 'tcp-1', '', '200', '', '1'],
        [expect.any(String), '', '', '', '1', '1'],
      ]);
    });

    it('reassembles out-of-order segments over IPv6', () => {
      const flow = new cw.TcpFlow({ ip: A6, port: 40002 }, { ip: B6, port: 5060 }, { seed: 9 });
      const hs = flow.handshake();
      const parts = flow.split('c2s', invite('tcp-ooo', 1, 'TCP'), [300, 200]);
      const segs = [...hs, ...cw.TcpFlow.reorder(parts, [0, 2, 1])];
      const f = save(
        cw.writePcap(
          segs.map((s, i) => ({ ts: 1_700_000_000 + i / 100, data: s.frame('raw') })),
          { linktype: 101 },
        ),
      );
      const rows = tshark(f, ['tcp.seq', 'sip.Call-ID'], ['tcp.reassemble_out_of_order:TRUE', 'tcp.relative_sequence_numbers:TRUE']);
      expect(rows).toEqual([
        ['0', ''],
        ['0', ''],
        ['1', ''],
        ['1', ''],
        ['501', ''],
        ['301', 'tcp-ooo'],
      ]);
    });
  });

  it('SCTP DATA carrying SIP', () => {
    const frames = [
      cw.ethernet(
        { etherType: 0x0800 },
        cw.ipv4({ src: A4, dst: B4, proto: 132 }, cw.sctpData({ sport: 5060, dport: 5060, tsn: 1 }, invite('sctp-1', 1, 'SCTP'))),
      ),
      cw.ethernet(
        { etherType: 0x86dd },
        cw.ipv6(
          { src: A6, dst: B6, nextHeader: 132 },
          cw.sctpData({ sport: 5060, dport: 5060, tsn: 2, stream: 1, ppid: 0 }, invite('sctp-2', 2, 'SCTP')),
        ),
      ),
    ];
    const f = save(cw.writePcap(frames.map((data) => ({ ts: T0, data }))));
    expect(tshark(f, ['frame.protocols', 'sip.Call-ID', 'sctp.data_tsn_raw', 'sctp.checksum.status'], ['sctp.checksum:CRC-32C'])).toEqual([
      ['eth:ethertype:ip:sctp:sip:sdp', 'sctp-1', '1', '1'],
      ['eth:ethertype:ipv6:sctp:sip:sdp', 'sctp-2', '2', '1'],
    ]);
  });

  it('RTP header fields', () => {
    const frames = [0, 1].map((i) =>
      cw.udpPacketV4(A4, 40000, B4, 40000, cw.rtp({ pt: 8, seq: 65535 + i, ts: 160 * i, ssrc: 0xdeadbeef, marker: i === 0 }, 160)),
    );
    const f = save(cw.writePcap(frames.map((data, i) => ({ ts: 1_700_000_000 + i * 0.02, data }))));
    expect(
      tshark(f, ['rtp.p_type', 'rtp.seq', 'rtp.timestamp', 'rtp.ssrc', 'rtp.marker', 'rtp.payload'], [], ['udp.port==40000,rtp']),
    ).toEqual([
      ['8', '65535', '0', '0xdeadbeef', '1', 'ff'.repeat(160)],
      ['8', '0', '160', '0xdeadbeef', '0', 'ff'.repeat(160)],
    ]);
  });

  it('gzip output is readable', async () => {
    const pcap = cw.writePcap([{ ts: T0, data: cw.udpPacketV4(A4, 5060, B4, 5060, invite('gz-1')) }], { nanos: true });
    const ng = cw.writePcapng([
      { interfaces: [{ linktype: 1, tsresol: 9 }], packets: [{ ts: T0, data: cw.udpPacketV6(A6, 5060, B6, 5060, invite('gz-2')) }] },
    ]);
    const f1 = save(await cw.gzip(pcap), 'pcap.gz');
    const f2 = save(await cw.gzip(ng), 'pcapng.gz');
    expect(tshark(f1, ['frame.time_epoch', 'sip.Call-ID'])).toEqual([['1700000000.123456789', 'gz-1']]);
    expect(tshark(f2, ['frame.time_epoch', 'sip.Call-ID'])).toEqual([['1700000000.123456789', 'gz-2']]);
  });
});
