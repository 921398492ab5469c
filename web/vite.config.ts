import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The token server serves `dist/` at `/` (with SPA fallback) and the API under `/api`,
// so the bundle uses absolute asset paths and the dev server proxies `/api` to it.
// No source maps in the production build: the bundle is served to the public.
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2023",
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/api": process.env.TOKENSERVER_URL ?? "http://127.0.0.1:8080",
    },
  },
});
