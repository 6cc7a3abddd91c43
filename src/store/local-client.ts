// A libsql `Client` for a local SQLite file, built for a server where many requests write at
// once. The native driver is synchronous, so an fsync inside COMMIT would stall the event loop
// once per write. Instead, write transactions run one at a time on a single writer connection,
// each inside a SAVEPOINT of one shared transaction, which commits once per turn of the event
// loop (group commit) without an fsync (synchronous=NORMAL); WalSync then fsyncs the WAL in
// the thread pool, once for every commit made meanwhile. A write's promise settles only after
// that fsync, so "committed" still means durable. Reads outside transactions use a second
// connection, which sees only committed data.
import type { Client, InArgs, InStatement, ResultSet, Transaction, TransactionMode } from "@libsql/client";
import { SqliteConnection } from "./sqlite-connection.ts";
import { isDatabaseBusy } from "./storage-errors.ts";
import { WalSync, type Waiter } from "./wal-sync.ts";

// A steady stream of writers would otherwise keep the shared transaction open forever.
const MAX_GROUP = 128;
const SAVEPOINT = "pixvault_write";

/** Serialises write transactions on one connection and commits them in groups. */
class GroupCommitWriter {
  readonly conn: SqliteConnection;
  readonly #wal: WalSync;
  #held = false;
  #queue: (() => void)[] = [];
  #uncommitted: Waiter[] = [];
  #flushScheduled = false;
  #savepointOpen = false;
  readonly #busyTimeoutMs: number;

  constructor(conn: SqliteConnection, wal: WalSync, busyTimeoutMs: number) {
    this.conn = conn;
    this.#wal = wal;
    this.#busyTimeoutMs = Math.max(0, Math.trunc(busyTimeoutMs));
  }

  /** Waits for the connection; the caller must call `release` exactly once. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  release(): void {
    if (this.#uncommitted.length >= MAX_GROUP) this.commitNow();
    const next = this.#queue.shift();
    if (next) next();
    else {
      this.#held = false;
      // A writer that rolled back leaves BEGIN IMMEDIATE open with nothing to commit; no flush
      // would come to end it, and every other process would meet "database is locked".
      if (this.#uncommitted.length === 0) this.#endIdleTransaction();
      else this.#scheduleFlush();
    }
  }

  #endIdleTransaction(): void {
    if (!this.conn.inTransaction) return;
    try {
      this.conn.execute("ROLLBACK");
    } catch {
      // Only an I/O error can fail a ROLLBACK of no changes; SQLite then ends the transaction itself.
    }
  }

  /** Opens the shared transaction if none is open, then a savepoint for this writer. */
  async beginSavepoint(busyDeadline: number): Promise<void> {
    if (!this.conn.inTransaction) await this.#beginImmediate(busyDeadline);
    this.conn.execute(`SAVEPOINT ${SAVEPOINT}`);
    this.#savepointOpen = true;
  }

  /**
   * While another process holds the write lock, SQLite's busy handler would sleep on this
   * thread and freeze every request; so BEGIN runs without it and the wait happens here, off
   * the event loop, until the caller's deadline, then SQLITE_BUSY is thrown (a 503).
   */
  async #beginImmediate(busyDeadline: number): Promise<void> {
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      this.conn.execute("PRAGMA busy_timeout = 0");
      try {
        this.conn.execute("BEGIN IMMEDIATE");
        return;
      } catch (e) {
        if (!isDatabaseBusy(e) || Date.now() >= busyDeadline) throw e;
      } finally {
        this.conn.execute(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** Keeps this writer's changes; the promise settles when the shared transaction commits. */
  releaseSavepoint(): Promise<void> {
    this.conn.execute(`RELEASE ${SAVEPOINT}`);
    this.#savepointOpen = false;
    return new Promise((resolve, reject) => this.#uncommitted.push({ resolve, reject }));
  }

  rollbackSavepoint(): void {
    if (!this.#savepointOpen) return;
    this.#savepointOpen = false;
    // An I/O error or a full disk can make SQLite roll back the whole transaction itself;
    // the writers already released in it learn that when the COMMIT fails.
    if (!this.conn.inTransaction) return;
    this.conn.execute(`ROLLBACK TO ${SAVEPOINT}`);
    this.conn.execute(`RELEASE ${SAVEPOINT}`);
  }

  /** Rolls back a writer still in progress, commits the finished ones, and closes. */
  close(): void {
    this.rollbackSavepoint();
    this.commitNow();
    this.#wal.close();
    this.conn.close();
  }

  /** Commits the shared transaction now; call only while holding the connection or from the flush. */
  commitNow(): void {
    const group = this.#uncommitted;
    this.#uncommitted = [];
    if (!this.conn.inTransaction) {
      const lost = new Error("the database rolled back the transaction (disk full or I/O error)");
      for (const w of group) w.reject(lost);
      return;
    }
    try {
      this.conn.execute("COMMIT");
    } catch (e) {
      if (this.conn.inTransaction) this.conn.execute("ROLLBACK");
      for (const w of group) w.reject(e);
      return;
    }
    this.#wal.after(group);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#uncommitted.length === 0) return;
    this.#flushScheduled = true;
    // setImmediate runs after the I/O callbacks of this loop turn: every upload whose blob
    // finished syncing in this turn has added its row by then and shares the one fsync.
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#held) return; // the holder's release schedules the next flush
      this.commitNow();
    });
  }
}

class GroupedTransaction implements Transaction {
  readonly #writer: GroupCommitWriter;
  #state: "open" | "done" = "open";

  constructor(writer: GroupCommitWriter) {
    this.#writer = writer;
  }

  get closed(): boolean {
    return this.#state !== "open";
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    this.#check();
    return this.#writer.conn.execute(stmt);
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    this.#check();
    return stmts.map((s) => this.#writer.conn.execute(s));
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#check();
    this.#writer.conn.executeMultiple(sql);
  }

  async commit(): Promise<void> {
    this.#check();
    this.#state = "done";
    let committed: Promise<void>;
    try {
      committed = this.#writer.releaseSavepoint();
    } catch (e) {
      this.#writer.rollbackSavepoint();
      this.#writer.release();
      throw e;
    }
    this.#writer.release();
    await committed;
  }

  async rollback(): Promise<void> {
    this.close();
  }

  close(): void {
    if (this.#state !== "open") return;
    this.#state = "done";
    try {
      this.#writer.rollbackSavepoint();
    } finally {
      this.#writer.release();
    }
  }

  #check(): void {
    if (this.#state !== "open") throw new Error("the transaction is closed");
  }
}

const READ_ONLY_SQL = /^\s*(select|explain|values)\b/i;

export class LocalClient implements Client {
  readonly protocol = "file";
  closed = false;
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #writer: GroupCommitWriter;
  #reader: SqliteConnection | undefined;

  constructor(path: string, busyTimeoutMs: number) {
    this.#path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
    const conn = new SqliteConnection(path, busyTimeoutMs);
    // WAL is what lets the reader run beside the writer, and the WalSync below relies on it.
    // NORMAL leaves the per-commit fsync to WalSync, off the event loop; a write's promise
    // still settles only once its commit is on stable storage.
    conn.execute("PRAGMA journal_mode = WAL");
    conn.execute("PRAGMA synchronous = NORMAL");
    conn.execute("PRAGMA foreign_keys = ON");
    this.#writer = new GroupCommitWriter(conn, new WalSync(path), busyTimeoutMs);
  }

  async execute(stmt: InStatement | string, args?: InArgs): Promise<ResultSet> {
    this.#check();
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    if (READ_ONLY_SQL.test(sql)) return this.#readerConnection().execute(stmt, args);
    // PRAGMAs (journal mode, checkpoints) cannot run inside the shared transaction.
    if (/^\s*pragma\b/i.test(sql)) return this.#outsideTransaction((conn) => conn.execute(stmt, args));
    const statement = typeof stmt === "string" ? { sql: stmt, args: args ?? [] } : stmt;
    return this.#inTransaction((tx) => tx.execute(statement));
  }

  async batch(stmts: (InStatement | [string, InArgs?])[], _mode?: TransactionMode): Promise<ResultSet[]> {
    this.#check();
    const normal = stmts.map((s) => (Array.isArray(s) ? { sql: s[0], args: s[1] ?? [] } : s));
    return this.#inTransaction((tx) => tx.batch(normal));
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.batch(stmts);
  }

  async transaction(_mode?: TransactionMode): Promise<Transaction> {
    this.#check();
    // Time queued behind this process's own writers counts too: a request waits one busy timeout in all.
    const busyDeadline = Date.now() + this.#busyTimeoutMs;
    await this.#writer.acquire();
    try {
      this.#check(); // closed while waiting
      await this.#writer.beginSavepoint(busyDeadline);
    } catch (e) {
      this.#writer.release();
      throw e;
    }
    return new GroupedTransaction(this.#writer);
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#check();
    await this.#outsideTransaction((conn) => conn.executeMultiple(sql));
  }

  /**
   * Folds the WAL into the database file and truncates it to nothing, so that no page image a
   * deletion replaced survives in it. Another process's readers or writer make SQLite's busy
   * handler sleep on this thread; so the wait happens here, off the event loop, until the
   * deadline. True once the WAL is empty.
   */
  async truncateWal(deadline: number): Promise<boolean> {
    this.#check();
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      const done = await this.#outsideTransaction((conn) => {
        conn.execute("PRAGMA busy_timeout = 0");
        try {
          // One row: busy (1 while others kept it from completing), WAL frames, frames copied.
          return Number(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").rows[0]?.[0]) === 0;
        } catch (e) {
          if (isDatabaseBusy(e)) return false;
          throw e;
        } finally {
          conn.execute(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(this.#busyTimeoutMs))}`);
        }
      });
      if (done || Date.now() >= deadline || this.closed) return done;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async sync(): Promise<never> {
    throw new Error("sync() is for embedded replicas; this is a local database");
  }

  reconnect(): void {
    throw new Error("reconnect() is not supported for a local database");
  }

  /** Commits what is pending, then closes both connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#writer.close();
    this.#reader?.close();
  }

  async #inTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const tx = await this.transaction("write");
    try {
      const out = await work(tx);
      await tx.commit();
      return out;
    } finally {
      tx.close();
    }
  }

  async #outsideTransaction<T>(work: (conn: SqliteConnection) => T): Promise<T> {
    await this.#writer.acquire();
    try {
      this.#writer.commitNow();
      return work(this.#writer.conn);
    } finally {
      this.#writer.release();
    }
  }

  #readerConnection(): SqliteConnection {
    if (!this.#reader) {
      this.#reader = new SqliteConnection(this.#path, this.#busyTimeoutMs);
      // Every write must go through the writer's group commit; a misrouted one fails loudly.
      this.#reader.execute("PRAGMA query_only = 1");
    }
    return this.#reader;
  }

  #check(): void {
    if (this.closed) throw new Error("the database client is closed");
  }
}
