// The two panes under the header once a capture is loaded: the call list (left) and the tabs of
// the selected call and the run (right). They pick which view shows and wire it to the store.

import { useCallback, type ReactNode } from 'react';
import type { Page } from '../state/use-page.ts';
import type { Tab } from '../state/page-state.ts';
import { CallList } from '../views/CallList.tsx';
import { ListTools } from '../views/ListTools.tsx';
import { LadderView } from '../views/LadderView.tsx';
import { Details } from '../views/Details.tsx';
import { MediaView } from '../views/MediaView.tsx';
import { RunStats } from '../views/RunStats.tsx';
import { KpiView } from '../views/KpiView.tsx';
import { PacketDownload } from '../views/PacketDownload.tsx';
import { ColumnChooser } from '../views/ColumnChooser.tsx';

const TABS: [Tab, string][] = [
  ['ladder', 'Ladder'],
  ['media', 'Media'],
  ['details', 'Call details'],
  ['kpis', 'KPIs'],
  ['stats', 'Run statistics'],
];

export function ListPane({ page }: { page: Page }) {
  const { state, actions, view, matched, total, calls } = page;
  const { run } = state;
  // non-INVITE dialogs the run counted but made no records of (REGISTER, OPTIONS… without "all dialogs")
  const dialogs = Object.entries(run.summary?.stats.tracker.methods ?? {});
  const offerDialogs = total === 0 && run.phase === 'done' && dialogs.length > 0 && state.usedOptions.allDialogs !== true;
  const empty: ReactNode =
    run.phase === 'running' ? (
      'Calls appear here as they end…'
    ) : offerDialogs ? (
      <span data-testid="offer-dialogs">
        No calls (INVITE dialogs) in this capture, but {dialogs.map(([m, n]) => `${m} ${n}`).join(', ')}: these are not calls, so they make
        no records unless asked for.{' '}
        <button
          type="button"
          data-testid="show-dialogs"
          onClick={() => {
            const options = { ...state.options, allDialogs: true };
            actions.setOptions({ allDialogs: true });
            void actions.start(run.files, options);
          }}
        >
          Show them as records
        </button>
      </span>
    ) : total === 0 ? (
      run.phase === 'error' ? (
        'No calls: the analysis failed.'
      ) : (
        'No calls in this capture. See “Run statistics” for what was read and what was not decoded.'
      )
    ) : (
      'No call matches the filter.'
    );
  return (
    <section className="list-pane">
      <ListTools
        query={state.query}
        queryError={page.filterError}
        stateFilter={state.stateFilter}
        verdictFilter={state.verdictFilter}
        onQuery={actions.setQuery}
        onStateFilter={actions.setStateFilter}
        onVerdictFilter={actions.setVerdictFilter}
        grouped={state.grouped}
        onGrouped={actions.setGrouped}
        groupFilter={state.groupFilter}
        onGroupFilter={actions.setGroupFilter}
        total={total}
        calls={calls}
        shown={matched}
        extra={
          <>
            <ColumnChooser hidden={state.hiddenColumns} onShow={actions.showColumn} />
            {run.phase === 'done' && matched > 0 ? (
              <span className="list-packets">
                <label
                  className="anonymize"
                  title="Packet downloads with user parts, host and display names and addresses replaced by pseudonyms (the same ones for this page's life): `sipscope extract --anonymize`"
                >
                  <input
                    type="checkbox"
                    checked={state.anonymize}
                    onChange={(e) => actions.setAnonymize(e.currentTarget.checked)}
                    data-testid="anonymize"
                  />{' '}
                  anonymised
                </label>
                <PacketDownload
                  scope="list"
                  label={`${matched === 1 ? 'listed call' : `${matched} listed calls`} .pcapng`}
                  enabled
                  preparing={state.preparing === 'packets-list'}
                  onDownload={() =>
                    void actions.downloadPackets(
                      'list',
                      page.matchedRows.map((r) => r.i),
                      matched === total ? 'calls' : 'filtered',
                    )
                  }
                />
              </span>
            ) : null}
          </>
        }
      />
      <CallList
        hidden={state.hiddenColumns}
        zone={state.zone}
        rows={view}
        total={total}
        selected={state.selected}
        onSelect={actions.select}
        onOpen={actions.open}
        onToggle={actions.expand}
        sort={state.sort}
        onSort={actions.sortBy}
        empty={empty}
      />
    </section>
  );
}

export function DetailPane({ page }: { page: Page }) {
  const { state, actions, selectedRow, selectedLegs } = page;
  const { tab, run, callData } = state;
  // the plot of the call shown (a stable callback: the Media tab starts it after a pause)
  const plotRun = callData?.runId ?? null;
  const plotCall = callData?.i ?? null;
  const onPlot = useCallback(() => {
    if (plotRun !== null && plotCall !== null) void actions.plotMedia(plotRun, plotCall);
  }, [actions, plotRun, plotCall]);
  let body: ReactNode;
  if (tab === 'kpis') {
    body = run.summary ? (
      <KpiView kpis={run.summary.kpis} onFilter={actions.setQuery} />
    ) : (
      <p className="note">
        {run.phase === 'running' ? 'The KPIs are shown when the input is read.' : 'No KPIs: the analysis did not finish.'}
      </p>
    );
  } else if (tab === 'stats') {
    body = run.summary ? (
      <RunStats summary={run.summary} sizes={run.files.map((f) => f.size)} />
    ) : (
      <p className="note">
        {run.phase === 'running' ? 'The statistics are shown when the input is read.' : 'No statistics: the analysis did not finish.'}
      </p>
    );
  } else if (selectedRow === null) {
    body = <p className="note">Select a call (click, or ↑ ↓ in the list; Enter opens its ladder).</p>;
  } else if (callData === null || callData.i !== selectedRow.i || (!callData.data && !callData.error)) {
    body = <p className="note">Loading call…</p>;
  } else if (callData.error || !callData.data) {
    body = <p className="error">{callData.error}</p>;
  } else if (tab === 'ladder') {
    body = (
      <LadderView
        zone={state.zone}
        row={selectedRow}
        data={callData.data}
        focusToken={state.focusLadder}
        prefs={state.ladderPrefs}
        onPrefs={actions.setLadderPrefs}
        legs={selectedLegs}
        legsView={state.legsView}
      />
    );
  } else if (tab === 'media') {
    const { plot } = state;
    const runId = callData.runId;
    const i = selectedRow.i;
    body = (
      <MediaView
        data={callData.data}
        plot={plot && plot.runId === runId && plot.i === i ? plot : null}
        captureBytes={run.totalBytes}
        runDone={run.phase === 'done'}
        onPlot={onPlot}
      />
    );
  } else {
    body = (
      <Details
        zone={state.zone}
        row={selectedRow}
        data={callData.data}
        legs={selectedLegs}
        onSelectLeg={actions.select}
        onShowLegs={actions.setGroupFilter}
      />
    );
  }

  return (
    <section className="detail-pane">
      <div className="tabs" role="tablist">
        <button type="button" className="back-to-list" data-testid="back-to-list" onClick={actions.showList}>
          ← Calls
        </button>
        {TABS.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'tab active' : 'tab'}
            data-testid={`tab-${t}`}
            onClick={() => actions.setTab(t)}
          >
            {label}
          </button>
        ))}
        {selectedRow && tab !== 'stats' && (
          <span className="tab-title" title={selectedRow.callId}>
            #{selectedRow.i + 1} {selectedRow.callId}
          </span>
        )}
        {selectedRow && tab !== 'stats' && (
          <span className="call-packets">
            <PacketDownload
              scope="call"
              label=".pcapng"
              enabled={run.phase === 'done'}
              preparing={state.preparing === 'packets-call'}
              onDownload={() => void actions.downloadPackets('call', [selectedRow.i], selectedRow.callId)}
            />
            {selectedLegs && selectedLegs.length > 1 && (
              <PacketDownload
                scope="group"
                label={`all ${selectedLegs.length} legs`}
                enabled={run.phase === 'done'}
                preparing={state.preparing === 'packets-group'}
                onDownload={() =>
                  void actions.downloadPackets(
                    'group',
                    selectedLegs.map((l) => l.i),
                    `${selectedRow.callId}-legs`,
                  )
                }
              />
            )}
          </span>
        )}
      </div>
      <div className="tab-body">{body}</div>
    </section>
  );
}
