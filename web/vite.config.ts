import { defineConfig } from "vite";

// The token server serves `dist/` at `/` (with SPA fallback) and the API under `/api`,
// so the bundle uses absolute asset paths and the dev server proxies `/api` to it.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      "/api": process.env.TOKENSERVER_URL ?? "http://127.0.0.1:8080",
    },
  },
});
