// Parsed JSON response bodies for tests, typed by the shape the caller names (see api-bodies.ts).
import type { JsonValue } from "./api-bodies.ts";

/**
 * The body of `res` as JSON, typed as `T`: a claim the test's assertions then check. Without a
 * type argument it is a plain JSON value, to compare or print but not to reach into.
 */
export async function jsonOf<T = JsonValue>(res: { json(): Promise<unknown> }): Promise<T> {
  return (await res.json()) as T;
}
