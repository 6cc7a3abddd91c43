// The owner's side of share links: make one, list the live ones, revoke them all.
import { hashPassword } from "../crypto/password.ts";
import { newId } from "../crypto/random-id.ts";
import { insertShareLink, listLiveShareLinks, revokeShareLinks, type ShareLinkRow } from "../store/share-repository.ts";
import type { ImageDeps } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { findChangeable, type Viewer } from "./image-access.ts";
import type { ShareRequest } from "./share-input.ts";

export interface CreatedShare {
  id: string;
  /** The secret part of the url: whoever holds it can open the link. */
  token: string;
  expiresAt: string;
}

/** What the owner sees of a link: never its token or password hash. */
export interface ShareInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
}

/** Only the owner may share: others get what changing the image would give them (404/403/401). */
export async function createShare(deps: ImageDeps, imageId: string, viewer: Viewer, input: ShareRequest): Promise<Result<CreatedShare>> {
  const found = await findChangeable(deps.db, imageId, viewer);
  if (!found.ok) return found;
  const now = deps.now();
  // Whole seconds, so the row and the token's `exp` name the same instant.
  const expiresAt = new Date((Math.floor(now.getTime() / 1000) + input.expiresInSeconds) * 1000);
  const id = newId();
  const epoch = await insertShareLink(deps.db.client, {
    id,
    imageId,
    createdAt: now,
    expiresAt,
    maxDownloads: input.maxDownloads ?? null,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
  });
  if (epoch === undefined) return fail("not_found", `no image ${JSON.stringify(imageId)}`);
  const token = await deps.shareSigner.signLink({ imageId, linkId: id, epoch, exp: expiresAt.getTime() / 1000 }, now);
  return ok({ id, token, expiresAt: expiresAt.toISOString() });
}

export async function listShares(deps: ImageDeps, imageId: string, viewer: Viewer): Promise<Result<ShareInfo[]>> {
  const found = await findChangeable(deps.db, imageId, viewer);
  if (!found.ok) return found;
  return ok((await listLiveShareLinks(deps.db.orm, imageId, deps.now())).map(info));
}

/** Every link of the image stops working at once, including tokens already handed out. */
export async function revokeShares(deps: ImageDeps, imageId: string, viewer: Viewer): Promise<Result<void>> {
  const found = await findChangeable(deps.db, imageId, viewer);
  if (!found.ok) return found;
  await revokeShareLinks(deps.db.client, imageId, deps.now());
  return ok(undefined);
}

const info = (row: ShareLinkRow): ShareInfo => ({
  id: row.id,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  maxDownloads: row.maxDownloads,
  downloads: row.downloads,
  hasPassword: row.passwordHash !== null,
});
