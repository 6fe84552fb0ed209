import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    // libp2p and its WebRTC stack make one ~700 kB chunk; it is loaded once per tab.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // The app; the diagnostics page that runs the port contracts in this browser; the bare
      // mesh peer the mesh benchmark drives; and the full peer the distribution benchmark drives.
      input: { main: 'index.html', diagnostics: 'diagnostics.html', bench: 'bench.html', 'distribution-bench': 'distribution-bench.html', 'query-bench': 'query-bench.html' },
    },
  },
  worker: {
    format: 'es',
  },
});
