// Vite build of the web app (web/ → dist/). The WASM core is imported by the worker as a URL
// (never inlined), the worker is an ES module, and every URL is relative so dist/ can be served
// from any path of any static server.

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const repo = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: repo('./web'),
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    outDir: repo('./dist'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
