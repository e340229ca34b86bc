// Dump file layout (shared/output/dump.ts): names of nested and flat files, rotation, the
// file text (header, escaping, timestamp formats), and the router that assigns records to files.

import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../../shared/output/fields.ts';
import { dumpLine } from '../../../../shared/output/format.ts';
import { DumpRouter, dumpFileText, dumpRelDir, dumpRelPath, minuteOf, type DumpFile } from '../../../../shared/output/dump.ts';
import { DEFAULT_DUMP_HEADER, dumpRecord as rec, utc } from '../../../support/records.ts';

// ---------------------------------------------------------------- pure rules

describe('dump file names', () => {
  it('nested and flat paths, UTC, rotation', () => {
    const s = utc(2023, 11, 14, 22, 13, 20.5);
    expect(minuteOf(s)).toBe(utc(2023, 11, 14, 22, 13));
    expect(dumpRelPath(s, true, 0)).toBe('2023/11/14/22/13.sip');
    expect(dumpRelPath(s, true, 2)).toBe('2023/11/14/22/13-2.sip');
    expect(dumpRelPath(s, false, 0)).toBe('202311142213.sip');
    expect(dumpRelPath(s, false, 1)).toBe('202311142213-1.sip');
    expect(dumpRelDir(s, true)).toBe('2023/11/14/22');
    expect(dumpRelDir(s, false)).toBe('');
    expect(dumpRelPath(utc(2024, 1, 1, 0, 0) - 0.001, true)).toBe('2023/12/31/23/59.sip');
    expect(dumpRelPath(utc(2024, 1, 1, 0, 0), true)).toBe('2024/01/01/00/00.sip');
    expect(dumpRelPath(utc(2024, 2, 29, 9, 5, 59.9), false)).toBe('202402290905.sip');
    expect(dumpRelPath(0, true)).toBe('1970/01/01/00/00.sip');
    expect(() => minuteOf(-1)).toThrow(RangeError);
    expect(() => minuteOf(NaN)).toThrow(RangeError);
    expect(() => dumpRelPath(s, true, 1.5)).toThrow(RangeError);
  });

  it('dumpFileText: header, one line per record, escaping, \\n line ends', () => {
    const r = rec('a|b\\c\r\nd', utc(2024, 1, 1, 0, 0), { SIP_UAC: 'UA\r\n|x', SIP_CALL_STATE: 'CALL_COMPLETED' });
    const text = dumpFileText([r, rec('two', utc(2024, 1, 1, 0, 0))]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[0]).toBe(DEFAULT_DUMP_HEADER);
    expect(lines[1].split('|')).toHaveLength(23);
    expect(lines[1].startsWith('a\\x7Cb\\x5Cc\\x0D\\x0Ad|"Alice" <sip:alice@example.com>|')).toBe(true);
    expect(lines[1]).toContain('|UA\\x0D\\x0A\\x7Cx|PhoneB/2.0|');
    expect(lines[1]).toBe(dumpLine(r));
    expect(lines[2].startsWith('two|')).toBe(true);
    expect(dumpFileText([])).toBe(DEFAULT_DUMP_HEADER + '\n');
  });

  it('timestamp formats 0/1/2 and a custom separator', () => {
    const at = utc(2023, 11, 14, 22, 13, 30);
    const r = rec('x;y', at);
    const template = parseTemplate('%SIP_CALL_ID %SIP_INVITE_TIME %SIP_TRYING_TIME %SIP_CALL_STATE');
    const inv = Math.floor(at) - 5;
    expect(dumpFileText([r], { template, timestampFormat: 0 })).toBe(
      `SIP_CALL_ID|SIP_INVITE_TIME|SIP_TRYING_TIME|SIP_CALL_STATE\nx;y|${inv}||CALL_COMPLETED\n`,
    );
    expect(dumpFileText([r], { template, timestampFormat: 1 })).toBe(
      `SIP_CALL_ID|SIP_INVITE_TIME|SIP_TRYING_TIME|SIP_CALL_STATE\nx;y|${inv}.123456||CALL_COMPLETED\n`,
    );
    expect(dumpFileText([r], { template, timestampFormat: 2 })).toBe(
      'SIP_CALL_ID|SIP_INVITE_TIME|SIP_TRYING_TIME|SIP_CALL_STATE\nx;y|2023-11-14T22:13:25.123456Z||CALL_COMPLETED\n',
    );
    expect(dumpFileText([r], { template, timestampFormat: 0, separator: ';' })).toBe(
      `SIP_CALL_ID;SIP_INVITE_TIME;SIP_TRYING_TIME;SIP_CALL_STATE\nx\\x3By;${inv};;CALL_COMPLETED\n`,
    );
    expect(() => dumpFileText([r], { separator: '' })).toThrow(RangeError);
  });

  it('router: late records go into the open file; rotation; directory completion', () => {
    const events: string[] = [];
    const router = new DumpRouter(
      {
        open: (f: DumpFile) => events.push(`open ${f.relPath}`),
        line: (_f, l) => events.push(`line ${l}`),
        finish: (f) => events.push(`finish ${f.relPath} ${f.lines}`),
        dirDone: (d) => events.push(`dir ${d}`),
      },
      { nested: true, maxLines: 2, template: parseTemplate('SIP_CALL_ID') },
    );
    const m = utc(2024, 1, 1, 0, 59);
    router.add(rec('a', m + 1));
    router.add(rec('late', m - 3600)); // earlier minute and hour: into the open file
    router.add(rec('b', m + 59)); // same minute, file full: rotation 1
    router.tick(m + 30); // not a later minute: nothing
    router.add(rec('c', m + 60)); // next minute, next hour: 00/59-1 finished, dir 00 complete
    router.tick(m + 125); // minute over
    router.add(rec('late2', m)); // earlier than the current minute 01:01: goes there
    router.end();
    expect(events).toEqual([
      'open 2024/01/01/00/59.sip',
      'line a',
      'line late',
      'finish 2024/01/01/00/59.sip 2',
      'open 2024/01/01/00/59-1.sip',
      'line b',
      'finish 2024/01/01/00/59-1.sip 1',
      'dir 2024/01/01/00',
      'open 2024/01/01/01/00.sip',
      'line c',
      'finish 2024/01/01/01/00.sip 1',
      'open 2024/01/01/01/01.sip',
      'line late2',
      'finish 2024/01/01/01/01.sip 1',
      'dir 2024/01/01/01',
    ]);
  });
});

// ---------------------------------------------------------------- the writer
