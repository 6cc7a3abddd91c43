// Quota rules in process, as a scenario table: the exact boundary, a refusal leaves nothing
// behind (no row, no blob, no temp file), and a replace counts only the bytes that remain.
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../../src/test-app.ts";
import { pngOfSize } from "../support/images.ts";
import { blobFiles, listed, outcome, upload } from "./app-client.ts";

const A = pngOfSize(3000, 1);
const B = pngOfSize(5000, 2);
const C = pngOfSize(2000, 3);

interface Step {
  name: string;
  bytes: Buffer;
  options?: Record<string, string>;
  status: 201 | 413;
}

interface Scenario {
  title: string;
  quotaBytes: number;
  steps: Step[];
  /** What the user holds afterwards: listed by name, and exactly these bytes used. */
  kept: string[];
  usedBytes: number;
  /** Names that must not be listed. */
  absent: string[];
}

const scenarios: Scenario[] = [
  {
    title: "an upload that lands exactly on the quota is accepted; one byte more is refused",
    quotaBytes: A.length + B.length,
    steps: [
      { name: "a.png", bytes: A, status: 201 },
      { name: "b.png", bytes: B, status: 201 },
      { name: "c.png", bytes: C, status: 413 },
    ],
    kept: ["a.png", "b.png"],
    usedBytes: A.length + B.length,
    absent: ["c.png"],
  },
  {
    title: "one byte under what the upload needs: 413 quota_exceeded, and what fits stays",
    quotaBytes: A.length + B.length - 1,
    steps: [
      { name: "a.png", bytes: A, status: 201 },
      { name: "b.png", bytes: B, status: 413 },
      { name: "c.png", bytes: C, status: 201 },
    ],
    kept: ["a.png", "c.png"],
    usedBytes: A.length + C.length,
    absent: ["b.png"],
  },
  {
    // While it streams, a replacement is checked against the usage that still holds the old
    // image; once committed only the new bytes count, so C fits where A + B + C would not.
    title: "a replace counts the new bytes only once committed: the old image's bytes are freed",
    quotaBytes: A.length + B.length,
    steps: [
      { name: "a.png", bytes: A, status: 201 },
      { name: "a.png", bytes: B, options: { onConflict: "replace" }, status: 201 },
      { name: "c.png", bytes: C, status: 201 },
      { name: "d.png", bytes: A, status: 413 },
    ],
    kept: ["a.png", "c.png"],
    usedBytes: B.length + C.length,
    absent: ["d.png", "a (1).png"],
  },
  {
    title: "a refused replace keeps the image it would have replaced",
    quotaBytes: A.length + B.length - 1,
    steps: [
      { name: "a.png", bytes: A, status: 201 },
      { name: "c.png", bytes: C, status: 201 },
      { name: "c.png", bytes: B, options: { onConflict: "replace" }, status: 413 },
    ],
    kept: ["a.png", "c.png"],
    usedBytes: A.length + C.length,
    absent: [],
  },
];

describe("quota (in process)", () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  for (const scenario of scenarios) {
    test(scenario.title, async () => {
      // Previews on demand only: the blob counts below are of originals, with no preview being written beside them.
      t = await createTestApp({ flags: ["--user-quota-bytes", String(scenario.quotaBytes), "--preview-workers", "0"] });
      const app = t;
      const { token } = await app.signUp();
      for (const [i, step] of scenario.steps.entries()) {
        const before = blobFiles(app);
        const res = await upload(app, token, step.name, step.bytes, step.options);
        const expected = step.status === 413 ? { step: i, status: 413, code: "quota_exceeded" } : { step: i, status: 201 };
        expect({ step: i, ...(await outcome(res)) }).toEqual(expected);
        // A refusal leaves nothing: the blob count is what it was, and no temp file remains.
        if (step.status === 413) expect(blobFiles(app)).toEqual(before);
        expect(blobFiles(app).temp).toBe(0);
      }
      const images = await listed(app, token);
      expect(images.map((i) => i.filename).sort()).toEqual([...scenario.kept].sort());
      for (const name of scenario.absent) expect(images.map((i) => i.filename)).not.toContain(name);
      const me = (await (await app.request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).json()) as {
        user: { usage: { images: number; bytes: number; quotaBytes: number } };
      };
      expect(me.user.usage).toEqual({ images: scenario.kept.length, bytes: scenario.usedBytes, quotaBytes: scenario.quotaBytes });
      expect(blobFiles(app)).toEqual({ committed: scenario.kept.length, temp: 0 });
    });
  }
});
