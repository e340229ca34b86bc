// Above the call list: the text filter, the state filter, the media verdict filter, the "Group
// legs" switch, the chip of a call whose legs alone are listed (× shows every call again), and how
// many records, calls and shown rows there are.

import { VERDICTS, VERDICT_NAMES } from '../verdicts.ts';
import { groupName } from '../state/call-groups.ts';

const STATES = ['CALL_COMPLETED', 'CALL_IN_PROGRESS', 'CALL_STARTED', 'CALL_CANCELED', 'CALL_ERROR', 'REGISTER', 'UNKNOWN'];

export interface ListToolsProps {
  query: string;
  stateFilter: string;
  verdictFilter: string;
  onQuery(query: string): void;
  onStateFilter(state: string): void;
  onVerdictFilter(verdict: string): void;
  grouped: boolean;
  onGrouped(grouped: boolean): void;
  /** the callGroup whose legs alone are listed, or null */
  groupFilter: string | null;
  onGroupFilter(group: string | null): void;
  /** records, calls among them, records shown */
  total: number;
  calls: number;
  shown: number;
}

export function ListTools({
  query,
  stateFilter,
  verdictFilter,
  onQuery,
  onStateFilter,
  onVerdictFilter,
  grouped,
  onGrouped,
  groupFilter,
  onGroupFilter,
  total,
  calls,
  shown,
}: ListToolsProps) {
  return (
    <div className="list-tools">
      <input
        type="search"
        placeholder="Filter: Call-ID, from, to, user agent"
        value={query}
        onChange={(e) => onQuery(e.currentTarget.value)}
        data-testid="filter"
        aria-label="Filter calls"
      />
      <select value={stateFilter} onChange={(e) => onStateFilter(e.currentTarget.value)} data-testid="state-filter" aria-label="State">
        <option value="">all states</option>
        {STATES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <select
        value={verdictFilter}
        onChange={(e) => onVerdictFilter(e.currentTarget.value)}
        data-testid="verdict-filter"
        aria-label="Media verdict"
      >
        <option value="">all media</option>
        <option value="none">no media problem</option>
        <option value="any">any media problem</option>
        {VERDICT_NAMES.map((v) => (
          <option key={v} value={v} title={VERDICTS[v].text}>
            {v}
          </option>
        ))}
      </select>
      <label className="group-legs" title="The legs of one call (through a B2BUA or SBC) as one row">
        <input type="checkbox" checked={grouped} onChange={(e) => onGrouped(e.currentTarget.checked)} data-testid="group-legs" /> Group legs
      </label>
      {groupFilter !== null && (
        <button
          type="button"
          className="chip"
          data-testid="group-filter-chip"
          data-group={groupName(groupFilter)}
          title={`Only the legs of the call ${groupName(groupFilter)} are listed: click to list every call`}
          onClick={() => onGroupFilter(null)}
        >
          <span className="chip-text">legs of {groupName(groupFilter)}</span> <span aria-hidden="true">×</span>
        </button>
      )}
      <span className="count">
        <b data-testid="call-count">{total}</b>{' '}
        {calls === total ? (total === 1 ? 'call' : 'calls') : `records (${calls} ${calls === 1 ? 'call' : 'calls'})`}
        {shown !== total ? (
          <>
            , <span data-testid="shown-count">{shown}</span> shown
          </>
        ) : null}
      </span>
    </div>
  );
}
