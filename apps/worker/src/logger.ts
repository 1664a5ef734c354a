/** One JSON line per record on stdout (errors on stderr), so the logs of every replica can be shipped as is. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === "bigint") return value.toString();
  return value;
}

export function createLogger(
  opts: { level?: LogLevel; base?: LogFields; write?: (level: LogLevel, line: string) => void } = {},
): Logger {
  const min = ORDER[opts.level ?? "info"];
  const base = opts.base ?? {};
  const write =
    opts.write ??
    ((level: LogLevel, line: string) => (level === "error" ? process.stderr : process.stdout).write(line + "\n"));
  const log =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}) => {
      if (ORDER[level] < min) return;
      const record: LogFields = { time: new Date().toISOString(), level, msg, ...base };
      for (const [k, v] of Object.entries(fields)) record[k] = serialize(v);
      write(level, JSON.stringify(record));
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

/** A logger that keeps its records in memory, for tests. */
export function createMemoryLogger(): Logger & { records: Array<{ level: LogLevel; msg: string } & LogFields> } {
  const records: Array<{ level: LogLevel; msg: string } & LogFields> = [];
  const logger = createLogger({
    level: "debug",
    write: (_level, line) => records.push(JSON.parse(line) as { level: LogLevel; msg: string } & LogFields),
  });
  return Object.assign(logger, { records });
}
