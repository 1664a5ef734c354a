import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Validates docker-compose.yml with the docker client (`docker compose` or the standalone `docker-compose`);
// no engine is needed for `config`.
const root = path.resolve(import.meta.dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "whetstone-compose-"));
copyFileSync(path.join(root, "docker-compose.yml"), path.join(dir, "docker-compose.yml"));
copyFileSync(path.join(root, ".env.example"), path.join(dir, ".env"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compose(...args: string[]): string {
  const plugin = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
  const [cmd, pre] = plugin.status === 0 ? ["docker", ["compose"]] : ["docker-compose", []];
  return execFileSync(cmd, [...pre, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("docker-compose.yml", () => {
  const config = compose("config");

  it("is valid for the docker client", () => {
    expect(config).toContain("services:");
  });

  it("gives postgres and redis volumes and health checks", () => {
    for (const svc of ["postgres", "redis"]) {
      const block = config.split(new RegExp(`\\n  ${svc}:\\n`))[1]?.split(/\n {2}[a-z]+:\n/)[0] ?? "";
      expect(block, svc).toContain("healthcheck:");
      expect(block, svc).toContain("volumes:");
    }
  });

  it("reserves NVIDIA GPUs for the runner and configures every service from .env", () => {
    expect(config).toMatch(/driver: nvidia/);
    expect(config).toMatch(/capabilities:\s*\n\s*- gpu/);
    for (const svc of ["web", "worker", "runner", "migrate"]) expect(config).toMatch(new RegExp(`\\n  ${svc}:\\n`));
    expect(config).toContain("REDIS_URL: redis://redis:6379");
  });

  it("runs the platform's services, with S3 (minio) only behind the s3 profile", () => {
    const services = compose("config", "--services").trim().split("\n");
    expect(services).toEqual(expect.arrayContaining(["migrate", "postgres", "redis", "runner", "web", "worker"]));
    const minio = config.split(/\n {2}minio:\n/)[1]?.split(/\n {2}[a-z]+:\n/)[0] ?? "";
    expect(minio).toMatch(/profiles:\s*\n\s*- s3/);
  });
});
