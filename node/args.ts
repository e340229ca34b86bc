// Command-line parsing: one table of options, so help text and parsing cannot drift apart.

import { FlowEncoder } from '../shared/output/ipfix.ts';

export class UsageError extends Error {}

/** The least --mtu of each export format: one whole record of the largest template (setup.ts checks it). */
export const MIN_MTU = { ipfix: new FlowEncoder({ format: 'ipfix' }).minMtu, v9: new FlowEncoder({ format: 'v9' }).minMtu } as const;

type Kind = 'flag' | 'string' | 'number' | 'list';

interface OptionSpec {
  name: string; // long name without dashes
  short?: string;
  kind: Kind;
  arg?: string; // placeholder shown in help
  help: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  integer?: boolean;
  /** the value when none of `choices` follows the option (an option with an optional value) */
  optional?: string;
}

export const READ_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'format',
    kind: 'string',
    arg: 'table|jsonl|csv|none',
    choices: ['table', 'jsonl', 'csv', 'none'],
    help: 'record output (default: table on a terminal, jsonl otherwise)',
  },
  { name: 'out', short: 'o', kind: 'string', arg: 'PATH', help: 'write records to PATH instead of standard output' },
  { name: 'all-dialogs', kind: 'flag', help: 'also make records of non-INVITE dialogs (REGISTER, OPTIONS, ...)' },
  {
    name: 'summary',
    kind: 'string',
    arg: '[text|json]',
    choices: ['text', 'json'],
    optional: 'text',
    help: 'KPIs of the (selected) calls on standard output at the end: attempts, answered, ASR, NER, ACD, PDD, final responses, calls per minute, media verdicts, worst calls by MOS; records are then printed only with --format or --out',
  },
  {
    name: 'filter',
    kind: 'string',
    arg: 'EXPR',
    help: 'only the records EXPR selects, in every output: words side by side (and), or, not / -, ( ), key OP value with OP = != < <= > >= ~ and keys call-id from to ua ip port code reason cause state codec method verdict mos loss jitter duration setup leg group start (UTC time of the INVITE: start>=2026-01-01T10:00); other words are looked for in Call-ID, parties, user agents, addresses, reason and codecs',
  },
  {
    name: 'merge',
    kind: 'flag',
    help: 'read the files as one capture in timestamp order (captures of the same traffic taken at different points), not one after the other',
  },
  {
    name: 'idle-timeout',
    kind: 'number',
    arg: 'SEC',
    min: 1,
    help: 'export an unanswered call after SEC capture seconds without SIP or RTP (300)',
  },
  { name: 'established-timeout', kind: 'number', arg: 'SEC', min: 1, help: 'the same for answered calls (7200)' },
  {
    name: 'max-calls',
    kind: 'number',
    arg: 'N',
    min: 1,
    integer: true,
    help: 'open calls kept at most; the longest-idle is exported early (1000000)',
  },
  { name: 'template', kind: 'string', arg: 'FIELDS', help: 'CSV and dump columns, nProbe style: "%SIP_CALL_ID %SIP_CALL_STATE ..."' },
  {
    name: 'timestamp-format',
    kind: 'number',
    arg: '0|1|2',
    min: 0,
    integer: true,
    help: 'CSV and dump times: 0 epoch seconds, 1 with fraction (default), 2 ISO 8601 UTC',
  },
  { name: 'csv-separator', kind: 'string', arg: 'C', help: 'column separator (CSV: ",", dump: "|")' },
  { name: 'dump-dir', kind: 'string', arg: 'DIR', help: 'nProbe-style dump files DIR/YYYY/MM/DD/HH/MM.sip (UTC minute of export)' },
  {
    name: 'dump-file',
    kind: 'string',
    arg: 'F.sip',
    help: 'all records in one dump file (header + one line per call), as the browser downloads it',
  },
  { name: 'dont-nest-dump-dirs', kind: 'flag', help: 'dump files as DIR/YYYYMMDDHHMM.sip' },
  {
    name: 'max-log-lines',
    kind: 'number',
    arg: 'N',
    min: 1,
    integer: true,
    help: 'records per dump file before rotating to MM-1.sip, ... (10000)',
  },
  { name: 'sip-exec-cmd', kind: 'string', arg: 'CMD', help: 'run CMD with the path of each completed dump directory' },
  { name: 'collector', kind: 'list', arg: 'udp://HOST:PORT|tcp://HOST:PORT', help: 'send IPFIX / NetFlow v9 to a collector (repeatable)' },
  { name: 'ipfix-file', kind: 'string', arg: 'F.ipfix', help: 'write the export messages to a file (RFC 5655 for IPFIX)' },
  { name: 'export-format', kind: 'string', arg: 'ipfix|v9', choices: ['ipfix', 'v9'], help: 'export protocol (ipfix)' },
  {
    name: 'export-rtp-flows',
    kind: 'flag',
    help: 'IPFIX / v9: also a record per RTP stream pair of each call, as nProbe does (templates 259, 260)',
  },
  {
    name: 'observation-domain',
    kind: 'number',
    arg: 'N',
    min: 0,
    max: 0xffff_ffff,
    integer: true,
    help: 'IPFIX observation domain / v9 source id (0)',
  },
  {
    name: 'template-refresh',
    kind: 'number',
    arg: 'N',
    min: 1,
    integer: true,
    help: 'UDP: templates again every N messages (20) and every 60 s',
  },
  {
    name: 'mtu',
    kind: 'number',
    arg: 'BYTES',
    min: 512,
    max: 65535,
    integer: true,
    help: `largest export message (1400; at least ${MIN_MTU.ipfix} for IPFIX, ${MIN_MTU.v9} for v9: one whole record)`,
  },
  { name: 'export-queue', kind: 'number', arg: 'N', min: 1, integer: true, help: 'records kept while a TCP collector is away (100000)' },
  { name: 'quiet', short: 'q', kind: 'flag', help: 'no statistics at the end' },
  { name: 'no-progress', kind: 'flag', help: 'no progress bar, even on a terminal' },
  { name: 'help', short: 'h', kind: 'flag', help: 'this help' },
];

/** `live`: the capture options, then every output option of `read` (no progress bar: it never ends). */
export const CAPTURE_OPTIONS: readonly OptionSpec[] = [
  { name: 'interface', short: 'i', kind: 'string', arg: 'IFACE', help: 'capture on IFACE ("any": every interface, Linux cooked v2)' },
  { name: 'filter', short: 'f', kind: 'string', arg: 'BPF', help: 'tcpdump capture filter, e.g. "udp port 5060 or tcp port 5060"' },
  {
    name: 'frag-filter',
    kind: 'string',
    arg: 'add|warn|off',
    choices: ['add', 'warn', 'off'],
    help: 'a filter on ports misses IP fragments after the first: add them to the filter (default), warn, or do nothing',
  },
  {
    name: 'immediate',
    kind: 'flag',
    help: 'tcpdump --immediate-mode: each packet at once (the ring then holds only KiB/64 packets: drops sooner under load)',
  },
  { name: 'buffer', kind: 'number', arg: 'KiB', min: 1, integer: true, help: 'kernel capture buffer (tcpdump -B), KiB (131072)' },
  {
    name: 'status-interval',
    kind: 'number',
    arg: 'SEC',
    min: 0,
    help: 'one status line on standard error every SEC seconds, 0 = never (10)',
  },
  { name: 'tcpdump', kind: 'string', arg: 'PATH', help: 'the tcpdump to run (default: found on PATH, /usr/sbin, /sbin)' },
  {
    name: 'hep',
    kind: 'list',
    arg: 'udp://HOST:PORT|tcp://HOST:PORT',
    help: 'instead of -i: receive HEP v3 (Homer) from SIP servers and agents on this address (repeatable: UDP and TCP)',
  },
  { name: 'hep-key', kind: 'string', arg: 'KEY', help: 'with --hep: accept only packets carrying this authentication key (chunk 0x000e)' },
  {
    name: 'hep-time',
    kind: 'string',
    arg: 'agent|arrival',
    choices: ['agent', 'arrival'],
    help: "with --hep: message times from the agent's timestamp chunks (default) or the arrival here",
  },
];
export const LIVE_OPTIONS: readonly OptionSpec[] = [
  ...CAPTURE_OPTIONS,
  // -f/--filter is tcpdump's capture filter here; records are not selected by an expression live
  ...READ_OPTIONS.filter((o) => o.name !== 'no-progress' && o.name !== 'merge' && o.name !== 'filter' && o.name !== 'summary'),
];

/** `sipscope ladder`: what selects the calls and how the ladders are drawn. */
export const LADDER_OPTIONS: readonly OptionSpec[] = [
  ...READ_OPTIONS.filter((o) => ['all-dialogs', 'filter', 'idle-timeout', 'established-timeout', 'max-calls', 'help'].includes(o.name)),
  {
    name: 'time',
    kind: 'string',
    arg: 'absolute|relative|delta',
    choices: ['absolute', 'relative', 'delta'],
    help: 'times of the arrows: of day (UTC), since the first message, since the previous one (absolute)',
  },
  { name: 'merge-ip', kind: 'flag', help: 'one column per IP address instead of per address and port' },
  {
    name: 'width',
    kind: 'number',
    arg: 'COLS',
    min: 40,
    integer: true,
    help: "fit this many columns (default: the terminal's width; none when not a terminal)",
  },
];

/** `extract`: which calls (as read does), and where their frames go. */
export const EXTRACT_OPTIONS: readonly OptionSpec[] = [
  { name: 'out', short: 'o', kind: 'string', arg: 'OUT.pcapng', help: "write the selected calls' frames to one pcapng file" },
  { name: 'pcap-dir', kind: 'string', arg: 'DIR', help: 'write one pcapng file per call into DIR (made if missing)' },
  {
    name: 'anonymize',
    kind: 'flag',
    help: 'replace user parts, host and display names and addresses (IP headers, SIP, SDP, RTCP texts) by consistent pseudonyms; lengths and checksums made right (docs/anonymize.md)',
  },
  {
    name: 'anonymize-key',
    kind: 'string',
    arg: 'HEX',
    help: 'with --anonymize: 64 hex digits, the same pseudonyms in every run that uses them (default: a new random key)',
  },
  ...READ_OPTIONS.filter((o) =>
    ['all-dialogs', 'filter', 'idle-timeout', 'established-timeout', 'max-calls', 'quiet', 'help'].includes(o.name),
  ),
];

export type Parsed = { positional: string[]; opts: Record<string, string | number | boolean | string[] | undefined> };

export function parseArgs(argv: string[], specs: readonly OptionSpec[]): Parsed {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const positional: string[] = [];
  const opts: Parsed['opts'] = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) value = a.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
    } else if (a.startsWith('-') && a.length === 2) {
      spec = byShort.get(a[1]);
      if (!spec) throw new UsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
      continue;
    }
    if (spec.kind === 'flag') {
      if (value !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      opts[spec.name] = true;
      continue;
    }
    if (value === undefined && spec.optional !== undefined && !spec.choices?.includes(argv[i + 1])) value = spec.optional;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${spec.name} needs a value (${spec.arg})`);
      value = argv[++i];
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(', ')} (got "${value}")`);
    }
    if (spec.kind === 'number') {
      const n = Number(value);
      if (
        value.trim() === '' ||
        !Number.isFinite(n) ||
        (spec.integer && !Number.isInteger(n)) ||
        (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      ) {
        const range = spec.max !== undefined ? ` from ${spec.min ?? 0} to ${spec.max}` : spec.min !== undefined ? ` ≥ ${spec.min}` : '';
        throw new UsageError(`--${spec.name} needs ${spec.integer ? 'a whole number' : 'a number'}${range} (got "${value}")`);
      }
      opts[spec.name] = n;
    } else if (spec.kind === 'list') {
      const prev = opts[spec.name];
      opts[spec.name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else opts[spec.name] = value;
  }
  return { positional, opts };
}

export function optionsHelp(specs: readonly OptionSpec[]): string {
  const lines = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.arg ? ` ${s.arg}` : ''}`;
    return `  ${left.padEnd(34)} ${s.help}`;
  });
  return lines.join('\n');
}
