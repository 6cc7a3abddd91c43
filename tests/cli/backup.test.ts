// `pixvault backup` while a server serves and uploads: the copy is consistent, `serve` runs it
// as it is, fsck finds it clean (previews included), the master key goes along only when asked,
// and nothing in it is readable by anyone but its owner.
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, promises as fs, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { call, loginToken, signedInUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { bytesOf, contentOf, listAll, sha256Hex, uploadOne } from "../support/images-api.ts";
import { cleanEnv, pixvaultCommand, runCli, startServer, tempDir, type CliResult } from "../support/pixvault.ts";
import { storeOneImage } from "../support/stopped-data-dir.ts";

const blobOf = (data: string, id: string) => join(data, "blobs", id.slice(0, 2), id.slice(2, 4), id);

/** `pixvault …` run under `umask 000`, so that only the modes pixvault sets itself protect what it writes. */
async function runCliUmask0(args: string[]): Promise<CliResult> {
  const proc = Bun.spawn(["sh", "-c", 'umask 000; exec "$@"', "sh", ...pixvaultCommand(), ...args], {
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Every path under `root` (itself included) whose mode is not 0700 for a directory or 0600 for a file. */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== want) loose.push(`${path.slice(root.length) || "."} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return loose;
}

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
      expect(backup.stdout).toMatch(/backup: \d+ images \([\d.]+ GB\) and \d+ previews in [\d.]+ s to .* hard-linked/);
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

  test("every file of a backup is 0600 and every directory 0700, whatever the umask, linked or copied", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    // /dev/shm is another filesystem here, so blobs are copied there instead of hard-linked.
    const elsewhere = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/pixvault-backup-") : undefined;
    try {
      // No preview workers: three blobs exactly, so the counts of links and copies are known.
      const server = await startServer(["--data-dir", data, "--preview-workers", "0"]);
      try {
        const user = await signedInUser(server.url);
        for (let i = 0; i < 3; i += 1)
          await uploadOne(server.url, user.token, { name: `m${i}.png`, bytes: noisePng({ width: 20, height: 20, seed: 70 + i }) });
      } finally {
        await server.stop();
      }
      // A live blob looser than it should be (restored by hand, say) is copied into the backup
      // as 0600, and the live file is not touched.
      const blobs = join(data, "blobs");
      const loose = readdirSync(blobs, { recursive: true, withFileTypes: true }).find((e) => e.isFile() && !e.parentPath.includes(".tmp"))!;
      const looseBlob = join(loose.parentPath, loose.name);
      chmodSync(looseBlob, 0o644);
      const fresh = join(dir.path, "new", "backup");
      const existing = join(dir.path, "made-by-hand");
      mkdirSync(existing, { mode: 0o755 });
      const outs = [fresh, existing, ...(elsewhere ? [join(elsewhere, "backup")] : [])];
      for (const out of outs) {
        const r = await runCliUmask0(["backup", "--data-dir", data, "--out", out, "--include-key"]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain("backup: 3 images");
        expect(r.stdout).toMatch(out.startsWith(dir.path) ? /2 hard-linked, 1 copied/ : /0 hard-linked, 3 copied/);
        expect(readdirSync(out).sort()).toEqual(["blobs", "master.key", "pixvault.db"]);
        expect(looseModes(out)).toEqual([]);
      }
      expect(statSync(looseBlob).mode & 0o777).toBe(0o644);
      if (elsewhere) expect((await runCli(["backup", "--data-dir", data, "--out", join(elsewhere, "again")])).stdout).toContain("3 copied");
    } finally {
      dir.remove();
      if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

  test("previews are in the backup; one gone before its copy is queued to be made again there, not a failure", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const out = join(dir.path, "backup");
    try {
      const kept = await storeOneImage(data, { name: "kept.png", size: 300, seed: 31 });
      const lost = await storeOneImage(data, { name: "lost.png", size: 300, seed: 32 });
      expect((await runCli(["previews", "--data-dir", data])).stdout).toContain("now 2 ready");
      await fs.rm(`${blobOf(data, lost.image.id)}.display`); // as if remade or deleted while the backup ran

      const r = await runCli(["backup", "--data-dir", data, "--out", out, "--include-key"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("backup: 2 images");
      expect(r.stdout).toContain("and 2 previews");
      expect(r.stdout).toContain("the previews of 1 image(s) changed while the backup ran");
      expect(existsSync(`${blobOf(out, kept.image.id)}.thumb`)).toBe(true);
      expect(existsSync(`${blobOf(out, lost.image.id)}.thumb`)).toBe(false);
      // The live data is left as it was: its own fsck still finds the missing preview.
      expect((await runCli(["fsck", "--data-dir", data])).stdout).toContain(`image ${lost.image.id}: missing_preview`);

      const fsck = await runCli(["fsck", "--data-dir", out]);
      expect(fsck.code, fsck.stdout).toBe(0);
      expect(fsck.stdout).toContain("2 previews verified; clean");
      const restored = await startServer(["--data-dir", out]);
      try {
        const token = await loginToken(restored.url, lost.ann.user.username, lost.ann.user.password);
        const preview = await call(restored.url, "GET", `/api/v1/images/${lost.image.id}/preview?size=display`, { token });
        expect(preview.status).toBe(200); // made from the original, on demand
        expect(preview.headers.get("content-type")).toMatch(/^image\/(webp|jpeg)$/);
      } finally {
        await restored.stop();
      }
    } finally {
      dir.remove();
    }
  }, 60_000);
});
