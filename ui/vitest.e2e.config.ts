// Browser tests: Playwright (playwright-core) drives Debian's chromium,
// headless, against a real `ferry server` that the global setup starts and
// fills (tests/e2e/global-setup.ts). One file at a time, in a fixed order:
// they share one server, and the later files change it (registry moves
// aliases, deployments sends traffic and adds a deployment).
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const order = ['shell', 'runs', 'monitoring', 'pipelines', 'registry', 'deployments'];
const rank = (s: TestSpecification) => {
  const name = s.moduleId.split('/').pop()!.replace('.e2e.test.ts', '');
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
};

class FixedOrder extends BaseSequencer {
  async sort(files: TestSpecification[]) {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.ts'],
    fileParallelism: false,
    sequence: { sequencer: FixedOrder },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
