// The run's statistics (SPEC §6): files, totals, the tracker's counts, and every reason a frame
// or message was not decoded — zeros included — so a user can tell why a call is missing.

import type { FileResult, RunSummary } from '../worker-protocol.ts';
import { COUNTER_INFO, PROBLEM_COUNTERS } from '../../shared/engine/core-abi.ts';
import { bytesText, rateText, secondsText } from '../format.ts';

const SUMMARY_COUNTERS = new Set(['frames', 'sipFrames', 'sipMessages', 'rtpFrames', 'otherFrames']);

export function fileProblem(f: FileResult): string | null {
  if (f.readError) return f.readError;
  if (f.message) return `${f.message} (at byte ${f.offset})`;
  return null;
}

/**
 * How much of a file was read: all of it, or up to where reading stopped (a damaged record, a cut
 * file, a read error, cancel). The engine's offset of a problem counts bytes of the inflated
 * stream in a gzip file, so there it is shown next to the compressed bytes read.
 */
export function readText(f: FileResult, size: number): string {
  const gzip = /\.gz$/i.test(f.name) || f.offset > size;
  if (f.error === 1 || f.error === 5) return size > 0 ? `nothing of ${bytesText(size)}` : bytesText(0);
  const used = f.error && !gzip && !f.readError ? Math.min(f.offset, size) : Math.min(f.bytesRead, size);
  const read = used < size ? `${bytesText(used)} of ${bytesText(size)}` : bytesText(size);
  return f.error && gzip ? `${read}, inflated data up to byte ${f.offset}` : read;
}

export function RunStats({ summary, sizes }: { summary: RunSummary; sizes?: readonly number[] }) {
  const c = summary.stats.engine.counters ?? {};
  const t = summary.stats.tracker ?? ({} as RunSummary['stats']['tracker']);
  const bytes = summary.files.reduce((n, f) => n + f.bytesRead, 0);
  const methods = Object.entries(t.methods ?? {});
  const causes = Object.entries(t.exportCauses ?? {}).filter(([, n]) => n > 0);
  const problems = COUNTER_INFO.filter(([k]) => PROBLEM_COUNTERS.has(k));
  const info = COUNTER_INFO.filter(([k]) => !PROBLEM_COUNTERS.has(k) && !SUMMARY_COUNTERS.has(k));
  const L = summary.ladders;

  return (
    <div className="run-stats" data-testid="run-stats">
      <section>
        <h3>Files</h3>
        <table>
          <tbody>
            {summary.files.map((f, i) => {
              const p = fileProblem(f);
              const size = Math.max(sizes?.[i] ?? f.bytesRead, f.bytesRead);
              const done = p ?? (f.bytesRead < size ? (summary.cancelled ? 'cancelled here' : 'not read to the end') : 'read completely');
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: one row per input file, in input order (names may repeat)
                <tr key={i} data-testid="file-status" className={p ? 'bad' : ''}>
                  <th>{f.name}</th>
                  <td className="nowrap">{readText(f, size)}</td>
                  <td>
                    {done}
                    {f.warning ? ` — warning: ${f.warning}` : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p>
          {summary.cancelled ? 'Cancelled by you: the calls still open were exported, as at the end of a file. ' : ''}
          {bytesText(bytes)} in {secondsText(summary.elapsedMs)} ({rateText(bytes, summary.elapsedMs)})
          {summary.firstRecordMs !== null ? `, first call after ${secondsText(summary.firstRecordMs)}` : ''}.
        </p>
      </section>
      <section>
        <h3>Totals</h3>
        <table>
          <tbody>
            <tr>
              <th>frames read</th>
              <td>{c.frames ?? 0}</td>
            </tr>
            <tr>
              <th>frames carrying SIP</th>
              <td>{c.sipFrames ?? 0}</td>
            </tr>
            <tr>
              <th>SIP messages</th>
              <td>{c.sipMessages ?? 0}</td>
            </tr>
            <tr>
              <th>RTP or RTCP frames to SDP endpoints</th>
              <td>{c.rtpFrames ?? 0}</td>
            </tr>
            <tr>
              <th>other traffic (decoded, not SIP)</th>
              <td>{c.otherFrames ?? 0}</td>
            </tr>
            <tr>
              <th>records</th>
              <td data-testid="stat-records">
                {summary.records} ({t.calls ?? 0} calls{t.dialogs ? `, ${t.dialogs} other dialogs` : ''})
              </td>
            </tr>
            <tr>
              <th>retransmissions / duplicates</th>
              <td>
                {t.retransmissions ?? 0} / {t.duplicates ?? 0}
              </td>
            </tr>
            <tr>
              <th>SIP messages without Call-ID/CSeq (not tracked)</th>
              <td>{t.malformed ?? 0}</td>
            </tr>
            <tr>
              <th>messages of non-INVITE dialogs</th>
              <td>{t.otherMessages ?? 0}</td>
            </tr>
            <tr>
              <th>late messages of exported calls</th>
              <td>{t.lateMessages ?? 0}</td>
            </tr>
            <tr>
              <th>calls exported early (table full)</th>
              <td>{t.evicted ?? 0}</td>
            </tr>
            <tr>
              <th>exported calls forgotten before 32 s (table full)</th>
              <td>{t.tombsDropped ?? 0}</td>
            </tr>
            <tr>
              <th>leg ties refused (group of 64 legs) / correlation keys not kept (8 per leg)</th>
              <td>
                {t.groupFull ?? 0} / {t.correlationKeysDropped ?? 0}
              </td>
            </tr>
            <tr>
              <th>non-INVITE dialogs (Call-IDs)</th>
              <td>{methods.length ? methods.map(([m, n]) => `${m} ${n}`).join(', ') : '—'}</td>
            </tr>
            <tr>
              <th>export causes</th>
              <td>{causes.length ? causes.map(([m, n]) => `${m} ${n}`).join(', ') : '—'}</td>
            </tr>
            <tr>
              <th>ladders kept</th>
              <td>
                {L.kept} calls ({bytesText(L.bytes)} of at most {Math.round(L.budget / 2 ** 20)} MiB)
                {L.dropped ? `; not kept for ${L.dropped} calls (limit reached)` : ''}
              </td>
            </tr>
          </tbody>
        </table>
      </section>
      <section>
        <h3>Not decoded</h3>
        <p className="note">
          Why a call may be missing: every frame or message that was not fully decoded is counted here by reason. A call whose INVITE is
          lost (truncated frame, fragment never completed, TCP gap, malformed SIP) has no record; REGISTER, OPTIONS and other non-INVITE
          dialogs are records only with “all dialogs”.
        </p>
        <table>
          <tbody>
            {problems.map(([k, label]) => (
              <tr key={k} className={(c[k] ?? 0) > 0 ? 'bad' : 'zero'} data-testid={`counter-${k}`}>
                <th>{label}</th>
                <td>{c[k] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Also counted</h3>
        <table>
          <tbody>
            {info.map(([k, label]) => (
              <tr key={k} className={(c[k] ?? 0) > 0 ? '' : 'zero'} data-testid={`counter-${k}`}>
                <th>{label}</th>
                <td>{c[k] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
