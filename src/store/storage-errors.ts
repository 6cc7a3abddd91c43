// Recognises storage failures that are conditions of the machine, not bugs: the database
// locked by another process, or no space left for a blob or a database page; and says what
// a database failure was in one line that holds no SQL and none of its arguments.
//
// What is busy and what is full is decided in domain/storage-conditions.ts (codes only, no
// driver), which the HTTP layer renders too; this file adds what only the store needs.
import { errorChain, isDatabaseBusy } from "../domain/storage-conditions.ts";

export { isDatabaseBusy };

/** A unique or primary-key clash: an expected outcome (a taken username), not a failure. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown };
  const text = `${e.code ?? ""} ${e.message ?? ""} ${String(e.cause ?? "")}`;
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(text);
}

/** A row that points at one that is gone (a user deleted a moment ago): an expected outcome, not a failure. */
export function isForeignKeyViolation(error: unknown): boolean {
  return errorChain(error).some((e) =>
    /FOREIGN KEY constraint failed|SQLITE_CONSTRAINT_FOREIGNKEY/.test(`${e.code ?? ""} ${e.message ?? ""}`),
  );
}

/**
 * One line for an operator's terminal about a database failure, or undefined when `error` is
 * none. Drizzle's query errors carry the statement and its arguments (password hashes, key
 * salts, wrapped keys) in their message; this line keeps only SQLite's code and its own message.
 */
export function databaseErrorLine(error: unknown): string | undefined {
  if (isDatabaseBusy(error)) return "database busy (another process is writing), retry";
  const chain = errorChain(error);
  const sqlite = chain.find((e) => typeof e.code === "string" && e.code.startsWith("SQLITE_"));
  // @libsql/client already starts its messages with the code.
  if (sqlite) return `database error ${sqlite.code}: ${firstLine(sqlite.message).replace(`${sqlite.code}: `, "")}`;
  const query = chain.findIndex((e) => "query" in e && "params" in e);
  if (query < 0) return undefined;
  const cause = chain[query + 1];
  return `database error: ${cause ? firstLine(cause.message) : "a query failed"}`;
}

function firstLine(message: unknown): string {
  return String(message ?? "")
    .split("\n", 1)[0]!
    .trim();
}
