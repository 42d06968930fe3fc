import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Provider adapters keep their own tests beside them (src/adapters/<provider>/*.test.ts).
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
          // Records every query product code issues and fails the file if firestore.indexes.json cannot serve one.
          setupFiles: ['test/support/queryRecorder.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'emulator',
          include: ['test/emulator/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
