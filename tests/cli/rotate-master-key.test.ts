// `pixvault rotate-master-key`: after a rotation every image still reads byte-exact, names stay
// unique and tags and searches still find images (indexes recomputed), no blob changed, previews included;
// --retire-old then leaves one key version, and tokens signed with the old one stop working.
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { call, loginToken, signedInUser } from "../support/accounts.ts";
import { analysedImage } from "../support/analysis-api.ts";
import type { UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng } from "../support/images.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";
import { storeOneImage } from "../support/stopped-data-dir.ts";

const keyFile = (data: string) => JSON.parse(readFileSync(join(data, "master.key"), "utf8")) as { current: number; keys: { id: number }[] };
const blobOf = (data: string, id: string) => join(data, "blobs", id.slice(0, 2), id.slice(2, 4), id);

describe("pixvault rotate-master-key", () => {
  test("moves every key and index to a new version without touching a blob; --retire-old drops the old one", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    let server = await startServer(["--data-dir", data]);
    const ann = await signedInUser(server.url);
    const bob = await signedInUser(server.url);
    const sha = new Map<string, string>();
    const put = async (token: string, name: string, seed: number, options: Record<string, string> = {}) => {
      const bytes = noisePng({ width: 50, height: 40, seed });
      const image = await uploadOne(server.url, token, { name, bytes }, options);
      sha.set(image.id, sha256Hex(bytes));
      return image;
    };
    const privateOne = await put(ann.token, "lake.png", 1, { tags: "trip,lake", description: "A cold morning" });
    const publicOne = await put(ann.token, "sunset.png", 2, { visibility: "public", tags: "trip" });
    await put(bob.token, "bob.png", 3);
    // A real photo with a label (analysis, SPEC §9): its label and colour terms are re-keyed too.
    const photoBytes = readFileSync(join(import.meta.dir, "../fixtures/photos/astronaut.jpg"));
    const photo = await uploadOne(server.url, ann.token, { name: "astronaut.jpg", bytes: photoBytes });
    sha.set(photo.id, sha256Hex(photoBytes));
    expect((await analysedImage(server.url, ann.token, photo.id)).analysis.labels.map((l) => l.name)).toContain("person");
    // An album has a data key of its own: rotation re-wraps it too.
    const made = await call(server.url, "POST", "/api/v1/albums", { token: ann.token, json: { name: "Lakes", description: "cold water" } });
    const album = (await jsonOf<{ album: { id: string } }>(made)).album;
    await call(server.url, "POST", `/api/v1/albums/${album.id}/images`, { token: ann.token, json: { ids: [privateOne.id] } });
    const blobBefore = statSync(blobOf(data, privateOne.id));
    await server.stop();

    try {
      const rotated = await runCli(["rotate-master-key", "--data-dir", data]);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toContain("now on key version 2: re-wrapped 4 data keys");
      expect(rotated.stdout).toContain("(and 1 album key)");
      expect(rotated.stdout).toContain("no blob was rewritten");
      expect(keyFile(data).current).toBe(2);
      expect(keyFile(data).keys.map((k) => k.id)).toEqual([1, 2]);
      const blobAfter = statSync(blobOf(data, privateOne.id));
      expect(blobAfter.mtimeMs).toBe(blobBefore.mtimeMs);
      expect(blobAfter.ino).toBe(blobBefore.ino);
      expect((await runCli(["fsck", "--data-dir", data])).code).toBe(0);

      server = await startServer(["--data-dir", data]);
      const token = await loginToken(server.url, ann.user.username, ann.user.password);
      for (const image of await listAll(server.url, token)) {
        expect(sha256Hex(await bytesOf(await contentOf(server.url, token, image.id)))).toBe(sha.get(image.id)!);
      }
      // Indexes were recomputed with the new key: a clash is still a clash, tags still match.
      const clash = await uploadFiles(server.url, token, [{ name: "LAKE.png", bytes: noisePng({ width: 9, height: 9, seed: 9 }) }]);
      expect(clash.status).toBe(409);
      const bobToken = await loginToken(server.url, bob.user.username, bob.user.password);
      const publicClash = await uploadFiles(
        server.url,
        bobToken,
        [{ name: "Sunset.png", bytes: noisePng({ width: 9, height: 9, seed: 8 }) }],
        { visibility: "public" },
      );
      expect(publicClash.status).toBe(409);
      const tagged = await listAll(server.url, token, { tag: "trip" });
      expect(tagged.map((i) => i.id).sort()).toEqual([privateOne.id, publicOne.id].sort());
      // The search terms too: filename trigrams, words of tags and description; public ones for anyone.
      const search = async (q: string, who: string | undefined) =>
        (await listAll(server.url, who, { q, ...(who ? {} : { scope: "public" }) })).map((i) => i.id).sort();
      expect(await search("UNSE", token)).toEqual([publicOne.id]);
      expect(await search("morning", token)).toEqual([privateOne.id]);
      expect(await search("trip", token)).toEqual([privateOne.id, publicOne.id].sort());
      expect(await search("sunset.p", undefined)).toEqual([publicOne.id]);
      expect(await search("lake", undefined)).toEqual([]);
      expect((await listAll(server.url, token, { label: "person" })).map((i) => i.id)).toEqual([photo.id]);
      expect(await search("person", token)).toEqual([photo.id]);
      // A session signed before the rotation still works while version 1 is kept.
      expect((await call(server.url, "GET", "/api/v1/me", { token: ann.token })).status).toBe(200);
      await server.stop();

      const retire = await runCli(["rotate-master-key", "--retire-old", "--data-dir", data]);
      expect(retire.code, retire.stderr).toBe(0);
      expect(retire.stdout).toContain("retired key version(s) 1");
      expect(keyFile(data).keys.map((k) => k.id)).toEqual([2]);
      expect((await runCli(["fsck", "--data-dir", data])).code).toBe(0);

      server = await startServer(["--data-dir", data]);
      expect((await call(server.url, "GET", "/api/v1/me", { token: ann.token })).status).toBe(401);
      const fresh = await loginToken(server.url, ann.user.username, ann.user.password);
      const one = await contentOf(server.url, fresh, privateOne.id);
      expect(sha256Hex(await bytesOf(one))).toBe(sha.get(privateOne.id)!);
      const kept = await jsonOf<{ album: { name: string; description: string; imageCount: number } }>(
        await call(server.url, "GET", `/api/v1/albums/${album.id}`, { token: fresh }),
      );
      expect(kept.album).toMatchObject({ name: "Lakes", description: "cold water", imageCount: 1 });
      await server.stop(); // a key change refuses while a server holds the data directory
      const again = await runCli(["rotate-master-key", "--retire-old", "--data-dir", data]);
      expect(again.stdout).toContain("nothing to retire");
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 60_000);

  test("--retire-old refuses while a data key still uses an old version", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    try {
      const server = await startServer(["--data-dir", data]);
      const ann = await signedInUser(server.url);
      await uploadOne(server.url, ann.token, { name: "a.png", bytes: noisePng({ width: 20, height: 20, seed: 5 }) });
      await server.stop();
      // A second version in the file only (as if a rotation stopped before its transaction).
      const { rotateMasterKeyFile } = await import("../../src/crypto/master-key-file.ts");
      await rotateMasterKeyFile(join(data, "master.key"));
      const r = await runCli(["rotate-master-key", "--retire-old", "--data-dir", data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("still in use");
      expect(keyFile(data).keys).toHaveLength(2);
      // And the half-done state still serves: indexes stay keyed by version 1 until a rotation completes.
      const again = await startServer(["--data-dir", data]);
      const token = await loginToken(again.url, ann.user.username, ann.user.password);
      const dup = await uploadFiles(again.url, token, [{ name: "A.png", bytes: noisePng({ width: 9, height: 9, seed: 6 }) }]);
      expect(dup.status).toBe(409);
      expect((await jsonOf<UploadBody>(dup)).failed[0]!.code).toBe("name_conflict");
      await again.stop();
    } finally {
      dir.remove();
    }
  }, 60_000);

  test("previews survive rotation and retirement untouched: same blobs, same bytes, still verified", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    try {
      const { ann, image } = await storeOneImage(data, { name: "view.png", size: 500, seed: 41 });
      expect((await runCli(["previews", "--data-dir", data])).stdout).toContain("now 1 ready");
      const previewsOf = async () => {
        const server = await startServer(["--data-dir", data, "--preview-workers", "0"]);
        try {
          const token = await loginToken(server.url, ann.user.username, ann.user.password);
          const seen: Record<string, { status: number; etag: string | null; sha: string }> = {};
          for (const size of ["thumb", "display"]) {
            const res = await call(server.url, "GET", `/api/v1/images/${image.id}/preview?size=${size}`, { token });
            seen[size] = { status: res.status, etag: res.headers.get("etag"), sha: sha256Hex(await bytesOf(res)) };
          }
          return seen;
        } finally {
          await server.stop();
        }
      };
      const before = await previewsOf();
      expect(before.thumb!.status).toBe(200);
      const thumbBlob = statSync(`${blobOf(data, image.id)}.thumb`);

      expect((await runCli(["rotate-master-key", "--data-dir", data])).code).toBe(0);
      expect((await runCli(["rotate-master-key", "--retire-old", "--data-dir", data])).code).toBe(0);
      expect(keyFile(data).keys.map((k) => k.id)).toEqual([2]); // the key they were made under is gone
      const after = statSync(`${blobOf(data, image.id)}.thumb`);
      expect([after.ino, after.mtimeMs]).toEqual([thumbBlob.ino, thumbBlob.mtimeMs]);
      const fsck = await runCli(["fsck", "--data-dir", data]);
      expect(fsck.code, fsck.stdout).toBe(0);
      expect(fsck.stdout).toContain("2 previews verified; clean");
      expect(await previewsOf()).toEqual(before);
    } finally {
      dir.remove();
    }
  }, 60_000);
});
