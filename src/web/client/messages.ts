// Every error code the server can answer, said in words a person can act on.
import { ApiError } from "./api.ts";

const WORDS: Record<string, string> = {
  network: "The server could not be reached. Check your connection and try again.",
  unauthorized: "You are signed out. Sign in again.",
  forbidden: "You are not allowed to do that.",
  not_found: "It is not there any more (deleted, or not yours).",
  validation_failed: "Some fields need fixing.",
  bad_request: "The request could not be read.",
  request_timeout: "The connection stalled and the server gave up waiting. Try again.",
  payload_too_large: "Too large: the file is over this server's size limit.",
  quota_exceeded: "Your storage is full: delete some images or ask for a bigger quota.",
  unsupported_media_type: "Not an image this server accepts (JPEG, PNG, GIF, WebP, AVIF, HEIC, BMP or TIFF).",
  name_conflict: "An image with this name already exists.",
  username_taken: "That username is taken. Try another.",
  weak_password: "That password is too easy to guess.",
  invalid_credentials: "Wrong username or password.",
  registration_closed: "Registration is closed — ask the operator for an account.",
  invite_invalid: "This server registers by invitation, and that invite code does not work.",
  rate_limited: "Too many attempts.",
  link_expired: "That link has expired.",
  link_exhausted: "That link has been used up.",
  integrity_error: "The stored image failed its integrity check. Tell the server's operator.",
  service_unavailable: "The server is busy or starting. Try again in a moment.",
  insufficient_storage: "The server's disk is full. Tell the server's operator.",
  internal_error: "Something went wrong on the server.",
};

/** One sentence for an error: the code's words, plus the server's detail where it adds facts. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const { code, detail } = error.problem;
  const words = WORDS[code] ?? `The server said: ${detail}`;
  const wait = error.problem.retryAfterSeconds;
  if (code === "rate_limited") return `${words} Try again in ${wait ? `${Math.ceil(wait / 60)} minute(s)` : "a few minutes"}.`;
  // These details name a limit or a reason the generic words cannot know.
  if (code === "payload_too_large" || code === "quota_exceeded" || code === "validation_failed") return `${words} (${detail})`;
  return words;
}

/** A validation_failed problem's messages by field name ("email" → "must be an email address"). */
export function fieldErrors(error: unknown): Map<string, string> {
  const found = new Map<string, string>();
  if (error instanceof ApiError) for (const e of error.problem.errors ?? []) if (!found.has(e.field)) found.set(e.field, e.message);
  return found;
}

const PREVIEW_REASONS: Record<string, string> = {
  too_many_pixels: "too many pixels to decode safely",
  undecodable: "the file could not be decoded",
  timeout: "decoding it took too long",
};

/** Why an image has no preview, from the server's reason code (or its words, when it sent a sentence). */
export function previewReason(reason: string | null | undefined): string {
  if (!reason) return "this image could not be decoded";
  return PREVIEW_REASONS[reason] ?? reason.replaceAll("_", " ");
}
