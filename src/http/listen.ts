// The HTTP(S) listener: node:http (as Bun implements it) in front of the Hono app.
//
// Not Bun.serve: it drops a handler's Content-Length on streamed bodies and sends them chunked
// (oven-sh/bun#10507, open in 1.4.5), and archives and large images stream with their exact
// length (download progress, resumable ranges: README, Images and Zip archives). node:http keeps it.
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { nodeHandler, type FetchHandler } from "./node-adapter.ts";
import type { ErrorCode } from "../domain/errors.ts";
import { PROBLEM_CONTENT_TYPE, problemBody } from "./problem.ts";

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** From connecting (or the previous response) to a complete request head (default 30 s). */
  readonly headerTimeoutMs?: number;
  /** How long a request body may send nothing (default 60 s). */
  readonly bodyIdleTimeoutMs?: number;
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
  socket.end(rawProblem("400 Bad Request", "bad_request", detail));
}

/** A whole problem+json response as bytes for a socket, for answers the app never sees. */
function rawProblem(statusLine: string, code: ErrorCode, detail: string): string {
  const body = JSON.stringify(problemBody({ code, detail }));
  return (
    `HTTP/1.1 ${statusLine}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `x-request-id: ${crypto.randomUUID()}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`
  );
}

/**
 * Every request head must be complete within `ms` of the connection opening or of the
 * previous response: a client that trickles header bytes (slowloris) would otherwise hold a
 * socket, its buffers and a file descriptor for as long as it likes. A deadline, not an idle
 * timer, since each trickled byte would reset an idle timer.
 */
function watchHeads(server: Server, ms: number): void {
  const deadlines = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const awaitHead = (socket: Socket) => {
    clearTimeout(deadlines.get(socket));
    deadlines.set(socket, setTimeout(() => answerSlowHead(socket), ms).unref());
  };
  // Bun emits "connection" for TLS once the handshake is done, with the socket requests carry.
  server.on("connection", (socket: Socket) => {
    awaitHead(socket);
    socket.once("close", () => clearTimeout(deadlines.get(socket)));
  });
  server.prependListener("request", (req, res: ServerResponse) => {
    const socket = req.socket;
    clearTimeout(deadlines.get(socket));
    // On a kept-alive connection the next head gets the same time.
    res.once("finish", () => {
      if (!socket.destroyed) awaitHead(socket);
    });
  });
}

function answerSlowHead(socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawProblem("408 Request Timeout", "request_timeout", "the request headers did not arrive in time"));
  // A client that never reads or closes must not keep the socket either.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

export function listen(fetch: FetchHandler, options: ListenOptions): Promise<Listener> {
  const tls = options.tls;
  const handler = nodeHandler(fetch, tls ? "https" : "http", { bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? 60_000 });
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler)
    : createHttpServer(handler);
  // A 20 GB archive or upload may take longer than any whole-request limit, so there is none;
  // stalls are limited instead. Bun 1.4.5's node:http ignores headersTimeout and requestTimeout
  // (measured: a half-sent head or a silent body stayed open for minutes), so the head
  // deadline is ours (below) and the body's idle limit is the adapter's. keepAliveTimeout it
  // honours.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  server.on("clientError", answerUnparsable);
  watchHeads(server, options.headerTimeoutMs ?? 30_000);

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
