// RTCP packets for the media tests (RFC 3550 §6.4): sender and receiver reports with report
// blocks, SDES, and the NTP middle 32 bits a later block's LSR names.

export interface ReportBlock {
  ssrc: number;
  /** fraction lost field, 0…255 */
  fraction: number;
  /** cumulative lost, 24-bit signed */
  cumulative: number;
  highestSeq: number;
  /** interarrival jitter, RTP timestamp units */
  jitter: number;
  /** middle 32 bits of the NTP time of the last SR received, 0 none */
  lsr: number;
  /** delay since that SR, 1/65536 s */
  dlsr: number;
}

function block(v: DataView, at: number, b: ReportBlock): void {
  v.setUint32(at, b.ssrc >>> 0);
  v.setUint32(at + 4, ((b.fraction & 0xff) << 24) | (b.cumulative & 0xffffff));
  v.setUint32(at + 8, b.highestSeq >>> 0);
  v.setUint32(at + 12, b.jitter >>> 0);
  v.setUint32(at + 16, b.lsr >>> 0);
  v.setUint32(at + 20, b.dlsr >>> 0);
}

/** NTP seconds and fraction of a capture time (epoch seconds). */
export function ntpOf(t: number): { msw: number; lsw: number } {
  const sec = Math.floor(t);
  return { msw: (sec + 2_208_988_800) >>> 0, lsw: Math.floor((t - sec) * 2 ** 32) >>> 0 };
}

/** The LSR a receiver writes for an SR with this NTP time. */
export function lsrOf(ntp: { msw: number; lsw: number }): number {
  return (((ntp.msw & 0xffff) << 16) | (ntp.lsw >>> 16)) >>> 0;
}

export function senderReport(ssrc: number, ntp: { msw: number; lsw: number }, rtpTs: number, blocks: ReportBlock[] = []): Uint8Array {
  const out = new Uint8Array(28 + 24 * blocks.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x80 | blocks.length);
  v.setUint8(1, 200);
  v.setUint16(2, out.length / 4 - 1);
  v.setUint32(4, ssrc >>> 0);
  v.setUint32(8, ntp.msw);
  v.setUint32(12, ntp.lsw);
  v.setUint32(16, rtpTs >>> 0);
  v.setUint32(20, 100); // sender's packet count
  v.setUint32(24, 16_000); // sender's octet count
  for (let i = 0; i < blocks.length; i++) block(v, 28 + 24 * i, blocks[i]);
  return out;
}

export function receiverReport(ssrc: number, blocks: ReportBlock[]): Uint8Array {
  const out = new Uint8Array(8 + 24 * blocks.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x80 | blocks.length);
  v.setUint8(1, 201);
  v.setUint16(2, out.length / 4 - 1);
  v.setUint32(4, ssrc >>> 0);
  for (let i = 0; i < blocks.length; i++) block(v, 8 + 24 * i, blocks[i]);
  return out;
}

/** SDES with one CNAME item, padded to 32 bits: what follows a report in a compound packet. */
export function sdesCname(ssrc: number, cname: string): Uint8Array {
  const name = new TextEncoder().encode(cname);
  const len = Math.ceil((4 + 2 + name.length + 1) / 4) * 4;
  const out = new Uint8Array(4 + len);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x81);
  v.setUint8(1, 202);
  v.setUint16(2, out.length / 4 - 1);
  v.setUint32(4, ssrc >>> 0);
  out[8] = 1; // CNAME
  out[9] = name.length;
  out.set(name, 10);
  return out;
}
