import { expect, test } from "@playwright/test";
import { CHAT_DATASET, createTeam, fillAndStartJob, shot, signUp, uniqueEmail, uploadWithInput } from "./helpers";

test("the playground streams an answer from the fine-tuned model and its base side by side; REST answers too", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signUp(page, { name: "Pia Playground", email: uniqueEmail("pia") });
  const team = await createTeam(page, "Northwind Playground");

  // ---- no fine-tuned model yet: the playground says what to do first
  await page.getByTestId("nav-playground").click();
  await page.waitForURL(`**/t/${team}/playground`);
  const empty = page.getByTestId("playground-empty");
  await expect(empty).toContainText("Fine-tune a model first");
  await expect(empty.getByRole("link", { name: "Start a fine-tune" })).toHaveAttribute("href", `/t/${team}/jobs/new`);
  await shot(page, "40-playground-empty");

  // ---- a short fine-tune of the tiny model
  await uploadWithInput(page, team, CHAT_DATASET);
  await page.getByTestId("train-on-dataset").click();
  const jobName = `playground-lora-${Date.now().toString(36)}`;
  await fillAndStartJob(page, {
    name: jobName,
    batchSize: 8,
    maxSeqLength: 128,
    advanced: {
      maxSteps: 6,
      evalEverySteps: 100,
      logEverySteps: 2,
      checkpointEverySteps: 100,
      earlyStoppingPatience: 0,
    },
  });
  await expect(page.getByTestId("job-state").first()).toHaveAttribute("data-state", "succeeded", { timeout: 180_000 });

  // ---- from the succeeded job's header into the playground: the produced model next to the model it came from
  await page.getByTestId("try-in-playground").click();
  await page.waitForURL(/\/playground\?model=/);
  const modelId = new URL(page.url()).searchParams.get("model")!;
  await expect(page.getByTestId("playground-model-select").locator("option:checked")).toContainText(jobName);
  await expect(page.getByTestId("playground-compare-select").locator("option:checked")).toContainText("tiny-llama");

  await page.getByTestId("playground-system").fill("You answer for Northwind's customer support.");
  await page.getByTestId("playground-message").fill("Can I return boots after a hike?");
  await page.getByTestId("sampling-temperature").fill("0");
  await page.getByTestId("sampling-maxNewTokens").fill("24");
  await page.getByTestId("playground-send").click();

  const base = page.locator('[data-testid="generation-pane"][data-side="a"]');
  const tuned = page.locator('[data-testid="generation-pane"][data-side="b"]');
  await expect(base.getByTestId("pane-model")).toContainText("tiny-llama");
  await expect(tuned.getByTestId("pane-model")).toHaveText(jobName);
  // Both answer in parallel: each pane streams text, then shows its done stats.
  for (const pane of [base, tuned]) {
    await expect(pane).toHaveAttribute("data-status", "done", { timeout: 120_000 });
    await expect(pane.getByTestId("pane-error")).toHaveCount(0);
    expect(((await pane.getByTestId("pane-text").textContent()) ?? "").trim().length).toBeGreaterThan(0);
    await expect(pane.getByTestId("pane-ttft")).toHaveText(/^[\d,]+ ms$/);
    await expect(pane.getByTestId("pane-tps")).toHaveText(/^[\d.]+ tokens\/s$/);
    await expect(pane.getByTestId("pane-tokens")).toHaveText(/^\d+ tokens$/);
  }
  await shot(page, "41-playground-answers");

  // ---- the same through REST with an API key: one JSON answer; a bad body names its field
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("api-key-name").fill("playground-ci");
  await page.getByTestId("create-api-key").click();
  const key = (await page.getByTestId("api-key-value").textContent())!.trim();
  const res = await page.request.post(`/api/v1/models/${modelId}/generate`, {
    headers: { authorization: `Bearer ${key}` },
    data: { messages: [{ role: "user", content: "Hello" }], sampling: { temperature: 0, maxNewTokens: 8 } },
  });
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { model: { id: string }; text: string; finishReason: string; usage: object };
  expect(body.model.id).toBe(modelId);
  expect(["stop", "length"]).toContain(body.finishReason);
  expect(body.usage).toMatchObject({ completionTokens: expect.any(Number) });
  const bad = await page.request.post(`/api/v1/models/${modelId}/generate`, {
    headers: { authorization: `Bearer ${key}` },
    data: { messages: [], sampling: { temperature: 5 } },
  });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: { details: { field: string } } }).error.details.field).toBe("messages");
});
