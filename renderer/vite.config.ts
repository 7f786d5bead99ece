import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The renderer is built into renderer/dist, which `aia-studio serve` (and later Electron) serves as is.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1000 },
  server: { fs: { allow: ['..'] } },
  // Compare's pixel worker is a module worker (it imports the viewer's statistics).
  worker: { format: 'es' },
});
