// SCTP: SIP in DATA chunks. A user message split over several chunks (B ... E flags) is put
// back together in TSN order; the few messages in flight are kept in a small fixed table.

import { T_SCTP, C_TRUNCATED, C_BAD_L4, C_SIP_TOO_LARGE, C_SCTP_PARTIAL, MAX_SIP_MSG } from './abi';
import { be16, be32, u8at } from './mem';
import { bufAppend, bufClear } from './arena';
import { hash16, same16 } from './table';
import { reasmKey } from './frag';
import * as ctx from './ctx';
import { count } from './stats';
import { startLine } from './sip';
import { emitSip } from './events';

const SLOTS: u32 = 64;
// slot: src[16] dst[16] ports u32 sid-ssn u32 nextTsn u32 buf u32 cap u32 len u32 lastSec u32 used u32
const S: usize = 64;
const O_PORTS: usize = 32;
const O_KEY: usize = 36;
const O_TSN: usize = 40;
const O_BUF: usize = 44; // buffer triple (block, capacity, length) for bufAppend
const O_LEN: usize = 52;
const O_LAST: usize = 56;
const O_USED: usize = 60;

let slots: usize = 0;

export function initSctp(): void {
  slots = heap.alloc(<usize>SLOTS * S);
  memory.fill(slots, 0, <usize>SLOTS * S);
}

/** Returns false when the packet is not a well-formed SCTP packet (caller counts). */
export function sctp(p: usize, len: u32): bool {
  if (len < 12) {
    count(C_TRUNCATED);
    return false;
  }
  const sport = be16(p);
  const dport = be16(p + 2);
  let off: u32 = 12;
  while (off + 4 <= len) {
    const type = u8at(p + off);
    const flags = u8at(p + off + 1);
    const clen = be16(p + off + 2);
    if (clen < 4) {
      count(C_BAD_L4);
      return false;
    }
    if (type == 0 && clen > 16) {
      const avail = len - off;
      // the packet ends inside the chunk's own header: no user data to take
      if (avail < 16) {
        ctx.note(C_TRUNCATED);
        return false;
      }
      const dlen = (clen < avail ? clen : avail) - 16;
      const d = p + off + 16;
      if ((flags & 3) == 3) {
        if (ctx.notes) ctx.setMsgKey(0);
        if (startLine(d, dlen) != 0) emitSip(d, dlen, T_SCTP, sport, dport, ctx.ipLen, 1);
      } else {
        piece(flags, be32(p + off + 4), (be16(p + off + 8) << 16) | be16(p + off + 10), d, dlen, sport, dport);
      }
    }
    off += (clen + 3) & ~3;
  }
  return true;
}

function piece(flags: u32, tsn: u32, key: u32, d: usize, dlen: u32, sport: u32, dport: u32): void {
  const ports = (sport << 16) | dport;
  let slot: usize = 0;
  let freeSlot: usize = 0;
  let oldest: usize = 0;
  for (let i: u32 = 0; i < SLOTS; i++) {
    const s = slots + <usize>i * S;
    if (load<u32>(s + O_USED) == 0) {
      if (freeSlot == 0) freeSlot = s;
      continue;
    }
    if (load<u32>(s + O_PORTS) == ports && load<u32>(s + O_KEY) == key && same16(s, ctx.ipSrc) && same16(s + 16, ctx.ipDst)) {
      slot = s;
      break;
    }
    if (oldest == 0 || load<u32>(s + O_LAST) < load<u32>(oldest + O_LAST)) oldest = s;
  }
  if (flags & 2) {
    // B: first piece of a user message (a stale one with the same key is dropped)
    if (slot == 0) {
      slot = freeSlot;
      if (slot == 0) {
        count(C_SCTP_PARTIAL);
        release(oldest);
        slot = oldest;
      }
    } else release(slot);
    memory.copy(slot, ctx.ipSrc, 16);
    memory.copy(slot + 16, ctx.ipDst, 16);
    store<u32>(slot + O_PORTS, ports);
    store<u32>(slot + O_KEY, key);
    store<u32>(slot + O_USED, 1);
    store<u32>(slot + O_LEN, 0);
  } else if (slot == 0 || load<u32>(slot + O_TSN) != tsn) {
    count(C_SCTP_PARTIAL); // middle or end without its beginning, or out of order
    if (slot != 0) release(slot);
    return;
  }
  store<u32>(slot + O_TSN, tsn + 1);
  store<u32>(slot + O_LAST, ctx.tsSec);
  if (!append(slot, d, dlen)) return;
  ctx.markSip();
  // note mode: pieces held under the user message's key, the message completed with it
  const held = ctx.notes ? reasmKey(hash16(ctx.ipDst, hash16(ctx.ipSrc, ports) ^ key) ^ 0x5bd1e995) : 0;
  if (ctx.notes) {
    if (flags & 1) ctx.setMsgKey(held);
    else ctx.setHeld(held);
  }
  if (flags & 1) {
    const buf = <usize>load<u32>(slot + O_BUF);
    const n = load<u32>(slot + O_LEN);
    if (startLine(buf, n) != 0) emitSip(buf, n, T_SCTP, sport, dport, ctx.ipLen, 1);
    release(slot);
  }
}

function append(slot: usize, d: usize, n: u32): bool {
  const held = load<u32>(slot + O_LEN);
  const need = held + n;
  if (need > MAX_SIP_MSG) {
    count(C_SIP_TOO_LARGE);
    release(slot);
    return false;
  }
  if (!bufAppend(slot + O_BUF, d, n)) {
    release(slot);
    return false;
  }
  return true;
}

function release(slot: usize): void {
  if (slot == 0) return;
  bufClear(slot + O_BUF);
  store<u32>(slot + O_USED, 0);
}
