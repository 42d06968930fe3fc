import { defineConfig } from 'vite';

// The app reads its emulator targets from VITE_* variables (see src/config.ts and .env.example); nothing else to set.
export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
