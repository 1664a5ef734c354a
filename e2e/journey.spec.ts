import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { expect, test } from "@playwright/test";
import {
  CHAT_DATASET,
  chartPoints,
  createTeam,
  dropFile,
  fillAndStartJob,
  jobState,
  shot,
  signUp,
  sizeMatches,
  uniqueEmail,
} from "./helpers";

const TERMINAL = ["succeeded", "failed", "cancelled"];
const ORDER = ["validating_files", "pending_quota", "queued", "running", "succeeded"];

test("sign up, upload a chat dataset by drag and drop, fine-tune the tiny model, download the adapter", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const email = uniqueEmail("ada");

  // ---- sign up and create a team
  await signUp(page, { name: "Ada Lovelace", email, screenshot: "01-sign-up" });
  await expect(page.getByRole("heading", { name: /Welcome, Ada/ })).toBeVisible();
  const team = await createTeam(page, "Northwind Support");
  await expect(page.getByTestId("current-user-email")).toHaveText(email);
  await expect(page.getByTestId("datasets-count")).toHaveText("0");
  await expect(page.getByTestId("active-jobs-count")).toHaveText("0");
  await shot(page, "02-overview-empty");

  // ---- upload by dropping the file on the dropzone
  await page.getByTestId("nav-datasets").click();
  await page.waitForURL(`**/t/${team}/datasets`);
  const zone = page.getByTestId("dataset-dropzone");
  await expect(zone).toBeVisible();
  await dropFile(zone, CHAT_DATASET);
  await expect(page.getByTestId("selected-file")).toHaveText("support-chat.jsonl");
  await expect(page.getByTestId("dataset-name-input")).toHaveValue("support-chat");
  await shot(page, "03-datasets-file-dropped");
  await page.getByTestId("upload-submit").click();

  // ---- the dataset page with its profile
  await page.waitForURL(/\/datasets\/[^/?]+\?version=/, { timeout: 60_000 });
  await expect(page.getByTestId("dataset-name")).toHaveText("support-chat");
  const rows = readFileSync(CHAT_DATASET, "utf8")
    .split("\n")
    .filter((l) => l.trim()).length;
  await expect(page.getByTestId("profile-rows")).toHaveText(rows.toLocaleString("en-US"));
  await expect(page.getByTestId("dataset-format").first()).toHaveAttribute("data-format", "chat");
  await expect(page.getByTestId("profile-version")).toHaveText("v1");
  const sha = createHash("sha256").update(readFileSync(CHAT_DATASET)).digest("hex");
  await expect(page.getByTestId("profile-sha256")).toHaveAttribute("title", sha);
  // The histogram is drawn: bars with a real height over labelled buckets, not an empty chart. (The rows of
  // this file are 200–500 characters long: two buckets, 200–300 and 300–500.)
  const histogram = page.getByTestId("length-histogram");
  const bar = histogram.locator(".recharts-bar-rectangle path").first();
  await expect(bar).toBeVisible();
  await expect.poll(async () => (await bar.boundingBox())?.height ?? 0).toBeGreaterThan(50);
  await expect(histogram).toContainText("200–300");
  await expect(histogram).toContainText("300–500");
  await expect(page.getByTestId("dataset-sample")).toContainText("Northwind");
  await expect(page.getByTestId("dataset-version-row")).toHaveCount(1);
  await shot(page, "04-dataset-profile");

  // ---- the new job form, pre-filled from the dataset page
  await page.getByTestId("train-on-dataset").click();
  await page.waitForURL(/\/jobs\/new\?dataset=/);
  await expect(page.getByTestId("dataset-select").locator("option:checked")).toHaveText("support-chat");
  const jobName = `northwind-support-lora-${Date.now().toString(36)}`;
  const jobId = await fillAndStartJob(
    page,
    {
      name: jobName,
      batchSize: 8,
      maxSeqLength: 128,
      advanced: {
        maxSteps: 30,
        evalEverySteps: 10,
        logEverySteps: 2,
        checkpointEverySteps: 20,
        earlyStoppingPatience: 0,
      },
    },
    "05-new-job-form",
  );

  // ---- watch it: queued → running → succeeded, the loss chart growing while it runs
  await expect(page.getByTestId("hp-value-maxSteps")).toHaveText("30");
  await expect(page.getByTestId("hp-value-batchSize")).toHaveText("8");
  const seen: { state: string; points: number }[] = [];
  let runningShot = false;
  const deadline = Date.now() + 240_000;
  for (;;) {
    const state = (await jobState(page)) ?? "";
    const points = await chartPoints(page);
    const last = seen.at(-1);
    if (!last || last.state !== state || last.points !== points) seen.push({ state, points });
    if (state === "running" && points >= 4 && !runningShot) {
      await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
      await shot(page, "06-job-running");
      runningShot = true;
    }
    if (TERMINAL.includes(state)) break;
    if (Date.now() > deadline) throw new Error(`the job did not finish in time; seen ${JSON.stringify(seen)}`);
    await page.waitForTimeout(150);
  }
  test.info().annotations.push({ type: "observed", description: JSON.stringify(seen) });
  const states = seen.map((s) => s.state).filter((s, i, a) => a.indexOf(s) === i);
  expect(states.at(-1), `states seen: ${states.join(" → ")}`).toBe("succeeded");
  expect(states).toContain("running");
  // Never backwards through the lifecycle.
  const ranks = states.map((s) => ORDER.indexOf(s));
  expect(ranks.every((r) => r >= 0)).toBe(true);
  expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  // The chart grew while the job ran (at least two different non-zero point counts, increasing).
  const whileRunning = seen.filter((s) => s.state === "running" && s.points > 0).map((s) => s.points);
  expect(whileRunning.length, `points while running: ${whileRunning}`).toBeGreaterThanOrEqual(2);
  expect(whileRunning.at(-1)!).toBeGreaterThan(whileRunning[0]!);
  expect(runningShot).toBe(true);

  // The timeline reached every step of the happy path, including queued.
  for (const s of ["validating_files", "queued", "running", "succeeded"]) {
    await expect(page.getByTestId(`timeline-${s}`)).toHaveAttribute("data-reached", "true");
  }
  await expect(page.getByTestId("job-progress-percent")).toHaveText("100%");
  await expect(page.getByTestId("job-steps")).toHaveText("step 30 of 30");
  await expect(page.getByTestId("cancel-job")).toHaveCount(0);
  // Train loss every 2 steps over 30 steps, plus the evaluations.
  await expect.poll(() => chartPoints(page)).toBeGreaterThanOrEqual(15);
  const lines = page.getByTestId("loss-chart").locator("path.recharts-line-curve");
  await expect(lines).toHaveCount(2); // train_loss and val_loss
  for (const d of await lines.evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? "")))
    expect(d.length).toBeGreaterThan(20);
  await expect(page.getByTestId("job-log-line").first()).toBeVisible();
  await expect(
    page
      .getByTestId("job-log-line")
      .filter({ hasText: /succeeded/i })
      .first(),
  ).toBeVisible();

  // ---- download the adapter: file name, size as shown, checksum as shown
  const adapterRow = page.getByTestId("artifact-row").filter({ hasText: "adapter_model.safetensors" });
  await expect(adapterRow).toHaveCount(1);
  const shownSize = (await adapterRow.locator("span.tabular").first().textContent())!.trim();
  const shownSha = (await adapterRow.locator("[title]").first().getAttribute("title"))!;
  await shot(page, "07-job-succeeded");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    adapterRow.getByTestId("artifact-download").click(),
  ]);
  expect(download.suggestedFilename()).toBe("adapter_model.safetensors");
  const file = test.info().outputPath("adapter_model.safetensors");
  await download.saveAs(file);
  const bytes = statSync(file).size;
  expect(bytes).toBeGreaterThan(1000);
  expect(sizeMatches(shownSize, bytes), `page shows ${shownSize}, the download has ${bytes} bytes`).toBe(true);
  expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(shownSha);
  // A safetensors file: an 8-byte little-endian header length, then a JSON header.
  const head = readFileSync(file).subarray(0, 9);
  expect(head.readBigUInt64LE(0)).toBeGreaterThan(0n);
  expect(String.fromCharCode(head[8]!)).toBe("{");

  // ---- the jobs list, the overview and settings
  await page.getByTestId("nav-jobs").click();
  await page.waitForURL(`**/t/${team}/jobs`);
  const row = page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  await expect(row).toContainText(jobName);
  await expect(row.getByTestId("job-state")).toHaveAttribute("data-state", "succeeded");
  await shot(page, "08-jobs-list");

  await page.getByTestId("nav-overview").click();
  await page.waitForURL(new RegExp(`/t/${team}$`));
  await expect(page.getByTestId("datasets-count")).toHaveText("1");
  await expect(page.getByTestId("active-jobs-count")).toHaveText("0");
  await shot(page, "09-overview");

  await page.getByTestId("nav-models").click();
  await page.waitForURL(`**/t/${team}/models`);
  await expect(page.getByTestId("fine-tuned-models")).toContainText(jobName);
  await shot(page, "10-models");

  await page.getByTestId("nav-settings").click();
  await page.waitForURL(`**/t/${team}/settings`);
  await expect(page.getByTestId("member-row")).toContainText(email);
  await page.getByTestId("api-key-name").fill("ci-pipeline");
  await page.getByTestId("create-api-key").click();
  await expect(page.getByTestId("api-key-value")).toHaveText(/^wst_/);
  await shot(page, "11-settings");
});
