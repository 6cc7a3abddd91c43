// Slow clients (README, HTTP conventions) against a real server whose limits are cut to seconds: hundreds of
// connections that sent an upload's or a login's headers and then nothing are answered 408
// and closed, their temp files gone, while other clients are served; a head that trickles in
// is cut off at the header deadline; a body that is slow but keeps moving is not.
import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { call, SecretJar, signedInUser, type SignedInUser } from "../support/accounts.ts";
import type { MeBody, SessionBody } from "../support/api-bodies.ts";
import { jsonOf } from "../support/http.ts";
import { uploadRaw } from "../support/images-api.ts";
import { noisePng } from "../support/images.ts";
import { useSuiteServer } from "../support/pixvault.ts";
import { requestHead, stallAfter, type HeldConnection } from "./raw-http.ts";
import { errorLines, expectAlive, expectNoSecretsLogged, openFileCount, rememberMasterKey, tempBlobFiles } from "./server-probes.ts";

const HEADER_SECONDS = 3;
const BODY_IDLE_SECONDS = 3;
const STALLED_UPLOADS = 200;
const STALLED_LOGINS = 100;
// Far past the limits, so a loaded machine cannot fail the test; the old server kept them for good.
const PATIENCE_MS = 30_000;

const suite = useSuiteServer([
  "--header-timeout-seconds",
  String(HEADER_SECONDS),
  "--body-idle-timeout-seconds",
  String(BODY_IDLE_SECONDS),
]);
const jar = new SecretJar();

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await Bun.sleep(50);
  return condition();
}

function expectTimedOut(held: HeldConnection): void {
  expect({ closedByServer: held.closedByServer, status: held.response?.status }).toEqual({ closedByServer: true, status: 408 });
  expect(held.response!.headers["content-type"]).toBe("application/problem+json");
  expect(JSON.parse(held.response!.body.toString("utf8"))).toMatchObject({ status: 408, code: "request_timeout" });
}

describe("slow clients", () => {
  let member: SignedInUser;

  test(`${STALLED_UPLOADS + STALLED_LOGINS} connections that send headers and no body get 408 and are closed; others are served meanwhile; no temp file stays`, async () => {
    rememberMasterKey(jar, suite.dataDir);
    member = await signedInUser(suite.url, jar);
    const port = suite.server.port;
    const filesBefore = openFileCount(suite.server.proc.pid);
    const uploadHead = (i: number) =>
      requestHead("POST", `/api/v1/images?filename=stalled-${i}.png`, {
        Authorization: `Bearer ${member.token}`,
        "Content-Type": "application/octet-stream",
        "Content-Length": 40_000,
      });
    const loginHead = requestHead("POST", "/api/v1/sessions", { "Content-Type": "application/json", "Content-Length": 200 });
    const stalled = [
      ...Array.from({ length: STALLED_UPLOADS }, (_, i) => stallAfter(port, uploadHead(i), PATIENCE_MS)),
      ...Array.from({ length: STALLED_LOGINS }, () => stallAfter(port, loginHead, PATIENCE_MS)),
    ];
    // Each stalled upload holds a temp blob file while it waits: what the limit must give back.
    expect(await until(() => tempBlobFiles(suite.dataDir).length === STALLED_UPLOADS, 10_000)).toBe(true);
    expect(openFileCount(suite.server.proc.pid)).toBeGreaterThan(filesBefore + STALLED_UPLOADS + STALLED_LOGINS);

    // Meanwhile the server answers everyone else.
    const health = await fetch(`${suite.url}/healthz`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
    const login = await call(suite.url, "POST", "/api/v1/sessions", {
      json: { username: member.user.username, password: member.user.password },
    });
    expect(login.status).toBe(201);
    jar.add((await jsonOf<SessionBody>(login)).token);
    const upload = await uploadRaw(suite.url, member.token, noisePng({ width: 24, height: 16, seed: 5 }), { filename: "meanwhile.png" });
    expect(upload.status).toBe(201);
    await upload.arrayBuffer();

    const results = await Promise.all(stalled);
    for (const held of results) expectTimedOut(held);
    expect(await until(() => tempBlobFiles(suite.dataDir).length === 0, 5_000)).toEqual(true);
    // Their sockets and temp files are closed too, not just answered (a little slack for the database's own files).
    expect(await until(() => openFileCount(suite.server.proc.pid) <= filesBefore + 5, 5_000)).toEqual(true);
    // Nothing half-stored: the user holds exactly the one image uploaded meanwhile.
    const me = await jsonOf<{ user: MeBody }>(await call(suite.url, "GET", "/api/v1/me", { token: member.token }));
    expect(me.user.usage.images).toBe(1);
  }, 90_000);

  test("a head that trickles in, or never comes, is answered 408 and closed at the header deadline", async () => {
    const port = suite.server.port;
    const [trickled, silent] = await Promise.all([
      stallAfter(port, Buffer.from("POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n", "latin1"), PATIENCE_MS, "X-Slow: 1\r\n"),
      stallAfter(port, Buffer.alloc(0), PATIENCE_MS),
    ]);
    for (const held of [trickled, silent]) {
      expectTimedOut(held);
      // Not before the configured deadline: it is the limit, not some other error, that closed it.
      expect(held.ms).toBeGreaterThanOrEqual(HEADER_SECONDS * 1000 - 100);
    }
  }, 60_000);

  test("a body that is slow but keeps sending is not cut off, however long it takes in all", async () => {
    const png = noisePng({ width: 40, height: 30, seed: 6 });
    const parts = 5;
    const head = requestHead("POST", "/api/v1/images?filename=slow-but-steady.png", {
      Authorization: `Bearer ${member.token}`,
      "Content-Type": "application/octet-stream",
      "Content-Length": png.length,
      Connection: "close",
    });
    const socket = connect(suite.server.port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => void (received += chunk.toString("latin1")));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(head);
    // Each pause is under the idle limit; together they are well past it.
    const pauseMs = (BODY_IDLE_SECONDS * 1000) / 2;
    for (let i = 0; i < parts; i++) {
      await Bun.sleep(pauseMs);
      socket.write(png.subarray(Math.floor((i * png.length) / parts), Math.floor(((i + 1) * png.length) / parts)));
    }
    await closed;
    expect(received).toStartWith("HTTP/1.1 201 ");
  }, 60_000);

  test("the server stays up and logged no error and no secret", async () => {
    await expectAlive(suite.server);
    expect(errorLines(suite.server)).toEqual([]);
    expectNoSecretsLogged([suite.server.output()], jar);
    const timedOut = suite.server.logs().filter((l) => l.msg === "request" && l.status === 408);
    // The access log says what the client got, for JSON routes too (not the 400 a route would make of a failed body).
    expect(timedOut.length).toBe(STALLED_UPLOADS + STALLED_LOGINS);
  });
});
