import path from "node:path";
import { expect, test } from "@playwright/test";
import { BAD_DATASETS, createTeam, dropFile, shot, signUp, uniqueEmail } from "./helpers";

test("a malformed upload shows its error, naming the line and the field, and creates nothing", async ({ page }) => {
  await signUp(page, { name: "Grace Hopper", email: uniqueEmail("grace") });
  const team = await createTeam(page, "Contracts Review");
  await page.goto(`/t/${team}/datasets`);

  // Line 7's second message has a number for its content (packages/api/test/fixtures/bad-datasets/wrong-type.jsonl).
  await page.getByTestId("dataset-file-input").setInputFiles(path.join(BAD_DATASETS, "wrong-type.jsonl"));
  await expect(page.getByTestId("selected-file")).toHaveText("wrong-type.jsonl");
  await page.getByTestId("upload-submit").click();
  const error = page.getByTestId("upload-error");
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("upload-error-line")).toHaveText("7");
  await expect(page.getByTestId("upload-error-field")).toHaveText("messages[1].content");
  await expect(page.getByTestId("upload-error-message")).toHaveText(
    'line 7: field "messages[1].content" must be a string, got number',
  );
  await expect(error).toContainText("wrong-type.jsonl");
  await expect(page.getByTestId("upload-progress")).toHaveCount(0);
  await shot(page, "12-upload-error");

  // A second bad file, dropped this time: broken JSON on line 3 (no field to name).
  await dropFile(page.getByTestId("dataset-dropzone"), path.join(BAD_DATASETS, "malformed-json.jsonl"));
  await expect(page.getByTestId("selected-file")).toHaveText("malformed-json.jsonl");
  await expect(error).toHaveCount(0); // choosing another file clears the old error
  await page.getByTestId("upload-submit").click();
  await expect(page.getByTestId("upload-error-line")).toHaveText("3", { timeout: 30_000 });
  await expect(page.getByTestId("upload-error-message")).toContainText("line 3: malformed JSON");
  await expect(page.getByTestId("upload-error-field")).toHaveCount(0);

  // Nothing was half-written: still no dataset, here or after a reload.
  await page.reload();
  await expect(page.getByTestId("empty-state")).toContainText("No datasets yet");
  await expect(page.getByTestId("datasets-table")).toHaveCount(0);
});
