// The shapes of account input, shared by the HTTP API and the `user` commands.
import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../password-policy.ts";

// Letters, marks and numbers of any script are fine in a name; control characters are not.
const NO_CONTROL = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;
// Deliberately loose: one @, no spaces, a dot in the domain. Mail delivery is the real test.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const usernameSchema = z
  .string()
  .trim()
  .min(3, "must be 3 to 32 characters")
  .max(32, "must be 3 to 32 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "may contain only a-z, 0-9, '_', '.' and '-'")
  .transform((s) => s.toLowerCase());

const nameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(NO_CONTROL, "must not contain control characters");

export const emailSchema = z.string().trim().max(254, "must be at most 254 characters").regex(EMAIL, "must be an email address");

/**
 * A password being chosen. Its minimum length is not checked here: a short password is a weak
 * one, judged with the rest of its strength (weak_password and feedback, password-strength.ts).
 */
export const newPasswordSchema = z
  .string()
  .min(1, "is required")
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
  .describe(`at least ${MIN_PASSWORD_LENGTH} characters and hard to guess, else 422 weak_password with feedback`);

/** A password being checked, not chosen: any length up to the cap. */
export const givenPasswordSchema = z.string().min(1, "is required").max(MAX_PASSWORD_LENGTH, "is too long");

export const registrationSchema = z.object({
  name: nameSchema,
  username: usernameSchema,
  email: emailSchema,
  password: newPasswordSchema,
});
export type Registration = z.output<typeof registrationSchema>;

/** A sign-up over HTTP: a registration, with the invite code `--registration invite` asks for. */
export const signUpSchema = registrationSchema.extend({
  invite: z.string().max(200, "is too long").optional().describe("the invite code; required when the server registers by invitation"),
});
export type SignUp = z.output<typeof signUpSchema>;

export const loginSchema = z.object({
  username: z.string().min(1, "is required").max(256, "is too long"),
  password: givenPasswordSchema,
});
export type Login = z.output<typeof loginSchema>;

export const profileChangeSchema = z.object({ name: nameSchema.optional(), email: emailSchema.optional() }).strict();
export type ProfileChange = z.output<typeof profileChangeSchema>;

export const passwordChangeSchema = z.object({
  currentPassword: givenPasswordSchema
    .optional()
    .describe("required, except for an account made by single sign-on that has no password yet (its first one)"),
  newPassword: newPasswordSchema,
});
export const passwordConfirmationSchema = z.object({ password: givenPasswordSchema });

export const apiTokenRequestSchema = z.object({
  name: nameSchema,
  expiresInDays: z.number().int("must be a whole number").min(1).max(3650).optional(),
  // A token outlives the session that makes it, so a stolen session alone must not mint one.
  password: givenPasswordSchema,
});
