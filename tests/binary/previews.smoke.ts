// CI: dist/pixvault copied alone into an empty directory makes previews: sharp and libvips load from
// inside the executable (libvips written into <data-dir>/.lib) and the HEIC worker decodes HEVC.
// Run by .ci/run after `npm run build` (bun test ./tests/binary/previews.smoke.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadSharp } from "../../src/media/sharp-loader.ts";
import { call, freshUsername, loginToken, strongPassword } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { bytesOf, uploadOne } from "../support/images-api.ts";
import { cliUserCreate, type RunningServer, startServer, tempDir } from "../support/pixvault.ts";
import { near, photo, pixelAt, RED } from "../media/photo-samples.ts";

const built = join(import.meta.dir, "../../dist/pixvault");
const dir = tempDir("pixvault-previews-");
const bin = join(dir.path, "pixvault");
const dataDir = join(dir.path, "data");
// tests/support/pixvault.ts runs the binary named here instead of `bun src/main.ts`.
process.env.PIXVAULT_BIN = bin;
// sharp in this process (from node_modules), to make the JPEG and decode what the binary answers.
// From source nothing is written into libDir (sharp and libvips load from node_modules).
const load = loadSharp({ libDir: join(dir.path, "unused-lib") });
if (!load.ok) throw new Error(load.reason);
const sharp = load.sharp;

type Size = "thumb" | "display";

let server: RunningServer | undefined;
let token = "";

beforeAll(async () => {
  copyFileSync(built, bin);
  Bun.spawnSync(["chmod", "755", bin]);
});

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

/** GET the preview; asserts the headers and decodes the body with sharp. */
async function preview(id: string, size: Size) {
  const res = await call(server!.url, "GET", `/api/v1/images/${id}/preview?size=${size}`, { token });
  const bytes = await bytesOf(res);
  if (res.status !== 200) throw new Error(`preview ${size} of ${id}: ${res.status} ${bytes.toString()}`);
  const type = res.headers.get("content-type");
  expect(["image/webp", "image/jpeg"]).toContain(type!);
  expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
  const meta = await sharp(bytes).metadata();
  expect(`image/${meta.format}`).toBe(type!);
  return { bytes, width: meta.width, height: meta.height };
}

async function imageOf(id: string): Promise<ImageBody & { previews?: { status: string; reason?: string } }> {
  const res = await call(server!.url, "GET", `/api/v1/images/${id}`, { token });
  expect(res.status).toBe(200);
  return (await jsonOf<{ image: ImageBody & { previews?: { status: string; reason?: string } } }>(res)).image;
}

describe("previews from the single executable", () => {
  test("runs from an empty directory with no node_modules, a user signs in", async () => {
    expect(readdirSync(dir.path)).toEqual(["pixvault"]);
    const username = freshUsername("media");
    const password = strongPassword();
    const created = await cliUserCreate(username, `${password}\n`, ["--data-dir", dataDir]);
    expect(created.code).toBe(0);
    server = await startServer(["--data-dir", dataDir], { cwd: dir.path, timeoutMs: 30_000 });
    token = await loginToken(server.url, username, password);
    expect(token).not.toBe("");
  });

  test("a 3000×2000 JPEG turned by EXIF orientation 6 gets a 267×400 thumb and a 1365×2048 display preview", async () => {
    const bytes = await photo(sharp, { width: 3000, height: 2000, orientation: 6 });
    const image = await uploadOne(server!.url, token, { name: "photo.jpg", bytes });
    const thumb = await preview(image.id, "thumb");
    expect([thumb.width, thumb.height]).toEqual([267, 400]);
    // The red block of the stored top-left corner is top-right once turned.
    expect(near(await pixelAt(sharp, thumb.bytes, thumb.width! - 5, 5), RED)).toBe(true);
    const display = await preview(image.id, "display");
    expect([display.width, display.height]).toEqual([1365, 2048]);
    expect((await imageOf(image.id)).previews).toEqual({ status: "ready" });
    // sharp's libvips was written under the data directory, not into $TMPDIR or beside the binary.
    expect(readdirSync(join(dataDir, ".lib")).some((f) => f.startsWith("libvips-cpp"))).toBe(true);
    expect(existsSync(join(dir.path, "node_modules"))).toBe(false);
  }, 60_000);

  test("an HEVC-coded HEIC is decoded (the WASM worker) into previews no larger than the original", async () => {
    const image = await uploadOne(server!.url, token, {
      name: "gps.heic",
      bytes: readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic")),
    });
    for (const size of ["thumb", "display"] as const) {
      const { bytes, width, height } = await preview(image.id, size);
      expect([width, height]).toEqual([64, 48]);
      // The fixture is a gradient, red rising left to right: real pixels, not a blank image.
      const [left] = await pixelAt(sharp, bytes, 1, 24);
      const [right] = await pixelAt(sharp, bytes, 62, 24);
      expect(right! - left!).toBeGreaterThan(100);
    }
    expect((await imageOf(image.id)).previews).toEqual({ status: "ready" });
  }, 60_000);

  test("PIXVAULT_LIBVIPS (as --libvips) names another libvips-cpp.so, which is used instead of the bundled one", async () => {
    // "Another" libvips: a copy of the same build, in a place of the user's choosing (LGPL: replaceable).
    const own = join(dir.path, "own-lib", "libvips-cpp.so.8.18.8");
    mkdirSync(dirname(own));
    copyFileSync(join(import.meta.dir, "../../node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.8"), own);
    const otherData = join(dir.path, "data-own-libvips");
    const username = freshUsername("vips");
    const password = strongPassword();
    expect((await cliUserCreate(username, `${password}\n`, ["--data-dir", otherData])).code).toBe(0);
    const other = await startServer(["--data-dir", otherData], { cwd: dir.path, env: { PIXVAULT_LIBVIPS: own }, timeoutMs: 30_000 });
    try {
      const otherToken = await loginToken(other.url, username, password);
      const bytes = await photo(sharp, { width: 800, height: 600 });
      const image = await uploadOne(other.url, otherToken, { name: "small.jpg", bytes });
      const res = await call(other.url, "GET", `/api/v1/images/${image.id}/preview?size=thumb`, { token: otherToken });
      expect(res.status).toBe(200);
      const meta = await sharp(await bytesOf(res)).metadata();
      expect([meta.width, meta.height]).toEqual([400, 300]);
      expect(readdirSync(join(otherData, ".lib")).filter((f) => f.startsWith("libvips-cpp"))).toEqual([]);
      expect(other.logs().filter((l) => l.level === "warn" && /libvips/.test(l.msg))).toEqual([]);
    } finally {
      await other.stop();
    }
  }, 60_000);

  test("the server logged no error, and no warning about its media stack", () => {
    const bad = server!
      .logs()
      .filter((l) => l.level === "error" || (l.level === "warn" && /preview|libvips|sharp|heic|media/i.test(l.msg)));
    expect(bad).toEqual([]);
  });
});
