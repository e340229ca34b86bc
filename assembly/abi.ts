// The contract between the WASM core and its TypeScript host, in one place: the event layout,
// the ids the events carry, the run counters, file errors and the core's limits. The host's side,
// shared/engine/core-abi.ts, is generated from this file (`npm run build:abi`, scripts/gen-abi.ts),
// together with the signatures of the functions index.ts exports; a unit test fails when the
// two differ.
//
// The generator reads `export const NAME: TYPE = VALUE;` (VALUE: numbers, << >> | + - * and
// earlier names), the /** */ or // comment of each, and these trailing-comment forms:
//   counters   C_*  `// jsName — what a user reads`, with `problem ` first when the counter
//                   means a frame or message was not fully decoded
//   bytes      B_*  `// jsName — what a user reads`
//   errors     E_*  `// the message a user reads` (file errors), W_* the same for warnings

// ---- Event buffer ----------------------------------------------------------------------------
// One event per SIP message, in frame order, little-endian, each `size` bytes long (a multiple
// of 4). A time tick is an event of EV_TICK_SIZE bytes: capture time passed a new second.
// After the EV_HEAD fixed bytes come nHdr header entries and nSdp SDP entries of EV_ENTRY_SIZE
// bytes each (u32 id, u32 offset, u32 length, offsets into the message), then nWatch media
// watches of EV_WATCH_SIZE bytes the core took for the SDP's RTP and RTCP endpoints (the host
// hands them to the tracker when it asks for the same address text and port, and releases the
// rest once the tracker has seen the message), then rawLen bytes of the message, padded to 4.

export const EV_SIZE: u32 = 0; // u32 bytes of this event
export const EV_FRAME: u32 = 4; // u32 frame number in the run (1-based)
export const EV_TS_SEC: u32 = 8; // u32 capture time, seconds
export const EV_TS_NSEC: u32 = 12; // u32 capture time, nanoseconds
export const EV_FILE_OFFSET: u32 = 16; // f64 byte offset of the frame's record in its file
export const EV_FILE_INDEX: u32 = 24; // u16 input file (0-based)
export const EV_IP_VERSION: u32 = 26; // u8 4 or 6
export const EV_TRANSPORT: u32 = 27; // u8 T_*
export const EV_TS_DIGITS: u32 = 28; // u8 fraction digits of the capture's clock (6 or 9)
export const EV_N_HDR: u32 = 29; // u8 header entries
export const EV_N_SDP: u32 = 30; // u8 SDP entries
export const EV_FLAGS: u32 = 31; // u8 F_*
export const EV_SRC: u32 = 32; // 16 bytes, IPv4 as ::ffff:a.b.c.d
export const EV_DST: u32 = 48; // 16 bytes
export const EV_SPORT: u32 = 64; // u16
export const EV_DPORT: u32 = 66; // u16
export const EV_WIRE_BYTES: u32 = 68; // u32 IP bytes of the packets that carried the message
export const EV_WIRE_PACKETS: u32 = 72; // u32 those packets (0: counted with an earlier message)
export const EV_RAW_LEN: u32 = 76; // u32 message bytes that follow
export const EV_START_LINE_LEN: u32 = 80; // u32 start line with its line end
export const EV_BODY_OFF: u32 = 84; // u32 offset of the body in the message
export const EV_N_WATCH: u32 = 88; // u32 media watches (EV_WATCH_SIZE bytes each)
export const EV_RAW_HASH: u32 = 92; // u32 hash of the message bytes (exact duplicates are told by it)
export const EV_RAW_AT: u32 = 96; // f64 offset of the message in its file when its bytes lie there as they are (one frame, not reassembled), else -1
export const EV_KEY: u32 = 104; // u32 in note mode: the TCP stream or IP datagram whose frames carried the message when it took more than this frame, else 0
export const EV_HEAD: u32 = 108;
export const EV_ENTRY_SIZE: u32 = 12;
export const EV_TICK_SIZE: u32 = 16;
export const EV_WATCH_SIZE: u32 = 16;
/** Media watches one message can take (the event reserves room for this many). */
export const MAX_WATCH: u32 = 32;
export const WATCH_ID: u32 = 0; // i32 endpoint id
export const WATCH_PORT: u32 = 4; // u16 port watched
export const WATCH_RTCP: u32 = 6; // u8 1: an RTCP port (m= port + 1 or a=rtcp:)
export const WATCH_ADDR_OFF: u32 = 8; // u32 offset in the message of the address text read (c= value, before any /ttl)
export const WATCH_ADDR_LEN: u32 = 12; // u32 its length

// ---- Frame notes (setNotes(1), for extracting a call's frames) -------------------------------
// A note of EV_NOTE_SIZE bytes follows a frame's messages when the frame was UDP without SIP (its
// innermost addresses and ports, to be matched against the media of calls), or when it left
// bytes held for reassembly under a key (a later message with that EV_KEY took this frame too).
// Its size tells it from ticks and messages (both other sizes). Time at EV_TS_SEC/EV_TS_NSEC.
export const EV_NOTE_SIZE: u32 = 64;
export const NOTE_KEY: u32 = 16; // u32 reassembly key (NOTE_HELD, NOTE_PREAMBLE), else 0
export const NOTE_FLAGS: u32 = 20; // u8 NOTE_*
export const NOTE_IP_VERSION: u32 = 21; // u8
export const NOTE_SRC: u32 = 24; // 16 bytes
export const NOTE_DST: u32 = 40; // 16 bytes
export const NOTE_SPORT: u32 = 56; // u16
export const NOTE_DPORT: u32 = 58; // u16
export const NOTE_FILE_INDEX: u32 = 60; // u16
/** bytes of the frame are held for reassembly under NOTE_KEY */
export const NOTE_HELD: u32 = 1;
/** the frame's innermost transport was UDP (addresses and ports valid) */
export const NOTE_UDP: u32 = 2;
/** the frame opened the TCP stream NOTE_KEY (a WebSocket handshake): every message of that
 *  stream needs it to be read again */
export const NOTE_PREAMBLE: u32 = 4;

// ---- Frame copies (setCopy(1)): frames are not decoded, each is reported as it was read -------
// Every event is a copy: EV_FRAME, EV_TS_SEC, EV_TS_NSEC as above, then these, then the
// frame's captured bytes padded to 4.
export const COPY_LINKTYPE: u32 = 16; // u32
export const COPY_CAPLEN: u32 = 20; // u32
export const COPY_ORIG_LEN: u32 = 24; // u32
export const COPY_FILE_INDEX: u32 = 28; // u16
export const COPY_TS_DIGITS: u32 = 30; // u8
export const COPY_HEAD: u32 = 32;

/** Transport of a message (EV_TRANSPORT). */
export const T_UDP: u32 = 1;
export const T_TCP: u32 = 2;
export const T_SCTP: u32 = 3;
export const T_WS: u32 = 4;

/** Message flags (EV_FLAGS). */
export const F_BODY_SHORT: u32 = 1;
export const F_NO_BLANK_LINE: u32 = 2;
/** every byte of the message is below 0x80: the host may take one byte as one character */
export const F_ASCII: u32 = 4;

/** Header entry ids; H_FOLDED is or-ed in when the value continues on folded lines. */
export const H_CALL_ID: u32 = 1;
export const H_FROM: u32 = 2;
export const H_TO: u32 = 3;
export const H_CSEQ: u32 = 4;
export const H_USER_AGENT: u32 = 5;
export const H_SERVER: u32 = 6;
export const H_REASON: u32 = 7;
export const H_CONTENT_TYPE: u32 = 8;
export const H_CONTENT_LENGTH: u32 = 9;
/** correlation of legs (SPEC §9): X-CID, X-Call-ID, X-Orig-Call-ID, X-Original-Call-ID */
export const H_X_CID: u32 = 10;
export const H_SESSION_ID: u32 = 11;
export const H_CHARGING_VECTOR: u32 = 12;
/** the tag parameter of the first From / To value, found by the core in ASCII messages when that
 *  value is on one line (header-values.ts tagOf read alike); length 0: the value has none. A
 *  message without the entry leaves the tag to the host. */
export const H_FROM_TAG: u32 = 13;
export const H_TO_TAG: u32 = 14;
export const H_FOLDED: u32 = 0x100;

/** SDP entry ids: the line's letter (c=, m=, o=, r for a=rtpmap:, and a for the attributes media
 *  needs: sendrecv, sendonly, recvonly, inactive, rtcp-mux, rtcp:PORT). */
export const S_C: u32 = 99;
export const S_O: u32 = 111;
export const S_M: u32 = 109;
export const S_RTPMAP: u32 = 114;
export const S_ATTR: u32 = 97;

// ---- Run counters (u32 each at countersPtr(), fewer than 64: a frame's reasons are a bit mask) --

export const C_FRAMES: i32 = 0; // frames — frames read
export const C_SIP_FRAMES: i32 = 1; // sipFrames — frames carrying SIP
export const C_SIP_MESSAGES: i32 = 2; // sipMessages — SIP messages
export const C_RTP_FRAMES: i32 = 3; // rtpFrames — RTP and RTCP frames to SDP media endpoints
/** decoded, but neither SIP nor watched media (normal traffic) */
export const C_OTHER_FRAMES: i32 = 4; // otherFrames — other traffic (decoded, not SIP)
export const C_NON_IP: i32 = 5; // nonIp — not IP (ARP, LLDP, ...)
export const C_UNKNOWN_LINKTYPE: i32 = 6; // problem unknownLinktype — unknown link type
/** snap length or damage */
export const C_TRUNCATED: i32 = 7; // problem truncated — truncated frames (shorter than their headers say)
export const C_BAD_IP: i32 = 8; // problem badIp — invalid IP headers
export const C_BAD_L4: i32 = 9; // problem badL4 — invalid UDP/TCP/SCTP headers
export const C_FRAG_PIECES: i32 = 10; // fragPieces — IP fragments
export const C_FRAG_DONE: i32 = 11; // fragReassembled — IP datagrams reassembled
/** timeout or end of input */
export const C_FRAG_INCOMPLETE: i32 = 12; // problem fragIncomplete — IP datagrams never completed
/** overlap beyond the end, too many pieces */
export const C_FRAG_BAD: i32 = 13; // problem fragBad — inconsistent IP fragments
export const C_FRAG_TABLE_FULL: i32 = 14; // problem fragTableFull — fragments dropped: reassembly table full
export const C_TCP_STREAMS: i32 = 15; // tcpStreams — SIP TCP streams
export const C_TCP_RETRANS: i32 = 16; // tcpRetransmissions — TCP segments retransmitted
export const C_TCP_OOO: i32 = 17; // tcpOutOfOrder — TCP segments out of order
/** the stream resynchronised at the next message */
export const C_TCP_GAP: i32 = 18; // problem tcpGaps — TCP gaps (data never captured)
export const C_TCP_TABLE_FULL: i32 = 19; // problem tcpTableFull — TCP streams dropped: table full
/** larger than MAX_SIP_MSG */
export const C_SIP_TOO_LARGE: i32 = 20; // problem sipTooLarge — SIP messages too large
/** start line fine, header section broken */
export const C_SIP_MALFORMED: i32 = 21; // problem sipMalformed — malformed SIP
/** reported anyway */
export const C_SIP_BODY_SHORT: i32 = 22; // problem sipBodyShort — SIP bodies shorter than Content-Length
export const C_TUNNEL_TOO_DEEP: i32 = 23; // problem tunnelTooDeep — tunnels nested too deep
/** DATA chunks of a fragmented user message */
export const C_SCTP_PARTIAL: i32 = 24; // problem sctpPartial — SCTP fragmented messages
export const C_WS_FRAMES: i32 = 25; // wsFrames — SIP over WebSocket frames
/** the copy of a message that was not delivered */
export const C_ICMP_SIP: i32 = 26; // icmpQuotedSip — SIP quoted in ICMP errors
export const C_BAD_RECORD: i32 = 27; // problem badRecords — capture records with impossible lengths
/** blocks that carry no packets, or unknown ones */
export const C_SKIPPED_BLOCKS: i32 = 28; // skippedBlocks — pcapng blocks without packets
/** larger than the input window IN_CAP */
export const C_OVERSIZED_RECORDS: i32 = 29; // problem oversizedRecords — records too large to decode
export const C_TRUNCATED_FILE: i32 = 30; // problem truncatedFiles — files ending inside a record
export const C_MEM_EXHAUSTED: i32 = 31; // problem memoryExhausted — reassembly memory exhausted
export const C_MEDIA_TABLE_FULL: i32 = 32; // problem mediaTableFull — media endpoints not watched: table full
/** HEP v2/v3, decapsulated */
export const C_HEP: i32 = 33; // hep — SIP messages from HEP encapsulation
/** CRLF or zero keep-alives */
export const C_KEEPALIVE: i32 = 34; // keepalives — keep-alives
/** a safety net, never expected */
export const C_EVENT_OVERFLOW: i32 = 35; // problem eventOverflow — messages dropped: event buffer full
/** version not 2, or CSRC, extension or padding lengths beyond the packet */
export const C_RTP_BAD: i32 = 36; // problem rtpInvalid — invalid RTP headers at media endpoints
export const C_RTP_STREAMS: i32 = 37; // rtpStreams — RTP streams analysed
export const C_STREAM_TABLE_FULL: i32 = 38; // problem streamTableFull — RTP streams not analysed: table full
/** more SSRCs or sources at one endpoint than any call has */
export const C_STREAM_CAP: i32 = 39; // problem streamsPerEndpoint — RTP streams not analysed: too many at one endpoint
export const C_RTCP: i32 = 40; // rtcpPackets — RTCP packets at media endpoints
export const C_RTCP_BAD: i32 = 41; // problem rtcpInvalid — invalid RTCP packets at media endpoints (bad version or lengths)
export const C_RTCP_FULL: i32 = 42; // problem rtcpTableFull — RTCP reports not kept: table full or too many at one endpoint
/** wrong total or chunk lengths, no addresses, or a SIP payload that is not SIP */
export const C_HEP_BAD: i32 = 43; // problem hepInvalid — invalid HEP packets (lengths, missing chunks)
/** RTCP reports, logs, compressed payloads: counted, not decoded */
export const C_HEP_OTHER: i32 = 44; // hepOther — HEP packets carrying other than SIP
/** generic chunk types beyond those HEP v3 defines, and vendor chunks: skipped */
export const C_HEP_UNKNOWN_CHUNK: i32 = 45; // hepUnknownChunks — HEP chunks of unknown types (skipped)
/** only when a key is set (setHepKey) */
export const C_HEP_AUTH: i32 = 46; // problem hepAuthFailed — HEP packets rejected: authentication key missing or wrong
export const COUNTERS: i32 = 47;

// ---- Byte totals (f64 each at bytesPtr(): they pass 4 GiB) ----------------------------------

export const B_BYTES: i32 = 0; // bytes — bytes of frame data read
export const B_SIP_BYTES: i32 = 1; // sipBytes — bytes of SIP messages
export const B_RTP_BYTES: i32 = 2; // rtpBytes — bytes of RTP and RTCP frames to SDP media endpoints
export const BYTE_COUNTERS: i32 = 3;

// ---- File errors (endFile(), fileError()) and warnings (fileWarning(), bits) ------------------

export const E_NONE: u32 = 0; // no error
export const E_NOT_CAPTURE: u32 = 1; // not a pcap, pcapng, snoop or NetMon 2.x capture (unknown file header)
export const E_BAD_RECORD: u32 = 2; // a record has an impossible length: the file is damaged; reading of this file stopped there
export const E_BAD_BLOCK: u32 = 3; // a pcapng block is damaged; reading of this file stopped there
export const E_TRUNCATED: u32 = 4; // the file ends in the middle of a record (truncated capture)
export const E_EMPTY: u32 = 5; // the file is empty
export const W_MIXED_ORDER: u32 = 1; // record headers are in the other byte order than the file header (read anyway)

// ---- Limits: every bound of the core. Hitting one is counted, never a crash. ------------------

/** Input window the host writes capture bytes into; a larger record is skipped and counted. */
export const IN_CAP: u32 = 8 << 20;
/** Event buffer. */
export const EV_CAP: u32 = 16 << 20;
/** Free event space required before a frame is decoded (a frame can complete many messages). */
export const EV_RESERVE: u32 = 8 << 20;
/** Largest SIP message kept whole (headers + body); larger ones are counted and skipped. */
export const MAX_SIP_MSG: u32 = 256 << 10;
/** A capture record larger than this is impossible in a sane capture: the file is damaged. */
export const MAX_RECORD: u32 = 1 << 20;
/** Header values and SDP lines reported per message (extra ones are ignored). */
export const MAX_HDR_ENTRIES: u32 = 48;
export const MAX_SDP_ENTRIES: u32 = 96;
/** Interfaces per pcapng section. */
export const MAX_IFACES: u32 = 256;
/** Nesting of tunnels (GRE in IP in VXLAN ...) before a frame is given up. */
export const MAX_DEPTH: i32 = 8;
/** HEP authentication key (chunk 0x000e) the host may set: at most this many bytes */
export const HEP_KEY_MAX: u32 = 256;
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

// ---- RTP streams (rtp.ts): one entry per (source, destination, SSRC) at a watched endpoint ------
// The host reads an entry at mediaStreamPtr(s) when the call is exported. Times are epoch
// seconds + nanoseconds; ms figures are f64.

// Every packet touches the first two cache lines only (the table is 64-byte aligned): the
// lookup key, times, counts and sequence window in the first, the jitter state in the second.
// What new streams, rare packets and the host alone touch comes after.
export const ST_SRC: u32 = 0; // 16 bytes, IPv4 as ::ffff:a.b.c.d
export const ST_SSRC: u32 = 16; // u32
export const ST_SPORT: u32 = 20; // u16
export const ST_DPORT: u32 = 22; // u16
export const ST_LAST_SEC: u32 = 24; // u32 last packet
export const ST_LAST_NSEC: u32 = 28; // u32
export const ST_PACKETS: u32 = 32; // u32 every packet, duplicates included
export const ST_MAX_EXT: u32 = 36; // u32 extended highest sequence number
export const ST_FIRST_TS: u32 = 40; // u32 RTP timestamp of the first packet
export const ST_FIRST_SEC: u32 = 44; // u32 first packet
export const ST_FIRST_NSEC: u32 = 48; // u32
export const ST_PT: u32 = 52; // u8 first payload type that is not telephone-event or comfort noise; 255 none
export const ST_LAST_PT: u32 = 53; // u8 payload type of the previous packet
export const ST_MARKERS: u32 = 54; // u16 packets with the marker bit (saturates)
export const ST_BYTES: u32 = 56; // u32 UDP payload bytes, modulo 2^32 (ST_BYTES_HIGH counts the wraps)
export const ST_CUR_KHZ: u32 = 60; // u16 clock of ST_LAST_PT in whole kHz, 0 for none (telephone-event, unknown)
export const ST_CUR_FLAGS: u32 = 62; // u8 ST_LAST_PT is comfort noise (1), telephone-event (2)
export const ST_TRACED: u32 = 63; // u8 1 + index of the trace key the stream matches, 0 none
export const ST_PREV_MS: u32 = 64; // f64 arrival of the previous in-order packet, ms after the first
export const ST_JITTER_MS: u32 = 72; // f64 interarrival jitter after the last packet
export const ST_LAST_NOMINAL_MS: u32 = 80; // f64 RTP time of the previous timed packet, ms after the first
export const ST_JITTER_SUM: u32 = 88; // f64 Wireshark's mean jitter × (packets − 1): the mean without a division per packet
export const ST_MAX_DELTA_MS: u32 = 96; // f64 largest arrival gap (first, marker, comfort-noise packets excluded)
export const ST_MAX_JITTER_MS: u32 = 104; // f64
export const ST_SEEN: u32 = 112; // SEQ_WINDOW bits: sequence numbers received, by extended number mod SEQ_WINDOW
export const ST_DST: u32 = 128; // 16 bytes
export const ST_FIRST_EXT: u32 = 144; // u32 extended sequence number of the first packet
export const ST_OUT_OF_ORDER: u32 = 148; // u32 below the highest, not a duplicate
export const ST_DUPLICATES: u32 = 152; // u32 sequence number already received
export const ST_CLOCK: u32 = 156; // u32 clock rate of ST_PT (0 unknown)
export const ST_DTMF_LEN: u32 = 160; // u32 RFC 4733 events (characters at ST_DTMF)
export const ST_DTMF_TS: u32 = 164; // u32 RTP timestamp of the last event
export const ST_NEXT: u32 = 168; // i32 next stream of the same endpoint, -1 at the end
export const ST_REVERSE: u32 = 172; // i32 the reverse endpoint this stream opened, -1 none
export const ST_MAX_DELTA_AT: u32 = 176; // f64 epoch seconds of the packet that ended the largest gap
export const ST_BYTES_HIGH: u32 = 184; // u32 times ST_BYTES wrapped
export const ST_PTS: u32 = 192; // 16 bytes: bit n set when payload type n was seen
export const ST_DTMF: u32 = 208; // DTMF_MAX bytes, one ASCII character per event
export const ST_LAST_TS: u32 = 240; // u32 RTP timestamp of the last packet
export const ST_SIZE: u32 = 256; // four cache lines

/** RFC 4733 events kept per stream. */
export const DTMF_MAX: u32 = 32;
/** Sequence numbers remembered per stream for the duplicate check (2.5 s of 20 ms packets). */
export const SEQ_WINDOW: u32 = 128;
/** RTP streams analysed at once, and per watched endpoint (random traffic cannot fill the table). */
export const MAX_STREAMS: u32 = 1 << 15;
export const MAX_STREAMS_PER_ENDPOINT: u32 = 32;
/** Dynamic payload types remembered per endpoint from its SDP's a=rtpmap lines. */
export const PT_MAP_SIZE: u32 = 8;

// ---- RTCP (rtcp.ts): what the receivers of streams reported, and the senders' last SR ----------
// One entry per (endpoint the RTCP was sent to, SSRC reported on), and one per SR sender SSRC
// (the round trip of a later report block names that SR by LSR). The host reads an endpoint's
// entries at export: mediaFirstRtcp(id), mediaNextRtcp(r), mediaRtcpPtr(r).

export const RC_SSRC: u32 = 0; // u32 SSRC reported on (RC_REPORT), sender SSRC (RC_SR)
export const RC_ENDPOINT: u32 = 4; // i32 endpoint the RTCP was sent to (the entry's owner)
export const RC_NEXT: u32 = 8; // i32 next entry of the endpoint, -1 at the end
export const RC_KIND: u32 = 12; // u8 RC_REPORT or RC_SR
export const RC_FRACTION: u32 = 13; // u8 fraction lost of the last report block (÷ 256)
export const RC_REPORTS: u32 = 16; // u32 report blocks about the SSRC
export const RC_CUM_LOST: u32 = 20; // i32 cumulative lost of the last report block (24-bit signed)
export const RC_JITTER: u32 = 24; // u32 interarrival jitter of the last report block, RTP timestamp units
export const RC_RTTS: u32 = 28; // u32 report blocks that gave a round-trip time
export const RC_RTT_SUM_MS: u32 = 32; // f64 their sum
export const RC_RTT_MAX_MS: u32 = 40; // f64 and the largest
export const RC_SR_NTP: u32 = 48; // u32 (RC_SR) middle 32 bits of the last SR's NTP timestamp
export const RC_SR_SEC: u32 = 52; // u32 (RC_SR) capture time of that SR
export const RC_SR_NSEC: u32 = 56; // u32
export const RC_SIZE: u32 = 64;

export const RC_REPORT: u32 = 1;
export const RC_SR: u32 = 2;
/** RTCP entries kept at once, and per endpoint (random RTCP cannot fill the table). */
export const MAX_RTCP: u32 = 1 << 15;
export const MAX_RTCP_PER_ENDPOINT: u32 = 16;

// ---- Stream trace (on demand, for one call's plot): a sample per RTP packet of traced streams --

export const TR_SEC: u32 = 0; // u32 capture time
export const TR_NSEC: u32 = 4; // u32
export const TR_KEY: u32 = 8; // u32 index of the trace key
export const TR_EXPECTED: u32 = 12; // u32 extended highest sequence − first + 1 so far
export const TR_PACKETS: u32 = 16; // u32 packets of the stream so far
export const TR_JITTER_MS: u32 = 20; // f32 interarrival jitter after this packet
export const TR_SIZE: u32 = 24;
/** Trace keys (streams followed) and samples buffered between two host reads. */
export const MAX_TRACE_KEYS: u32 = 64;
export const MAX_TRACE_SAMPLES: u32 = 1 << 16;
