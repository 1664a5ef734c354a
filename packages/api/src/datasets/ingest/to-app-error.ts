import { DatasetError } from "@whetstone/core";
import { AppError } from "../../errors";

/** A dataset problem from the parser as the API's error: BAD_REQUEST with `{line, field, kind, …}` details. */
export function datasetErrorToAppError(e: DatasetError): AppError {
  const details: Record<string, unknown> = { kind: e.kind, ...e.extra };
  if (e.line !== undefined) details.line = e.line;
  if (e.field !== undefined) details.field = e.field;
  return new AppError("BAD_REQUEST", e.message, details);
}

/** Byte counts in words, e.g. 10 MiB (10485760 bytes). */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Math.round(v * 10) / 10} ${units[u]} (${n} bytes)`;
}

export { DatasetError };
