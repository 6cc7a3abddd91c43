// The shapes of album-link input: making a link, and paging through an album by its link.
import { z } from "zod";
import { givenPasswordSchema } from "../accounts/input.ts";
import { listQuerySchema } from "../images/input.ts";

const MIN_LINK_SECONDS = 60;
const MAX_LINK_SECONDS = 30 * 24 * 60 * 60;
const DEFAULT_LINK_SECONDS = 7 * 24 * 60 * 60;

const lifetime = `must be ${MIN_LINK_SECONDS} to ${MAX_LINK_SECONDS} seconds (1 minute to 30 days)`;

export const albumLinkRequestSchema = z
  .object({
    expiresInSeconds: z
      .number({ error: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(MIN_LINK_SECONDS, lifetime)
      .max(MAX_LINK_SECONDS, lifetime)
      .default(DEFAULT_LINK_SECONDS),
    /** Anyone opening the link must give it; stored only as an Argon2id hash. */
    password: givenPasswordSchema.optional(),
    /** The album's originals and its zip (previews are always shown). */
    allowDownload: z.boolean({ error: "must be true or false" }).default(true),
    /** Anyone with the link may add images, which become the owner's private images. */
    allowUpload: z.boolean({ error: "must be true or false" }).default(false),
  })
  .strict();
export type AlbumLinkRequest = z.output<typeof albumLinkRequestSchema>;

/** `GET /a/:token/images`: newest first, keyset cursor. */
export const albumLinkPageSchema = listQuerySchema.pick({ limit: true, cursor: true });
export type AlbumLinkPage = z.output<typeof albumLinkPageSchema>;
