// Storage conditions a client can act on, as problems: a database locked by another process
// is 503 (try again), a full disk is 507. Anything else thrown stays an internal error.
import { isDatabaseBusy, isOutOfSpace } from "../store/storage-errors.ts";
import type { DomainError } from "./errors.ts";

/** Seconds a client should wait after a busy database: about one busy timeout. */
const BUSY_RETRY_SECONDS = 5;

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
