import { defineConfig } from 'vitest/config';

// Unit tests are pure TypeScript (engine, scripts); no Svelte plugin, so startup stays fast.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'signaling-server/src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
