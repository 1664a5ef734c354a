/** Writes the contract and the JSON Schemas the Python runner loads. `npm run queue:schema`; a test fails when stale. */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchemas } from "../src/json-schema";

const dir = fileURLToPath(new URL("../schema/", import.meta.url));
const files = renderSchemas();
for (const old of readdirSync(dir)) if (!(old in files)) rmSync(dir + old); // a renamed export leaves no stale copy
for (const [file, text] of Object.entries(files)) {
  writeFileSync(dir + file, text);
  console.log(`wrote packages/queue/schema/${file}`);
}
