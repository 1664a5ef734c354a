"use client";
/** How the loop runs: the selection strategy, rows per batch, what each round trains from, and a short training. */
import { DEFAULT_HYPERPARAMETERS, HYPERPARAMETER_FIELDS } from "@whetstone/core";
import { Card, CardBody, CardHeader, Field, Input } from "@/components/ui";
import { FieldError, OptionCard } from "../../jobs/new/option-card";
import { SELECTION_STRATEGIES, STRATEGY_HELP, strategyLabel } from "../_components/strategies";
import { HP_FIELDS, type ProjectForm } from "./use-project-form";

export function LoopSettingsCard({ f }: { f: ProjectForm }) {
  const options = SELECTION_STRATEGIES[f.task];
  return (
    <Card>
      <CardHeader
        title="The loop"
        description="How each batch is picked and how each round trains. The first batch, before any label, is picked for variety (k-centre)."
      />
      <CardBody className="space-y-5">
        <div>
          <div className="mb-1.5 text-[13px] font-medium text-zinc-700">Strategy</div>
          <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3" data-testid="strategy-options">
            {options.map((s) => (
              <OptionCard
                key={s}
                name="strategy"
                value={s}
                checked={f.strategy === s}
                onSelect={() => f.setStrategy(s)}
                title={strategyLabel(s)}
                body={STRATEGY_HELP[s] ?? ""}
              />
            ))}
          </div>
          <FieldError error={f.errors.strategy ?? null} className="mt-1.5" />
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Rows per batch (k)"
            htmlFor="al-batch-size"
            hint="How many rows each “pick next batch” hands out. 20–100 is typical."
            error={f.errors.batchSize ?? f.errors.maxCandidates}
            errorTestId="error-batchSize"
          >
            <Input
              id="al-batch-size"
              type="number"
              min={1}
              max={1000}
              value={f.batchSize}
              invalid={!!f.errors.batchSize}
              onChange={(e) => f.setBatchSize(e.target.value)}
              data-testid="al-batch-size"
            />
          </Field>
          <div>
            <div className="mb-1.5 text-[13px] font-medium text-zinc-700">Each round trains from</div>
            <div className="grid grid-cols-2 gap-2">
              <OptionCard
                name="train-from"
                value="previous"
                checked={f.trainFrom === "previous"}
                onSelect={() => f.setTrainFrom("previous")}
                title="Previous round"
                body="Continues from the last model: quick."
              />
              <OptionCard
                name="train-from"
                value="base"
                checked={f.trainFrom === "base"}
                onSelect={() => f.setTrainFrom("base")}
                title="The base"
                body="Starts fresh on every label: cleaner."
              />
            </div>
          </div>
        </div>
        <div>
          <div className="mb-1.5 text-[13px] font-medium text-zinc-700">
            Training <span className="font-normal text-zinc-400">(LoRA; empty fields keep the defaults)</span>
          </div>
          <div className="grid gap-4 sm:grid-cols-4">
            {HP_FIELDS.map((k) => {
              const field = HYPERPARAMETER_FIELDS[k];
              const def = DEFAULT_HYPERPARAMETERS[k];
              const error = f.errors[`hyperparameters.${k}`];
              return (
                <Field key={k} label={field.label} htmlFor={`hp-${k}`} error={error} errorTestId={`error-${k}`}>
                  <Input
                    id={`hp-${k}`}
                    type="number"
                    step={k === "learningRate" ? "any" : "1"}
                    value={f.hp[k]}
                    placeholder={def == null ? "no limit" : String(def)}
                    invalid={!!error}
                    onChange={(e) => f.setHp(k, e.target.value)}
                    data-testid={`hp-${k}`}
                  />
                </Field>
              );
            })}
          </div>
        </div>
      </CardBody>
    </Card>
  );
}
