import { Badge, type Tone } from "./ui";

const FORMAT: Record<string, { label: string; tone: Tone }> = {
  chat: { label: "Chat", tone: "accent" },
  prompt_completion: { label: "Prompt / completion", tone: "blue" },
  alpaca: { label: "Alpaca", tone: "violet" },
  text: { label: "Raw text", tone: "neutral" },
  classification: { label: "Classification", tone: "amber" },
  preference: { label: "Preference pairs", tone: "green" },
};

export function FormatBadge({ format }: { format: string }) {
  const f = FORMAT[format] ?? { label: format, tone: "neutral" as const };
  return (
    <Badge tone={f.tone} data-testid="dataset-format" data-format={format}>
      {f.label}
    </Badge>
  );
}
