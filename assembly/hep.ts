// HEP v3 (the Homer capture protocol, "HEP3"): agents (Kamailio/OpenSIPS siptrace, FreeSWITCH,
// Asterisk res_hep, heplify, SBCs) mirror each SIP message as a list of chunks giving the
// addresses, ports, protocol and time they saw, and the message itself. Decoded here for HEP
// found in captures (any UDP port) and for the live listener, which hands each received packet
// over as a UDP frame (node/hep-listener.ts): one decoder for both.

import { T_UDP, T_TCP, T_SCTP, C_HEP, C_HEP_BAD, C_HEP_OTHER, C_HEP_UNKNOWN_CHUNK, C_HEP_AUTH, HEP_KEY_MAX } from './abi';
import { u8at, be16, be32 } from './mem';
import * as ctx from './ctx';
import { note } from './ctx';
import { count } from './stats';
import { startLine } from './sip';
import { clockTo, emitSip } from './events';

/** Highest generic chunk type HEP v3 defines (0x0027 tag type); vendor 0 only. */
const LAST_KNOWN_CHUNK: u32 = 0x27;

// the key the host set (chunk 0x000e must equal it), and whether the message time comes from
// the agent's chunks 0x0009/0x000a instead of the carrying frame
let keyBuf: usize = 0;
let keyLen: u32 = 0;
let agentTime = false;

export function initHep(): void {
  keyBuf = heap.alloc(HEP_KEY_MAX);
}
/** Where the host writes a key before setHepKey(len). */
export function hepKeyBuf(): usize {
  return keyBuf;
}
/** Require chunk 0x000e to equal the len bytes at hepKeyBuf() (0: accept any packet). */
export function setHepKey(len: u32): void {
  keyLen = len > HEP_KEY_MAX ? HEP_KEY_MAX : len;
}
export function setHepAgentTime(on: bool): void {
  agentTime = on;
}
export function hepAgentTimeOn(): bool {
  return agentTime;
}

function sameKey(d: usize, dl: u32): bool {
  if (dl != keyLen) return false;
  for (let i: u32 = 0; i < dl; i++) if (u8at(d + i) != u8at(keyBuf + i)) return false;
  return true;
}

/** A HEP v3 packet (starting with "HEP3") of len bytes at p. */
export function hep3(p: usize, len: u32): void {
  const total = be16(p + 4);
  // the header's length covers the whole packet; less than that arrived: cut short
  if (total < 6 || total > len) return note(C_HEP_BAD);
  let off: u32 = 6;
  let ipProto: u32 = 17;
  let src: usize = 0;
  let dst: usize = 0;
  let srcLen: u32 = 0;
  let dstLen: u32 = 0;
  let sport: u32 = 0;
  let dport: u32 = 0;
  let sec: u32 = 0;
  let usec: u32 = 0;
  let hasTime = false;
  let payload: usize = 0;
  let plen: u32 = 0;
  let ptype: u32 = 1;
  let keyOk = keyLen == 0;
  let other = false;
  while (off < total) {
    if (off + 6 > total) return note(C_HEP_BAD);
    const vendor = be16(p + off);
    const type = be16(p + off + 2);
    const clen = be16(p + off + 4);
    if (clen < 6 || off + clen > total) return note(C_HEP_BAD);
    const d = p + off + 6;
    const dl = clen - 6;
    if (vendor != 0 || type == 0 || type > LAST_KNOWN_CHUNK) count(C_HEP_UNKNOWN_CHUNK);
    else if (type == 2 && dl >= 1) ipProto = u8at(d);
    else if ((type == 3 && dl == 4) || (type == 5 && dl == 16)) {
      src = d;
      srcLen = dl;
    } else if ((type == 4 && dl == 4) || (type == 6 && dl == 16)) {
      dst = d;
      dstLen = dl;
    } else if (type == 7 && dl >= 2) sport = be16(d);
    else if (type == 8 && dl >= 2) dport = be16(d);
    else if (type == 9 && dl >= 4) {
      sec = be32(d);
      hasTime = true;
    } else if (type == 10 && dl >= 4) usec = be32(d);
    else if (type == 11 && dl >= 1) ptype = u8at(d);
    else if (type == 14) keyOk = keyLen == 0 || sameKey(d, dl);
    else if (type == 15) {
      payload = d;
      plen = dl;
    } else if (type == 16) other = true; // compressed payload: not inflated here
    off += clen;
  }
  if (!keyOk) return note(C_HEP_AUTH);
  if (ptype != 1 || other) return note(C_HEP_OTHER);
  // both addresses of one family, and a payload
  if (payload == 0 || src == 0 || dst == 0 || srcLen != dstLen) return note(C_HEP_BAD);
  if (startLine(payload, plen) == 0) return note(C_HEP_BAD);
  // the message is reported with the addresses, protocol (and time) the agent saw, not the
  // carrier's; the family is the addresses' own (chunk 0x0001 only repeats it)
  const transport = ipProto == 6 ? T_TCP : ipProto == 132 ? T_SCTP : T_UDP;
  // bytes on the wire as the agent's packet had them: the message in one IP packet
  const wire = plen + (srcLen == 16 ? 40 : 20) + (transport == T_TCP ? 20 : transport == T_SCTP ? 28 : 8);
  ctx.setIp(srcLen == 16 ? 6 : 4, src, dst, wire);
  count(C_HEP);
  if (agentTime) {
    // the agent's time is the capture time (the frame's when the agent gave none): the clock
    // and its ticks follow it, so timeouts run on the same time as the messages
    if (hasTime && usec < 1000000) ctx.setTime(sec, usec * 1000, 6);
    clockTo(ctx.tsSec, ctx.tsNsec);
  }
  emitSip(payload, plen, transport, sport, dport, wire, 1);
}
