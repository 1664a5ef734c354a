import { defineConfig } from "@playwright/test";

// End-to-end specs: a real Chromium (Debian's, no browser download) against the real stack — web, worker and a
// runner training the tiny offline model — on its own database, Redis db index and storage directory.
// Its own port (not 3000/3100, where people run the app by hand), so a dev server never answers for the stack.
const PORT = Number(process.env.E2E_PORT ?? 3199);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  timeout: 240_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1440, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "bash e2e/start-stack.sh",
    // The REST health procedure answers without auth and without touching the database.
    url: `http://localhost:${PORT}/api/v1/health`,
    timeout: 600_000,
    // E2E_REUSE=1 drives a stack already started by hand (`bash e2e/start-stack.sh`) while iterating on a spec.
    reuseExistingServer: !!process.env.E2E_REUSE,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_PORT: String(PORT) },
  },
});
