// Recognises storage failures that are conditions of the machine, not bugs: the database
// locked by another process, or no space left for a blob or a database page; and says what
// a database failure was in one line that holds no SQL and none of its arguments.
//
// SQLite's codes come from libsql (`code`, extended codes such as SQLITE_BUSY_SNAPSHOT
// included); filesystem ones are errno names. Drizzle and our own wrappers may nest the
// original error as `cause`, so the chain is searched.
const BUSY = /^SQLITE_(BUSY|LOCKED)(_|$)/;
const FULL = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/;

function codesOf(error: unknown): string[] {
  return chainOf(error).flatMap((e) => (typeof e.code === "string" ? [e.code] : []));
}

/** Another connection holds the database's write lock (past the busy timeout). */
export function isDatabaseBusy(error: unknown): boolean {
  return codesOf(error).some((code) => BUSY.test(code));
}

/** The disk (or the user's filesystem quota) has no room for what was being written. */
export function isOutOfSpace(error: unknown): boolean {
  return codesOf(error).some((code) => FULL.test(code));
}

/** A unique or primary-key clash: an expected outcome (a taken username), not a failure. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown };
  const text = `${e.code ?? ""} ${e.message ?? ""} ${String(e.cause ?? "")}`;
  return /UNIQUE constraint failed|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(text);
}

/**
 * One line for an operator's terminal about a database failure, or undefined when `error` is
 * none. Drizzle's query errors carry the statement and its arguments (password hashes, key
 * salts, wrapped keys) in their message; this line keeps only SQLite's code and its own message.
 */
export function databaseErrorLine(error: unknown): string | undefined {
  if (isDatabaseBusy(error)) return "database busy (another process is writing), retry";
  const chain = chainOf(error);
  const sqlite = chain.find((e) => typeof e.code === "string" && e.code.startsWith("SQLITE_"));
  // @libsql/client already starts its messages with the code.
  if (sqlite) return `database error ${sqlite.code}: ${firstLine(sqlite.message).replace(`${sqlite.code}: `, "")}`;
  const query = chain.findIndex((e) => "query" in e && "params" in e);
  if (query < 0) return undefined;
  const cause = chain[query + 1];
  return `database error: ${cause ? firstLine(cause.message) : "a query failed"}`;
}

function chainOf(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; message?: unknown }[] = [];
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    chain.push(current as { code?: unknown; message?: unknown });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function firstLine(message: unknown): string {
  return String(message ?? "").split("\n", 1)[0]!.trim();
}
