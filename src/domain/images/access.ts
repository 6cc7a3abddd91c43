// Who may see or change an image. A private image exists only for its owner: to anyone
// else every route answers 404, so its id cannot even be confirmed.
import { fail, ok, type Result } from "../errors.ts";
import type { ImageRepository, OwnedImage } from "./ports.ts";

/** Who is asking: a signed-in user's id, or nobody. */
export type Viewer = { readonly id: string } | undefined;

export function canRead(row: Pick<OwnedImage, "visibility" | "ownerId">, viewer: Viewer): boolean {
  return row.visibility === "public" || row.ownerId === viewer?.id;
}

/** The one answer for an image that does not exist and one the caller may not see. */
export const missing = (id: string): Result<never> => fail("not_found", missingDetail(id));

export const missingDetail = (id: string) => `no image ${JSON.stringify(id)}`;

export async function findReadable(images: Pick<ImageRepository, "find">, id: string, viewer: Viewer): Promise<Result<OwnedImage>> {
  const row = await images.find(id);
  return row && canRead(row, viewer) ? ok(row) : missing(id);
}

/** 404 when the caller cannot see it; 401/403 when they can see it but it is someone else's public image. */
export async function findChangeable(images: Pick<ImageRepository, "find">, id: string, viewer: Viewer): Promise<Result<OwnedImage>> {
  const found = await findReadable(images, id, viewer);
  if (!found.ok) return found;
  return judgeChange(found.value, viewer);
}

export function judgeChange(row: OwnedImage, viewer: Viewer): Result<OwnedImage> {
  if (row.ownerId === viewer?.id) return ok(row);
  if (!viewer) return fail("unauthorized", "changing an image needs `Authorization: Bearer <token>`");
  return fail("forbidden", "only the owner can change or delete this image");
}
