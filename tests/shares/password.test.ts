// Password-protected share links over HTTP to the in-process app: the form page (and its CSP),
// the password by POST only, a short-lived cookie scoped to the one link, and throttled guessing
// (per (link, address) and per address, with the login limits: 3 and 6, a 2 s window the tests
// pass by moving the app's clock).
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import { expectProblem, invalidFields, SecretJar, signedInUser, type SignedInUser } from "../support/accounts.ts";
import { bytesOf, uploadOne } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { createShare, openShare, postPassword, unlockCookie, type CreatedShare } from "../support/shares-api.ts";

const WINDOW_MS = 2000;
const PER_LINK = 3;
const PER_IP = 6;
const PASSWORD = "correct horse share";
const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

describe("password-protected share links", () => {
  const suite = useInProcessServer([
    "--login-max-failures",
    String(PER_LINK),
    "--login-max-failures-per-ip",
    String(PER_IP),
    "--login-window",
    `${WINDOW_MS / 1000}s`,
  ]);
  const jar = new SecretJar();
  let alice: SignedInUser;
  let bytes: Buffer;
  let imageId: string;
  const locked = (options: { expiresInSeconds?: number; password?: string } = {}): Promise<CreatedShare> =>
    createShare(suite.url, alice.token, imageId, { password: PASSWORD, ...options }, jar);
  const waitForWindowToEnd = async () => suite.app.clock.advance(WINDOW_MS + 300);

  /** Unlocks with the right password and returns the `pxv_share=…` pair to send back. */
  async function unlock(link: CreatedShare): Promise<string> {
    const res = await postPassword(suite.url, link.token, PASSWORD);
    expect(res.status).toBe(303);
    const cookie = unlockCookie(res)!;
    jar.add(cookie.pair.slice("pxv_share=".length));
    return cookie.pair;
  }

  beforeAll(async () => {
    alice = await signedInUser(suite.url, jar);
    bytes = noisePng({ width: 32, height: 32, seed: 99 });
    imageId = (await uploadOne(suite.url, alice.token, { name: "locked.png", bytes })).id;
  });

  test("without the cookie the link answers a self-contained form under a strict CSP, not the image", async () => {
    const link = await locked();
    for (const headers of [{}, HTML, { accept: "application/json" }]) {
      const res = await openShare(suite.url, link.token, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("etag")).toBeNull();
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toContain("unsafe-inline");
      const html = await res.text();
      expect(html).toMatch(/<form method="post">/);
      expect(html).toContain('type="password"');
      expect(html).toContain('name="password"');
      // Nothing that the CSP would block or that loads from elsewhere; the form posts back to the link.
      expect(html).not.toMatch(/<script|<style|style=|<link|<img|src=|action=|https?:\/\//i);
    }
    // A password in the url is never read: the form again.
    const inUrl = await fetch(`${suite.url}/s/${link.token}?password=${encodeURIComponent(PASSWORD)}`);
    expect(inUrl.headers.get("content-type")).toStartWith("text/html");
    await inUrl.arrayBuffer();
  });

  test("the right password (form post) → 303 to the link with an HttpOnly, SameSite=Strict cookie scoped to it → the image", async () => {
    const link = await locked();
    const res = await postPassword(suite.url, link.token, PASSWORD, { headers: HTML });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(link.url);
    const cookie = unlockCookie(res)!;
    jar.add(cookie.pair.slice("pxv_share=".length));
    const attributes = cookie.attributes.map((a) => a.toLowerCase());
    expect(attributes).toContain(`path=/s/${link.token}`.toLowerCase());
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=strict");
    expect(attributes).toContain("max-age=600");
    expect(attributes).not.toContain("secure"); // plain http here; see the https test below

    const image = await openShare(suite.url, link.token, { headers: { cookie: cookie.pair } });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect((await bytesOf(image)).equals(bytes)).toBe(true);
    // Ranges work once unlocked too.
    const range = await openShare(suite.url, link.token, { headers: { cookie: cookie.pair, range: "bytes=0-7" } });
    expect(range.status).toBe(206);
    expect((await bytesOf(range)).equals(bytes.subarray(0, 8))).toBe(true);
  });

  test("curl can send the password as JSON; a missing password is 422 and one in the query string is ignored", async () => {
    const link = await locked();
    const res = await postPassword(suite.url, link.token, PASSWORD, { json: true });
    expect(res.status).toBe(303);
    expect(unlockCookie(res)).toBeDefined();
    jar.add(unlockCookie(res)!.pair.slice("pxv_share=".length));

    const empty = await fetch(`${suite.url}/s/${link.token}?password=${encodeURIComponent(PASSWORD)}`, {
      method: "POST",
      redirect: "manual",
    });
    expect(invalidFields(await expectProblem(empty, 422, "validation_failed"))).toEqual(["password"]);
    const blank = await postPassword(suite.url, link.token, "", { json: true });
    expect(invalidFields(await expectProblem(blank, 422, "validation_failed"))).toEqual(["password"]);
  });

  test("a cookie opens only its own link, and not after the links are revoked", async () => {
    const first = await locked();
    const second = await locked();
    const cookie = await unlock(first);
    const other = await openShare(suite.url, second.token, { headers: { cookie } });
    expect(other.headers.get("content-type")).toStartWith("text/html");
    await other.arrayBuffer();
    // A forged or foreign cookie value is no proof either: a link token is not an unlock proof.
    for (const value of [second.token, alice.token, "garbage"]) {
      const res = await openShare(suite.url, second.token, { headers: { cookie: `pxv_share=${value}` } });
      expect(res.headers.get("content-type")).toStartWith("text/html");
      await res.arrayBuffer();
    }
    const del = await fetch(`${suite.url}/api/v1/images/${imageId}/shares`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(del.status).toBe(204);
    await expectProblem(await openShare(suite.url, first.token, { headers: { cookie } }), 404, "not_found");
    await expectProblem(await postPassword(suite.url, first.token, PASSWORD), 404, "not_found");
  });

  test("a wrong password is 401 problem+json for API clients and the form with an error for browsers", async () => {
    await waitForWindowToEnd();
    const link = await locked();
    await expectProblem(await postPassword(suite.url, link.token, "not the password", { json: true }), 401, "invalid_credentials");
    const page = await postPassword(suite.url, link.token, "not the password either", { headers: HTML });
    expect(page.status).toBe(401);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    expect(page.headers.get("set-cookie")).toBeNull();
    const html = await page.text();
    expect(html).toContain('role="alert"');
    expect(html).not.toContain("not the password either");
  });

  test(`after ${PER_LINK} wrong passwords the link is throttled (429 + Retry-After), even for the right one; after the window it opens`, async () => {
    await waitForWindowToEnd();
    const link = await locked();
    for (let i = 0; i < PER_LINK; i++)
      await expectProblem(await postPassword(suite.url, link.token, `wrong ${i}`), 401, "invalid_credentials");
    const blocked = await postPassword(suite.url, link.token, PASSWORD);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    await expectProblem(blocked, 429, "rate_limited");
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(blocked.headers.get("set-cookie")).toBeNull();
    // Browsers see the form saying so, with the same Retry-After.
    const page = await postPassword(suite.url, link.token, PASSWORD, { headers: HTML });
    expect(page.status).toBe(429);
    expect(page.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await page.text()).toContain("Too many wrong passwords");
    // Another link from the same address is not locked by this one's failures.
    const other = await locked();
    expect((await postPassword(suite.url, other.token, PASSWORD)).status).toBe(303);

    suite.app.clock.advance(retryAfter * 1000 + 300);
    expect((await postPassword(suite.url, link.token, PASSWORD)).status).toBe(303);
  });

  test(`one address guessing at many links is throttled after ${PER_IP} failures`, async () => {
    await waitForWindowToEnd();
    const links = await Promise.all([locked(), locked(), locked()]);
    for (const link of links.slice(0, 2)) {
      for (let i = 0; i < PER_LINK; i++)
        await expectProblem(await postPassword(suite.url, link.token, `guess ${i}`), 401, "invalid_credentials");
    }
    await expectProblem(await postPassword(suite.url, links[2]!.token, "guess"), 429, "rate_limited");
  });

  test("no link token, password or unlock cookie appears in the server log", async () => {
    await Bun.sleep(50);
    expect(jar.foundIn(suite.server.output())).toEqual([]);
    expect(suite.server.output()).not.toContain(PASSWORD);
  });
});

describe("password-protected share links behind https (--public-url https://…)", () => {
  const suite = useInProcessServer(["--public-url", "https://pix.example.org/gallery"]);

  test("the unlock cookie is Secure and scoped to the link's public path; the redirect goes to the public url", async () => {
    const { token } = await signedInUser(suite.url);
    const image = await uploadOne(suite.url, token, { name: "s.png", bytes: noisePng({ width: 8, height: 8, seed: 5 }) });
    const link = await createShare(suite.url, token, image.id, { password: PASSWORD });
    const res = await postPassword(suite.url, link.token, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`https://pix.example.org/gallery/s/${link.token}`);
    const attributes = unlockCookie(res)!.attributes.map((a) => a.toLowerCase());
    expect(attributes).toContain("secure");
    expect(attributes).toContain(`path=/gallery/s/${link.token}`.toLowerCase());
  });
});
