"use client";
import {
  Boxes,
  Check,
  ChevronsUpDown,
  Database,
  FlaskConical,
  LayoutDashboard,
  LogOut,
  MessagesSquare,
  Plus,
  Scale,
  Settings,
  Shield,
  Target,
} from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { signOutAction } from "@/app/(auth)/actions";
import { LogoMark } from "./logo";
import { cn } from "./ui/cn";

interface TeamItem {
  slug: string;
  name: string;
  role: string;
}

export function Sidebar({
  team,
  teams,
  user,
}: {
  team: TeamItem;
  teams: TeamItem[];
  user: { email: string; name: string | null; isAdmin: boolean };
}) {
  const pathname = usePathname();
  const base = `/t/${team.slug}`;
  const nav = [
    { href: base, label: "Overview", icon: LayoutDashboard, exact: true, testId: "nav-overview" },
    { href: `${base}/datasets`, label: "Datasets", icon: Database, testId: "nav-datasets" },
    { href: `${base}/jobs`, label: "Jobs", icon: FlaskConical, testId: "nav-jobs" },
    { href: `${base}/models`, label: "Models", icon: Boxes, testId: "nav-models" },
    { href: `${base}/playground`, label: "Playground", icon: MessagesSquare, testId: "nav-playground" },
    { href: `${base}/evaluations`, label: "Evaluations", icon: Scale, testId: "nav-evaluations" },
    { href: `${base}/active-learning`, label: "Active learning", icon: Target, testId: "nav-active-learning" },
    { href: `${base}/settings`, label: "Settings", icon: Settings, testId: "nav-settings" },
  ];
  return (
    <aside
      className="sticky top-0 flex h-screen w-60 shrink-0 flex-col border-r border-zinc-200 bg-white"
      data-testid="sidebar"
    >
      <div className="flex items-center gap-2.5 px-4 pt-5 pb-4">
        <LogoMark className="size-7" />
        <span className="text-[15px] font-semibold tracking-tight">Whetstone</span>
      </div>
      <div className="px-3">
        <TeamSwitcher team={team} teams={teams} />
      </div>
      <nav className="mt-4 flex-1 space-y-0.5 px-3">
        {nav.map((item) => {
          const active = item.exact ? pathname === item.href : pathname.startsWith(item.href);
          return (
            <Link
              key={item.href}
              href={item.href}
              data-testid={item.testId}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex items-center gap-2.5 rounded-lg px-2.5 py-1.5 text-sm font-medium transition-colors",
                active ? "bg-accent-50 text-accent-700" : "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900",
              )}
            >
              <item.icon className={cn("size-4", active ? "text-accent-600" : "text-zinc-400")} aria-hidden />
              {item.label}
            </Link>
          );
        })}
        {user.isAdmin && (
          <>
            <div className="px-2.5 pt-5 pb-1 text-[11px] font-semibold tracking-wide text-zinc-400 uppercase">
              Instance
            </div>
            <Link
              href="/admin"
              data-testid="nav-admin"
              className={cn(
                "flex items-center gap-2.5 rounded-lg px-2.5 py-1.5 text-sm font-medium transition-colors",
                pathname.startsWith("/admin")
                  ? "bg-accent-50 text-accent-700"
                  : "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900",
              )}
            >
              <Shield className="size-4 text-zinc-400" aria-hidden />
              Admin
            </Link>
          </>
        )}
      </nav>
      <div className="border-t border-zinc-100 p-3">
        <div className="flex items-center gap-2.5 rounded-lg px-2 py-1.5">
          <div className="flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-xs font-semibold text-zinc-600 uppercase">
            {(user.name ?? user.email).slice(0, 2)}
          </div>
          <div className="min-w-0 flex-1">
            <div className="truncate text-[13px] font-medium text-zinc-900">
              {user.name ?? user.email.split("@")[0]}
            </div>
            <div className="truncate text-xs text-zinc-500" data-testid="current-user-email">
              {user.email}
            </div>
          </div>
          <form action={signOutAction}>
            <button
              type="submit"
              title="Sign out"
              data-testid="sign-out"
              className="rounded-md p-1.5 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700"
            >
              <LogOut className="size-4" aria-hidden />
              <span className="sr-only">Sign out</span>
            </button>
          </form>
        </div>
      </div>
    </aside>
  );
}

function TeamSwitcher({ team, teams }: { team: TeamItem; teams: TeamItem[] }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);
  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        data-testid="team-switcher"
        aria-expanded={open}
        className="flex w-full items-center gap-2.5 rounded-lg border border-zinc-200 bg-white px-2.5 py-2 text-left shadow-[0_1px_2px_rgba(0,0,0,0.04)] hover:bg-zinc-50"
      >
        <TeamAvatar name={team.name} />
        <div className="min-w-0 flex-1">
          <div className="truncate text-[13px] font-semibold text-zinc-900" data-testid="current-team">
            {team.name}
          </div>
          <div className="text-[11px] text-zinc-500 capitalize">{team.role}</div>
        </div>
        <ChevronsUpDown className="size-4 text-zinc-400" aria-hidden />
      </button>
      {open && (
        <div className="absolute inset-x-0 top-full z-20 mt-1 rounded-lg border border-zinc-200 bg-white p-1 shadow-lg">
          {teams.map((t) => (
            <Link
              key={t.slug}
              href={`/t/${t.slug}`}
              onClick={() => setOpen(false)}
              className="flex items-center gap-2.5 rounded-md px-2 py-1.5 text-[13px] text-zinc-700 hover:bg-zinc-100"
            >
              <TeamAvatar name={t.name} small />
              <span className="flex-1 truncate">{t.name}</span>
              {t.slug === team.slug && <Check className="size-3.5 text-accent-600" aria-hidden />}
            </Link>
          ))}
          <div className="my-1 h-px bg-zinc-100" />
          <Link
            href="/onboarding"
            className="flex items-center gap-2.5 rounded-md px-2 py-1.5 text-[13px] text-zinc-600 hover:bg-zinc-100"
          >
            <Plus className="size-4 text-zinc-400" aria-hidden />
            New team
          </Link>
        </div>
      )}
    </div>
  );
}

function TeamAvatar({ name, small }: { name: string; small?: boolean }) {
  const hue = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  return (
    <span
      className={cn(
        "flex shrink-0 items-center justify-center rounded-md font-semibold text-white uppercase",
        small ? "size-5 text-[10px]" : "size-7 text-xs",
      )}
      style={{ background: `hsl(${hue} 55% 48%)` }}
    >
      {name.slice(0, 1)}
    </span>
  );
}
