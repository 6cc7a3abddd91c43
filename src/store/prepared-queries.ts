// Hot queries built once per database: drizzle renders a query builder's SQL anew on every
// call, which measured ~120 µs of the ~145 µs a session lookup took (bench/RESULTS.md).
import type { Transaction } from "@libsql/client";
import type { Orm, WriteTx } from "./db.ts";

const built = new WeakMap<Orm, Map<symbol, unknown>>();

/**
 * A query of `orm` made by `build` on first use and kept as long as `orm` lives. `key` names
 * the query (one symbol per call site). Values are bound through `sql.placeholder`, raw: a
 * placeholder skips the column's encoder, so timestamps are passed as milliseconds.
 */
export function preparedQuery<T>(orm: Orm, key: symbol, build: (orm: Orm) => T): T {
  let queries = built.get(orm);
  if (!queries) built.set(orm, (queries = new Map()));
  let query = queries.get(key) as T | undefined;
  if (query === undefined) queries.set(key, (query = build(orm)));
  return query;
}

/**
 * The query `preparedQuery` keeps for `orm`, run inside `tx`. drizzle ties a prepared query to
 * the session it was prepared on, and preparing it on each transaction would render its SQL
 * again: the upload's insert transaction spent ~150 µs of its ~350 there (bench/RESULTS.md,
 * fourth round). drizzle's libSQL query runs on its `tx` field when one is set, so a copy with
 * the transaction's libSQL handle runs there; this reaches into drizzle's session, which the
 * upload tests exercise on every run, and fails loudly if a drizzle upgrade moves it.
 */
export function preparedInTransaction<T extends object>(orm: Orm, tx: WriteTx, key: symbol, build: (orm: Orm) => T): T {
  const handle = (tx as unknown as { session?: { tx?: Transaction } }).session?.tx;
  if (!handle || typeof handle.execute !== "function") throw new Error("drizzle's transaction no longer carries its libSQL transaction");
  const query = preparedQuery(orm, key, build);
  return Object.assign(Object.create(Object.getPrototypeOf(query) as object) as T, query, { tx: handle });
}
