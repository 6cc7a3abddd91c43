// Caption flags (SPEC §9 "Descriptions"): off unless --caption-url and --caption-model come together;
// the URL must be http(s) (a base ending in /v1 gets /chat/completions); the bearer token comes from a
// file; a bad or partial set is one line naming the flag, for serve and for `pixvault analyse`.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseServeConfig } from "../../src/config.ts";
import { serveRefusal } from "../support/config-refusal.ts";
import { runCli, tempDir } from "../support/pixvault.ts";

const dir = tempDir("pixvault-caption-config-");
afterAll(() => dir.remove());
const keyFile = join(dir.path, "caption.key");
writeFileSync(keyFile, "sk-local-token\n", { mode: 0o600 });
const complete = ["--caption-url", "http://127.0.0.1:11434/v1", "--caption-model", "llava"];

describe("--caption-* flags", () => {
  test("none given: captions are off", () => {
    expect(parseServeConfig([], {}).previews.caption).toBeUndefined();
  });

  test("a base URL gets /chat/completions; a full one is kept; the key is read from its file, trimmed", () => {
    expect(parseServeConfig(complete, {}).previews.caption).toEqual({
      url: "http://127.0.0.1:11434/v1/chat/completions",
      model: "llava",
      timeoutMs: 60_000,
    });
    const full = ["--caption-url", "https://llm.example.org/v1/chat/completions", "--caption-model", "moondream"];
    const keyed = parseServeConfig([...full, "--caption-key-file", keyFile, "--caption-timeout-seconds", "120"], {}).previews.caption;
    expect(keyed).toEqual({
      url: "https://llm.example.org/v1/chat/completions",
      model: "moondream",
      key: "sk-local-token",
      timeoutMs: 120_000,
    });
  });

  test("one of the two without the other, a URL that is not http(s), a key file that cannot be read: refused by name", () => {
    expect(serveRefusal(complete.slice(0, 2))).toStartWith("--caption-model: required with --caption-url");
    expect(serveRefusal(complete.slice(2))).toStartWith("--caption-url: required with --caption-model");
    expect(serveRefusal(["--caption-url", "ftp://127.0.0.1/v1", ...complete.slice(2)])).toStartWith("--caption-url:");
    expect(serveRefusal(["--caption-url", "not a url", ...complete.slice(2)])).toStartWith("--caption-url:");
    expect(serveRefusal([...complete, "--caption-key-file", join(dir.path, "missing")])).toStartWith("--caption-key-file: cannot read");
    expect(serveRefusal([...complete, "--caption-key-file", dir.path])).toStartWith("--caption-key-file: cannot read");
    expect(serveRefusal(["--caption-key-file", keyFile])).toStartWith("--caption-key-file: only with --caption-url");
    expect(serveRefusal([...complete, "--caption-timeout-seconds", "0"])).toStartWith("--caption-timeout-seconds:");
    expect(serveRefusal([...complete, "--caption-timeout-seconds", "600"])).toStartWith("--caption-timeout-seconds:");
  });

  test("env twins, a flag winning over its twin, and a bad value named with its variable", () => {
    const env = {
      PIXVAULT_CAPTION_URL: "http://127.0.0.1:8000/v1",
      PIXVAULT_CAPTION_MODEL: "qwen2.5vl",
      PIXVAULT_CAPTION_KEY_FILE: keyFile,
    };
    expect(parseServeConfig([], env).previews.caption).toMatchObject({
      url: "http://127.0.0.1:8000/v1/chat/completions",
      key: "sk-local-token",
    });
    expect(parseServeConfig(["--caption-model", "llava"], env).previews.caption?.model).toBe("llava");
    expect(serveRefusal([], { ...env, PIXVAULT_CAPTION_URL: "gopher://x" })).toContain("PIXVAULT_CAPTION_URL");
  });
});

test("pixvault analyse takes the same flags: a partial set exits 2 with one line naming the flag, never the key", async () => {
  const r = await runCli([
    "analyse",
    "--data-dir",
    join(dir.path, "data"),
    "--caption-url",
    "http://127.0.0.1:9/v1",
    "--caption-key-file",
    keyFile,
  ]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain("--caption-model");
  expect(`${r.stdout}${r.stderr}`).not.toContain("sk-local-token");
});
