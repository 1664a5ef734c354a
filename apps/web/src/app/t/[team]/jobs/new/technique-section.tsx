import {
  FORMATS_FOR_TECHNIQUE,
  METHOD_LABELS,
  METHODS,
  TECHNIQUE_LABELS,
  TECHNIQUES,
  type Method,
  type Technique,
} from "@whetstone/core";
import { Card, CardBody, CardHeader } from "@/components/ui";
import { FieldError, OptionCard } from "./option-card";
import { formatNames, type JobForm } from "./use-job-form";

const TECHNIQUE_HELP: Record<Technique, string> = {
  sft: "Teach answers: chat, prompt/completion or alpaca rows; loss on the answer tokens.",
  continued_pretraining: "Absorb domain language from raw text with next-token prediction.",
  classification: "Predict a label for a text with a classification head.",
  preference: "Prefer the better of two answers: DPO on prompt / chosen / rejected pairs.",
};
const METHOD_HELP: Record<Method, string> = {
  lora: "Small adapter on frozen weights. Fast, light on memory.",
  qlora: "LoRA on a 4-bit base. Least memory; needs a CUDA GPU.",
  full: "Update every weight. Most capacity, most memory.",
};

/** 2 · Technique: only those that read every chosen dataset's format can be picked. */
export function TechniqueSection({ form }: { form: JobForm }) {
  const { chosenFormats, allowedTechniques, technique, setTechnique, err } = form;
  return (
    <Card>
      <CardHeader
        title="2 · Technique"
        description={chosenFormats.length ? `Options that can read ${formatNames(chosenFormats)}.` : undefined}
      />
      <CardBody>
        <div className="grid gap-3 sm:grid-cols-2" role="radiogroup" data-testid="technique-options">
          {TECHNIQUES.map((t) => {
            const allowed = allowedTechniques.includes(t);
            return (
              <OptionCard
                key={t}
                name="technique"
                value={t}
                checked={technique === t}
                disabled={!allowed}
                onSelect={() => setTechnique(t)}
                title={TECHNIQUE_LABELS[t]}
                body={allowed ? TECHNIQUE_HELP[t] : `Needs ${FORMATS_FOR_TECHNIQUE[t].join(" / ")} data.`}
              />
            );
          })}
        </div>
        <FieldError error={err("technique")} className="mt-2" />
      </CardBody>
    </Card>
  );
}

/** 4 · Method: LoRA, QLoRA or full fine-tuning. */
export function MethodSection({ form }: { form: JobForm }) {
  const { method, setMethod, err } = form;
  return (
    <Card>
      <CardHeader title="4 · Method" />
      <CardBody>
        <div className="grid gap-3 sm:grid-cols-3" role="radiogroup" data-testid="method-options">
          {METHODS.map((m) => (
            <OptionCard
              key={m}
              name="method"
              value={m}
              checked={method === m}
              onSelect={() => setMethod(m)}
              title={METHOD_LABELS[m]}
              body={METHOD_HELP[m]}
            />
          ))}
        </div>
        {err("method") && <p className="mt-2 text-xs font-medium text-red-600">{err("method")}</p>}
      </CardBody>
    </Card>
  );
}
