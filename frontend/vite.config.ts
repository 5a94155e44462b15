// Builds the browser code into dist/, which Django serves under /static/app/ (settings.STATICFILES_DIRS).
// Names carry no hash: Django's static files add the cache policy; the pages name these files directly.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/static/app/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: { workspace: "src/workspace.ts", pages: "src/pages.ts" },
      output: {
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name].js",
        assetFileNames: "[name][extname]",
      },
    },
  },
});
