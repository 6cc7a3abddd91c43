// Resumable uploads against the real server process: a PATCH cut off at the socket and resumed
// from HEAD's offset, no plaintext in the data directory at any time, fsck and backup beside an
// unfinished upload, and state that survives a restart (whose lower --max-image-bytes then
// refuses the finish).
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { join } from "node:path";
import { expectProblem, signedInUser } from "../support/accounts.ts";
import { filesContaining, uploadPartFiles } from "../support/data-files.ts";
import { bytesOf, contentOf, sha256Hex } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { runCli, startServer, tempDir, useSuiteServer } from "../support/pixvault.ts";
import { overHttp, type TusClient, tusClient } from "../support/tus.ts";

/** Sends a request's head and the first `sent` bytes of `body`, announcing all of it, then drops the connection. */
async function cutRequest(url: string, request: string, headers: Record<string, string>, body: Uint8Array, sent: number): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const lines = Object.entries({
    Host: `${hostname}:${port}`,
    "Tus-Resumable": "1.0.0",
    ...headers,
    "Content-Length": String(body.length),
  });
  socket.write(`${request} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
  await new Promise<void>((resolve) => socket.write(body.subarray(0, sent), () => resolve()));
  // Let the server read what was sent before the connection goes.
  await Bun.sleep(300);
  socket.destroy();
}

const OFFSET_STREAM = "application/offset+octet-stream";

/** What a tus client does after a failure: HEAD for the offset, then PATCH the rest from there (again while another request still holds the upload). */
async function resume(tus: TusClient, location: string, bytes: Uint8Array): Promise<{ offset: number; last: Response }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const offset = Number((await tus.head(location)).headers.get("upload-offset"));
    const last = await tus.patch(location, offset, bytes.subarray(offset));
    if (last.status !== 409) return { offset, last };
    await last.arrayBuffer();
    await Bun.sleep(100);
  }
  throw new Error("the upload stayed busy");
}

describe("a resumable upload on a real server", () => {
  const suite = useSuiteServer();
  const backupDir = tempDir();
  afterAll(() => backupDir.remove());

  test("a PATCH cut off at the socket keeps what arrived; resumed from HEAD's offset the image is byte-exact; no plaintext on disk, ever", async () => {
    const user = await signedInUser(suite.url);
    const tus = tusClient(overHttp(suite.url), user.token);
    const marker = `pixvault-marker-${randomBytes(16).toString("hex")}`;
    const filename = `secret-name-${randomBytes(8).toString("hex")}.png`;
    const bytes = noisePng({ width: 700, height: 500, seed: 91, text: marker });
    expect(bytes.includes(Buffer.from(marker))).toBe(true);
    const created = await tus.create(bytes.length, { filename, description: marker });
    expect(created.status).toBe(201);
    const location = created.headers.get("location")!;

    // 300,001 bytes: not a whole number of 64 KiB segments.
    const sent = 300_001;
    const patchHead = { Authorization: `Bearer ${user.token}`, "Content-Type": OFFSET_STREAM, "Upload-Offset": "0" };
    await cutRequest(suite.url, `PATCH ${location}`, patchHead, bytes, sent);
    let offset = 0;
    for (let i = 0; i < 100 && offset === 0; i += 1) {
      offset = Number((await tus.head(location)).headers.get("upload-offset"));
      if (offset === 0) await Bun.sleep(50);
    }
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sent);

    // Unfinished: the part is on disk, encrypted; neither the image's bytes nor its name nor its description are.
    expect(uploadPartFiles(join(suite.dataDir, "blobs")).length).toBeGreaterThan(0);
    for (const needle of [marker, filename, bytes.subarray(1000, 1064)])
      expect(filesContaining(suite.dataDir, Buffer.from(needle))).toEqual([]);

    // fsck --repair leaves a live upload's parts alone; a backup leaves the unfinished upload out.
    const fsck = await runCli(["fsck", "--repair", "--min-age", "0", "--data-dir", suite.dataDir]);
    expect({ code: fsck.code, out: fsck.stdout + fsck.stderr }).toMatchObject({ code: 0 });
    expect(uploadPartFiles(join(suite.dataDir, "blobs")).length).toBeGreaterThan(0);
    const backup = join(backupDir.path, "snapshot");
    expect((await runCli(["backup", "--out", backup, "--data-dir", suite.dataDir])).code).toBe(0);
    const snapshot = new Database(join(backup, "pixvault.db"), { readonly: true });
    expect(snapshot.query("SELECT count(*) AS n FROM resumable_uploads").get()).toEqual({ n: 0 });
    snapshot.close();
    expect(uploadPartFiles(join(backup, "blobs"))).toEqual([]);

    const { offset: resumedAt, last } = await resume(tus, location, bytes);
    expect(resumedAt).toBe(offset);
    expect(last.status).toBe(204);
    const id = last.headers.get("pixvault-image-id")!;
    expect(sha256Hex(await bytesOf(await contentOf(suite.url, user.token, id)))).toBe(sha256Hex(bytes));
    expect(uploadPartFiles(join(suite.dataDir, "blobs"))).toEqual([]);
    for (const needle of [marker, filename, bytes.subarray(1000, 1064)])
      expect(filesContaining(suite.dataDir, Buffer.from(needle))).toEqual([]);
  }, 30_000);
});

describe("a creation-with-upload cut off at the socket", () => {
  const suite = useSuiteServer();

  test("leaves no upload behind: its client never learnt the URL, so nobody could resume it", async () => {
    const user = await signedInUser(suite.url);
    const bytes = noisePng({ width: 300, height: 300, seed: 96 });
    const headers = {
      Authorization: `Bearer ${user.token}`,
      "Content-Type": OFFSET_STREAM,
      "Upload-Length": String(bytes.length),
      "Upload-Metadata": `filename ${Buffer.from("orphan.png").toString("base64")}`,
    };
    await cutRequest(suite.url, "POST /api/v1/uploads", headers, bytes, 100_000);
    const answered = () => suite.server.logs().some((l) => l.msg === "request" && l.method === "POST" && l.route === "/api/v1/uploads");
    for (let i = 0; i < 100 && !answered(); i += 1) await Bun.sleep(50);
    expect(answered()).toBe(true);
    expect(uploadPartFiles(join(suite.dataDir, "blobs"))).toEqual([]);
    const db = new Database(join(suite.dataDir, "pixvault.db"), { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM resumable_uploads").get()).toEqual({ n: 0 });
    db.close();
  }, 30_000);
});

describe("an upload across a restart", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  test("resumes where it was; a finish over the new --max-image-bytes is 413 and removes the upload", async () => {
    const dataDir = join(dir.path, "data");
    const bytes = noisePng({ width: 400, height: 400, seed: 92 });
    const first = await startServer(["--data-dir", dataDir, "--max-image-bytes", "1000000"]);
    let location: string;
    let token: string;
    try {
      ({ token } = await signedInUser(first.url));
      const tus = tusClient(overHttp(first.url), token);
      location = (await tus.create(bytes.length, { filename: "restart.png" })).headers.get("location")!;
      expect((await tus.patch(location, 0, bytes.subarray(0, 200_000))).status).toBe(204);
    } finally {
      await first.stop();
    }
    const second = await startServer(["--data-dir", dataDir, "--max-image-bytes", "400000"]);
    try {
      const tus = tusClient(overHttp(second.url), token);
      expect((await tus.head(location)).headers.get("upload-offset")).toBe("200000");
      await expectProblem(await tus.patch(location, 200_000, bytes.subarray(200_000)), 413, "payload_too_large");
      expect((await tus.head(location)).status).toBe(404);
      expect(uploadPartFiles(join(dataDir, "blobs"))).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 30_000);
});
