// Migration 0003 on a data directory from before previews: every stored image is queued, and the background pool makes its previews.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openDatabase } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";
import { MIGRATIONS } from "../../src/store/migrations.generated.ts";
import { photo } from "../media/photo-samples.ts";
import { loginToken, signedInUser } from "../support/accounts.ts";
import { uploadOne } from "../support/images-api.ts";
import { startServer, tempDir } from "../support/pixvault.ts";
import { imageOf, previewOf, settledImage, testSharp } from "../support/previews-api.ts";

const BEFORE_PREVIEWS = MIGRATIONS.findIndex((m) => m.tag === "0003_previews");

/** What a schema is made of, to compare two databases: tables, their columns, indexes. */
function schemaOf(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    const objects = db.query("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as {
      type: string;
      name: string;
    }[];
    return objects.map((o) => ({ ...o, columns: o.type === "table" ? db.query(`PRAGMA table_info("${o.name}")`).all() : undefined }));
  } finally {
    db.close();
  }
}

describe("a data directory stored before previews existed", () => {
  const dir = tempDir();
  const data = join(dir.path, "data");
  const dbFile = join(data, "pixvault.db");
  afterAll(() => dir.remove());

  test("is migrated on start, its images queued oldest first, and their previews made in the background", async () => {
    // Images stored by a server, which is then taken back to the schema of migration 0002.
    const first = await startServer(["--data-dir", data, "--preview-workers", "0"]);
    const { user } = await signedInUser(first.url);
    const token = await loginToken(first.url, user.username, user.password);
    const ids: string[] = [];
    for (const [i, size] of [
      [0, 1600],
      [1, 900],
    ] as const) {
      const bytes = await photo(testSharp(), { width: size, height: 600, orientation: 6 });
      ids.push((await uploadOne(first.url, token, { name: `old-${i}.jpg`, bytes })).id);
    }
    await first.stop();
    const db = new Database(dbFile);
    // Later migrations go too: the directory is as a server before previews left it.
    db.run("CREATE INDEX `image_tags_tag` ON `image_tags` (`tag_index`)"); // as 0000 made it, before 0010 dropped it
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0010_unused_search_indexes'");
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0009_album_cover_index'"); // its index goes with albums
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0008_analysis'"); // its columns go with image_media
    for (const table of ["image_terms", "term_backfill"]) db.run(`DROP TABLE ${table}`);
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0007_search_terms'");
    for (const table of ["resumable_upload_parts", "resumable_uploads"]) db.run(`DROP TABLE ${table}`);
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0006_resumable_uploads'");
    for (const table of ["comments", "album_links", "album_images", "albums"]) db.run(`DROP TABLE ${table}`);
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0005_albums_comments'");
    db.run("DROP TABLE user_identities");
    db.run("DROP TABLE oidc_logins");
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0004_oidc'");
    db.run("DROP TABLE image_media");
    db.run("ALTER TABLE images DROP COLUMN photo_enc");
    db.run("DELETE FROM pixvault_migrations WHERE tag = '0003_previews'");
    db.close();
    const reference = tempDir();
    try {
      const fresh = await openDatabase(pathToFileURL(join(reference.path, "ref.db")).href);
      await migrate(fresh.client, MIGRATIONS.slice(0, BEFORE_PREVIEWS));
      fresh.close();
      expect(schemaOf(dbFile)).toEqual(schemaOf(join(reference.path, "ref.db")));
    } finally {
      reference.remove();
    }

    const server = await startServer(["--data-dir", data]);
    try {
      expect(server.logs().find((l) => l.msg === "database migrated")).toMatchObject({
        applied: [
          "0003_previews",
          "0004_oidc",
          "0005_albums_comments",
          "0006_resumable_uploads",
          "0007_search_terms",
          "0008_analysis",
          "0009_album_cover_index",
          "0010_unused_search_indexes",
        ],
      });
      const again = await loginToken(server.url, user.username, user.password);
      for (const id of ids) {
        const image = await settledImage(server.url, again, id);
        expect(image.previews).toEqual({ status: "ready" });
        // What the photo says about itself is read too: turned upright, and when it was taken.
        expect(image.height).toBeGreaterThan(image.width!);
        expect(image.takenAt).toBe("2024-05-01T14:03:22.250+02:00");
        expect((await previewOf(server.url, again, id, "thumb")).status).toBe(200);
      }
      expect((await imageOf(server.url, again, ids[0]!)).camera?.make).toBe("Apple");
    } finally {
      await server.stop();
    }
    const after = new Database(dbFile, { readonly: true });
    try {
      const rows = after
        .query(
          "SELECT m.image_id AS id, m.queued_at = i.created_at AS oldestFirst, m.attempts FROM image_media m JOIN images i ON i.id = m.image_id",
        )
        .all();
      expect(rows).toEqual(expect.arrayContaining(ids.map((id) => ({ id, oldestFirst: 1, attempts: 1 }))));
      expect(rows).toHaveLength(2);
    } finally {
      after.close();
    }
  });
});
