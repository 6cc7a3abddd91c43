// Structured JSON log lines on stdout: one object per event, never secrets or bodies.
import { databaseErrorLine } from "./store/storage-errors.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line), minLevel: LogLevel = "info"): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < RANK[minLevel]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return levels(emit);
}

/** For one-shot commands run by a person: `warn: msg (k=v …)` lines on stderr. */
export function createConsoleLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return levels((level, msg, fields) => {
    if (level === "debug") return;
    const details = Object.entries(fields ?? {}).map(([k, v]) => `\n  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    write(`${level}: ${msg}${details.join("")}\n`);
  });
}

function levels(emit: (level: LogLevel, msg: string, fields?: LogFields) => void): Logger {
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/** Describes an unexpected error for the log: name, message and stack, nothing else. */
export function describeError(e: unknown): LogFields {
  // A failed query's message and stack carry its SQL arguments (password hashes, key salts,
  // wrapped keys): the log gets SQLite's code and message, and the stack below that line only.
  const database = databaseErrorLine(e);
  if (database !== undefined && e instanceof Error) {
    return { error: e.name, message: database, stack: e.stack?.split("\n    at ").slice(1).join("\n    at ") };
  }
  if (e instanceof Error) return { error: e.name, message: e.message, stack: e.stack };
  return { error: String(e) };
}
