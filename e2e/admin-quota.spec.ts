import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { CHAT_DATASET, ROOT, createTeam, fillAndStartJob, shot, signUp, uniqueEmail, uploadWithInput } from "./helpers";

/**
 * The instance admin is the account the seed creates (e2e/start-stack.sh sets WHETSTONE_ADMIN_EMAIL); its random
 * password is printed once in the seed log of this stack run. Reading it there works whatever order the specs
 * run in (the first sign-up of a fresh stack is not the admin: the seeded account already exists).
 */
const ADMIN_EMAIL = "admin@e2e.test";
function adminPassword(): string {
  const log = readFileSync(path.join(ROOT, "test-results/e2e-stack/logs/seed.log"), "utf8");
  const m = /password:\s*(\S+)/.exec(log);
  if (!m) throw new Error(`no admin password in the seed log:\n${log}`);
  return m[1]!;
}

async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto("/sign-in");
  const form = page.getByTestId("sign-in-form");
  await form.getByLabel("Email").fill(ADMIN_EMAIL);
  await form.getByLabel("Password").fill(adminPassword());
  await page.getByTestId("sign-in-submit").click();
  await expect(page.getByTestId("nav-admin")).toBeVisible({ timeout: 30_000 });
}

async function setConcurrentGpus(admin: Page, team: string, teamName: string, value: string): Promise<void> {
  await admin.goto("/admin/quotas");
  const row = admin.getByTestId(`quota-${team}`);
  await expect(row).toBeVisible();
  await row.getByLabel(`Concurrent GPUs for ${teamName}`).fill(value);
  const save = row.getByRole("button", { name: "Save" });
  await save.click();
  // Saved: the list reloads with the new value, so the row is clean again.
  await expect(row.getByLabel(`Concurrent GPUs for ${teamName}`)).toHaveValue(value);
  await expect(save).toBeDisabled({ timeout: 15_000 });
}

/** The job's state as the database has it, read by reloading the page (no reliance on a live update). */
async function stateAfterReload(page: Page): Promise<string | null> {
  await page.reload();
  return page.getByTestId("job-state").first().getAttribute("data-state");
}

test("a team over its GPU quota waits in pending_quota with the reason; raising the quota starts the job", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const memberCtx = await browser.newContext();
  const adminCtx = await browser.newContext();
  const member = await memberCtx.newPage();
  const admin = await adminCtx.newPage();
  try {
    // A member's team with a dataset.
    await signUp(member, { name: "Quinn Quota", email: uniqueEmail("quinn") });
    const teamName = `Quota Lab ${Date.now().toString(36)}`;
    const team = await createTeam(member, teamName);
    await uploadWithInput(member, team, CHAT_DATASET);

    // The admin allows the team no GPU at all.
    await signInAsAdmin(admin);
    await admin.getByTestId("nav-admin").click();
    await admin.waitForURL(/\/admin/);
    await setConcurrentGpus(admin, team, teamName, "0");
    await expect(admin.getByTestId(`quota-${team}`)).toContainText("0 running");

    // Two submissions: both wait, and say why.
    const tiny = { epochs: 1, batchSize: 4, maxSeqLength: 128, advanced: { maxSteps: 3, evalEverySteps: 3 } };
    await member.getByTestId("train-on-dataset").click();
    const first = await fillAndStartJob(member, { name: "waits-first", ...tiny });
    await expect(member.getByTestId("job-state").first()).toHaveAttribute("data-state", "pending_quota");
    await expect(member.getByTestId("pending-reason")).toContainText("team quota: 0 of 0 concurrent GPUs in use");
    await expect(member.getByTestId("timeline-pending_quota")).toHaveAttribute("data-reached", "true");
    await shot(member, "30-job-pending-quota");

    await member.goto(`/t/${team}/jobs/new`);
    const second = await fillAndStartJob(member, { name: "waits-second", ...tiny });
    await expect(member.getByTestId("pending-reason")).toBeVisible();

    await member.goto(`/t/${team}/jobs`);
    const rows = member.getByTestId("job-row");
    await expect(rows).toHaveCount(2);
    for (const id of [first, second]) {
      const row = member.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
      await expect(row.getByTestId("job-state")).toHaveAttribute("data-state", "pending_quota");
      await expect(row.getByTestId("pending-reason")).toHaveText("team quota: 0 of 0 concurrent GPUs in use");
    }
    await shot(member, "31-jobs-pending-quota");

    await admin.goto("/admin/quotas");
    await expect(admin.getByTestId(`quota-${team}`)).toContainText("2 pending");
    await shot(admin, "32-admin-quotas");

    // One GPU: the older job starts by itself; the other keeps waiting, now for "1 of 1".
    await setConcurrentGpus(admin, team, teamName, "1");
    await member.goto(`/t/${team}/jobs/${first}`);
    await expect
      .poll(() => stateAfterReload(member), { timeout: 60_000, intervals: [1_000, 2_000, 3_000] })
      .not.toBe("pending_quota");
    await expect(member.getByTestId("pending-reason")).toHaveCount(0);

    await member.goto(`/t/${team}/jobs/${second}`);
    const secondState = await member.getByTestId("job-state").first().getAttribute("data-state");
    // It may already have started if the first one finished in between (the worker promotes on every end).
    if (secondState === "pending_quota") {
      // Still waiting on the team's concurrency limit (the reason is refreshed when nothing can be promoted).
      await expect(member.getByTestId("pending-reason")).toContainText(
        /team quota: \d+ of \d+ concurrent GPUs? in use/,
      );
      // Leave the runner to the next specs: the waiting job is cancelled before it takes a GPU.
      await member.getByTestId("cancel-job").click();
      await member.getByTestId("confirm-dialog-confirm").click();
      await expect(member.getByTestId("job-state").first()).toHaveAttribute("data-state", "cancelled", {
        timeout: 30_000,
      });
    }

    // The admin console: the audit log records both quota changes.
    await admin.goto("/admin/audit");
    await expect(admin.getByTestId("audit-table")).toContainText("quota.set");
    await shot(admin, "33-admin-audit");

    // The first job runs to its end on the runner (3 steps of the tiny model).
    await member.goto(`/t/${team}/jobs/${first}`);
    await expect(member.getByTestId("job-state").first()).toHaveAttribute("data-state", "succeeded", {
      timeout: 90_000,
    });

    await admin.goto("/admin/runners");
    await expect(admin.getByTestId("runners-table")).toContainText("e2e-runner", { timeout: 30_000 });
    await shot(admin, "34-admin-runners");
    await admin.goto("/admin/usage");
    await admin.getByLabel("Team").selectOption({ label: teamName });
    await expect(admin.getByTestId("usage-days")).toBeVisible();
    await shot(admin, "35-admin-usage");
  } finally {
    await memberCtx.close();
    await adminCtx.close();
  }
});

test("the job form estimates GPU memory and time before launch, and follows the settings", async ({ page }) => {
  test.setTimeout(90_000);
  await signUp(page, { name: "Esti Mate", email: uniqueEmail("esti") });
  const team = await createTeam(page, "Estimates");
  await uploadWithInput(page, team, CHAT_DATASET);

  // A model of known size (the name matches a published configuration), registered for the team.
  const res = await page.request.post("/api/trpc/baseModels.register", {
    headers: { "x-whetstone-team": team, "content-type": "application/json" },
    data: { json: { name: "Meta-Llama-3-8B", source: "huggingface", ref: "meta-llama/Meta-Llama-3-8B" } },
  });
  expect(res.status(), await res.text()).toBe(200);
  const modelId = ((await res.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;

  await page.goto(`/t/${team}/jobs/new?base=${modelId}`);
  await expect(page.getByTestId("base-model-select")).toHaveValue(modelId);
  const estimate = page.getByTestId("job-estimate");
  const total = page.getByTestId("job-estimate-total");
  await expect(total).toHaveText(/^\d+(\.\d)? GB$/, { timeout: 30_000 });
  await expect(estimate).toHaveAttribute("data-state", "ready");
  for (const term of ["weights", "trainableParams", "gradients", "optimizerState", "activations", "overhead"]) {
    await expect(page.getByTestId(`job-estimate-${term}`)).toBeVisible();
  }
  await expect(page.getByTestId("job-estimate-duration")).toHaveText(/^~/);
  await expect(estimate).toContainText("on one A100 80GB");
  await expect(page.getByTestId("job-estimate-fit")).toBeVisible();
  const gb = async () => Number((await total.textContent())!.replace(" GB", ""));
  const lora = await gb();

  // QLoRA keeps a 4-bit base: less memory.
  await page.getByTestId("method-qlora").click();
  await expect.poll(gb, { timeout: 15_000 }).toBeLessThan(lora);
  // Full fine-tuning of 8 B parameters: far more (16 bytes per parameter).
  await page.getByTestId("method-full").click();
  await expect.poll(gb, { timeout: 15_000 }).toBeGreaterThan(100);
  await page.getByTestId("method-lora").click();
  await expect.poll(gb, { timeout: 15_000 }).toBe(lora);
  // Longer sequences: more activations.
  await page.getByTestId("hp-maxSeqLength").fill("4096");
  await expect.poll(gb, { timeout: 15_000 }).toBeGreaterThan(lora);

  await page.getByTestId("toggle-estimate-assumptions").click();
  await expect(page.getByTestId("job-estimate-assumptions")).toContainText("Dataset tokens");
  await shot(page, "36-job-form-estimate");
});
