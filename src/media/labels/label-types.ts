// The values that cross between LabelDetector and its worker.

/** Decoded pixels, row by row, `channels` bytes each (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA). */
export interface LabelPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/** A COCO class found in an image and the model's best score for it (0–1). */
export interface Label {
  readonly name: string;
  readonly score: number;
}
