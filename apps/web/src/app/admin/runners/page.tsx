import type { Metadata } from "next";
import { RunnersView } from "./runners-view";

export const metadata: Metadata = { title: "Runners · Admin" };

export default function RunnersPage() {
  return <RunnersView />;
}
