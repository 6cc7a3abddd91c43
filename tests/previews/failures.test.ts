// Images that get no previews: a decompression bomb, more pixels than --max-image-pixels, bytes that sniff as an image but do not decode. Each keeps its original, says why, and nothing answers 5xx.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { photo } from "../media/photo-samples.ts";
import { pngBomb } from "../media/preview-checks.ts";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import { bytesOf, contentOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { PNG_SIGNATURE, pngChunk } from "../support/images.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { type RunningServer, startServer, tempDir } from "../support/pixvault.ts";
import { previewOf, settledImage, testSharp } from "../support/previews-api.ts";

/** The most memory the process ever had resident (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for ${pid}`);
  return Number(kb) * 1024;
}

/** The original still downloads bit for bit; both previews answer 422 preview_unavailable with the reason. */
async function expectNoPreviews(url: string, token: string, id: string, original: Buffer, reason: string): Promise<void> {
  for (const size of ["thumb", "display"]) {
    const problem = await expectProblem(await previewOf(url, token, id, size), 422, "preview_unavailable");
    expect(problem.reason).toBe(reason);
  }
  const content = await contentOf(url, token, id);
  expect(content.status).toBe(200);
  expect(sha256Hex(await bytesOf(content))).toBe(sha256Hex(original));
}

describe("a decompression bomb, on a real server process", () => {
  const dir = tempDir();
  let server: RunningServer;
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  test("a 30000×30000 PNG of ~110 KB is stored, its previews fail too_many_pixels, and the server's memory stays small", async () => {
    server = await startServer(["--data-dir", join(dir.path, "data")]);
    const { token } = await signedInUser(server.url);
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const uploaded = await uploadOne(server.url, token, { name: "bomb.png", bytes: bomb });
    expect([uploaded.contentType, uploaded.width, uploaded.height]).toEqual(["image/png", 30_000, 30_000]);

    // The background worker meets it first, with no preview request.
    const image = await settledImage(server.url, token, uploaded.id);
    expect(image.previews).toEqual({ status: "failed", reason: "too_many_pixels" });
    await expectNoPreviews(server.url, token, uploaded.id, bomb, "too_many_pixels");
    // Decoded, it would be 900 million pixels (2.7 GB as RGB): the peak must be nowhere near.
    expect(peakRss(server.proc.pid)).toBeLessThan(300 * 2 ** 20);
    expect(server.logs().filter((l) => l.level === "error")).toEqual([]);
  });
});

describe("no previews, with a reason", () => {
  const server = useInProcessServer(["--preview-workers", "0"]);
  const strict = useInProcessServer(["--max-image-pixels", "1000000"]);
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
  });

  test("a bomb asked for on demand (no background pool) answers 422 at once, and the image says failed", async () => {
    const bomb = pngBomb();
    const uploaded = await uploadOne(server.url, token, { name: "bomb.png", bytes: bomb });
    expect(uploaded.previews).toEqual({ status: "pending" });
    await expectNoPreviews(server.url, token, uploaded.id, bomb, "too_many_pixels");
    expect((await settledImage(server.url, token, uploaded.id, 0)).previews).toEqual({ status: "failed", reason: "too_many_pixels" });
  });

  test("--max-image-pixels below an ordinary photo's 1600×1200 fails it too_many_pixels; its original is untouched", async () => {
    const { token: mine } = await signedInUser(strict.url);
    const original = await photo(testSharp(), { width: 1600, height: 1200 });
    const uploaded = await uploadOne(strict.url, mine, { name: "ordinary.jpg", bytes: original });
    const image = await settledImage(strict.url, mine, uploaded.id);
    expect(image.previews).toEqual({ status: "failed", reason: "too_many_pixels" });
    // What the header and EXIF say is still read: only the pixels were refused.
    expect([image.width, image.height, image.takenAt]).toEqual([1600, 1200, "2024-05-01T14:03:22.250+02:00"]);
    await expectNoPreviews(strict.url, mine, uploaded.id, original, "too_many_pixels");
    // And one under the limit gets its previews on the same server.
    const small = await uploadOne(strict.url, mine, { name: "small.jpg", bytes: await photo(testSharp(), { width: 1000, height: 1000 }) });
    expect((await previewOf(strict.url, mine, small.id, "display")).status).toBe(200);
  });

  test("bytes that sniff as PNG, JPEG or GIF but do not decode are stored, and fail undecodable", async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(200, 0);
    ihdr.writeUInt32BE(100, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const junk = Buffer.from("this is not a zlib stream, nor pixels of any kind ".repeat(20));
    const cases = [
      {
        name: "junk.png",
        bytes: Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", junk), pngChunk("IEND", new Uint8Array(0))]),
      },
      { name: "junk.jpg", bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), junk]) },
      { name: "junk.gif", bytes: Buffer.concat([Buffer.from("GIF89a", "latin1"), Buffer.from([200, 0, 100, 0, 0, 0, 0]), junk]) },
    ];
    for (const { name, bytes } of cases) {
      const uploaded = await uploadOne(server.url, token, { name, bytes });
      await expectNoPreviews(server.url, token, uploaded.id, bytes, "undecodable");
      expect({ name, previews: (await settledImage(server.url, token, uploaded.id, 0)).previews }).toEqual({
        name,
        previews: { status: "failed", reason: "undecodable" },
      });
    }
  });

  test("nothing above answered 5xx or logged an error", () => {
    for (const s of [server, strict]) {
      const logs = s.server.logs();
      expect(logs.filter((l) => l.msg === "request").length).toBeGreaterThan(5);
      expect(logs.filter((l) => l.level === "error")).toEqual([]);
      expect(logs.filter((l) => typeof l.status === "number" && l.status >= 500)).toEqual([]);
    }
  });
});
