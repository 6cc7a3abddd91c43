// One native libSQL connection to a local file with a prepared-statement cache, returning
// results in the shape @libsql/client gives (drizzle's libsql driver reads that shape).
import type { InArgs, InStatement, InValue, ResultSet, Row } from "@libsql/client";
import Database from "libsql";

type NativeStatement = ReturnType<InstanceType<typeof Database>["prepare"]>;

interface CachedStatement {
  readonly statement: NativeStatement;
  /** Column names when the statement returns rows; undefined for writes without RETURNING. */
  readonly columns: readonly string[] | undefined;
  readonly columnTypes: readonly string[];
}

// Queries are built from a few dozen shapes; the bound keeps a pathological caller (IN
// lists of every length) from growing the cache without end.
const CACHE_LIMIT = 512;

export class SqliteConnection {
  readonly #db: InstanceType<typeof Database>;
  readonly #cache = new Map<string, CachedStatement>();

  constructor(path: string, busyTimeoutMs: number) {
    this.#db = new Database(path);
    // Set as a pragma: its unit is documented (ms), unlike the constructor's option.
    this.execute(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    // Deleted rows are overwritten with zeros, not just unlinked: a deleted user's key salt,
    // wrapped keys, email and name must not survive in free space (crypto-shredding: README, Images with curl).
    this.execute("PRAGMA secure_delete = ON");
  }

  get inTransaction(): boolean {
    // Asking a closed native connection aborts the process.
    return this.#db.open && this.#db.inTransaction;
  }

  get open(): boolean {
    return this.#db.open;
  }

  execute(stmt: InStatement | string, args?: InArgs): ResultSet {
    if (!this.#db.open) throw new Error("the database connection is closed");
    const { sql, params } = normalize(stmt, args);
    const cached = this.#prepare(sql);
    try {
      if (cached.columns) {
        const raw = cached.statement.all(params) as unknown[][];
        return result(
          cached.columns,
          cached.columnTypes,
          raw.map((values) => rowOf(values, cached.columns!)),
          0,
          undefined,
        );
      }
      const info = cached.statement.run(params) as { changes: number; lastInsertRowid: number | bigint };
      return result([], [], [], info.changes, BigInt(info.lastInsertRowid));
    } catch (e) {
      throw asError(e);
    }
  }

  /** Runs several statements separated by semicolons (migration scripts). */
  executeMultiple(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (e) {
      throw asError(e);
    }
  }

  close(): void {
    this.#cache.clear();
    if (this.#db.open) this.#db.close();
  }

  #prepare(sql: string): CachedStatement {
    const hit = this.#cache.get(sql);
    if (hit) return hit;
    let statement: NativeStatement;
    try {
      statement = this.#db.prepare(sql);
    } catch (e) {
      throw asError(e);
    }
    let entry: CachedStatement;
    if (statement.reader) {
      statement.raw(true);
      const columns = statement.columns() as { name: string; type: string | null }[];
      entry = { statement, columns: columns.map((c) => c.name), columnTypes: columns.map((c) => c.type ?? "") };
    } else {
      entry = { statement, columns: undefined, columnTypes: [] };
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(sql, entry);
    return entry;
  }
}

function normalize(stmt: InStatement | string, args?: InArgs): { sql: string; params: unknown[] | Record<string, unknown> } {
  const sql = typeof stmt === "string" ? stmt : stmt.sql;
  const given = typeof stmt === "string" ? (args ?? []) : (stmt.args ?? []);
  if (Array.isArray(given)) return { sql, params: given.map(toSql) };
  const named: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) named[/^[@$:]/.test(name) ? name.slice(1) : name] = toSql(value);
  return { sql, params: named };
}

function toSql(value: InValue): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError("only finite numbers can be stored");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.valueOf();
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

/** A row readable by index and by column name, with only the names enumerable (as @libsql/client's). */
function rowOf(values: unknown[], columns: readonly string[]): Row {
  const row: Record<string | number, unknown> = {};
  Object.defineProperty(row, "length", { value: values.length });
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    Object.defineProperty(row, i, { value });
    const column = columns[i]!;
    if (!Object.hasOwn(row, column)) row[column] = value;
  }
  return row as unknown as Row;
}

function result(
  columns: readonly string[],
  columnTypes: readonly string[],
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns: columns as string[],
    columnTypes: columnTypes as string[],
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON() {
      return { columns, columnTypes, rows: rows.map((r) => Array.from(r as ArrayLike<unknown>)), rowsAffected };
    },
  };
}

/** libsql's native errors carry `code` (SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY…) and a message. */
function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
