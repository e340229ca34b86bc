// Runs once before the tests: the CLI tests spawn build/cli.js and build/core.wasm, so rebuild
// them when they are missing or older than their sources (node/, shared/, assembly/).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

function newestMtime(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const outs = ['cli.js', 'export-worker.js', 'hep-worker.js', 'core.wasm'].map((f) => join(repoRoot, 'build', f));
  const src = Math.max(...['node', 'shared', 'assembly'].map((d) => newestMtime(join(repoRoot, d))));
  if (outs.every((o) => existsSync(o) && statSync(o).mtimeMs >= src)) return;
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe', timeout: 240_000, killSignal: 'SIGKILL' });
}
