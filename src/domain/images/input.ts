// The shapes of image input: upload options, list queries, changes and bulk requests.
import { z } from "zod";

// Control characters and the bidi overrides that make text display as something else;
// other format characters (the joiners inside emoji) are fine.
const NO_CONTROL = /^[^\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/u;
const NO_CONTROL_BUT_LINES = /^(?:[^\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\n\t])*$/u;
const MAX_TAGS = 32;
export const MAX_DESCRIPTION = 2000;
export const MAX_BULK_IDS = 10_000;

const visibilitySchema = z.enum(["private", "public"], { error: "must be private or public" });

// Tags are case-insensitive labels: stored lowercased and NFC, so "Cats" finds "cats".
const tagSchema = z
  .string()
  .transform((s) => s.normalize("NFC").trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "a tag must not be empty")
      .max(64, "a tag is at most 64 characters")
      .regex(/^[^,]*$/, "a tag must not contain a comma")
      .regex(NO_CONTROL, "a tag must not contain control characters"),
  );

/** `a,b` (form, query) or `["a","b"]` (JSON); duplicates dropped, order kept. */
const tagsSchema = z
  .union([z.string().transform((s) => (s.trim() === "" ? [] : s.split(","))), z.array(z.string())])
  .pipe(z.array(tagSchema).max(MAX_TAGS, `at most ${MAX_TAGS} tags`))
  .transform((tags) => [...new Set(tags)]);

export const descriptionSchema = z
  .string()
  // Forms send line breaks as CRLF; one form is stored.
  .transform((s) => s.normalize("NFC").replace(/\r\n?/g, "\n"))
  .pipe(
    z
      .string()
      .max(MAX_DESCRIPTION, `at most ${MAX_DESCRIPTION} characters`)
      .regex(NO_CONTROL_BUT_LINES, "must not contain control characters other than newlines and tabs"),
  );

export const uploadOptionsSchema = z.object({
  visibility: visibilitySchema.default("private"),
  tags: tagsSchema.default([]),
  description: descriptionSchema.optional(),
  onConflict: z.enum(["fail", "rename", "replace"], { error: "must be fail, rename or replace" }).default("fail"),
});
export type UploadOptions = z.output<typeof uploadOptionsSchema>;

/** YYYY-MM-DD, a real calendar day; blank (an empty form field) filters nothing. */
const takenDateSchema = z
  .string()
  .max(10, "must be a date as YYYY-MM-DD")
  .refine((s) => s === "" || isCalendarDay(s), "must be a date as YYYY-MM-DD");

function isCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const listQuerySchema = z.object({
  scope: z.enum(["mine", "public"], { error: "must be mine or public" }).optional(),
  visibility: visibilitySchema.optional(),
  // Names, descriptions and tags hold no control character, and a NUL could not be keyed (blind index).
  q: z
    .string()
    .max(255, "at most 255 characters")
    .regex(NO_CONTROL, "a search has no control characters")
    .optional()
    .describe(
      "case-insensitive filename substring, or whole words of the description and tags (all of them, any order); through blind indexes, so a page may end early with a nextCursor after 50 (anonymous) / 200 (signed in) candidates that did not match",
    ),
  tag: z.string().max(64).regex(NO_CONTROL, "a tag has no control characters").optional(),
  type: z.string().max(100).optional(),
  label: z
    .string()
    .max(64)
    .regex(NO_CONTROL, "a label has no control characters")
    .optional()
    .describe("only images in which analysis found this object (a COCO class name such as person, dog, cell phone)"),
  color: z
    .string()
    .max(32)
    .optional()
    .describe(
      "only images with a dominant colour in this bucket: red, orange, yellow, green, cyan, blue, purple, pink, brown, black, white or gray",
    ),
  album: z.string().min(1).max(64).optional().describe("only the images of this album of yours (another's album is 404)"),
  sort: z
    .enum(["newest", "oldest", "size", "taken"], { error: "must be newest, oldest, size or taken" })
    .default("newest")
    .describe("taken: date taken, newest first; an image without one sorts as if taken when it was uploaded"),
  takenFrom: takenDateSchema
    .optional()
    .describe("YYYY-MM-DD: only images taken on or after this day (the day the camera recorded); undated images are left out"),
  takenTo: takenDateSchema
    .optional()
    .describe("YYYY-MM-DD: only images taken on or before this day, inclusive; undated images are left out"),
  limit: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1 to 200")
    .max(200, "must be 1 to 200")
    .default(50),
  cursor: z.string().max(512).optional(),
});
export type ListQuery = z.output<typeof listQuerySchema>;

export const imageChangeSchema = z
  .object({
    filename: z.string().max(1024).optional(),
    visibility: visibilitySchema.optional(),
    tags: tagsSchema.optional(),
    description: descriptionSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: "nothing to change: give filename, visibility, tags or description",
  });
export type ImageChange = z.output<typeof imageChangeSchema>;

const idSchema = z.string().min(1).max(64);
export const bulkSelectionSchema = z.union([
  z.object({ ids: z.array(idSchema).min(1, "give at least one id").max(MAX_BULK_IDS, `at most ${MAX_BULK_IDS} ids`) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export type BulkSelection = z.output<typeof bulkSelectionSchema>;

/** What a zip holds: the bulk selections, or one of the caller's albums. */
export const archiveSelectionSchema = z.union([...bulkSelectionSchema.options, z.object({ album: idSchema }).strict()]);
export type ArchiveSelection = z.output<typeof archiveSelectionSchema>;
