// Unit tests of the pure helpers (offsets, lanes) in Node; the workspace itself is tested in Chromium by
// the Python suite (tests/browser/).
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["tests/**/*.test.ts"], environment: "node" } });
