// HTTP/1.1 over a bare socket, for requests fetch refuses to send (invalid bytes in the path,
// absurd or lying Content-Length, broken framing) and for uploads that must still be in flight
// when the server is killed.
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  /** Lower-case header names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Writes `request` on a fresh connection and reads one response. Resolves undefined when the
 * server closed the connection, or `timeoutMs` passed, without a complete response head.
 */
export function rawExchange(port: number, request: Uint8Array, timeoutMs = 5_000): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(received, true));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const complete = parseResponse(received, false);
      if (complete) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(complete);
      }
    });
    socket.write(request);
  });
}

/** One response from the start of `data`; with `atEnd`, a body cut short by the close is returned as is. */
function parseResponse(data: Buffer, atEnd: boolean): RawResponse | undefined {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(headEnd + 4);
  if (status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
  const length = headers["content-length"];
  if (length !== undefined) {
    const n = Number(length);
    if (rest.length >= n) return { status, headers, body: rest.subarray(0, n) };
    return atEnd ? { status, headers, body: rest } : undefined;
  }
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const body = dechunk(rest);
    if (body) return { status, headers, body };
    return atEnd ? { status, headers, body: rest } : undefined;
  }
  return atEnd ? { status, headers, body: rest } : undefined;
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/**
 * A request head: request line, `Host`, then the given header lines (a list may repeat a name),
 * then the blank line. Each char is one byte (latin1), so obs-text goes out as written.
 */
export function requestHead(
  method: string,
  target: string,
  headers: Record<string, string | number> | [string, string | number][] = {},
): Buffer {
  const fields = Array.isArray(headers) ? headers : Object.entries(headers);
  const lines = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", ...fields.map(([k, v]) => `${k}: ${v}`)];
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

/** An open connection that has sent a request head and part of its body, for killing the server under it. */
export async function openUpload(port: number, head: Buffer): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.write(head);
  return socket;
}

export interface HeldConnection {
  /** The response received before the server closed the connection, if any. */
  response: RawResponse | undefined;
  /** False when `timeoutMs` passed with the connection still open. */
  closedByServer: boolean;
  /** From the first write to the close (or to the timeout). */
  ms: number;
}

/**
 * Writes `request` (a head without its body, half a head…) and then sends nothing more,
 * waiting for the server to answer and close; `trickle` writes a byte string every 500 ms
 * until then, as a slowloris client does.
 */
export function stallAfter(port: number, request: Uint8Array, timeoutMs: number, trickle?: string): Promise<HeldConnection> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const started = Date.now();
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(dripping);
      socket.destroy();
      resolve({ response: parseResponse(received, true), closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const dripping = trickle === undefined ? undefined : setInterval(() => socket.writable && socket.write(trickle), 500);
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    socket.on("data", (chunk: Buffer) => void (received = Buffer.concat([received, chunk])));
    socket.write(request);
  });
}
