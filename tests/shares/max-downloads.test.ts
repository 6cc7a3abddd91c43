// maxDownloads through a real server: every GET answer that delivers the image's last byte
// counts (a 200, or a 206 ending there — so ranges cannot read a used-up link), HEAD, 304 and
// ranges short of the end do not; the link answers 410 link_exhausted after N, and concurrent
// downloads, whole or ranged, never exceed N.
import { beforeAll, describe, expect, test } from "bun:test";
import { useInProcessServer } from "../support/in-process.ts";
import { expectProblem, signedInUser, type SignedInUser } from "../support/accounts.ts";
import { bytesOf, sha256Hex, uploadOne } from "../support/images-api.ts";
import { noisePng, pngOfSize } from "../support/images.ts";
import { createShare, listShares, openShare } from "../support/shares-api.ts";

describe("share links: maxDownloads", () => {
  const suite = useInProcessServer([]);
  let alice: SignedInUser;
  let bytes: Buffer;
  let imageId: string;

  /** `n` GETs of the link sent at once: each one's status and whole body. */
  const downloadAtOnce = (token: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const res = await openShare(suite.url, token);
        return { status: res.status, body: await bytesOf(res) };
      }),
    );

  beforeAll(async () => {
    alice = await signedInUser(suite.url);
    bytes = noisePng({ width: 64, height: 64, seed: 42 });
    imageId = (await uploadOne(suite.url, alice.token, { name: "counted.png", bytes })).id;
  });

  test("after N full downloads the link is 410 link_exhausted; HEAD, 304 and ranges short of the end are not counted", async () => {
    const link = await createShare(suite.url, alice.token, imageId, { maxDownloads: 2 });
    for (let i = 0; i < 3; i++) {
      expect((await openShare(suite.url, link.token, { method: "HEAD" })).status).toBe(200);
      const range = await openShare(suite.url, link.token, { headers: { range: "bytes=0-99" } });
      expect(range.status).toBe(206);
      await range.arrayBuffer();
      const cached = await openShare(suite.url, link.token, { headers: { "if-none-match": `"${sha256Hex(bytes)}"` } });
      expect(cached.status).toBe(304);
    }
    expect((await listShares(suite.url, alice.token, imageId)).find((l) => l.id === link.id)?.downloads).toBe(0);

    for (let i = 0; i < 2; i++) {
      const res = await openShare(suite.url, link.token);
      expect(res.status).toBe(200);
      expect((await bytesOf(res)).equals(bytes)).toBe(true);
    }
    const used = await expectProblem(await openShare(suite.url, link.token), 410, "link_exhausted");
    expect(used.detail).toContain("2");
    // Used up is used up, whatever the request.
    expect((await openShare(suite.url, link.token, { method: "HEAD" })).status).toBe(410);
    await expectProblem(await openShare(suite.url, link.token, { headers: { range: "bytes=0-9" } }), 410, "link_exhausted");
    // An exhausted link no longer counts as live.
    expect((await listShares(suite.url, alice.token, imageId)).map((l) => l.id)).not.toContain(link.id);
  });

  test("a range that reaches the last byte counts as a download: bytes=0- cannot read a 1-download link twice", async () => {
    const link = await createShare(suite.url, alice.token, imageId, { maxDownloads: 1 });
    const whole = await openShare(suite.url, link.token, { headers: { range: "bytes=0-" } });
    expect(whole.status).toBe(206);
    expect((await bytesOf(whole)).equals(bytes)).toBe(true);
    expect((await listShares(suite.url, alice.token, imageId)).map((l) => l.id)).not.toContain(link.id);
    for (const range of ["bytes=0-", "bytes=0-9", "bytes=-1", `bytes=${bytes.length - 1}-`]) {
      await expectProblem(await openShare(suite.url, link.token, { headers: { range } }), 410, "link_exhausted");
    }
    await expectProblem(await openShare(suite.url, link.token), 410, "link_exhausted");
  });

  test("ranges that assemble the image count once, at the one holding the last byte; a suffix range counts too", async () => {
    const link = await createShare(suite.url, alice.token, imageId, { maxDownloads: 2 });
    const downloads = async () => (await listShares(suite.url, alice.token, imageId)).find((l) => l.id === link.id)?.downloads;
    const head = await openShare(suite.url, link.token, { headers: { range: "bytes=0-99" } });
    expect(head.status).toBe(206);
    const tail = await openShare(suite.url, link.token, { headers: { range: "bytes=100-" } });
    expect(tail.status).toBe(206);
    expect(Buffer.concat([await bytesOf(head), await bytesOf(tail)]).equals(bytes)).toBe(true);
    expect(await downloads()).toBe(1);
    const last = await openShare(suite.url, link.token, { headers: { range: "bytes=-1" } });
    expect(last.status).toBe(206);
    expect((await bytesOf(last)).equals(bytes.subarray(-1))).toBe(true);
    // Used up: not even the start of the image is served any more.
    await expectProblem(await openShare(suite.url, link.token, { headers: { range: "bytes=0-99" } }), 410, "link_exhausted");
  });

  test("20 concurrent bytes=0- requests on a 3-download link: exactly 3 get the image", async () => {
    const link = await createShare(suite.url, alice.token, imageId, { maxDownloads: 3 });
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await openShare(suite.url, link.token, { headers: { range: "bytes=0-" } });
        return { status: res.status, body: await bytesOf(res) };
      }),
    );
    const served = results.filter((r) => r.status === 206);
    expect(served).toHaveLength(3);
    for (const r of served) expect(r.body.equals(bytes)).toBe(true);
    expect(results.filter((r) => r.status === 410)).toHaveLength(17);
  });

  test("20 concurrent downloads of a 3-download link: exactly 3 get the image, 17 get 410", async () => {
    const link = await createShare(suite.url, alice.token, imageId, { maxDownloads: 3 });
    const results = await downloadAtOnce(link.token, 20);
    const served = results.filter((r) => r.status === 200);
    expect(served).toHaveLength(3);
    for (const r of served) expect(r.body.equals(bytes)).toBe(true);
    const refused = results.filter((r) => r.status === 410);
    expect(refused).toHaveLength(17);
    for (const r of refused) expect(JSON.parse(r.body.toString()).code).toBe("link_exhausted");
  });

  test("a large (streamed) image counts the same way and the refused requests send none of it", async () => {
    const big = pngOfSize(17 * 1024 * 1024, 9);
    const image = await uploadOne(suite.url, alice.token, { name: "big.png", bytes: big });
    const link = await createShare(suite.url, alice.token, image.id, { maxDownloads: 1 });
    const results = await downloadAtOnce(link.token, 4);
    const served = results.filter((r) => r.status === 200);
    expect(served).toHaveLength(1);
    expect(sha256Hex(served[0]!.body)).toBe(sha256Hex(big));
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(410);
      expect(r.body.length).toBeLessThan(1000);
    }
  });
});
