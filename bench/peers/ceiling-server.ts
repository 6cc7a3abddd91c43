// The ceiling ladder's server (bench/ceiling.ts): the least work a durable encrypted upload and a
// delete can do on one Bun event loop, one rung at a time, so the harness can show what each
// layer costs against rclone's crypt remote. Not pixvault: no accounts, no HTTP app, no previews.
// The durable parts are pixvault's own (its disk blob writer, its WAL fsync); the rest is minimal.
//   CEILING_RUNG=http   drain the body, answer 201 with a small JSON body; DELETE answers 204
//              blob   + sha256, AES-256-GCM under a per-file HKDF key, the blob written by
//                     pixvault's disk blob writer (temp file fsynced, renamed into the fan-out,
//                     the directory fsynced); DELETE unlinks it
//              row    + one row per upload in a WAL-mode SQLite file (libsql, synchronous=NORMAL,
//                     pixvault's WalSync: one shared WAL fsync per group of commits);
//                     DELETE deletes the row first
// Run by bench/ceiling.ts: bun bench/peers/ceiling-server.ts PORT DIR
import { createCipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import Database from "libsql";
import { blobPath } from "../../src/store/blob-layout.ts";
import { createDiskBlobWriter } from "../../src/store/disk-blob-writer.ts";
import { WalSync } from "../../src/store/wal-sync.ts";

const [port, dir] = [Number(process.argv[2]), process.argv[3]!];
const rung = process.env.CEILING_RUNG ?? "http";
const master = randomBytes(32);

const dbPath = join(dir, "ceiling.db");
const db = rung === "row" ? new Database(dbPath) : undefined;
db?.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
db?.exec("CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, iv BLOB NOT NULL)");
const insert = db?.prepare("INSERT INTO blobs (name, bytes, sha256, iv) VALUES (?, ?, ?, ?)");
const remove = db?.prepare("DELETE FROM blobs WHERE name = ?");
const wal = db ? new WalSync(dbPath) : undefined;

/** Settles once the commits made so far are on stable storage. */
const walDurable = (sync: WalSync) => new Promise<void>((resolve, reject) => sync.after([{ resolve, reject }]));

/** A blob id for a client's file name: hex, as the fan-out expects. */
const blobId = (name: string) => createHash("sha256").update(name).digest("hex");

async function store(name: string, body: Buffer): Promise<void> {
  const sha256 = createHash("sha256").update(body).digest("hex");
  const iv = randomBytes(12);
  const key = Buffer.from(hkdfSync("sha256", master, iv, "blob", 32));
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const writer = await createDiskBlobWriter(dir, blobId(name));
  await writer.write([cipher.update(body), cipher.final(), cipher.getAuthTag()]);
  await writer.commit();
  if (insert && wal) {
    insert.run(name, body.length, sha256, iv);
    await walDurable(wal);
  }
}

async function destroy(name: string): Promise<void> {
  if (remove && wal) {
    remove.run(name);
    await walDurable(wal);
  }
  await fs.unlink(blobPath(dir, blobId(name))).catch(() => {});
}

createServer(async (req, res) => {
  const name = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.slice(1));
  if (req.method === "GET") {
    res.writeHead(200, { "content-length": 2 }).end("ok");
    return;
  }
  if (req.method === "DELETE") {
    if (rung !== "http") await destroy(name);
    res.writeHead(204).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (rung !== "http") await store(name, body);
  const json = JSON.stringify({ created: [{ id: name, bytes: body.length, rung }] });
  res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(json) }).end(json);
}).listen(port, "127.0.0.1");
