// Configuration: defaults, env twins, flags winning, and one clear line for every bad value.
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { ConfigError, envName, parseServeConfig, SERVE_FLAGS } from "../../src/config.ts";
import { runCli, tempDir } from "../support/pixvault.ts";

describe("parseServeConfig", () => {
  test("defaults put everything under ./data", () => {
    const c = parseServeConfig([], {});
    const data = resolve("data");
    expect(c.host).toBe("127.0.0.1");
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(data);
    expect(c.databaseUrl).toBe(`file://${join(data, "pixvault.db")}`);
    expect(c.blobStore).toEqual({ kind: "disk", dir: join(data, "blobs") });
    expect(c.masterKeyFile).toBe(join(data, "master.key"));
    expect(c.maxImageBytes).toBe(52428800);
    expect(c.userQuotaBytes).toBe(0);
    expect(c.publicUrl).toBeUndefined();
    expect(c.tls).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  test("every serve flag has a PIXVAULT_ env twin, and the flag wins", () => {
    const env = {
      PIXVAULT_HOST: "0.0.0.0",
      PIXVAULT_PORT: "9000",
      PIXVAULT_DATA_DIR: "/srv/px",
      PIXVAULT_MAX_IMAGE_BYTES: "10MiB",
      PIXVAULT_USER_QUOTA_BYTES: "1GB",
      PIXVAULT_PUBLIC_URL: "https://photos.example.org/",
    };
    const fromEnv = parseServeConfig([], env);
    expect(fromEnv.host).toBe("0.0.0.0");
    expect(fromEnv.port).toBe(9000);
    expect(fromEnv.dataDir).toBe("/srv/px");
    expect(fromEnv.masterKeyFile).toBe("/srv/px/master.key");
    expect(fromEnv.maxImageBytes).toBe(10 * 1024 * 1024);
    expect(fromEnv.userQuotaBytes).toBe(1e9);
    expect(fromEnv.publicUrl).toBe("https://photos.example.org");
    const flagsWin = parseServeConfig(["--port", "9001", "--data-dir", "/srv/other"], env);
    expect(flagsWin.port).toBe(9001);
    expect(flagsWin.dataDir).toBe("/srv/other");
    for (const f of SERVE_FLAGS) expect(envName(f.name)).toBe(`PIXVAULT_${f.name.toUpperCase().replaceAll("-", "_")}`);
  });

  test("an s3 blob store URL is parsed with endpoint and region", () => {
    const c = parseServeConfig(["--blob-store", "s3://my-bucket/photos/v1?endpoint=http://127.0.0.1:9000&region=eu-west-1"], {});
    expect(c.blobStore).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "photos/v1",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
    });
  });

  const bad: [string[], Record<string, string>, RegExp][] = [
    [["--port", "abc"], {}, /^--port: /],
    [["--port", "65536"], {}, /^--port: /],
    [["--port", "-1"], {}, /^--port/],
    [[], { PIXVAULT_PORT: "http" }, /^--port \(from PIXVAULT_PORT\): /],
    [["--host", "not a host"], {}, /^--host: /],
    [["--max-image-bytes", "lots"], {}, /^--max-image-bytes: /],
    [["--max-image-bytes", "0"], {}, /^--max-image-bytes: /],
    [["--user-quota-bytes", "1.5GB"], {}, /^--user-quota-bytes: /],
    [["--public-url", "ftp://x"], {}, /^--public-url: /],
    [["--database-url", "postgres://db"], {}, /^--database-url: /],
    [["--blob-store", "s3://A_B/x"], {}, /^--blob-store: /],
    [["--tls-cert", "/nonexistent.pem"], {}, /^--tls-key: required/],
    [["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], {}, /^--tls-cert: no such file/],
    [["--bogus"], {}, /^--bogus: unknown flag/],
    [["--port"], {}, /^--port: needs a value/],
    [["extra"], {}, /unexpected argument "extra"/],
  ];
  for (const [argv, env, message] of bad) {
    test(`rejects ${JSON.stringify(argv)} ${JSON.stringify(env)} naming the flag`, () => {
      expect(() => parseServeConfig(argv, env)).toThrow(ConfigError);
      expect(() => parseServeConfig(argv, env)).toThrow(message);
    });
  }
});

describe("bad configuration through the real process", () => {
  test("exits 2 with one line naming the flag, no stack trace", async () => {
    const r = await runCli(["serve", "--port", "abc"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`pixvault: --port: expected a whole number from 0 to 65535, got "abc"`]);
    expect(r.stdout).toBe("");
  });

  test("a bad env twin exits 2 and says which variable", async () => {
    const r = await runCli(["serve"], { env: { PIXVAULT_MAX_IMAGE_BYTES: "huge" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max-image-bytes (from PIXVAULT_MAX_IMAGE_BYTES)");
    expect(r.stderr).not.toContain("    at ");
  });

  test("a data dir that is a file exits 2", async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "file");
      await Bun.write(file, "x");
      const r = await runCli(["serve", "--data-dir", file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--data-dir:");
      expect(r.stderr).toContain("not a directory");
    } finally {
      dir.remove();
    }
  });
});
