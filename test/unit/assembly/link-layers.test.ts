// The core's link layers and tunnels: Ethernet with VLAN/QinQ/MPLS/PPPoE, Linux cooked, raw IP,
// NULL/LOOP, and IP-in-IP, GRE, ERSPAN, VXLAN and GTP-U (the inner addresses are reported).

import { describe, expect, test } from 'vitest';
import * as cw from '../../support/capture-writer.ts';
import {
  run,
  A4,
  B4,
  A6,
  A6T,
  B6,
  B6T,
  O1,
  O2,
  expTs,
  pcap,
  req,
  reqFields,
  expectMsg,
  expectCounters,
  expectNoOtherProblems,
  udp4,
  udp6,
  eth,
} from '../../support/core-fixtures.ts';

// ================================================================= link types

describe('link types', () => {
  type Wrap = (ip: Uint8Array) => Uint8Array;
  const E = cw.ETHERTYPE;
  const cases: [string, number, boolean, Wrap][] = [
    ['Ethernet', 1, false, (ip) => eth(ip)],
    ['Ethernet IPv6', 1, true, (ip) => eth(ip)],
    ['Ethernet padded to 60 bytes', 1, false, (ip) => eth(ip, { padTo60: true })],
    ['802.1Q', 1, false, (ip) => eth(ip, { vlans: [100] })],
    ['802.1Q IPv6', 1, true, (ip) => eth(ip, { vlans: [100] })],
    ['QinQ 0x88a8', 1, false, (ip) => eth(ip, { outerTags: [{ tpid: E.QINQ, vid: 10 }], vlans: [20] })],
    ['QinQ 0x9100', 1, false, (ip) => eth(ip, { outerTags: [{ tpid: E.QINQ_OLD, vid: 10 }], vlans: [20] })],
    ['VLAN stack of 3 (802.1Q x3)', 1, false, (ip) => eth(ip, { vlans: [1, 2, 3] })],
    [
      'VLAN stack of 3 (0x88a8, 0x9100, 802.1Q) IPv6',
      1,
      true,
      (ip) =>
        eth(ip, {
          outerTags: [
            { tpid: E.QINQ, vid: 1 },
            { tpid: E.QINQ_OLD, vid: 2 },
          ],
          vlans: [3],
        }),
    ],
    ['MPLS (2 labels)', 1, false, (ip) => eth(ip, { mpls: [1000, 2000] })],
    ['MPLS IPv6', 1, true, (ip) => eth(ip, { mpls: [1000] })],
    ['802.1Q + MPLS', 1, false, (ip) => eth(ip, { vlans: [100], mpls: [16, 17] })],
    ['PPPoE', 1, false, (ip) => eth(ip, { pppoe: { session: 0x1234 } })],
    ['PPPoE IPv6', 1, true, (ip) => eth(ip, { pppoe: { session: 0x1234 } })],
    ['VLAN + PPPoE', 1, false, (ip) => eth(ip, { vlans: [7], pppoe: { session: 1 } })],
    ['Linux SLL', 113, false, (ip) => cw.sll({ protocol: E.IPV4 }, ip)],
    ['Linux SLL IPv6', 113, true, (ip) => cw.sll({ protocol: E.IPV6, pktType: 4 }, ip)],
    ['Linux SLL2', 276, false, (ip) => cw.sll2({ protocol: E.IPV4 }, ip)],
    ['Linux SLL2 IPv6', 276, true, (ip) => cw.sll2({ protocol: E.IPV6, ifindex: 3 }, ip)],
    ['Ethernet with a trailing FCS', 1, false, (ip) => cw.concat(eth(ip), Uint8Array.of(0xde, 0xad, 0xbe, 0xef))],
    [
      'MPLS pseudowire with control word, then Ethernet',
      1,
      false,
      (ip) => cw.ethernet({ etherType: E.IPV4, mpls: [300] }, cw.concat(new Uint8Array(4), eth(ip, { vlans: [5] }))),
    ],
    ['raw 12', 12, false, (ip) => ip],
    ['raw 12 IPv6', 12, true, (ip) => ip],
    ['raw 14', 14, false, (ip) => ip],
    ['raw 14 IPv6', 14, true, (ip) => ip],
    ['raw 101', 101, false, (ip) => ip],
    ['raw 101 IPv6', 101, true, (ip) => ip],
    ['raw 228 (IPv4)', 228, false, (ip) => ip],
    ['raw 229 (IPv6)', 229, true, (ip) => ip],
  ];
  for (const fam of [2, 24, 28, 30] as const) {
    for (const big of [false, true]) {
      cases.push([`NULL family ${fam} ${big ? 'big' : 'little'}-endian`, 0, fam !== 2, (ip) => cw.nullLoop(fam, ip, big)]);
    }
    cases.push([`LOOP family ${fam}`, 108, fam !== 2, (ip) => cw.nullLoop(fam, ip, true)]);
  }

  for (const [name, linktype, v6, wrap] of cases) {
    test(name, async () => {
      const msg = req('OPTIONS', `link-${name.replace(/\W+/g, '-')}`);
      const ip = v6 ? udp6(A6, 5062, B6, 5064, msg) : udp4(A4, 5062, B4, 5064, msg);
      const { messages, stats } = await run(pcap([wrap(ip)], { linktype }));
      expect(messages).toHaveLength(1);
      expectMsg(
        messages[0],
        {
          frame: 1,
          ts: expTs(0),
          ipVersion: v6 ? 6 : 4,
          src: v6 ? A6T : A4,
          dst: v6 ? B6T : B4,
          sport: 5062,
          dport: 5064,
          transport: 'udp',
          wireBytes: ip.length,
          wirePackets: 1,
          ...reqFields('OPTIONS', `link-${name.replace(/\W+/g, '-')}`),
        },
        msg,
      );
      expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 1, nonIp: 0, otherFrames: 0 });
      expectNoOtherProblems(stats);
    });
  }

  test('an unknown link type is counted (unknownLinktype), nothing reported', async () => {
    const f = eth(udp4(A4, 5060, B4, 5060, req('OPTIONS', 'unk')));
    const { messages, stats, files } = await run(pcap([f, f], { linktype: 147 }));
    expect(messages).toEqual([]);
    expect(files[0].error).toBe(0);
    expectCounters(stats, { frames: 2, unknownLinktype: 2, sipMessages: 0, otherFrames: 0 });
  });

  test('non-IP Ethernet payload (ARP) is counted as nonIp', async () => {
    const arp = cw.ethernet({ etherType: cw.ETHERTYPE.ARP, padTo60: true }, new Uint8Array(28));
    const { messages, stats } = await run(pcap([arp]));
    expect(messages).toEqual([]);
    expectCounters(stats, { frames: 1, nonIp: 1, otherFrames: 0 });
  });
});

// ================================================================= tunnels

describe('tunnels: the inner addresses are reported', () => {
  const msg4 = req('OPTIONS', 'tun4');
  const msg6 = req('OPTIONS', 'tun6');
  const inner4 = udp4(A4, 5070, B4, 5080, msg4);
  const inner6 = udp6(A6, 5070, B6, 5080, msg6);
  const outer = (proto: number, payload: Uint8Array) => eth(cw.ipv4({ src: O1, dst: O2, proto }, payload));
  const G = cw.IPPROTO.GRE;
  const cases: [string, Uint8Array, boolean][] = [
    ['IP-in-IP', outer(cw.IPPROTO.IPIP, inner4), false],
    ['6in4', outer(cw.IPPROTO.IPV6, inner6), true],
    ['4in6', eth(cw.ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: cw.IPPROTO.IPIP }, inner4)), false],
    ['GRE', outer(G, cw.gre({ protocol: 0x0800 }, inner4)), false],
    ['GRE with key, sequence and checksum', outer(G, cw.gre({ protocol: 0x0800, key: 0xdeadbeef, seq: 7, checksum: true }, inner4)), false],
    ['GRE with key, IPv6 inside', outer(G, cw.gre({ protocol: 0x86dd, key: 5 }, inner6)), true],
    ['GRE over IPv6', eth(cw.ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: G }, cw.gre({ protocol: 0x0800, seq: 1 }, inner4))), false],
    ['GRE transparent Ethernet', outer(G, cw.gre({ protocol: cw.ETHERTYPE.TEB }, eth(inner4, { vlans: [42] }))), false],
    ['ERSPAN II', outer(G, cw.erspan2({ sessionId: 7, seq: 3, index: 9 }, eth(inner4))), false],
    ['ERSPAN III', outer(G, cw.erspan3({ sessionId: 7, timestamp: 123456, hwId: 3, seq: 4 }, eth(inner6))), true],
    ['VXLAN', eth(udp4(O1, 51000, O2, 4789, cw.vxlan(4242, eth(inner4)))), false],
    ['VXLAN, IPv6 inside', eth(udp4(O1, 51000, O2, 4789, cw.vxlan(4242, eth(inner6)))), true],
    ['GTP-U', eth(udp4(O1, 2152, O2, 2152, cw.gtpu(0x1234, inner4))), false],
    ['GTP-U, IPv6 inside', eth(udp4(O1, 2152, O2, 2152, cw.gtpu(0x1234, inner6))), true],
    [
      'VXLAN > GRE > IP-in-IP',
      eth(
        udp4(
          O1,
          51000,
          O2,
          4789,
          cw.vxlan(
            1,
            eth(
              cw.ipv4(
                { src: '10.1.0.1', dst: '10.1.0.2', proto: G },
                cw.gre({ protocol: 0x0800 }, cw.ipv4({ src: '10.2.0.1', dst: '10.2.0.2', proto: 4 }, inner4)),
              ),
            ),
          ),
        ),
      ),
      false,
    ],
  ];
  for (const [name, frame, v6] of cases) {
    test(name, async () => {
      const { messages, stats } = await run(pcap([frame]));
      expect(messages).toHaveLength(1);
      expectMsg(
        messages[0],
        {
          frame: 1,
          ipVersion: v6 ? 6 : 4,
          src: v6 ? A6T : A4,
          dst: v6 ? B6T : B4,
          sport: 5070,
          dport: 5080,
          transport: 'udp',
          wireBytes: v6 ? inner6.length : inner4.length,
          ...reqFields('OPTIONS', v6 ? 'tun6' : 'tun4'),
        },
        v6 ? msg6 : msg4,
      );
      expectCounters(stats, { frames: 1, sipFrames: 1, sipMessages: 1, tunnelTooDeep: 0 });
      expectNoOtherProblems(stats);
    });
  }
});
