// The HTTP side of the client: one request to the server with the bearer token, and the
// server's problem+json turned into an ApiError (a 401 into AuthError: exit 3).

/** Where and how to reach the server. */
export interface Connection {
  readonly server: string;
  readonly token?: string;
  readonly insecureSkipVerify: boolean;
}

/** The server answered with an error (problem+json when it is pixvault). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** The rest of the problem body (e.g. `missing`, `offset`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

/** 401: the token or the password was refused. */
export class AuthError extends ApiError {
  override name = "AuthError";
}

/** The server could not be reached, or the connection broke. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

export interface RequestOptions {
  readonly json?: unknown;
  readonly body?: RequestInit["body"];
  readonly headers?: Record<string, string>;
  /** Another bearer token than the connection's (login's short-lived session). */
  readonly token?: string;
  readonly signal?: AbortSignal;
}

export class Api {
  constructor(readonly connection: Connection) {}

  /** The response whatever its status; network failures become ConnectionError. Redirects are not followed. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    const token = options.token ?? this.connection.token;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    const url = this.url(path);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        // The token must not follow a redirect to another place; the user should fix --server instead.
        redirect: "manual",
        ...(this.connection.insecureSkipVerify ? { tls: { rejectUnauthorized: false } } : {}),
      });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      throw new ConnectionError(`cannot reach ${this.connection.server}: ${networkReason(e)}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
      await res.body?.cancel();
      const to = res.headers.get("location");
      throw new ApiError(res.status, "redirected", `the server redirects to ${to}: log in with that address as --server`);
    }
    return res;
  }

  /** A JSON answer with one of the `expected` statuses, else the server's problem as an ApiError. */
  async json<T>(method: string, path: string, options: RequestOptions = {}, expected: readonly number[] = [200, 201]): Promise<T> {
    const res = await this.send(method, path, options);
    if (!expected.includes(res.status)) throw await problemOf(res);
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(
        res.status,
        "bad_response",
        `${method} ${path} did not answer JSON; is ${this.connection.server} a pixvault server?`,
      );
    }
  }

  /** A request whose answer has no body worth reading (204). */
  async call(method: string, path: string, options: RequestOptions = {}, expected: readonly number[] = [200, 201, 204]): Promise<Response> {
    const res = await this.send(method, path, options);
    if (!expected.includes(res.status)) throw await problemOf(res);
    await res.body?.cancel();
    return res;
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.connection.server}${path}`;
  }
}

/** The error an unexpected answer stands for (its problem+json when there is one). */
export async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const text = await res.text();
    const parsed: unknown = text === "" ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  const { code, detail, title: _t, type: _ty, status: _s, ...extra } = body;
  const codeText = typeof code === "string" ? code : (res.statusText || "error").toLowerCase().replaceAll(" ", "_");
  const detailText = oneLine(typeof detail === "string" ? detail : `HTTP ${res.status}`);
  return res.status === 401 ? new AuthError(401, codeText, detailText, extra) : new ApiError(res.status, codeText, detailText, extra);
}

function networkReason(e: unknown): string {
  const error = e as { code?: string; message?: string };
  const code = error.code ? `${error.code}: ` : "";
  return oneLine(`${code}${error.message ?? String(e)}`);
}

const oneLine = (text: string) => text.split("\n", 1)[0]!.slice(0, 500);
