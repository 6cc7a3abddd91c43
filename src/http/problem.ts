// The one place that maps error codes to RFC 9457 problem+json responses.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type DomainError, type ErrorCode, type Result } from "../domain/errors.ts";

const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  not_found: { status: 404, title: "Not found" },
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Forbidden" },
  validation_failed: { status: 422, title: "Validation failed" },
  bad_request: { status: 400, title: "Bad request" },
  request_timeout: { status: 408, title: "Request timeout" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  precondition_failed: { status: 412, title: "Precondition failed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  quota_exceeded: { status: 413, title: "Storage quota exceeded" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  name_conflict: { status: 409, title: "Name already taken" },
  conflict: { status: 409, title: "Conflict" },
  username_taken: { status: 409, title: "Username already taken" },
  weak_password: { status: 422, title: "Password too weak" },
  invalid_credentials: { status: 401, title: "Invalid credentials" },
  registration_closed: { status: 403, title: "Registration closed" },
  invite_invalid: { status: 403, title: "Invite required" },
  rate_limited: { status: 429, title: "Too many requests" },
  range_not_satisfiable: { status: 416, title: "Range not satisfiable" },
  link_expired: { status: 410, title: "Link expired" },
  link_exhausted: { status: 410, title: "Link used up" },
  preview_unavailable: { status: 422, title: "Preview unavailable" },
  integrity_error: { status: 500, title: "Stored data failed authentication" },
  service_unavailable: { status: 503, title: "Service unavailable" },
  insufficient_storage: { status: 507, title: "Insufficient storage" },
  internal_error: { status: 500, title: "Internal server error" },
};

/** The HTTP status of a code, for responses that carry several results (uploads, bulk deletes). */
export function statusOf(code: ErrorCode): number {
  return PROBLEMS[code].status;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemBody(error: DomainError): Record<string, unknown> {
  const { status, title } = PROBLEMS[error.code];
  return {
    ...error.extra,
    type: `urn:pixvault:problem:${error.code}`,
    title,
    status,
    detail: error.detail,
    code: error.code,
  };
}

/** The headers a failure needs besides its body: Retry-After, WWW-Authenticate, Content-Range. */
export function problemHeaders(error: DomainError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  // RFC 9110: a 401 says how to authenticate; a 416 names the size the range missed (§14.4).
  if (PROBLEMS[error.code].status === 401) headers["www-authenticate"] = 'Bearer realm="pixvault"';
  if (error.code === "range_not_satisfiable" && error.contentSize !== undefined) headers["content-range"] = `bytes */${error.contentSize}`;
  return headers;
}

/**
 * Renders a domain error through the context, so headers that middleware set before the
 * handler ran (X-Request-Id) are kept.
 */
export function problemResponse(c: Context, error: DomainError): Response {
  const body = JSON.stringify(problemBody(error));
  const headers = { ...problemHeaders(error), "content-type": PROBLEM_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)) };
  return c.body(body, PROBLEMS[error.code].status as ContentfulStatusCode, headers);
}

/** The success value of a domain result; a failure leaves the handler as its problem response. */
export function valueOr<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw AppError.from(result.error);
}
