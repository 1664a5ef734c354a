/**
 * A file name safe to use as the last part of a storage key: the base name only (no directories), characters
 * outside [A-Za-z0-9._-] replaced by "_", no leading dots, at most 100 characters (the extension kept).
 */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  let s = base
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[._]+/, "");
  if (s.length > 100) {
    const dot = s.lastIndexOf(".");
    const ext = dot > 0 && s.length - dot <= 12 ? s.slice(dot) : "";
    s = s.slice(0, 100 - ext.length) + ext;
  }
  return s || "data";
}
