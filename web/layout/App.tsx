// The page frame: load captures (drop anywhere, or choose files), watch them being read, browse
// the calls, open a call's ladder and details, read the run's statistics, download the outputs.
// State and actions come from the store (state/use-page.ts); this file only lays the page out.

import { useEffect, useState, type CSSProperties, type DragEvent } from 'react';
import { usePage } from '../state/use-page.ts';
import { DropZone, FileInput } from '../views/DropZone.tsx';
import { OptionsPanel } from '../views/OptionsPanel.tsx';
import { Downloads } from '../views/Downloads.tsx';
import { StatusBar } from '../views/StatusBar.tsx';
import { Problems } from '../views/Problems.tsx';
import { DetailPane, ListPane } from './Panes.tsx';
import { Splitter, savedShare } from '../views/Splitter.tsx';
import { clockAt, type TimeZone } from '../format.ts';

export function App() {
  const page = usePage();
  const { state, actions } = page;
  const { run, options } = state;
  // files are dragged over the page (drop targets light up)
  const [over, setOver] = useState(false);
  // the list's share of the height, dragged by the splitter and remembered
  const [share, setShare] = useState(savedShare);
  // until the user sets the split, it follows the window's height
  useEffect(() => {
    const onResize = () => setShare(savedShare());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  const onDragOver = (e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    if (!over) setOver(true);
  };
  const onDragLeave = (e: DragEvent) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void actions.start(e.dataTransfer.files, options);
  };

  const idle = run.phase === 'idle';
  const running = run.phase === 'running';

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the whole page is a drop target; the file input is the keyboard way in
    <div className={over ? 'app dragging' : 'app'} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      <FileInput onFiles={(files) => void actions.start(files, options)} />
      <header className="top">
        <h1>
          sipscope <small>SIP calls from packet captures</small>
        </h1>
        {!idle && <DropZone landing={false} over={over} />}
        <OptionsPanel
          options={options}
          usedOptions={state.usedOptions}
          canReanalyze={run.files.length > 0 && !running}
          onChange={actions.setOptions}
          onReanalyze={() => void actions.start(run.files, options)}
        />
        <Downloads
          enabled={run.phase === 'done' && run.summary !== null}
          preparing={state.preparing}
          onDownload={(kind, ext) => void actions.download(kind, ext)}
        />
      </header>

      <StatusBar
        run={run}
        doneRuns={state.doneRuns}
        onCancel={actions.cancel}
        extra={
          <label
            className="zone"
            title="Times in the list, the ladder and the details: UTC (as every output writes them) or this browser's time zone"
          >
            times{' '}
            <select value={state.zone} onChange={(e) => actions.setZone(e.currentTarget.value as TimeZone)} data-testid="time-zone">
              <option value="utc">UTC</option>
              <option value="local">local ({clockAt('local', Date.now() / 1000).name})</option>
            </select>
          </label>
        }
      />
      <Problems run={run} downloadError={state.downloadError} />

      {idle ? (
        <DropZone landing over={over} />
      ) : (
        <main className={state.showCall ? 'panes show-call' : 'panes'} style={{ '--list-share': share } as CSSProperties}>
          <ListPane page={page} />
          <Splitter share={share} onShare={setShare} />
          <DetailPane page={page} />
        </main>
      )}
    </div>
  );
}
