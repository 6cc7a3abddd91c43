// Session tokens are checked once per distinct token and then remembered: a remembered token must
// still expire on time, and a tampered copy of it must still be refused.
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { createKeyring } from "../../src/crypto/master-key.ts";
import { createSessionSigner } from "../../src/crypto/session-token.ts";

const signer = () => createSessionSigner(createKeyring([{ id: 1, key: randomBytes(32), createdAt: "2026-01-01T00:00:00.000Z" }], 1));

test("a token verified once stops working when it expires", async () => {
  const s = signer();
  const exp = Math.floor(Date.now() / 1000) + 60;
  const token = await s.sign({ sub: "u1", jti: "s1", exp });
  expect(await s.verify(token)).toEqual({ sub: "u1", jti: "s1", exp });
  expect(await s.verify(token, new Date((exp - 1) * 1000))).toEqual({ sub: "u1", jti: "s1", exp });
  expect(await s.verify(token, new Date(exp * 1000))).toBeUndefined();
  expect(await s.verify(token, new Date((exp + 3600) * 1000))).toBeUndefined();
});

test("a remembered token's tampered copies and another server's tokens are refused", async () => {
  const s = signer();
  const token = await s.sign({ sub: "u1", jti: "s1", exp: Math.floor(Date.now() / 1000) + 60 });
  expect(await s.verify(token)).toBeDefined();
  const [head, body, sig] = token.split(".");
  const otherBody = Buffer.from(JSON.stringify({ sub: "u2", jti: "s1", exp: 4_000_000_000 })).toString("base64url");
  expect(await s.verify(`${head}.${otherBody}.${sig}`)).toBeUndefined();
  expect(await s.verify(`${head}.${body}.${sig!.slice(0, -2)}AA`)).toBeUndefined();
  expect(await signer().verify(token)).toBeUndefined();
});
