import { Table, TableSkeleton, TBody, TH, THead } from "./ui";

export interface Column {
  label?: React.ReactNode;
  className?: string;
}

type Body<T> =
  | {
      /** A column is left out where it is `false` (e.g. actions only an owner sees). */
      columns: readonly (Column | false)[];
      /** One `<TR>` per item, with its key. */
      row: (item: T) => React.ReactNode;
      testId?: string;
      render?: never;
    }
  | {
      /** Something other than a table (a list), for the same loading and empty states. */
      render: (items: readonly T[]) => React.ReactNode;
      columns?: never;
      row?: never;
      testId?: never;
    };

/**
 * A list a query fetched, in its three states: a skeleton while loading, the empty state when there is
 * nothing (or nothing came back), a table of the rows otherwise — with an optional footer under the table.
 */
export function DataTable<T>({
  loading,
  rows,
  skeleton,
  empty,
  footer,
  ...body
}: {
  loading: boolean;
  rows: readonly T[] | undefined;
  /** Rows and columns of the loading skeleton; columns default to the table's. */
  skeleton?: { rows?: number; cols?: number };
  /** Usually an <EmptyState>. */
  empty: React.ReactNode;
  footer?: React.ReactNode;
} & Body<T>) {
  if (loading) {
    return <TableSkeleton rows={skeleton?.rows ?? 3} cols={skeleton?.cols ?? body.columns?.length ?? 4} />;
  }
  if (!rows?.length) return <>{empty}</>;
  if (body.render) return <>{body.render(rows)}</>;
  return (
    <>
      <Table data-testid={body.testId}>
        <THead>
          <tr>
            {body.columns.map(
              (c, i) =>
                c && (
                  <TH key={i} className={c.className}>
                    {c.label}
                  </TH>
                ),
            )}
          </tr>
        </THead>
        <TBody>{rows.map(body.row)}</TBody>
      </Table>
      {footer}
    </>
  );
}
