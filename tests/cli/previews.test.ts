// `pixvault previews` on a stopped data directory: it makes what is pending (all with --rebuild,
// the failed ones with --retry-failed), lists failures with their reason, stops cleanly on
// SIGINT and goes on when run again; bad flags exit 2, a storage error 1, and it refuses to run
// beside a server on the same data.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { signedInUser } from "../support/accounts.ts";
import { noisePng } from "../support/images.ts";
import { uploadOne } from "../support/images-api.ts";
import { cleanEnv, pixvaultCommand, runCli, startServer, tempDir } from "../support/pixvault.ts";

const previewPath = (data: string, id: string, size: string) => join(data, "blobs", id.slice(0, 2), id.slice(2, 4), `${id}.${size}`);

/** A stopped data dir with `count` noise PNGs of `width`×`height` and, if asked, one PNG cut short (undecodable); no preview made yet. */
async function storedImages(
  count: number,
  { width = 120, height = 90, broken = false }: { width?: number; height?: number; broken?: boolean } = {},
): Promise<{ data: string; ids: string[]; brokenId: string | undefined; remove(): void }> {
  const dir = tempDir();
  const data = join(dir.path, "data");
  // No workers: previews are made only on demand, and nobody asks.
  const server = await startServer(["--data-dir", data, "--preview-workers", "0"]);
  try {
    const user = await signedInUser(server.url);
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      ids.push((await uploadOne(server.url, user.token, { name: `p${i}.png`, bytes: noisePng({ width, height, seed: i + 1 }) })).id);
    }
    const cut = noisePng({ width: 60, height: 40, seed: 99 }).subarray(0, 200);
    const brokenId = broken ? (await uploadOne(server.url, user.token, { name: "cut.png", bytes: cut })).id : undefined;
    return { data, ids, brokenId, remove: () => dir.remove() };
  } finally {
    await server.stop();
  }
}

describe("pixvault previews", () => {
  test("makes the pending previews, lists failures with their reason, and fsck then verifies them", async () => {
    const store = await storedImages(3, { broken: true });
    try {
      const r = await runCli(["previews", "--data-dir", store.data]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/previews: 3 made, 1 failed in [\d.]+ s; now 3 ready, 1 failed, 0 pending/);
      expect(r.stdout).toContain(`image ${store.brokenId}: failed: undecodable`);
      expect(r.stderr).toContain("previews: 4/4 images, 1 failed");
      expect(r.stderr).not.toContain("\r"); // plain lines off a terminal
      for (const id of store.ids) for (const size of ["thumb", "display"]) expect(existsSync(previewPath(store.data, id, size))).toBe(true);
      expect(existsSync(previewPath(store.data, store.brokenId!, "thumb"))).toBe(false);

      const fsck = await runCli(["fsck", "--data-dir", store.data]);
      expect(fsck.code, fsck.stdout).toBe(0);
      expect(fsck.stdout).toContain("6 previews verified; clean");

      // Nothing left to do; --retry-failed tries the broken one again, --rebuild every image.
      const again = await runCli(["previews", "--data-dir", store.data]);
      expect(again.stdout).toContain("previews: 0 made, 0 failed");
      const retry = await runCli(["previews", "--retry-failed", "--data-dir", store.data]);
      expect(retry.code).toBe(0);
      expect(retry.stdout).toContain("previews: 0 made, 1 failed");
      const rebuild = await runCli(["previews", "--rebuild", "--preview-workers", "2", "--data-dir", store.data]);
      expect(rebuild.code).toBe(0);
      expect(rebuild.stdout).toContain("previews: 3 made, 1 failed");
      expect((await runCli(["fsck", "--data-dir", store.data])).stdout).toContain("6 previews verified; clean");
    } finally {
      store.remove();
    }
  }, 60_000);

  test("SIGINT stops it after the running job; run again, it makes the rest", async () => {
    const store = await storedImages(16, { width: 1600, height: 1200 });
    try {
      const proc = Bun.spawn([...pixvaultCommand(), "previews", "--data-dir", store.data], {
        env: cleanEnv(),
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const stdout = new Response(proc.stdout).text();
      let stderr = "";
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) {
        stderr += decoder.decode(chunk, { stream: true });
        if (/previews: [1-9]\d*\/16 images/.test(stderr)) break;
      }
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      const out = await stdout;
      const pending = Number(/stopped; (\d+) still pending/.exec(out)?.[1]);
      expect(pending, out).toBeGreaterThan(0);
      expect(pending).toBeLessThan(16);
      expect(out).toMatch(new RegExp(`${16 - pending} made, 0 failed`));

      const rest = await runCli(["previews", "--data-dir", store.data]);
      expect(rest.code, rest.stderr).toBe(0);
      expect(rest.stdout).toContain(`previews: ${pending} made, 0 failed`);
      expect(rest.stdout).toContain("now 16 ready, 0 failed, 0 pending");
    } finally {
      store.remove();
    }
  }, 60_000);

  test("bad flags exit 2, a storage error 1, and a running server on the data dir is a refusal", async () => {
    const store = await storedImages(1);
    try {
      for (const flags of [["--rebuild", "--retry-failed"], ["--preview-workers", "many"], ["now"]]) {
        const r = await runCli(["previews", ...flags, "--data-dir", store.data]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      }
      // The original cannot be read (a bucket nobody serves): the storage, not the image, is at fault.
      const unreachable = Bun.spawn(
        [
          ...pixvaultCommand(),
          "previews",
          "--data-dir",
          store.data,
          "--blob-store",
          "s3://bucket/pv?endpoint=http://127.0.0.1:9&region=us-east-1",
        ],
        { env: cleanEnv({ AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" }), stdout: "pipe", stderr: "pipe" },
      );
      expect(await unreachable.exited).toBe(1);
      expect(await new Response(unreachable.stderr).text()).toContain("previews: stopped on a storage error");
      expect(await new Response(unreachable.stdout).text()).toContain("now 0 ready, 0 failed, 1 pending");

      const server = await startServer(["--data-dir", store.data, "--preview-workers", "0"]);
      try {
        const r = await runCli(["previews", "--data-dir", store.data]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`the data directory ${store.data} is in use by pixvault serve (pid ${server.proc.pid})`);
      } finally {
        await server.stop();
      }
      const after = await runCli(["previews", "--data-dir", store.data]);
      expect(after.stdout).toContain("now 1 ready, 0 failed, 0 pending");
    } finally {
      store.remove();
    }
  }, 60_000);
});
