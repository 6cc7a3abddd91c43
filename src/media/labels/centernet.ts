// CenterNet (COCO, MobileNetV3) on TensorFlow.js's WebAssembly backend: loads the model and finds the
// labels of one image. Runs inside labels.worker.ts only, so the model's memory goes when the worker ends.
//
// The WASM backend runs single-threaded on purpose: tfjs picks its threaded build when the runtime
// looks able to run it, and threaded emscripten WASM hangs on Bun 1.4 (oven-sh/bun#41825).
import "@tensorflow/tfjs-backend-wasm";
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm" with { type: "file" };
import plainWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm" with { type: "file" };
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type GraphModel, loadGraphModelSync } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { COCO_CLASSES } from "./coco-classes.ts";
import type { Label, LabelPixels } from "./label-types.ts";
import weightsPath from "./model/centernet.bin" with { type: "file" };
import modelJson from "./model/centernet.json" with { type: "file" };

// With `type: "file"` the import is the file's path (in the executable, a path in its embedded file
// system, which node:fs and emscripten's loader read like any other); TypeScript types JSON as its content.
const modelPath = modelJson as unknown as string;
/** The model's square input edge (its signature: tower_0/images is 1×512×512×3, RGB 0–255). */
const INPUT_EDGE = 512;

let model: GraphModel<tf.io.IOHandlerSync> | undefined;

async function loadModel(): Promise<GraphModel<tf.io.IOHandlerSync>> {
  if (model) return model;
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  // Every name must be mapped; the threaded one is never chosen with the flag above.
  setWasmPaths({
    "tfjs-backend-wasm.wasm": plainWasm,
    "tfjs-backend-wasm-simd.wasm": simdWasm,
    "tfjs-backend-wasm-threaded-simd.wasm": plainWasm,
  });
  if (!(await tf.setBackend("wasm"))) throw new Error("the WebAssembly backend of TensorFlow.js did not start");
  const json = JSON.parse(readFileSync(modelPath, "utf8")) as tf.io.ModelJSON;
  const weights = readFileSync(weightsPath);
  model = loadGraphModelSync([json, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer]);
  return model;
}

/** The image as the model's input: RGB (grey repeated, alpha dropped), stretched to 512×512, float 0–255. */
function inputOf({ width, height, channels, data }: LabelPixels): tf.Tensor4D {
  return tf.tidy(() => {
    const pixels = tf.tensor3d(data, [height, width, channels], "int32");
    const rgb =
      channels >= 3 ? tf.slice(pixels, [0, 0, 0], [height, width, 3]) : tf.tile(tf.slice(pixels, [0, 0, 0], [height, width, 1]), [1, 1, 3]);
    return tf.image.resizeBilinear(tf.expandDims(tf.cast(rgb, "float32"), 0) as tf.Tensor4D, [INPUT_EDGE, INPUT_EDGE]);
  });
}

/**
 * The COCO classes found with a score of at least `minScore`, each once with its best score (scores
 * truncated to two decimals, as Human reports them), highest first. Non-maximum suppression is left
 * out: it only drops boxes that overlap a better one of the same class, never a class's best box.
 */
export async function detectLabels(pixels: LabelPixels, minScore: number): Promise<Label[]> {
  const graph = await loadModel();
  const input = inputOf(pixels);
  const output = graph.execute(input, "tower_0/detections") as tf.Tensor;
  input.dispose();
  // 1 × 100 × [x1, y1, x2, y2, score, class]
  const rows = ((await output.array()) as number[][][])[0] ?? [];
  output.dispose();
  const best = new Map<string, number>();
  for (const [, , , , score = 0, classId = -1] of rows) {
    const name = COCO_CLASSES[classId];
    if (name === undefined || !(score >= minScore)) continue;
    best.set(name, Math.max(best.get(name) ?? 0, Math.trunc(score * 100) / 100));
  }
  return [...best].map(([name, score]) => ({ name, score })).sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}
