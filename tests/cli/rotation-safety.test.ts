// Key changes and a running server: rotate-master-key and protect-master-key refuse while a server
// holds the data directory (which keeps serving every image, tag and name rule), a rotation whose
// database step fails leaves key file and database as they were, and one that stopped between its
// commit and its key file is finished by the next start.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loginToken, signedInUser } from "../support/accounts.ts";
import type { UploadBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { noisePng } from "../support/images.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadFiles, uploadOne } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";
import { storeOneImage } from "../support/stopped-data-dir.ts";

const keyVersions = (keyPath: string) => (JSON.parse(readFileSync(keyPath, "utf8")) as { keys: { id: number }[] }).keys.map((k) => k.id);

function masterKeyRows(data: string): { id: number; retired: number | null }[] {
  const db = new Database(join(data, "pixvault.db"), { readonly: true });
  try {
    return db.query("SELECT id, retired_at AS retired FROM master_keys ORDER BY id").all() as { id: number; retired: number | null }[];
  } finally {
    db.close();
  }
}

describe("key changes beside a running server", () => {
  test("rotate-master-key and protect-master-key refuse while serving; the server keeps reading, finding and refusing duplicates", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const keyPath = join(data, "master.key");
    const server = await startServer(["--data-dir", data]);
    try {
      const ann = await signedInUser(server.url);
      const bytes = noisePng({ width: 50, height: 40, seed: 81 });
      const image = await uploadOne(server.url, ann.token, { name: "lake.png", bytes }, { tags: "trip" });
      const keyBefore = readFileSync(keyPath);

      const rotate = await runCli(["rotate-master-key", "--data-dir", data]);
      expect(rotate.code).toBe(1);
      expect(rotate.stderr.trim().split("\n")).toHaveLength(1);
      expect(rotate.stderr).toContain(`in use by pixvault serve (pid ${server.proc.pid})`);
      const protect = await runCli(["protect-master-key", "--passphrase-stdin", "--data-dir", data], {
        stdin: "a passphrase long enough\n",
      });
      expect(protect.code).toBe(1);
      expect(protect.stderr.trim().split("\n")).toHaveLength(1);
      expect(protect.stderr).toContain(`pid ${server.proc.pid}`);
      expect(readFileSync(keyPath).equals(keyBefore)).toBe(true);
      expect(masterKeyRows(data).map((r) => r.id)).toEqual([1]);

      const content = await contentOf(server.url, ann.token, image.id);
      expect(content.status).toBe(200);
      expect(sha256Hex(await bytesOf(content))).toBe(sha256Hex(bytes));
      expect((await listAll(server.url, ann.token, { tag: "trip" })).map((i) => i.id)).toEqual([image.id]);
      const clash = await uploadFiles(server.url, ann.token, [{ name: "LAKE.png", bytes: noisePng({ width: 9, height: 9, seed: 82 }) }]);
      expect(clash.status).toBe(409);
      expect((await jsonOf<UploadBody>(clash)).failed[0]!.code).toBe("name_conflict");
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 60_000);

  test("a rotation whose database step fails leaves the key file byte-identical and no new key version anywhere", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const keyPath = join(data, "master.key");
    try {
      const { ann, bytes, image } = await storeOneImage(data, { name: "kept.png", size: 30, seed: 83, tags: "kept" });
      const keyBefore = readFileSync(keyPath);

      // Another process holds the database's write lock past the busy timeout.
      const holder = new Database(join(data, "pixvault.db"));
      holder.exec("BEGIN IMMEDIATE");
      let failed;
      try {
        failed = await runCli(["rotate-master-key", "--data-dir", data]);
      } finally {
        holder.exec("ROLLBACK");
        holder.close();
      }
      expect(failed.code).toBe(1);
      expect(readFileSync(keyPath).equals(keyBefore)).toBe(true);
      expect(existsSync(`${keyPath}.next`)).toBe(false);
      expect(masterKeyRows(data).map((r) => r.id)).toEqual([1]);
      expect(failed.stderr.trim().split("\n")).toHaveLength(1);
      expect(failed.stderr).toContain("the database step failed");
      expect(failed.stderr).not.toContain("    at ");

      // The data is as it was: a server starts on it, reads the image and finds its tag.
      const again = await startServer(["--data-dir", data]);
      try {
        const token = await loginToken(again.url, ann.user.username, ann.user.password);
        expect(sha256Hex(await bytesOf(await contentOf(again.url, token, image.id)))).toBe(sha256Hex(bytes));
        expect((await listAll(again.url, token, { tag: "kept" })).map((i) => i.id)).toEqual([image.id]);
      } finally {
        await again.stop();
      }
      const rotated = await runCli(["rotate-master-key", "--data-dir", data]);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(keyVersions(keyPath)).toEqual([1, 2]);
      expect(masterKeyRows(data).map((r) => r.id)).toEqual([1, 2]);

      // --retire-old changes the database first too: while it cannot, the key file keeps both versions.
      const keyRotated = readFileSync(keyPath);
      const blocker = new Database(join(data, "pixvault.db"));
      blocker.exec("BEGIN IMMEDIATE");
      let retire;
      try {
        retire = await runCli(["rotate-master-key", "--retire-old", "--data-dir", data]);
      } finally {
        blocker.exec("ROLLBACK");
        blocker.close();
      }
      expect(retire.code).toBe(1);
      expect(readFileSync(keyPath).equals(keyRotated)).toBe(true);
      expect(masterKeyRows(data)).toEqual([
        { id: 1, retired: null },
        { id: 2, retired: null },
      ]);
      expect(retire.stderr).toContain("the database step failed");
    } finally {
      dir.remove();
    }
  }, 60_000);

  test("a rotation that committed but stopped before putting its key file in place is finished by the next start", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const keyPath = join(data, "master.key");
    try {
      const { ann, bytes, image } = await storeOneImage(data, { name: "moved.png", size: 30, seed: 84 });
      const oldKey = readFileSync(keyPath);
      expect((await runCli(["rotate-master-key", "--data-dir", data])).code).toBe(0);
      // What a crash right after the commit leaves: the new key file still staged, the old one in place.
      writeFileSync(`${keyPath}.next`, readFileSync(keyPath), { mode: 0o600 });
      writeFileSync(keyPath, oldKey);

      const server = await startServer(["--data-dir", data]);
      try {
        expect(server.logs().some((l) => l.level === "warn" && l.msg.startsWith("master key rotation finished"))).toBe(true);
        expect(keyVersions(keyPath)).toEqual([1, 2]);
        expect(existsSync(`${keyPath}.next`)).toBe(false);
        const token = await loginToken(server.url, ann.user.username, ann.user.password);
        expect(sha256Hex(await bytesOf(await contentOf(server.url, token, image.id)))).toBe(sha256Hex(bytes));
        const clash = await uploadFiles(server.url, token, [{ name: "MOVED.png", bytes }]);
        expect(clash.status).toBe(409);
        expect((await jsonOf<UploadBody>(clash)).failed[0]!.code).toBe("name_conflict");
      } finally {
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  }, 60_000);
});
