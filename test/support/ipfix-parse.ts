// A small collector-side parser for IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) messages, written
// independently of shared/output/ipfix.ts so tests can check what the encoder writes. It knows nothing of
// the field table: templates come from the messages themselves.

export interface FieldSpec {
  id: number; // without the enterprise bit
  enterprise: number; // 0 for IANA / v9 fields
  length: number; // 65535 = variable length (IPFIX)
}

export interface ParsedTemplate {
  id: number;
  fields: FieldSpec[];
}

export interface ParsedHeader {
  version: number;
  length: number; // IPFIX: message length; v9: record count
  exportTime: number; // IPFIX export time / v9 unix secs
  sequence: number;
  domain: number;
  sysUptime?: number; // v9 only
}

export interface ParsedSet {
  id: number;
  length: number;
  templates: ParsedTemplate[];
  /** data records: the raw bytes of each field (varlen: without the length prefix) */
  records: Uint8Array[][];
  /** bytes after the last record (v9 padding) */
  padding: number;
}

export interface ParsedMessage {
  header: ParsedHeader;
  sets: ParsedSet[];
  dataRecords: number;
  templateRecords: number;
}

function u16(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new Error(`read past end at ${o}`);
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number): number {
  if (o + 4 > b.length) throw new Error(`read past end at ${o}`);
  return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}

/** Collector state: templates learned so far, keyed by template id. */
export class FlowParser {
  readonly templates = new Map<number, ParsedTemplate>();
  constructor(readonly format: 'ipfix' | 'v9') {}

  parse(msg: Uint8Array): ParsedMessage {
    const ipfix = this.format === 'ipfix';
    const version = u16(msg, 0);
    if (version !== (ipfix ? 10 : 9)) throw new Error(`version ${version}`);
    const header: ParsedHeader = ipfix
      ? { version, length: u16(msg, 2), exportTime: u32(msg, 4), sequence: u32(msg, 8), domain: u32(msg, 12) }
      : { version, length: u16(msg, 2), sysUptime: u32(msg, 4), exportTime: u32(msg, 8), sequence: u32(msg, 12), domain: u32(msg, 16) };
    if (ipfix && header.length !== msg.length) throw new Error(`header length ${header.length} != ${msg.length}`);
    let o = ipfix ? 16 : 20;
    const sets: ParsedSet[] = [];
    let dataRecords = 0;
    let templateRecords = 0;
    while (o < msg.length) {
      const id = u16(msg, o);
      const length = u16(msg, o + 2);
      if (length < 4 || o + length > msg.length) throw new Error(`bad set length ${length} at ${o}`);
      if (!ipfix && length % 4 !== 0) throw new Error(`v9 flowset length ${length} not a multiple of 4`);
      const end = o + length;
      const set: ParsedSet = { id, length, templates: [], records: [], padding: 0 };
      let p = o + 4;
      if (id === (ipfix ? 2 : 0)) {
        while (end - p >= 4) {
          const tid = u16(msg, p);
          const count = u16(msg, p + 2);
          p += 4;
          const fields: FieldSpec[] = [];
          for (let i = 0; i < count; i++) {
            let fid = u16(msg, p);
            const flen = u16(msg, p + 2);
            p += 4;
            let enterprise = 0;
            if (ipfix && fid & 0x8000) {
              fid &= 0x7fff;
              enterprise = u32(msg, p);
              p += 4;
            }
            fields.push({ id: fid, enterprise, length: flen });
          }
          if (p > end) throw new Error('template record overruns its set');
          const t = { id: tid, fields };
          set.templates.push(t);
          this.templates.set(tid, t);
          templateRecords++;
        }
        set.padding = end - p;
      } else if (id >= 256) {
        const t = this.templates.get(id);
        if (!t) throw new Error(`data set ${id} before its template`);
        let min = 0;
        for (const f of t.fields) min += f.length === 65535 ? 1 : f.length;
        while (end - p >= min && end - p > 0) {
          const rec: Uint8Array[] = [];
          for (const f of t.fields) {
            let len = f.length;
            if (ipfix && len === 65535) {
              len = msg[p++];
              if (len === 255) {
                len = u16(msg, p);
                p += 2;
              }
            }
            if (p + len > end) throw new Error('data record overruns its set');
            rec.push(msg.subarray(p, p + len));
            p += len;
          }
          set.records.push(rec);
          dataRecords++;
        }
        set.padding = end - p;
      } else {
        throw new Error(`unexpected set id ${id}`);
      }
      sets.push(set);
      o = end;
    }
    if (!ipfix && header.length !== dataRecords + templateRecords) {
      throw new Error(`v9 count ${header.length} != ${dataRecords + templateRecords} records`);
    }
    return { header, sets, dataRecords, templateRecords };
  }
}

// ---------------------------------------------------------------- value helpers

export const uint = (b: Uint8Array): number => {
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
};

/** Text of a string field: UTF-8 up to the first NUL (fixed-length padding). */
export const str = (b: Uint8Array): string => {
  const z = b.indexOf(0);
  return new TextDecoder('utf-8', { fatal: true }).decode(z < 0 ? b : b.subarray(0, z));
};

export const ipv4 = (b: Uint8Array): string => Array.from(b).join('.');

export const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
