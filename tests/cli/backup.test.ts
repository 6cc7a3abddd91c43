// `pixvault backup` while a server serves and uploads: the copy is consistent, `serve` runs it
// as it is, fsck finds it clean, and the master key goes along only when asked.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loginToken, signedInUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadOne } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";

describe("pixvault backup", () => {
  test("a backup taken during uploads serves every image it lists, byte-exact, and fsck finds it clean", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const out = join(dir.path, "backup");
    const server = await startServer(["--data-dir", data]);
    try {
      const user = await signedInUser(server.url);
      const sha = new Map<string, string>();
      const upload = async (i: number) => {
        const bytes = noisePng({ width: 60, height: 40, seed: 1000 + i });
        const image = await uploadOne(server.url, user.token, { name: `b${i}.png`, bytes });
        sha.set(image.id, sha256Hex(bytes));
      };
      for (let i = 0; i < 10; i += 1) await upload(i);
      // Uploads keep arriving while the backup runs.
      let more = 10;
      let stop = false;
      const writer = (async () => {
        while (!stop && more < 60) await upload(more++);
      })();
      const backup = await runCli(["backup", "--data-dir", data, "--out", out, "--include-key"]);
      stop = true;
      await writer;
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(/backup: \d+ images \([\d.]+ GB\) in [\d.]+ s to .* hard-linked/);
      expect(backup.stdout).toContain("the master key is included");
      expect(statSync(join(out, "master.key")).mode & 0o777).toBe(0o600);

      const fsck = await runCli(["fsck", "--data-dir", out]);
      expect(fsck.code, fsck.stdout).toBe(0);

      const restored = await startServer(["--data-dir", out]);
      try {
        // Same accounts and keys; a fresh login on the restored server.
        const token = await loginToken(restored.url, user.user.username, user.user.password);
        const listed = await listAll(restored.url, token);
        expect(listed.length).toBeGreaterThanOrEqual(10);
        for (const image of listed) {
          const res = await contentOf(restored.url, token, image.id);
          expect(res.status).toBe(200);
          expect(sha256Hex(await bytesOf(res))).toBe(sha.get(image.id)!);
        }
      } finally {
        await restored.stop();
      }
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 60_000);

  test("without --include-key the key stays out, and the output says where it is", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const out = join(dir.path, "backup");
    try {
      expect((await runCli(["migrate", "--data-dir", data])).code).toBe(0);
      const r = await runCli(["backup", "--data-dir", data, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("the master key is NOT included");
      expect(r.stdout).toContain(join(data, "master.key"));
      expect(existsSync(join(out, "master.key"))).toBe(false);
      expect(readdirSync(out)).toContain("pixvault.db");
      // A second backup into the same, now non-empty, directory is refused.
      const again = await runCli(["backup", "--data-dir", data, "--out", out]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("is not empty");
    } finally {
      dir.remove();
    }
  });
});

