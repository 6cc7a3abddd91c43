// Location privacy (SPEC §8) through HTTP: the owner gets the original bit for bit; anyone else —
// another user, nobody signed in, a share link holder, someone else's zip — gets the same picture
// without its GPS position, with its own strong ETag, exact length and working ranges.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import exifReader from "exif-reader";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { photo } from "../media/photo-samples.ts";
import { call, expectProblem, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { bytesOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { tempDir } from "../support/pixvault.ts";
import { previewOf, settledImage, testSharp } from "../support/previews-api.ts";
import { createShare, openShare } from "../support/shares-api.ts";

const sharp = testSharp();
const scratch = tempDir("pixvault-gps-");
afterAll(() => scratch.remove());

const GPS_HEIC = readFileSync(join(import.meta.dir, "../fixtures/media/gps.heic"));

interface Sample {
  name: string;
  bytes: Buffer;
  image?: ImageBody;
}

const content = (url: string, id: string, token?: string, headers: Record<string, string> = {}, method = "GET") =>
  call(url, method, `/api/v1/images/${id}/content`, { headers, ...(token ? { token } : {}) });

/** No GPS IFD (nor a pointer to one) in the EXIF libvips finds, and no GPS words anywhere. */
async function expectNoPosition(bytes: Uint8Array): Promise<void> {
  const meta = await sharp(bytes).metadata();
  if (meta.exif) {
    const exif = exifReader(meta.exif);
    expect(exif.GPSInfo).toBeUndefined();
    expect(exif.Image?.GPSTag).toBeUndefined();
  }
  expect(Buffer.from(bytes).toString("latin1")).not.toContain("GPS");
}

async function expectPosition(bytes: Uint8Array): Promise<void> {
  expect(exifReader((await sharp(bytes).metadata()).exif!).GPSInfo?.GPSLatitude).toBeDefined();
}

/** Every pixel decodes the same, as stored and as shown. */
async function expectSamePixels(a: Uint8Array, b: Uint8Array): Promise<void> {
  for (const rotate of [false, true]) {
    const raw = (bytes: Uint8Array) => (rotate ? sharp(bytes).rotate() : sharp(bytes)).raw().toBuffer({ resolveWithObject: true });
    const [x, y] = await Promise.all([raw(a), raw(b)]);
    expect(y.info).toEqual(x.info);
    expect(Buffer.compare(x.data, y.data)).toBe(0);
  }
}

/** Entry name → bytes, after `unzip -t` found every CRC right. */
function unzipped(zip: Uint8Array): Map<string, Buffer> {
  const dir = mkdtempSync(join(scratch.path, "zip-"));
  const path = join(dir, "a.zip");
  writeFileSync(path, zip);
  const test = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
  expect(test.status, test.stdout + test.stderr).toBe(0);
  expect(test.stdout).toContain("No errors detected");
  const out = join(dir, "out");
  expect(spawnSync("unzip", ["-q", "-d", out, path]).status).toBe(0);
  return new Map(readdirSync(out).map((name) => [name, readFileSync(join(out, name))]));
}

describe("images with a position", () => {
  const suite = useInProcessServer();
  let ann: SignedInUser;
  let bob: SignedInUser;
  const stripped: Sample[] = [];
  let heic: Sample;
  let plain: Sample;
  let cameraOnly: Sample;

  beforeAll(async () => {
    ann = await signedInUser(suite.url);
    bob = await signedInUser(suite.url);
    const withGps = async (format: "jpeg" | "png" | "webp", orientation?: number) =>
      photo(sharp, { width: 96, height: 64, format, ...(orientation ? { orientation } : {}) });
    stripped.push(
      { name: "paris.jpg", bytes: await withGps("jpeg", 6) },
      { name: "paris.png", bytes: await withGps("png") },
      { name: "paris.webp", bytes: await withGps("webp") },
    );
    heic = { name: "paris.HEIC", bytes: GPS_HEIC };
    plain = { name: "plain.jpg", bytes: await photo(sharp, { width: 40, height: 30, exif: false }) };
    cameraOnly = {
      name: "camera.jpg",
      bytes: await sharp(plain.bytes)
        .withExif({ IFD0: { Make: "Canon", Model: "EOS R5" } })
        .jpeg()
        .toBuffer(),
    };
    for (const sample of [...stripped, heic, plain, cameraOnly]) {
      sample.image = await uploadOne(suite.url, ann.token, { name: sample.name, bytes: sample.bytes }, { visibility: "public" });
    }
    for (const s of stripped) await expectPosition(s.bytes);
  });

  for (const index of [0, 1, 2]) {
    describe(["JPEG (orientation 6)", "PNG (eXIf)", "WebP (EXIF)"][index]!, () => {
      const sample = () => stripped[index]!;

      test("the owner gets the original bit for bit, kept by no shared cache", async () => {
        const { image, bytes } = sample();
        const res = await content(suite.url, image!.id, ann.token);
        expect(res.status).toBe(200);
        expect(await bytesOf(res)).toEqual(bytes);
        expect(res.headers.get("etag")).toBe(`"${sha256Hex(bytes)}"`);
        expect(res.headers.get("cache-control")).toBe("no-store");
      });

      test("another user gets the same pixels without the position: exact length, own strong ETag, 304", async () => {
        const { image, bytes } = sample();
        // Asked before the job is known to be done: the answer waits for it rather than leak.
        const res = await content(suite.url, image!.id, bob.token);
        expect(res.status).toBe(200);
        const got = await bytesOf(res);
        expect(got).not.toEqual(bytes);
        await expectNoPosition(got);
        await expectSamePixels(bytes, got);
        expect(res.headers.get("content-type")).toBe(image!.contentType);
        expect(res.headers.get("content-length")).toBe(String(got.length));
        const etag = res.headers.get("etag");
        expect(etag).toBe(`"${sha256Hex(got)}"`);
        expect(etag).not.toBe(`"${image!.sha256}"`);
        expect(res.headers.get("content-disposition")).toContain(sample().name);
        const again = await content(suite.url, image!.id, bob.token, { "if-none-match": etag! });
        expect(again.status).toBe(304);
        // The owner's ETag does not validate the stripped copy.
        expect((await content(suite.url, image!.id, bob.token, { "if-none-match": `"${image!.sha256}"` })).status).toBe(200);
        // The Image object names no place for him either.
        const meta = await call(suite.url, "GET", `/api/v1/images/${image!.id}`, { token: bob.token });
        expect(((await meta.json()) as { image: ImageBody & { location: unknown } }).image.location).toBeNull();
      });

      test("nobody signed in and a share link holder get the same stripped bytes; HEAD agrees", async () => {
        const { image } = sample();
        const mine = await bytesOf(await content(suite.url, image!.id, bob.token));
        const anonymous = await content(suite.url, image!.id);
        expect(await bytesOf(anonymous)).toEqual(mine);
        expect(anonymous.headers.get("cache-control")).toBe("public, no-cache");
        const head = await content(suite.url, image!.id, undefined, {}, "HEAD");
        expect(head.headers.get("content-length")).toBe(String(mine.length));
        expect(head.headers.get("etag")).toBe(`"${sha256Hex(mine)}"`);
        const link = await createShare(suite.url, ann.token, image!.id);
        const shared = await openShare(suite.url, link.token);
        expect(shared.status).toBe(200);
        expect(await bytesOf(shared)).toEqual(mine);
        expect(shared.headers.get("etag")).toBe(`"${sha256Hex(mine)}"`);
        const tail = await openShare(suite.url, link.token, { headers: { range: "bytes=-25" } });
        expect(tail.status).toBe(206);
        expect(await bytesOf(tail)).toEqual(mine.subarray(mine.length - 25));
      });

      test("ranges are slices of the stripped bytes, across its spliced pieces", async () => {
        const { image } = sample();
        const mine = await bytesOf(await content(suite.url, image!.id, bob.token));
        const last = mine.length - 1;
        for (const [start, end] of [
          [0, 0],
          [0, 99],
          [10, Math.min(300, last)],
          [Math.floor(mine.length / 2), last],
        ] as const) {
          const res = await content(suite.url, image!.id, bob.token, { range: `bytes=${start}-${end}` });
          expect(res.status).toBe(206);
          expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${mine.length}`);
          expect(await bytesOf(res)).toEqual(mine.subarray(start, end + 1));
        }
        const beyond = await content(suite.url, image!.id, bob.token, { range: `bytes=${mine.length}-` });
        expect(beyond.status).toBe(416);
      });
    });
  }

  test("HEIC: others get the display preview, named with its extension; the owner the HEIC", async () => {
    const id = heic.image!.id;
    const owner = await content(suite.url, id, ann.token);
    expect(await bytesOf(owner)).toEqual(GPS_HEIC);
    const res = await content(suite.url, id, bob.token);
    expect(res.status).toBe(200);
    const got = await bytesOf(res);
    const type = res.headers.get("content-type");
    expect(["image/webp", "image/jpeg"]).toContain(type!);
    expect(res.headers.get("content-disposition")).toContain(type === "image/webp" ? "paris.webp" : "paris.jpg");
    expect(res.headers.get("content-length")).toBe(String(got.length));
    expect(res.headers.get("etag")).toBe(`"${sha256Hex(got)}"`);
    await expectNoPosition(got);
    expect(got).toEqual(await bytesOf(await previewOf(suite.url, ann.token, id, "display")));
    const link = await createShare(suite.url, ann.token, id);
    expect(await bytesOf(await openShare(suite.url, link.token))).toEqual(got);
  });

  test("without a position, an image is the same bytes and ETag for everyone", async () => {
    for (const sample of [plain, cameraOnly]) {
      const id = sample.image!.id;
      // Until its media job has judged it, the owner's answer is kept by no shared cache either.
      await settledImage(suite.url, ann.token, id);
      const owner = await content(suite.url, id, ann.token);
      expect(owner.headers.get("cache-control")).toBe("public, no-cache");
      for (const res of [owner, await content(suite.url, id, bob.token), await content(suite.url, id)]) {
        expect(res.status).toBe(200);
        expect(res.headers.get("etag")).toBe(`"${sha256Hex(sample.bytes)}"`);
        expect(await bytesOf(res)).toEqual(sample.bytes);
      }
    }
  });

  test("someone else's zip holds the stripped copies and the preview, with valid CRCs and resumable ranges", async () => {
    const all = [...stripped, heic, plain];
    const ids = all.map((s) => s.image!.id);
    const res = await call(suite.url, "POST", "/api/v1/images/archive", { token: bob.token, json: { ids } });
    expect(res.status).toBe(200);
    const zip = await bytesOf(res);
    expect(res.headers.get("content-length")).toBe(String(zip.length));
    const entries = unzipped(zip);
    for (const s of stripped) expect(entries.get(s.name)).toEqual(await bytesOf(await content(suite.url, s.image!.id)));
    expect(entries.get("plain.jpg")).toEqual(plain.bytes);
    // The HEIC's entry is its display preview, named like it (and made unique beside paris.jpg/webp).
    const preview = await content(suite.url, heic.image!.id);
    const heicName = preview.headers.get("content-type") === "image/webp" ? "paris (1).webp" : "paris (1).jpg";
    expect([...entries.keys()].sort()).toEqual([...stripped.map((s) => s.name), heicName, "plain.jpg"].sort());
    expect(entries.get(heicName)).toEqual(await bytesOf(preview));
    for (const bytes of entries.values()) await expectNoPosition(bytes);

    // A broken download resumes: the GET form answers the same bytes and any range of them.
    const etag = res.headers.get("etag")!;
    const query = `/api/v1/images/archive?ids=${ids.join(",")}`;
    const whole = await call(suite.url, "GET", query, { token: bob.token });
    expect(whole.headers.get("etag")).toBe(etag);
    expect(await bytesOf(whole)).toEqual(zip);
    const half = Math.floor(zip.length / 2);
    const rest = await call(suite.url, "GET", query, { token: bob.token, headers: { range: `bytes=${half}-`, "if-range": etag } });
    expect(rest.status).toBe(206);
    expect(await bytesOf(rest)).toEqual(zip.subarray(half));

    // The owner's zip of the same images holds the originals and has another ETag.
    const owners = await call(suite.url, "POST", "/api/v1/images/archive", { token: ann.token, json: { ids } });
    expect(owners.headers.get("etag")).not.toBe(etag);
    const originals = unzipped(await bytesOf(owners));
    for (const s of [...stripped, plain]) expect(originals.get(s.name)).toEqual(s.bytes);
    expect(originals.get("paris.HEIC")).toEqual(GPS_HEIC);
  });
});

describe("when no location-free copy can be made", () => {
  // No background workers: a non-owner's request runs the job itself. 100 pixels: every photo
  // here fails to decode, yet its EXIF is read.
  const suite = useInProcessServer(["--preview-workers", "0", "--max-image-pixels", "100"]);
  let ann: SignedInUser;
  let bob: SignedInUser;

  beforeAll(async () => {
    ann = await signedInUser(suite.url);
    bob = await signedInUser(suite.url);
  });

  test("a failed job with a position: 422 preview_unavailable to others, the original to the owner", async () => {
    const bytes = await photo(sharp, { width: 96, height: 64 });
    const image = await uploadOne(suite.url, ann.token, { name: "big.jpg", bytes }, { visibility: "public" });
    await expectProblem(await content(suite.url, image.id, bob.token), 422, "preview_unavailable");
    expect((await settledImage(suite.url, ann.token, image.id)).previews.status).toBe("failed");
    await expectProblem(await content(suite.url, image.id), 422, "preview_unavailable");
    const link = await createShare(suite.url, ann.token, image.id);
    await expectProblem(await openShare(suite.url, link.token), 422, "preview_unavailable");
    const zip = await call(suite.url, "POST", "/api/v1/images/archive", { token: bob.token, json: { ids: [image.id] } });
    await expectProblem(zip, 422, "preview_unavailable");
    expect(await bytesOf(await content(suite.url, image.id, ann.token))).toEqual(bytes);
  });

  test("a failed job whose photo has no position: the original to everyone", async () => {
    const bytes = await photo(sharp, { width: 96, height: 64, exif: false });
    const image = await uploadOne(suite.url, ann.token, { name: "nogps.jpg", bytes }, { visibility: "public" });
    const res = await content(suite.url, image.id, bob.token);
    expect(res.status).toBe(200);
    expect(await bytesOf(res)).toEqual(bytes);
    expect((await settledImage(suite.url, ann.token, image.id)).previews.status).toBe("failed");
  });
});
