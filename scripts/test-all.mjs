#!/usr/bin/env node
// `npm test`: every suite against real PostgreSQL and Redis — TypeScript (vitest), the runner (pytest), the
// browser (Playwright in Debian's Chromium), the REST API against its OpenAPI document (schemathesis) — then one
// line `N passed, N failed` summed over all of them.
// Exits non-zero when anything failed or a suite could not run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "test-results");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const only = process.argv.slice(2); // e.g. `npm test -- ts py`
const want = (name) => only.length === 0 || only.includes(name);

function run(cmd, args, env = {}) {
  console.log(`\n$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

const results = [];

if (want("ts")) {
  const file = path.join(out, "vitest.json");
  const code = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${file}`]);
  const r = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
  results.push({
    suite: "typescript (vitest)",
    code,
    passed: r?.numPassedTests ?? 0,
    failed: r?.numFailedTests ?? 0,
    skipped: (r?.numPendingTests ?? 0) + (r?.numTodoTests ?? 0),
  });
}

if (want("py")) {
  const xml = path.join(out, "pytest.xml");
  const py = path.join(root, "gpu-runner/.venv/bin/python");
  const code = existsSync(py)
    ? run(py, ["-m", "pytest", "gpu-runner/tests", "-q", `--junitxml=${xml}`])
    : (console.error("gpu-runner/.venv is missing: run gpu-runner/scripts/setup-venv.sh"), 1);
  let passed = 0,
    failed = 0,
    skipped = 0;
  if (existsSync(xml)) {
    const text = readFileSync(xml, "utf8");
    const attr = (n) => Number(new RegExp(`<testsuite [^>]*\\b${n}="(\\d+)"`).exec(text)?.[1] ?? 0);
    skipped = attr("skipped");
    failed = attr("failures") + attr("errors");
    passed = attr("tests") - failed - skipped;
  }
  results.push({ suite: "runner (pytest)", code, passed, failed, skipped });
}

if (want("e2e")) {
  const file = path.join(out, "playwright.json");
  const code = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
  const r = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
  const s = r?.stats ?? {};
  results.push({
    suite: "browser (playwright)",
    code,
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: s.unexpected ?? 0,
    skipped: s.skipped ?? 0,
  });
}

if (want("api")) {
  // After the browser specs: the stack it starts reuses their web build.
  const xml = path.join(out, "api-fuzz", "schemathesis.xml");
  const code = run("bash", ["tests/api-fuzz/run.sh"]);
  let passed = 0,
    failed = 0,
    skipped = 0;
  if (existsSync(xml)) {
    const text = readFileSync(xml, "utf8");
    const cases = text.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
    for (const c of cases) {
      if (/<(failure|error)\b/.test(c)) failed++;
      else if (/<skipped\b/.test(c)) skipped++;
      else passed++;
    }
  }
  results.push({ suite: "api (schemathesis)", code, passed, failed, skipped });
}

// A suite that exited non-zero without a failed test (it could not start, a file did not import) counts as one failure.
for (const r of results) if (r.code !== 0 && r.failed === 0) r.failed = 1;
console.log("\nSuite results:");
for (const r of results) {
  console.log(
    `  ${r.suite.padEnd(24)} ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ""} (exit ${r.code})`,
  );
}
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const failed = sum("failed");
const skipped = sum("skipped");
console.log(`${sum("passed")} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
