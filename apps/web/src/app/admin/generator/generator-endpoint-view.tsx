"use client";
/**
 * The OpenAI-compatible endpoint augmentations may generate rows with (admin.generatorEndpoint / setGeneratorEndpoint).
 * The API key is write-only: the page shows whether one is stored and its last 4 characters; a new one replaces it.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, ConfirmDialog, Field, Input, PageHeader } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

export function GeneratorEndpointView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const current = useQuery(trpc.admin.generatorEndpoint.queryOptions());
  const [baseUrl, setBaseUrl] = useState("");
  const [model, setModel] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  useEffect(() => {
    if (!current.data) return;
    setBaseUrl(current.data.baseUrl ?? "");
    setModel(current.data.model ?? "");
  }, [current.data]);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.admin.generatorEndpoint.queryKey() });
  const save = useMutation(
    trpc.admin.setGeneratorEndpoint.mutationOptions({
      onSuccess: () => {
        setApiKey("");
        setRemoveKey(false);
        void refresh();
      },
    }),
  );
  const clear = useMutation(
    trpc.admin.clearGeneratorEndpoint.mutationOptions({
      onSuccess: () => {
        setConfirmClear(false);
        setBaseUrl("");
        setModel("");
        void refresh();
      },
    }),
  );
  const d = current.data;
  const error = save.error ?? clear.error ?? current.error;
  return (
    <>
      <PageHeader
        title="Generator endpoint"
        description="An OpenAI-compatible API (OpenAI, vLLM, Ollama, a gateway…) that augmentations may use to write new rows. Teams see the option only once it is configured. The runner calls {base URL}/chat/completions; the key is stored encrypted and never shown again."
      />
      {error && (
        <Alert className="mb-6" title="Not saved" testId="generator-endpoint-error">
          {errorInfo(error).message}
        </Alert>
      )}
      <Card>
        <CardHeader
          title={d?.configured ? "Configured" : "Not configured"}
          description={
            d?.configured
              ? d.apiKeySet
                ? `API key set (ends in …${d.apiKeyLast4 ?? ""})`
                : "No API key: requests are sent without one"
              : "Augmentations can only generate rows with a model of the team until an endpoint is configured."
          }
        />
        <CardBody>
          <form
            className="grid gap-4 sm:max-w-xl"
            data-testid="generator-endpoint-form"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate({
                baseUrl,
                model,
                ...(removeKey ? { apiKey: null } : apiKey.trim() ? { apiKey: apiKey.trim() } : {}),
              });
            }}
          >
            <Field label="Base URL" htmlFor="gen-base-url" hint="e.g. https://api.openai.com/v1">
              <Input id="gen-base-url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
            </Field>
            <Field label="Model" htmlFor="gen-model" hint="the model name the endpoint serves">
              <Input id="gen-model" value={model} onChange={(e) => setModel(e.target.value)} required />
            </Field>
            <Field
              label="API key"
              htmlFor="gen-api-key"
              hint={d?.apiKeySet ? "leave empty to keep the stored key" : "leave empty for an endpoint without a key"}
            >
              <Input
                id="gen-api-key"
                type="password"
                autoComplete="off"
                value={apiKey}
                disabled={removeKey}
                onChange={(e) => setApiKey(e.target.value)}
              />
            </Field>
            {d?.apiKeySet && (
              <label className="flex items-center gap-2 text-[13px] text-zinc-700">
                <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} />
                Remove the stored key
              </label>
            )}
            <div className="flex gap-2">
              <Button type="submit" loading={save.isPending} data-testid="generator-endpoint-save">
                Save
              </Button>
              {d?.configured && (
                <Button type="button" variant="danger" onClick={() => setConfirmClear(true)}>
                  Remove endpoint
                </Button>
              )}
            </div>
          </form>
        </CardBody>
      </Card>
      <ConfirmDialog
        open={confirmClear}
        title="Remove the generator endpoint?"
        description="Teams can no longer generate rows with it; queued augmentations that use it fail when they are sent again."
        confirmLabel="Remove"
        loading={clear.isPending}
        onConfirm={() => clear.mutate()}
        onClose={() => setConfirmClear(false)}
      />
    </>
  );
}
