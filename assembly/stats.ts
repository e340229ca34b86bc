// Run counters, read by JS through statsPtr(). The order is part of the JS contract:
// shared/engine.ts holds the matching names (COUNTER_NAMES) — keep both lists in step.

export const C_FRAMES: i32 = 0; // frames (packet records) read
export const C_SIP_FRAMES = 1; // frames that carried (part of) a SIP message
export const C_SIP_MESSAGES = 2; // SIP messages reported
export const C_RTP_FRAMES = 3; // frames sent to a watched SDP media endpoint
export const C_OTHER_FRAMES = 4; // decoded, but neither SIP nor watched media (normal traffic)
export const C_NON_IP = 5; // link payload is not IP (ARP, LLDP, ...)
export const C_UNKNOWN_LINKTYPE = 6;
export const C_TRUNCATED = 7; // frame shorter than its headers say (snap length, damage)
export const C_BAD_IP = 8; // IP header invalid (version, length, checksum-independent checks)
export const C_BAD_L4 = 9; // UDP/TCP/SCTP header invalid
export const C_FRAG_PIECES = 10; // IP fragments seen
export const C_FRAG_DONE = 11; // datagrams reassembled
export const C_FRAG_INCOMPLETE = 12; // datagrams never completed (timeout or end of input)
export const C_FRAG_BAD = 13; // inconsistent fragments (overlap beyond end, too many pieces)
export const C_FRAG_TABLE_FULL = 14;
export const C_TCP_STREAMS = 15; // SIP-carrying TCP streams followed
export const C_TCP_RETRANS = 16; // segments already seen
export const C_TCP_OOO = 17; // segments that arrived before a missing one
export const C_TCP_GAP = 18; // data never seen: the stream resynchronised at the next message
export const C_TCP_TABLE_FULL = 19;
export const C_SIP_TOO_LARGE = 20; // message larger than MAX_SIP_MSG
export const C_SIP_MALFORMED = 21; // start line fine, header section broken
export const C_SIP_BODY_SHORT = 22; // Content-Length larger than the datagram (reported anyway)
export const C_TUNNEL_TOO_DEEP = 23;
export const C_SCTP_PARTIAL = 24; // SCTP DATA chunks of a fragmented user message
export const C_WS_FRAMES = 25; // WebSocket frames carrying SIP
export const C_ICMP_SIP = 26; // SIP quoted inside ICMP errors (not a delivered message)
export const C_BAD_RECORD = 27; // capture record with an impossible length
export const C_SKIPPED_BLOCKS = 28; // pcapng blocks that carry no packets or are unknown
export const C_OVERSIZED_RECORDS = 29; // records larger than the input window, skipped
export const C_TRUNCATED_FILE = 30; // capture ended inside a record
export const C_MEM_EXHAUSTED = 31; // reassembly arena full
export const C_MEDIA_TABLE_FULL = 32;
export const C_HEP = 33; // SIP carried in HEP v2/v3 (decapsulated)
export const C_KEEPALIVE = 34; // CRLF / zero keep-alives
export const C_EVENT_OVERFLOW = 35; // message dropped: event buffer full (a safety net, never expected)
export const COUNTERS = 40;

// byte totals are f64 (they pass 4 GiB)
export const B_BYTES = 0; // bytes of frame data read
export const B_SIP_BYTES = 1;
export const B_RTP_BYTES = 2;
export const BYTE_COUNTERS = 4;

export let counters: usize = 0;
export let bytes: usize = 0;

export function initStats(): void {
  counters = heap.alloc(COUNTERS * 4);
  memory.fill(counters, 0, COUNTERS * 4);
  bytes = heap.alloc(BYTE_COUNTERS * 8);
  memory.fill(bytes, 0, BYTE_COUNTERS * 8);
}

@inline export function count(i: i32): void {
  const p = counters + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + 1);
}
@inline export function countN(i: i32, n: u32): void {
  const p = counters + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + n);
}
@inline export function addBytes(i: i32, n: u32): void {
  const p = bytes + (<usize>i << 3);
  store<f64>(p, load<f64>(p) + <f64>n);
}
