// A cleanly stopped server leaves all its rows in pixvault.db: copying that file (without
// -wal/-shm), the blobs and the key gives a data dir that serves every image.
import { expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loginToken, registerUser } from "../support/accounts.ts";
import { bytesOf, contentOf, uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { startServer, tempDir } from "../support/pixvault.ts";

test("after SIGTERM the WAL is folded into pixvault.db, which alone (with blobs and key) serves every image", async () => {
  const dir = tempDir();
  try {
    const data = join(dir.path, "data");
    const server = await startServer(["--data-dir", data]);
    const user = await registerUser(server.url);
    const token = await loginToken(server.url, user.username, user.password);
    const bytes = noisePng({ width: 40, height: 40, seed: 77 });
    const image = await uploadOne(server.url, token, { name: "kept.png", bytes });
    expect(await server.stop()).toBe(0);
    const wal = join(data, "pixvault.db-wal");
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);

    const copy = join(dir.path, "copy");
    mkdirSync(copy);
    cpSync(join(data, "pixvault.db"), join(copy, "pixvault.db"));
    cpSync(join(data, "master.key"), join(copy, "master.key"));
    cpSync(join(data, "blobs"), join(copy, "blobs"), { recursive: true });
    const again = await startServer(["--data-dir", copy]);
    try {
      const relogin = await loginToken(again.url, user.username, user.password);
      expect((await bytesOf(await contentOf(again.url, relogin, image.id))).equals(bytes)).toBe(true);
    } finally {
      await again.stop();
    }
  } finally {
    dir.remove();
  }
});
