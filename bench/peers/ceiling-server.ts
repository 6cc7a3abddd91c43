// The ceiling ladder's server (bench/ceiling.ts): the least work a durable encrypted upload and a
// delete can do on one Bun event loop, one rung at a time, so the harness can show what each
// layer costs against rclone's crypt remote. Not pixvault: no accounts, no HTTP app, no previews.
//   CEILING_RUNG=http   drain the body, answer 201 with a small JSON body; DELETE answers 204
//              blob   + sha256, AES-256-GCM under a per-file HKDF key, the blob written to a temp
//                     file, fsynced, renamed into a two-level fan-out directory, that fsynced;
//                     DELETE unlinks it
//              row    + one row per upload in a WAL-mode SQLite file (libsql, synchronous=NORMAL,
//                     one shared WAL fsync per group of commits, as pixvault's store does);
//                     DELETE deletes the row first
// Run by bench/ceiling.ts: bun bench/peers/ceiling-server.ts PORT DIR
import { createCipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { closeSync, fsync, mkdirSync, open, promises as fs, writevSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "libsql";

const [port, dir] = [Number(process.argv[2]), process.argv[3]!];
const rung = process.env.CEILING_RUNG ?? "http";
const fsyncFd = promisify(fsync);
const openFd = promisify(open);
const master = randomBytes(32);
const tmp = join(dir, ".tmp");
mkdirSync(tmp, { recursive: true });
const made = new Set<string>();

const db = rung === "row" ? new Database(join(dir, "ceiling.db")) : undefined;
db?.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
db?.exec("CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, iv BLOB NOT NULL)");
const insert = db?.prepare("INSERT INTO blobs (name, bytes, sha256, iv) VALUES (?, ?, ?, ?)");
const remove = db?.prepare("DELETE FROM blobs WHERE name = ?");
let walSync: Promise<void> | undefined;
let walWaiting: (() => void)[] = [];
const wal = db ? await fs.open(join(dir, "ceiling.db-wal"), "r") : undefined;

/** One fsync of the WAL covers every commit made before it started (pixvault's WalSync, reduced). */
function walDurable(): Promise<void> {
  return new Promise((resolve) => {
    walWaiting.push(resolve);
    if (!walSync)
      walSync = (async () => {
        while (walWaiting.length > 0) {
          const batch = walWaiting;
          walWaiting = [];
          await wal!.sync();
          for (const done of batch) done();
        }
        walSync = undefined;
      })();
  });
}

const pathOf = (name: string) => {
  const hex = createHash("sha256").update(name).digest("hex");
  return { dir: join(dir, hex.slice(0, 2), hex.slice(2, 4)), file: join(dir, hex.slice(0, 2), hex.slice(2, 4), hex) };
};

async function store(name: string, body: Buffer): Promise<void> {
  const sha256 = createHash("sha256").update(body).digest("hex");
  const iv = randomBytes(12);
  const key = Buffer.from(hkdfSync("sha256", master, iv, "blob", 32));
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = [cipher.update(body), cipher.final(), cipher.getAuthTag()];
  const temp = join(tmp, `${randomBytes(6).toString("hex")}.tmp`);
  const fd = await openFd(temp, "wx", 0o600);
  try {
    writevSync(fd, sealed);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
  const where = pathOf(name);
  if (!made.has(where.dir)) {
    await fs.mkdir(where.dir, { recursive: true });
    made.add(where.dir);
  }
  await fs.rename(temp, where.file);
  const dirFd = await openFd(where.dir, "r");
  try {
    await fsyncFd(dirFd);
  } finally {
    closeSync(dirFd);
  }
  if (insert) {
    insert.run(name, body.length, sha256, iv);
    await walDurable();
  }
}

async function destroy(name: string): Promise<void> {
  if (remove) {
    remove.run(name);
    await walDurable();
  }
  await fs.unlink(pathOf(name).file).catch(() => {});
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
