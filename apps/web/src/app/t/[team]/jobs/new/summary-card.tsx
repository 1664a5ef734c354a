import { METHOD_LABELS, TECHNIQUE_LABELS } from "@whetstone/core";
import { Alert, Button, Card, CardBody, CardHeader, Field, Input } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo } from "@/lib/trpc";
import type { JobForm } from "./use-job-form";

/** The sticky summary: the job's name, what it will train, the form's errors and the submit button. */
export function SummaryCard({ form }: { form: JobForm }) {
  const { name, setName, mix, datasets, technique, method, hp, errors, touched, create, err } = form;
  const model = form.models.data?.find((m) => m.id === form.baseModelId);
  const rows = mix.reduce(
    (s, e) => s + (datasets.data?.find((d) => d.id === e.datasetId)?.latestVersion?.rowCount ?? 0),
    0,
  );
  const errorCount = Object.keys(errors).length;
  return (
    <Card>
      <CardHeader title="Summary" />
      <CardBody className="space-y-4">
        <Field label="Job name" htmlFor="job-name" hint="Optional; one is generated." error={err("name")}>
          <Input
            id="job-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="triage-notes-lora"
            data-testid="job-name-input"
          />
        </Field>
        <dl className="space-y-2 text-[13px]">
          <SummaryRow label="Data">{mix.length ? `${mix.length} dataset${mix.length > 1 ? "s" : ""}` : "—"}</SummaryRow>
          <SummaryRow label="Rows">{formatNumber(rows)}</SummaryRow>
          <SummaryRow label="Technique">{technique ? TECHNIQUE_LABELS[technique] : "—"}</SummaryRow>
          <SummaryRow label="Base">{model?.name ?? "—"}</SummaryRow>
          <SummaryRow label="Method">{METHOD_LABELS[method]}</SummaryRow>
          <SummaryRow label="Epochs">{hp.epochs || "—"}</SummaryRow>
        </dl>
        {create.error && !errorCount && (
          <Alert title="The job was not created" testId="job-create-error">
            {errorInfo(create.error).message}
          </Alert>
        )}
        {touched && errorCount > 0 && (
          <Alert title="Check the highlighted fields" testId="job-form-errors">
            {errorCount} field{errorCount > 1 ? "s need" : " needs"} attention.
          </Alert>
        )}
        <Button
          type="submit"
          className="w-full"
          loading={create.isPending || create.isSuccess}
          data-testid="create-job-submit"
        >
          Start fine-tuning
        </Button>
      </CardBody>
    </Card>
  );
}

function SummaryRow({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="truncate text-right font-medium text-zinc-800">{children}</dd>
    </div>
  );
}
