import { prepareTemplateDatabase } from "@whetstone/db/testing";

/** Applies the committed migrations to the template database every test file copies. */
export default async function setup() {
  await prepareTemplateDatabase();
}
