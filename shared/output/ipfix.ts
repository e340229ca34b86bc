// IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) message builder (SPEC §4, §5.1).
// Transport-free: records in, Uint8Array messages out; the caller sends or writes them.
// Every element id, length, enterprise number and value type comes from the field table
// (fields.ts); this file lists none of them. Runs in Node and in browsers (no Buffer, no node:).
//
// Decisions:
// - Records keep their order; consecutive records of one template (IPv4 or IPv6 flow) share a
//   data set, so a message may hold 257, 258, 257 sets.
// - Sequence numbers count what this encoder *built*: every returned message is assumed sent.
//   IPFIX: data records sent before the message in this transport session (RFC 7011 §3.1, §10);
//   template records do not count. v9: export packets sent before (template-only ones included).
// - reset() starts a new transport session. IPFIX: the sequence restarts at 0 (RFC 7011 numbers
//   records per Transport Session, and a new TCP connection is a new session). v9: RFC 3954 counts
//   packets per exporter and has no transport session, so the packet count continues.
// - v9 sysUptime, when not given: milliseconds from the export time of this encoder's first message
//   to this one (never negative); deterministic, unlike a clock reading. reset() keeps it.
// - IPFIX sets are not padded (RFC 7011 allows, never requires it); v9 flowsets are padded to 4.
// - Flow fields passed in `sipFields` are skipped: every record already carries its flow fields.
// - `rtpFlows` (--export-rtp-flows, SPEC §8): each call record is followed by one record per stream
//   pair of the call (shared/output/rtp.ts), in templates of their own (259 / 260 by default),
//   sent with the call templates. The pair records count as data records (IPFIX sequence, v9
//   count); lastCounts counts the call records only, in the message that holds each.

import type { CallRecord } from '../record.ts';
import {
  CALL_EXPORT_FIELDS,
  DEFAULT_RTP_TEMPLATE_ID_V4,
  DEFAULT_RTP_TEMPLATE_ID_V6,
  DEFAULT_TEMPLATE_ID_V4,
  DEFAULT_TEMPLATE_ID_V6,
  FLOW_FIELDS_V4,
  FLOW_FIELDS_V6,
  IPFIX_ENTERPRISE_BIT,
  IPFIX_VARLEN,
  RTP_FLOW_FIELDS,
  type FieldDef,
} from './fields.ts';
import { rtpFlowRecords } from './rtp.ts';
import { parseIp16 } from '../addr.ts';

export type ExportFormat = 'ipfix' | 'v9';

export interface EncoderOptions {
  format: ExportFormat;
  /** IPFIX observation domain / v9 source id, default 0 */
  observationDomain?: number;
  /** max bytes per message, default 1400 */
  mtu?: number;
  /** default 257 (signalling flow over IPv4) */
  templateIdV4?: number;
  /** default 258 (signalling flow over IPv6) */
  templateIdV6?: number;
  /** ntop fields of both call templates, in order; default CALL_EXPORT_FIELDS (the SIP fields, then the RTP elements) */
  sipFields?: readonly FieldDef[];
  /** also one record per RTP stream pair of each call (--export-rtp-flows) */
  rtpFlows?: boolean;
  /** default 259 (stream pair over IPv4) */
  rtpTemplateIdV4?: number;
  /** default 260 (stream pair over IPv6) */
  rtpTemplateIdV6?: number;
}

export const IPFIX_VERSION = 10;
export const V9_VERSION = 9;
export const IPFIX_HEADER_LENGTH = 16;
export const V9_HEADER_LENGTH = 20;
/** IPFIX Template Set id (RFC 7011 §3.3.2). */
export const IPFIX_TEMPLATE_SET_ID = 2;
/** NetFlow v9 Template FlowSet id (RFC 3954 §5.2). */
export const V9_TEMPLATE_FLOWSET_ID = 0;
export const DEFAULT_MTU = 1400;
/** The length field of both headers is 16 bits. */
const MAX_MESSAGE = 65535;
const SET_HEADER = 4;

const utf8 = new TextEncoder();

/** Unsigned integer of `len` bytes, big-endian, modulo 2^(8·len); not-finite or negative → 0.
 *  Works on two 32-bit halves: byte-by-byte floating-point division is slow. */
function putUint(out: Uint8Array, o: number, len: number, v: number): void {
  const x = Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
  const lo = (x % 0x1_0000_0000) >>> 0;
  const hi = Math.floor(x / 0x1_0000_0000) >>> 0;
  for (let k = 0; k < len; k++) {
    out[o + len - 1 - k] = k < 4 ? (lo >>> (8 * k)) & 0xff : k < 8 ? (hi >>> (8 * (k - 4))) & 0xff : 0;
  }
}

const u32 = (v: number): number => (Number.isFinite(v) && v > 0 ? Math.floor(v) % 0x1_0000_0000 : 0);

function put16(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 8) & 0xff;
  out[o + 1] = v & 0xff;
}

function put32(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

const pad4 = (n: number): number => (n + 3) & ~3;

const isStringType = (f: FieldDef): boolean => f.type === 'string' || f.type === 'state';

/** One field as this format writes it: wire length (null = IPFIX varlen) and its cap. */
interface Slot {
  readonly f: FieldDef;
  readonly len: number | null;
  /** most value bytes (strings): the fixed length, or the varlen cap */
  readonly cap: number;
  /** writes the record's value at o, returns the offset after it (chosen once per template) */
  readonly write: (buf: Uint8Array, o: number, r: CallRecord) => number;
}

/**
 * UTF-8 bytes of `text` at o, at most `cap`, cut at a character boundary; returns the count.
 * ASCII (nearly every SIP value) is copied by hand: encodeInto needs a view of the destination,
 * one allocation per value.
 */
function putText(buf: Uint8Array, o: number, text: string, cap: number): number {
  const n = text.length;
  if (n <= cap) {
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[o + i] = c;
      i++;
    }
    if (i === n) return n;
  }
  return utf8.encodeInto(text, buf.subarray(o, o + cap)).written;
}

interface Template {
  readonly id: number;
  readonly slots: readonly Slot[];
  /** the template record (header + field specifiers) */
  readonly record: Uint8Array;
  /** bytes of the largest data record */
  readonly maxRecord: number;
}

/** The message being filled, in the encoder's work buffer. */
interface OpenMessage {
  templates: boolean;
  size: number; // header + sets as they would be written now (the open set padded)
  dataRecords: number;
  /** call records among them (the others are stream pair records) */
  calls: number;
  /** the open data set: its id (-1 none), where its header is, its record bytes */
  setId: number;
  setStart: number;
  setBytes: number;
  /** where the next record goes */
  pos: number;
}

export class FlowEncoder {
  readonly format: ExportFormat;
  readonly observationDomain: number;
  readonly mtu: number;
  readonly templateIdV4: number;
  readonly templateIdV6: number;
  readonly rtpFlows: boolean;
  private readonly t4: Template;
  private readonly t6: Template;
  /** the stream pair templates (rtpFlows), else null */
  private readonly p4: Template | null;
  private readonly p6: Template | null;
  /** every template, in the order of the template set */
  private readonly all: readonly Template[];
  private readonly headerLen: number;
  /** IPFIX: data records sent in this session; v9: packets sent (both modulo 2^32) */
  private seq = 0;
  private firstExport: number | null = null;

  constructor(opts: EncoderOptions) {
    if (opts.format !== 'ipfix' && opts.format !== 'v9') throw new Error(`unknown export format: ${String(opts.format)}`);
    this.format = opts.format;
    this.headerLen = this.format === 'ipfix' ? IPFIX_HEADER_LENGTH : V9_HEADER_LENGTH;
    const dom = opts.observationDomain ?? 0;
    if (!Number.isInteger(dom) || dom < 0 || dom > 0xffff_ffff) throw new Error(`bad observation domain: ${dom}`);
    this.observationDomain = dom;
    const mtu = opts.mtu ?? DEFAULT_MTU;
    if (!Number.isInteger(mtu) || mtu < this.headerLen + SET_HEADER + 4) throw new Error(`bad mtu: ${mtu}`);
    this.mtu = Math.min(mtu, MAX_MESSAGE);
    this.templateIdV4 = opts.templateIdV4 ?? DEFAULT_TEMPLATE_ID_V4;
    this.templateIdV6 = opts.templateIdV6 ?? DEFAULT_TEMPLATE_ID_V6;
    this.rtpFlows = opts.rtpFlows === true;
    const ids = [this.templateIdV4, this.templateIdV6];
    if (this.rtpFlows) ids.push(opts.rtpTemplateIdV4 ?? DEFAULT_RTP_TEMPLATE_ID_V4, opts.rtpTemplateIdV6 ?? DEFAULT_RTP_TEMPLATE_ID_V6);
    for (const id of ids) {
      // 0–255 are set ids (RFC 7011 §3.3.2, RFC 3954 §5.2)
      if (!Number.isInteger(id) || id < 256 || id > 65535) throw new Error(`bad template id: ${id}`);
    }
    if (this.templateIdV4 === this.templateIdV6) throw new Error('the IPv4 and IPv6 templates need different ids');
    if (new Set(ids).size !== ids.length) throw new Error('every template needs its own id');
    const ntop = (opts.sipFields ?? CALL_EXPORT_FIELDS).filter((f) => f.group !== 'flow');
    this.t4 = this.buildTemplate(this.templateIdV4, FLOW_FIELDS_V4, ntop);
    this.t6 = this.buildTemplate(this.templateIdV6, FLOW_FIELDS_V6, ntop);
    this.p4 = this.rtpFlows ? this.buildTemplate(ids[2], FLOW_FIELDS_V4, RTP_FLOW_FIELDS) : null;
    this.p6 = this.rtpFlows ? this.buildTemplate(ids[3], FLOW_FIELDS_V6, RTP_FLOW_FIELDS) : null;
    this.all = this.p4 !== null && this.p6 !== null ? [this.t4, this.t6, this.p4, this.p6] : [this.t4, this.t6];
  }

  /** Fields of a data template in wire order: the flow fields of SPEC §4, then the ntop fields
   *  (`rtp`: of the stream pair template). */
  templateFields(ipVersion: 4 | 6, rtp = false): readonly FieldDef[] {
    const t = rtp ? (ipVersion === 4 ? this.p4 : this.p6) : ipVersion === 4 ? this.t4 : this.t6;
    if (t === null) throw new Error('no stream pair templates without rtpFlows');
    return t.slots.map((s) => s.f);
  }

  /** Smallest mtu that holds every record: a message with the largest possible record alone. */
  get minMtu(): number {
    return this.headerLen + this.setLength(this.maxRecord());
  }

  private maxRecord(): number {
    let n = 0;
    for (const t of this.all) n = Math.max(n, t.maxRecord);
    return n;
  }

  /** Next sequence number: IPFIX data records / v9 packets sent so far (modulo 2^32). */
  get sequence(): number {
    return this.seq;
  }

  /** New transport session (e.g. TCP reconnect): IPFIX sequence back to 0, v9 continues (see top). */
  reset(): void {
    if (this.format === 'ipfix') this.seq = 0;
  }

  /** A message holding only the template set (every template). It is not split: with a tiny
   *  mtu and a long user template it may exceed the mtu. */
  templateMessage(exportTimeSec: number, uptimeMs?: number): Uint8Array {
    const m = this.newMessage(true);
    return this.finish(m, exportTimeSec, uptimeMs);
  }

  /**
   * Messages carrying these records, each at most `mtu` bytes. `withTemplates`: the template set
   * starts the first message (alone if a record does not fit beside it). A record larger than
   * the mtu minus the headers cannot be split: it is sent alone in a message longer than the mtu
   * (the default templates' largest record, ~1.3 kB, fits the default 1400).
   */
  encode(records: readonly CallRecord[], exportTimeSec: number, withTemplates: boolean, uptimeMs?: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.lastCounts = [];
    let m = this.newMessage(withTemplates);
    const put = (t: Template, r: CallRecord): void => {
      const len = this.encodeRecord(t, r);
      if (m.size + this.growth(m, t.id, len) > this.mtu && (m.dataRecords > 0 || m.templates)) {
        out.push(this.finish(m, exportTimeSec, uptimeMs));
        m = this.newMessage(false);
      }
      this.add(m, t.id, len);
    };
    for (const r of records) {
      put(r.flow.ipVersion === 6 ? this.t6 : this.t4, r);
      m.calls++;
      if (this.p4 === null || this.p6 === null) continue;
      for (const p of rtpFlowRecords(r)) put(p.flow.ipVersion === 6 ? this.p6 : this.p4, p);
    }
    if (m.dataRecords > 0 || m.templates) out.push(this.finish(m, exportTimeSec, uptimeMs));
    return out;
  }

  /** Call records in each message of the last encode(), in order (records keep their order; a
   *  call's stream pair records follow it and may start the next message). */
  lastCounts: number[] = [];

  /** Bytes of one data record (for sizing); the record must match the template of its IP version. */
  recordBytes(r: CallRecord): Uint8Array {
    const n = this.encodeRecord(r.flow.ipVersion === 6 ? this.t6 : this.t4, r);
    return this.scratch.slice(0, n);
  }

  // ---------------------------------------------------------------- templates

  private buildTemplate(id: number, flow: readonly FieldDef[], ntop: readonly FieldDef[]): Template {
    const fields = [...flow, ...ntop];
    const ipfix = this.format === 'ipfix';
    const slots: Slot[] = [];
    let maxRecord = 0;
    for (const f of fields) {
      let len: number | null;
      if (ipfix) len = f.ipfixLength === 'varlen' ? null : f.ipfixLength;
      else len = f.v9Length;
      if (len !== null && (!Number.isInteger(len) || len < 1 || len >= IPFIX_VARLEN)) throw new Error(`${f.name}: bad length ${len}`);
      if (len === null && !isStringType(f)) throw new Error(`${f.name}: only strings can be variable-length`);
      if (!isStringType(f)) {
        const need = f.type === 'ipv4' ? 4 : f.type === 'ipv6' ? 16 : 0;
        if (need !== 0 && len !== need) throw new Error(`${f.name}: ${f.type} needs ${need} bytes, table says ${len}`);
        if (need === 0 && (len as number) > 8) throw new Error(`${f.name}: integer longer than 8 bytes`);
      }
      if (ipfix && (f.enterprise !== 0) !== ((f.ipfixId & IPFIX_ENTERPRISE_BIT) !== 0)) {
        throw new Error(`${f.name}: enterprise bit and enterprise number disagree`);
      }
      const cap = len === null ? Math.min(f.maxLength, MAX_MESSAGE) : Math.min(f.maxLength, len);
      slots.push({ f, len, cap, write: this.writer(f, len, cap) });
      maxRecord += len !== null ? len : cap + (cap >= 255 ? 3 : 1);
    }
    if (fields.length > 65535) throw new Error('too many fields in a template');
    // template record: id, field count, then one field specifier per field
    let size = 4;
    for (const s of slots) size += ipfix && s.f.enterprise !== 0 ? 8 : 4;
    const record = new Uint8Array(size);
    put16(record, 0, id);
    put16(record, 2, slots.length);
    let o = 4;
    for (const s of slots) {
      if (ipfix) {
        put16(record, o, s.f.ipfixId);
        put16(record, o + 2, s.len === null ? IPFIX_VARLEN : s.len);
        o += 4;
        if (s.f.enterprise !== 0) {
          put32(record, o, s.f.enterprise);
          o += 4;
        }
      } else {
        put16(record, o, s.f.v9Id);
        put16(record, o + 2, s.len as number);
        o += 4;
      }
    }
    if (this.headerLen + SET_HEADER + maxRecord > MAX_MESSAGE) throw new Error('a data record of this template cannot fit a message');
    return { id, slots, record, maxRecord };
  }

  private templateSetLength(): number {
    let n = SET_HEADER;
    for (const t of this.all) n += t.record.length;
    return n;
  }

  // ---------------------------------------------------------------- data records

  /** Parsed addresses by text: the same addresses recur in many records. */
  private addrs = new Map<string, Uint8Array | null>();
  private address(v: string): Uint8Array | null {
    let a = this.addrs.get(v);
    if (a === undefined) {
      if (this.addrs.size >= 4096) this.addrs.clear();
      a = parseIp16(v);
      this.addrs.set(v, a);
    }
    return a;
  }

  /** Scratch space for one record (built here, then copied into its message). */
  private scratch = new Uint8Array(0);

  /** Bytes of one record in the scratch buffer (valid until the next call). */
  private encodeRecord(t: Template, r: CallRecord): number {
    if (this.scratch.length < t.maxRecord + 3) this.scratch = new Uint8Array(t.maxRecord + 3);
    const buf = this.scratch;
    let o = 0;
    for (let i = 0; i < t.slots.length; i++) o = t.slots[i].write(buf, o, r);
    return o;
  }

  /** The writer of one field: its type and wire length are known once the template is built. */
  private writer(f: FieldDef, len: number | null, cap: number): Slot['write'] {
    if (isStringType(f)) {
      const text = (r: CallRecord): string => {
        const v = f.wire(r);
        return typeof v === 'string' ? v : String(v);
      };
      if (len === null) {
        // RFC 7011 §7: 1-byte length, or 255 then a 2-byte length
        return (buf, o, r) => {
          const n = putText(buf, o + 1, text(r), cap);
          if (n < 255) {
            buf[o] = n;
            return o + 1 + n;
          }
          buf.copyWithin(o + 3, o + 1, o + 1 + n);
          buf[o] = 255;
          put16(buf, o + 1, n);
          return o + 3 + n;
        };
      }
      return (buf, o, r) => {
        const n = putText(buf, o, text(r), cap);
        buf.fill(0, o + n, o + len); // NUL padding
        return o + len;
      };
    }
    const n = len as number;
    if (f.type === 'ipv4' || f.type === 'ipv6') {
      const v6 = f.type === 'ipv6';
      return (buf, o, r) => {
        const v = f.wire(r);
        const a = typeof v === 'string' && v !== '' ? this.address(v) : null;
        buf.fill(0, o, o + n); // absent: 0.0.0.0 / ::
        if (a !== null) {
          if (v6) buf.set(a, o);
          else if (isV4Mapped(a)) {
            buf[o] = a[12];
            buf[o + 1] = a[13];
            buf[o + 2] = a[14];
            buf[o + 3] = a[15];
          }
          // an IPv6 text in an IPv4 field stays 0.0.0.0 (SPEC §2: SIP_RTP_IPV4_* with IPv6 media)
        }
        return o + n;
      };
    }
    return (buf, o, r) => {
      const v = f.wire(r);
      putUint(buf, o, n, typeof v === 'number' ? v : Number(v));
      return o + n;
    };
  }

  // ---------------------------------------------------------------- messages

  /** The message being built (copied out by finish()); large enough for the mtu, the templates
   *  and the largest record alone. */
  private work = new Uint8Array(0);

  private newMessage(templates: boolean): OpenMessage {
    const need = Math.max(this.mtu, this.headerLen + this.templateSetLength(), this.headerLen + SET_HEADER + this.maxRecord() + 3);
    if (this.work.length < need) this.work = new Uint8Array(need);
    let pos = this.headerLen;
    if (templates) {
      const w = this.work;
      put16(w, pos, this.format === 'ipfix' ? IPFIX_TEMPLATE_SET_ID : V9_TEMPLATE_FLOWSET_ID);
      put16(w, pos + 2, this.templateSetLength());
      pos += SET_HEADER;
      for (const t of this.all) {
        w.set(t.record, pos);
        pos += t.record.length;
      }
    }
    return { templates, size: pos, dataRecords: 0, calls: 0, setId: -1, setStart: 0, setBytes: 0, pos };
  }

  /** Bytes the message grows by when a record of `len` bytes is added to it. */
  private growth(m: OpenMessage, id: number, len: number): number {
    if (m.setId === id) return this.setLength(m.setBytes + len) - this.setLength(m.setBytes);
    return this.setLength(len);
  }

  private setLength(recordBytes: number): number {
    const n = SET_HEADER + recordBytes;
    return this.format === 'v9' ? pad4(n) : n;
  }

  /** Append the record in the scratch buffer (`len` bytes) to the message. */
  private add(m: OpenMessage, id: number, len: number): void {
    m.size += this.growth(m, id, len);
    if (m.setId !== id) {
      this.closeSet(m);
      m.setId = id;
      m.setStart = m.pos;
      m.setBytes = 0;
      m.pos += SET_HEADER;
    }
    this.work.set(this.scratch.subarray(0, len), m.pos);
    m.pos += len;
    m.setBytes += len;
    m.dataRecords++;
  }

  /** Write the open set's header (and v9's padding to 4). */
  private closeSet(m: OpenMessage): void {
    if (m.setId < 0) return;
    const len = this.setLength(m.setBytes);
    put16(this.work, m.setStart, m.setId);
    put16(this.work, m.setStart + 2, len);
    const end = m.setStart + len;
    this.work.fill(0, m.pos, end);
    m.pos = end;
    m.setId = -1;
  }

  private finish(m: OpenMessage, exportTimeSec: number, uptimeMs: number | undefined): Uint8Array {
    this.closeSet(m);
    this.lastCounts.push(m.calls);
    const out = this.work;
    const exportTime = u32(exportTimeSec);
    if (this.format === 'ipfix') {
      put16(out, 0, IPFIX_VERSION);
      put16(out, 2, m.size);
      put32(out, 4, exportTime);
      put32(out, 8, this.seq);
      put32(out, 12, this.observationDomain);
      this.seq = (this.seq + m.dataRecords) % 0x1_0000_0000;
    } else {
      if (this.firstExport === null) this.firstExport = exportTime;
      const uptime = uptimeMs !== undefined ? u32(uptimeMs) : u32((exportTime - this.firstExport) * 1000);
      put16(out, 0, V9_VERSION);
      put16(out, 2, (m.templates ? this.all.length : 0) + m.dataRecords);
      put32(out, 4, uptime);
      put32(out, 8, exportTime);
      put32(out, 12, this.seq);
      put32(out, 16, this.observationDomain);
      this.seq = (this.seq + 1) % 0x1_0000_0000;
    }
    return out.slice(0, m.size);
  }
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}
