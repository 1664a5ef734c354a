import { expect, test } from "@playwright/test";
import {
  CHAT_DATASET,
  chartPoints,
  createTeam,
  fillAndStartJob,
  jobState,
  shot,
  signUp,
  uniqueEmail,
  uploadWithInput,
} from "./helpers";

test("cancelling a running job stops it: the state ends cancelled and no model is produced", async ({ page }) => {
  test.setTimeout(240_000);
  await signUp(page, { name: "Carl Cancel", email: uniqueEmail("carl") });
  const team = await createTeam(page, "Finance Risk");
  await uploadWithInput(page, team, CHAT_DATASET);
  await page.getByTestId("train-on-dataset").click();
  const jobName = `long-run-${Date.now().toString(36)}`;
  const jobId = await fillAndStartJob(page, {
    name: jobName,
    epochs: 50,
    batchSize: 8,
    maxSeqLength: 128,
    advanced: { maxSteps: 5000, evalEverySteps: 50, logEverySteps: 1, earlyStoppingPatience: 0 },
  });

  // Wait until it really trains: running, with loss points on the chart.
  await expect(page.getByTestId("job-state").first()).toHaveAttribute("data-state", "running", { timeout: 120_000 });
  await expect.poll(() => chartPoints(page), { timeout: 120_000 }).toBeGreaterThan(1);
  const stepBefore = await page.getByTestId("job-steps").textContent();

  await page.getByTestId("cancel-job").click();
  const dialog = page.getByTestId("confirm-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Checkpoints written so far are kept");
  await shot(page, "14-cancel-dialog");
  await page.getByTestId("confirm-dialog-confirm").click();

  await expect(page.getByTestId("job-state").first()).toHaveAttribute("data-state", "cancelled", { timeout: 60_000 });
  expect(await jobState(page)).toBe("cancelled");
  await expect(page.getByTestId("timeline-cancelled")).toHaveAttribute("data-reached", "true");
  await expect(page.getByTestId("cancel-job")).toHaveCount(0);
  await expect(page.getByTestId("artifacts-empty")).toBeVisible();
  await expect(
    page
      .getByTestId("job-log-line")
      .filter({ hasText: /cancel/i })
      .first(),
  ).toBeVisible();
  // It stopped well before its 5,000 steps.
  const steps = (await page.getByTestId("job-steps").textContent()) ?? "";
  const step = Number(/step ([\d,]+)/.exec(steps)?.[1]?.replace(/,/g, "") ?? NaN);
  expect(step).toBeLessThan(5000);
  test.info().annotations.push({ type: "steps", description: `${stepBefore} → ${steps}` });

  // The state holds after a reload (it is the database's, not the page's), and the list agrees.
  await page.reload();
  await expect(page.getByTestId("job-state").first()).toHaveAttribute("data-state", "cancelled");
  await shot(page, "15-job-cancelled");
  await page.goto(`/t/${team}/jobs`);
  await expect(
    page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`).getByTestId("job-state"),
  ).toHaveAttribute("data-state", "cancelled");
});
