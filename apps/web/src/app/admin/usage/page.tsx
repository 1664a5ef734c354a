import type { Metadata } from "next";
import { UsageView } from "./usage-view";

export const metadata: Metadata = { title: "Usage · Admin" };

export default function UsagePage() {
  return <UsageView />;
}
