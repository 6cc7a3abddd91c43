// Helpers for the account, session and API-token tests: a tiny HTTP client, fresh users
// with strong passwords, problem+json assertions and a jar of secrets that must never
// reach the server's log.
import { expect } from "bun:test";
import { randomBytes } from "node:crypto";
import type { ApiTokenBody, Problem, SessionBody, UserBody } from "./api-bodies.ts";
import { jsonOf } from "./http.ts";

export interface CallOptions {
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as-is (with whatever content-type `headers` says). */
  body?: RequestInit["body"];
  /** `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/** One request to the server; the response is returned untouched. */
export function call(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: RequestInit["body"] = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  return fetch(`${baseUrl}${path}`, { method, headers, body });
}

let counter = 0;

/** A username nobody has used yet in this run (lowercase letters and digits, ≤ 32 chars). */
export function freshUsername(prefix = "user"): string {
  counter += 1;
  return `${prefix}${counter}${randomBytes(3).toString("hex")}`.toLowerCase().slice(0, 32);
}

/** A password zxcvbn scores 4: random, long, unrelated to the user. */
export function strongPassword(): string {
  return `Pv-${randomBytes(12).toString("base64url")}-q9`;
}

/** Every credential a test file sees, so the last test can check the log for each. */
export class SecretJar {
  private readonly secrets = new Set<string>();

  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v) this.secrets.add(v);
  }

  /** The remembered secrets that occur in `text` (JWTs are also checked by their signature part). */
  foundIn(text: string): string[] {
    const found: string[] = [];
    for (const s of this.secrets) {
      const parts = s.split(".");
      const signature = parts.length === 3 ? parts[2] : undefined;
      if (text.includes(s) || (signature && signature.length >= 20 && text.includes(signature))) found.push(s);
    }
    return found;
  }

  get size(): number {
    return this.secrets.size;
  }

  kinds(): { passwords: number; jwts: number; apiTokens: number } {
    let jwts = 0;
    let apiTokens = 0;
    for (const s of this.secrets) {
      if (s.startsWith("pxv_")) apiTokens += 1;
      else if (/^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(s)) jwts += 1;
    }
    return { passwords: this.secrets.size - jwts - apiTokens, jwts, apiTokens };
  }
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
  name: string;
  email: string;
}

/** Registers a user with a strong password (asserting 201) and remembers the password. */
export async function registerUser(baseUrl: string, jar?: SecretJar, overrides: Partial<Omit<TestUser, "id">> = {}): Promise<TestUser> {
  const username = overrides.username ?? freshUsername();
  const input = {
    name: overrides.name ?? `Test ${username}`,
    username,
    email: overrides.email ?? `${username}@example.com`,
    password: overrides.password ?? strongPassword(),
  };
  jar?.add(input.password);
  const res = await call(baseUrl, "POST", "/api/v1/users", { json: input });
  const body = await jsonOf<{ user: UserBody }>(res);
  if (res.status !== 201) throw new Error(`registration of ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return { ...input, id: body.user.id, username: body.user.username };
}

/** Logs in (asserting 201) and returns the session JWT, remembered as a secret. */
export async function loginToken(baseUrl: string, username: string, password: string, jar?: SecretJar): Promise<string> {
  const res = await call(baseUrl, "POST", "/api/v1/sessions", { json: { username, password } });
  const body = await jsonOf<SessionBody>(res);
  if (res.status !== 201) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  jar?.add(body.token);
  return body.token;
}

/**
 * Creates an API token (asserting 201) and returns {id, token}, remembering the secret.
 * `password` is the user's current password, which the server asks for before it mints a token.
 */
export async function createApiToken(
  baseUrl: string,
  sessionToken: string,
  password: string,
  name: string,
  jar?: SecretJar,
): Promise<{ id: string; token: string }> {
  const res = await call(baseUrl, "POST", "/api/v1/tokens", { token: sessionToken, json: { name, password } });
  const body = await jsonOf<ApiTokenBody & { token: string }>(res);
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${JSON.stringify(body)}`);
  jar?.add(body.token);
  return { id: body.id, token: body.token };
}

/** Asserts a problem+json response with this status and code, and returns its body. */
export async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = JSON.parse(text) as Problem;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(body.type).toBe(`urn:pixvault:problem:${code}`);
  if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
  return body;
}

/** The `field` of every entry in a validation_failed body, sorted. */
export function invalidFields(body: Problem): string[] {
  expect(Array.isArray(body.errors)).toBe(true);
  for (const e of body.errors) {
    expect(typeof e.field).toBe("string");
    expect(typeof e.message).toBe("string");
    expect(e.message.length).toBeGreaterThan(0);
  }
  return [...new Set<string>(body.errors.map((e) => e.field))].sort();
}

/** GET /api/v1/me with this bearer token; just the status. */
export async function meStatus(baseUrl: string, token: string): Promise<number> {
  const res = await call(baseUrl, "GET", "/api/v1/me", { token });
  await res.arrayBuffer();
  return res.status;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface SignedInUser {
  user: TestUser;
  token: string;
}

/** A fresh user, registered and logged in. */
export async function signedInUser(baseUrl: string, jar?: SecretJar): Promise<SignedInUser> {
  const user = await registerUser(baseUrl, jar);
  return { user, token: await loginToken(baseUrl, user.username, user.password, jar) };
}
