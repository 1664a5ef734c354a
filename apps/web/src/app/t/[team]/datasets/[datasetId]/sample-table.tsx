/** A cell as text: chat messages as "role: content" lines, anything else as JSON. */
function cell(v: unknown): string {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((m) => m && typeof m === "object" && "role" in m)) {
    return (v as { role: string; content?: unknown }[])
      .map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`)
      .join("\n");
  }
  return JSON.stringify(v);
}

/** The first rows of the version, as parsed. */
export function SampleTable({ rows }: { rows: Record<string, unknown>[] }) {
  if (!rows.length) return <p className="px-5 py-8 text-center text-sm text-zinc-500">No rows to preview.</p>;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="max-h-[28rem] overflow-auto" data-testid="dataset-sample">
      <table className="w-full text-left text-[13px]">
        <thead className="sticky top-0 border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-500">
          <tr>
            <th className="w-10 px-4 py-2 font-medium">#</th>
            {cols.map((c) => (
              <th key={c} className="px-4 py-2 font-mono font-medium">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {rows.map((r, i) => (
            <tr key={i} className="align-top">
              <td className="tabular px-4 py-2.5 text-zinc-400">{i + 1}</td>
              {cols.map((c) => (
                <td key={c} className="max-w-md px-4 py-2.5 whitespace-pre-wrap text-zinc-700">
                  <div className="line-clamp-4">{cell(r[c])}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
