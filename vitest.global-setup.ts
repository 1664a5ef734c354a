import { prepareTemplateDatabase } from "@whetstone/db/testing";

/** Applies the committed migrations to this run's template database, which every test file copies. */
export default async function setup() {
  const drop = await prepareTemplateDatabase();
  return drop; // teardown
}
