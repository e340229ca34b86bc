// Above the call list: the filter (the language of SPEC §10, shared/filter.ts: what is wrong is
// shown under it, keys are completed with Tab or a click), the state filter, the media verdict filter, the "Group
// legs" switch, the chip of a call whose legs alone are listed (× shows every call again), and how
// many records, calls and shown rows there are.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { VERDICTS, VERDICT_NAMES } from '../verdicts.ts';
import { FILTER_KEYS, type FilterError } from '../../shared/filter.ts';
import { groupName } from '../state/call-groups.ts';

const STATES = ['CALL_COMPLETED', 'CALL_IN_PROGRESS', 'CALL_STARTED', 'CALL_CANCELED', 'CALL_ERROR', 'REGISTER', 'UNKNOWN'];

const KEYS = Object.keys(FILTER_KEYS);
const HINT = `Words, key=value (${KEYS.join(' ')}), = != < <= > >= ~ !~, or, not / -, ( ). E.g. code>=400 -state=canceled ip=10.0.0.0/8`;

/** The keys the word before the cursor may start (none once it has an operator). */
function keysFor(query: string, cursor: number): { word: string; start: number; keys: string[] } {
  let start = cursor;
  while (start > 0 && !/[\s(]/.test(query[start - 1])) start--;
  let word = query.slice(start, cursor);
  if (word.startsWith('-')) {
    word = word.slice(1);
    start++;
  }
  if (word === '' || !/^[a-z-]+$/i.test(word)) return { word, start, keys: [] };
  const keys = KEYS.filter((k) => k.startsWith(word.toLowerCase()) && k !== word.toLowerCase());
  return { word, start, keys };
}

export interface ListToolsProps {
  query: string;
  /** what is wrong with the query (the list is then not filtered by it) */
  queryError: FilterError | null;
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
  /** more controls at the end of the row (the packet download) */
  extra?: ReactNode;
}

export function ListTools({
  query,
  queryError,
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
  extra,
}: ListToolsProps) {
  const [cursor, setCursor] = useState(query.length);
  const box = useRef<HTMLInputElement>(null);
  // "/" anywhere but in a field goes to the filter (as in less, vi, GitHub, sngrep's F3)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      box.current?.focus();
      box.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const completion = keysFor(query, Math.min(cursor, query.length));
  /** Put `key` in place of the word being typed. */
  const complete = (key: string) => {
    const before = query.slice(0, completion.start) + key;
    onQuery(before + query.slice(completion.start + completion.word.length));
    setCursor(before.length);
  };
  return (
    <div className="list-tools">
      <span className="filter-box">
        <input
          ref={box}
          type="search"
          placeholder="Filter (/): words or key=value, e.g. code>=400 ip=10.0.0.0/8"
          title={HINT}
          value={query}
          onChange={(e) => {
            onQuery(e.currentTarget.value);
            setCursor(e.currentTarget.selectionStart ?? e.currentTarget.value.length);
          }}
          onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? 0)}
          onKeyDown={(e) => {
            if (e.key === 'Tab' && !e.shiftKey && completion.keys.length > 0) {
              e.preventDefault();
              complete(completion.keys[0]);
            }
          }}
          data-testid="filter"
          aria-label="Filter calls"
          aria-invalid={queryError !== null}
          aria-describedby={queryError ? 'filter-error' : undefined}
          spellCheck={false}
          autoComplete="off"
        />
        {completion.keys.length > 0 && (
          <span className="filter-keys" data-testid="filter-keys">
            {completion.keys.slice(0, 8).map((k) => (
              <button key={k} type="button" title={FILTER_KEYS[k].help} onMouseDown={(e) => e.preventDefault()} onClick={() => complete(k)}>
                {k}
              </button>
            ))}
          </span>
        )}
        {queryError && (
          <span className="filter-error" id="filter-error" role="alert" data-testid="filter-error" data-column={queryError.column}>
            {queryError.message} (column {queryError.column})
          </span>
        )}
      </span>
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
        {calls === total
          ? total === 1
            ? 'call'
            : 'calls'
          : `${total === 1 ? 'record' : 'records'} (${calls} ${calls === 1 ? 'call' : 'calls'})`}
        {shown !== total ? (
          <>
            , <span data-testid="shown-count">{shown}</span> shown
          </>
        ) : null}
      </span>
      {extra}
    </div>
  );
}
