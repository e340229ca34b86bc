// Paths every test shares: the repository, the CLI, the shipped sample and the public corpus.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** the CLI as a user runs it (built into build/cli.js) */
export const BIN = join(repoRoot, 'bin', 'sipscope.js');
/** the CLI from the source tree, run through tsx (the code the web site is built from) */
export const CLI_SOURCE = join(repoRoot, 'node', 'cli.ts');
export const SAMPLE = join(repoRoot, 'samples', 'sample.pcap');
/** the public corpus next to the repository (read-only; may be absent outside CI) */
export const CORPUS = resolve(repoRoot, '..', 'shared', 'corpus', 'public');

/** The capture files of the public corpus, sorted; [] when it is absent. */
export function corpusCaptures(): string[] {
  return existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => /\.(pcap|pcapng|cap)(\.gz)?$/i.test(f))
        .sort()
    : [];
}
