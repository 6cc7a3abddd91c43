// The servers every workload runs against, behind one interface: store bytes under a name,
// fetch them back, delete them, report memory. pixvault speaks its API (bearer token, raw-body
// upload, /content download, DELETE of the image); the peers speak WebDAV (PUT, GET and DELETE
// of a path).
import { join } from "node:path";
import { loginToken, registerUser } from "../tests/support/accounts.ts";
import { memoryOf, resetPeak, type Memory } from "./lib/proc.ts";
import type { Server } from "./lib/server.ts";
import { digestStream } from "./lib/stats.ts";
import { nginxUnavailable, nginxVersion, startNginx } from "./peers/nginx.ts";
import { rcloneUnavailable, rcloneVersion, startRclone } from "./peers/rclone.ts";
import { startPixvault, type PixvaultBuild } from "./pixvault.ts";

export interface Target {
  readonly name: string;
  readonly server: Server;
  upload(name: string, body: Uint8Array | Blob): Promise<void>;
  /** Streams the stored bytes through sha256. */
  download(name: string): Promise<{ bytes: number; sha256: string }>;
  /** Deletes what was stored under `name`. */
  remove(name: string): Promise<void>;
  /** Resident memory of the server's processes, now and peak (VmHWM). */
  rss(): Memory;
  /** Starts a new VmHWM window; false where the kernel does not allow it. */
  resetPeak(): boolean;
  /** pixvault only: `GET /api/v1/images/archive?ids=…` of these stored names, the response unread. */
  archive?(names: string[]): Promise<Response>;
}

export type TargetName = "nginx" | "rclone" | "pixvault";

export interface TargetKind {
  readonly name: TargetName;
  /** For the table's header. */
  readonly label: string;
  /** Why it cannot run here, or undefined. */
  unavailable(): string | undefined;
  /** Version and set-up, for the report. */
  describe(): string;
  /** A server on a fresh (or, for a second start, existing) state dir; its coldStartMs is set. */
  start(dir: string): Promise<Server>;
  /** A started server made ready for uploads (pixvault: an account, logged in). */
  connect(server: Server): Promise<Target>;
}

async function check(res: Response, expected: number[], what: string): Promise<Response> {
  if (!expected.includes(res.status)) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

function withMemory(server: Server) {
  return { rss: () => memoryOf(server.pids()), resetPeak: () => resetPeak(server.pids()) };
}

/** Where a WebDAV peer keeps `name`: flat, since rclone answers 404 to a PUT into a missing collection. */
export const webdavUrl = (server: Server, name: string) => `${server.url}/${encodeURIComponent(name)}`;

function webdavTarget(name: string, server: Server): Target {
  return {
    name,
    server,
    ...withMemory(server),
    upload: async (file, body) => {
      const res = await check(await fetch(webdavUrl(server, file), { method: "PUT", body }), [201, 204], `PUT ${file}`);
      await res.arrayBuffer();
    },
    download: async (file) => {
      const res = await check(await fetch(webdavUrl(server, file)), [200], `GET ${file}`);
      return digestStream(res.body!);
    },
    remove: async (file) => {
      const res = await check(await fetch(webdavUrl(server, file), { method: "DELETE" }), [200, 204], `DELETE ${file}`);
      await res.arrayBuffer();
    },
  };
}

async function pixvaultTarget(server: Server): Promise<Target> {
  const user = await registerUser(server.url);
  const token = await loginToken(server.url, user.username, user.password);
  const auth = { authorization: `Bearer ${token}` };
  const ids = new Map<string, string>();
  const idOf = (file: string) => {
    const id = ids.get(file);
    if (!id) throw new Error(`${file} was never uploaded`);
    return id;
  };
  return {
    name: "pixvault",
    server,
    ...withMemory(server),
    upload: async (file, body) => {
      const res = await check(
        await fetch(`${server.url}/api/v1/images?${new URLSearchParams({ filename: file })}`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/octet-stream" },
          body,
        }),
        [201],
        `upload of ${file}`,
      );
      ids.set(file, ((await res.json()) as { created: { id: string }[] }).created[0]!.id);
    },
    download: async (file) => {
      const res = await check(
        await fetch(`${server.url}/api/v1/images/${idOf(file)}/content`, { headers: auth }),
        [200],
        `download of ${file}`,
      );
      return digestStream(res.body!);
    },
    remove: async (file) => {
      const res = await check(
        await fetch(`${server.url}/api/v1/images/${idOf(file)}`, { method: "DELETE", headers: auth }),
        [204],
        `delete of ${file}`,
      );
      await res.arrayBuffer();
      ids.delete(file);
    },
    archive: async (files) => {
      const selected = files.map(idOf).join(",");
      return fetch(`${server.url}/api/v1/images/archive?${new URLSearchParams({ ids: selected })}`, { headers: auth });
    },
  };
}

export function targetKinds(pixvault: PixvaultBuild): TargetKind[] {
  return [
    {
      name: "nginx",
      label: "nginx WebDAV",
      unavailable: nginxUnavailable,
      describe: () => `nginx ${nginxVersion()}, dav module (PUT, GET, DELETE), worker_processes auto, sendfile; writes without fsync`,
      start: startNginx,
      connect: async (server) => webdavTarget("nginx", server),
    },
    {
      name: "rclone",
      label: "rclone crypt WebDAV",
      unavailable: rcloneUnavailable,
      describe: () =>
        `rclone ${rcloneVersion()}, \`serve webdav\` over a crypt remote on a local directory, --vfs-cache-mode off; writes without fsync`,
      start: startRclone,
      connect: async (server) => webdavTarget("rclone", server),
    },
    {
      name: "pixvault",
      label: "pixvault",
      unavailable: () => undefined,
      describe: () => `${pixvault.description}; uploads are durable (each blob fsynced before its row commits)`,
      start: (dir) => startPixvault(pixvault, join(dir, "data"), join(dir, "pixvault.log")),
      connect: pixvaultTarget,
    },
  ];
}
