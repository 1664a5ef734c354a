import { expect, test } from "@playwright/test";
import { CHAT_DATASET, createTeam, fillAndStartJob, shot, signUp, uniqueEmail, uploadWithInput } from "./helpers";

test("a user of another team cannot open a team's job, by its URL or through the API", async ({ page, browser }) => {
  // ---- team A: a dataset and a job with names only its pages should show
  await signUp(page, { name: "Alice Alpha", email: uniqueEmail("alice") });
  const teamA = await createTeam(page, "Alpha Clinic");
  await uploadWithInput(page, teamA, CHAT_DATASET, "alpha-discharge-notes");
  await page.getByTestId("train-on-dataset").click();
  const jobName = `alpha-confidential-${Date.now().toString(36)}`;
  const jobId = await fillAndStartJob(page, {
    name: jobName,
    batchSize: 8,
    maxSeqLength: 128,
    advanced: { maxSteps: 2, evalEverySteps: 1, logEverySteps: 1 },
  });
  const jobPath = `/t/${teamA}/jobs/${jobId}`;
  // Two steps: it finishes quickly and leaves artifacts whose download URLs B will try.
  await expect(page.getByTestId("job-state").first()).toHaveAttribute("data-state", "succeeded", { timeout: 120_000 });
  const artifactUrl = await page.getByTestId("artifact-download").first().getAttribute("href");
  expect(artifactUrl).toMatch(new RegExp(`^/api/jobs/${jobId}/artifacts/`));
  expect((await page.request.get(artifactUrl!)).status()).toBe(200);

  // ---- team B, in a separate browser context (its own cookies)
  const other = await browser.newContext();
  const pageB = await other.newPage();
  try {
    await signUp(pageB, { name: "Bob Beta", email: uniqueEmail("bob") });
    const teamB = await createTeam(pageB, "Beta Legal");

    // A's job URL: the not-found page with a 404, nothing of the job in it.
    const res = await pageB.goto(jobPath);
    expect(res?.status()).toBe(404);
    await expect(pageB.getByTestId("not-found")).toBeVisible();
    await expect(pageB.getByTestId("job-name")).toHaveCount(0);
    const html = await pageB.content();
    for (const secret of [jobName, "alpha-discharge-notes", "Alpha Clinic"]) expect(html).not.toContain(secret);
    await shot(pageB, "13-other-team-not-found");

    // The same job id under B's own team: "Job not found", still nothing of the job.
    await pageB.goto(`/t/${teamB}/jobs/${jobId}`);
    await expect(pageB.getByText("Job not found")).toBeVisible();
    await expect(pageB.getByTestId("job-name")).toHaveCount(0);
    expect(await pageB.content()).not.toContain(jobName);

    // B's jobs list does not have it.
    await pageB.goto(`/t/${teamB}/jobs`);
    await expect(pageB.getByTestId("empty-state")).toBeVisible();
    await expect(pageB.locator(`[data-job-id="${jobId}"]`)).toHaveCount(0);

    // Nor do the job's HTTP routes, with B's session.
    const stream = await pageB.request.get(`/api/jobs/${jobId}/stream`);
    expect(stream.status()).toBe(404);
    const artifact = await pageB.request.get(artifactUrl!);
    expect(artifact.status()).toBe(404);
    expect(artifact.headers()["content-disposition"]).toBeUndefined();
    const trpc = await pageB.request.get(
      `/api/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ json: { id: jobId } }))}`,
      {
        headers: { "x-whetstone-team": teamB },
      },
    );
    expect(trpc.status()).toBe(404);
    expect(await trpc.text()).not.toContain(jobName);
    const foreignTeam = await pageB.request.get(
      `/api/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ json: { id: jobId } }))}`,
      {
        headers: { "x-whetstone-team": teamA },
      },
    );
    expect(foreignTeam.status()).toBe(404);
    expect(await foreignTeam.text()).not.toContain(jobName);
  } finally {
    await other.close();
  }

  // A still sees it.
  await page.goto(jobPath);
  await expect(page.getByTestId("job-name")).toHaveText(jobName);
});
