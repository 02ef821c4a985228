// Browser tests: Playwright (playwright-core) drives Debian's chromium,
// headless, against a real `ferry server` that the global setup starts and
// fills (tests/e2e/global-setup.ts). One file at a time: one server.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
