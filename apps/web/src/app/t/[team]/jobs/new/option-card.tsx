import { cn } from "@/components/ui";

/** A radio button drawn as a card: a title and a line of help. */
export function OptionCard({
  name,
  value,
  checked,
  disabled,
  onSelect,
  title,
  body,
}: {
  name: string;
  value: string;
  checked: boolean;
  disabled?: boolean;
  onSelect: () => void;
  title: string;
  body: string;
}) {
  return (
    <label
      className={cn(
        "relative flex cursor-pointer flex-col rounded-xl border px-4 py-3 transition-colors",
        checked
          ? "border-accent-500 bg-accent-50/60 ring-1 ring-accent-500"
          : "border-zinc-200 hover:border-zinc-300 hover:bg-zinc-50",
        disabled && "cursor-not-allowed opacity-50 hover:border-zinc-200 hover:bg-transparent",
      )}
      data-testid={`${name}-${value}`}
    >
      <input
        type="radio"
        name={name}
        value={value}
        checked={checked}
        disabled={disabled}
        onChange={onSelect}
        className="sr-only"
      />
      <span className="text-sm font-semibold text-zinc-900">{title}</span>
      <span className="mt-1 text-xs leading-relaxed text-zinc-500">{body}</span>
    </label>
  );
}

/** A field's error under a group of controls. */
export function FieldError({ error, className }: { error: string | null; className?: string }) {
  if (!error) return null;
  return (
    <p className={cn("text-xs font-medium text-red-600", className)} data-testid="field-error">
      {error}
    </p>
  );
}
