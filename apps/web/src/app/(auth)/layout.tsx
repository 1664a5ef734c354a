import { Logo } from "@/components/logo";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid min-h-screen lg:grid-cols-[1fr_1.1fr]">
      <div className="flex flex-col justify-center px-6 py-12 sm:px-12">
        <div className="mx-auto w-full max-w-sm">
          <Logo />
          <div className="mt-10">{children}</div>
        </div>
      </div>
      <div className="relative hidden overflow-hidden bg-zinc-950 lg:block">
        <div className="absolute inset-0 bg-[radial-gradient(ellipse_at_top_right,rgba(99,102,241,0.35),transparent_60%)]" />
        <div className="absolute inset-0 bg-[linear-gradient(to_right,rgba(255,255,255,0.04)_1px,transparent_1px),linear-gradient(to_bottom,rgba(255,255,255,0.04)_1px,transparent_1px)] bg-[size:48px_48px]" />
        <div className="relative flex h-full flex-col justify-end p-14 text-white">
          <LossArt />
          <h2 className="mt-10 max-w-md text-3xl font-semibold tracking-tight">
            Turn a general model into your domain expert.
          </h2>
          <p className="mt-3 max-w-md text-sm leading-relaxed text-zinc-400">
            Upload your team&apos;s data, pick a base model and a technique, and watch it learn — LoRA, QLoRA or full
            fine-tuning on your own GPUs.
          </p>
        </div>
      </div>
    </div>
  );
}

function LossArt() {
  return (
    <svg viewBox="0 0 400 160" className="w-full max-w-lg" aria-hidden>
      <defs>
        <linearGradient id="fill" x1="0" x2="0" y1="0" y2="1">
          <stop offset="0%" stopColor="rgb(129,140,248)" stopOpacity="0.35" />
          <stop offset="100%" stopColor="rgb(129,140,248)" stopOpacity="0" />
        </linearGradient>
      </defs>
      <path d="M0,20 C40,60 70,95 120,110 S220,128 280,133 S360,138 400,139 L400,160 L0,160 Z" fill="url(#fill)" />
      <path
        d="M0,20 C40,60 70,95 120,110 S220,128 280,133 S360,138 400,139"
        fill="none"
        stroke="rgb(165,180,252)"
        strokeWidth="2"
      />
      <path
        d="M0,30 C50,70 80,100 130,114 S230,124 290,126 S360,124 400,123"
        fill="none"
        stroke="rgb(251,191,36)"
        strokeWidth="2"
        strokeDasharray="5 5"
      />
    </svg>
  );
}
