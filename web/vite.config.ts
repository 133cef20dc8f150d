import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The dashboard is built into dist/web and served by the API process at `/` (same origin as /graphql).
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: { outDir: path.resolve(here, '../dist/web'), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/graphql': 'http://127.0.0.1:4000', '/audiences': 'http://127.0.0.1:4000' } },
});
