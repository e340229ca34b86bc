// A temporary folder for a test file or a describe block: made under os.tmpdir() before its
// first test, removed (with everything in it) after its last. Call at the top of the file or of
// the describe block it serves; use it only inside hooks and tests.

import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  /** the folder (throws before beforeAll has run) */
  readonly path: string;
  /** a path inside the folder */
  file(...names: string[]): string;
  /** write `data` to `name` inside the folder; returns its path */
  write(name: string, data: Uint8Array | string): string;
}

/** A folder named sipscope-`label`-XXXXXX, for the current file or describe block. */
export function tempDir(label: string): TempDir {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `sipscope-${label}-`));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    dir = '';
  });
  const t: TempDir = {
    get path() {
      if (!dir) throw new Error(`temporary folder "${label}" used outside its tests`);
      return dir;
    },
    file: (...names) => join(t.path, ...names),
    write: (name, data) => {
      const f = t.file(name);
      writeFileSync(f, data);
      return f;
    },
  };
  return t;
}
