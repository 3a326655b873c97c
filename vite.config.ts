import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const clientRoot = fileURLToPath(new URL('./client', import.meta.url));

// The Vue client: sources in client/, built into client/dist (served by the API server at /).
export default defineConfig({
  root: clientRoot,
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./client/dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npm run dev:client` next to `npm start`: the API keeps running on :3000.
    proxy: {
      '/trpc': 'http://localhost:3000',
      '/api': 'http://localhost:3000',
      '/healthz': 'http://localhost:3000',
    },
  },
});
