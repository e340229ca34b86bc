// Which case is which: case n of a run with seed S is made from the seed captures with the random
// source caseSeed(S, n) alone, so any case can be made again, anywhere, from (S, n). Cases run in
// batches of BATCH on one engine (as files of one `read`); each batch starts with a new engine,
// so a case's history is the cases before it in its batch, whatever the number of workers.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseSeed, Rng } from './havoc.ts';
import { makeCase, type CaseOrigin } from './mutate.ts';
import type { CaseOptions } from './pipeline.ts';
import { projectSeeds, type Seed } from './seeds.ts';

export const BATCH = 256;

export interface SeedPool {
  project: Seed[];
  /** captures of the public corpus (`--corpus`): used at run time, never written into the repository */
  corpus: Seed[];
}

export function seedPool(corpusDir: string | null): SeedPool {
  const corpus: Seed[] = [];
  if (corpusDir) {
    for (const f of readdirSync(corpusDir).sort()) {
      if (!/\.(pcap|pcapng|cap)$/i.test(f)) continue;
      corpus.push({ name: `corpus:${f}`, bytes: new Uint8Array(readFileSync(join(corpusDir, f))) });
    }
  }
  return { project: projectSeeds(), corpus };
}

export interface Case {
  bytes: Uint8Array;
  opts: CaseOptions;
  origin: CaseOrigin;
  /** made from a corpus capture: its findings stay out of the repository */
  fromCorpus: boolean;
}

export function makeCaseN(pool: SeedPool, seed: number, n: number): Case {
  const rng = new Rng(caseSeed(seed, n));
  const useCorpus = pool.corpus.length > 0 && rng.chance(0.5);
  const s = rng.pick(useCorpus ? pool.corpus : pool.project);
  const all = pool.corpus.length ? [...pool.project, ...pool.corpus] : pool.project;
  const other = rng.chance(0.3) ? rng.pick(all) : null;
  const origin: CaseOrigin = { seed: s.name, mutations: [] };
  const bytes = makeCase(s.bytes, rng, other?.bytes ?? null, origin);
  if (other) origin.seed += ` (+ ${other.name})`;
  const opts: CaseOptions = {
    chunk: rng.chance(0.2) ? rng.pick(bytes.length < 20_000 ? [1, 7, 64, 1000, 4096] : [1000, 4096, 65536]) : 0,
    allDialogs: rng.chance(0.5),
    keepMessages: rng.chance(0.2),
    maxCalls: rng.chance(0.1) ? rng.range(1, 4) : 1_000_000,
  };
  return { bytes, opts, origin, fromCorpus: useCorpus || (other?.name.startsWith('corpus:') ?? false) };
}
