// The owner's side of album links: make one, list the live ones, revoke them all. Another user's
// album is as unknown here as everywhere else (404).
import type { AlbumLinkSigner } from "../../crypto/album-link-token.ts";
import { hashPassword } from "../../crypto/password.ts";
import { newId } from "../../crypto/random-id.ts";
import { albumMissing } from "../albums/albums.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import type { Clock } from "../clock.ts";
import { ok, type Result } from "../errors.ts";
import type { AlbumLinkRequest } from "./input.ts";
import type { AlbumLink, AlbumLinkRepository } from "./ports.ts";

export interface AlbumLinkPorts {
  readonly albums: Pick<AlbumRepository, "findOwned">;
  readonly links: Pick<AlbumLinkRepository, "insert" | "listLive" | "revokeAll">;
  readonly signer: Pick<AlbumLinkSigner, "signLink">;
  readonly clock: Clock;
}

type Owner = { readonly id: string };

export interface CreatedAlbumLink {
  id: string;
  /** The secret part of the url: whoever holds it can open the album. */
  token: string;
  expiresAt: string;
}

/** What the owner sees of a link: never its token or password hash. */
export interface AlbumLinkInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  hasPassword: boolean;
  allowDownload: boolean;
  allowUpload: boolean;
}

/** The album share routes' service (the owner's side). */
export function albumLinkService(ports: AlbumLinkPorts) {
  const owned = async (owner: Owner, albumId: string): Promise<Result<void>> =>
    (await ports.albums.findOwned(albumId, owner.id)) ? ok(undefined) : albumMissing(albumId);

  return {
    async create(owner: Owner, albumId: string, input: AlbumLinkRequest): Promise<Result<CreatedAlbumLink>> {
      const found = await owned(owner, albumId);
      if (!found.ok) return found;
      const now = ports.clock.now();
      // Whole seconds, so the row and the token's `exp` name the same instant.
      const expiresAt = new Date((Math.floor(now.getTime() / 1000) + input.expiresInSeconds) * 1000);
      const id = newId();
      const epoch = await ports.links.insert({
        id,
        albumId,
        createdAt: now,
        expiresAt,
        passwordHash: input.password === undefined ? null : await hashPassword(input.password),
        allowDownload: input.allowDownload,
        allowUpload: input.allowUpload,
      });
      if (epoch === undefined) return albumMissing(albumId);
      const token = await ports.signer.signLink({ albumId, linkId: id, epoch, exp: expiresAt.getTime() / 1000 }, now);
      return ok({ id, token, expiresAt: expiresAt.toISOString() });
    },

    async list(owner: Owner, albumId: string): Promise<Result<AlbumLinkInfo[]>> {
      const found = await owned(owner, albumId);
      if (!found.ok) return found;
      return ok((await ports.links.listLive(albumId, ports.clock.now())).map(info));
    },

    /** Every link of the album stops working at once, including tokens already handed out. */
    async revoke(owner: Owner, albumId: string): Promise<Result<void>> {
      const found = await owned(owner, albumId);
      if (!found.ok) return found;
      await ports.links.revokeAll(albumId, ports.clock.now());
      return ok(undefined);
    },
  };
}

export type AlbumLinkService = ReturnType<typeof albumLinkService>;

const info = (row: AlbumLink): AlbumLinkInfo => ({
  id: row.id,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  hasPassword: row.passwordHash !== null,
  allowDownload: row.allowDownload,
  allowUpload: row.allowUpload,
});
