// nginx serving a directory over WebDAV (PUT, GET, DELETE): the unencrypted ceiling. It runs in
// the foreground from a generated config, so nothing of the system's nginx (config, logs, temp
// dirs, pid file, port 80) is used or touched.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, spawnServer, type Server } from "../lib/server.ts";

function binary(): string | undefined {
  return Bun.which("nginx") ?? ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => existsSync(p));
}

/** `nginx -V` prints its build flags on stderr. */
function buildFlags(bin: string): string {
  const out = spawnSync(bin, ["-V"], { encoding: "utf8" });
  return `${out.stdout}${out.stderr}`;
}

/** Why nginx cannot be benchmarked here, or undefined when it can. */
export function nginxUnavailable(): string | undefined {
  const bin = binary();
  if (!bin) return "nginx not installed (bench/setup-peers.sh needs root and apt)";
  if (!buildFlags(bin).includes("--with-http_dav_module")) return `${bin} lacks the dav module (install nginx-extras)`;
  return undefined;
}

export function nginxVersion(): string {
  const bin = binary();
  return bin ? (/nginx\/(\S+)/.exec(buildFlags(bin))?.[1] ?? "?") : "?";
}

/** Starts nginx on a free 127.0.0.1 port with its config, logs, temp files and documents under `dir`. */
export async function startNginx(dir: string): Promise<Server> {
  const bin = binary()!;
  const root = join(dir, "root");
  // Request bodies are spooled here and then renamed into place, which needs the same filesystem.
  const bodyTemp = join(dir, "body-temp");
  mkdirSync(root, { recursive: true });
  mkdirSync(bodyTemp, { recursive: true });
  // nginx creates every temp dir compiled into it at start-up (Debian's are under /var/lib/nginx);
  // point each one that this build has into `dir`, so a non-root run works and nothing leaks out.
  const flags = buildFlags(bin);
  const otherTemps = ["fastcgi", "proxy", "scgi", "uwsgi"]
    .filter((kind) => flags.includes(`--http-${kind}-temp-path`))
    .map((kind) => `  ${kind}_temp_path ${join(dir, `${kind}-temp`)};`);
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    [
      "daemon off;",
      "master_process on;",
      "worker_processes auto;",
      // As root, workers would otherwise run as nobody and could not write to the 0700 temp dirs.
      ...(process.getuid?.() === 0 ? ["user root root;"] : []),
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")} warn;`,
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      "  sendfile on;",
      "  tcp_nopush on;",
      // The client reuses its connections; nginx's default of 1000 requests would add reconnects to the small-upload run.
      "  keepalive_requests 1000000;",
      "  client_max_body_size 0;",
      `  client_body_temp_path ${bodyTemp};`,
      ...otherTemps,
      "  server {",
      `    listen 127.0.0.1:${port};`,
      `    root ${root};`,
      "    location = /healthz { return 200 'ok\\n'; }",
      "    location / {",
      "      dav_methods PUT DELETE;",
      "      create_full_put_path on;",
      "      dav_access user:rw;",
      "    }",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  return spawnServer({
    // -e: the error log before the config is read (else the compiled-in path, stderr on Debian).
    command: [bin, "-p", dir, "-c", conf, "-e", join(dir, "error.log")],
    logFile: join(dir, "stderr.log"),
    url: `http://127.0.0.1:${port}`,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  });
}
