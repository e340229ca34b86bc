// Call flows through a B2BUA or SBC, written as capture packets (SPEC §9 legs and correlation):
// a Leg is one SIP dialog attempt between two elements with consistent tags, CSeqs, Vias and
// addresses; the scenarios below put legs side by side the way a B2BUA produces them (same
// Call-ID with its own From-tag, a new Call-ID carrying X-CID, Session-ID, P-Charging-Vector,
// SDP passed through) together with calls that must stay alone. Every message is UDP over IPv4,
// Ethernet framed; times are whole milliseconds after a scenario's base second, so a test can
// state each expected time exactly. test/system/correlation.test.ts holds the expected records.

import { type Packet, sdpBody, sipMessage, udpPacketV4, writePcap } from './capture-writer.ts';
import { REASON_PHRASES } from './sip-messages.ts';

// ---------------------------------------------------------------- elements and bodies

/** A SIP element: its address, and the product names it writes. */
export interface Element {
  ip: string;
  port: number;
  /** User-Agent in the requests it sends */
  userAgent?: string;
  /** Server in the responses it sends */
  server?: string;
  /** its responses carry User-Agent (userAgent) instead of Server */
  agentInResponses?: boolean;
}

export type Headers = [string, string][];

const RTPMAP: Record<number, string> = {
  0: 'PCMU/8000',
  8: 'PCMA/8000',
  9: 'G722/8000',
  18: 'G729/8000',
  101: 'telephone-event/8000',
};

/** An SDP body with one audio line: `origin` is the whole o= value, `ip` the session-level c=. */
export function sdp(origin: string, ip: string, port: number, formats: number[]): string {
  const rtpmap: Record<string, string> = {};
  for (const f of formats) rtpmap[f] = RTPMAP[f];
  return sdpBody({ origin, sessionC: ip, media: [{ port, formats, rtpmap }] });
}

/** Capture time `ms` milliseconds after the second `base`. */
export function at(base: number, ms: number): { sec: number; nsec: number } {
  return { sec: base + Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

/** The number sipscope's JSON writes for that time (`sec.micro`, read back by JSON.parse). */
export function jsonTime(base: number, ms: number): number {
  const t = at(base, ms);
  return Number(`${t.sec}.${String(t.nsec / 1000).padStart(6, '0')}`);
}

// ---------------------------------------------------------------- one leg

export interface LegSpec {
  callId: string;
  caller: Element;
  callee: Element;
  /** From value without the tag, e.g. `"Alice" <sip:alice@example.com>` */
  from: string;
  fromTag: string;
  /** To value without the tag */
  to: string;
  /** the callee's tag in the dialog */
  toTag: string;
  requestUri: string;
}

type Side = 'caller' | 'callee';

interface SentRequest {
  by: Side;
  method: string;
  cseq: number;
  via: string;
  from: string;
  to: string;
  /** the To value carried a tag already */
  toHasTag: boolean;
}

/** One leg: its messages as packets, in the order written. */
export class Leg {
  readonly packets: Packet[] = [];
  /** every From-tag the caller used on this leg (an auth retry under a new tag adds one) */
  readonly callerTags: string[];
  private fromTag: string;
  private cseq: Record<Side, number> = { caller: 0, callee: 0 };
  private branches = 0;
  private readonly last = new Map<string, SentRequest>();

  constructor(
    readonly spec: LegSpec,
    readonly base: number,
  ) {
    this.fromTag = spec.fromTag;
    this.callerTags = [spec.fromTag];
  }

  get callId(): string {
    return this.spec.callId;
  }

  private element(side: Side): Element {
    return side === 'caller' ? this.spec.caller : this.spec.callee;
  }

  private branch(): string {
    return `z9hG4bK${this.spec.callId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}${++this.branches}`;
  }

  private send(ms: number, from: Side, text: string): void {
    const src = this.element(from);
    const dst = this.element(from === 'caller' ? 'callee' : 'caller');
    this.packets.push({ ts: at(this.base, ms), data: udpPacketV4(src.ip, src.port, dst.ip, dst.port, text) });
  }

  private request(
    ms: number,
    by: Side,
    method: string,
    o: { cseq: number; via?: string; toTag: string; headers?: Headers; body?: string; contact?: boolean },
  ): void {
    const me = this.element(by);
    const via = o.via ?? `SIP/2.0/UDP ${me.ip}:${me.port};branch=${this.branch()}`;
    const from = by === 'caller' ? `${this.spec.from};tag=${this.fromTag}` : `${this.spec.to};tag=${this.spec.toTag}`;
    const toBase = by === 'caller' ? this.spec.to : this.spec.from;
    const to = o.toTag ? `${toBase};tag=${o.toTag}` : toBase;
    const uri = by === 'caller' ? this.spec.requestUri : `sip:${this.spec.caller.ip}:${this.spec.caller.port}`;
    const h: Headers = [
      ['Via', via],
      ['Max-Forwards', '70'],
      ['From', from],
      ['To', to],
      ['Call-ID', this.spec.callId],
      ['CSeq', `${o.cseq} ${method}`],
    ];
    if (o.contact) h.push(['Contact', `<sip:${me.ip}:${me.port}>`]);
    if (me.userAgent) h.push(['User-Agent', me.userAgent]);
    h.push(...(o.headers ?? []));
    if (o.body) h.push(['Content-Type', 'application/sdp']);
    this.last.set(`${by} ${method}`, { by, method, cseq: o.cseq, via, from, to, toHasTag: o.toTag !== '' });
    this.send(ms, by, sipMessage(`${method} ${uri} SIP/2.0`, h, o.body ?? ''));
  }

  /**
   * The caller's initial INVITE (no To-tag). `fromTag` changes the caller's tag from here on (a
   * phone retrying with credentials under a new tag).
   */
  invite(ms: number, o: { sdp?: string; headers?: Headers; fromTag?: string } = {}): this {
    if (o.fromTag !== undefined && o.fromTag !== this.fromTag) {
      this.fromTag = o.fromTag;
      if (!this.callerTags.includes(o.fromTag)) this.callerTags.push(o.fromTag);
    }
    this.request(ms, 'caller', 'INVITE', { cseq: ++this.cseq.caller, toTag: '', headers: o.headers, body: o.sdp, contact: true });
    return this;
  }

  /**
   * A response to the last `method` request sent by `to` (default: the caller's INVITE). The
   * To-tag is added to a request that had none: the dialog's by default, none for 100, or
   * `toTag` (e.g. a proxy's own tag on a 407).
   */
  respond(
    ms: number,
    status: number,
    o: { method?: string; to?: Side; toTag?: string | null; sdp?: string; headers?: Headers } = {},
  ): this {
    const method = o.method ?? 'INVITE';
    const reqBy = o.to ?? 'caller';
    const req = this.last.get(`${reqBy} ${method}`);
    if (!req) throw new Error(`${this.spec.callId}: no ${method} from the ${reqBy} to answer`);
    const sender: Side = reqBy === 'caller' ? 'callee' : 'caller';
    const me = this.element(sender);
    let to = req.to;
    if (!req.toHasTag) {
      const tag = o.toTag === undefined ? (status === 100 ? null : this.spec.toTag) : o.toTag;
      if (tag !== null) to = `${to};tag=${tag}`;
    }
    const h: Headers = [
      ['Via', req.via],
      ['From', req.from],
      ['To', to],
      ['Call-ID', this.spec.callId],
      ['CSeq', `${req.cseq} ${method}`],
    ];
    if (method === 'INVITE' && status > 100 && status < 300) h.push(['Contact', `<sip:${me.ip}:${me.port}>`]);
    if (me.agentInResponses && me.userAgent) h.push(['User-Agent', me.userAgent]);
    else if (me.server) h.push(['Server', me.server]);
    h.push(...(o.headers ?? []));
    if (o.sdp) h.push(['Content-Type', 'application/sdp']);
    this.send(ms, sender, sipMessage(`SIP/2.0 ${status} ${REASON_PHRASES[status] ?? 'Whatever'}`, h, o.sdp ?? ''));
    return this;
  }

  /**
   * The caller's ACK to its last INVITE. After a 2xx a new transaction (new branch) in the
   * dialog; after a failure (`failedWithTag`: the To-tag of that response) the INVITE's own
   * branch, as RFC 3261 §17.1.1.3 says.
   */
  ack(ms: number, o: { failedWithTag?: string } = {}): this {
    const inv = this.last.get('caller INVITE');
    if (!inv) throw new Error(`${this.spec.callId}: ACK without INVITE`);
    const failed = o.failedWithTag !== undefined;
    this.request(ms, 'caller', 'ACK', {
      cseq: inv.cseq,
      via: failed ? inv.via : undefined,
      toTag: o.failedWithTag ?? this.spec.toTag,
    });
    return this;
  }

  /** BYE from either side, in the dialog. */
  bye(ms: number, by: Side, headers: Headers = []): this {
    this.request(ms, by, 'BYE', {
      cseq: ++this.cseq[by],
      toTag: by === 'caller' ? this.spec.toTag : this.fromTag,
      headers,
    });
    return this;
  }

  /** The caller's CANCEL of its pending INVITE (same branch and CSeq number, no To-tag). */
  cancel(ms: number, headers: Headers = []): this {
    const inv = this.last.get('caller INVITE');
    if (!inv) throw new Error(`${this.spec.callId}: CANCEL without INVITE`);
    this.request(ms, 'caller', 'CANCEL', { cseq: inv.cseq, via: inv.via, toTag: '', headers });
    return this;
  }
}

// ---------------------------------------------------------------- scenarios

export interface Scenario {
  name: string;
  base: number;
  legs: Leg[];
}

/** Every packet of the scenarios, in time order (stable: a scenario's own order on ties). */
export function packetsOf(scenarios: Scenario[]): Packet[] {
  const all = scenarios.flatMap((s) => s.legs.flatMap((l) => l.packets));
  const key = (p: Packet) => {
    const t = p.ts as { sec: number; nsec: number };
    return t.sec * 1e9 + t.nsec;
  };
  return all
    .map((p, i) => ({ p, i }))
    .sort((a, b) => key(a.p) - key(b.p) || a.i - b.i)
    .map((x) => x.p);
}

/** One classic pcap (Ethernet, µs) of the scenarios. */
export function captureOf(scenarios: Scenario[]): Uint8Array {
  return writePcap(packetsOf(scenarios));
}

/** The elements of the flows: phones on the outside, an SBC with an outside and an inside address. */
export const SBC_OUT: Element = { ip: '198.51.100.1', port: 5060, userAgent: 'ExampleSBC-UA/3.1', server: 'ExampleSBC/3.1' };
export const SBC_IN: Element = { ip: '203.0.113.1', port: 5060, userAgent: 'ExampleSBC-UA/3.1', server: 'ExampleSBC/3.1' };
export const BOB: Element = { ip: '203.0.113.20', port: 5060, userAgent: 'BobPhone/4.2', agentInResponses: true };
const phone = (ip: string, userAgent: string): Element => ({ ip, port: 5060, userAgent });

export const HANGUP: Headers = [['Reason', 'Q.850;cause=16;text="Normal call clearing"']];
export const BUSY: Headers = [['Reason', 'Q.850;cause=17;text="User busy"']];

/** Offer / answer of a plain answered call on two legs through the SBC, the caller hanging up. */
function throughSbc(
  a: Leg,
  b: Leg,
  t0: number,
  sdps: { offerA: string; offerB: string; answerB: string; answerA: string },
  o: { headersA?: Headers; headersB?: Headers; answerHeadersB?: Headers; answerHeadersA?: Headers } = {},
): void {
  a.invite(t0, { sdp: sdps.offerA, headers: o.headersA });
  a.respond(t0 + 10, 100);
  b.invite(t0 + 20, { sdp: sdps.offerB, headers: o.headersB });
  b.respond(t0 + 30, 100);
  b.respond(t0 + 40, 180);
  a.respond(t0 + 50, 180);
  b.respond(t0 + 1000, 200, { sdp: sdps.answerB, headers: o.answerHeadersB });
  a.respond(t0 + 1010, 200, { sdp: sdps.answerA, headers: o.answerHeadersA });
  a.ack(t0 + 1020);
  b.ack(t0 + 1030);
  a.bye(t0 + 5000, 'caller', HANGUP);
  b.bye(t0 + 5010, 'caller', HANGUP);
  b.respond(t0 + 5020, 200, { method: 'BYE' });
  a.respond(t0 + 5030, 200, { method: 'BYE' });
}

/** 1. A B2BUA that keeps the Call-ID and writes its own From-tag: two legs of one Call-ID. */
export function keepCallId(base: number): Scenario {
  const callId = 'b2bua-keep-1@192.0.2.10';
  const a = new Leg(
    {
      callId,
      caller: phone('192.0.2.10', 'AlicePhone/2.1'),
      callee: SBC_OUT,
      from: '"Alice" <sip:alice@example.com>',
      fromTag: 'a-keep',
      to: '<sip:bob@example.net>',
      toTag: 'sbc-keep-out',
      requestUri: 'sip:bob@example.net',
    },
    base,
  );
  const b = new Leg(
    {
      callId,
      caller: SBC_IN,
      callee: BOB,
      from: '"Alice" <sip:alice@sbc.example.net>',
      fromTag: 'sbc-keep-in',
      to: '<sip:bob@203.0.113.20>',
      toTag: 'bob-keep',
      requestUri: 'sip:bob@203.0.113.20:5060',
    },
    base,
  );
  throughSbc(a, b, 0, {
    offerA: sdp('alice 1101 1 IN IP4 192.0.2.10', '192.0.2.10', 40000, [0, 8, 101]),
    offerB: sdp('sbc 1201 1 IN IP4 203.0.113.1', '203.0.113.1', 30000, [0, 8, 101]),
    answerB: sdp('bob 1301 1 IN IP4 203.0.113.20', '203.0.113.20', 50000, [8, 101]),
    answerA: sdp('sbc 1202 1 IN IP4 198.51.100.1', '198.51.100.1', 30002, [8, 101]),
  });
  return { name: 'call-id', base, legs: [a, b] };
}

/** The four spellings of the header that carries the other leg's Call-ID (the last in lower case). */
export const XCID_HEADERS = ['X-CID', 'X-Call-ID', 'X-Orig-Call-ID', 'x-original-call-id'] as const;

/** Call-IDs of the x-cid pairs: the phone's, and the SBC's new one that points back to it. */
export const xcidIds = (k: number) => ({ a: `xcid${k}-a-7f3e@192.0.2.2${k}`, b: `sbc-xcid${k}-91c0` });

/**
 * 2. Four B2BUA pairs at the same time, each with a new Call-ID on the inside whose INVITE names
 * the outside Call-ID in one spelling of X-CID. Outcomes: 0 the callee hangs up, 1 busy, 2 the
 * caller hangs up, 3 cancelled by the caller.
 */
export function xcid(base: number): Scenario {
  const legs: Leg[] = [];
  for (let k = 0; k < 4; k++) {
    const t = 200 * k;
    const ids = xcidIds(k);
    const a = new Leg(
      {
        callId: ids.a,
        caller: phone(`192.0.2.2${k}`, `PhoneX${k}/1.0`),
        callee: SBC_OUT,
        from: `<sip:user${k}@example.com>`,
        fromTag: `xa${k}`,
        to: `<sip:+1555000${k}@example.net>`,
        toTag: `xs${k}`,
        requestUri: `sip:+1555000${k}@example.net`,
      },
      base,
    );
    const b = new Leg(
      {
        callId: ids.b,
        caller: SBC_IN,
        callee: BOB,
        from: `<sip:user${k}@sbc.example.net>`,
        fromTag: `xb${k}`,
        to: `<sip:+1555000${k}@203.0.113.20>`,
        toTag: `xd${k}`,
        requestUri: `sip:+1555000${k}@203.0.113.20:5060`,
      },
      base,
    );
    a.invite(t, { sdp: sdp(`phone${k} 21${k}0 1 IN IP4 192.0.2.2${k}`, `192.0.2.2${k}`, 40100 + 10 * k, [8, 0, 101]) });
    a.respond(t + 10, 100);
    b.invite(t + 20, {
      sdp: sdp(`sbc 22${k}0 1 IN IP4 203.0.113.1`, '203.0.113.1', 30100 + 10 * k, [8, 0, 101]),
      headers: [[XCID_HEADERS[k], ids.a]],
    });
    b.respond(t + 30, 100);
    b.respond(t + 40, 180);
    a.respond(t + 50, 180);
    const answers = () => {
      b.respond(t + 1000, 200, { sdp: sdp(`bob 23${k}0 1 IN IP4 203.0.113.20`, '203.0.113.20', 50100 + 10 * k, [0]) });
      a.respond(t + 1010, 200, { sdp: sdp(`sbc 22${k}1 1 IN IP4 198.51.100.1`, '198.51.100.1', 30105 + 10 * k, [0]) });
      a.ack(t + 1020);
      b.ack(t + 1030);
    };
    if (k === 0) {
      answers();
      b.bye(t + 4000, 'callee', HANGUP);
      b.respond(t + 4010, 200, { method: 'BYE', to: 'callee' });
      a.bye(t + 4020, 'callee', HANGUP);
      a.respond(t + 4030, 200, { method: 'BYE', to: 'callee' });
    } else if (k === 1) {
      b.respond(t + 1000, 486, { headers: BUSY });
      b.ack(t + 1010, { failedWithTag: `xd${k}` });
      a.respond(t + 1020, 486, { headers: BUSY });
      a.ack(t + 1030, { failedWithTag: `xs${k}` });
    } else if (k === 2) {
      answers();
      a.bye(t + 4000, 'caller', HANGUP);
      b.bye(t + 4010, 'caller', HANGUP);
      b.respond(t + 4020, 200, { method: 'BYE' });
      a.respond(t + 4030, 200, { method: 'BYE' });
    } else {
      a.cancel(t + 2000);
      a.respond(t + 2010, 200, { method: 'CANCEL' });
      b.cancel(t + 2020);
      b.respond(t + 2030, 200, { method: 'CANCEL' });
      b.respond(t + 2040, 487);
      b.ack(t + 2050, { failedWithTag: `xd${k}` });
      a.respond(t + 2060, 487);
      a.ack(t + 2070, { failedWithTag: `xs${k}` });
    }
    legs.push(a, b);
  }
  return { name: 'x-cid', base, legs };
}

export const SID_A = 'ab30317f1a784d1a8a0f3e5c5e8d2b11';
export const SID_B = '0c7c8a5f3e2d4b1a9f8e7d6c5b4a3921';
export const SID_C = '5d1e3a77c2b04f6e9a1d8c3b2e4f5a60';
export const SID_D = 'e4f5a6b7c8d94e0fa1b2c3d4e5f60718';
export const SID_NULL = '00000000000000000000000000000000';

/**
 * 3. Session-ID (RFC 7989): the phone's INVITE says `A;remote=null`, the SBC's inside INVITE
 * carries none, the callee's 200 OK on the inside says `B;remote=A` — A is on both legs, local on
 * one and remote on the other. A third call with `C;remote=null` / `D;remote=C` shares only the
 * null UUID with the first and stays alone.
 */
export function sessionId(base: number): Scenario {
  const a = new Leg(
    {
      callId: 'sid-a-5a1e@192.0.2.40',
      caller: phone('192.0.2.40', 'PhoneS/3.0'),
      callee: SBC_OUT,
      from: '"Sam" <sip:sam@example.com>',
      fromTag: 'sa-1',
      to: '<sip:bob@example.net>',
      toTag: 'ss-1',
      requestUri: 'sip:bob@example.net',
    },
    base,
  );
  const b = new Leg(
    {
      callId: 'sbc-sid-77d2',
      caller: SBC_IN,
      callee: BOB,
      from: '"Sam" <sip:sam@sbc.example.net>',
      fromTag: 'sb-1',
      to: '<sip:bob@203.0.113.20>',
      toTag: 'sd-1',
      requestUri: 'sip:bob@203.0.113.20:5060',
    },
    base,
  );
  throughSbc(
    a,
    b,
    0,
    {
      offerA: sdp('sam 3101 1 IN IP4 192.0.2.40', '192.0.2.40', 40300, [0, 101]),
      offerB: sdp('sbc 3201 1 IN IP4 203.0.113.1', '203.0.113.1', 30300, [0, 101]),
      answerB: sdp('bob 3301 1 IN IP4 203.0.113.20', '203.0.113.20', 50300, [0, 101]),
      answerA: sdp('sbc 3202 1 IN IP4 198.51.100.1', '198.51.100.1', 30302, [0, 101]),
    },
    {
      headersA: [['Session-ID', `${SID_A};remote=${SID_NULL}`]],
      answerHeadersB: [['Session-ID', `${SID_B};remote=${SID_A}`]],
    },
  );
  const c = new Leg(
    {
      callId: 'sid-c-0d4f@192.0.2.41',
      caller: phone('192.0.2.41', 'PhoneT/3.0'),
      callee: phone('203.0.113.21', 'DeskPhone/9'),
      from: '<sip:tina@example.com>',
      fromTag: 'sc-1',
      to: '<sip:uma@example.org>',
      toTag: 'su-1',
      requestUri: 'sip:uma@example.org',
    },
    base,
  );
  c.invite(100, {
    sdp: sdp('tina 3401 1 IN IP4 192.0.2.41', '192.0.2.41', 40310, [8]),
    headers: [['Session-ID', `${SID_C};remote=${SID_NULL}`]],
  });
  c.respond(1100, 200, {
    sdp: sdp('uma 3501 1 IN IP4 203.0.113.21', '203.0.113.21', 50310, [8]),
    headers: [['Session-ID', `${SID_D};remote=${SID_C}`]],
  });
  c.ack(1110);
  c.bye(3100, 'caller');
  c.respond(3110, 200, { method: 'BYE' });
  return { name: 'session-id', base, legs: [a, b, c] };
}

export const ICID = '1a2b3c4d5e6f7a8b9c0d';

/**
 * 4. P-Charging-Vector: the phone's leg writes `icid-value=` as a token, the SBC's inside leg the
 * same value as a quoted string. A third call with another icid stays alone.
 */
export function icid(base: number): Scenario {
  const a = new Leg(
    {
      callId: 'icid-a-31c4@192.0.2.50',
      caller: phone('192.0.2.50', 'PhoneI/5.0'),
      callee: SBC_OUT,
      from: '"Ivy" <sip:ivy@ims.example.com>',
      fromTag: 'ia-1',
      to: '<tel:+15550100>',
      toTag: 'is-1',
      requestUri: 'tel:+15550100',
    },
    base,
  );
  const b = new Leg(
    {
      callId: 'sbc-icid-e09b',
      caller: SBC_IN,
      callee: BOB,
      from: '"Ivy" <sip:ivy@sbc.example.net>',
      fromTag: 'ib-1',
      to: '<sip:+15550100@203.0.113.20>',
      toTag: 'id-1',
      requestUri: 'sip:+15550100@203.0.113.20:5060',
    },
    base,
  );
  throughSbc(
    a,
    b,
    0,
    {
      offerA: sdp('ivy 4101 1 IN IP4 192.0.2.50', '192.0.2.50', 40400, [18, 8, 101]),
      offerB: sdp('sbc 4201 1 IN IP4 203.0.113.1', '203.0.113.1', 30400, [18, 8, 101]),
      answerB: sdp('bob 4301 1 IN IP4 203.0.113.20', '203.0.113.20', 50400, [18, 101]),
      answerA: sdp('sbc 4202 1 IN IP4 198.51.100.1', '198.51.100.1', 30402, [18, 101]),
    },
    {
      headersA: [['P-Charging-Vector', `icid-value=${ICID};icid-generated-at=192.0.2.50;orig-ioi=home1.example.net`]],
      headersB: [['P-Charging-Vector', `icid-value="${ICID}";orig-ioi=home1.example.net;term-ioi=home2.example.net`]],
    },
  );
  const c = new Leg(
    {
      callId: 'icid-c-9e77@192.0.2.51',
      caller: phone('192.0.2.51', 'PhoneJ/5.0'),
      callee: phone('203.0.113.23', 'DeskPhone/9'),
      from: '<sip:joe@ims.example.com>',
      fromTag: 'ic-1',
      to: '<sip:kim@ims.example.com>',
      toTag: 'ik-1',
      requestUri: 'sip:kim@ims.example.com',
    },
    base,
  );
  c.invite(100, {
    sdp: sdp('joe 4401 1 IN IP4 192.0.2.51', '192.0.2.51', 40410, [8]),
    headers: [['P-Charging-Vector', 'icid-value=ffee00112233;orig-ioi=home1.example.net']],
  });
  c.respond(600, 486, { headers: BUSY });
  c.ack(610, { failedWithTag: 'ik-1' });
  return { name: 'icid', base, legs: [a, b, c] };
}

/**
 * 5. SDP passed through: the SBC changes the Call-ID and adds no header, but its inside INVITE
 * carries the phone's SDP (o= user name and version changed, session id and address kept) and
 * the callee's answer goes back unchanged. Negatives: a phone that reuses its o= session id
 * calls again 30 s later while its first call is still up, the second call seen only after the
 * SBC (C direct, D from the SBC with the phone's SDP: another host, same o=, 30 s apart), and
 * another phone with the same session id but its own address calls at the same time (E): all
 * three stay alone.
 */
export function sdpPassthrough(base: number): Scenario {
  const a = new Leg(
    {
      callId: 'sdp-a-6b2d@192.0.2.60',
      caller: phone('192.0.2.60', 'PhoneP/6.0'),
      callee: SBC_OUT,
      from: '"Pat" <sip:pat@example.com>',
      fromTag: 'pa-1',
      to: '<sip:bob@example.net>',
      toTag: 'ps-1',
      requestUri: 'sip:bob@example.net',
    },
    base,
  );
  const b = new Leg(
    {
      callId: 'sbc-sdp-c3a9',
      caller: SBC_IN,
      callee: BOB,
      from: '"Pat" <sip:pat@sbc.example.net>',
      fromTag: 'pb-1',
      to: '<sip:bob@203.0.113.20>',
      toTag: 'pd-1',
      requestUri: 'sip:bob@203.0.113.20:5060',
    },
    base,
  );
  throughSbc(a, b, 0, {
    offerA: sdp('pat 60601 1 IN IP4 192.0.2.60', '192.0.2.60', 40600, [9, 0, 101]),
    offerB: sdp('- 60601 2 IN IP4 192.0.2.60', '192.0.2.60', 40600, [9, 0, 101]),
    answerB: sdp('bob 70701 1 IN IP4 203.0.113.20', '203.0.113.20', 50600, [9, 101]),
    answerA: sdp('bob 70701 1 IN IP4 203.0.113.20', '203.0.113.20', 50600, [9, 101]),
  });
  const reuse = (callId: string, fromTag: string, toTag: string, ip: string, callee: string, caller = phone(ip, 'ReusePhone/1.0')) =>
    new Leg(
      {
        callId,
        caller,
        callee: phone(callee, 'DeskPhone/9'),
        from: `<sip:quinn@${ip}>`,
        fromTag,
        to: '<sip:rey@example.org>',
        toTag,
        requestUri: 'sip:rey@example.org',
      },
      base,
    );
  const c = reuse('sdp-c-1f00@192.0.2.61', 'qc-1', 'rc-1', '192.0.2.61', '203.0.113.24');
  c.invite(100, { sdp: sdp('quinn 555 1 IN IP4 192.0.2.61', '192.0.2.61', 40610, [0]) });
  c.respond(600, 200, { sdp: sdp('rey 5601 1 IN IP4 203.0.113.24', '203.0.113.24', 50610, [0]) });
  c.ack(610);
  const e = reuse('sdp-e-3a22@192.0.2.62', 'qe-1', 're-1', '192.0.2.62', '203.0.113.26');
  e.invite(1100, { sdp: sdp('quinn 555 1 IN IP4 192.0.2.62', '192.0.2.62', 40630, [0]) });
  e.respond(1600, 200, { sdp: sdp('rey 5801 1 IN IP4 203.0.113.26', '203.0.113.26', 50630, [0]) });
  e.ack(1610);
  e.bye(3100, 'caller');
  e.respond(3110, 200, { method: 'BYE' });
  const d = reuse('sdp-d-2e11@192.0.2.61', 'qd-1', 'rd-1', '192.0.2.61', '203.0.113.25', SBC_IN);
  d.invite(30_100, { sdp: sdp('quinn 555 1 IN IP4 192.0.2.61', '192.0.2.61', 40620, [0]) });
  d.respond(30_600, 200, { sdp: sdp('rey 5701 1 IN IP4 203.0.113.25', '203.0.113.25', 50620, [0]) });
  d.ack(30_610);
  d.bye(35_100, 'caller');
  d.respond(35_110, 200, { method: 'BYE' });
  c.bye(40_100, 'caller');
  c.respond(40_110, 200, { method: 'BYE' });
  return { name: 'sdp', base, legs: [a, b, c, e, d] };
}

export const AUTH_CALL_ID = 'auth-1f9c@192.0.2.80';

export const AUTH401_CALL_ID = 'auth401-62e0@192.0.2.81';

/**
 * 6. A phone challenged with 407 retries with credentials under a new From-tag (one leg), then
 * the SBC, after that retry, sends its own INVITE with its own From-tag on the same Call-ID (a
 * second leg: the first leg sent an INVITE since its challenge). Beside it, another phone's call
 * challenged with 401 and retried under a new From-tag, with no second leg: one leg, alone.
 */
export function authRetry(base: number): Scenario {
  const a = new Leg(
    {
      callId: AUTH_CALL_ID,
      caller: phone('192.0.2.80', 'AuthPhone/8.1'),
      callee: SBC_OUT,
      from: '"Alice" <sip:alice@example.com>',
      fromTag: 'auth-t1',
      to: '<sip:bob@example.net>',
      toTag: 'sbc-auth-out',
      requestUri: 'sip:bob@example.net',
    },
    base,
  );
  const b = new Leg(
    {
      callId: AUTH_CALL_ID,
      caller: SBC_IN,
      callee: BOB,
      from: '"Alice" <sip:alice@sbc.example.net>',
      fromTag: 'sbc-auth-in',
      to: '<sip:bob@203.0.113.20>',
      toTag: 'bob-auth',
      requestUri: 'sip:bob@203.0.113.20:5060',
    },
    base,
  );
  const offer = sdp('alice 8101 1 IN IP4 192.0.2.80', '192.0.2.80', 40800, [9, 0, 18, 101]);
  a.invite(0, { sdp: offer });
  a.respond(10, 407, {
    toTag: 'sbc-407',
    headers: [['Proxy-Authenticate', 'Digest realm="example.com", nonce="4e0b1d7c", algorithm=MD5, qop="auth"']],
  });
  a.ack(20, { failedWithTag: 'sbc-407' });
  a.invite(100, {
    fromTag: 'auth-t2',
    sdp: offer,
    headers: [
      [
        'Proxy-Authorization',
        'Digest username="alice", realm="example.com", nonce="4e0b1d7c", uri="sip:bob@example.net", ' +
          'response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
      ],
    ],
  });
  a.respond(110, 100);
  b.invite(120, { sdp: sdp('sbc 8201 1 IN IP4 203.0.113.1', '203.0.113.1', 30800, [0, 18, 101]) });
  b.respond(130, 100);
  b.respond(140, 180);
  a.respond(150, 180);
  b.respond(2000, 200, { sdp: sdp('bob 8301 1 IN IP4 203.0.113.20', '203.0.113.20', 50800, [18, 101]) });
  a.respond(2010, 200, { sdp: sdp('sbc 8202 1 IN IP4 198.51.100.1', '198.51.100.1', 30802, [18, 101]) });
  a.ack(2020);
  b.ack(2030);
  a.bye(6000, 'caller', HANGUP);
  b.bye(6010, 'caller', HANGUP);
  b.respond(6020, 200, { method: 'BYE' });
  a.respond(6030, 200, { method: 'BYE' });
  const c = new Leg(
    {
      callId: AUTH401_CALL_ID,
      caller: phone('192.0.2.81', 'AuthPhone/8.1'),
      callee: { ip: '198.51.100.81', port: 5060, server: 'Registrar-PBX/5' },
      from: '<sip:carl@example.com>',
      fromTag: 'auth401-t1',
      to: '<sip:dana@example.com>',
      toTag: 'pbx-401-ok',
      requestUri: 'sip:dana@example.com',
    },
    base,
  );
  const offer401 = sdp('carl 8401 1 IN IP4 192.0.2.81', '192.0.2.81', 40810, [8]);
  c.invite(300, { sdp: offer401 });
  c.respond(310, 401, {
    toTag: 'pbx-401',
    headers: [['WWW-Authenticate', 'Digest realm="example.com", nonce="77aa10", algorithm=MD5']],
  });
  c.ack(320, { failedWithTag: 'pbx-401' });
  c.invite(400, {
    fromTag: 'auth401-t2',
    sdp: offer401,
    headers: [
      [
        'Authorization',
        'Digest username="carl", realm="example.com", nonce="77aa10", uri="sip:dana@example.com", ' +
          'response="0bd2e1e9a14bd2a54e0e2a0b6a1e9f3c", algorithm=MD5',
      ],
    ],
  });
  c.respond(410, 100);
  c.respond(1400, 200, { sdp: sdp('pbx 8402 1 IN IP4 198.51.100.81', '198.51.100.81', 50810, [8]) });
  c.ack(1410);
  c.bye(4400, 'caller');
  c.respond(4410, 200, { method: 'BYE' });
  return { name: 'auth-retry', base, legs: [a, b, c] };
}

/** 7. A call between two phones that shares nothing with any other (cancelled by the caller). */
export function lone(base: number): Scenario {
  const a = new Leg(
    {
      callId: 'lone-4c1a@192.0.2.70',
      caller: phone('192.0.2.70', 'CarolSoft/7.0'),
      callee: { ip: '198.51.100.70', port: 5060, server: 'DavePBX/1.1' },
      from: '"Alice" <sip:alice@example.com>',
      fromTag: 'lone-c',
      to: '"Dave" <sip:dave@example.org>',
      toTag: 'lone-d',
      requestUri: 'sip:dave@example.org',
    },
    base,
  );
  a.invite(0, { sdp: sdp('carol 7101 1 IN IP4 192.0.2.70', '192.0.2.70', 40700, [8, 18, 0, 101]) });
  a.respond(10, 100);
  a.respond(300, 180);
  a.cancel(3000, [['Reason', 'SIP;cause=200;text="Call completed elsewhere"']]);
  a.respond(3010, 200, { method: 'CANCEL' });
  a.respond(3020, 487);
  a.ack(3030, { failedWithTag: 'lone-d' });
  return { name: 'lone', base, legs: [a] };
}

/**
 * Three legs tied in a chain: the phone to SBC 1 (Call-ID a), SBC 1 to SBC 2 (new Call-ID b with
 * X-CID: a, SBC 1's own SDP), SBC 2 to the callee (new Call-ID c, no header, SBC 2 passes the SDP
 * through both ways). a–b by x-cid, b–c by sdp: one group of three.
 */
export function chain(base: number): Scenario {
  const sbc2Out: Element = { ip: '198.51.100.2', port: 5060, userAgent: 'EdgeB2BUA-UA/2.0', server: 'EdgeB2BUA/2.0' };
  const sbc2In: Element = { ip: '203.0.113.2', port: 5060, userAgent: 'EdgeB2BUA-UA/2.0', server: 'EdgeB2BUA/2.0' };
  const a = new Leg(
    {
      callId: 'chain-a-0b5e@192.0.2.90',
      caller: phone('192.0.2.90', 'ChainPhone/1.0'),
      callee: SBC_OUT,
      from: '<sip:vic@example.com>',
      fromTag: 'ca-1',
      to: '<sip:bob@example.net>',
      toTag: 'cs-1',
      requestUri: 'sip:bob@example.net',
    },
    base,
  );
  const b = new Leg(
    {
      callId: 'chain-b-sbc1',
      caller: SBC_IN,
      callee: sbc2Out,
      from: '<sip:vic@sbc.example.net>',
      fromTag: 'cb-1',
      to: '<sip:bob@edge.example.net>',
      toTag: 'ce-1',
      requestUri: 'sip:bob@edge.example.net',
    },
    base,
  );
  const c = new Leg(
    {
      callId: 'chain-c-sbc2',
      caller: sbc2In,
      callee: BOB,
      from: '<sip:vic@edge.example.net>',
      fromTag: 'cc-1',
      to: '<sip:bob@203.0.113.20>',
      toTag: 'cd-1',
      requestUri: 'sip:bob@203.0.113.20:5060',
    },
    base,
  );
  const sbc1Offer = sdp('sbc 9201 1 IN IP4 203.0.113.1', '203.0.113.1', 30900, [0, 8]);
  const bobAnswer = sdp('bob 9301 1 IN IP4 203.0.113.20', '203.0.113.20', 50900, [8]);
  a.invite(0, { sdp: sdp('vic 9101 1 IN IP4 192.0.2.90', '192.0.2.90', 40900, [0, 8]) });
  a.respond(10, 100);
  b.invite(20, { sdp: sbc1Offer, headers: [['X-CID', 'chain-a-0b5e@192.0.2.90']] });
  b.respond(30, 100);
  c.invite(40, { sdp: sbc1Offer });
  c.respond(50, 100);
  c.respond(1000, 200, { sdp: bobAnswer });
  b.respond(1010, 200, { sdp: bobAnswer });
  a.respond(1020, 200, { sdp: sdp('sbc 9202 1 IN IP4 198.51.100.1', '198.51.100.1', 30902, [8]) });
  a.ack(1030);
  b.ack(1040);
  c.ack(1050);
  c.bye(3000, 'callee', HANGUP);
  c.respond(3010, 200, { method: 'BYE', to: 'callee' });
  b.bye(3020, 'callee', HANGUP);
  b.respond(3030, 200, { method: 'BYE', to: 'callee' });
  a.bye(3040, 'callee', HANGUP);
  a.respond(3050, 200, { method: 'BYE', to: 'callee' });
  return { name: 'chain', base, legs: [a, b, c] };
}

/** Every scenario, each at its own base second. */
export const SCENARIOS = { keepCallId, xcid, sessionId, icid, sdpPassthrough, authRetry, lone, chain } as const;
