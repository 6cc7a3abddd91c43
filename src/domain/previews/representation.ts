// Which bytes of an image a viewer gets (SPEC §8, location privacy): its owner, the original bit
// for bit; anyone else the original, its location-free splice or its display preview, as the
// media job decided — waiting for that job first, so that nothing with a position leaks meanwhile.
import { crc32 } from "node:zlib";
import type { DecryptedBlob } from "../../crypto/stored-blob.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { Viewer } from "../images/access.ts";
import { type ContentPorts, guarded, type ImageContent, openBytes } from "../images/content.ts";
import { nameWithTypeExtension, withoutExtension } from "../images/filenames.ts";
import type { OwnedImage } from "../images/ports.ts";
import { imageObject, type OpenedImage, openImage } from "../images/view.ts";
import { type MediaResult, openMediaResult, type PreviewBlob } from "./media-result.ts";
import { mayCarryPosition, type OthersCopy } from "./others-copy.ts";
import { openPreviewBlob, type PreviewContentPorts, withJobDone } from "./preview-content.ts";
import { type Splice, splicedBlob } from "./splice.ts";

type Representation =
  | { readonly kind: "original" }
  | { readonly kind: "spliced"; readonly splice: Splice }
  | { readonly kind: "display"; readonly preview: PreviewBlob; readonly crc32: number };

export interface ChosenBytes {
  /** The image as it stands after its media job (the row may be newer than the one passed in). */
  readonly opened: OpenedImage;
  readonly representation: Representation;
  /** False for the owner's original when others get other bytes. */
  readonly sameForEveryone: boolean;
}

/** What an answer or a zip entry must know before its first byte. */
export interface RepresentationFacts {
  readonly size: number;
  /** Its strong ETag. */
  readonly sha256: string;
  readonly crc32: number;
  readonly contentType: string;
  /** The download or entry name, its extension matching contentType. */
  readonly filename: string;
}

const ORIGINAL = { kind: "original" } as const;

/** The bytes `viewer` gets of an image they may read. */
export async function chooseBytes(ports: PreviewContentPorts, found: OwnedImage, viewer: Viewer): Promise<Result<ChosenBytes>> {
  const isOwner = viewer !== undefined && viewer.id === found.ownerId;
  if (isOwner || !mayCarryPosition(found.contentType)) {
    const opened = guarded(ports, found.id, () => openImage(ports.keyring, found));
    if (!opened.ok) return opened;
    // The owner is not kept from their original by a damaged media result (logged all the same).
    const result = isOwner && mayCarryPosition(found.contentType) ? guarded(ports, found.id, () => mediaResultOf(opened.value)) : undefined;
    const sameForEveryone = result === undefined || (result.ok && result.value?.forOthers?.kind === "original");
    return ok({ opened: opened.value, representation: ORIGINAL, sameForEveryone });
  }
  const settled = await withJobDone(ports, found);
  if (!settled.ok) return settled;
  const row = settled.value;
  const opened = guarded(ports, row.id, () => {
    const image = openImage(ports.keyring, row);
    return { image, result: mediaResultOf(image) };
  });
  if (!opened.ok) return opened;
  const { image, result } = opened.value;
  const photo = image.fields.photo;
  const positionless = photo !== null && photo.location === null;
  if (!result) {
    // No media result: the job failed (or is still running elsewhere). Only the photo fields it
    // read can vouch for the original; without them, refusing is the one answer that cannot leak.
    if (row.mediaStatus === "failed" && positionless) return ok({ opened: image, representation: ORIGINAL, sameForEveryone: true });
    return fail("preview_unavailable", noCopyDetail(row), {
      reason: row.mediaStatus === "failed" ? (row.mediaReason ?? "undecodable") : "still being made",
    });
  }
  // Results sealed before the job made this choice: judged by the photo fields, the display preview when in doubt.
  const forOthers: OthersCopy | undefined = result.forOthers ?? (positionless ? ORIGINAL : undefined);
  const representation = await representationFor(ports, image, result, forOthers);
  return representation.ok ? ok({ opened: image, representation: representation.value, sameForEveryone: true }) : representation;
}

function mediaResultOf(image: OpenedImage): MediaResult | undefined {
  const sealed = image.row.mediaResultEnc;
  return image.row.mediaStatus === "ready" && sealed ? openMediaResult(image.sealer, sealed) : undefined;
}

async function representationFor(
  ports: ContentPorts,
  image: OpenedImage,
  result: MediaResult,
  forOthers: OthersCopy | undefined,
): Promise<Result<Representation>> {
  if (forOthers?.kind === "original") return ok(ORIGINAL);
  if (forOthers?.kind === "spliced") return ok({ kind: "spliced", splice: forOthers.splice });
  const preview = result.display;
  if (forOthers) return ok({ kind: "display", preview, crc32: forOthers.crc32 });
  const crc = await crc32OfPreview(ports, image, preview);
  return crc.ok ? ok({ kind: "display", preview, crc32: crc.value }) : crc;
}

/** Only for results older than OthersCopy, which carries it: a display preview is small. */
async function crc32OfPreview(ports: ContentPorts, image: OpenedImage, preview: PreviewBlob): Promise<Result<number>> {
  const blob = await openPreviewBlob(ports, image.row.id, "display", image.dataKey, preview);
  if (!blob.ok) return blob;
  let crc = 0;
  try {
    for await (const chunk of blob.value.readAll()) crc = crc32(chunk, crc);
  } finally {
    await blob.value.close();
  }
  return ok(crc);
}

function noCopyDetail(row: OwnedImage): string {
  const why =
    row.mediaStatus === "failed" ? `its media job failed (${row.mediaReason ?? "undecodable"})` : "its previews are still being made";
  return `image ${row.id} may record where it was taken and ${why}, so no copy without its location can be served; only its owner can download the original`;
}

export function factsOf({ opened, representation }: ChosenBytes): RepresentationFacts {
  const { row, fields } = opened;
  const sameType = { contentType: row.contentType, filename: nameWithTypeExtension(fields.filename, row.contentType) };
  switch (representation.kind) {
    case "original":
      return { size: row.size, sha256: fields.sha256, crc32: fields.crc32, ...sameType };
    case "spliced": {
      const { size, sha256, crc32 } = representation.splice;
      return { size, sha256, crc32, ...sameType };
    }
    case "display": {
      const { preview } = representation;
      // Named as what it is: `IMG_1.HEIC` is served as `IMG_1.webp`.
      const filename = nameWithTypeExtension(withoutExtension(fields.filename), preview.contentType);
      return { size: preview.size, sha256: preview.sha256, crc32: representation.crc32, contentType: preview.contentType, filename };
    }
  }
}

/** The chosen bytes for reading (the caller closes them). */
export async function openChosen(ports: ContentPorts, { opened, representation }: ChosenBytes): Promise<Result<DecryptedBlob>> {
  if (representation.kind === "display") return openPreviewBlob(ports, opened.row.id, "display", opened.dataKey, representation.preview);
  const blob = await openBytes(ports, opened.row, opened.dataKey);
  return blob.ok && representation.kind === "spliced" ? ok(splicedBlob(blob.value, representation.splice)) : blob;
}

/** The image and the bytes `viewer` gets of it (the caller closes the blob); one unwrap of the data key serves both. */
export async function openImageContent(ports: PreviewContentPorts, found: OwnedImage, viewer: Viewer): Promise<Result<ImageContent>> {
  const chosen = await chooseBytes(ports, found, viewer);
  if (!chosen.ok) return chosen;
  const blob = await openChosen(ports, chosen.value);
  if (!blob.ok) return blob;
  const { opened, sameForEveryone } = chosen.value;
  const { sha256, contentType, filename } = factsOf(chosen.value);
  const image = imageObject(opened.row, opened.fields, viewer);
  return ok({ image, blob: blob.value, etag: sha256, contentType, filename, sameForEveryone });
}
