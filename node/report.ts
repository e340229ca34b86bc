// The end-of-run statistics (SPEC §6): totals, then every reason a frame or message was not
// fully decoded, so a user can tell why a call is missing.

import { COUNTER_INFO, PROBLEM_COUNTERS } from '../shared/engine/core-abi.ts';
import type { RunStats } from '../shared/analyzer.ts';

export function statsReport(s: RunStats, records: number, seconds: number): string {
  const c = s.engine.counters;
  const t = s.tracker;
  const mb = s.engine.bytes / 1e6;
  const lines = [
    `sipscope: ${c.frames} frames, ${mb.toFixed(1)} MB in ${seconds.toFixed(2)} s; ${c.sipMessages} SIP messages, ${records} records` +
      ` (${t.calls} calls${t.dialogs ? `, ${t.dialogs} other dialogs` : ''})`,
  ];
  const other = Object.entries(t.methods)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  if (other) lines.push(`  non-INVITE dialogs (Call-IDs): ${other}`);
  lines.push(`  frames: ${c.sipFrames} SIP, ${c.rtpFrames} RTP or RTCP to SDP endpoints, ${c.otherFrames} other traffic`);
  if (t.retransmissions || t.duplicates) lines.push(`  retransmissions ${t.retransmissions}, duplicates ${t.duplicates}`);
  if (t.malformed) lines.push(`  SIP messages without Call-ID/CSeq (not tracked): ${t.malformed}`);
  if (t.evicted) lines.push(`  calls exported early, table full: ${t.evicted}`);
  if (t.tombsDropped) lines.push(`  exported calls forgotten before their late messages could come, table full: ${t.tombsDropped}`);
  if (t.groupFull || t.correlationKeysDropped) {
    lines.push(
      `  leg ties refused, group of 64 legs full: ${t.groupFull}; correlation keys not kept, 8 per leg: ${t.correlationKeysDropped}`,
    );
  }
  const problems = COUNTER_INFO.filter(([k]) => PROBLEM_COUNTERS.has(k) && c[k] > 0);
  const info = COUNTER_INFO.filter(
    ([k]) => !PROBLEM_COUNTERS.has(k) && c[k] > 0 && !['frames', 'sipFrames', 'sipMessages', 'rtpFrames', 'otherFrames'].includes(k),
  );
  if (problems.length) lines.push('  not decoded: ' + problems.map(([k, label]) => `${label} ${c[k]}`).join('; '));
  if (info.length) lines.push('  also: ' + info.map(([k, label]) => `${label} ${c[k]}`).join('; '));
  return lines.join('\n');
}
