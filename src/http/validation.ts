// Request validation failures become one 422 listing every bad field.
import type { Hook } from "@hono/zod-openapi";
import { AppError } from "../domain/errors.ts";
import type { AppEnv } from "./env.ts";

interface Issue {
  path: PropertyKey[];
  message: string;
}

export function fieldErrors(issues: readonly Issue[]) {
  return issues.map((i) => ({ field: i.path.map(String).join(".") || "(body)", message: i.message }));
}

/** The defaultHook of every OpenAPI route: a failed schema throws validation_failed. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const errors = fieldErrors(result.error.issues);
    throw new AppError("validation_failed", `${errors.length} field(s) are invalid`, { errors });
  }
};
