import type { Metadata } from "next";
import { QuotasView } from "./quotas-view";

export const metadata: Metadata = { title: "Quotas · Admin" };

export default function QuotasPage() {
  return <QuotasView />;
}
