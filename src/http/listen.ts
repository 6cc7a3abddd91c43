// The HTTP(S) listener: node:http (as Bun implements it) in front of the Hono app.
//
// Not Bun.serve: it drops a handler's Content-Length on streamed bodies and sends them chunked
// (oven-sh/bun#10507, open in 1.4.5), and archives and large images stream with a length the
// SPEC requires (download progress, resumable ranges). node:http keeps it.
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { nodeHandler, type FetchHandler } from "./node-adapter.ts";
import { PROBLEM_CONTENT_TYPE, problemBody } from "./problem.ts";

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface Listener {
  /** Where it listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  readonly url: string;
  /** Stops accepting; resolves when in-flight requests have finished. */
  stop(): Promise<void>;
  /** Ends every open connection now (second signal, or grace period over). */
  closeConnections(): void;
}

/**
 * A request the HTTP parser rejects (not HTTP, bad framing, headers too large) never reaches
 * the app: it gets a problem+json 400 too, instead of a bare status line, and the connection
 * closes (the parser has lost its place in the stream).
 */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const detail = error.code === "HPE_HEADER_OVERFLOW" ? "the request headers are too large" : "the request is not valid HTTP/1.1";
  const body = JSON.stringify(problemBody({ code: "bad_request", detail }));
  socket.end(
    "HTTP/1.1 400 Bad Request\r\n" +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${crypto.randomUUID()}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function listen(fetch: FetchHandler, options: ListenOptions): Promise<Listener> {
  const tls = options.tls;
  const handler = nodeHandler(fetch, tls ? "https" : "http");
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler)
    : createHttpServer(handler);
  // A 20 GB archive or upload may take longer than Node's default 5-minute request timeout;
  // slow-header clients are still cut off.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.on("clientError", answerUnparsable);

  // While stopping, every response closes its connection when it ends, so close() can finish
  // as soon as the last in-flight request has been answered.
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("Connection", "close");
    res.once("finish", () => res.socket?.end());
  };
  server.prependListener("request", (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    if (stopping) closeAfter(res);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        url: `${tls ? "https" : "http"}://${host}:${address.port}`,
        stop: () =>
          new Promise<void>((done) => {
            stopping = true;
            for (const res of inFlight) closeAfter(res);
            server.close(() => done());
            // Keep-alive connections with no request in flight would hold close() open.
            server.closeIdleConnections();
          }),
        closeConnections: () => server.closeAllConnections(),
      });
    });
  });
}
