// LabelDetector on real photos (tests/fixtures/photos): COCO labels ≥ 0.4 from the model in a worker,
// nothing on a blank image, bad input as a value, the worker (and the model's memory) gone when idle.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabelPixels, LabelDetector } from "../../src/media/labels/label-detector.ts";
import { loadSharp } from "../../src/media/sharp-loader.ts";

const load = loadSharp({ libDir: mkdtempSync(join(tmpdir(), "pxv-lib-")) });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;
const detector = new LabelDetector();
afterAll(() => detector.close());

/** A fixture photo decoded to raw pixels, as the analysis job decodes a preview. */
async function pixelsOf(name: string): Promise<LabelPixels> {
  const bytes = readFileSync(join(import.meta.dir, "../fixtures/photos", name));
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

const namesOf = async (name: string) => {
  const result = await detector.detect(await pixelsOf(name));
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  for (const label of result.labels) expect(label.score).toBeGreaterThanOrEqual(0.4);
  expect(result.labels.map((l) => l.score)).toEqual(result.labels.map((l) => l.score).sort((a, b) => b - a));
  return result.labels.map((l) => l.name);
};

describe("labels from the model in the worker", () => {
  test.each([
    ["astronaut.jpg", "person"],
    ["camera.jpg", "person"],
    ["coffee.jpg", "cup"],
  ])("%s is labelled %s", async (file, label) => {
    const names = await namesOf(file);
    expect(names).toContain(label);
    expect(new Set(names).size).toBe(names.length);
  });

  test("a blank image and the same grey with RGBA or one channel get no label", async () => {
    for (const channels of [1, 3, 4]) {
      const result = await detector.detect({ width: 300, height: 200, channels, data: new Uint8Array(300 * 200 * channels).fill(128) });
      expect(result).toEqual({ ok: true, labels: [] });
    }
  });

  test("input that is not pixels is refused as a value, without a worker", async () => {
    const fresh = new LabelDetector();
    const bad = [
      { width: 0, height: 10, channels: 3, data: new Uint8Array(0) },
      { width: 10, height: 10, channels: 3, data: new Uint8Array(299) },
      { width: 10, height: 10, channels: 5, data: new Uint8Array(500) },
      { width: 1e6, height: 1e6, channels: 3, data: new Uint8Array(3) },
      { width: 2.5, height: 2, channels: 3, data: new Uint8Array(15) },
      null as unknown as LabelPixels,
    ];
    for (const pixels of bad) {
      const result = await fresh.detect(pixels);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toBe("invalid_input");
    }
    expect(fresh.workersStarted).toBe(0);
  });

  test("the worker ends when idle and is started again for the next image; it is recycled after N images", async () => {
    const short = new LabelDetector({ idleMs: 200, imagesPerWorker: 2 });
    const astronaut = await pixelsOf("astronaut.jpg");
    expect((await short.detect(astronaut)).ok).toBe(true);
    expect(short.running).toBe(true);
    await Bun.sleep(500);
    expect(short.running).toBe(false);
    const results = await Promise.all([short.detect(astronaut), short.detect(astronaut), short.detect(astronaut)]);
    expect(results.every((r) => r.ok)).toBe(true);
    // One before the idle end, then two for three images at two per worker.
    expect(short.workersStarted).toBe(3);
    short.close();
  });

  test("unload ends an idle worker and waits for it to go; a labelling in progress is not cut short", async () => {
    const own = new LabelDetector();
    const astronaut = await pixelsOf("astronaut.jpg");
    expect((await own.detect(astronaut)).ok).toBe(true);
    expect(own.running).toBe(true);
    await own.unload();
    expect(own.running).toBe(false);
    const busy = own.detect(astronaut);
    await own.unload(); // busy: left alone
    expect(own.running).toBe(true);
    expect((await busy).ok).toBe(true);
    expect(own.workersStarted).toBe(2);
    own.close();
  });

  test("a queue past its bound answers busy; an image past the timeout ends the worker and answers timeout", async () => {
    const tight = new LabelDetector({ maxQueued: 1, timeoutMs: 1 });
    const astronaut = await pixelsOf("astronaut.jpg");
    const results = await Promise.all([tight.detect(astronaut), tight.detect(astronaut), tight.detect(astronaut)]);
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["timeout", "timeout", "busy"]);
    expect(tight.running).toBe(false);
    tight.close();
  });
});
