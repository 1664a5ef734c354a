import { cn } from "./ui/cn";

export function LogoMark({ className }: { className?: string }) {
  return (
    <span
      className={cn("flex size-8 items-center justify-center rounded-lg bg-accent-600 text-white shadow-sm", className)}
    >
      <svg
        viewBox="0 0 24 24"
        className="size-4.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="2.2"
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden
      >
        <path d="M3 17 L9 11 L13 15 L21 7" />
        <path d="M15 7 H21 V13" />
      </svg>
    </span>
  );
}

export function Logo({ className }: { className?: string }) {
  return (
    <div className={cn("flex items-center gap-2.5", className)}>
      <LogoMark />
      <span className="text-[15px] font-semibold tracking-tight text-zinc-900">Whetstone</span>
    </div>
  );
}
