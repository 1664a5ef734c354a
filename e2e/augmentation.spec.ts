import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createTeam, ROOT, shot, signUp, uniqueEmail, uploadWithInput } from "./helpers";

/** 60 short support tickets in two classes: small enough to want more rows. */
function writeDataset(): string {
  const words = (
    "refund shipping password invoice warranty delivery account billing return order parcel courier address label " +
    "tracking payment receipt discount coupon voucher subscription renewal cancel upgrade plan device screen battery"
  ).split(" ");
  let seed = 5;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const say = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
  const rows = Array.from({ length: 60 }, (_, i) => ({ text: say(12), label: i % 2 ? "shipping" : "billing" }));
  const dir = path.join(ROOT, "test-results", "e2e-files");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "tickets.jsonl");
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  return file;
}

test("augmentation: perturbations make a new version with provenance; did it help starts both trainings", async ({
  page,
}) => {
  await signUp(page, { name: "Karen Sparck Jones", email: uniqueEmail("karen") });
  const team = await createTeam(page, "Ticket Triage");
  await uploadWithInput(page, team, writeDataset(), "tickets");

  const card = page.getByTestId("augment-card");
  await expect(card).toBeVisible();
  await expect(page.getByTestId("augment-method")).toHaveValue("perturb");
  await page.getByTestId("augment-target").fill("30");
  await page.getByTestId("augment-start").click();
  const aug = page.getByTestId("augmentation");
  await expect(aug).toHaveAttribute("data-state", "succeeded", { timeout: 120_000 });
  await expect(page.getByTestId("augmented-version-link")).toBeVisible({ timeout: 30_000 });
  await shot(page, "64-augmentation-done");

  await page.getByTestId("augmented-version-link").click();
  const note = page.getByTestId("augmented-note");
  await expect(note).toContainText("Augmented from v1", { timeout: 30_000 });
  await expect(note).toContainText("60 rows, then");
  await expect(page.getByTestId("profile-version")).toHaveText("v2");
  const rows = Number((await page.getByTestId("profile-rows").textContent())!.replace(/,/g, ""));
  expect(rows).toBeGreaterThan(60);
  expect(rows).toBeLessThanOrEqual(90);

  // Did it help? One action, two trainings with the same settings and seed.
  await page.getByTestId("compare-model").selectOption({ label: "tiny-llama (offline demo)" });
  await page.getByTestId("compare-start").click();
  await expect(page.getByTestId("did-it-help-without")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("did-it-help-with")).toBeVisible();
  await expect(page.getByTestId("did-it-help-with")).toContainText("with augmentation");
  await shot(page, "65-augmentation-did-it-help");

  // Leave the one runner of the stack to the specs after this one: cancel both trainings.
  for (const arm of ["without", "with"]) {
    await page.getByTestId(`did-it-help-${arm}`).getByRole("link").first().click();
    await page.waitForURL(/\/jobs\/(?!new)[^/?]+$/);
    await expect(page.getByTestId("job-name")).toBeVisible();
    // The tiny model may finish a short training before the click lands: then there is nothing left to cancel.
    const cancel = page.getByTestId("cancel-job");
    const clicked = await cancel.click({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (clicked) await page.getByTestId("confirm-dialog-confirm").click();
    await expect(cancel).toHaveCount(0, { timeout: 60_000 });
    await page.goBack();
  }
});
