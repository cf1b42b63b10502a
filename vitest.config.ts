import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'src/**/*.test.tsx',
      'sync/**/*.test.ts',
      'sandbox/**/*.test.ts',
      'test/**/*.test.ts',
      'extensions/**/*.test.tsx',
      // The Salesforce extension's vitest files only: its LWC Jest suites (force-app/**/__tests__) run via lwc-jest.test.ts.
      'extensions/salesforce/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'data/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
