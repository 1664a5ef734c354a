import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import {
  CHAT_DATASET,
  createTeam,
  fillAndStartJob,
  jobState,
  ROOT,
  shot,
  signUp,
  uniqueEmail,
  uploadWithInput,
} from "./helpers";

const FINAL = ["succeeded", "failed", "cancelled"];

test("a finished fine-tune is evaluated against its base: the job page shows it, the report gives the verdict", async ({
  page,
}) => {
  // The automatic evaluations of the jobs earlier specs trained run first on the one e2e runner (evaluations go
  // ahead of training on the queue), so this job's evaluation may wait behind them on a 2-core machine.
  test.setTimeout(600_000);
  await signUp(page, { name: "Eve Evaluator", email: uniqueEmail("eve") });
  const team = await createTeam(page, "Northwind Quality");
  await uploadWithInput(page, team, CHAT_DATASET);

  // ---- the journey's quickest succeeded job on the tiny model (default testSplit 0.1: 16 held-out rows)
  await page.getByTestId("train-on-dataset").click();
  const jobName = `eval-me-${Date.now().toString(36)}`;
  await fillAndStartJob(page, {
    name: jobName,
    batchSize: 8,
    maxSeqLength: 128,
    advanced: { maxSteps: 8, evalEverySteps: 4, logEverySteps: 2, earlyStoppingPatience: 0 },
  });
  await expect
    .poll(() => jobState(page), { timeout: 180_000, intervals: [1000] })
    .toMatch(/succeeded|failed|cancelled/);
  expect(await jobState(page)).toBe("succeeded");

  // ---- the job page's evaluation card: the automatic evaluation appears by itself
  const card = page.getByTestId("evaluation-card");
  await expect(card).toBeVisible();
  const evalState = card.getByTestId("evaluation-state");
  await expect(evalState).toBeVisible({ timeout: 30_000 });
  const href = (await card.getByTestId("evaluation-report-link").getAttribute("href"))!;
  const evaluationId = href.split("/").pop()!;

  // ---- the report page holding a three-model classification report, built by the runner's own report code
  // (whetstone_runner.evaluation.build_report) and served in place of this evaluation's: the compare view, the
  // confusion matrices, per-class bars and flips with examples, which a 16-row chat split cannot show.
  await serveReport(page, classificationReport());
  await page.goto(href);
  await expect(page.getByTestId("compare-view")).toBeVisible();
  await expect(page.getByTestId("compare-row")).toHaveCount(3);
  await expect(page.getByTestId("compare-best").first()).toBeVisible();
  await expect(page.getByTestId("evaluation-headline")).toHaveAttribute("data-verdict", "better");
  await expect(page.getByTestId("confusion-matrix")).toHaveCount(2);
  await expect(page.getByTestId("per-class-row")).toHaveCount(4);
  await expect(page.getByTestId("flip-row").first()).toBeVisible();
  // The first candidate's calibration got worse (not significantly): the warning shows above its sections.
  await expect(page.getByTestId("evaluation-warnings")).toContainText("expected calibration error");
  await shot(page, "53-evaluation-compare-classification");
  await page.getByTestId("candidate-picker").getByRole("tab").nth(1).click();
  await expect(page.getByTestId("evaluation-headline")).toContainText("Model 'support-clf-full' beats the base");
  await shot(page, "54-evaluation-second-candidate");
  await page.unrouteAll();

  // ---- back on the job page, the real evaluation runs and completes
  await page.goBack();
  await page.waitForURL(/\/jobs\/[^/]+$/);
  const seen: string[] = [];
  let runningShot = false;
  const deadline = Date.now() + 360_000;
  for (;;) {
    const state = (await evalState.getAttribute("data-state")) ?? "";
    if (seen.at(-1) !== state) seen.push(state);
    if (state === "running" && !runningShot) {
      await shot(page, "50-job-evaluation-running");
      runningShot = true;
    }
    if (FINAL.includes(state)) break;
    if (Date.now() > deadline) {
      await shot(page, "50-job-evaluation-stuck");
      throw new Error(`the evaluation did not finish in time; states seen: ${seen.join(" → ")}`);
    }
    await page.waitForTimeout(500);
  }
  test.info().annotations.push({ type: "evaluation states", description: seen.join(" → ") });
  // Only a failed evaluation shows an error box: read it when it is there, never wait for it (an action on a
  // missing element waits for the whole test's time).
  const errorBox = card.getByTestId("evaluation-card-error");
  const error = (await errorBox.count()) > 0 ? await errorBox.textContent() : null;
  expect(seen.at(-1), `states: ${seen.join(" → ")}; error: ${error}`).toBe("succeeded");
  await expect(card.getByTestId("evaluation-headline")).toContainText(/the base/);
  await expect(card.getByTestId("evaluation-card-primary")).toContainText(/CI \[/);
  await shot(page, "51-job-evaluation-done");

  // ---- the real report
  await card.getByTestId("evaluation-report-link").click();
  await page.waitForURL(/\/evaluations\/[^/]+$/);
  await expect(page.getByTestId("evaluation-state")).toHaveAttribute("data-state", "succeeded");
  const headline = page.getByTestId("evaluation-headline");
  await expect(headline).toContainText(
    /The fine-tuned model (beats|is significantly worse than|is not significantly different from) the base/,
  );
  await expect(headline).toContainText(/95% CI \[/);
  const verdict = await headline.getAttribute("data-verdict");
  expect(["better", "not_significant", "significantly_worse"]).toContain(verdict);
  // Supervised fine-tuning: loss, perplexity, token accuracy, exact match, ROUGE-L and chrF, each with its interval.
  const rows = page.getByTestId("metric-row");
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(4);
  await expect(page.locator('[data-testid="metric-row"][data-metric="perplexity"]')).toContainText("lower is better");
  await expect(page.getByTestId("ci-bar").first()).toBeVisible();
  await expect(page.getByTestId("measured-examples")).toHaveText(/\d+/);
  await expect(page.getByTestId("measured-bootstrap")).toContainText("resamples");
  // The flips: both tabs, each with its count; the rows (if any) show both outputs side by side.
  const flips = page.getByTestId("flips");
  await expect(flips).toBeVisible();
  await expect(page.getByTestId("flips-tab-gained")).toBeVisible();
  await expect(page.getByTestId("flips-tab-lost")).toBeVisible();
  await shot(page, "52-evaluation-report");
  await page.getByTestId("flips-tab-lost").click();
  await expect(flips).toHaveAttribute("data-side", "lost");
  const flipRows = await page.getByTestId("flip-row").count();
  test.info().annotations.push({ type: "flip rows (lost tab)", description: String(flipRows) });
  if (flipRows === 0) await expect(page.getByTestId("flips-empty")).toBeVisible();

  // ---- the evaluations list
  await page.getByTestId("nav-evaluations").click();
  await page.waitForURL(`**/t/${team}/evaluations`);
  const row = page.locator(`[data-testid="evaluation-row"][data-evaluation-id="${evaluationId}"]`);
  await expect(row.getByTestId("evaluation-state")).toHaveAttribute("data-state", "succeeded");
  await expect(row.getByTestId("evaluation-row-headline")).toContainText("the base");
  await shot(page, "55-evaluations-list");

  // ---- a new evaluation with the same model twice: refused at the field it concerns
  await page.getByTestId("new-evaluation-button").click();
  await page.waitForURL(`**/t/${team}/evaluations/new`);
  const selects = page.getByTestId("evaluation-model-select");
  await expect(selects).toHaveCount(2);
  const tunedId = (await selects.first().locator("optgroup[label='Fine-tuned'] option").first().getAttribute("value"))!;
  await selects.nth(0).selectOption(tunedId);
  await selects.nth(1).selectOption(tunedId);
  await page.getByTestId("create-evaluation-submit").click();
  const fieldError = page.getByTestId("evaluation-model-row").nth(1).getByTestId("field-error");
  await expect(fieldError).toContainText("already in the list");
  await shot(page, "56-new-evaluation-error");
});

/** Serve `report` as the report of every evaluations.get answer (the rest of the answer stays the server's). */
async function serveReport(page: Page, report: Record<string, unknown>) {
  await page.route(/\/api\/trpc\/[^?]*evaluations\.get/, async (route) => {
    const response = await route.fetch();
    const procedures = new URL(route.request().url()).pathname.split("/").pop()!.split(",");
    const body = (await response.json()) as { result?: { data?: { json?: Record<string, unknown> } } }[];
    procedures.forEach((p, i) => {
      const data = body[i]?.result?.data?.json;
      if (p === "evaluations.get" && data) {
        data.state = "succeeded";
        data.report = report;
        data.models = (report.models as string[]).map((label, position) => ({
          ...(data.models as Record<string, unknown>[])[0],
          position,
          label,
          name: label,
          reference: position === 0,
          sourceJobId: null,
        }));
      }
    });
    await route.fulfill({ response, json: body });
  });
}

function classificationReport(): Record<string, unknown> {
  const script = `
import json, numpy as np
from whetstone_runner.evaluation import ClassificationTask, ClassifierOutput, build_report
rng = np.random.default_rng(7)
labels = ["billing", "outage", "account", "feedback"]
n = 160
y = rng.choice(labels, size=n, p=[0.35, 0.3, 0.2, 0.15])
def model(skill, bias):
    probs = rng.dirichlet(np.ones(4) * 0.8, size=n)
    for i, t in enumerate(y):
        if rng.random() < skill:
            probs[i] = 0.25 * probs[i]; probs[i][labels.index(t)] += 0.75
    probs[:, labels.index(bias)] += 0.15
    probs /= probs.sum(axis=1, keepdims=True)
    return ClassifierOutput([labels[k] for k in probs.argmax(axis=1)], probs)
inputs = [f"Ticket {i}: " + ("my invoice was charged twice and the support portal keeps timing out when I try to download the receipt for last month, please help " * (1 + i % 3)) for i in range(n)]
task = ClassificationTask(list(y), {"SmolLM2-135M": model(0.25, "feedback"), "support-clf-lora": model(0.8, "billing"), "support-clf-full": model(0.55, "outage")}, labels=labels, inputs=inputs, name="support-tickets")
print(json.dumps(build_report(task, base="SmolLM2-135M", n_resamples=300)))
`;
  const out = execFileSync(path.join(ROOT, "gpu-runner/.venv/bin/python"), ["-c", script], {
    cwd: path.join(ROOT, "gpu-runner"),
    encoding: "utf8",
  });
  return JSON.parse(out) as Record<string, unknown>;
}
