// Optional descriptions (SPEC §9 "Descriptions"): with --caption-url and --caption-model the analysis
// stage asks an OpenAI-compatible chat completions endpoint for one sentence about the display
// preview of an image whose owner left the description empty. The real endpoints (Ollama, llama.cpp,
// vLLM) cannot run here: each suite starts a small stand-in of that protocol with Bun.serve on
// 127.0.0.1 (tests/support/caption-endpoint.ts) and checks what it was sent as well as what the
// server made of its answers, through the in-process app's real HTTP routes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, signedInUser } from "../support/accounts.ts";
import { analysedImage, databaseBytes, solidPng } from "../support/analysis-api.ts";
import type { ImageBody } from "../support/api-bodies.ts";
import { type CaptionEndpoint, captionEndpoint, completion } from "../support/caption-endpoint.ts";
import { exifJpeg } from "../support/exif-photos.ts";
import { listAll, uploadOne } from "../support/images-api.ts";
import { useInProcessServer } from "../support/in-process.ts";
import { tempDir } from "../support/pixvault.ts";
import { imageOnce, testSharp } from "../support/previews-api.ts";

const KEY = "sk-standin-5f0c2a9d71e4";
const dir = tempDir("pixvault-captions-");
afterAll(() => dir.remove());
const keyFile = join(dir.path, "caption.key");
writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });

const SENTENCE = "A lighthouse stands above a quiet harbour at dusk.";
const flagsFor = (endpoint: CaptionEndpoint, extra: string[] = []) => [
  ...["--caption-url", endpoint.url, "--caption-model", "test-model", "--caption-key-file", keyFile],
  ...extra,
];
const idsFor = async (url: string, token: string, q: string) => (await listAll(url, token, { q })).map((image) => image.id);
let names = 0;
const uploadPng = async (url: string, token: string, options: Record<string, string> = {}) =>
  (await uploadOne(url, token, { name: `plain-${++names}.png`, bytes: await solidPng(20 * names, 90, 160) }, options)).id;

describe("captions from a chat completions endpoint", () => {
  // The first line is quoted and a chatty second line follows, as small models answer.
  const endpoint = captionEndpoint(`"${SENTENCE}"\n\nI hope this helps!`);
  afterAll(() => endpoint.stop());
  const server = useInProcessServer(flagsFor(endpoint));
  let token: string;
  let captioned: ImageBody;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
    // Larger than the display preview, with a camera and a position that must not leave the machine.
    const bytes = await exifJpeg({
      width: 3000,
      height: 2000,
      camera: { make: "Acme", model: "Q7" },
      gps: { latitude: 59.3, longitude: 18.1 },
    });
    captioned = await analysedImage(server.url, token, (await uploadOne(server.url, token, { name: "IMG_0001.jpg", bytes })).id);
  });

  test("an image uploaded without a description gets the endpoint's sentence, and q= finds it by its words", async () => {
    expect(captioned.analysis.status).toBe("ready");
    expect(captioned.description).toBe(SENTENCE);
    expect(await idsFor(server.url, token, "lighthouse")).toEqual([captioned.id]);
    expect(await idsFor(server.url, token, "Harbour dusk")).toEqual([captioned.id]);
  });

  test("the endpoint saw the model, the bearer key and only the display preview: at most 2048 px, no metadata", async () => {
    expect(endpoint.requests).toHaveLength(1);
    const [seen] = endpoint.requests;
    expect(seen?.model).toBe("test-model");
    expect(seen?.authorization).toBe(`Bearer ${KEY}`);
    const dataUrl = /^data:(image\/(?:webp|jpeg));base64,([A-Za-z0-9+/=]+)$/.exec(seen?.imageUrl ?? "");
    expect(dataUrl).not.toBeNull();
    const meta = await testSharp()(Buffer.from(dataUrl![2]!, "base64")).metadata();
    expect(`image/${meta.format}`).toBe(dataUrl![1]!);
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(2048);
    expect(meta.exif).toBeUndefined();
  });

  test("an image uploaded with a description keeps it, and the endpoint is not asked", async () => {
    const asked = endpoint.requests.length;
    const id = await uploadPng(server.url, token, { description: "Grandma's blue door" });
    const image = await analysedImage(server.url, token, id);
    expect(image.analysis.status).toBe("ready");
    expect(image.description).toBe("Grandma's blue door");
    expect(endpoint.requests).toHaveLength(asked);
  });

  test("an owner's edit made while the endpoint answers wins over its caption", async () => {
    let asked!: () => void;
    const askedOnce = new Promise<void>((resolve) => (asked = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    endpoint.answer = async () => {
      asked();
      await released;
      return completion("A red kite flies over green fields.");
    };
    try {
      const id = await uploadPng(server.url, token);
      await askedOnce;
      const patch = await call(server.url, "PATCH", `/api/v1/images/${id}`, { token, json: { description: "Our kite, the day it flew" } });
      expect(patch.status).toBe(200);
      release();
      const image = await analysedImage(server.url, token, id);
      expect(image.analysis.status).toBe("ready");
      expect(image.description).toBe("Our kite, the day it flew");
      expect(await idsFor(server.url, token, "fields")).toEqual([]);
      expect(await idsFor(server.url, token, "flew")).toEqual([id]);
      expect(server.server.logs().filter((line) => line.msg.startsWith("caption dropped") && line.imageId === id)).toHaveLength(1);
    } finally {
      release();
      endpoint.answer = () => completion(SENTENCE);
    }
  });

  test("the database holds no description in the clear; the log holds neither the key nor the sentence", async () => {
    const bytes = await databaseBytes(server.dataDir);
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of ["lighthouse", "Grandma", "kite"]) {
      expect({ secret, found: bytes.includes(Buffer.from(secret)) }).toEqual({ secret, found: false });
    }
    const output = server.server.output();
    for (const secret of [KEY, "lighthouse", "base64"])
      expect({ secret, found: output.includes(secret) }).toEqual({ secret, found: false });
  });
});

describe("an endpoint that fails", () => {
  const endpoint = captionEndpoint(SENTENCE);
  afterAll(() => endpoint.stop());
  const server = useInProcessServer(flagsFor(endpoint, ["--caption-timeout-seconds", "1"]));
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser(server.url)).token;
  });
  const uncaptioned: string[] = [];

  const failures: [string, string, number | undefined, () => Response | Promise<Response>][] = [
    ["HTTP 500", "http_status", 500, () => new Response("model not loaded", { status: 500 })],
    ["a page that is not JSON", "bad_answer", 200, () => new Response("<html>gateway</html>", { status: 200 })],
    ["JSON without choices", "bad_answer", 200, () => Response.json({ choices: [] })],
    ["an empty sentence", "empty", 200, () => completion([{ type: "text", text: " \n " }])],
    ["control characters only", "bad_answer", undefined, () => completion("\u0007\u0008")],
    ["an answer slower than --caption-timeout-seconds", "timeout", undefined, () => Bun.sleep(2_500).then(() => completion(SENTENCE))],
  ];
  for (const [what, reason, status, answer] of failures) {
    test(`${what}: the analysis is ready, the description stays empty, a warning says why`, async () => {
      endpoint.answer = answer;
      const id = await uploadPng(server.url, token);
      const image = await analysedImage(server.url, token, id);
      expect(image.analysis.status).toBe("ready");
      expect(image.description).toBeNull();
      const warnings = server.server.logs().filter((line) => line.msg.startsWith("caption failed") && line.imageId === id);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: "warn", reason });
      expect(warnings[0]?.status).toBe(status);
      uncaptioned.push(id);
    }, 30_000);
  }

  test("no answer was a 5xx, and the log holds neither the key nor any of the image's bytes", () => {
    expect(server.server.logs().filter((line) => line.msg === "request" && Number(line.status) >= 500)).toEqual([]);
    const output = server.server.output();
    expect(endpoint.requests.length).toBeGreaterThanOrEqual(failures.length);
    expect(output).not.toContain(KEY);
    expect(output).not.toContain("base64");
    expect(output).not.toContain("gateway");
    for (const { imageUrl } of endpoint.requests) expect(output).not.toContain((imageUrl ?? "").slice(-64));
  });

  test("analysing again (analyse --rebuild requeues) asks again for images still without a description", async () => {
    endpoint.answer = () => completion(SENTENCE);
    await server.app.analysis.requeue();
    server.app.analysis.kick();
    for (const id of uncaptioned) {
      const image = await imageOnce(server.url, token, id, (i) => i.description !== null, "caption", 30_000);
      expect(image.description).toBe(SENTENCE);
    }
  }, 60_000);
});
