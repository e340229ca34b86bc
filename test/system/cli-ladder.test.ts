// `sipscope ladder FILE... --filter EXPR` (issue: the CLI ladder): the selected calls' ladders
// as text, the tracker's messages in order, fitted to a width.

import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { SAMPLE } from '../support/paths.ts';
import { recordsOf } from '../support/engine.ts';
import { ladderModel, ladderText } from '../../shared/output/ladder.ts';

describe('sipscope ladder', () => {
  test('the selected call: its header and the ladder of its messages, nothing else', async () => {
    const r = await runCli(['ladder', SAMPLE, '--filter', 'code=486']);
    expect(r.code).toBe(0);
    const { records } = await recordsOf([SAMPLE], { keepMessages: true });
    const busy = records.find((x) => x.SIP_RESPONSE_CODE === 486)!;
    const want = ladderText(ladderModel(busy.ladder!), {
      time: 'absolute',
      header: [`Call-ID: ${busy.SIP_CALL_ID}`, `"Carol" <sip:carol@example.com>  →  <sip:dave@example.net>  ·  CALL_ERROR 486`],
    });
    expect(r.stdout).toBe(want);
    expect(r.stdout).toContain('|<-- 486 Busy Here ---|');
  });

  test('every call, one ladder each, each line within --width', async () => {
    const r = await runCli(['ladder', SAMPLE, '--width', '60', '--time', 'delta', '--merge-ip']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Call-ID: /gm)?.length).toBe(6);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    // 45 SIP messages of six calls and a REGISTER dialog not drawn: an arrow per message of the calls
    const { records } = await recordsOf([SAMPLE], { keepMessages: true });
    const arrows = r.stdout.split('\n').filter((l) => /^\+\d/.test(l)).length;
    expect(arrows).toBe(records.reduce((n, x) => n + x.ladder!.length, 0));
  });

  test('a bad filter is a usage error; no match is said', async () => {
    const bad = await runCli(['ladder', SAMPLE, '--filter', 'state=']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad --filter: "state=" needs a value (column 7)');
    const none = await runCli(['ladder', SAMPLE, '--filter', 'code=999']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no call matches the filter');
  });
});
