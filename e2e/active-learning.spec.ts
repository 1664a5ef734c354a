import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createTeam, ROOT, shot, signUp, uniqueEmail } from "./helpers";

const FIXTURES = path.join(ROOT, "e2e/fixtures/active-learning");
const POOL = path.join(FIXTURES, "support-pool.jsonl"); // 28 unlabelled support tickets
const HELD_OUT = path.join(FIXTURES, "support-held-out.jsonl"); // 16 labelled ones
const LABELLED = path.join(FIXTURES, "support-labelled.jsonl"); // the pool with its labels, for the simulation
const ANSWERS = path.join(FIXTURES, "support-answers.jsonl"); // prompt/completion: a generation project's held-out set
/** How a person tells the two labels apart in these fixtures (every billing ticket names money). */
const BILLING = /charge|invoice|refund|billed|billing|payment|receipt|price|discount|tax|credit|pay|renewal/i;
const K = 4;

test("active learning: pick, label by keyboard, retrain — twice — and the curve gains a point each round", async ({
  page,
  browser,
}, testInfo) => {
  // Two scoring jobs, two short trainings and two held-out evaluations on the one e2e runner, which also runs the
  // evaluations earlier specs queued first: room for all of it, every wait event-driven.
  test.setTimeout(900_000);
  await signUp(page, { name: "Ada Active", email: uniqueEmail("ada") });
  const team = await createTeam(page, "Northwind Support");

  // ---- the empty state says what the loop buys
  await page.getByTestId("nav-active-learning").click();
  await page.waitForURL(`**/t/${team}/active-learning`);
  await expect(page.getByTestId("empty-state")).toContainText("Label less, learn more");
  await shot(page, "60-active-learning-empty");

  await upload(page, team, POOL, "support-pool");
  await upload(page, team, HELD_OUT, "support-held-out");

  // ---- a classification project: two labels, a batch of K, a very short training
  await page.goto(`/t/${team}/active-learning`);
  await page.getByTestId("new-al-project").click();
  await page.waitForURL(`**/t/${team}/active-learning/new`);
  const form = page.getByTestId("new-al-project-form");
  await form.getByTestId("al-name").fill("Ticket routing");
  await expect(form.getByTestId("task-classification").locator("input")).toBeChecked();
  await form.getByTestId("label-name").nth(0).fill("billing");
  await form.getByTestId("label-description").nth(0).fill("money: invoices, charges, refunds");
  await form.getByTestId("label-name").nth(1).fill("outage");
  await form.getByTestId("label-description").nth(1).fill("something is down or broken");
  await expect(form.getByTestId("al-base-model").locator("option:checked")).toContainText("tiny-llama");
  await form.getByTestId("poolVersionId").selectOption({ index: 1 });
  await form.getByTestId("heldOutVersionId").selectOption({ index: 1 });
  await expect(form.getByTestId("strategy-margin").locator("input")).toBeChecked();
  await form.getByTestId("al-batch-size").fill(String(K));
  await form.getByTestId("hp-maxSteps").fill("4");
  await form.getByTestId("hp-maxSeqLength").fill("64");
  // A wrong setting is refused at its field, by the API.
  await form.getByTestId("hp-learningRate").fill("5");
  await page.getByTestId("create-al-project").click();
  await expect(form.getByTestId("error-learningRate")).toBeVisible();
  await form.getByTestId("hp-learningRate").fill("");
  await shot(page, "61-active-learning-new-project");
  await page.getByTestId("create-al-project").click();
  await page.waitForURL(/\/active-learning\/(?!new)[^/]+$/, { timeout: 30_000 });
  await expect(page.getByTestId("al-project-name")).toHaveText("Ticket routing");
  const projectUrl = page.url();
  const next = page.getByTestId("next-step");
  await expect(next).toHaveAttribute("data-next", "start_round");
  await expect(page.getByTestId("learning-curve")).toHaveAttribute("data-points", "0");

  // ---- round 1: the first batch is picked for variety (k-centre on the base model)
  await expect(page.getByTestId("pick-strategy").locator("option:checked")).toContainText("K-centre");
  await page.getByTestId("pick-batch").click();
  await expect(next).toHaveAttribute("data-next", /wait_for_scoring|label/);
  await expect(next).toHaveAttribute("data-next", "label", { timeout: 300_000 });
  await expect(page.getByTestId("batch-done")).toHaveText(`0 / ${K}`);

  await page.getByTestId("start-labelling").click();
  await page.waitForURL(/\/label$/);
  await expect(page.getByTestId("key-legend")).toBeVisible();
  const first = await itemText(page);
  // Enter takes the model's guess; U takes it back and returns to the row; ← / → move between rows.
  await page.keyboard.press("Enter");
  await nextRow(page, first);
  await page.keyboard.press("u");
  await expect(page.getByTestId("item-text")).toHaveText(first);
  await expect(page.getByTestId("item-outcome")).toHaveCount(0);
  await page.keyboard.press(keyFor(first));
  await nextRow(page, first);
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByTestId("item-text")).toHaveText(first);
  await expect(page.getByTestId("item-outcome")).toHaveAttribute("data-status", "saved");
  await expect(page.locator(`[data-testid="label-choice"][data-label="${label(first)}"]`)).toHaveClass(/emerald/);
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("item-text")).not.toHaveText(first);
  await shot(page, "62-active-learning-labelling");
  await labelTheRest(page, K - 1);
  await expect(page.getByTestId("labelling-progress")).toHaveAttribute("data-value", "100");

  // ---- labels out, and an import that names its bad line
  await page.goto(projectUrl);
  await expect(next).toHaveAttribute("data-next", "retrain");
  await expect(page.getByTestId("count-labelled").getByTestId("count-value")).toHaveText(String(K));
  const download = page.waitForEvent("download");
  await page.getByTestId("export-jsonl").click();
  const exported = readFileSync(await (await download).path(), "utf8")
    .trim()
    .split("\n");
  expect(exported).toHaveLength(K);
  for (const line of exported) {
    const row = JSON.parse(line) as { text: string; label: string; status: string };
    expect(row).toMatchObject({ status: "labelled", label: label(row.text) });
  }
  const bad = testInfo.outputPath("bad-labels.jsonl");
  writeFileSync(bad, `{"row": 9999, "label": "billing"}\n`);
  await page.getByTestId("import-labels-input").setInputFiles(bad);
  await expect(page.getByTestId("import-error")).toContainText("line 1");
  await expect(page.getByTestId("import-error")).toContainText("row 9999 was not picked");

  // ---- retrain: a training job, then the held-out evaluation — the curve's first point, with the base's line
  await retrainAndWaitForPoint(page, 1);
  await expect(page.getByTestId("curve-baseline")).toBeVisible();
  await expect(page.locator('[data-testid="round-row"][data-round="1"]').getByTestId("round-metric")).toBeVisible();
  await shot(page, "63-active-learning-round-1");

  // ---- round 2: the fine-tuned model picks by margin; skip + undo, then label the batch; the curve moves
  await expect(next).toHaveAttribute("data-next", "start_round");
  await expect(page.getByTestId("pick-strategy").locator("option:checked")).toContainText("Margin");
  await page.getByTestId("pick-batch").click();
  await expect(next).toHaveAttribute("data-next", "label", { timeout: 300_000 });
  await page.getByTestId("start-labelling").click();
  await page.waitForURL(/\/label$/);
  const second = await itemText(page);
  await page.keyboard.press("s");
  await nextRow(page, second);
  await page.keyboard.press("Backspace");
  await expect(page.getByTestId("item-text")).toHaveText(second);
  await labelTheRest(page, K);
  await page.goto(projectUrl);
  await expect(page.getByTestId("count-labelled").getByTestId("count-value")).toHaveText(String(2 * K));
  // The default: round 2 keeps training round 1's adapter, and its held-out evaluation loads an adapter whose
  // parent is an adapter.
  await retrainAndWaitForPoint(page, 2);
  const rounds = page.getByTestId("round-row");
  await expect(rounds).toHaveCount(2);
  await expect(page.getByTestId("round-metric")).toHaveCount(2);
  await shot(page, "64-active-learning-round-2");

  // ---- a simulation on the labelled copy of the pool: strategy vs random, the labels needed to match random
  await upload(page, team, LABELLED, "support-labelled");
  await page.goto(projectUrl);
  const sim = page.getByTestId("simulation");
  const option = sim.locator('[data-testid="simulation-dataset"] option', { hasText: "support-labelled" });
  await sim.getByTestId("simulation-dataset").selectOption((await option.getAttribute("value"))!);
  await sim.getByLabel("First labels").fill("4");
  await sim.getByLabel(`Rounds of ${K}`).fill("4");
  await sim.getByTestId("simulate").click();
  await expect(sim.getByTestId("simulation-result")).toBeVisible({ timeout: 300_000 });
  await expect(sim.getByTestId("labels-to-target")).toContainText("Margin");
  await expect(page.getByTestId("curve-series-sim-random")).toHaveAttribute("data-points", "5");
  await expect(page.getByTestId("curve-series-sim-margin")).toHaveAttribute("data-points", "5");
  await shot(page, "65-active-learning-simulation");

  // ---- a viewer: the open rows of round 3 read-only on the labelling page, the project's actions off
  await page.getByTestId("pick-batch").click();
  await expect(next).toHaveAttribute("data-next", "label", { timeout: 300_000 });
  const viewerEmail = uniqueEmail("vic");
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  try {
    await signUp(viewer, { name: "Vic Viewer", email: viewerEmail });
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("member-email").fill(viewerEmail);
    await page.getByTestId("member-role").selectOption("viewer");
    await page.getByTestId("add-member-submit").click();
    await expect(page.getByTestId("member-row").filter({ hasText: viewerEmail })).toBeVisible();
    await viewer.goto(`${projectUrl}/label`);
    await expect(viewer.getByTestId("viewer-read-only")).toContainText("viewer");
    await expect(viewer.getByTestId("read-only-rows").locator("li")).toHaveCount(K);
    await expect(viewer.getByTestId("label-item")).toHaveCount(0);
    await shot(viewer, "66-active-learning-viewer-labelling");
    await viewer.goto(projectUrl);
    await expect(viewer.getByTestId("viewer-note")).toBeVisible();
    await expect(viewer.getByTestId("start-labelling")).toContainText("See the rows");
  } finally {
    await viewerContext.close();
  }

  // ---- the list shows the project with its labels
  await page.getByTestId("nav-active-learning").click();
  const row = page.getByTestId("al-project-row");
  await expect(row).toContainText("Ticket routing");
  await expect(row).toContainText(`${2 * K}`);
});

test("active learning for generation: the model's answer prefilled, accepted with Enter or edited and sent with Ctrl+Enter", async ({
  page,
}) => {
  test.setTimeout(600_000);
  await signUp(page, { name: "Gus Generation", email: uniqueEmail("gus") });
  const team = await createTeam(page, "Northwind Replies");
  await upload(page, team, POOL, "support-prompts");
  await upload(page, team, ANSWERS, "support-answers");
  await page.goto(`/t/${team}/active-learning/new`);
  const form = page.getByTestId("new-al-project-form");
  await form.getByTestId("al-name").fill("Reply drafts");
  await form.getByTestId("task-sft").click();
  await expect(form.getByTestId("label-set-editor")).toHaveCount(0);
  await expect(form.getByTestId("strategy-token_entropy").locator("input")).toBeChecked();
  await form.getByTestId("poolVersionId").selectOption({ index: 1 });
  await form.getByTestId("heldOutVersionId").selectOption({ index: 1 });
  await form.getByTestId("al-batch-size").fill("2");
  await form.getByTestId("hp-maxSeqLength").fill("64");
  await page.getByTestId("create-al-project").click();
  await page.waitForURL(/\/active-learning\/(?!new)[^/]+$/, { timeout: 30_000 });
  const projectUrl = page.url();
  await page.getByTestId("pick-batch").click();
  await expect(page.getByTestId("next-step")).toHaveAttribute("data-next", "label", { timeout: 300_000 });
  await page.getByTestId("start-labelling").click();
  await page.waitForURL(/\/label$/);

  // Row 1: E opens the editor; typed letters stay in it (S, U, E are keys only outside it); Ctrl+Enter sends.
  const editor = page.getByTestId("answer-editor");
  const first = await itemText(page);
  const written = "Sorry for the trouble, we are on it and will update you soon.";
  await shot(page, "67-active-learning-generation-labelling");
  await page.keyboard.press("e");
  await expect(editor).toBeFocused();
  await editor.fill(written);
  await page.keyboard.press("Control+Enter");
  await nextRow(page, first);
  // Row 2: Enter takes the model's answer as it is (when the tiny model wrote one; else a short one is typed).
  const second = await itemText(page);
  const suggested = await editor.inputValue();
  if (suggested.trim()) await page.keyboard.press("Enter");
  else {
    await page.keyboard.press("e");
    await editor.fill("Thanks, we will look into it.");
    await page.keyboard.press("Control+Enter");
  }
  await nextRow(page, second);
  await expect(page.getByTestId("labelling-done")).toHaveAttribute("data-saving", "0", { timeout: 30_000 });

  await page.goto(projectUrl);
  await expect(page.getByTestId("next-step")).toHaveAttribute("data-next", "retrain");
  const download = page.waitForEvent("download");
  await page.getByTestId("export-jsonl").click();
  const rows = readFileSync(await (await download).path(), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { text: string; answer: string; status: string });
  expect(rows.find((r) => r.text === first)).toMatchObject({ answer: written, status: "labelled" });
  expect(rows.find((r) => r.text === second)?.status).toBe("labelled");
});

/** Upload through the datasets page (its upload card opens by itself only while the team has no dataset). */
async function upload(page: Page, team: string, file: string, name: string) {
  await page.goto(`/t/${team}/datasets`);
  const open = page.getByTestId("open-upload");
  const input = page.getByTestId("dataset-file-input");
  // Once the list has loaded (while it loads, the button shows even for a team with no dataset yet).
  await expect(page.getByTestId("datasets-table").or(page.getByTestId("empty-state")).first()).toBeVisible();
  if ((await input.count()) === 0) await open.click();
  await input.setInputFiles(file);
  await expect(page.getByTestId("selected-file")).toHaveText(path.basename(file));
  await page.getByTestId("dataset-name-input").fill(name);
  await page.getByTestId("upload-submit").click();
  await page.waitForURL(/\/datasets\/[^/?]+\?version=/, { timeout: 60_000 });
  await expect(page.getByTestId("profile-rows")).toBeVisible();
}

const label = (text: string) => (BILLING.test(text) ? "billing" : "outage");
const keyFor = (text: string) => (label(text) === "billing" ? "1" : "2");

async function itemText(page: Page): Promise<string> {
  const el = page.getByTestId("item-text");
  await expect(el).toBeVisible({ timeout: 30_000 });
  return (await el.textContent()) ?? "";
}

/** Wait until the row in view is another one than `text` (or the hand-out is done). */
async function nextRow(page: Page, text: string) {
  const el = page.getByTestId("item-text");
  const done = page.getByTestId("labelling-done");
  await expect
    .poll(async () => (await done.count()) > 0 || ((await el.count()) > 0 && (await el.textContent()) !== text), {
      timeout: 30_000,
    })
    .toBe(true);
}

/** Label `n` rows with their number key, one after the other, until the hand-out is done. */
async function labelTheRest(page: Page, n: number) {
  for (let i = 0; i < n; i++) {
    const text = await itemText(page);
    await page.keyboard.press(keyFor(text));
    await nextRow(page, text);
  }
  // The view moves on at once; the saves follow in order. Leave only when every one is answered.
  await expect(page.getByTestId("labelling-done")).toHaveAttribute("data-saving", "0", { timeout: 30_000 });
  await expect(page.getByTestId("label-error")).toHaveCount(0);
}

async function retrainAndWaitForPoint(page: Page, points: number) {
  await expect(page.getByTestId("next-step")).toHaveAttribute("data-next", "retrain");
  await page.getByTestId("retrain").click();
  await expect(page.getByTestId("retrain-error")).toHaveCount(0);
  await expect(page.getByTestId("next-step")).toHaveAttribute("data-next", /wait_for_training|start_round/);
  // Training, then the evaluation on the held-out set: the point lands when both are done.
  const curve = page.getByTestId("learning-curve");
  const deadline = Date.now() + 480_000;
  while ((await curve.getAttribute("data-points")) !== String(points)) {
    const failed = page.locator('[data-testid="round-row"] [data-state="failed"]');
    if ((await failed.count()) > 0)
      throw new Error(`a round failed: ${await page.getByTestId("rounds-table").innerText()}`);
    if (Date.now() > deadline) throw new Error(`no point ${points} on the curve in time`);
    await page.waitForTimeout(1000);
  }
  await expect(page.getByTestId("curve-point-rounds")).toHaveCount(points);
}
