// The call list: a windowed grid (only the rows in view are in the DOM, so 100k calls scroll as
// smoothly as 10), sortable columns (the order itself is state/call-sort.ts), keyboard navigation
// (↑ ↓ PgUp PgDn Home End, Enter opens the ladder), state colours, the worst stream's MOS and a
// badge per media verdict (coloured by severity, the rule in its tooltip). Grouped, the legs of
// one call (SPEC §9) are one row with a ▸ button that shows them under it (→ ← on the keyboard).

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { CallRow } from '../worker-protocol.ts';
import type { Sort, SortKey } from '../state/call-sort.ts';
import { Q850, durationText, localStartText, partyText, type TimeZone } from '../format.ts';
import { VERDICTS } from '../verdicts.ts';
import type { Verdict } from '../../shared/record.ts';
import { isGroupRow, isLegRow, type GroupRow, type ListRow } from '../state/call-groups.ts';

interface Column {
  key: SortKey;
  title: string;
  width: string;
  align?: 'right';
  cell(r: CallRow): ReactNode;
  /** text for the tooltip */
  tip?(r: CallRow): string;
}

export const COLUMNS: readonly Column[] = [
  // numbered in time order (the page numbers the rows; the record number is in the tooltip)
  {
    key: 'i',
    title: '#',
    width: '48px',
    align: 'right',
    cell: (r) => r.n ?? r.i + 1,
    tip: (r) => `call ${r.n ?? r.i + 1} in time order; record ${r.i + 1} of the downloads`,
  },
  { key: 'start', title: 'Start (UTC)', width: '186px', cell: (r) => r.startText },
  {
    key: 'from',
    title: 'From',
    width: 'minmax(92px, 1fr)',
    cell: (r) => partyText(r.from),
    tip: (r) => `${r.from}\nUA: ${r.uac}\n${r.src}`,
  },
  { key: 'to', title: 'To', width: 'minmax(92px, 1fr)', cell: (r) => partyText(r.to), tip: (r) => `${r.to}\nUA: ${r.uas}\n${r.dst}` },
  {
    key: 'addr',
    title: 'Caller → callee',
    width: 'minmax(128px, 1.2fr)',
    cell: (r) => `${r.src} → ${r.dst}`,
    tip: (r) =>
      `signalling: ${r.src} → ${r.dst} (${({ 6: 'TCP', 17: 'UDP', 132: 'SCTP' } as Record<number, string>)[r.transport] ?? `protocol ${r.transport}`})`,
  },
  {
    key: 'state',
    title: 'State',
    width: '116px',
    cell: (r) => <span className={`state state-${r.state}`}>{r.state.replace(/^CALL_/, '')}</span>,
  },
  { key: 'setup', title: 'Setup', width: '66px', align: 'right', cell: (r) => durationText(r.setup) },
  { key: 'duration', title: 'Duration', width: '74px', align: 'right', cell: (r) => durationText(r.duration) },
  { key: 'code', title: 'Response', width: '74px', align: 'right', cell: (r) => (r.code ? r.code : '') },
  {
    key: 'cause',
    title: 'Reason',
    width: '62px',
    align: 'right',
    cell: (r) => (r.cause ? r.cause : ''),
    tip: (r) => (r.cause ? `Q.850 cause ${r.cause}${Q850[r.cause] ? `: ${Q850[r.cause]}` : ''}` : ''),
  },
  { key: 'codecs', title: 'Codecs', width: 'minmax(54px, 0.6fr)', cell: (r) => r.codecs, tip: (r) => r.codecs },
  {
    key: 'messages',
    title: 'Msgs',
    width: '46px',
    align: 'right',
    cell: (r) => r.messages,
    tip: (r) => `${r.messages} messages, ${r.retransmissions} retransmissions, ${r.duplicates} duplicates`,
  },
  {
    key: 'mos',
    title: 'MOS',
    width: '48px',
    align: 'right',
    cell: (r) => (r.mos === null ? '-' : r.mos.toFixed(2)),
    tip: (r) => (r.mos === null ? 'no RTP stream' : "the worst stream's estimated MOS (E-model)"),
  },
  {
    key: 'verdicts',
    title: 'Media',
    width: 'minmax(104px, 0.7fr)',
    cell: (r) => <VerdictBadges verdicts={r.verdicts} />,
    tip: (r) => r.verdicts.map((v) => VERDICTS[v]?.text ?? v).join('\n'),
  },
  {
    key: 'callId',
    title: 'Call-ID',
    width: 'minmax(64px, 0.9fr)',
    // a B2BUA's second leg of the same Call-ID says so
    cell: (r) => (r.leg > 1 ? `${r.callId} · leg ${r.leg}` : r.callId),
    tip: (r) => (r.leg > 1 ? `${r.callId} (leg ${r.leg})` : r.callId),
  },
];

/** The start column on the browser's clock. */
const LOCAL_START: Column = {
  ...COLUMNS.find((c) => c.key === 'start')!,
  title: 'Start (local)',
  cell: (r) => localStartText(r.start),
  tip: (r) => `${r.startText} UTC`,
};

/** Badges shown in a row at most; more are counted ("+2"), all are in the tooltip and the Media tab. */
const MAX_BADGES = 2;

/** A call's verdicts as badges, the worst first. */
function VerdictBadges({ verdicts }: { verdicts: readonly Verdict[] }) {
  if (verdicts.length === 0) return null;
  const worstFirst = [...verdicts].sort((a, b) => (VERDICTS[b]?.severity ?? 1) - (VERDICTS[a]?.severity ?? 1));
  const shown = worstFirst.length > MAX_BADGES ? worstFirst.slice(0, MAX_BADGES - 1) : worstFirst;
  return (
    <>
      {shown.map((v) => (
        <span key={v} className={`verdict sev-${VERDICTS[v]?.severity ?? 1}`} data-verdict={v}>
          {VERDICTS[v]?.badge ?? v}
        </span>
      ))}
      {shown.length < worstFirst.length && <span className="verdict more">+{worstFirst.length - shown.length}</span>}
    </>
  );
}

/** The columns shown (the column chooser hides some), their grid and the narrowest it gets (the
 *  sum of the columns' least widths: all of them fit a 1280 px window). */
function layout(hidden: ReadonlySet<SortKey>, zone: TimeZone) {
  const columns = COLUMNS.filter((c) => !hidden.has(c.key)).map((c) => (c.key === 'start' && zone === 'local' ? LOCAL_START : c));
  return {
    columns,
    grid: columns.map((c) => c.width).join(' '),
    minWidth: columns.reduce((n, c) => n + Number(/(\d+)px/.exec(c.width)?.[1] ?? 0), 0),
  };
}

const ROW_H = 24;
const OVERSCAN = 8;

/** A group row's cells that differ from a call's: the open/close button, and the Call-ID with its legs. */
function groupCell(key: SortKey, g: GroupRow, open: boolean, onToggle: (group: string) => void): ReactNode | undefined {
  if (key === 'i')
    return (
      <button
        type="button"
        className="group-toggle"
        data-testid="group-toggle"
        aria-expanded={open}
        aria-label={open ? 'Hide the legs of this call' : 'Show the legs of this call'}
        title={open ? 'Hide the legs (←)' : 'Show the legs (→)'}
        onMouseDown={(e) => e.stopPropagation()}
        onDoubleClick={(e) => e.stopPropagation()}
        onClick={() => onToggle(g.group)}
      >
        {open ? '▾' : '▸'} {g.legs.length}
      </button>
    );
  if (key === 'callId') return `${g.callGroup} · ${g.legs.length} legs`;
  return undefined;
}

function groupTip(key: SortKey, g: GroupRow): string | undefined {
  if (key === 'callId')
    return `${g.legs.length} legs of one call, tied by ${g.correlatedBy.join(', ')}:\n${g.legs.map((l) => `${l.callId} (leg ${l.leg})`).join('\n')}`;
  if (key === 'state') return `the worst state of its legs: ${g.legs.map((l) => l.state).join(', ')}`;
  return undefined;
}

/** A row's cells, one per column; a group row's own value and tooltip where it has one. */
function cells(columns: readonly Column[], r: CallRow, group: { open: boolean; onToggle: (group: string) => void } | null): ReactNode[] {
  const g = group !== null && isGroupRow(r) ? r : null;
  return columns.map((c) => (
    <div
      role="gridcell"
      key={c.key}
      className={c.align === 'right' ? 'cell right' : 'cell'}
      data-col={c.key}
      title={(g && groupTip(c.key, g)) ?? (c.tip ? c.tip(r) || undefined : undefined)}
    >
      {(g && group && groupCell(c.key, g, group.open, group.onToggle)) ?? c.cell(r)}
    </div>
  ));
}

export interface CallListProps {
  rows: readonly ListRow[];
  /** where the start times are shown */
  zone?: TimeZone;
  /** columns the chooser hid */
  hidden: ReadonlySet<SortKey>;
  total: number;
  selected: number | null;
  onSelect(i: number): void;
  onOpen(i: number): void;
  /** show or hide a group's legs (`open` omitted: the other way) */
  onToggle(group: string, open?: boolean): void;
  sort: Sort;
  onSort(key: SortKey): void;
  empty: ReactNode;
}

/** Row k is a group row with its legs shown under it. */
const isOpen = (rows: readonly ListRow[], k: number): boolean => {
  const r = rows[k];
  const next = rows[k + 1];
  return r !== undefined && isGroupRow(r) && next !== undefined && isLegRow(next) && next.under === r.group;
};

/** The row that stands for record `i`: its own, or its group's row while the group is closed. */
function rowOf(rows: readonly ListRow[], i: number): number {
  return rows.findIndex((r, k) => (isGroupRow(r) ? !isOpen(rows, k) && r.legs.some((l) => l.i === i) : r.i === i));
}

export function CallList({ rows, selected, onSelect, onOpen, onToggle, sort, onSort, empty, hidden, zone = 'utc' }: CallListProps) {
  const box = useRef<HTMLDivElement>(null);
  const { columns, grid: GRID, minWidth: GRID_MIN_WIDTH } = useMemo(() => layout(hidden, zone), [hidden, zone]);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const pos = selected === null ? -1 : rowOf(rows, selected);

  // keep the selected row in view
  useEffect(() => {
    const el = box.current;
    if (!el || pos < 0) return;
    const top = pos * ROW_H;
    const head = ROW_H; // the sticky header covers the first row's height
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight - head) el.scrollTop = top + ROW_H - el.clientHeight + head;
  }, [pos]);

  const onKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      if (rows.length === 0) return;
      const page = Math.max(1, Math.floor(height / ROW_H) - 2);
      let next: number | null = null;
      let dir = 1;
      // j and k as in less, vi and sngrep's lists
      const key = e.key === 'j' ? 'ArrowDown' : e.key === 'k' ? 'ArrowUp' : e.key;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      switch (key) {
        case 'ArrowDown':
          next = pos < 0 ? 0 : Math.min(rows.length - 1, pos + 1);
          break;
        case 'ArrowUp':
          next = pos < 0 ? 0 : Math.max(0, pos - 1);
          dir = -1;
          break;
        case 'PageDown':
          next = Math.min(rows.length - 1, Math.max(0, pos) + page);
          break;
        case 'PageUp':
          next = Math.max(0, pos - page);
          dir = -1;
          break;
        case 'Home':
          next = 0;
          break;
        case 'End':
          next = rows.length - 1;
          break;
        case 'ArrowRight':
        case 'ArrowLeft': {
          const r = rows[pos];
          const group = r === undefined ? null : isGroupRow(r) ? r.group : isLegRow(r) ? r.under : null;
          if (group === null) return;
          e.preventDefault();
          onToggle(group, e.key === 'ArrowRight');
          return;
        }
        case 'Enter':
          if (pos >= 0) {
            e.preventDefault();
            if (selected !== null) onOpen(selected);
          }
          return;
        default:
          return;
      }
      e.preventDefault();
      // an open group's row stands for no record of its own (its legs follow it): step over it
      while (isOpen(rows, next)) next += dir;
      if (next < 0) next = pos;
      if (next < 0) return;
      const r = rows[next];
      onSelect(isGroupRow(r) ? r.legs[0].i : r.i);
    },
    [rows, pos, height, selected, onSelect, onOpen, onToggle],
  );

  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);
  const visible: ReactNode[] = [];
  for (let k = first; k < last; k++) {
    const r = rows[k];
    const sel = k === pos;
    const odd = k % 2 ? ' odd' : '';
    if (isGroupRow(r)) {
      const open = isOpen(rows, k);
      visible.push(
        <div
          key={`g ${r.group}`}
          role="row"
          aria-rowindex={k + 2}
          aria-selected={sel}
          aria-expanded={open}
          className={`row group${open ? ' open' : ''}${sel ? ' selected' : ''}${odd}`}
          style={{ top: k * ROW_H, gridTemplateColumns: GRID }}
          data-testid="group-row"
          data-group={r.callGroup}
          data-legs={r.legs.length}
          data-index={r.i}
          data-call-id={r.callId}
          data-state={r.state}
          data-correlated-by={r.correlatedBy.join(' ')}
          data-verdicts={r.verdicts.join(' ')}
          onMouseDown={() => onSelect(r.legs.some((l) => l.i === selected) && selected !== null ? selected : r.legs[0].i)}
          onDoubleClick={() => onOpen(r.legs[0].i)}
        >
          {cells(columns, r, { open, onToggle })}
        </div>,
      );
      continue;
    }
    const leg = isLegRow(r);
    visible.push(
      <div
        key={leg ? `l ${r.i}` : r.i}
        role="row"
        aria-rowindex={k + 2}
        aria-selected={sel}
        className={`row${leg ? ` leg${r.match ? '' : ' nomatch'}` : ''}${sel ? ' selected' : ''}${odd}`}
        style={{ top: k * ROW_H, gridTemplateColumns: GRID }}
        data-testid="call-row"
        data-index={r.i}
        data-call-id={r.callId}
        data-leg={r.leg}
        data-call-group={r.callGroup}
        data-correlated-by={r.correlatedBy.join(' ')}
        data-leg-of={leg ? r.callGroup : undefined}
        data-state={r.state}
        data-verdicts={r.verdicts.join(' ')}
        onMouseDown={() => onSelect(r.i)}
        onDoubleClick={() => onOpen(r.i)}
      >
        {cells(columns, r, null)}
      </div>,
    );
  }

  return (
    <div
      className="call-list"
      ref={box}
      role="grid"
      aria-rowcount={rows.length + 1}
      aria-label="Calls"
      tabIndex={0}
      data-testid="call-list"
      onKeyDown={onKey}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="row head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: GRID, minWidth: GRID_MIN_WIDTH }}>
        {columns.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
            className={c.align === 'right' ? 'cell right' : 'cell'}
          >
            <button type="button" data-testid={`sort-${c.key}`} onClick={() => onSort(c.key)}>
              {c.title}
              {sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
            </button>
          </div>
        ))}
      </div>
      {rows.length === 0 ? (
        <div className="list-empty">{empty}</div>
      ) : (
        <div className="rows" style={{ height: rows.length * ROW_H, minWidth: GRID_MIN_WIDTH }}>
          {visible}
        </div>
      )}
    </div>
  );
}
