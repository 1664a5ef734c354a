/**
 * Fresh databases for tests: the migrations are applied once to a template database, and every test file
 * gets its own copy (CREATE DATABASE … TEMPLATE, a few ms), dropped afterwards. Real PostgreSQL, never a mock.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createPrismaClient, type PrismaClient } from "./client";

/** Set by the test run's global setup, so that concurrent runs on one machine never share a template. */
const template = () => process.env.WHETSTONE_TEST_TEMPLATE ?? "whetstone_test_template";
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}
function urlFor(db: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Creates this run's template from the committed migrations (vitest globalSetup, once per run) and returns a
 * function that drops it. The name is unique per run and handed to the test workers through the environment.
 */
export async function prepareTemplateDatabase(): Promise<() => Promise<void>> {
  const name = `whetstone_tpl_${randomBytes(4).toString("hex")}`;
  process.env.WHETSTONE_TEST_TEMPLATE = name;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: urlFor(name) },
    stdio: "pipe",
  });
  return () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
}

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `whetstone_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template()}`));
  const url = urlFor(name);
  const prisma = createPrismaClient(url);
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
