// Every bound of the core in one place. Hitting one is counted (see stats.ts), never a crash.

/** Input window JS writes capture bytes into; a record larger than this is skipped and counted. */
export const IN_CAP: u32 = 8 << 20;
/** Event buffer; parsing pauses when less than MAX_EVENT is free so JS can drain it. */
export const EV_CAP: u32 = 16 << 20;
/** Free event space required before a frame is decoded (a frame can complete many messages). */
export const EV_RESERVE: u32 = 8 << 20;
/** Largest SIP message kept whole (headers + body); larger ones are counted and skipped. */
export const MAX_SIP_MSG: u32 = 256 << 10;
export const MAX_EVENT: u32 = MAX_SIP_MSG + 4096;
/** Header values and SDP lines reported per message (extra ones are ignored). */
export const MAX_HDR_ENTRIES: u32 = 48;
export const MAX_SDP_ENTRIES: u32 = 96;
/** Interfaces per pcapng section. */
export const MAX_IFACES: u32 = 256;
/** Nesting of tunnels (GRE in IP in VXLAN ...) before a frame is given up. */
export const MAX_DEPTH: i32 = 8;

/** Arena for reassembly buffers (TCP streams, IP fragments, out-of-order segments). */
export const ARENA_SIZE: u32 = 64 << 20;

/** TCP streams tracked at once (directional), and their idle lifetime in capture seconds. */
export const MAX_TCP_STREAMS: u32 = 8192;
export const TCP_IDLE_SEC: u32 = 600;
/** Out-of-order segments held per stream before the gap is declared. */
export const MAX_OOO_SEGS: u32 = 32;

/** IP datagrams being reassembled at once, their lifetime and pieces each. */
export const MAX_FRAG_CTX: u32 = 2048;
export const FRAG_TIMEOUT_SEC: u32 = 30;
export const MAX_FRAG_PIECES: u32 = 64;
export const MAX_IP_DATAGRAM: u32 = 65535 + 40;

/** RTP endpoints watched for the call tracker (SDP c=/m= pairs). */
export const MAX_MEDIA: u32 = 1 << 18;

/** Capture seconds between sweeps of idle TCP streams and stale fragments. */
export const SWEEP_EVERY_SEC: u32 = 5;
