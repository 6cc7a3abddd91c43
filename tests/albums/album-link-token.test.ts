// The album-link signer on its own: link tokens, unlock proofs, image share tokens and session
// JWTs never pass for one another, even under one keyring; expired ones are flagged, not refused.
import { describe, expect, test } from "bun:test";
import { type AlbumLinkClaims, createAlbumLinkSigner } from "../../src/crypto/album-link-token.ts";
import { addKeyVersion, newKeyring } from "../../src/crypto/master-key.ts";
import { createSessionSigner } from "../../src/crypto/session-token.ts";
import { createShareSigner } from "../../src/crypto/share-token.ts";

const now = new Date("2030-01-01T00:00:00Z");
const inSeconds = (s: number) => Math.floor(now.getTime() / 1000) + s;
const claims: AlbumLinkClaims = { albumId: "album-1", linkId: "link-1", epoch: 2, exp: inSeconds(600) };

describe("album-link tokens", () => {
  test("a link token verifies with its claims; expired ones are flagged; after a key rotation old ones still verify", async () => {
    const keyring = newKeyring();
    const signer = createAlbumLinkSigner(keyring);
    const token = await signer.signLink(claims, now);
    expect(await signer.verifyLink(token, now)).toEqual({ claims, expired: false });
    expect(await signer.verifyLink(token, new Date((claims.exp + 1) * 1000))).toEqual({ claims, expired: true });
    expect(await createAlbumLinkSigner(addKeyVersion(keyring)).verifyLink(token, now)).toEqual({ claims, expired: false });
    expect(await createAlbumLinkSigner(newKeyring()).verifyLink(token, now)).toBeUndefined();
  });

  test("album tokens, album unlock proofs, share tokens and session JWTs are not interchangeable", async () => {
    const keyring = newKeyring();
    const albums = createAlbumLinkSigner(keyring);
    const shares = createShareSigner(keyring);
    const sessions = createSessionSigner(keyring);
    const link = await albums.signLink(claims, now);
    const unlock = await albums.signUnlock(claims, now);
    const shareClaims = { imageId: claims.albumId, linkId: claims.linkId, epoch: claims.epoch, exp: claims.exp };
    const share = await shares.signLink(shareClaims, now);
    const shareUnlock = await shares.signUnlock(shareClaims, now);
    const session = await sessions.sign({ sub: "user-1", jti: "session-1", exp: inSeconds(600) });
    expect(await albums.verifyUnlock(unlock, now)).toEqual({ claims, expired: false });
    for (const other of [unlock, share, shareUnlock, session]) expect(await albums.verifyLink(other, now)).toBeUndefined();
    for (const other of [link, share, shareUnlock, session]) expect(await albums.verifyUnlock(other, now)).toBeUndefined();
    for (const album of [link, unlock]) {
      expect(await shares.verifyLink(album, now)).toBeUndefined();
      expect(await shares.verifyUnlock(album, now)).toBeUndefined();
      expect(await sessions.verify(album)).toBeUndefined();
    }
  });
});
