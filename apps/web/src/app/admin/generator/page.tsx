import type { Metadata } from "next";
import { GeneratorEndpointView } from "./generator-endpoint-view";

export const metadata: Metadata = { title: "Generator endpoint · Admin" };

export default function GeneratorEndpointPage() {
  return <GeneratorEndpointView />;
}
