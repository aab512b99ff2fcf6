import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@tflyte/source'] },
  ssr: { resolve: { conditions: ['@tflyte/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    reporters: ['default', './tools/src/summary-reporter.ts'],
  },
});
