// The owner's side of share links: make one, list the live ones, revoke them all.
import { hashPassword } from "../../crypto/password.ts";
import { newId } from "../../crypto/random-id.ts";
import type { ShareSigner } from "../../crypto/share-token.ts";
import type { Clock } from "../clock.ts";
import { ok, type Result } from "../errors.ts";
import { findChangeable, missing, type Viewer } from "../images/access.ts";
import type { ImageRepository } from "../images/ports.ts";
import type { ShareRequest } from "./input.ts";
import type { ShareLink, ShareRepository } from "./ports.ts";

export interface ShareLinkPorts {
  readonly images: Pick<ImageRepository, "find">;
  readonly shares: Pick<ShareRepository, "insert" | "listLive" | "revokeAll">;
  readonly shareSigner: Pick<ShareSigner, "signLink">;
  readonly clock: Clock;
}

/** The share routes' service (the owner's side). */
export function shareLinkService(ports: ShareLinkPorts) {
  return {
    create: (imageId: string, viewer: Viewer, input: ShareRequest) => createShare(ports, imageId, viewer, input),
    list: (imageId: string, viewer: Viewer) => listShares(ports, imageId, viewer),
    revoke: (imageId: string, viewer: Viewer) => revokeShares(ports, imageId, viewer),
  };
}

export type ShareLinkService = ReturnType<typeof shareLinkService>;

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
async function createShare(ports: ShareLinkPorts, imageId: string, viewer: Viewer, input: ShareRequest): Promise<Result<CreatedShare>> {
  const found = await findChangeable(ports.images, imageId, viewer);
  if (!found.ok) return found;
  const now = ports.clock.now();
  // Whole seconds, so the row and the token's `exp` name the same instant.
  const expiresAt = new Date((Math.floor(now.getTime() / 1000) + input.expiresInSeconds) * 1000);
  const id = newId();
  const epoch = await ports.shares.insert({
    id,
    imageId,
    createdAt: now,
    expiresAt,
    maxDownloads: input.maxDownloads ?? null,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
  });
  if (epoch === undefined) return missing(imageId);
  const token = await ports.shareSigner.signLink({ imageId, linkId: id, epoch, exp: expiresAt.getTime() / 1000 }, now);
  return ok({ id, token, expiresAt: expiresAt.toISOString() });
}

async function listShares(ports: ShareLinkPorts, imageId: string, viewer: Viewer): Promise<Result<ShareInfo[]>> {
  const found = await findChangeable(ports.images, imageId, viewer);
  if (!found.ok) return found;
  return ok((await ports.shares.listLive(imageId, ports.clock.now())).map(info));
}

/** Every link of the image stops working at once, including tokens already handed out. */
async function revokeShares(ports: ShareLinkPorts, imageId: string, viewer: Viewer): Promise<Result<void>> {
  const found = await findChangeable(ports.images, imageId, viewer);
  if (!found.ok) return found;
  await ports.shares.revokeAll(imageId, ports.clock.now());
  return ok(undefined);
}

const info = (row: ShareLink): ShareInfo => ({
  id: row.id,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  maxDownloads: row.maxDownloads,
  downloads: row.downloads,
  hasPassword: row.passwordHash !== null,
});
