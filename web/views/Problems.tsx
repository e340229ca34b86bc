// Everything that went wrong, above the panes: the run failing or stopping early, each file that
// could not be read (or only in part), gzip warnings, a failed download.

import type { RunView } from '../state/page-state.ts';
import { fileProblem } from './RunStats.tsx';

function problemsOf(run: RunView, downloadError: string | null): string[] {
  const problems: string[] = [];
  if (run.error) problems.push(run.phase === 'error' ? `The analysis failed: ${run.error}` : `The analysis stopped early: ${run.error}`);
  for (const f of run.summary?.files ?? []) {
    const p = fileProblem(f);
    // error 1 (not a capture) and 5 (empty) mean no byte of the file was used
    if (p) problems.push(`${f.name}: ${p}${f.error === 1 || f.error === 5 ? ' — nothing was read from this file.' : ''}`);
    if (f.warning) problems.push(`${f.name}: warning: ${f.warning}`);
  }
  if (downloadError) problems.push(downloadError);
  return problems;
}

export function Problems({ run, downloadError }: { run: RunView; downloadError: string | null }) {
  const problems = problemsOf(run, downloadError);
  if (problems.length === 0) return null;
  return (
    <ul className="problems" data-testid="problems" role="alert">
      {problems.map((p, k) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the list only grows at its end
        <li key={k} className="error">
          {p}
        </li>
      ))}
    </ul>
  );
}
