/** Writes the JSON Schemas the Python runner validates against. `npm run queue:schema`; a test fails when stale. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchemas } from "../src/json-schema";

const dir = fileURLToPath(new URL("../schema/", import.meta.url));
for (const [file, text] of Object.entries(renderSchemas())) {
  writeFileSync(dir + file, text);
  console.log(`wrote packages/queue/schema/${file}`);
}
