// Parsed JSON response bodies for tests, typed by the shape the caller names (see api-bodies.ts).
import type { JsonValue } from "./api-bodies.ts";

/**
 * Untyped bodies, for test files not yet moved to api-bodies.ts; new code names a body type instead.
 * @deprecated use `jsonOf<ImageBody>(res)` and the types of api-bodies.ts
 */
// biome-ignore lint/suspicious/noExplicitAny: the remaining escape hatch while test files move to named body types
export type Json = any;

/** The body of `res` as JSON, typed as `T`: a claim the test's assertions then check. */
export async function jsonOf<T = Json>(res: { json(): Promise<unknown> }): Promise<T> {
  return (await res.json()) as T;
}
