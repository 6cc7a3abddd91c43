// Applies the embedded migrations in order, once, inside one write transaction.
import { createHash } from "node:crypto";
import type { Client } from "@libsql/client";
import { MIGRATIONS } from "./migrations.generated.ts";

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrationOutcome {
  applied: string[];
  total: number;
}

const BREAKPOINT = "--> statement-breakpoint";

/** A migration's statements, in order (drizzle-kit separates them with a breakpoint comment). */
export function migrationStatements(migrationSql: string): string[] {
  return migrationSql.split(BREAKPOINT).filter((statement) => statement.trim() !== "");
}

/** Every migration applied with the hash we have, and nothing unknown (which the full path reports). */
async function upToDate(client: Client, migrations: typeof MIGRATIONS): Promise<boolean> {
  let rows;
  try {
    rows = (await client.execute("SELECT tag, hash FROM pixvault_migrations")).rows;
  } catch {
    return false; // no table yet: a new database
  }
  const done = new Map(rows.map((r) => [String(r.tag), String(r.hash)]));
  if (done.size !== migrations.length) return false;
  return migrations.every((m) => done.get(m.tag) === createHash("sha256").update(m.sql).digest("hex"));
}

export async function migrate(client: Client, migrations = MIGRATIONS): Promise<MigrationOutcome> {
  // Nearly every start finds nothing to do: a read says so without taking the write lock
  // (and without the fsync a write transaction costs).
  if (await upToDate(client, migrations)) return { applied: [], total: migrations.length };
  // BEGIN IMMEDIATE: two instances starting at once against one database serialise here.
  const tx = await client.transaction("write");
  try {
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS pixvault_migrations (
         tag TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    const done = new Map((await tx.execute("SELECT tag, hash FROM pixvault_migrations")).rows.map((r) => [String(r.tag), String(r.hash)]));
    const known = new Set(migrations.map((m) => m.tag));
    const unknown = [...done.keys()].filter((tag) => !known.has(tag));
    if (unknown.length > 0) {
      throw new MigrationError(
        `the database has migrations this pixvault does not know (${unknown.join(", ")}); it was written by a newer version — upgrade the binary`,
      );
    }
    const applied: string[] = [];
    for (const m of migrations) {
      const hash = createHash("sha256").update(m.sql).digest("hex");
      const previous = done.get(m.tag);
      if (previous !== undefined) {
        if (previous !== hash) throw new MigrationError(`migration ${m.tag} was changed after it was applied`);
        continue;
      }
      for (const statement of migrationStatements(m.sql)) await tx.execute(statement);
      await tx.execute({
        sql: "INSERT INTO pixvault_migrations (tag, hash, applied_at) VALUES (?, ?, ?)",
        args: [m.tag, hash, Date.now()],
      });
      applied.push(m.tag);
    }
    await tx.commit();
    return { applied, total: migrations.length };
  } catch (e) {
    await tx.rollback().catch(() => {});
    throw e;
  } finally {
    tx.close();
  }
}
