// What the search-term index costs SQLite per upload and per delete (issue #17, fifth round),
// on the real schema (the embedded migrations) in bun:sqlite — the same SQLite engine libSQL
// runs — without the server around it: WAL pages written and CPU per operation, in groups of 16
// per transaction as the server's group commit makes them, after a library of BENCH_TERM_IMAGES
// (20,000) images with 15 terms each. Variants, each on a fresh database:
//   schema       the schema as it is: terms in a rowid table keyed (image_id, term);
//   term-index   as before migration 0010: the same plus a (term, image_id) index, which no query read;
//   no-terms     the same writes without any term rows: the floor;
//   clustered    terms in a WITHOUT ROWID table keyed (term, image_id) and nothing else, each
//                image's terms deleted by key (what keeping them in the image row would allow);
//   rowless      terms in a WITHOUT ROWID table keyed (image_id, term), deletes still cascading;
//   delta        as before 0010, with new terms in a small side table merged into the main one
//                every 64 groups (1,024 images), sorted by term.
// Run: npm run bench:terms (BENCH_SECURE_DELETE=0: without the server's secure_delete).
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { migrationStatements } from "../src/store/migrate.ts";
import { MIGRATIONS } from "../src/store/migrations.generated.ts";
import { benchBaseDir } from "./lib/machine.ts";
import { fmt } from "./lib/stats.ts";

const LIBRARY = Number(process.env.BENCH_TERM_IMAGES ?? 20_000);
const GROUP = 16;
const GROUPS = 200;
const TERMS = 15;
const MERGE_EVERY = 64;
const WAL_FRAME = 4096 + 24;
const SECURE_DELETE = process.env.BENCH_SECURE_DELETE !== "0";

type Variant = "schema" | "term-index" | "no-terms" | "clustered" | "rowless" | "delta";

const CLUSTERED_TERMS = `CREATE TABLE image_terms (image_id text NOT NULL, kind text NOT NULL, term blob NOT NULL,
  PRIMARY KEY (term, image_id)) WITHOUT ROWID`;

function open(path: string, variant: Variant): Database {
  const db = new Database(path);
  // As the server's connection (sqlite-connection.ts): deleted rows are overwritten.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA foreign_keys = OFF;
    PRAGMA secure_delete = ${SECURE_DELETE ? "ON" : "OFF"}`);
  for (const m of MIGRATIONS) {
    for (const statement of migrationStatements(m.sql)) db.exec(statement);
  }
  if (variant === "clustered") {
    db.exec("DROP TABLE image_terms");
    db.exec(CLUSTERED_TERMS);
  }
  if (variant === "term-index" || variant === "delta") db.exec("CREATE INDEX image_terms_term ON image_terms (term, image_id)");
  if (variant === "rowless") {
    db.exec("DROP TABLE image_terms");
    db.exec(`CREATE TABLE image_terms (image_id text NOT NULL REFERENCES images(id) ON DELETE CASCADE, kind text NOT NULL, term blob NOT NULL,
      PRIMARY KEY (image_id, term)) WITHOUT ROWID`);
  }
  if (variant === "delta") {
    db.exec("CREATE TABLE image_terms_delta (image_id text NOT NULL, kind text NOT NULL, term blob NOT NULL)");
    db.exec("CREATE INDEX image_terms_delta_term ON image_terms_delta (term, image_id)");
  }
  db.exec(
    "INSERT INTO users (id, username, name, email, password_hash, key_salt, created_at, updated_at) VALUES ('u1', 'ann', 'Ann', '', 'x', x'00', 0, 0)",
  );
  return db;
}

function run(variant: Variant, dir: string): { upload: [number, number]; remove: [number, number] } {
  const path = join(dir, `${variant}.db`);
  const db = open(path, variant);
  const columns = db.query("PRAGMA table_info(images)").all() as { name: string; type: string; notnull: number }[];
  const insertImage = db.prepare(
    `INSERT INTO images (${columns.map((c) => c.name).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  const insertTerm = db.prepare("INSERT INTO image_terms (image_id, kind, term) VALUES (?, 'trigram', ?)");
  const insertDelta =
    variant === "delta" ? db.prepare("INSERT INTO image_terms_delta (image_id, kind, term) VALUES (?, 'trigram', ?)") : undefined;
  const queueJob = db.prepare("INSERT INTO image_media (image_id, status, queued_at) VALUES (?, 'pending', ?)");
  const removeImage = db.prepare("DELETE FROM images WHERE id = ? AND owner_id = 'u1' RETURNING id");
  const removeTerm = db.prepare("DELETE FROM image_terms WHERE term = ? AND image_id = ?");
  const removeDeltaTerms = variant === "delta" ? db.prepare("DELETE FROM image_terms_delta WHERE image_id = ?") : undefined;
  const termsOf = new Map<string, Buffer[]>();
  const ids: string[] = [];
  let clock = 0;

  const value = (c: { name: string; type: string; notnull: number }, id: string): unknown => {
    if (c.name === "id") return id;
    if (c.name === "owner_id") return "u1";
    if (c.name === "visibility") return "private";
    if (c.name === "name_namespace") return "u1";
    if (c.name === "name_index") return randomBytes(16);
    if (c.name.endsWith("_at")) return clock;
    if (c.type === "blob") return randomBytes(48);
    if (/int/i.test(c.type)) return 1;
    return c.notnull ? "x" : null;
  };
  const upload = (intoDelta: boolean) => {
    const id = randomBytes(16).toString("base64url");
    clock += 1;
    insertImage.run(...(columns.map((c) => value(c, id)) as never[]));
    if (variant !== "no-terms") {
      const terms = Array.from({ length: TERMS }, () => randomBytes(16));
      for (const term of terms) (intoDelta && insertDelta ? insertDelta : insertTerm).run(id, term);
      termsOf.set(id, terms);
    }
    queueJob.run(id, clock);
    ids.push(id);
  };
  const remove = (id: string) => {
    removeImage.all(id);
    if (variant === "clustered") for (const term of termsOf.get(id) ?? []) removeTerm.run(term, id);
    removeDeltaTerms?.run(id);
  };

  db.transaction(() => {
    for (let i = 0; i < LIBRARY; i += 1) upload(false);
  })();
  const walFrames = () => Math.max(0, (statSync(`${path}-wal`).size - 32) / WAL_FRAME);
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const measure = (groups: (group: number) => void): [number, number] => {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const frames = walFrames();
    const started = cpu();
    for (let g = 0; g < GROUPS; g += 1) groups(g);
    const ops = GROUP * GROUPS;
    return [(walFrames() - frames) / ops, (cpu() - started) / ops];
  };

  const uploads = measure((g) => {
    db.transaction(() => {
      for (let k = 0; k < GROUP; k += 1) upload(true);
    })();
    if (variant === "delta" && (g + 1) % MERGE_EVERY === 0) {
      db.transaction(() =>
        db.exec("INSERT INTO image_terms SELECT * FROM image_terms_delta ORDER BY term; DELETE FROM image_terms_delta"),
      )();
    }
  });
  // The schema's deletes cascade through the foreign keys, as in the server; the others delete their terms themselves.
  db.exec(`PRAGMA foreign_keys = ${variant === "clustered" || variant === "delta" ? "OFF" : "ON"}`);
  const removes = measure(() => {
    db.transaction(() => {
      for (let k = 0; k < GROUP; k += 1) remove(ids.splice(Math.floor(Math.random() * ids.length), 1)[0]!);
    })();
  });
  db.close();
  return { upload: uploads, remove: removes };
}

const dir = mkdtempSync(join(benchBaseDir(), "pixvault-terms-"));
try {
  console.log(
    `SQLite ${(new Database(":memory:").query("SELECT sqlite_version() AS v").get() as { v: string }).v}, ${LIBRARY} images of ${TERMS} terms stored first, then ${GROUPS} groups of ${GROUP}, secure_delete ${SECURE_DELETE ? "on" : "off"}:`,
  );
  console.log("| variant | WAL pages per upload | CPU per upload, µs | WAL pages per delete | CPU per delete, µs |");
  console.log("|---|---:|---:|---:|---:|");
  for (const variant of ["schema", "term-index", "no-terms", "clustered", "rowless", "delta"] as const) {
    const r = run(variant, dir);
    console.log(`| ${variant} | ${fmt(r.upload[0])} | ${fmt(r.upload[1], 0)} | ${fmt(r.remove[0])} | ${fmt(r.remove[1], 0)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
