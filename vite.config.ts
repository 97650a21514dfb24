/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const contract = fileURLToPath(new URL('./server/src/contract', import.meta.url));

export default defineConfig({
  resolve: {
    alias: { '@contract': contract },
  },
  test: {
    include: ['{server,data,client,test}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
