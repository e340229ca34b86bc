// Which columns the call list shows: a menu of the columns with a box each (the choice is kept in
// the browser). The hidden ones are still filtered and sorted on; the Call details tab shows all.

import type { SortKey } from '../state/call-sort.ts';
import { COLUMNS } from './CallList.tsx';

export function ColumnChooser({ hidden, onShow }: { hidden: ReadonlySet<SortKey>; onShow(key: SortKey, shown: boolean): void }) {
  return (
    <details className="columns" data-testid="columns">
      <summary title="Choose the list's columns">
        Columns{hidden.size ? ` (${COLUMNS.length - hidden.size}/${COLUMNS.length})` : ''}
      </summary>
      <div className="columns-menu">
        {COLUMNS.map((c) => (
          <label key={c.key}>
            <input
              type="checkbox"
              checked={!hidden.has(c.key)}
              onChange={(e) => onShow(c.key, e.currentTarget.checked)}
              data-testid={`column-${c.key}`}
            />{' '}
            {c.key === 'i' ? '# (time order)' : c.title}
          </label>
        ))}
      </div>
    </details>
  );
}
