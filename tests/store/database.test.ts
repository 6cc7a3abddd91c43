// The SQLite database: WAL, foreign keys, busy timeout, migrations embedded and idempotent.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderMigrationsModule } from "../../scripts/embed-migrations.ts";
import { openDatabase } from "../../src/store/db.ts";
import { migrate, MigrationError } from "../../src/store/migrate.ts";
import { tempDir } from "../support/pixvault.ts";

async function freshDb() {
  const dir = tempDir();
  const db = await openDatabase(pathToFileURL(join(dir.path, "a b", "pixvault.db")).href);
  return {
    db,
    dir,
    done: () => {
      db.close();
      dir.remove();
    },
  };
}

describe("database", () => {
  test("opens in WAL mode with foreign keys on and a busy timeout, even in a path with spaces", async () => {
    const { db, done } = await freshDb();
    try {
      expect((await db.client.execute("PRAGMA journal_mode")).rows[0]?.[0]).toBe("wal");
      expect(Number((await db.client.execute("PRAGMA foreign_keys")).rows[0]?.[0])).toBe(1);
      expect(Number((await db.client.execute("PRAGMA busy_timeout")).rows[0]?.[0])).toBeGreaterThanOrEqual(1000);
      expect(db.file).toContain("a b");
    } finally {
      done();
    }
  });

  test("migrations apply once and create the tables later features need", async () => {
    const { db, done } = await freshDb();
    try {
      expect((await migrate(db.client)).applied).toEqual([
        "0000_init",
        "0001_blind_index_version",
        "0002_hardening",
        "0003_previews",
        "0004_oidc",
        "0005_albums_comments",
        "0006_resumable_uploads",
        "0007_search_terms",
        "0008_analysis",
        "0009_album_cover_index",
        "0010_unused_search_indexes",
      ]);
      expect((await migrate(db.client)).applied).toEqual([]);
      const media = (await db.client.execute("SELECT name FROM pragma_table_info('image_media')")).rows.map((r) => r.name);
      expect(media).toEqual(expect.arrayContaining(["analysis_status", "analysis_reason", "analysis_enc"]));
      const tables = (await db.client.execute("SELECT name FROM sqlite_master WHERE type = 'table'")).rows.map((r) => r.name);
      for (const t of [
        "users",
        "sessions",
        "api_tokens",
        "images",
        "image_tags",
        "share_links",
        "rate_limits",
        "master_keys",
        "invites",
        "image_media",
        "user_identities",
        "oidc_logins",
        "albums",
        "album_images",
        "album_links",
        "comments",
        "resumable_uploads",
        "resumable_upload_parts",
        "image_terms",
        "term_backfill",
      ]) {
        expect(tables).toContain(t);
      }
    } finally {
      done();
    }
  });

  test("foreign keys are enforced and cascade", async () => {
    const { db, done } = await freshDb();
    try {
      await migrate(db.client);
      await expect(
        db.client.execute("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s', 'nobody', 0, 0)"),
      ).rejects.toThrow(/FOREIGN KEY/);
      await db.client.execute(
        "INSERT INTO users (id, username, name, email, password_hash, key_salt, created_at, updated_at) VALUES ('u', 'ann', 'Ann', 'a@x.io', 'h', x'00', 0, 0)",
      );
      await db.client.execute("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s', 'u', 0, 0)");
      await db.client.execute("DELETE FROM users WHERE id = 'u'");
      expect((await db.client.execute("SELECT count(*) FROM sessions")).rows[0]?.[0]).toBe(0);
    } finally {
      done();
    }
  });

  test("usernames are unique without regard to case", async () => {
    const { db, done } = await freshDb();
    try {
      await migrate(db.client);
      const insert = (id: string, username: string) =>
        db.client.execute({
          sql: "INSERT INTO users (id, username, name, email, password_hash, key_salt, created_at, updated_at) VALUES (?, ?, 'n', 'e@x.io', 'h', x'00', 0, 0)",
          args: [id, username],
        });
      await insert("1", "alice");
      await expect(insert("2", "ALICE")).rejects.toThrow(/UNIQUE/);
    } finally {
      done();
    }
  });

  test("a database written by a newer version is refused, not downgraded", async () => {
    const { db, done } = await freshDb();
    try {
      await migrate(db.client);
      await db.client.execute("INSERT INTO pixvault_migrations (tag, hash, applied_at) VALUES ('9999_future', 'x', 0)");
      await expect(migrate(db.client)).rejects.toThrow(MigrationError);
      await expect(migrate(db.client)).rejects.toThrow(/newer version/);
    } finally {
      done();
    }
  });

  test("the migrations embedded in the binary are exactly those in migrations/", () => {
    const generated = readFileSync(join(import.meta.dir, "../../src/store/migrations.generated.ts"), "utf8");
    expect(generated).toBe(renderMigrationsModule());
  });
});
