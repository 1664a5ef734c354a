import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, type Locator, type Page } from "@playwright/test";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CHAT_DATASET = path.join(ROOT, "examples/datasets/support-chat.jsonl");
export const BAD_DATASETS = path.join(ROOT, "packages/api/test/fixtures/bad-datasets");
export const PASSWORD = "correct-horse-battery";

/** A unique address per call, so specs never collide with each other or with an earlier run on the same stack. */
export function uniqueEmail(who: string): string {
  return `${who}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@e2e.test`;
}

export async function shot(page: Page, name: string): Promise<void> {
  // From the top (sticky sidebar and summary sit where they belong), after charts finish their entry animation.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(600);
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Sign up through the form; lands on onboarding. */
export async function signUp(page: Page, opts: { name: string; email: string; screenshot?: string }): Promise<void> {
  await page.goto("/sign-up");
  const form = page.getByTestId("sign-up-form");
  await form.getByLabel("Name").fill(opts.name);
  await form.getByLabel("Email").fill(opts.email);
  await form.getByLabel("Password").fill(PASSWORD);
  if (opts.screenshot) await shot(page, opts.screenshot);
  await page.getByTestId("sign-up-submit").click();
  await page.waitForURL("**/onboarding", { timeout: 30_000 });
}

/** Create a team on onboarding; returns its slug (from the URL it lands on). */
export async function createTeam(page: Page, name: string): Promise<string> {
  await expect(page.getByTestId("create-team-form")).toBeVisible();
  await page.getByLabel("Team name").fill(name);
  await page.getByTestId("create-team-submit").click();
  await page.waitForURL(/\/t\/[^/]+$/, { timeout: 30_000 });
  const slug = new URL(page.url()).pathname.split("/")[2]!;
  await expect(page.getByTestId("current-team")).toHaveText(name);
  return slug;
}

/**
 * Drop a file on the dropzone the way a browser does: a DataTransfer holding a File built from the bytes on
 * disk, then dragenter → dragover → drop events on the zone.
 */
export async function dropFile(zone: Locator, file: string, mimeType = "application/jsonl"): Promise<void> {
  const bytes = [...readFileSync(file)];
  const name = path.basename(file);
  const dataTransfer = await zone.page().evaluateHandle(
    ({ bytes, name, mimeType }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      return dt;
    },
    { bytes, name, mimeType },
  );
  await zone.dispatchEvent("dragenter", { dataTransfer });
  await zone.dispatchEvent("dragover", { dataTransfer });
  await zone.dispatchEvent("drop", { dataTransfer });
  await dataTransfer.dispose();
}

/** Upload through the datasets page's file input; returns the dataset page URL it lands on. */
export async function uploadWithInput(page: Page, team: string, file: string, name?: string): Promise<string> {
  await page.goto(`/t/${team}/datasets`);
  await page.getByTestId("dataset-file-input").setInputFiles(file);
  await expect(page.getByTestId("selected-file")).toHaveText(path.basename(file));
  if (name) await page.getByTestId("dataset-name-input").fill(name);
  await page.getByTestId("upload-submit").click();
  await page.waitForURL(/\/datasets\/[^/?]+\?version=/, { timeout: 60_000 });
  await expect(page.getByTestId("profile-rows")).toBeVisible();
  return page.url();
}

export interface JobSettings {
  name: string;
  batchSize?: number;
  maxSeqLength?: number;
  epochs?: number;
  advanced?: Partial<
    Record<"maxSteps" | "evalEverySteps" | "logEverySteps" | "checkpointEverySteps" | "earlyStoppingPatience", number>
  >;
}

/** Fill the new-job form (already open, dataset pre-selected) and start the job; returns the job id. */
export async function fillAndStartJob(page: Page, s: JobSettings, screenshot?: string): Promise<string> {
  const form = page.getByTestId("new-job-form");
  await expect(form).toBeVisible();
  await expect(page.getByTestId("dataset-mix-row")).toHaveCount(1);
  // The chat dataset allows supervised fine-tuning, which is picked for it.
  await expect(page.getByTestId("technique-sft").locator("input")).toBeChecked();
  await expect(page.getByTestId("method-lora").locator("input")).toBeChecked();
  await expect(page.getByTestId("base-model-select").locator("option:checked")).toContainText("tiny-llama");
  await page.getByTestId("job-name-input").fill(s.name);
  if (s.epochs != null) await page.getByTestId("hp-epochs").fill(String(s.epochs));
  if (s.batchSize != null) await page.getByTestId("hp-batchSize").fill(String(s.batchSize));
  if (s.maxSeqLength != null) await page.getByTestId("hp-maxSeqLength").fill(String(s.maxSeqLength));
  if (s.advanced) {
    await page.getByTestId("toggle-advanced").click();
    await expect(page.getByTestId("advanced-hyperparameters")).toBeVisible();
    for (const [k, v] of Object.entries(s.advanced)) await page.getByTestId(`hp-${k}`).fill(String(v));
  }
  if (screenshot) await shot(page, screenshot);
  await page.getByTestId("create-job-submit").click();
  await page.waitForURL(/\/jobs\/(?!new)[^/?]+$/, { timeout: 30_000 });
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("job-name")).toHaveText(s.name);
  return id;
}

export const jobState = (page: Page) => page.getByTestId("job-state").first().getAttribute("data-state");
export async function chartPoints(page: Page): Promise<number> {
  const v = await page
    .getByTestId("loss-chart")
    .getAttribute("data-points")
    .catch(() => null);
  return Number(v ?? 0);
}

/**
 * Parse a size the page shows ("1.2 MB", "870 B") and say whether `bytes` is what it rounds from. Written
 * independently of the app's formatter, so a wrong size on the page cannot agree with itself.
 */
export function sizeMatches(shown: string, bytes: number): boolean {
  const m = /^([\d.]+)\s*(B|KB|MB|GB)$/.exec(shown.trim());
  if (!m) return false;
  const unit = 1024 ** ["B", "KB", "MB", "GB"].indexOf(m[2]!);
  const decimals = m[1]!.includes(".") ? m[1]!.split(".")[1]!.length : 0;
  return Math.abs(bytes / unit - Number(m[1])) <= 0.5 * 10 ** -decimals + 1e-9;
}
