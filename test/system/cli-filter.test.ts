// `sipscope read --filter EXPR` and `--summary` (SPEC §10): every output holds exactly the
// selected records, as the same run without the filter writes them; a bad expression stops
// before anything is read (exit 2) with the column marked; the summary counts the selected calls.
// The language itself is test/unit/shared/filter.test.ts, the KPIs test/unit/shared/summary.test.ts.

import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { runCli } from '../support/cli.ts';
import { SAMPLE } from '../support/paths.ts';
import { tempDir } from '../support/temp.ts';
import { parseFilter } from '../../shared/filter.ts';
import { recordsOf } from '../support/engine.ts';

const tmp = tempDir('cli-filter');

describe('read --filter', () => {
  test('JSONL, CSV and the dump file hold the selected lines of the unfiltered run, in order', async () => {
    const expr = '(code>=400 or ua~yealink) -state=canceled';
    const all = await runCli(['read', SAMPLE, '--all-dialogs', '-q', '--format', 'jsonl', '--dump-file', tmp.file('all.sip')]);
    const some = await runCli([
      'read',
      SAMPLE,
      '--all-dialogs',
      '-q',
      '--format',
      'jsonl',
      '--dump-file',
      tmp.file('some.sip'),
      '--filter',
      expr,
    ]);
    expect(all.code).toBe(0);
    expect(some.code).toBe(0);
    const allLines = all.stdout.trim().split('\n');
    const want = allLines.filter((l) => {
      const r = JSON.parse(l) as { SIP_RESPONSE_CODE: number; SIP_UAC: string; SIP_UAS: string; SIP_CALL_STATE: string };
      return (r.SIP_RESPONSE_CODE >= 400 || /yealink/i.test(r.SIP_UAC + r.SIP_UAS)) && r.SIP_CALL_STATE !== 'CALL_CANCELED';
    });
    expect(want.length).toBe(2); // the busy call and the Yealink-answered one
    expect(some.stdout.trim().split('\n')).toEqual(want);
    // the dump file: its header and the same records' lines
    const dumpAll = readFileSync(tmp.file('all.sip'), 'utf8').trim().split('\n');
    const dumpSome = readFileSync(tmp.file('some.sip'), 'utf8').trim().split('\n');
    const ids = want.map((l) => (JSON.parse(l) as { SIP_CALL_ID: string }).SIP_CALL_ID);
    expect(dumpSome).toEqual([dumpAll[0], ...dumpAll.slice(1).filter((l) => ids.some((id) => l.includes(id)))]);
    // CSV the same way
    const csv = await runCli(['read', SAMPLE, '-q', '--format', 'csv', '--filter', expr]);
    expect(
      csv.stdout
        .trim()
        .split('\r\n')
        .slice(1)
        .map((l) => ids.some((id) => l.includes(id))),
    ).toEqual([true, true]);
  });

  test('the CLI selects what the shared filter selects on the same records', async () => {
    const { records } = await recordsOf([SAMPLE], { allDialogs: true });
    for (const expr of ['state=completed', 'ip=198.51.100.0/24 duration>3', 'not alice', 'codec=pcmu or method=register', 'mos>4']) {
      const r = await runCli(['read', SAMPLE, '--all-dialogs', '-q', '--format', 'jsonl', '--filter', expr]);
      expect(r.code, expr).toBe(0);
      const got =
        r.stdout === ''
          ? []
          : r.stdout
              .trim()
              .split('\n')
              .map((l) => (JSON.parse(l) as { SIP_CALL_ID: string }).SIP_CALL_ID);
      expect(got, expr).toEqual(records.filter(parseFilter(expr)).map((x) => x.SIP_CALL_ID));
    }
  });

  test('the run says how many records were selected', async () => {
    const r = await runCli(['read', SAMPLE, '--format', 'none', '--filter', 'state=completed']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--filter selected 4 of 6 records');
  });

  test('a bad expression: exit 2, the column marked, nothing read or written', async () => {
    const out = tmp.file('never.jsonl');
    const r = await runCli(['read', SAMPLE, '--out', out, '--filter', 'state=completed (code>400']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad --filter: "(" at column 17 is not closed (column 26)');
    expect(r.stderr).toContain('\n  state=completed (code>400\n                           ^\n');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  test('--summary: the KPIs on standard output (no records unless asked), as JSON for scripts, of the selected calls', async () => {
    const text = await runCli(['read', SAMPLE, '--summary']);
    expect(text.code).toBe(0);
    expect(text.stdout.startsWith('Calls: 6 attempts, 4 answered\n  ASR 66.7%   NER 100.0%\n')).toBe(true);
    expect(text.stdout).not.toContain('SIP_CALL_ID');
    const json = await runCli(['read', SAMPLE, '-q', '--summary', 'json', '--filter', 'code>=400']);
    const k = JSON.parse(json.stdout) as { attempts: number; answered: number; codes: Record<string, number>; ner: number };
    expect(k).toMatchObject({ attempts: 2, answered: 0, codes: { 486: 1, 487: 1 }, ner: 100 });
    // records asked for as well: they come first, the summary after them
    const both = await runCli(['read', SAMPLE, '-q', '--format', 'jsonl', '--summary', 'json']);
    const lines = both.stdout.trim().split('\n');
    expect(lines.length).toBe(7);
    expect((JSON.parse(lines[6]) as { attempts: number }).attempts).toBe(6);
    // "--summary FILE": FILE is a capture, not the summary's format
    const after = await runCli(['read', '--summary', SAMPLE, '-q']);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('Calls: 6 attempts');
  });
});
