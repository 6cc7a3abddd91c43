// The shapes of album input, checked at the HTTP edge.
import { z } from "zod";
import { MAX_BULK_IDS } from "../images/input.ts";

// Letters, marks and numbers of any script are fine; control characters are not.
const NO_CONTROL = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;

const nameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(NO_CONTROL, "must not contain control characters");
const descriptionSchema = z.string().trim().max(2000, "must be at most 2000 characters");
const idSchema = z.string().min(1).max(64);

export const newAlbumSchema = z.object({ name: nameSchema, description: descriptionSchema.nullable().optional() }).strict();
export type NewAlbum = z.output<typeof newAlbumSchema>;

export const albumChangeSchema = z
  .object({
    name: nameSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    coverImageId: idSchema.nullable().optional().describe("an image in the album, or null for the image added last"),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: "nothing to change: give name, description or coverImageId" });
export type AlbumChangeRequest = z.output<typeof albumChangeSchema>;

export const albumImagesSchema = z
  .object({ ids: z.array(idSchema).min(1, "give at least one id").max(MAX_BULK_IDS, `at most ${MAX_BULK_IDS} ids`) })
  .strict();
