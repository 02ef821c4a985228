// Builds the single-page app into dist/, which `ferry server` serves at /.
// Unit tests (tests/unit) run under Vitest with happy-dom; the browser tests
// (tests/e2e) have their own config, vitest.e2e.config.ts.
import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:5000', '/ajax-api': 'http://127.0.0.1:5000' } },
  test: { include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx'], environment: 'happy-dom' },
});
