// Uploads through an album link that allows them: each file becomes the album owner's private
// image (sealed under the owner's key, counted against the owner's quota) and joins the album.
// Guests pay per file from a budget per client address, so a link cannot be used to flood its owner.
import type { Throttle } from "../accounts/throttle.ts";
import type { AlbumRepository } from "../albums/ports.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { UploadOptions } from "../images/input.ts";
import type { UploadService, UploadSession, UploadSource } from "../images/uploads.ts";
import type { ImageObject } from "../images/view.ts";
import { type LiveLinkPorts, openLink } from "./live-link.ts";

export interface GuestUploadPorts extends LiveLinkPorts {
  readonly albums: Pick<AlbumRepository, "addImages">;
  readonly uploads: UploadService;
  readonly throttle: Pick<Throttle, "takeFromBudget">;
}

/** Files a client address may send through album links in an hour (every file part counts, stored or not). */
const GUEST_UPLOADS_PER_HOUR = 60;
const HOUR_MS = 60 * 60 * 1000;

/** One request's uploads through one link: the owner's quota is tracked across its files. */
export interface GuestUpload {
  readonly token: string;
  readonly proof: string | undefined;
  readonly clientIp: string;
  readonly albumId: string;
  readonly session: UploadSession;
}

/** The album link upload route's service. */
export function guestUploadService(ports: GuestUploadPorts) {
  /** The link as it stands now: open, still allowing uploads. */
  const uploadingLink = async (token: string, proof: string | undefined) => {
    const live = await openLink(ports, token, proof);
    if (!live.ok) return live;
    if (!live.value.link.allowUpload) return fail("forbidden", "this album link does not take uploads");
    return live;
  };

  return {
    async begin(token: string, proof: string | undefined, clientIp: string): Promise<Result<GuestUpload>> {
      const live = await uploadingLink(token, proof);
      if (!live.ok) return live;
      const session = await ports.uploads.begin(live.value.owner);
      return ok({ token, proof, clientIp, albumId: live.value.link.albumId, session });
    },

    /**
     * Stores one file as the owner's private image and adds it to the album. A name the owner
     * already uses is renamed (`cat (1).png`): a guest never replaces nor learns of a private
     * image by its name. The answer is the image as others see it (no location).
     */
    async upload(guest: GuestUpload, source: UploadSource, options: UploadOptions): Promise<Result<ImageObject>> {
      // Checked again per file: a link revoked or expired mid-request takes no more files.
      const live = await uploadingLink(guest.token, guest.proof);
      if (!live.ok) return live;
      const budget = { name: "album-link:upload", part: guest.clientIp, max: GUEST_UPLOADS_PER_HOUR, windowMs: HOUR_MS };
      const allowed = await ports.throttle.takeFromBudget(budget, `at most ${GUEST_UPLOADS_PER_HOUR} files an hour through album links`);
      if (!allowed.ok) return allowed;
      const stored = await ports.uploads.upload(guest.session, source, { ...options, visibility: "private", onConflict: "rename" });
      if (!stored.ok) return stored;
      await ports.albums.addImages(guest.albumId, [stored.value.id], ports.clock.now());
      return ok({ ...stored.value, location: null });
    },
  };
}

export type GuestUploadService = ReturnType<typeof guestUploadService>;
