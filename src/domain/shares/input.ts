// The shapes of share-link input: creating a link, and the password that unlocks one.
import { z } from "zod";
import { givenPasswordSchema } from "../accounts/input.ts";

const MIN_SHARE_SECONDS = 60;
const MAX_SHARE_SECONDS = 7 * 24 * 60 * 60;
const DEFAULT_SHARE_SECONDS = 30 * 60;
const MAX_SHARE_DOWNLOADS = 1_000_000;

const lifetime = `must be ${MIN_SHARE_SECONDS} to ${MAX_SHARE_SECONDS} seconds (1 minute to 7 days)`;

export const shareRequestSchema = z
  .object({
    expiresInSeconds: z
      .number({ error: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(MIN_SHARE_SECONDS, lifetime)
      .max(MAX_SHARE_SECONDS, lifetime)
      .default(DEFAULT_SHARE_SECONDS),
    /** Full downloads before the link is used up; absent or null: no limit. */
    maxDownloads: z
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_SHARE_DOWNLOADS, `must be at most ${MAX_SHARE_DOWNLOADS}`)
      .nullable()
      .optional(),
    /** Anyone opening the link must give it; stored only as an Argon2id hash. */
    password: givenPasswordSchema.optional(),
  })
  .strict();
export type ShareRequest = z.output<typeof shareRequestSchema>;

/** The password posted to /s/:token, as a form field or JSON. */
export const shareUnlockSchema = z.object({ password: givenPasswordSchema });
