// Finds and compiles the WASM core next to the running code (source tree or bundled build/).

import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from '../shared/engine/engine.ts';

let compiled: Promise<WebAssembly.Module> | null = null;

export function corePath(): string {
  const candidates = [new URL('./core.wasm', import.meta.url), new URL('../build/core.wasm', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error('build/core.wasm is missing: run `npm run build` (npm install does it)');
}

export async function createEngine(): Promise<Engine> {
  compiled ??= readFile(corePath()).then((b) => WebAssembly.compile(b));
  return Engine.create(await compiled);
}
