// Group commit on a real SQLite file: many writers share one COMMIT, yet each write is
// durable and visible to other processes when its promise settles, a failed writer does
// not take its neighbours down, and nobody reads another writer's uncommitted rows.
import { describe, expect, test } from "bun:test";
import { createClient } from "@libsql/client";
import { join } from "node:path";
import { LocalClient } from "../../src/store/local-client.ts";
import { tempDir } from "../support/pixvault.ts";

function fresh() {
  const dir = tempDir();
  const file = join(dir.path, "group.db");
  const client = new LocalClient(file, 5000);
  return { dir, file, client };
}

async function setUp(client: LocalClient) {
  await client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
}

/** Another connection, as another process would open the file. */
async function countElsewhere(file: string): Promise<number> {
  const other = createClient({ url: `file:${file}` });
  try {
    return Number((await other.execute("SELECT count(*) FROM t")).rows[0]?.[0]);
  } finally {
    other.close();
  }
}

describe("local database: group commit", () => {
  test("200 concurrent writes all land, and each is visible to another connection once its promise settles", async () => {
    const { dir, file, client } = fresh();
    try {
      await setUp(client);
      const seenAfter: number[] = [];
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          await client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: [`n${i}`] });
          seenAfter.push(i);
        }),
      );
      expect(seenAfter.length).toBe(200);
      expect(await countElsewhere(file)).toBe(200);
    } finally {
      client.close();
      dir.remove();
    }
  });

  test("a writer that fails and rolls back loses only its own rows, not those of writers grouped with it", async () => {
    const { dir, client } = fresh();
    try {
      await setUp(client);
      await client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["taken"] });
      const results = await Promise.allSettled(
        ["a", "b", "taken", "c"].map(async (name) => {
          const tx = await client.transaction("write");
          try {
            await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: [`${name}-extra`] });
            await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: [name] });
            await tx.commit();
          } finally {
            tx.close();
          }
        }),
      );
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      const names = (await client.execute("SELECT name FROM t ORDER BY name")).rows.map((r) => r.name);
      // "taken-extra" was inserted by the failed writer before its failure: it must be gone too.
      expect(names).toEqual(["a", "a-extra", "b", "b-extra", "c", "c-extra", "taken"]);
    } finally {
      client.close();
      dir.remove();
    }
  });

  test("a writer that rolls back with nothing else pending releases the write lock at once", async () => {
    const { dir, file, client } = fresh();
    try {
      await setUp(client);
      await client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["taken"] });
      await expect(client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["taken"] })).rejects.toThrow();
      // Another process, with no patience at all, must get the write lock now.
      const other = createClient({ url: `file:${file}` });
      try {
        await other.execute("PRAGMA busy_timeout = 0");
        await other.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["elsewhere"] });
      } finally {
        other.close();
      }
      expect(await countElsewhere(file)).toBe(2);
    } finally {
      client.close();
      dir.remove();
    }
  });

  test("reads see only committed rows: a write is invisible until its commit settles", async () => {
    const { dir, client } = fresh();
    try {
      await setUp(client);
      const tx = await client.transaction("write");
      await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["pending"] });
      const committed = tx.commit();
      expect((await client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n).toBe(0);
      await committed;
      expect((await client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n).toBe(1);
    } finally {
      client.close();
      dir.remove();
    }
  });

  test("close() commits what is pending, so a stopping server keeps its last writes", async () => {
    const { dir, file, client } = fresh();
    await setUp(client);
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["last"] });
    const committed = tx.commit(); // released into the group, which has not committed yet
    client.close();
    await committed;
    expect(await countElsewhere(file)).toBe(1);
    dir.remove();
  });

  test("an abandoned transaction is rolled back by close(), and nothing it wrote is kept", async () => {
    const { dir, file, client } = fresh();
    await setUp(client);
    await client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["kept"] });
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["abandoned"] });
    client.close(); // while the transaction is still open
    expect(tx.execute("SELECT 1")).rejects.toThrow();
    expect(await countElsewhere(file)).toBe(1);
    dir.remove();
  });
});
