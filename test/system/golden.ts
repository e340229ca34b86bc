// Golden outputs: every output format of the CLI (JSONL, CSV, dump file, IPFIX file, NetFlow v9
// file, and the run statistics) for the project's sample, two generated captures and every file
// of the public corpus, reduced to SHA-256 digests in golden-outputs.json. A refactoring must
// leave every digest as it is; a change of behaviour updates the file in the same commit.
//
//   node --import tsx test/system/golden.ts --update        rewrite golden-outputs.json
//   node --import tsx test/system/golden.ts --write DIR     keep the outputs themselves in DIR
//                                                            (run on two commits, then diff)

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateCapture, GENERATOR_VERSION } from '../../bench/make-capture.ts';
import { runCli } from '../support/cli.ts';
import { CORPUS, repoRoot, SAMPLE } from '../support/paths.ts';

export { CORPUS };
export const GOLDEN_FILE = join(repoRoot, 'test', 'system', 'golden-outputs.json');

/** The generated inputs: small enough for a test, large enough to hit timers, TCP and RTP. */
const GENERATED = [
  { name: 'generated-voip-4MiB.pcap', opts: { kind: 'voip', seed: 11, concurrent: 40, targetBytes: 4 << 20 } },
  { name: 'generated-sip-only-3000.pcap', opts: { kind: 'sip-only', seed: 12, concurrent: 200, calls: 3000 } },
] as const;

export interface Golden {
  generatorVersion: number;
  /** input name -> output name -> sha256 hex */
  outputs: Record<string, Record<string, string>>;
}

/** Every input: [name shown in the golden file, path]. Generated captures go to workDir. */
export function goldenInputs(workDir: string): Array<[string, string]> {
  const inputs: Array<[string, string]> = [['sample.pcap', SAMPLE]];
  for (const g of GENERATED) {
    const path = join(workDir, g.name);
    if (!existsSync(path)) generateCapture({ ...g.opts, path });
    inputs.push([g.name, path]);
  }
  if (existsSync(CORPUS)) {
    for (const f of readdirSync(CORPUS).sort()) {
      if (/\.(pcap|pcapng|gz)$/.test(f)) inputs.push([`corpus/${f}`, join(CORPUS, f)]);
    }
  }
  return inputs;
}

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args, { timeoutMs: null });
  // exit 1 (a damaged input) still writes every output; anything else is a failure
  if (r.code === 0 || r.code === 1) return r.stderr;
  throw new Error(`sipscope ${args.join(' ')}: exit ${r.code ?? r.signal}\n${r.stderr.slice(0, 2000)}`);
}

/** All outputs of one input, as bytes, by output name. */
export async function outputsOf(input: string, dir: string): Promise<Record<string, Buffer>> {
  mkdirSync(dir, { recursive: true });
  const p = (n: string) => join(dir, n);
  // run 1: every dialog as JSONL, plus dump file and IPFIX file; the statistics on stderr
  const stats = await cli([
    'read',
    input,
    '--all-dialogs',
    '--format',
    'jsonl',
    '--out',
    p('records.jsonl'),
    '--dump-file',
    p('calls.sip'),
    '--ipfix-file',
    p('calls.ipfix'),
    '--no-progress',
  ]);
  // run 2: INVITE calls as CSV with ISO times, NetFlow v9 file
  await cli([
    'read',
    input,
    '--format',
    'csv',
    '--timestamp-format',
    '2',
    '--out',
    p('calls.csv'),
    '--export-format',
    'v9',
    '--ipfix-file',
    p('calls.v9'),
    '-q',
    '--no-progress',
  ]);
  // the statistics without run time, the output folder and where the input lies
  writeFileSync(
    p('stats.txt'),
    stats
      .split(dir)
      .join('OUT')
      .split(input)
      .join('INPUT')
      .replace(/\b\d+(\.\d+)? ?(s|ms|MB\/s|MiB\/s)\b/g, 'T'),
  );
  const out: Record<string, Buffer> = {};
  for (const n of ['records.jsonl', 'calls.csv', 'calls.sip', 'calls.ipfix', 'calls.v9', 'stats.txt']) out[n] = readFileSync(p(n));
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Digests of every output of every input; outputs kept under keepDir when given. */
export async function computeGolden(workDir: string, keepDir?: string): Promise<Golden> {
  const outputs: Golden['outputs'] = {};
  const inputs = goldenInputs(workDir);
  // two CLI processes at a time (the machine has two cores)
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const [name, path] = inputs[next++];
      const dir = keepDir ? join(keepDir, name.replace(/\//g, '_')) : mkdtempSync(join(workDir, 'out-'));
      const o = await outputsOf(path, dir);
      outputs[name] = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, sha(v)]));
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    }
  };
  await Promise.all([worker(), worker()]);
  const sorted = Object.fromEntries(inputs.map(([n]) => [n, outputs[n]]));
  return { generatorVersion: GENERATOR_VERSION, outputs: sorted };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const work = mkdtempSync(join(tmpdir(), 'sipscope-golden-'));
  const keep = args[0] === '--write' ? resolve(args[1]) : undefined;
  const g = await computeGolden(work, keep);
  rmSync(work, { recursive: true, force: true });
  if (args[0] === '--update') {
    writeFileSync(GOLDEN_FILE, JSON.stringify(g, null, 1) + '\n');
    console.log(`${basename(GOLDEN_FILE)}: ${Object.keys(g.outputs).length} inputs`);
  } else if (keep) {
    console.log(`outputs in ${keep}`);
  } else {
    console.log(JSON.stringify(g, null, 1));
  }
}
