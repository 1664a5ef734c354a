"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui";

const LINKS = [
  { href: "/admin/runners", label: "Runners" },
  { href: "/admin/quotas", label: "Quotas" },
  { href: "/admin/usage", label: "Usage" },
  { href: "/admin/generator", label: "Generator endpoint" },
  { href: "/admin/audit", label: "Audit log" },
];

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav className="flex gap-1" data-testid="admin-nav">
      {LINKS.map((l) => (
        <Link
          key={l.href}
          href={l.href}
          className={cn(
            "rounded-md px-3 py-1.5 text-sm font-medium",
            pathname.startsWith(l.href)
              ? "bg-zinc-100 text-zinc-900"
              : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900",
          )}
        >
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
