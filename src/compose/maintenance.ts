// Wires storage into the operator's maintenance rules: fsck, master key rotation and the search-term backfill.
import { systemClock, type Clock } from "../domain/clock.ts";
import type { FsckDeps } from "../domain/fsck/fsck.ts";
import type { KeyRepository } from "../domain/keys/ports.ts";
import { backfillTerms } from "../domain/keys/term-backfill.ts";
import type { Logger } from "../logger.ts";
import { removeBlobFile, storedBlobs, tempFiles } from "../store/blob-inventory.ts";
import { imageInventory } from "../store/image-inventory.ts";
import { keyRotationRepository } from "../store/key-rotation-repository.ts";
import { mediaJobRepository } from "../store/media-job-repository.ts";
import { termBackfillRepository } from "../store/term-backfill-repository.ts";
import type { Storage } from "./storage.ts";

/** What fsck verifies and repairs; a bucket-backed store has no files to walk. */
export function fsckDeps(storage: Storage): FsckDeps {
  const dir = storage.blobDir;
  return {
    images: imageInventory(storage.db.orm),
    files: dir === undefined ? undefined : { stored: () => storedBlobs(dir), temp: () => tempFiles(dir), remove: removeBlobFile },
    blobs: storage.blobs,
    jobs: mediaJobRepository(storage.db.orm),
    keyring: storage.keyring,
    clock: systemClock,
  };
}

/** What rotate-master-key re-keys through. */
export function keyPorts(storage: Storage): { keys: KeyRepository; clock: Clock } {
  return { keys: keyRotationRepository(storage.db.orm), clock: systemClock };
}

/** Search terms for images stored before this term version (serve and the test app, before the first request). */
export function backfillSearchTerms(storage: Storage, logger: Logger): Promise<number> {
  return backfillTerms({ backfill: termBackfillRepository(storage.db.orm), keyring: storage.keyring, logger });
}
