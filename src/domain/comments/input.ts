// The shapes of comment input: a body to post, and a page to list.
import { z } from "zod";

const MAX_COMMENT_CHARACTERS = 2000;

// Plain text: line breaks and tabs are fine; other control characters and the bidi overrides
// that make text display as something else are not (as for image descriptions).
const PLAIN_TEXT = /^(?:[^\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\n\r\t])*$/u;

/** Stored and returned exactly as given after trimming; never HTML (clients show it as text). */
export const commentInputSchema = z
  .object({
    body: z
      .string({ error: "must be a string" })
      .max(MAX_COMMENT_CHARACTERS * 4, `at most ${MAX_COMMENT_CHARACTERS} characters`)
      .transform((s) => s.trim())
      .pipe(
        z
          .string()
          .min(1, "must not be empty")
          // Characters are code points: an emoji counts once, as a person counts it.
          .refine((s) => [...s].length <= MAX_COMMENT_CHARACTERS, `at most ${MAX_COMMENT_CHARACTERS} characters`)
          .regex(PLAIN_TEXT, "must not contain control characters other than newlines and tabs"),
      ),
  })
  .strict();
export type CommentInput = z.output<typeof commentInputSchema>;

export const commentListQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1 to 200")
    .max(200, "must be 1 to 200")
    .default(50),
  cursor: z.string().max(512).optional(),
});
export type CommentListQuery = z.output<typeof commentListQuerySchema>;
