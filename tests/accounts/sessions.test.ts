// Sessions: logging out ends exactly one session, and no forged, malformed or orphaned
// bearer credential ever gets in (always 401 problem+json with WWW-Authenticate, never 500).
import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { useInProcessServer } from "../support/in-process.ts";
import type { MeBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { call, createApiToken, expectProblem, loginToken, meStatus, registerUser, SecretJar, type TestUser } from "../support/accounts.ts";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

describe("sessions and bearer authentication", () => {
  const suite = useInProcessServer([]);
  const jar = new SecretJar();
  let erin: TestUser;
  let frank: TestUser;

  beforeAll(async () => {
    erin = await registerUser(suite.url, jar, { username: "erin" });
    frank = await registerUser(suite.url, jar, { username: "frank" });
  });

  const expectUnauthorized = async (headers: Record<string, string>, label: string) => {
    const res = await call(suite.url, "GET", "/api/v1/me", { headers });
    expect({ label, status: res.status }).toEqual({ label, status: 401 });
    const body = await expectProblem(res, 401, "unauthorized");
    expect(JSON.stringify(body)).not.toContain(erin.id);
  };

  test("logout is 204 and that token then gets 401; another session of the same user keeps working", async () => {
    const first = await loginToken(suite.url, "erin", erin.password, jar);
    const second = await loginToken(suite.url, "erin", erin.password, jar);
    expect(await meStatus(suite.url, first)).toBe(200);

    const out = await call(suite.url, "DELETE", "/api/v1/sessions/current", { token: first });
    expect(out.status).toBe(204);
    expect(await out.text()).toBe("");

    await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: first }), 401, "unauthorized");
    // Logging out twice with the dead token is refused, not a second 204.
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/sessions/current", { token: first }), 401, "unauthorized");
    expect(await meStatus(suite.url, second)).toBe(200);
    // Logging in again after logout works.
    expect(await meStatus(suite.url, await loginToken(suite.url, "erin", erin.password, jar))).toBe(200);
  });

  test("logout called with an API token does not answer 204 while that token keeps working", async () => {
    const session = await loginToken(suite.url, "erin", erin.password, jar);
    const api = await createApiToken(suite.url, session, erin.password, "logout probe", jar);
    const res = await call(suite.url, "DELETE", "/api/v1/sessions/current", { token: api.token });
    await res.arrayBuffer();
    const stillWorks = (await meStatus(suite.url, api.token)) === 200;
    // Either refuse (4xx: this is not a session) or do what 204 promises ("this token stops working").
    expect({ status: res.status, tokenStillWorks: stillWorks }).not.toEqual({ status: 204, tokenStillWorks: true });
    // The session that created the token is not affected either way.
    expect(await meStatus(suite.url, session)).toBe(200);
  });

  test("logout without a token is 401", async () => {
    await expectProblem(await call(suite.url, "DELETE", "/api/v1/sessions/current"), 401, "unauthorized");
  });

  test("forged JWTs are 401: changed signature, changed payload, alg none, another secret", async () => {
    const token = await loginToken(suite.url, "erin", erin.password, jar);
    const frankToken = await loginToken(suite.url, "frank", frank.password, jar);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = decode(payload);
    expect(claims.sub).toBe(erin.id);

    // Flip the first signature character (the last one may only hold padding bits).
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    await expectUnauthorized({ authorization: `Bearer ${header}.${payload}.${flipped}` }, "signature changed");
    await expectUnauthorized({ authorization: `Bearer ${header}.${payload}.` }, "signature removed");

    // Claim to be frank with erin's signature.
    const asFrank = b64url({ ...claims, sub: frank.id });
    await expectUnauthorized({ authorization: `Bearer ${header}.${asFrank}.${signature}` }, "payload changed");
    // Extend the expiry with the original signature.
    const longer = b64url({ ...claims, exp: claims.exp + 365 * 86400 });
    await expectUnauthorized({ authorization: `Bearer ${header}.${longer}.${signature}` }, "exp changed");
    // Frank's session id under erin's name, with frank's signature.
    const [fHeader, fPayload, fSignature] = frankToken.split(".") as [string, string, string];
    const mixed = b64url({ ...decode(fPayload), sub: erin.id });
    await expectUnauthorized({ authorization: `Bearer ${fHeader}.${mixed}.${fSignature}` }, "sub swapped");

    const none = `${b64url({ alg: "none", typ: "JWT" })}.${payload}.`;
    await expectUnauthorized({ authorization: `Bearer ${none}` }, "alg none");
    const noneKid = `${b64url({ alg: "none", typ: "JWT", kid: decode(header).kid })}.${payload}.`;
    await expectUnauthorized({ authorization: `Bearer ${noneKid}` }, "alg none with kid");

    const otherSecret = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: decode(header).kid })
      .setSubject(erin.id)
      .setJti(claims.jti)
      .setIssuedAt()
      .setExpirationTime(claims.exp)
      .sign(randomBytes(32));
    await expectUnauthorized({ authorization: `Bearer ${otherSecret}` }, "HS256 with another secret");

    // The genuine tokens still work: the 401s above are about the forgeries, not the session.
    expect(await meStatus(suite.url, token)).toBe(200);
    const me = await jsonOf<{ user: MeBody }>(await call(suite.url, "GET", "/api/v1/me", { token: frankToken }));
    expect(me.user.id).toBe(frank.id);
  });

  test("malformed credentials are 401 unauthorized with WWW-Authenticate, never 500", async () => {
    const cases: [string, string][] = [
      ["abc", "Bearer abc"],
      ["a.b.c", "Bearer a.b.c"],
      ["5,000 characters", `Bearer ${"x".repeat(5000)}`],
      ["5,000-character JWT-ish", `Bearer eyJ${"A".repeat(2500)}.${"B".repeat(2500)}.c`],
      ["empty parts", "Bearer .."],
      ["Basic", `Basic ${Buffer.from(`erin:${erin.password}`).toString("base64")}`],
      ["Bearer without token", "Bearer"],
      ["Bearer and spaces", "Bearer    "],
      ["two tokens", "Bearer abc def"],
      ["fake API token", `Bearer pxv_${"A".repeat(43)}`],
      ["API token prefix only", "Bearer pxv_"],
      ["token only", "eyJhbGciOiJIUzI1NiJ9.e30.x"],
    ];
    for (const [label, authorization] of cases) await expectUnauthorized({ authorization }, label);
    await expectUnauthorized({}, "no Authorization header");
  });

  test("a bad token is refused on every account route, not only GET /me", async () => {
    const headers = { authorization: "Bearer a.b.c" };
    for (const [method, path] of [
      ["PATCH", "/api/v1/me"],
      ["PUT", "/api/v1/me/password"],
      ["DELETE", "/api/v1/me"],
      ["GET", "/api/v1/tokens"],
      ["POST", "/api/v1/tokens"],
      ["DELETE", "/api/v1/tokens/abc"],
    ] as const) {
      const res = await call(suite.url, method, path, { headers, ...(method === "GET" ? {} : { json: {} }) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      await expectProblem(res, 401, "unauthorized");
    }
  });

  test("the session and API tokens of a deleted user are 401", async () => {
    const gone = await registerUser(suite.url, jar);
    const token = await loginToken(suite.url, gone.username, gone.password, jar);
    const second = await loginToken(suite.url, gone.username, gone.password, jar);
    const api = await createApiToken(suite.url, token, gone.password, "script", jar);
    expect(await meStatus(suite.url, api.token)).toBe(200);

    const del = await call(suite.url, "DELETE", "/api/v1/me", { token, json: { password: gone.password } });
    expect(del.status).toBe(204);
    for (const t of [token, second, api.token]) {
      await expectProblem(await call(suite.url, "GET", "/api/v1/me", { token: t }), 401, "unauthorized");
    }
  });

  test("no password or token used here appears in the server log", () => {
    const output = suite.server.output();
    expect(output).toContain('"status":401');
    const kinds = jar.kinds();
    expect(kinds.jwts).toBeGreaterThanOrEqual(6);
    expect(kinds.apiTokens).toBeGreaterThanOrEqual(1);
    expect(jar.foundIn(output)).toEqual([]);
  });
});
