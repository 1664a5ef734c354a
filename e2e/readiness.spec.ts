import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createTeam, fillAndStartJob, ROOT, shot, signUp, uniqueEmail, uploadWithInput } from "./helpers";

/** 40 varied support chats, two exact repeats, and two rows with a card number and an e-mail address. */
function writeDataset(): string {
  const words = (
    "refund shipping password invoice warranty delivery account billing return order parcel courier address label " +
    "tracking payment receipt discount coupon voucher subscription renewal cancel upgrade plan device screen battery " +
    "charger cable adapter store branch manager agent ticket priority urgent weekend holiday morning evening policy"
  ).split(" ");
  let seed = 11;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const say = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
  const chat = (user: string, assistant: string) => ({
    messages: [
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
  const rows = Array.from({ length: 40 }, () => chat(`${say(10)}?`, `${say(14)}.`));
  rows.push(rows[2]!, rows[9]!); // lines 41, 42 repeat lines 3 and 10
  rows.push(chat("Which card did I pay with?", "The card 4111 1111 1111 1111 on your account."));
  rows.push(chat("Where is my receipt?", "We e-mailed it to jane.doe@example.com this morning."));
  const dir = path.join(ROOT, "test-results", "e2e-files");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "billing-chats.jsonl");
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  return file;
}

test("readiness: a dataset with duplicates and personal data is blocked, a cleaned version trains", async ({
  page,
}) => {
  await signUp(page, { name: "Ada Byron", email: uniqueEmail("ada") });
  const team = await createTeam(page, "Billing Desk");
  await uploadWithInput(page, team, writeDataset(), "billing-chats");

  // The verdict, its one line, and examples by line with the values masked.
  const card = page.getByTestId("readiness-card");
  await expect(card).toHaveAttribute("data-verdict", "blocked");
  await expect(page.getByTestId("readiness-reason")).toContainText("personal data");
  const pii = page.locator('[data-testid="readiness-check"][data-check="personal_data"]');
  await expect(pii).toHaveAttribute("data-severity", "blocker");
  await expect(pii.getByTestId("readiness-masked-value").first()).toHaveText("•••• •••• •••• 1111");
  await expect(pii).toContainText("line 43");
  await expect(page.locator("body")).not.toContainText("4111 1111 1111 1111");
  await expect(page.locator("body")).not.toContainText("jane.doe@example.com");
  const dups = page.locator('[data-testid="readiness-check"][data-check="exact_duplicates"]');
  await expect(dups).toContainText("2 rows");
  await dups.getByRole("button").first().click();
  await expect(dups.getByTestId("readiness-example-line").first()).toHaveText("line 41");
  await shot(page, "60-readiness-blocked");

  // The job form summarises it and says why.
  await page.getByTestId("train-on-dataset").click();
  await page.waitForURL(/\/jobs\/new/);
  await expect(page.getByTestId("job-readiness")).toHaveAttribute("data-verdict", "blocked", { timeout: 30_000 });
  await expect(page.getByTestId("readiness-override-reason")).toBeVisible();
  await shot(page, "61-job-form-readiness-blocked");
  await page.goBack();

  // One click makes the cleaned version, which records what it removed.
  await expect(page.getByTestId("clean-version")).toBeVisible();
  const before = page.url();
  await page.getByTestId("clean-version").click();
  await page.waitForURL((u) => u.toString() !== before && /version=/.test(u.toString()), { timeout: 60_000 });
  const note = page.getByTestId("derivation-note");
  await expect(note).toContainText("Cleaned from v1");
  await expect(note).toContainText("2 exact duplicates (lines 41, 42)");
  await expect(note).toContainText("Masked 1 card, 1 email");
  await expect(page.getByTestId("profile-version")).toHaveText("v2");
  await expect(page.getByTestId("profile-rows")).toHaveText("42");
  await expect(page.getByTestId("readiness-card")).not.toHaveAttribute("data-verdict", "blocked");
  await expect(page.getByTestId("dataset-version-row")).toHaveCount(2);
  await shot(page, "62-readiness-cleaned");

  // And a job starts on it.
  await page.getByTestId("train-on-dataset").click();
  await page.waitForURL(/\/jobs\/new/);
  await expect(page.getByTestId("job-readiness")).not.toHaveAttribute("data-verdict", "blocked", { timeout: 30_000 });
  await expect(page.getByTestId("job-readiness")).not.toHaveAttribute("data-verdict", "");
  // Lengths in the model's tokens (folded with the passed checks when nothing is cut).
  const tokens = page.locator('[data-testid="readiness-check"][data-check="token_length"]');
  if ((await tokens.count()) === 0)
    await page.getByTestId("job-readiness").getByTestId("readiness-show-passed").click();
  await expect(tokens).toBeVisible();
  await shot(page, "63-job-form-readiness-cleaned");
  await fillAndStartJob(page, {
    name: "billing-clean-lora",
    maxSeqLength: 64,
    advanced: { maxSteps: 2, evalEverySteps: 1, logEverySteps: 1, checkpointEverySteps: 2 },
  });
  await expect(page.getByTestId("job-state").first()).toBeVisible();
});
