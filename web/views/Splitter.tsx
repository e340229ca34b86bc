// The bar between the call list and the call's panes: drag it (or focus it and press ↑ ↓) to give
// the list more or less of the height. The split is remembered in the browser (localStorage).

import { useCallback, useRef, type KeyboardEvent, type PointerEvent } from 'react';

const KEY = 'sipscope.listShare';
/** The list's share of the height by default: 15 rows and more in a window 760 px high or more
 *  (1280×800), less in a lower one, where the ladder below still needs room to be read. */
export function defaultShare(windowHeight: number): number {
  return windowHeight >= 760 ? 0.62 : 0.4;
}
const MIN = 0.15;
const MAX = 0.88;

const clamp = (v: number) => Math.min(MAX, Math.max(MIN, v));

/** The share remembered in this browser, else the default for this window. */
export function savedShare(): number {
  const fallback = defaultShare(typeof window === 'undefined' ? 800 : window.innerHeight);
  try {
    const v = Number(window.localStorage.getItem(KEY));
    return v > 0 ? clamp(v) : fallback;
  } catch {
    return fallback; // storage refused (private mode, file: pages)
  }
}

function save(v: number): void {
  try {
    window.localStorage.setItem(KEY, String(v));
  } catch {
    // not remembered, still applied
  }
}

export function Splitter({ share, onShare }: { share: number; onShare(v: number): void }) {
  const dragging = useRef(false);
  const set = useCallback(
    (v: number) => {
      const c = clamp(v);
      onShare(c);
      save(c);
    },
    [onShare],
  );
  const fromPointer = (e: PointerEvent<HTMLDivElement>) => {
    const box = e.currentTarget.parentElement?.getBoundingClientRect();
    if (box && box.height > 0) set((e.clientY - box.top) / box.height);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable separator that moves (an <hr> cannot take focus or keys)
    <div
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the call list"
      aria-valuemin={Math.round(MIN * 100)}
      aria-valuemax={Math.round(MAX * 100)}
      aria-valuenow={Math.round(share * 100)}
      tabIndex={0}
      data-testid="splitter"
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (dragging.current) fromPointer(e);
      }}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onKeyDown={(e: KeyboardEvent<HTMLDivElement>) => {
        if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
          e.preventDefault();
          set(share + (e.key === 'ArrowDown' ? 0.05 : -0.05));
        }
      }}
    />
  );
}
