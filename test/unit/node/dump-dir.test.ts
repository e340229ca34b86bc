// The dump directory writer (node/export/dump-dir.ts): files per minute, nested or flat,
// rotation, .temp files renamed when done, --sip-exec-cmd, and write errors.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import * as path from 'node:path';
import { CallTracker } from '../../../shared/tracker/tracker.ts';
import type { CallRecord } from '../../../shared/record.ts';
import { parseTemplate } from '../../../shared/output/fields.ts';
import { dumpFileText, dumpRelPath, planDumpFiles, type DumpLayoutOptions } from '../../../shared/output/dump.ts';
import { DumpError, DumpWriter, splitExecCmd, type DumpFs, type DumpWriterOptions } from '../../../node/export/dump-dir.ts';
import { Scenario, alice, bob } from '../../support/sip-messages.ts';
import { DEFAULT_DUMP_HEADER, dumpRecord as rec, utc } from '../../support/records.ts';
import { sleep } from '../../support/procs.ts';
import { tempDir } from '../../support/temp.ts';

/** Records over several minutes, hours, days, a year end and a leap day (UTC). */
function spread(): CallRecord[] {
  const times = [
    utc(2023, 12, 31, 23, 58, 1.5),
    utc(2023, 12, 31, 23, 58, 59.999),
    utc(2023, 12, 31, 23, 59, 0),
    utc(2023, 12, 31, 23, 59, 30),
    utc(2024, 1, 1, 0, 0, 0),
    utc(2024, 1, 1, 0, 0, 10),
    utc(2024, 1, 1, 0, 59, 59),
    utc(2024, 1, 1, 1, 0, 0),
    utc(2024, 2, 29, 13, 7, 42.25),
    utc(2024, 3, 1, 0, 0, 1),
  ];
  return times.map((at, i) => rec(`call-${i}@host`, at));
}

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out; // a directory may appear/disappear while polling
  }
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(root, r)));
    else out.push(r);
  }
  return out.sort();
}

async function readTree(root: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await walk(root)) m.set(f, await fs.readFile(path.join(root, f), 'utf8'));
  return m;
}

const tmp = tempDir('dump');
let n = 0;
const newDir = () => tmp.file(`d${++n}`);

async function writeAll(dir: string, records: CallRecord[], opts: DumpWriterOptions): Promise<DumpWriter> {
  const w = await DumpWriter.open(dir, opts);
  for (const r of records) {
    const p = w.write(r);
    if (p) await p;
  }
  await w.close();
  return w;
}

describe('DumpWriter: layout and contents', () => {
  it('nested: one file per minute, header + one line per record, no .temp left', async () => {
    const dir = newDir();
    const records = spread();
    const w = await writeAll(dir, records, { nested: true });
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual([
      '2023/12/31/23/58.sip',
      '2023/12/31/23/59.sip',
      '2024/01/01/00/00.sip',
      '2024/01/01/00/59.sip',
      '2024/01/01/01/00.sip',
      '2024/02/29/13/07.sip',
      '2024/03/01/00/00.sip',
    ]);
    expect(tree.get('2023/12/31/23/58.sip')).toBe(dumpFileText(records.slice(0, 2)));
    expect(tree.get('2023/12/31/23/59.sip')).toBe(dumpFileText(records.slice(2, 4)));
    expect(tree.get('2024/01/01/00/00.sip')).toBe(dumpFileText(records.slice(4, 6)));
    expect(tree.get('2024/03/01/00/00.sip')).toBe(dumpFileText(records.slice(9)));
    for (const text of tree.values()) expect(text.startsWith(DEFAULT_DUMP_HEADER + '\n')).toBe(true);
    const plan = planDumpFiles(records, { nested: true });
    expect(new Map(plan.map((p) => [p.relPath, p.text]))).toEqual(tree);
    const st = w.stats;
    expect(st.files).toBe(7);
    expect(st.lines).toBe(10);
    expect(st.dirs).toBe(5);
    expect(st.bytes).toBe([...tree.values()].reduce((a, s) => a + Buffer.byteLength(s), 0));
    expect(st.warnings).toEqual([]);
  });

  it('flat (--dont-nest-dump-dirs)', async () => {
    const dir = newDir();
    const records = spread();
    await writeAll(dir, records, { nested: false });
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual([
      '202312312358.sip',
      '202312312359.sip',
      '202401010000.sip',
      '202401010059.sip',
      '202401010100.sip',
      '202402291307.sip',
      '202403010000.sip',
    ]);
    expect(tree.get('202401010059.sip')).toBe(dumpFileText(records.slice(6, 7)));
  });

  it('rotation at maxLines: MM.sip, MM-1.sip, MM-2.sip, each with the header', async () => {
    const dir = newDir();
    const at = utc(2024, 5, 6, 7, 8, 0);
    const records = Array.from({ length: 7 }, (_, i) => rec(`r${i}`, at + i));
    records.push(rec('next-minute', at + 60));
    await writeAll(dir, records, { nested: true, maxLines: 3 });
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual(['2024/05/06/07/08-1.sip', '2024/05/06/07/08-2.sip', '2024/05/06/07/08.sip', '2024/05/06/07/09.sip']);
    expect(tree.get('2024/05/06/07/08.sip')).toBe(dumpFileText(records.slice(0, 3)));
    expect(tree.get('2024/05/06/07/08-1.sip')).toBe(dumpFileText(records.slice(3, 6)));
    expect(tree.get('2024/05/06/07/08-2.sip')).toBe(dumpFileText(records.slice(6, 7)));
    expect(tree.get('2024/05/06/07/09.sip')).toBe(dumpFileText(records.slice(7)));
    for (const text of tree.values()) expect(text.split('\n')[0]).toBe(DEFAULT_DUMP_HEADER);
  });

  it('records of an earlier minute go into the open file', async () => {
    const dir = newDir();
    const at = utc(2024, 5, 6, 7, 8, 0);
    const records = [rec('a', at + 61), rec('late', at + 5), rec('b', at + 62)];
    await writeAll(dir, records, { nested: false });
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual(['202405060709.sip']);
    expect(tree.get('202405060709.sip')).toBe(dumpFileText(records));
  });

  it('timestamp formats, template and separator reach the file; dumpFileText gives the same bytes', async () => {
    const at = utc(2023, 11, 14, 22, 13, 30);
    const records = [rec('a|b', at, { SIP_UAC: 'x\ny' }), rec('c;d', at + 1)];
    const template = parseTemplate('%SIP_CALL_ID %SIP_INVITE_TIME %SIP_UAC %SIP_CALL_STATE');
    for (const timestampFormat of [0, 1, 2] as const) {
      for (const separator of ['|', ';']) {
        const dir = newDir();
        await writeAll(dir, records, { nested: true, template, timestampFormat, separator });
        const got = await fs.readFile(path.join(dir, '2023/11/14/22/13.sip'), 'utf8');
        expect(got).toBe(dumpFileText(records, { template, timestampFormat, separator }));
        expect(got.split('\n')[0]).toBe(['SIP_CALL_ID', 'SIP_INVITE_TIME', 'SIP_UAC', 'SIP_CALL_STATE'].join(separator));
      }
    }
    const dir = newDir();
    await writeAll(dir, records, { nested: true, template, timestampFormat: 2, separator: ';' });
    expect(await fs.readFile(path.join(dir, '2023/11/14/22/13.sip'), 'utf8')).toBe(
      'SIP_CALL_ID;SIP_INVITE_TIME;SIP_UAC;SIP_CALL_STATE\n' +
        'a\\x7Cb;2023-11-14T22:13:25.123456Z;x\\x0Ay;CALL_COMPLETED\n' +
        'c\\x3Bd;2023-11-14T22:13:26.123456Z;PhoneA/1.0;CALL_COMPLETED\n',
    );
  });

  it('records from the CallTracker, with SIP data that must not reach a path', async () => {
    const recs: CallRecord[] = [];
    const tr = new CallTracker({}, (r) => recs.push(r));
    const T0 = utc(2024, 7, 1, 12, 0, 10);
    const s = new Scenario('../../etc/x|y\\z@host', alice, bob);
    for (const m of [
      s.req('INVITE', T0),
      s.res(180, T0 + 1),
      s.res(200, T0 + 2),
      s.req('ACK', T0 + 2.1),
      s.req('BYE', T0 + 30),
      s.res(200, T0 + 30.1, { method: 'BYE' }),
    ])
      tr.onMessage(m);
    tr.finish();
    expect(recs).toHaveLength(1);
    const dir = newDir();
    await writeAll(dir, recs, { nested: true });
    const tree = await readTree(dir);
    const name = dumpRelPath(recs[0].exportedAt, true);
    expect([...tree.keys()]).toEqual([name]);
    expect(name.startsWith('2024/07/01/12/00')).toBe(true);
    const text = tree.get(name) as string;
    expect(text).toBe(dumpFileText(recs));
    expect(text.split('\n')[1].startsWith('../../etc/x\\x7Cy\\x5Cz@host|"Alice" <sip:alice@example.com>|')).toBe(true);
  });

  it('two runs with the same records give byte-identical trees', async () => {
    const records = [...spread(), ...spread().map((r) => ({ ...r, SIP_CALL_ID: r.SIP_CALL_ID + '-2' }))];
    const a = newDir();
    const b = newDir();
    await writeAll(a, records, { nested: true, maxLines: 2 });
    await writeAll(b, records, { nested: true, maxLines: 2 });
    const ta = await readTree(a);
    const tb = await readTree(b);
    expect(ta.size).toBeGreaterThan(7);
    expect(tb).toEqual(ta);
    for (const f of ta.keys()) {
      expect(Buffer.compare(await fs.readFile(path.join(a, f)), await fs.readFile(path.join(b, f)))).toBe(0);
    }
    const plan = planDumpFiles(records, { nested: true, maxLines: 2 });
    expect(new Map(plan.map((p) => [p.relPath, p.text]))).toEqual(ta);
  });

  it('never replaces an existing file: the next rotation is used, with a warning', async () => {
    const dir = newDir();
    const at = utc(2024, 5, 6, 7, 8, 0);
    await writeAll(dir, [rec('first', at)], { nested: true });
    const warnings: string[] = [];
    const w = await writeAll(dir, [rec('second', at), rec('third', at + 1)], {
      nested: true,
      maxLines: 1,
      onWarning: (m) => warnings.push(m),
    });
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual(['2024/05/06/07/08-1.sip', '2024/05/06/07/08-2.sip', '2024/05/06/07/08.sip']);
    expect(tree.get('2024/05/06/07/08.sip')).toBe(dumpFileText([rec('first', at)]));
    expect(tree.get('2024/05/06/07/08-1.sip')).toBe(dumpFileText([rec('second', at)]));
    expect(tree.get('2024/05/06/07/08-2.sip')).toBe(dumpFileText([rec('third', at + 1)]));
    expect(warnings).toHaveLength(1);
    expect(w.stats.warnings).toEqual(warnings);
    expect(warnings[0]).toContain('08.sip exists');
  });

  it('write() does not wait per record; flush() writes the .temp; tick() ends the minute', async () => {
    const dir = newDir();
    const at = utc(2024, 5, 6, 7, 8, 0);
    const w = await DumpWriter.open(dir, { nested: false });
    for (let i = 0; i < 100; i++) expect(w.write(rec(`r${i}`, at + i * 0.1))).toBeUndefined();
    await w.flush();
    expect(await walk(dir)).toEqual(['202405060708.sip.temp']);
    expect(await fs.readFile(path.join(dir, '202405060708.sip.temp'), 'utf8')).toBe(
      dumpFileText(Array.from({ length: 100 }, (_, i) => rec(`r${i}`, at + i * 0.1))),
    );
    w.tick(at + 59.9);
    await w.flush();
    expect(await walk(dir)).toEqual(['202405060708.sip.temp']);
    w.tick(at + 60);
    await w.flush();
    expect(await walk(dir)).toEqual(['202405060708.sip']);
    await w.close();
    expect(w.stats.files).toBe(1);
  });

  it('wall clock (live mode): files follow the clock, not exportedAt', async () => {
    const dir = newDir();
    let now = utc(2025, 1, 2, 3, 4, 5);
    const w = await DumpWriter.open(dir, { nested: true, clock: 'wall', now: () => now });
    w.write(rec('a', 12345));
    now += 60;
    w.write(rec('b', 12345));
    now += 54; // 03:05:59
    w.tick();
    await w.flush();
    expect(await walk(dir)).toEqual(['2025/01/02/03/04.sip', '2025/01/02/03/05.sip.temp']);
    now += 1; // 03:06:00
    w.tick();
    await w.flush();
    expect(await walk(dir)).toEqual(['2025/01/02/03/04.sip', '2025/01/02/03/05.sip']);
    await w.close();
  });

  it('a reader polling the directory never sees a partial .sip', async () => {
    const dir = newDir();
    const base = utc(2024, 8, 9, 23, 57, 0);
    const records: CallRecord[] = [];
    for (let i = 0; i < 4000; i++) records.push(rec(`poll-${i}-${'x'.repeat(i % 50)}`, base + i * 0.09));
    const opts = { nested: true, maxLines: 300 } satisfies DumpLayoutOptions;
    const expected = new Map(planDumpFiles(records, opts).map((p) => [p.relPath, p.text]));
    expect(expected.size).toBeGreaterThan(6);

    let done = false;
    let sipChecks = 0;
    let tempSeen = 0;
    const bad: string[] = [];
    const poller = (async () => {
      while (!done) {
        for (const f of await walk(dir)) {
          if (f.endsWith('.temp')) {
            tempSeen++;
            continue;
          }
          let text: string;
          try {
            text = await fs.readFile(path.join(dir, f), 'utf8');
          } catch (e) {
            bad.push(`${f}: ${(e as Error).message}`);
            continue;
          }
          sipChecks++;
          if (expected.get(f) !== text) bad.push(`${f}: ${text.length} chars`);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();

    const w = await DumpWriter.open(dir, { ...opts, chunkBytes: 2048 });
    for (let i = 0; i < records.length; i++) {
      const p = w.write(records[i]);
      if (p) await p;
      if (i % 25 === 0) await sleep(1);
    }
    await w.close();
    done = true;
    await poller;
    expect(bad).toEqual([]);
    expect(tempSeen).toBeGreaterThan(0);
    expect(sipChecks).toBeGreaterThan(0);
    expect(await readTree(dir)).toEqual(expected);
  });
});

describe('DumpWriter: --sip-exec-cmd', () => {
  async function script(): Promise<{ file: string; log: string }> {
    const d = newDir();
    await fs.mkdir(d, { recursive: true });
    const file = path.join(d, 'record-arg.sh');
    const log = path.join(d, 'calls.log');
    await fs.writeFile(file, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n`, { mode: 0o755 });
    return { file, log };
  }
  const logLines = async (log: string) =>
    (await fs.readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '')
      .sort();

  it('splits CMD on whitespace, never a shell', () => {
    expect(splitExecCmd('  /usr/bin/rsync  -a   dest ')).toEqual(['/usr/bin/rsync', '-a', 'dest']);
    expect(splitExecCmd('prog;rm')).toEqual(['prog;rm']);
    expect(() => splitExecCmd('   ')).toThrow(RangeError);
  });

  it('runs once per completed directory with its absolute path (nested)', async () => {
    const { file, log } = await script();
    const dir = newDir();
    const w = await writeAll(dir, spread(), { nested: true, execCmd: file });
    const abs = path.resolve(dir);
    expect(await logLines(log)).toEqual(
      ['2023/12/31/23', '2024/01/01/00', '2024/01/01/01', '2024/02/29/13', '2024/03/01/00'].map((d) => path.join(abs, d)),
    );
    expect(w.stats.execRuns).toBe(5);
    expect(w.stats.execFailures).toBe(0);
  });

  it('fixed arguments come first; flat mode runs once with the dump dir at close', async () => {
    const { file, log } = await script();
    const dir = newDir();
    await writeAll(dir, spread(), { nested: false, execCmd: `/bin/sh ${file} fixed-arg` });
    expect(await logLines(log)).toEqual([`fixed-arg ${path.resolve(dir)}`]);
  });

  it('a directory is complete before its command runs', async () => {
    const d = newDir();
    await fs.mkdir(d, { recursive: true });
    const log = path.join(d, 'ls.log');
    const file = path.join(d, 'list.sh');
    await fs.writeFile(file, `#!/bin/sh\nls "$1" >> '${log}'\n`, { mode: 0o755 });
    const dir = newDir();
    const at = utc(2024, 5, 6, 7, 58, 0);
    await writeAll(dir, [rec('a', at), rec('b', at + 60), rec('c', at + 120)], { nested: true, execCmd: file });
    expect(await logLines(log)).toEqual(['00.sip', '58.sip', '59.sip']);
  });

  it('a failing command is a warning, not an error', async () => {
    const dir = newDir();
    const warnings: string[] = [];
    const w = await writeAll(dir, spread().slice(0, 5), {
      nested: true,
      execCmd: '/nonexistent/sipscope-cmd',
      onWarning: (m) => warnings.push(m),
    });
    expect(w.stats.execRuns).toBe(2);
    expect(w.stats.execFailures).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('/nonexistent/sipscope-cmd');
    expect(warnings[0]).toContain('ENOENT');
    const w2 = await writeAll(newDir(), spread().slice(0, 1), { nested: true, execCmd: '/bin/false' });
    expect(w2.stats.warnings).toEqual([expect.stringMatching(/exited with status 1$/)]);
    expect(w2.stats.files).toBe(1);
  });
});

describe('DumpWriter: errors', () => {
  it('a dump dir under a regular file cannot be created', async () => {
    const f = tmp.file('regular-file');
    await fs.writeFile(f, 'x');
    const err = await DumpWriter.open(path.join(f, 'dump'), { nested: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DumpError);
    expect(err.message).toBe(`cannot create dump directory ${path.join(f, 'dump')}: not a directory`);
    expect(err.code).toBe('ENOTDIR');
  });

  it.runIf(process.platform === 'linux')('a dump dir under /proc (where a recursive mkdir never returns) fails at once', async () => {
    const err = await DumpWriter.open('/proc/sipscope-dump/a', { nested: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DumpError);
    expect(err.message).toMatch(/^cannot create dump directory \/proc\/sipscope-dump\/a: /);
  });

  it('an unwritable directory (a file in the way) stops with a DumpError; finished files stay', async () => {
    const dir = newDir();
    const records = spread().slice(0, 6); // 23:58, 23:59 (2023-12-31), then 00:00 of 2024-01-01
    await fs.mkdir(path.join(dir, '2024/01/01'), { recursive: true });
    await fs.writeFile(path.join(dir, '2024/01/01/00'), 'in the way'); // fails for root too
    const { file, log } = await (async () => {
      const d = newDir();
      await fs.mkdir(d, { recursive: true });
      const l = path.join(d, 'log');
      const s = path.join(d, 's.sh');
      await fs.writeFile(s, `#!/bin/sh\necho "$1" >> '${l}'\n`, { mode: 0o755 });
      return { file: s, log: l };
    })();
    const w = await DumpWriter.open(dir, { nested: true, execCmd: file });
    let thrown: unknown = null;
    try {
      for (const r of records) {
        const p = w.write(r);
        if (p) await p;
      }
    } catch (e) {
      thrown = e;
    }
    const err = await w.close().then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(DumpError);
    if (thrown !== null) expect(thrown).toBe(err);
    const target = path.join(path.resolve(dir), '2024/01/01/00/00.sip');
    expect(err.message).toBe(`cannot write dump file ${target}: not a directory`);
    expect(w.error).toBe(err);
    expect(() => w.write(records[0])).toThrow(err);
    const tree = await readTree(dir);
    expect([...tree.keys()]).toEqual(['2023/12/31/23/58.sip', '2023/12/31/23/59.sip', '2024/01/01/00']);
    expect(tree.get('2023/12/31/23/58.sip')).toBe(dumpFileText(records.slice(0, 2)));
    expect(tree.get('2023/12/31/23/59.sip')).toBe(dumpFileText(records.slice(2, 4)));
    // the completed directory was handed to the command; the failed one was not
    expect(await fs.readFile(log, 'utf8')).toBe(path.join(path.resolve(dir), '2023/12/31/23') + '\n');
  });

  it('ENOSPC: a clear DumpError, the failing .temp removed, finished files intact', async () => {
    const dir = newDir();
    let budget = 5000; // bytes the "disk" takes
    const full: DumpFs = {
      mkdir: (p) => fs.mkdir(p),
      rename: (a, b) => fs.rename(a, b),
      unlink: (p) => fs.unlink(p),
      stat: (p) => fs.stat(p),
      access: (p, m) => fs.access(p, m),
      open: async (p, flags) => {
        const fh = await fs.open(p, flags);
        return {
          close: () => fh.close(),
          write: async (buf, off, len) => {
            if (len > budget) {
              const { bytesWritten } = await fh.write(buf, off, budget);
              budget = 0;
              if (bytesWritten > 0) return { bytesWritten };
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
            }
            budget -= len;
            return fh.write(buf, off, len);
          },
        };
      },
    };
    const at = utc(2024, 5, 6, 7, 8, 0);
    const records = Array.from({ length: 60 }, (_, i) => rec(`enospc-${i}`, at + i * 10));
    const w = await DumpWriter.open(dir, { nested: true, fs: full, chunkBytes: 512 });
    let thrown: unknown = null;
    try {
      for (const r of records) {
        const p = w.write(r);
        if (p) await p;
        if (records.indexOf(r) % 5 === 0) await w.flush();
      }
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DumpError);
    await expect(w.close()).rejects.toBe(thrown);
    const err = thrown as DumpError;
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/^cannot write dump file .*\/2024\/05\/06\/07\/\d\d\.sip: no space left on device$/);
    const tree = await readTree(dir);
    expect([...tree.keys()].every((f) => f.endsWith('.sip'))).toBe(true);
    expect(tree.size).toBeGreaterThan(0);
    const plan = new Map(planDumpFiles(records, { nested: true }).map((p) => [p.relPath, p.text]));
    for (const [f, text] of tree) expect(text).toBe(plan.get(f));
    expect(tree.has(path.relative(path.resolve(dir), err.path).split(path.sep).join('/'))).toBe(false);
    expect(w.stats.files).toBe(tree.size);
  });
});
