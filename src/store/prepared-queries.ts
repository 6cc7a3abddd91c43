// Hot queries built once per database: drizzle renders a query builder's SQL anew on every
// call, which measured ~120 µs of the ~145 µs a session lookup took (bench/RESULTS.md).
import type { Orm } from "./db.ts";

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
