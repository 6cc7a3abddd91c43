// A master key file sealed under a passphrase: the keys are no longer on disk in clear, the
// server needs the passphrase to start, rotation keeps the seal, and --remove undoes it.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loginToken } from "../support/accounts.ts";
import { bytesOf, contentOf, sha256Hex } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";
import { storeOneImage } from "../support/stopped-data-dir.ts";

const PASSPHRASE = "correct horse battery staple";
const WITH = { PIXVAULT_MASTER_KEY_PASSPHRASE: PASSPHRASE };

describe("pixvault protect-master-key", () => {
  test("seals the key file; serve needs the passphrase; rotation keeps the seal; --remove undoes it", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    const keyPath = join(data, "master.key");
    try {
      const { ann, bytes, image } = await storeOneImage(data, { name: "sealed.png", size: 40, seed: 71 });
      const plainKeys = (JSON.parse(readFileSync(keyPath, "utf8")) as { keys: { key: string }[] }).keys.map((k) => k.key);

      const sealed = await runCli(["protect-master-key", "--passphrase-stdin", "--data-dir", data], { stdin: `${PASSPHRASE}\n` });
      expect(sealed.code, sealed.stderr).toBe(0);
      const onDisk = readFileSync(keyPath, "utf8");
      expect(JSON.parse(onDisk).format).toBe("pixvault-master-key-protected");
      for (const key of plainKeys) expect(onDisk).not.toContain(key);

      const without = await runCli(["migrate", "--data-dir", data]);
      expect(without.code).toBe(1);
      expect(without.stderr).toContain("protected by a passphrase; set PIXVAULT_MASTER_KEY_PASSPHRASE");
      const wrong = await runCli(["migrate", "--data-dir", data], { env: { PIXVAULT_MASTER_KEY_PASSPHRASE: "not the passphrase at all" } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("wrong passphrase");

      const server = await startServer(["--data-dir", data], { env: WITH });
      const token = await loginToken(server.url, ann.user.username, ann.user.password);
      expect(sha256Hex(await bytesOf(await contentOf(server.url, token, image.id)))).toBe(sha256Hex(bytes));
      await server.stop();

      const rotated = await runCli(["rotate-master-key", "--data-dir", data], { env: WITH });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(JSON.parse(readFileSync(keyPath, "utf8")).format).toBe("pixvault-master-key-protected");

      const removed = await runCli(["protect-master-key", "--remove", "--data-dir", data], { env: WITH });
      expect(removed.code, removed.stderr).toBe(0);
      const clear = JSON.parse(readFileSync(keyPath, "utf8")) as { format: string; current: number };
      expect(clear.format).toBe("pixvault-master-key");
      expect(clear.current).toBe(2);
      expect((await runCli(["fsck", "--data-dir", data])).code).toBe(0);
    } finally {
      dir.remove();
    }
  }, 60_000);

  test("a first start with the passphrase set creates the key file sealed; short passphrases are refused", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    try {
      const first = await runCli(["migrate", "--data-dir", data], { env: WITH });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(data, "master.key"), "utf8")).format).toBe("pixvault-master-key-protected");
      const short = await runCli(["protect-master-key", "--passphrase-stdin", "--data-dir", data], { env: WITH, stdin: "short\n" });
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("at least 12 characters");
    } finally {
      dir.remove();
    }
  }, 60_000);
});
