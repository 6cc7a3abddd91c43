// Who may see or change an image. A private image exists only for its owner: to anyone
// else every route answers 404, so its id cannot even be confirmed.
import type { UserRow } from "../store/user-repository.ts";
import { findImage, type OwnedImageRow } from "../store/image-repository.ts";
import type { Database } from "../store/db.ts";
import { fail, ok, type Result } from "./errors.ts";

export type Viewer = Pick<UserRow, "id"> | undefined;

export function canRead(row: Pick<OwnedImageRow, "visibility" | "ownerId">, viewer: Viewer): boolean {
  return row.visibility === "public" || row.ownerId === viewer?.id;
}

const missing = (id: string) => fail("not_found", `no image ${JSON.stringify(id)}`);

export async function findReadable(db: Database, id: string, viewer: Viewer): Promise<Result<OwnedImageRow>> {
  const row = await findImage(db.orm, id);
  return row && canRead(row, viewer) ? ok(row) : missing(id);
}

/** 404 when the caller cannot see it; 401/403 when they can see it but it is someone else's public image. */
export async function findChangeable(db: Database, id: string, viewer: Viewer): Promise<Result<OwnedImageRow>> {
  const found = await findReadable(db, id, viewer);
  if (!found.ok) return found;
  return judgeChange(found.value, viewer);
}

export function judgeChange(row: OwnedImageRow, viewer: Viewer): Result<OwnedImageRow> {
  if (row.ownerId === viewer?.id) return ok(row);
  if (!viewer) return fail("unauthorized", "changing an image needs `Authorization: Bearer <token>`");
  return fail("forbidden", "only the owner can change or delete this image");
}
