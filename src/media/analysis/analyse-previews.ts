// The analysis half of the MediaProcessor port: colours and the perceptual hash from the thumb,
// labels from the display preview through the label model (unless `--analysis off`).
import type { AnalysisOutcome } from "../../domain/previews/ports.ts";
import type { LabelDetector } from "../labels/label-detector.ts";
import type { Sharp } from "../sharp-loader.ts";
import { analyseThumb } from "./analyse-thumb.ts";

// The model sees every image stretched to 512×512 (label-detector.ts): shrinking the 2048-px
// display to that here copies 16× fewer pixels to the worker and changes nothing it sees.
const MODEL_EDGE = 512;

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

export async function analysePreviews(
  sharp: Sharp,
  detector: LabelDetector | undefined,
  previews: { readonly thumb: Uint8Array; readonly display: Uint8Array },
): Promise<AnalysisOutcome> {
  let thumb: Awaited<ReturnType<typeof analyseThumb>>;
  try {
    thumb = await analyseThumb(sharp, previews.thumb);
  } catch (e) {
    return { ok: false, reason: "undecodable", detail: `thumb: ${firstLine(e)}` };
  }
  const colours = { colors: [...thumb.colors], buckets: [...thumb.buckets], hash: thumb.hash };
  if (!detector) return { ok: true, analysis: { ...colours, labels: [] } };
  let pixels: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    pixels = await sharp(previews.display)
      .removeAlpha()
      .resize(MODEL_EDGE, MODEL_EDGE, { fit: "fill" })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    return { ok: false, reason: "undecodable", detail: `display: ${firstLine(e)}` };
  }
  const { width, height, channels } = pixels.info;
  const found = await detector.detect({ width, height, channels, data: pixels.data });
  if (!found.ok) return { ok: false, reason: `labels_${found.reason}`, detail: found.detail };
  return { ok: true, analysis: { ...colours, labels: found.labels.map(({ name, score }) => ({ name, score })) } };
}
