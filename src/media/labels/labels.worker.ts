// Worker thread entry: finds the COCO labels of one image with CenterNet (centernet.ts), for label-detector.ts.
import { detectLabels } from "./centernet.ts";
import type { Label, LabelPixels } from "./label-types.ts";

declare const self: Worker;

export interface LabelRequest extends LabelPixels {
  readonly id: number;
  readonly minScore: number;
}

export type LabelReply =
  | { readonly id: number; readonly ok: true; readonly labels: Label[] }
  | { readonly id: number; readonly ok: false; readonly reason: "model_failed"; readonly detail: string };

self.onmessage = async ({ data: { id, minScore, ...pixels } }: MessageEvent<LabelRequest>) => {
  let reply: LabelReply;
  try {
    reply = { id, ok: true, labels: await detectLabels(pixels, minScore) };
  } catch (e) {
    reply = { id, ok: false, reason: "model_failed", detail: e instanceof Error ? e.message : String(e) };
  }
  self.postMessage(reply);
};
