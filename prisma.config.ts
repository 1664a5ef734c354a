import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

// The schema's datasource reads DATABASE_URL; without it Prisma's CLI falls back to a path that downloads engines.
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/whetstone";

// Prisma's migrate commands read PostgreSQL's catalog, whose type `name` (oid 19) adapter-pg cannot decode
// (prisma/orm#27403). Report it as text (oid 25) — here only, never in the application's client.
function reportNameAsText(result: unknown) {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  for (const f of fields ?? []) if (f.dataTypeID === 19) f.dataTypeID = 25;
  return result;
}
for (const proto of [pg.Client.prototype, pg.Pool.prototype] as { query: (...a: unknown[]) => unknown }[]) {
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) =>
        (last as (e: unknown, r: unknown) => void)(err, reportNameAsText(res));
    }
    const out = original.apply(this, args);
    return out instanceof Promise ? out.then(reportNameAsText) : out;
  };
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
