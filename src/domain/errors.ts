// The catalogue of expected failures: every error the API can answer has one code here.
const ERROR_CODES = [
  "not_found",
  "unauthorized",
  "forbidden",
  "validation_failed",
  "bad_request",
  "request_timeout",
  "method_not_allowed",
  "precondition_failed",
  "payload_too_large",
  "quota_exceeded",
  "unsupported_media_type",
  "name_conflict",
  "conflict",
  "username_taken",
  "weak_password",
  "invalid_credentials",
  "registration_closed",
  "invite_invalid",
  "rate_limited",
  "range_not_satisfiable",
  "link_expired",
  "link_exhausted",
  "integrity_error",
  "preview_unavailable",
  "service_unavailable",
  "insufficient_storage",
  "internal_error",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure, carried as a value from the domain to the one place that renders it. */
export interface DomainError {
  readonly code: ErrorCode;
  readonly detail: string;
  /** Extra members of the problem document (e.g. `errors`, `missing`, `feedback`). */
  readonly extra?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (rate limits, unavailability). */
  readonly retryAfterSeconds?: number;
  /** range_not_satisfiable: the size of the content the range missed (the HTTP layer names it, RFC 9110 §14.4). */
  readonly contentSize?: number;
}

export type Result<T, E = DomainError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = (code: ErrorCode, detail: string, extra?: Record<string, unknown>): Result<never> => ({
  ok: false,
  error: { code, detail, ...(extra ? { extra } : {}) },
});

/**
 * Thrown only where a value cannot be returned (middleware, validation hooks, a body already
 * streaming); the HTTP layer renders it exactly like a returned DomainError.
 */
export class AppError extends Error implements DomainError {
  readonly retryAfterSeconds?: number;
  readonly contentSize?: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = "AppError";
  }

  /** A failure value thrown as it is, every member kept. */
  static from(error: DomainError): AppError {
    const { retryAfterSeconds, contentSize } = error;
    return Object.assign(new AppError(error.code, error.detail, error.extra), {
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(contentSize !== undefined ? { contentSize } : {}),
    });
  }
}
