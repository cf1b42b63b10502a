import { defineConfig } from 'vitest/config';

const INCLUDE = [
  'src/**/*.test.ts',
  'src/**/*.test.tsx',
  'sync/**/*.test.ts',
  'sandbox/**/*.test.ts',
  'test/**/*.test.ts',
  'extensions/**/*.test.tsx',
  // The Salesforce extension's vitest files only: its LWC Jest suites (force-app/**/__tests__) run via lwc-jest.test.ts.
  'extensions/salesforce/*.test.ts',
];

/**
 * Files that measure time or load the machine on purpose (latency budgets, kill -9 and replicas as child processes, a
 * real browser, the service's own start and stop): they run after the rest, one at a time, with the machine to
 * themselves.
 */
const ALONE = [
  'test/card-under-refresh.e2e.test.ts',
  'test/chaos.e2e.test.ts',
  'test/kill-recovery.test.ts',
  'test/replicas.test.ts',
  'test/salesforce-refresh-replicas.test.ts',
  'test/start.test.ts',
  'test/start-failure.test.ts',
  'test/api-throttle.e2e.test.ts',
  'test/*.browser.test.ts',
];

const EXCLUDE = ['**/node_modules/**', 'data/**'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // Two files at a time: most of a file's time is waiting (sandbox servers, queues, the store's I/O).
        test: {
          name: 'shared',
          include: INCLUDE,
          exclude: [...EXCLUDE, ...ALONE],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, exclude: EXCLUDE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
