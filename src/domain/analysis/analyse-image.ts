// The analysis stage of one image (SPEC §9): its previews in, the sealed result and its search
// terms out. Shared by the preview job (previews still in memory) and `pixvault analyse` (previews
// read back from the blob store). A failure is recorded, never thrown: the image keeps its previews.
import type { Keyring } from "../../crypto/master-key.ts";
import { indexKey, ownerOf, type ImageSealer } from "../images/keys.ts";
import type { OwnedImage } from "../images/ports.ts";
import type { AnalysisRecord, MediaProcessor } from "../previews/ports.ts";
import { analysisTerms, sealAnalysis } from "./analysis-result.ts";

export async function analyseImage(
  ports: { readonly keyring: Keyring; readonly processor: Pick<MediaProcessor, "analyse"> },
  row: Pick<OwnedImage, "ownerId" | "ownerKeySalt" | "visibility">,
  sealer: ImageSealer,
  previews: { readonly thumb: Uint8Array; readonly display: Uint8Array },
): Promise<AnalysisRecord & { readonly detail?: string }> {
  const key = indexKey(ports.keyring, row.visibility, ownerOf(row));
  const outcome = await ports.processor.analyse(previews);
  if (!outcome.ok) {
    return { status: "failed", reason: outcome.reason, detail: outcome.detail, analysisEnc: null, terms: analysisTerms(key, null) };
  }
  return {
    status: "ready",
    reason: null,
    analysisEnc: sealAnalysis(sealer, outcome.analysis),
    terms: analysisTerms(key, outcome.analysis),
  };
}
