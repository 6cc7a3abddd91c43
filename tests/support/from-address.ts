// Requests sent from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so one test can
// play several clients whose sockets the server tells apart.
import { request } from "node:http";
import type { CallOptions } from "./accounts.ts";

/** Like `call`, but the connection leaves from `localAddress` (any 127.x.y.z works on Linux). */
export function callFrom(localAddress: string, baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
