// Link layer -> tunnels -> IPv4/IPv6 -> UDP/TCP/SCTP. Each layer is a small function that
// checks its header against the bytes it was given and hands the payload on; nothing allocates.

import {
  T_UDP,
  C_NON_IP,
  C_UNKNOWN_LINKTYPE,
  C_TRUNCATED,
  C_BAD_IP,
  C_BAD_L4,
  C_TUNNEL_TOO_DEEP,
  C_ICMP_SIP,
  C_KEEPALIVE,
  MAX_DEPTH,
  B_RTP_BYTES,
} from './abi';
import { u8at, be16, be32, le32, eq } from './mem';
import * as ctx from './ctx';
import { note } from './ctx';
import { addBytes } from './stats';
import { startLine } from './sip';
import { emitSip } from './events';
import * as endpoints from './endpoints';
import { mediaPacket } from './rtp';
import { fragment, freeDatagram, doneBuf, doneLen, doneCap } from './frag';
import { sctp } from './sctp';
import { segment } from './tcp';
import { hep3 } from './hep';

export function linkFrame(linktype: u32, p: usize, len: u32): void {
  switch (linktype) {
    case 1: // Ethernet
      ether(p, len, 0);
      return;
    case 113: // Linux cooked v1
      if (len < 16) return note(C_TRUNCATED);
      etherType(be16(p + 14), p + 16, len - 16, 0);
      return;
    case 276: // Linux cooked v2
      if (len < 20) return note(C_TRUNCATED);
      etherType(be16(p), p + 20, len - 20, 0);
      return;
    case 0: // BSD loopback: address family in the writer's byte order
    case 108: {
      // LOOP: network order
      if (len < 4) return note(C_TRUNCATED);
      let fam = le32(p);
      if (linktype == 108 || (fam & 0xffff) == 0) fam = be32(p);
      if (fam == 2) ipv4(p + 4, len - 4, 0);
      else if (fam == 10 || fam == 24 || fam == 28 || fam == 30) ipv6(p + 4, len - 4, 0);
      else ipAny(p + 4, len - 4, 0);
      return;
    }
    case 12: // raw IP (several numbers in use)
    case 14:
    case 101:
      ipAny(p, len, 0);
      return;
    case 228:
      ipv4(p, len, 0);
      return;
    case 229:
      ipv6(p, len, 0);
      return;
    case 9: // PPP
    case 50: // PPP in HDLC framing
      ppp(p, len, 0);
      return;
  }
  note(C_UNKNOWN_LINKTYPE);
}

function ether(p: usize, len: u32, depth: i32): void {
  if (len < 14) return note(C_TRUNCATED);
  etherType(be16(p + 12), p + 14, len - 14, depth);
}

/** Dispatch on an EtherType, peeling VLAN tags (802.1Q, 802.1ad, 0x9100), MPLS and PPPoE. */
function etherType(type: u32, p: usize, len: u32, depth: i32): void {
  for (let guard = 0; guard < 16; guard++) {
    if (type == 0x0800) return ipv4(p, len, depth);
    if (type == 0x86dd) return ipv6(p, len, depth);
    if (type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200) {
      if (len < 4) return note(C_TRUNCATED);
      type = be16(p + 2);
      p += 4;
      len -= 4;
      continue;
    }
    if (type == 0x8847 || type == 0x8848) return mpls(p, len, depth);
    if (type == 0x8864) {
      // PPPoE session: 6-byte header then PPP protocol
      if (len < 8) return note(C_TRUNCATED);
      return pppProto(be16(p + 6), p + 8, len - 8, depth);
    }
    break;
  }
  note(C_NON_IP);
}

function mpls(p: usize, len: u32, depth: i32): void {
  for (let i = 0; i < 16; i++) {
    if (len < 4) return note(C_TRUNCATED);
    const bos = u8at(p + 2) & 1;
    p += 4;
    len -= 4;
    if (bos) break;
  }
  if (len < 1) return note(C_TRUNCATED);
  const v = u8at(p) >> 4;
  if (v == 4) return ipv4(p, len, depth);
  if (v == 6) return ipv6(p, len, depth);
  // pseudowire control word, then Ethernet
  if (v == 0 && len > 4) return ether(p + 4, len - 4, depth + 1);
  note(C_NON_IP);
}

function ppp(p: usize, len: u32, depth: i32): void {
  if (len >= 2 && u8at(p) == 0xff && u8at(p + 1) == 0x03) {
    p += 2;
    len -= 2;
  }
  if (len < 1) return note(C_TRUNCATED);
  // protocol field is 1 byte when compressed (odd first byte), else 2
  if (u8at(p) & 1) return pppProto(u8at(p), p + 1, len - 1, depth);
  if (len < 2) return note(C_TRUNCATED);
  pppProto(be16(p), p + 2, len - 2, depth);
}

function pppProto(proto: u32, p: usize, len: u32, depth: i32): void {
  if (proto == 0x21) return ipv4(p, len, depth);
  if (proto == 0x57) return ipv6(p, len, depth);
  note(C_NON_IP);
}

function ipAny(p: usize, len: u32, depth: i32): void {
  if (len < 1) return note(C_TRUNCATED);
  const v = u8at(p) >> 4;
  if (v == 4) return ipv4(p, len, depth);
  if (v == 6) return ipv6(p, len, depth);
  note(C_BAD_IP);
}

function ipv4(p: usize, len: u32, depth: i32): void {
  if (depth > MAX_DEPTH) return note(C_TUNNEL_TOO_DEEP);
  if (len < 20) return note(C_TRUNCATED);
  const vihl = u8at(p);
  const ihl = (vihl & 15) << 2;
  if (vihl >> 4 != 4 || ihl < 20) return note(C_BAD_IP);
  if (len < ihl) return note(C_TRUNCATED);
  let tot = be16(p + 2);
  if (tot == 0) tot = len; // segmentation offload: length left for the NIC to fill
  if (tot < ihl) return note(C_BAD_IP);
  if (tot > len) {
    note(C_TRUNCATED);
    tot = len;
  }
  const fo = be16(p + 6);
  const proto = u8at(p + 9);
  ctx.setIp(4, p + 12, p + 16, tot);
  if ((fo & 0x3fff) != 0) {
    if (fragment(4, be16(p + 4), proto, (fo & 0x1fff) << 3, (fo & 0x2000) != 0, p + ihl, tot - ihl)) {
      const buf = doneBuf;
      const cap = doneCap;
      transport(proto, buf, doneLen, depth);
      freeDatagram(buf, cap);
    }
    return;
  }
  transport(proto, p + ihl, tot - ihl, depth);
}

function ipv6(p: usize, len: u32, depth: i32): void {
  if (depth > MAX_DEPTH) return note(C_TUNNEL_TOO_DEEP);
  if (len < 40) return note(C_TRUNCATED);
  if (u8at(p) >> 4 != 6) return note(C_BAD_IP);
  let plen = be16(p + 4);
  if (plen == 0) plen = len - 40; // jumbogram or offload
  let end: u32 = 40 + plen;
  if (end > len) {
    note(C_TRUNCATED);
    end = len;
  }
  ctx.setIp(6, p + 8, p + 24, end);
  v6chain(u8at(p + 6), p, 40, end, depth);
}

/** Walk the IPv6 extension-header chain from off and hand the payload to its protocol. */
export function v6chain(nh: u32, p: usize, off: u32, end: u32, depth: i32): void {
  for (let guard = 0; guard < 16; guard++) {
    if (nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140) {
      if (off + 2 > end) return note(C_TRUNCATED);
      const next = u8at(p + off);
      off += (u8at(p + off + 1) + 1) << 3;
      nh = next;
      continue;
    }
    if (nh == 51) {
      // authentication header
      if (off + 2 > end) return note(C_TRUNCATED);
      const next = u8at(p + off);
      off += (u8at(p + off + 1) + 2) << 2;
      nh = next;
      continue;
    }
    if (nh == 44) {
      if (off + 8 > end) return note(C_TRUNCATED);
      const fo = be16(p + off + 2);
      if (fragment(6, be32(p + off + 4), u8at(p + off), fo & 0xfff8, (fo & 1) != 0, p + off + 8, end - off - 8)) {
        const buf = doneBuf;
        const cap = doneCap;
        // a datagram whose reassembly holds another fragment header (each can be a whole
        // datagram on its own) nests like a tunnel: bounded the same way
        if (depth >= MAX_DEPTH) note(C_TUNNEL_TOO_DEEP);
        else v6chain(u8at(p + off), buf, 0, doneLen, depth + 1);
        freeDatagram(buf, cap);
      }
      return;
    }
    if (nh == 59) break; // no next header
    if (off > end) return note(C_TRUNCATED);
    transport(nh, p + off, end - off, depth);
    return;
  }
  note(C_NON_IP);
}

/** Payload of an IP datagram (whole, or reassembled from fragments). */
export function transport(proto: u32, p: usize, len: u32, depth: i32): void {
  switch (proto) {
    case 17:
      udp(p, len, depth);
      return;
    case 6: {
      if (len < 20) return note(C_TRUNCATED);
      const off = (u8at(p + 12) >> 4) << 2;
      if (off < 20 || off > len) return note(C_BAD_L4);
      segment(p + off, len - off, be32(p + 4), u8at(p + 13), be16(p), be16(p + 2));
      return;
    }
    case 132:
      if (!sctp(p, len)) ctx.markNoted();
      return;
    case 4:
      ipv4(p, len, depth + 1);
      return;
    case 41:
      ipv6(p, len, depth + 1);
      return;
    case 47:
      gre(p, len, depth + 1);
      return;
    case 1:
    case 58:
      icmp(p, len, proto);
      return;
  }
}

function udp(p: usize, len: u32, depth: i32): void {
  if (len < 8) return note(C_TRUNCATED);
  const sport = be16(p);
  const dport = be16(p + 2);
  let ulen = be16(p + 4);
  if (ulen == 0) ulen = len; // IPv6 jumbogram / offload
  if (ulen < 8) return note(C_BAD_L4);
  if (ulen > len) {
    note(C_TRUNCATED);
    ulen = len;
  }
  const pl = p + 8;
  const plen = ulen - 8;
  if (ctx.notes) ctx.markUdp(sport, dport);
  if (plen == 0) return;
  const c0 = u8at(pl);
  // SIP first: its first byte is a letter, RTP's (version 2) is 0x80..0xbf
  if (((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122)) && plen >= 12) {
    if (startLine(pl, plen) != 0) {
      emitSip(pl, plen, T_UDP, sport, dport, ctx.ipLen, 1);
      return;
    }
    if (c0 == 72 && plen > 8 && eq(pl, 'HEP3')) return hep3(pl, plen);
  }
  const media = endpoints.find(ctx.ipDst, dport);
  if (media >= 0 && mediaPacket(media, pl, plen, sport, dport)) {
    addBytes(B_RTP_BYTES, plen);
    ctx.markMedia();
    return;
  }
  if (dport == 4789 || sport == 4789) {
    // VXLAN: flags with the I bit, then an Ethernet frame
    if (plen >= 8 + 14 && (c0 & 0x08) != 0) return ether(pl + 8, plen - 8, depth + 1);
    return;
  }
  if (dport == 2152 || sport == 2152) return gtpu(pl, plen, depth + 1);
  if (plen <= 4 && (c0 == 13 || c0 == 10 || c0 == 0)) note(C_KEEPALIVE);
}

/** GTPv1-U G-PDU: optional sequence/N-PDU/extension fields, then an IP packet. */
function gtpu(p: usize, len: u32, depth: i32): void {
  if (len < 8) return;
  const flags = u8at(p);
  if (flags >> 5 != 1 || u8at(p + 1) != 0xff) return;
  let off: u32 = 8;
  if (flags & 0x07) {
    if (len < 12) return note(C_TRUNCATED);
    let ext = u8at(p + 11);
    off = 12;
    for (let guard = 0; ext != 0 && guard < 8; guard++) {
      if (off >= len) return note(C_TRUNCATED);
      const l = u8at(p + off) << 2;
      if (l == 0 || off + l > len) return note(C_TRUNCATED);
      ext = u8at(p + off + l - 1);
      off += l;
    }
  }
  if (off < len) ipAny(p + off, len - off, depth);
}

function gre(p: usize, len: u32, depth: i32): void {
  if (depth > MAX_DEPTH) return note(C_TUNNEL_TOO_DEEP);
  if (len < 4) return note(C_TRUNCATED);
  const flags = be16(p);
  const proto = be16(p + 2);
  const ver = flags & 7;
  let off: u32 = 4;
  if (ver == 0) {
    if (flags & 0xc000) off += 4; // checksum / routing present
    if (flags & 0x2000) off += 4; // key
    if (flags & 0x1000) off += 4; // sequence
  } else if (ver == 1) {
    // enhanced GRE (PPTP): key always, optional sequence and acknowledgment
    off += 4;
    if (flags & 0x1000) off += 4;
    if (flags & 0x0080) off += 4;
  } else return note(C_NON_IP);
  if (off > len) return note(C_TRUNCATED);
  const q = p + off;
  const n = len - off;
  switch (proto) {
    case 0x6558: // transparent Ethernet bridging
      return ether(q, n, depth);
    case 0x88be: // ERSPAN type II (with sequence bit) or type I (no header)
      if (flags & 0x1000) {
        if (n < 8) return note(C_TRUNCATED);
        return ether(q + 8, n - 8, depth);
      }
      return ether(q, n, depth);
    case 0x22eb: {
      // ERSPAN type III: 12-byte header, 8 more with the platform sub-header (O bit)
      if (n < 12) return note(C_TRUNCATED);
      const h: u32 = u8at(q + 11) & 1 ? 20 : 12;
      if (n < h) return note(C_TRUNCATED);
      return ether(q + h, n - h, depth);
    }
    case 0x880b:
      return ppp(q, n, depth);
  }
  etherType(proto, q, n, depth);
}

/** ICMP errors quote the offending datagram; a quoted SIP message is counted, not reported. */
function icmp(p: usize, len: u32, proto: u32): void {
  if (len < 8 + 28) return;
  const type = u8at(p);
  const isErr = proto == 1 ? type == 3 || type == 11 || type == 12 : type >= 1 && type <= 4;
  if (!isErr) return;
  const q = p + 8;
  const v = u8at(q) >> 4;
  let off: u32 = 0;
  let l4: u32 = 0;
  if (v == 4) {
    off = (u8at(q) & 15) << 2;
    l4 = u8at(q + 9);
  } else if (v == 6) {
    off = 40;
    l4 = u8at(q + 6);
  }
  if (l4 != 17 || off == 0 || off + 16 >= len) return;
  const d = q + off + 8;
  if (startLine(d, len - 8 - off - 8) != 0) note(C_ICMP_SIP);
}
