// Storage conditions a client can act on, as problems: a database locked by another process
// is 503 (try again), a full disk is 507. Anything else thrown stays an internal error.
//
// SQLite's codes come from libsql (`code`, extended codes such as SQLITE_BUSY_SNAPSHOT
// included); filesystem ones are errno names. Drizzle and the store's own wrappers may nest
// the original error as `cause`, so the chain is searched. Only codes are read here: the
// drivers themselves stay in src/store.
import type { DomainError } from "./errors.ts";

/** Seconds a client should wait after a busy database: about one busy timeout. */
const BUSY_RETRY_SECONDS = 5;
const BUSY = /^SQLITE_(BUSY|LOCKED)(_|$)/;
const FULL = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/;

/** The problem for a thrown storage failure, or undefined when it is not one of these conditions. */
export function storageCondition(error: unknown): DomainError | undefined {
  if (isDatabaseBusy(error)) {
    return {
      code: "service_unavailable",
      detail: "the database is locked by another process; nothing was changed, try again shortly",
      retryAfterSeconds: BUSY_RETRY_SECONDS,
    };
  }
  if (isOutOfSpace(error)) {
    return { code: "insufficient_storage", detail: "the server has no storage space left for this request; nothing was stored" };
  }
  return undefined;
}

/** Another connection holds the database's write lock (past the busy timeout). */
export function isDatabaseBusy(error: unknown): boolean {
  return codesOf(error).some((code) => BUSY.test(code));
}

/** The disk (or the user's filesystem quota) has no room for what was being written. */
function isOutOfSpace(error: unknown): boolean {
  return codesOf(error).some((code) => FULL.test(code));
}

function codesOf(error: unknown): string[] {
  return errorChain(error).flatMap((e) => (typeof e.code === "string" ? [e.code] : []));
}

/** The error and its causes, outermost first (a few levels: wrappers nest shallowly). */
export function errorChain(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; message?: unknown }[] = [];
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    chain.push(current as { code?: unknown; message?: unknown });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
