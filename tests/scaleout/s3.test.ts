// Blobs in an S3-compatible bucket (s3rver), alone and with two instances sharing one sqld and
// one bucket: uploads (multipart for large ones), Range reads, deletes and integrity checks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { call, expectProblem, signedInUser } from "../support/accounts.ts";
import type { UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { bytesOf, contentOf, sha256Hex, uploadFiles, uploadOne, uploadRaw } from "../support/images-api.ts";
import { runCli, startServer, tempDir, type RunningServer } from "../support/pixvault.ts";
import { startS3, type RunningS3 } from "../support/s3.ts";
import { SQLD_BIN, startSqld, type RunningSqld } from "../support/sqld.ts";

let s3: RunningS3;
let sqld: RunningSqld | undefined;
let a: RunningServer;
let b: RunningServer;
const shared = tempDir("pixvault-s3-scaleout-");
const haveSqld = existsSync(SQLD_BIN);

beforeAll(async () => {
  s3 = await startS3();
  if (haveSqld) sqld = await startSqld();
  const args = [
    "--data-dir",
    join(shared.path, "data"),
    "--blob-store",
    `s3://${s3.bucket}/blobs?endpoint=${encodeURIComponent(s3.endpoint)}`,
    "--master-key-file",
    join(shared.path, "keys", "master.key"),
    ...(sqld ? ["--database-url", sqld.url] : []),
  ];
  a = await startServer(args, { env: s3.env });
  b = sqld ? await startServer(args, { env: s3.env }) : a;
}, 30_000);

afterAll(async () => {
  await a?.stop();
  if (b !== a) await b?.stop();
  await sqld?.stop();
  await s3?.stop();
  shared.remove();
});

describe("an S3 blob store", () => {
  test("stores only ciphertext, named by id, under the prefix; reads back byte-exact with ranges", async () => {
    const user = await signedInUser(a.url);
    const bytes = noisePng({ width: 200, height: 150, seed: 61 });
    const image = await uploadOne(a.url, user.token, { name: "bucket.png", bytes });
    expect(await s3.objectKeys()).toContain(`blobs/${image.id}`);
    const stored = Buffer.from(await s3.objectBytes(`blobs/${image.id}`));
    expect(stored.subarray(0, 4).toString("latin1")).toBe("PXVB");
    expect(stored.includes(Buffer.from(bytes).subarray(0, 8))).toBe(false); // no PNG signature in the clear
    expect(stored.includes(Buffer.from(bytes).subarray(5000, 5064))).toBe(false);
    const full = await contentOf(b.url, user.token, image.id);
    expect(sha256Hex(await bytesOf(full))).toBe(sha256Hex(bytes));
    const part = await contentOf(b.url, user.token, image.id, { range: "bytes=1000-70999" });
    expect(part.status).toBe(206);
    expect((await bytesOf(part)).equals(Buffer.from(bytes).subarray(1000, 71000))).toBe(true);
  });

  test("a large image goes up as a multipart upload and comes back byte-exact", async () => {
    const user = await signedInUser(b.url);
    const bytes = pngOfSize(20 * 1024 * 1024, 62);
    const res = await uploadRaw(b.url, user.token, bytes, { filename: "large.png" });
    expect(res.status).toBe(201);
    const id = (await jsonOf<UploadBody>(res)).created[0]!.id;
    const back = await contentOf(a.url, user.token, id);
    expect(back.headers.get("content-length")).toBe(String(bytes.length));
    expect(sha256Hex(await bytesOf(back))).toBe(sha256Hex(bytes));
  }, 30_000);

  test("a refused upload leaves no object; a delete removes the object", async () => {
    const user = await signedInUser(a.url);
    const before = await s3.objectKeys();
    const refused = await uploadFiles(a.url, user.token, [{ name: "x.png", bytes: Buffer.from("plain text, not an image".repeat(1000)) }]);
    expect(refused.status).toBe(415);
    expect(await s3.objectKeys()).toEqual(before);
    const image = await uploadOne(a.url, user.token, { name: "doomed.png", bytes: noisePng({ width: 30, height: 30, seed: 63 }) });
    expect(await s3.objectKeys()).toContain(`blobs/${image.id}`);
    expect((await call(b.url, "DELETE", `/api/v1/images/${image.id}`, { token: user.token })).status).toBe(204);
    expect(await s3.objectKeys()).not.toContain(`blobs/${image.id}`);
    await expectProblem(await contentOf(a.url, user.token, image.id), 404, "not_found");
  });

  test.skipIf(!haveSqld)(
    "fsck verifies every image in the bucket",
    async () => {
      const r = await runCli(
        [
          "fsck",
          "--data-dir",
          join(shared.path, "data"),
          "--database-url",
          sqld!.url,
          "--blob-store",
          `s3://${s3.bucket}/blobs?endpoint=${encodeURIComponent(s3.endpoint)}`,
          "--master-key-file",
          join(shared.path, "keys", "master.key"),
        ],
        { env: s3.env },
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/fsck: \d+ images, .* clean/);
    },
    30_000,
  );
});
