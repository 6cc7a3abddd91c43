// The share-link signer on its own: its key (pinned FORMAT.md vector), and that link tokens,
// unlock proofs and session JWTs never pass for one another.
import { describe, expect, test } from "bun:test";
import { INSTANCE_KEY } from "../../src/crypto/context.ts";
import { addKeyVersion, newKeyring } from "../../src/crypto/master-key.ts";
import { createSessionSigner } from "../../src/crypto/session-token.ts";
import { createShareSigner, type ShareClaims } from "../../src/crypto/share-token.ts";
import { deriveInstanceKey } from "../../src/crypto/user-key.ts";

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
const now = new Date("2030-01-01T00:00:00Z");
const inSeconds = (s: number) => Math.floor(now.getTime() / 1000) + s;
const claims: ShareClaims = { imageId: "img-1", linkId: "link-1", epoch: 3, exp: inSeconds(600) };

describe("share-link tokens", () => {
  test("the key is derived under its own label (FORMAT.md vector), distinct from the session key", () => {
    const master = seq(0x60, 32);
    expect(deriveInstanceKey(master, INSTANCE_KEY.shareLink).toString("hex")).toBe(
      "a0493ca0bc01eeb1c5b2f38785d6b503e74a9d719205bfff85cdda494b3f9de6",
    );
    expect(deriveInstanceKey(master, INSTANCE_KEY.shareLink).equals(deriveInstanceKey(master, INSTANCE_KEY.jwt))).toBe(false);
  });

  test("a link token verifies with its claims; expired ones are flagged, not refused", async () => {
    const signer = createShareSigner(newKeyring());
    const token = await signer.signLink(claims, now);
    expect(await signer.verifyLink(token, now)).toEqual({ claims, expired: false });
    expect(await signer.verifyLink(token, new Date((claims.exp + 1) * 1000))).toEqual({ claims, expired: true });
  });

  test("link tokens, unlock proofs and session JWTs are not interchangeable, even under one keyring", async () => {
    const keyring = newKeyring();
    const shares = createShareSigner(keyring);
    const sessions = createSessionSigner(keyring);
    const link = await shares.signLink(claims, now);
    const unlock = await shares.signUnlock(claims, now);
    const session = await sessions.sign({ sub: "user-1", jti: "session-1", exp: inSeconds(600) });
    expect(await shares.verifyUnlock(unlock, now)).toEqual({ claims, expired: false });
    expect(await shares.verifyLink(unlock, now)).toBeUndefined();
    expect(await shares.verifyUnlock(link, now)).toBeUndefined();
    expect(await shares.verifyLink(session, now)).toBeUndefined();
    expect(await shares.verifyUnlock(session, now)).toBeUndefined();
    expect(await sessions.verify(link)).toBeUndefined();
    expect(await sessions.verify(unlock)).toBeUndefined();
  });

  test("another instance's key, an altered token and an unknown key id are refused", async () => {
    const keyring = newKeyring();
    const signer = createShareSigner(keyring);
    const token = await signer.signLink(claims, now);
    expect(await createShareSigner(newKeyring()).verifyLink(token, now)).toBeUndefined();
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), ep: 4 })).toString(
      "base64url",
    );
    expect(await signer.verifyLink(`${header}.${altered}.${signature}`, now)).toBeUndefined();
    const otherKid = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, "base64url").toString()), kid: "9" })).toString(
      "base64url",
    );
    expect(await signer.verifyLink(`${otherKid}.${payload}.${signature}`, now)).toBeUndefined();
    // After a master key rotation, tokens signed under the old version still verify.
    expect(await createShareSigner(addKeyVersion(keyring)).verifyLink(token, now)).toEqual({ claims, expired: false });
  });
});
