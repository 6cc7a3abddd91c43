// `pixvault fsck` on a real data directory: clean stores pass, and every kind of damage an
// operator can meet is named per image; --repair removes only what no row points to, and has
// damaged previews made again.
import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, promises as fs, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signedInUser } from "../support/accounts.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { uploadOne, uploadRaw } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";

const blobPathOf = (data: string, id: string) => join(data, "blobs", id.slice(0, 2), id.slice(2, 4), id);
const previewOf = (data: string, id: string, size: string) => `${blobPathOf(data, id)}.${size}`;
const anHourAgo = () => new Date(Date.now() - 3_600_000);

/** A data dir with `count` small images and one of several segments; the server is stopped after. */
async function populated(count: number): Promise<{ data: string; ids: string[]; bigId: string; remove(): void }> {
  const dir = tempDir();
  const data = join(dir.path, "data");
  const server = await startServer(["--data-dir", data]);
  try {
    const user = await signedInUser(server.url);
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      ids.push(
        (await uploadOne(server.url, user.token, { name: `p${i}.png`, bytes: noisePng({ width: 40, height: 30, seed: i + 1 }) })).id,
      );
    }
    const big = await uploadRaw(server.url, user.token, pngOfSize(1_500_000, 77), { filename: "big.png" });
    const bigId = ((await big.json()) as { created: { id: string }[] }).created[0]!.id;
    return { data, ids, bigId, remove: () => dir.remove() };
  } finally {
    await server.stop();
  }
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await fs.open(path, "r+");
  const one = new Uint8Array(1);
  await handle.read(one, 0, 1, offset);
  one[0]! ^= 0x10;
  await handle.write(one, 0, 1, offset);
  await handle.close();
}

describe("pixvault fsck", () => {
  test("a clean store exits 0 and says how much it verified, with plain progress lines off a terminal", async () => {
    const store = await populated(3);
    try {
      const r = await runCli(["fsck", "--data-dir", store.data]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/fsck: 4 images, 0\.\d\d GB verified in [\d.]+ s \([\d.]+ GB\/s\); \d+ previews verified; clean/);
      expect(r.stderr).toContain("fsck: 4/4 images");
      expect(r.stderr).not.toContain("\r");
    } finally {
      store.remove();
    }
  });

  test("damage is reported per image and exit is 1: a flipped byte, a missing blob, a swapped blob", async () => {
    const store = await populated(4);
    try {
      const [a, b, c, d] = store.ids as [string, string, string, string];
      await flipByte(blobPathOf(store.data, store.bigId), 64 + 3 * (65536 + 16) + 10); // segment 3 of the big one
      await fs.rm(blobPathOf(store.data, a));
      copyFileSync(blobPathOf(store.data, c), blobPathOf(store.data, b)); // b's row now points at c's blob
      const r = await runCli(["fsck", "--data-dir", store.data]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`image ${store.bigId}: integrity: the blob fails authentication after byte 196608`);
      expect(r.stdout).toContain(`image ${a}: missing_blob`);
      expect(r.stdout).toContain(`image ${b}: integrity`);
      expect(r.stdout).not.toContain(`image ${c}:`);
      expect(r.stdout).not.toContain(`image ${d}:`);
      expect(r.stdout).toContain("3 problems");
    } finally {
      store.remove();
    }
  });

  test("--repair removes old orphan blobs and temp files, never a row, and leaves recent files alone", async () => {
    const store = await populated(2);
    try {
      const orphanId = "orphanOrphanOrphan00";
      const orphan = blobPathOf(store.data, orphanId);
      mkdirSync(join(orphan, ".."), { recursive: true });
      copyFileSync(blobPathOf(store.data, store.ids[0]!), orphan);
      utimesSync(orphan, anHourAgo(), anHourAgo());
      const temp = join(store.data, "blobs", ".tmp", "crashed.abc.tmp");
      writeFileSync(temp, "half an upload");
      utimesSync(temp, anHourAgo(), anHourAgo());
      const fresh = join(store.data, "blobs", ".tmp", "inflight.def.tmp");
      writeFileSync(fresh, "an upload in progress");
      await fs.rm(blobPathOf(store.data, store.ids[1]!)); // a row whose blob is gone stays

      const check = await runCli(["fsck", "--data-dir", store.data]);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(`${orphan}: orphan_blob`);
      expect(check.stdout).toContain(`${temp}: temp_file`);
      expect(check.stdout).toContain("run with --repair");
      expect(check.stdout).toContain("1 recent file(s) left alone");
      expect(existsSync(orphan)).toBe(true); // a check alone changes nothing

      const repair = await runCli(["fsck", "--repair", "--data-dir", store.data]);
      expect(repair.code).toBe(1); // the missing blob is still a problem
      expect(repair.stdout).toContain(`${orphan}: orphan_blob: a blob without an image row`);
      expect(repair.stdout).toContain("— removed");
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(temp)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      expect(repair.stdout).toContain(`image ${store.ids[1]}: missing_blob`);

      const again = await runCli(["fsck", "--data-dir", store.data]);
      expect(again.stdout).toContain("1 problem;");
      expect(again.stdout).not.toContain("orphan_blob");
    } finally {
      store.remove();
    }
  });

  test("previews: a damaged or missing one is reported and, with --repair, made again; one without its image is an orphan", async () => {
    const store = await populated(3);
    try {
      const made = await runCli(["previews", "--data-dir", store.data]);
      expect(made.stdout, made.stderr).toContain("now 4 ready, 0 failed, 0 pending");
      const [a, b, c] = store.ids as [string, string, string];
      await flipByte(previewOf(store.data, a, "thumb"), 100);
      await fs.rm(previewOf(store.data, b, "display"));
      const ghost = previewOf(store.data, "ghostGhostGhostGhost", "thumb"); // its image was deleted
      mkdirSync(join(ghost, ".."), { recursive: true });
      copyFileSync(previewOf(store.data, c, "thumb"), ghost);
      utimesSync(ghost, anHourAgo(), anHourAgo());

      const check = await runCli(["fsck", "--data-dir", store.data]);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(`image ${a}: damaged_preview: the thumb preview fails authentication`);
      expect(check.stdout).toContain(`image ${b}: missing_preview: the display preview blob is missing`);
      expect(check.stdout).toContain(`${ghost}: orphan_blob: a preview blob without an image row`);
      expect(check.stdout).not.toContain(`image ${c}:`);
      expect(check.stdout).toContain("6 previews verified; 3 problems");
      expect(check.stdout).toContain("made again from their originals");

      const repair = await runCli(["fsck", "--repair", "--data-dir", store.data]);
      expect(repair.code, repair.stdout).toBe(0);
      expect(repair.stdout).toContain(`image ${a}: damaged_preview: the thumb preview fails authentication`);
      expect(repair.stdout).toContain("— queued to be made again");
      expect(repair.stdout).toContain("3 repaired");
      expect(existsSync(ghost)).toBe(false);
      expect(existsSync(blobPathOf(store.data, a))).toBe(true); // the image itself is never touched

      // The two images' jobs are pending again: making them restores a clean store.
      const remade = await runCli(["previews", "--data-dir", store.data]);
      expect(remade.stdout).toContain("previews: 2 made, 0 failed");
      const clean = await runCli(["fsck", "--data-dir", store.data]);
      expect(clean.code, clean.stdout).toBe(0);
      expect(clean.stdout).toContain("8 previews verified; clean");
    } finally {
      store.remove();
    }
  }, 60_000);
});
