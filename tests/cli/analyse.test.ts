// `pixvault analyse [--rebuild]` on a stopped data directory: images whose previews were made before
// analysis existed (or without the model) are analysed from their stored previews, and found by label.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loginToken, signedInUser } from "../support/accounts.ts";
import { analysedImage } from "../support/analysis-api.ts";
import { listAll, uploadOne } from "../support/images-api.ts";
import { runCli, startServer, tempDir } from "../support/pixvault.ts";
import { imageOf } from "../support/previews-api.ts";

describe("pixvault analyse", () => {
  test("--rebuild adds the labels a server with --analysis off did not find; a plain run analyses what is pending", async () => {
    const dir = tempDir();
    const data = join(dir.path, "data");
    let server = await startServer(["--data-dir", data, "--analysis", "off"]);
    try {
      const user = await signedInUser(server.url);
      const bytes = readFileSync(join(import.meta.dir, "../fixtures/photos/astronaut.jpg"));
      const id = (await uploadOne(server.url, user.token, { name: "astronaut.jpg", bytes })).id;
      expect((await analysedImage(server.url, user.token, id)).analysis.labels).toEqual([]);
      await server.stop();

      const plain = await runCli(["analyse", "--data-dir", data]);
      expect(plain.code, plain.stdout + plain.stderr).toBe(0);
      expect(plain.stdout).toContain("analyse: 0 analysed, 0 failed");

      const rebuilt = await runCli(["analyse", "--rebuild", "--data-dir", data]);
      expect(rebuilt.code, rebuilt.stdout + rebuilt.stderr).toBe(0);
      expect(rebuilt.stdout).toMatch(/analyse: 1 analysed, 0 failed in [\d.]+ s; now 1 ready, 0 failed, 0 pending/);
      expect(rebuilt.stderr).toContain("analyse: 1/1 images, 0 failed");

      // As a database from before analysis: previews made, analysis pending, no terms.
      const db = new Database(join(data, "pixvault.db"));
      db.run("UPDATE image_media SET analysis_status = 'pending', analysis_enc = NULL");
      db.run("DELETE FROM image_terms WHERE kind IN ('label', 'color')");
      db.close();
      const resumed = await runCli(["analyse", "--data-dir", data]);
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain("analyse: 1 analysed, 0 failed");

      server = await startServer(["--data-dir", data]);
      const token = await loginToken(server.url, user.user.username, user.user.password);
      const image = await imageOf(server.url, token, id);
      expect(image.analysis.status).toBe("ready");
      expect(image.analysis.labels.map((l) => l.name)).toContain("person");
      expect((await listAll(server.url, token, { label: "person" })).map((i) => i.id)).toEqual([id]);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^pixvault_analysis_ready 1$/m);
      expect(metrics).toMatch(/^pixvault_analysis_pending 0$/m);
    } finally {
      await server.stop();
      dir.remove();
    }
  }, 120_000);
});
