// Legs and their correlation (SPEC §1, §9), through the command line a user runs
// (`node --import tsx node/cli.ts read FILE --format jsonl`):
//
// - captures written with the capture writer (test/support/b2bua-calls.ts): a B2BUA keeping the
//   Call-ID under its own From-tag, new Call-IDs carrying the four X-CID spellings, Session-ID
//   with local and remote swapped on the other leg, P-Charging-Vector icid as token and quoted
//   string, SDP passed through (and the same o= on unrelated calls 30 s apart, or from another
//   address, that must not tie), an auth retry under a new From-tag followed by a B2BUA leg on the
//   same Call-ID (and a 401 retry alone), a lone call and a chain of three legs tied by x-cid and
//   sdp. Every record is checked whole: leg, fromTag, callGroup, correlatedBy, messages and the
//   23 nProbe fields, each value worked out by hand from the messages written (SPEC §2, §3). The
//   same scenarios again, interleaved in one capture, give the same records. tshark's view of each
//   leg (the frames of its Call-ID with one of its caller's tags as From- or To-tag) has the
//   record's number of messages, and the ties tshark's decoding of the headers and SDP gives
//   make the same groups and reasons.
// - SIPp on loopback: caller/callee pairs where a second caller's INVITE names the first call in
//   X-CID, another pair tied by Session-ID, and a pair with nothing shared; recorded with tcpdump.
//
// Needs tshark (per-leg views) and sipp + tcpdump with permission to capture on lo (the SIPp
// part); missing tools skip those tests with a printed reason, unless CI=true.
// Ports (this file alone): SIP 29800-29809, media 29900-29949.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  authRetry,
  captureOf,
  chain,
  icid,
  jsonTime,
  keepCallId,
  type Leg,
  lone,
  type Scenario,
  sdpPassthrough,
  sessionId,
  xcid,
  xcidIds,
} from '../support/b2bua-calls.ts';
import { runCli } from '../support/cli.ts';
import { jsonl } from '../support/jsonl.ts';
import { type Bg, startBg, stopBg, waitFor } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { toolGate, toolPath } from '../support/tools/exec.ts';
import { SCENARIO_DIR } from '../support/tools/sipp.ts';
import { allSucceed, finishLoopbackCapture, portBound, SIPP_COMMON, startLoopbackCapture } from '../support/sipp-media.ts';
import { tsharkFields, tsharkSipMessages, tsharkTimeWithDigits } from '../support/tools/tshark.ts';

const tsharkGate = toolGate(['tshark'], 'correlation (tshark)');
test.runIf(tsharkGate.mustFail)('tshark is installed (CI)', () => tsharkGate.assertAvailable());
const sippGate = toolGate(['tshark', 'sipp', 'tcpdump'], 'correlation (SIPp)', { capture: true });
test.runIf(sippGate.mustFail)('tshark, SIPp and tcpdump are installed (CI)', () => sippGate.assertAvailable());

const tmp = tempDir('correlation');

// ---------------------------------------------------------------- expected records

/** Times of a record in ms after its scenario's base second; absent = not seen. */
interface Times {
  invite?: number;
  trying?: number;
  ringing?: number;
  ok?: number;
  failure?: number;
  bye?: number;
  byeOk?: number;
  cancel?: number;
  cancelOk?: number;
}

/** One leg's record as worked out from the messages the scenario writes. */
interface Want {
  callId: string;
  leg?: number;
  fromTag: string;
  group: string;
  by: string[];
  messages: number;
  calling: string;
  called: string;
  codecs: string;
  t: Times;
  src: [string, number] | null;
  dst: [string, number] | null;
  code: number | null;
  cause: number | null;
  uac: string | null;
  uas: string | null;
  cIp: string;
  state: string;
}

/** The keys a record is compared on, with their expected JSON values. */
function expected(base: number, w: Want): Record<string, unknown> {
  const time = (ms: number | undefined) => (ms === undefined ? null : jsonTime(base, ms));
  return {
    SIP_CALL_ID: w.callId,
    SIP_CALLING_PARTY: w.calling,
    SIP_CALLED_PARTY: w.called,
    SIP_RTP_CODECS: w.codecs,
    SIP_INVITE_TIME: time(w.t.invite),
    SIP_TRYING_TIME: time(w.t.trying),
    SIP_RINGING_TIME: time(w.t.ringing),
    SIP_INVITE_OK_TIME: time(w.t.ok),
    SIP_INVITE_FAILURE_TIME: time(w.t.failure),
    SIP_BYE_TIME: time(w.t.bye),
    SIP_BYE_OK_TIME: time(w.t.byeOk),
    SIP_CANCEL_TIME: time(w.t.cancel),
    SIP_CANCEL_OK_TIME: time(w.t.cancelOk),
    SIP_RTP_IPV4_SRC_ADDR: w.src?.[0] ?? null,
    SIP_RTP_L4_SRC_PORT: w.src?.[1] ?? null,
    SIP_RTP_IPV4_DST_ADDR: w.dst?.[0] ?? null,
    SIP_RTP_L4_DST_PORT: w.dst?.[1] ?? null,
    SIP_RESPONSE_CODE: w.code,
    SIP_REASON_CAUSE: w.cause,
    SIP_UAC: w.uac,
    SIP_UAS: w.uas,
    SIP_C_IP: w.cIp,
    SIP_CALL_STATE: w.state,
    leg: w.leg ?? 1,
    fromTag: w.fromTag,
    callGroup: w.group,
    correlatedBy: w.by,
    messages: w.messages,
  };
}

const NPROBE_FIELDS = 23;

const SBC_SERVER = 'ExampleSBC/3.1';
const SBC_UA = 'ExampleSBC-UA/3.1';
const BOB_UA = 'BobPhone/4.2';

/** The two legs of a call through the SBC written by throughSbc (caller hangs up at 5 s). */
function sbcPair(
  a: Omit<Want, 'leg' | 'messages' | 't' | 'code' | 'cause' | 'uas' | 'state'>,
  b: Omit<Want, 'leg' | 'messages' | 't' | 'code' | 'cause' | 'uac' | 'uas' | 'state' | 'group' | 'by'>,
): Want[] {
  const common = { messages: 7, code: 200, cause: 16, state: 'CALL_COMPLETED' };
  return [
    { ...a, ...common, uas: SBC_SERVER, t: { invite: 0, trying: 10, ringing: 50, ok: 1010, bye: 5000, byeOk: 5030 } },
    {
      ...b,
      ...common,
      group: a.group,
      by: a.by,
      uac: SBC_UA,
      uas: BOB_UA,
      t: { invite: 20, trying: 30, ringing: 40, ok: 1000, bye: 5010, byeOk: 5020 },
    },
  ];
}

const KEEP_ID = 'b2bua-keep-1@192.0.2.10';

/** 1. Same Call-ID, the B2BUA's own From-tag: legs 1 and 2, tied by call-id. */
const WANT_KEEP: Want[] = sbcPair(
  {
    callId: KEEP_ID,
    fromTag: 'a-keep',
    group: KEEP_ID,
    by: ['call-id'],
    calling: '"Alice" <sip:alice@example.com>',
    called: '<sip:bob@example.net>',
    codecs: 'PCMU;PCMA',
    src: ['192.0.2.10', 40000],
    dst: ['198.51.100.1', 30002],
    uac: 'AlicePhone/2.1',
    cIp: '192.0.2.10,198.51.100.1',
  },
  {
    callId: KEEP_ID,
    fromTag: 'sbc-keep-in',
    calling: '"Alice" <sip:alice@sbc.example.net>',
    called: '<sip:bob@203.0.113.20>',
    codecs: 'PCMU;PCMA',
    src: ['203.0.113.1', 30000],
    dst: ['203.0.113.20', 50000],
    cIp: '203.0.113.1,203.0.113.20',
  },
);
WANT_KEEP[1].leg = 2;

/** 2. Four pairs, each tied by one spelling of X-CID; outcomes: callee hangs up, busy, caller hangs up, cancelled. */
const WANT_XCID: Want[] = [0, 1, 2, 3].flatMap((k): Want[] => {
  const t = 200 * k;
  const ids = xcidIds(k);
  const answered = k === 0 || k === 2;
  const shared = { group: ids.a, by: ['x-cid'], codecs: 'PCMA;PCMU' };
  const a: Want = {
    ...shared,
    callId: ids.a,
    fromTag: `xa${k}`,
    messages: k === 1 ? 5 : 7,
    calling: `<sip:user${k}@example.com>`,
    called: `<sip:+1555000${k}@example.net>`,
    t: { invite: t, trying: t + 10, ringing: t + 50 },
    src: [`192.0.2.2${k}`, 40100 + 10 * k],
    dst: answered ? ['198.51.100.1', 30105 + 10 * k] : null,
    code: 200,
    cause: 16,
    uac: `PhoneX${k}/1.0`,
    // the SBC's BYE to the phone (k = 0) carries its User-Agent, which comes before Server
    uas: k === 0 ? SBC_UA : SBC_SERVER,
    cIp: answered ? `192.0.2.2${k},198.51.100.1` : `192.0.2.2${k}`,
    state: 'CALL_COMPLETED',
  };
  const b: Want = {
    ...shared,
    callId: ids.b,
    fromTag: `xb${k}`,
    messages: k === 1 ? 5 : 7,
    calling: `<sip:user${k}@sbc.example.net>`,
    called: `<sip:+1555000${k}@203.0.113.20>`,
    t: { invite: t + 20, trying: t + 30, ringing: t + 40 },
    src: ['203.0.113.1', 30100 + 10 * k],
    dst: answered ? ['203.0.113.20', 50100 + 10 * k] : null,
    code: 200,
    cause: 16,
    uac: SBC_UA,
    uas: BOB_UA,
    cIp: answered ? '203.0.113.1,203.0.113.20' : '203.0.113.1',
    state: 'CALL_COMPLETED',
  };
  if (k === 0) {
    Object.assign(a.t, { ok: t + 1010, bye: t + 4020, byeOk: t + 4030 });
    Object.assign(b.t, { ok: t + 1000, bye: t + 4000, byeOk: t + 4010 });
  } else if (k === 1) {
    for (const w of [a, b]) Object.assign(w, { code: 486, cause: 17, state: 'CALL_ERROR' });
    a.t.failure = t + 1020;
    b.t.failure = t + 1000;
  } else if (k === 2) {
    Object.assign(a.t, { ok: t + 1010, bye: t + 4000, byeOk: t + 4030 });
    Object.assign(b.t, { ok: t + 1000, bye: t + 4010, byeOk: t + 4020 });
  } else {
    for (const w of [a, b]) Object.assign(w, { code: 487, cause: null, state: 'CALL_CANCELED' });
    Object.assign(a.t, { cancel: t + 2000, cancelOk: t + 2010, failure: t + 2060 });
    Object.assign(b.t, { cancel: t + 2020, cancelOk: t + 2030, failure: t + 2040 });
  }
  return [a, b];
});

const SID_ID = 'sid-a-5a1e@192.0.2.40';

/** 3. Session-ID A on the phone's INVITE, B;remote=A on the inside 200 OK; a third call alone. */
const WANT_SID: Want[] = [
  ...sbcPair(
    {
      callId: SID_ID,
      fromTag: 'sa-1',
      group: SID_ID,
      by: ['session-id'],
      calling: '"Sam" <sip:sam@example.com>',
      called: '<sip:bob@example.net>',
      codecs: 'PCMU',
      src: ['192.0.2.40', 40300],
      dst: ['198.51.100.1', 30302],
      uac: 'PhoneS/3.0',
      cIp: '192.0.2.40,198.51.100.1',
    },
    {
      callId: 'sbc-sid-77d2',
      fromTag: 'sb-1',
      calling: '"Sam" <sip:sam@sbc.example.net>',
      called: '<sip:bob@203.0.113.20>',
      codecs: 'PCMU',
      src: ['203.0.113.1', 30300],
      dst: ['203.0.113.20', 50300],
      cIp: '203.0.113.1,203.0.113.20',
    },
  ),
  {
    callId: 'sid-c-0d4f@192.0.2.41',
    fromTag: 'sc-1',
    group: 'sid-c-0d4f@192.0.2.41',
    by: [],
    messages: 5,
    calling: '<sip:tina@example.com>',
    called: '<sip:uma@example.org>',
    codecs: 'PCMA',
    t: { invite: 100, ok: 1100, bye: 3100, byeOk: 3110 },
    src: ['192.0.2.41', 40310],
    dst: ['203.0.113.21', 50310],
    code: 200,
    cause: null,
    uac: 'PhoneT/3.0',
    uas: null,
    cIp: '192.0.2.41,203.0.113.21',
    state: 'CALL_COMPLETED',
  },
];

const ICID_ID = 'icid-a-31c4@192.0.2.50';

/** 4. icid-value as token on one leg, quoted on the other; a busy call with another icid alone. */
const WANT_ICID: Want[] = [
  ...sbcPair(
    {
      callId: ICID_ID,
      fromTag: 'ia-1',
      group: ICID_ID,
      by: ['icid'],
      calling: '"Ivy" <sip:ivy@ims.example.com>',
      called: '<tel:+15550100>',
      codecs: 'G729;PCMA',
      src: ['192.0.2.50', 40400],
      dst: ['198.51.100.1', 30402],
      uac: 'PhoneI/5.0',
      cIp: '192.0.2.50,198.51.100.1',
    },
    {
      callId: 'sbc-icid-e09b',
      fromTag: 'ib-1',
      calling: '"Ivy" <sip:ivy@sbc.example.net>',
      called: '<sip:+15550100@203.0.113.20>',
      codecs: 'G729;PCMA',
      src: ['203.0.113.1', 30400],
      dst: ['203.0.113.20', 50400],
      cIp: '203.0.113.1,203.0.113.20',
    },
  ),
  {
    callId: 'icid-c-9e77@192.0.2.51',
    fromTag: 'ic-1',
    group: 'icid-c-9e77@192.0.2.51',
    by: [],
    messages: 3,
    calling: '<sip:joe@ims.example.com>',
    called: '<sip:kim@ims.example.com>',
    codecs: 'PCMA',
    t: { invite: 100, failure: 600 },
    src: ['192.0.2.51', 40410],
    dst: null,
    code: 486,
    cause: 17,
    uac: 'PhoneJ/5.0',
    uas: null,
    cIp: '192.0.2.51',
    state: 'CALL_ERROR',
  },
];

const SDP_ID = 'sdp-a-6b2d@192.0.2.60';

/** A call of the phone that reuses its o= session id (scenario 5): answered, caller hangs up. */
function reuseCall(callId: string, fromTag: string, ip: string, port: number, callee: [string, number], t: Times): Want {
  return {
    callId,
    fromTag,
    group: callId,
    by: [],
    messages: 5,
    calling: `<sip:quinn@${ip}>`,
    called: '<sip:rey@example.org>',
    codecs: 'PCMU',
    t,
    src: [ip, port],
    dst: callee,
    code: 200,
    cause: null,
    uac: 'ReusePhone/1.0',
    uas: null,
    cIp: `${ip},${callee[0]}`,
    state: 'CALL_COMPLETED',
  };
}

/** 5. SDP passed through both ways: tied by sdp; the same o= 30 s later, or from another address, alone. */
const WANT_SDP: Want[] = [
  ...sbcPair(
    {
      callId: SDP_ID,
      fromTag: 'pa-1',
      group: SDP_ID,
      by: ['sdp'],
      calling: '"Pat" <sip:pat@example.com>',
      called: '<sip:bob@example.net>',
      codecs: 'G722;PCMU',
      src: ['192.0.2.60', 40600],
      dst: ['203.0.113.20', 50600],
      uac: 'PhoneP/6.0',
      cIp: '192.0.2.60,203.0.113.20',
    },
    {
      callId: 'sbc-sdp-c3a9',
      fromTag: 'pb-1',
      calling: '"Pat" <sip:pat@sbc.example.net>',
      called: '<sip:bob@203.0.113.20>',
      codecs: 'G722;PCMU',
      src: ['192.0.2.60', 40600],
      dst: ['203.0.113.20', 50600],
      cIp: '192.0.2.60,203.0.113.20',
    },
  ),
  reuseCall('sdp-c-1f00@192.0.2.61', 'qc-1', '192.0.2.61', 40610, ['203.0.113.24', 50610], {
    invite: 100,
    ok: 600,
    bye: 40_100,
    byeOk: 40_110,
  }),
  reuseCall('sdp-e-3a22@192.0.2.62', 'qe-1', '192.0.2.62', 40630, ['203.0.113.26', 50630], {
    invite: 1100,
    ok: 1600,
    bye: 3100,
    byeOk: 3110,
  }),
  {
    // the phone's next call, seen after the SBC (which passes its SDP through)
    ...reuseCall('sdp-d-2e11@192.0.2.61', 'qd-1', '192.0.2.61', 40620, ['203.0.113.25', 50620], {
      invite: 30_100,
      ok: 30_600,
      bye: 35_100,
      byeOk: 35_110,
    }),
    uac: SBC_UA,
  },
];

const AUTH_ID = 'auth-1f9c@192.0.2.80';

/** 6. 407, retry under a new From-tag (one leg, named by the first tag), then the SBC's leg 2. */
const WANT_AUTH: Want[] = [
  {
    callId: AUTH_ID,
    leg: 1,
    fromTag: 'auth-t1',
    group: AUTH_ID,
    by: ['call-id'],
    // INVITE, 407, ACK, INVITE, 100, 180, 200, ACK, BYE, 200
    messages: 10,
    calling: '"Alice" <sip:alice@example.com>',
    called: '<sip:bob@example.net>',
    codecs: 'G722;PCMU;G729',
    // the 407 was retried: no failure time
    t: { invite: 0, trying: 110, ringing: 150, ok: 2010, bye: 6000, byeOk: 6030 },
    src: ['192.0.2.80', 40800],
    dst: ['198.51.100.1', 30802],
    code: 200,
    cause: 16,
    uac: 'AuthPhone/8.1',
    uas: SBC_SERVER,
    cIp: '192.0.2.80,198.51.100.1',
    state: 'CALL_COMPLETED',
  },
  {
    callId: AUTH_ID,
    leg: 2,
    fromTag: 'sbc-auth-in',
    group: AUTH_ID,
    by: ['call-id'],
    messages: 7,
    calling: '"Alice" <sip:alice@sbc.example.net>',
    called: '<sip:bob@203.0.113.20>',
    codecs: 'PCMU;G729',
    t: { invite: 120, trying: 130, ringing: 140, ok: 2000, bye: 6010, byeOk: 6020 },
    src: ['203.0.113.1', 30800],
    dst: ['203.0.113.20', 50800],
    code: 200,
    cause: 16,
    uac: SBC_UA,
    uas: BOB_UA,
    cIp: '203.0.113.1,203.0.113.20',
    state: 'CALL_COMPLETED',
  },
];

WANT_AUTH.push({
  callId: 'auth401-62e0@192.0.2.81',
  fromTag: 'auth401-t1',
  group: 'auth401-62e0@192.0.2.81',
  by: [],
  // INVITE, 401, ACK, INVITE, 100, 200, ACK, BYE, 200
  messages: 9,
  calling: '<sip:carl@example.com>',
  called: '<sip:dana@example.com>',
  codecs: 'PCMA',
  t: { invite: 300, trying: 410, ok: 1400, bye: 4400, byeOk: 4410 },
  src: ['192.0.2.81', 40810],
  dst: ['198.51.100.81', 50810],
  code: 200,
  cause: null,
  uac: 'AuthPhone/8.1',
  uas: 'Registrar-PBX/5',
  cIp: '192.0.2.81,198.51.100.81',
  state: 'CALL_COMPLETED',
});

/** 7. A cancelled call that shares nothing: alone (a SIP Reason on the CANCEL is no Q.850 cause). */
const WANT_LONE: Want[] = [
  {
    callId: 'lone-4c1a@192.0.2.70',
    fromTag: 'lone-c',
    group: 'lone-4c1a@192.0.2.70',
    by: [],
    messages: 7,
    calling: '"Alice" <sip:alice@example.com>',
    called: '"Dave" <sip:dave@example.org>',
    codecs: 'PCMA;G729;PCMU',
    t: { invite: 0, trying: 10, ringing: 300, failure: 3020, cancel: 3000, cancelOk: 3010 },
    src: ['192.0.2.70', 40700],
    dst: null,
    code: 487,
    cause: null,
    uac: 'CarolSoft/7.0',
    uas: 'DavePBX/1.1',
    cIp: '192.0.2.70',
    state: 'CALL_CANCELED',
  },
];

const CHAIN_ID = 'chain-a-0b5e@192.0.2.90';

/** A chain: a–b by x-cid, b–c by sdp — one group of three, b lists both reasons in SPEC order. */
const WANT_CHAIN: Want[] = [
  {
    callId: CHAIN_ID,
    fromTag: 'ca-1',
    group: CHAIN_ID,
    by: ['x-cid'],
    messages: 6,
    calling: '<sip:vic@example.com>',
    called: '<sip:bob@example.net>',
    codecs: 'PCMU;PCMA',
    t: { invite: 0, trying: 10, ok: 1020, bye: 3040, byeOk: 3050 },
    src: ['192.0.2.90', 40900],
    dst: ['198.51.100.1', 30902],
    code: 200,
    cause: 16,
    uac: 'ChainPhone/1.0',
    uas: SBC_UA,
    cIp: '192.0.2.90,198.51.100.1',
    state: 'CALL_COMPLETED',
  },
  {
    callId: 'chain-b-sbc1',
    fromTag: 'cb-1',
    group: CHAIN_ID,
    by: ['x-cid', 'sdp'],
    messages: 6,
    calling: '<sip:vic@sbc.example.net>',
    called: '<sip:bob@edge.example.net>',
    codecs: 'PCMU;PCMA',
    t: { invite: 20, trying: 30, ok: 1010, bye: 3020, byeOk: 3030 },
    src: ['203.0.113.1', 30900],
    dst: ['203.0.113.20', 50900],
    code: 200,
    cause: 16,
    uac: SBC_UA,
    uas: 'EdgeB2BUA-UA/2.0',
    cIp: '203.0.113.1,203.0.113.20',
    state: 'CALL_COMPLETED',
  },
  {
    callId: 'chain-c-sbc2',
    fromTag: 'cc-1',
    group: CHAIN_ID,
    by: ['sdp'],
    messages: 6,
    calling: '<sip:vic@edge.example.net>',
    called: '<sip:bob@203.0.113.20>',
    codecs: 'PCMU;PCMA',
    t: { invite: 40, trying: 50, ok: 1000, bye: 3000, byeOk: 3010 },
    src: ['203.0.113.1', 30900],
    dst: ['203.0.113.20', 50900],
    code: 200,
    cause: 16,
    uac: 'EdgeB2BUA-UA/2.0',
    uas: BOB_UA,
    cIp: '203.0.113.1,203.0.113.20',
    state: 'CALL_COMPLETED',
  },
];

interface Case {
  name: string;
  build: (base: number) => Scenario;
  want: Want[];
}

const CASES: Case[] = [
  { name: 'B2BUA keeping the Call-ID with its own From-tag (call-id)', build: keepCallId, want: WANT_KEEP },
  { name: 'new Call-ID naming the first in X-CID, X-Call-ID, X-Orig-Call-ID, x-original-call-id', build: xcid, want: WANT_XCID },
  { name: 'Session-ID with local and remote swapped on the other leg', build: sessionId, want: WANT_SID },
  { name: 'P-Charging-Vector icid-value, token and quoted', build: icid, want: WANT_ICID },
  { name: 'SDP passed through; the same o= 30 s apart or from another address stays alone', build: sdpPassthrough, want: WANT_SDP },
  {
    name: 'auth retry under a new From-tag, then a B2BUA leg on the same Call-ID; a 401 retry alone',
    build: authRetry,
    want: WANT_AUTH,
  },
  { name: 'an unrelated call stays alone', build: lone, want: WANT_LONE },
  { name: 'a chain of three legs: x-cid then sdp', build: chain, want: WANT_CHAIN },
];

// ---------------------------------------------------------------- running and comparing

const T0 = 1_767_268_800; // 2026-01-01 12:00:00 UTC

async function readJsonl(path: string): Promise<Record<string, any>[]> {
  const r = await runCli(['read', path, '--format', 'jsonl'], { fromSource: true, timeoutMs: 60_000, throwOnTimeout: true });
  expect(r.code, r.stderr).toBe(0);
  return jsonl(r.stdout);
}

const keyOf = (callId: string, fromTag: string) => `${callId} ${fromTag}`;

/** Every record against its expectation (found by Call-ID + From-tag), and no record more. Returns the fields checked. */
function compare(records: Record<string, any>[], wants: { base: number; want: Want }[]): number {
  const byKey = new Map<string, Record<string, any>>();
  for (const r of records) {
    const k = keyOf(r.SIP_CALL_ID, r.fromTag);
    expect(byKey.has(k), `one record for leg ${k}`).toBe(false);
    byKey.set(k, r);
  }
  expect([...byKey.keys()].sort(), 'a record for every leg, and only those').toEqual(
    wants.map((w) => keyOf(w.want.callId, w.want.fromTag)).sort(),
  );
  let fields = 0;
  for (const { base, want } of wants) {
    const exp = expected(base, want);
    const r = byKey.get(keyOf(want.callId, want.fromTag));
    if (!r) continue;
    const got = Object.fromEntries(Object.keys(exp).map((k) => [k, r[k]]));
    expect(got, `record of ${want.callId} leg ${want.leg ?? 1} (${want.fromTag})`).toEqual(exp);
    fields += Object.keys(exp).length;
  }
  return fields;
}

/**
 * tshark's view of every record's leg: the SIP frames with the record's Call-ID whose From-tag
 * or To-tag is one of the tags the leg's caller used (the scenario knows them: an auth retry has
 * two); their number is the record's `messages`.
 */
async function againstTshark(path: string, records: Record<string, any>[], legs: Leg[]): Promise<void> {
  const rows = await tsharkFields(path, ['sip.Call-ID', 'sip.from.tag', 'sip.to.tag'], { filter: 'sip' });
  const frames = rows.map(([c, f, t]) => ({ callId: (c[0] ?? '').trim(), from: f[0] ?? '', to: t[0] ?? '' }));
  expect(frames.length, 'tshark sees every SIP frame written').toBe(legs.reduce((n, l) => n + l.packets.length, 0));
  for (const r of records) {
    const leg = legs.find((l) => l.callId === r.SIP_CALL_ID && l.callerTags.includes(r.fromTag));
    expect(leg, `the scenario has a leg ${r.SIP_CALL_ID} ${r.fromTag}`).toBeDefined();
    if (!leg) continue;
    const mine = frames.filter((f) => f.callId === r.SIP_CALL_ID && (leg.callerTags.includes(f.from) || leg.callerTags.includes(f.to)));
    expect(mine.length, `tshark's frames of ${r.SIP_CALL_ID} with tag ${leg.callerTags.join(' or ')} = messages`).toBe(r.messages);
    expect(mine.length, `${r.SIP_CALL_ID} ${r.fromTag}: the frames written`).toBe(leg.packets.length);
  }
}

/**
 * The groups SPEC §9 gives, worked out from tshark's decoding of the capture alone: each leg's
 * frames (as in againstTshark), its Call-ID, the X-CID family headers of its messages, its
 * non-null Session-ID UUIDs (local and remote), its icid-values, and its SDP o= session id +
 * address with the time each was seen; two legs are tied by every key they share (an o= within
 * 10 s); groups are the transitive closure, named by the leg seen first. Every tie the scenarios
 * make is between legs that are open together, so open-ness is left out.
 */
async function tsharkGroups(path: string, legs: Leg[]): Promise<Map<string, { callGroup: string; correlatedBy: string[] }>> {
  const rows = await tsharkFields(
    path,
    [
      'sip.Call-ID',
      'sip.from.tag',
      'sip.to.tag',
      'frame.time_epoch',
      'sip.msg_hdr',
      'sip.Session-ID.local_uuid',
      'sip.Session-ID.remote_uuid',
      'sip.P-Charging-Vector',
      'sdp.owner.sessionid',
      'sdp.owner.address',
    ],
    { filter: 'sip' },
  );
  interface Keys {
    leg: Leg;
    first: number;
    xcid: Set<string>;
    uuid: Set<string>;
    icid: Set<string>;
    sdp: [string, number][];
  }
  const keys = legs.map((leg): Keys => ({ leg, first: Infinity, xcid: new Set(), uuid: new Set(), icid: new Set(), sdp: [] }));
  for (const [callId, from, to, time, hdr, local, remote, pcv, oSess, oAddr] of rows) {
    const k = keys.find((x) => x.leg.callId === callId[0]?.trim() && x.leg.callerTags.some((t) => t === from[0] || t === to[0]));
    expect(k, `a leg for the frame of ${callId[0]} ${from[0]} ${to[0]}`).toBeDefined();
    if (!k) continue;
    const t = Number(time[0]);
    k.first = Math.min(k.first, t);
    for (const line of (hdr[0] ?? '').split('\\r\\n')) {
      const m = /^(x-cid|x-call-id|x-orig-call-id|x-original-call-id)\s*:\s*(.*?)\s*$/i.exec(line);
      if (m) k.xcid.add(m[2]);
    }
    for (const u of [...local, ...remote]) if (/[1-9a-f]/i.test(u)) k.uuid.add(u.replaceAll('-', '').toLowerCase());
    for (const v of pcv) {
      const m = /icid-value\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(v);
      if (m) k.icid.add(m[1] ?? m[2]);
    }
    for (const [i, id] of oSess.entries()) k.sdp.push([`${id} ${oAddr[i]}`, t]);
  }
  const parent = keys.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const reasons = keys.map(() => new Set<string>());
  const shares = (a: Set<string>, b: Set<string>) => [...a].some((x) => b.has(x));
  for (let i = 0; i < keys.length; i++)
    for (let j = i + 1; j < keys.length; j++) {
      const [a, b] = [keys[i], keys[j]];
      const by: string[] = [];
      if (a.leg.callId === b.leg.callId) by.push('call-id');
      if (a.xcid.has(b.leg.callId) || b.xcid.has(a.leg.callId)) by.push('x-cid');
      if (shares(a.uuid, b.uuid)) by.push('session-id');
      if (shares(a.icid, b.icid)) by.push('icid');
      if (a.sdp.some(([o, t]) => b.sdp.some(([p, u]) => o === p && Math.abs(t - u) <= 10))) by.push('sdp');
      for (const r of by) {
        reasons[i].add(r);
        reasons[j].add(r);
      }
      if (by.length) parent[find(i)] = find(j);
    }
  const ORDER = ['call-id', 'x-cid', 'session-id', 'icid', 'sdp'];
  const out = new Map<string, { callGroup: string; correlatedBy: string[] }>();
  keys.forEach((k, i) => {
    const members = keys.filter((_, j) => find(j) === find(i));
    const earliest = members.reduce((x, y) => (y.first < x.first ? y : x));
    out.set(keyOf(k.leg.callId, k.leg.spec.fromTag), {
      callGroup: earliest.leg.callId,
      correlatedBy: ORDER.filter((r) => reasons[i].has(r)),
    });
  });
  return out;
}

/** Every record's callGroup and correlatedBy against tsharkGroups. */
async function sameGroups(path: string, records: Record<string, any>[], legs: Leg[]): Promise<void> {
  const groups = await tsharkGroups(path, legs);
  expect(groups.size, 'tshark: a leg per record').toBe(records.length);
  for (const r of records) {
    const leg = legs.find((l) => l.callId === r.SIP_CALL_ID && l.callerTags.includes(r.fromTag));
    const g = leg && groups.get(keyOf(leg.callId, leg.spec.fromTag));
    expect({ callGroup: r.callGroup, correlatedBy: r.correlatedBy }, `${r.SIP_CALL_ID} ${r.fromTag}`).toEqual(g);
  }
}

let fieldsChecked = 0;
let recordsChecked = 0;
afterAll(() => {
  if (recordsChecked > 0) console.info(`[correlation] ${recordsChecked} records compared, ${fieldsChecked} values`);
});

// ---------------------------------------------------------------- scenarios one by one

describe.each(CASES)('$name', ({ name, build, want }) => {
  const scenario = build(T0);
  let path = '';
  let records: Record<string, any>[] = [];

  beforeAll(async () => {
    path = tmp.write(`${scenario.name}.pcap`, captureOf([scenario]));
    records = await readJsonl(path);
  });

  test(`records: leg, fromTag, callGroup, correlatedBy, messages and the ${NPROBE_FIELDS} nProbe fields`, () => {
    expect(records, name).toHaveLength(want.length);
    fieldsChecked += compare(
      records,
      want.map((w) => ({ base: T0, want: w })),
    );
    recordsChecked += records.length;
  });

  test.skipIf(tsharkGate.missing.length > 0)("tshark's frames per leg = the record's messages", async () => {
    await againstTshark(path, records, scenario.legs);
  });

  test.skipIf(tsharkGate.missing.length > 0)("the groups tshark's decoding gives = callGroup and correlatedBy", async () => {
    await sameGroups(path, records, scenario.legs);
  });
});

// ---------------------------------------------------------------- all of them at once

describe('every scenario interleaved in one capture (one second apart)', () => {
  const scenarios = CASES.map((c, i) => c.build(T0 + 100 + i));
  let path = '';
  let records: Record<string, any>[] = [];

  beforeAll(async () => {
    path = tmp.write('all.pcap', captureOf(scenarios));
    records = await readJsonl(path);
  });

  test('the same records as each alone', () => {
    const wants = CASES.flatMap((c, i) => c.want.map((w) => ({ base: T0 + 100 + i, want: w })));
    expect(records).toHaveLength(wants.length);
    fieldsChecked += compare(records, wants);
    recordsChecked += records.length;
    // one group per end-to-end call: 1 + 4 + 2 + 2 + 4 + 2 + 1 + 1
    expect(new Set(records.map((r) => r.callGroup)).size).toBe(17);
  });

  test.skipIf(tsharkGate.missing.length > 0)("tshark's frames per leg = the record's messages", async () => {
    await againstTshark(
      path,
      records,
      scenarios.flatMap((s) => s.legs),
    );
  });

  test.skipIf(tsharkGate.missing.length > 0)("the groups tshark's decoding gives = callGroup and correlatedBy", async () => {
    await sameGroups(
      path,
      records,
      scenarios.flatMap((s) => s.legs),
    );
  });
});

// ---------------------------------------------------------------- SIPp on loopback

const SIPP_FILTER = 'udp and (portrange 29800-29809 or portrange 29900-29949)';

interface Pair {
  name: string;
  /** caller scenario file in test/support/sipp */
  uac: string;
  /** -key arguments of the caller */
  keys: [string, string][];
  callId: string;
  /** the caller starts once the INVITEs of the first wave are on the wire */
  wave: 1 | 2;
  /** how long the caller holds the call (SIPp -d) */
  holdMs: number;
  sip: { callee: number; caller: number };
  media: { callee: number; caller: number };
}

function hex32(): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += '0123456789abcdef'[Math.floor(Math.random() * 16)];
  return s;
}

interface Recorded {
  pcap: string;
  /** process id of each pair's caller and callee (SIPp's [pid]) */
  pids: Map<string, { uac: number; uas: number }>;
}

/**
 * Run the pairs under one tcpdump on lo: every callee first, then the first wave of callers; the
 * second wave starts once the first wave's INVITEs are in the capture file (tcpdump -U writes
 * each packet as it comes), so the first call of each group is the earliest. Bounded in time;
 * every process started here is ended by its id before this returns.
 */
async function recordPairs(dir: string, pairs: Pair[], timeoutMs = 40_000): Promise<Recorded> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(0, deadline - Date.now());
  const pcap = join(dir, 'pairs.pcap');
  const sipp = toolPath('sipp');
  const pids = new Map<string, { uac: number; uas: number }>();
  const tcpdump = await startLoopbackCapture(dir, pcap, SIPP_FILTER, left(), 4096);
  const procs: Bg[] = [tcpdump];
  try {
    const uas = new Map<string, Bg>();
    for (const p of pairs) {
      const args = ['-sf', join(SCENARIO_DIR, 'uas-corr.xml'), '-i', '127.0.0.1', '-p', String(p.sip.callee)];
      args.push('-mi', '127.0.0.1', '-mp', String(p.media.callee), ...SIPP_COMMON);
      const b = startBg(`sipp callee ${p.name}`, sipp, args, { cwd: dir });
      procs.push(b);
      uas.set(p.name, b);
    }
    for (const p of pairs)
      await waitFor(() => portBound(p.sip.callee), Math.min(5000, left()), `callee ${p.name} to listen`, uas.get(p.name));
    const uac = new Map<string, Bg>();
    const startCaller = (p: Pair): void => {
      const args = ['-sf', join(SCENARIO_DIR, p.uac), `127.0.0.1:${p.sip.callee}`, '-i', '127.0.0.1', '-p', String(p.sip.caller)];
      args.push('-mi', '127.0.0.1', '-mp', String(p.media.caller), '-cid_str', p.callId, '-d', String(p.holdMs));
      for (const [k, v] of p.keys) args.push('-key', k, v);
      const b = startBg(`sipp caller ${p.name}`, sipp, [...args, ...SIPP_COMMON], { cwd: dir });
      procs.push(b);
      uac.set(p.name, b);
    };
    const first = pairs.filter((p) => p.wave === 1);
    first.forEach(startCaller);
    const onWire = (s: string) => existsSync(pcap) && readFileSync(pcap).includes(Buffer.from(`Call-ID: ${s}\r\n`));
    await waitFor(() => first.every((p) => onWire(p.callId)), Math.min(10_000, left()), 'the first INVITEs in the capture', tcpdump);
    pairs.filter((p) => p.wave === 2).forEach(startCaller);
    await allSucceed([...uac.values(), ...uas.values()], left);
    for (const p of pairs) pids.set(p.name, { uac: uac.get(p.name)!.pid, uas: uas.get(p.name)!.pid });
    await finishLoopbackCapture(tcpdump, pcap, left());
    return { pcap, pids };
  } finally {
    for (const b of procs) await stopBg(b, b === tcpdump ? 'SIGINT' : 'SIGKILL', 2000);
  }
}

describe.skipIf(sippGate.missing.length > 0)('SIPp pairs on loopback: X-CID and Session-ID tie calls, other pairs stay apart', () => {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const sidFirst = hex32();
  const sidSecond = hex32();
  const NULL = '0'.repeat(32);
  const pair = (i: number, p: Omit<Pair, 'sip' | 'media'>): Pair => ({
    ...p,
    sip: { callee: 29800 + 2 * i, caller: 29801 + 2 * i },
    media: { callee: 29900 + 10 * i, caller: 29905 + 10 * i },
  });
  const id = (name: string) => `corr-${name}-${run}@127.0.0.1`;
  const PAIRS: Pair[] = [
    pair(0, { name: 'x1', uac: 'uac-corr-plain.xml', keys: [], callId: id('x1'), wave: 1, holdMs: 3000 }),
    pair(1, { name: 'x2', uac: 'uac-corr-xcid.xml', keys: [['xcid', id('x1')]], callId: id('x2'), wave: 2, holdMs: 1000 }),
    pair(2, {
      name: 's1',
      uac: 'uac-corr-session.xml',
      keys: [
        ['sid_local', sidFirst],
        ['sid_remote', NULL],
      ],
      callId: id('s1'),
      wave: 1,
      holdMs: 3000,
    }),
    pair(3, {
      name: 's2',
      uac: 'uac-corr-session.xml',
      keys: [
        ['sid_local', sidSecond],
        ['sid_remote', sidFirst],
      ],
      callId: id('s2'),
      wave: 2,
      holdMs: 1000,
    }),
    pair(4, { name: 'lone', uac: 'uac-corr-plain.xml', keys: [], callId: id('lone'), wave: 1, holdMs: 3000 }),
  ];
  const GROUPS: Record<string, { group: string; by: string[] }> = {
    x1: { group: id('x1'), by: ['x-cid'] },
    x2: { group: id('x1'), by: ['x-cid'] },
    s1: { group: id('s1'), by: ['session-id'] },
    s2: { group: id('s1'), by: ['session-id'] },
    lone: { group: id('lone'), by: [] },
  };
  let rec: Recorded;
  let records: Record<string, any>[] = [];

  beforeAll(async () => {
    rec = await recordPairs(tmp.file(''), PAIRS);
    records = await readJsonl(rec.pcap);
  }, 120_000);

  test('one record per call, grouped by X-CID and by Session-ID, the rest alone', () => {
    expect(records.map((r) => r.SIP_CALL_ID).sort()).toEqual(PAIRS.map((p) => p.callId).sort());
    for (const p of PAIRS) {
      const r = records.find((x) => x.SIP_CALL_ID === p.callId)!;
      const pids = rec.pids.get(p.name)!;
      expect(
        { leg: r.leg, fromTag: r.fromTag, callGroup: r.callGroup, correlatedBy: r.correlatedBy, state: r.SIP_CALL_STATE },
        p.name,
      ).toEqual({
        leg: 1,
        fromTag: `corr${pids.uac}n1`,
        ...{ callGroup: GROUPS[p.name].group, correlatedBy: GROUPS[p.name].by },
        state: 'CALL_COMPLETED',
      });
    }
    // the group is named by its earliest call: the first wave's INVITE came first
    const inv = (n: string) => records.find((x) => x.SIP_CALL_ID === id(n))!.SIP_INVITE_TIME as number;
    expect(inv('x1')).toBeLessThan(inv('x2'));
    expect(inv('s1')).toBeLessThan(inv('s2'));
    recordsChecked += records.length;
  });

  test('the nProbe fields of every call, times as tshark reads them', async () => {
    const msgs = await tsharkSipMessages(rec.pcap, { extraFields: ['sip.from.tag', 'sip.to.tag'] });
    for (const p of PAIRS) {
      const r = records.find((x) => x.SIP_CALL_ID === p.callId)!;
      const pids = rec.pids.get(p.name)!;
      const mine = msgs.filter((m) => m.callId === p.callId);
      const first = (ok: (m: (typeof mine)[number]) => boolean): number | null => {
        const m = mine.find(ok);
        return m ? Number(tsharkTimeWithDigits(m.time, 6)) : null;
      };
      const exp = {
        SIP_CALL_ID: p.callId,
        SIP_CALLING_PARTY: `"Corr Caller" <sip:caller@127.0.0.1:${p.sip.caller}>`,
        SIP_CALLED_PARTY: `<sip:callee@127.0.0.1:${p.sip.callee}>`,
        SIP_RTP_CODECS: 'PCMA',
        SIP_INVITE_TIME: first((m) => m.method === 'INVITE'),
        SIP_TRYING_TIME: first((m) => m.status === 100),
        SIP_RINGING_TIME: first((m) => m.status === 180),
        SIP_INVITE_OK_TIME: first((m) => m.status === 200 && m.cseqMethod === 'INVITE'),
        SIP_INVITE_FAILURE_TIME: null,
        SIP_BYE_TIME: first((m) => m.method === 'BYE'),
        SIP_BYE_OK_TIME: first((m) => m.status === 200 && m.cseqMethod === 'BYE'),
        SIP_CANCEL_TIME: null,
        SIP_CANCEL_OK_TIME: null,
        SIP_RTP_IPV4_SRC_ADDR: '127.0.0.1',
        SIP_RTP_L4_SRC_PORT: p.media.caller,
        SIP_RTP_IPV4_DST_ADDR: '127.0.0.1',
        SIP_RTP_L4_DST_PORT: p.media.callee,
        SIP_RESPONSE_CODE: 200,
        SIP_REASON_CAUSE: null,
        SIP_UAC: 'sipscope-corr-caller',
        SIP_UAS: 'sipscope-corr-callee',
        SIP_C_IP: '127.0.0.1',
        SIP_CALL_STATE: 'CALL_COMPLETED',
        fromTag: `corr${pids.uac}n1`,
        messages: 7,
      };
      const got = Object.fromEntries(Object.keys(exp).map((k) => [k, r[k]]));
      expect(got, p.name).toEqual(exp);
      // tshark's view of the leg: the frames of the Call-ID with the caller's tag as From- or To-tag
      const ofLeg = mine.filter((m) => m.extra['sip.from.tag']?.[0] === r.fromTag || m.extra['sip.to.tag']?.[0] === r.fromTag);
      expect(ofLeg.length, `${p.name}: tshark's frames of the leg`).toBe(r.messages);
      fieldsChecked += Object.keys(exp).length;
    }
  });
});
