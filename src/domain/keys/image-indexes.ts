// An image's blind indexes recomputed from its sealed fields under the keyring's index version:
// what key rotation rewrites for every image, and what the term backfill writes for old ones.
import type { Keyring } from "../../crypto/master-key.ts";
import { nameKey } from "../images/filenames.ts";
import { indexKey, nameIndex, openImageKeys, ownerOf, tagIndex } from "../images/keys.ts";
import { analysisTerms, openAnalysis } from "../analysis/analysis-result.ts";
import { textTerms } from "../images/search-terms.ts";
import type { KeyedImage, ReKeyedImage } from "./ports.ts";

/** Throws IntegrityError when the image's data key does not unwrap or a field does not open. */
export function openImageIndexes(keyring: Keyring, image: KeyedImage): Omit<ReKeyedImage, "wrappedKey"> & { dataKey: Buffer } {
  const owner = ownerOf(image);
  const { dataKey, metadata } = openImageKeys(keyring, owner, image.id, image.wrappedKey);
  const key = indexKey(keyring, image.visibility, owner);
  const filename = metadata.openFilename(image.filenameEnc);
  const tags = metadata.openTags(image.tagsEnc);
  return {
    dataKey,
    nameIndex: nameIndex(key, nameKey(filename)),
    tagIndexes: tags.map((tag) => tagIndex(key, tag)),
    terms: {
      ...textTerms(key, { filename, description: metadata.openDescription(image.descriptionEnc), tags }),
      ...analysisTerms(key, openAnalysis(metadata, image.analysisEnc)),
    },
  };
}
