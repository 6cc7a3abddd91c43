// The blob store every service gets: deleting an original deletes its previews too, so an image's
// previews go with it wherever it goes (image delete, bulk delete, replace, user deletion).
import { imageIdOfBlob, PREVIEW_SIZES, previewBlobId } from "../domain/previews/ports.ts";
import type { BlobStore } from "../store/blob-store.ts";

/** `store`, with delete(id) of an original also removing `<id>.thumb` and `<id>.display`. */
export function withPreviewBlobs(store: BlobStore): BlobStore {
  return {
    create: (id) => store.create(id),
    open: (id) => store.open(id),
    check: () => store.check(),
    async delete(id) {
      // Previews are derived and encrypted under the same data key: once the original is gone
      // (crypto-shredding included) nothing may still hold a picture of it. All three go at
      // once (their row is already gone: a crash part way leaves orphans that fsck --repair removes).
      if (imageIdOfBlob(id) !== undefined) return store.delete(id);
      await Promise.all([id, ...PREVIEW_SIZES.map((size) => previewBlobId(id, size))].map((blob) => store.delete(blob)));
    },
  };
}
