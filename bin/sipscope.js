#!/usr/bin/env node
// Entry point: the bundled CLI is built by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';

const cli = new URL('../build/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('sipscope: not built yet — run `npm install` (or `npm run build`) in the sipscope folder\n');
  process.exit(1);
}
await import(cli.href);
