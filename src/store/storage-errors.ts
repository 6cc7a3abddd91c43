// Recognises storage failures that are conditions of the machine, not bugs: the database
// locked by another process, or no space left for a blob or a database page.
//
// SQLite's codes come from libsql (`code`, extended codes such as SQLITE_BUSY_SNAPSHOT
// included); filesystem ones are errno names. Drizzle and our own wrappers may nest the
// original error as `cause`, so the chain is searched.
const BUSY = /^SQLITE_(BUSY|LOCKED)(_|$)/;
const FULL = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/;

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Another connection holds the database's write lock (past the busy timeout). */
export function isDatabaseBusy(error: unknown): boolean {
  return codesOf(error).some((code) => BUSY.test(code));
}

/** The disk (or the user's filesystem quota) has no room for what was being written. */
export function isOutOfSpace(error: unknown): boolean {
  return codesOf(error).some((code) => FULL.test(code));
}
