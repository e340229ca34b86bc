import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        // in-process tests of one source folder: files run in parallel, one worker per core
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: '100%', sequence: { groupOrder: 0 } },
      },
      {
        // the whole program and real tools, after the unit tests. SIPp/tcpdump tests use fixed
        // loopback port ranges: keep files from running at the same time
        extends: true,
        test: { name: 'system', include: ['test/system/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
