// Creates the database named in DATABASE_URL when it does not exist yet (connects to `postgres` to do it).
import pg from "pg";

const url = new URL(process.argv[2]);
const name = decodeURIComponent(url.pathname.slice(1));
if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
const admin = new URL(url);
admin.pathname = "/postgres";
const c = new pg.Client({ connectionString: admin.toString() });
await c.connect();
const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
if (!rowCount) {
  await c.query(`CREATE DATABASE "${name}"`);
  console.log(`created database ${name}`);
} else {
  console.log(`database ${name} exists`);
}
await c.end();
