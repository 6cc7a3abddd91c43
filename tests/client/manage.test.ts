// pixvault ls, rm and share against a real server, and the client commands' --help.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../support/accounts.ts";
import { type ClientHome, loggedInClient, runOnTerminal } from "../support/client.ts";
import { noisePng } from "../support/images.ts";
import { uploadOne } from "../support/images-api.ts";
import { runCli, useSuiteServer } from "../support/pixvault.ts";

describe("pixvault ls, rm and share", () => {
  const suite = useSuiteServer();
  let home: ClientHome;
  let token: string;
  const images: Record<string, { id: string; bytes: Buffer }> = {};
  beforeAll(async () => {
    ({ home, token } = await loggedInClient(suite.url));
    for (const [name, seed, options] of [
      ["one.png", 1, {}],
      ["two.png", 2, { tags: "beach" }],
      ["three.png", 3, { visibility: "public" }],
    ] as const) {
      const bytes = noisePng({ width: 40 + seed, height: 30, seed: 90 + seed });
      images[name] = { id: (await uploadOne(suite.url, token, { name, bytes }, options)).id, bytes };
    }
  });
  afterAll(() => home.remove());

  test("ls prints ids and names, a --long table, or one --json document; --tag and --public filter", async () => {
    const plain = await home.run(["ls"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim().split("\n").sort()).toEqual(["one.png", "two.png", "three.png"].map((n) => `${images[n]!.id}  ${n}`).sort());

    const long = await home.run(["ls", "--long"]);
    const [header, ...rows] = long.stdout.trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["ID", "SIZE", "TYPE", "DIMENSIONS", "TAKEN/CREATED", "VISIBILITY", "FILENAME"]);
    const three = rows.find((r) => r.includes(images["three.png"]!.id))!;
    expect(three).toMatch(/ \d+\.\d KiB +image\/png +43x30 +\d{4}-\d\d-\d\d \d\d:\d\d added +public +three\.png$/);

    const json = await home.run(["ls", "--json", "--tag", "beach"]);
    const doc = JSON.parse(json.stdout) as { items: { id: string; filename: string; tags: string[] }[] };
    expect(doc.items.map((i) => [i.filename, i.tags])).toEqual([["two.png", ["beach"]]]);

    const pub = await home.run(["ls", "--public"]);
    expect(pub.stdout).toContain(`${images["three.png"]!.id}  three.png`);
    expect(pub.stdout).not.toContain("one.png");

    // --label is the server's to answer (image analysis, SPEC §9): it is sent as label=.
    const since = suite.server.logs().length;
    expect((await home.run(["ls", "--label", "dog"])).code).toBe(0);
    expect(await suite.server.logged((l) => l.msg === "request" && l.route === "/api/v1/images", { after: since })).toBe(true);

    const both = await home.run(["ls", "--long", "--json"]);
    expect(both.code).toBe(2);
  });

  test("share prints a URL that serves the image; limits and passwords are the link's", async () => {
    const one = images["one.png"]!;
    const r = await home.run(["share", one.id, "--expires", "1d", "--max-downloads", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(new RegExp(`^${suite.url}/s/\\S+$`));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), one.bytes)).toBe(0);
    expect((await fetch(url)).status).toBe(410); // one download, used up

    const locked = await home.run(["share", one.id, "--password-stdin"], { stdin: "Pv-link-secret-77\n" });
    expect(locked.code).toBe(0);
    const lockedUrl = locked.stdout.trim();
    expect((await fetch(lockedUrl)).headers.get("content-type")).toStartWith("text/html"); // the password form
    const unlock = await fetch(lockedUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: "Pv-link-secret-77" }),
      redirect: "manual",
    });
    expect(unlock.status).toBe(303);
    const cookie = unlock.headers.get("set-cookie")!.split(";")[0]!;
    const unlocked = await fetch(lockedUrl, { headers: { cookie } });
    expect(unlocked.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await unlocked.arrayBuffer()), one.bytes)).toBe(0);

    for (const [args, code] of [
      [["share", one.id, "--expires", "30s"], 2],
      [["share"], 2],
      [["share", "a", "b"], 2],
      [["share", "no-such-image"], 1],
    ] as const) {
      const out = await home.run([...args]);
      expect({ args, code: out.code }).toEqual({ args, code });
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  test("rm asks on a terminal, refuses without one unless --yes, and exits 1 for ids it could not delete", async () => {
    const two = images["two.png"]!;
    const noTerminal = await home.run(["rm", two.id]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain("give --yes");
    expect((await call(suite.url, "GET", `/api/v1/images/${two.id}`, { token })).status).toBe(200);

    const no = await runOnTerminal(["rm", two.id], [{ prompt: /\[y\/N\] $/, answer: "n" }], home.env, home.dir);
    expect(no.code).toBe(1);
    expect(no.stdout).toContain("nothing deleted");
    expect((await call(suite.url, "GET", `/api/v1/images/${two.id}`, { token })).status).toBe(200);

    const yes = await runOnTerminal(["rm", two.id], [{ prompt: /Delete image \S+ from .*\[y\/N\] $/, answer: "y" }], home.env, home.dir);
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.stdout).toContain(`deleted ${two.id}`);
    expect((await call(suite.url, "GET", `/api/v1/images/${two.id}`, { token })).status).toBe(404);

    const three = images["three.png"]!;
    const mixed = await home.run(["rm", three.id, "not-an-id", "--yes"]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toContain(`deleted ${three.id}`);
    expect(mixed.stderr).toContain("failed not-an-id: 404 not_found");
    expect(mixed.stdout).toContain("rm: 1 deleted, 1 failed");
    expect((await home.run(["rm", "--yes"])).code).toBe(2);
  });
});

describe("the client commands' help", () => {
  test("pixvault --help lists each one, and each has its own --help", async () => {
    const main = await runCli(["--help"]);
    expect(main.code).toBe(0);
    for (const usage of ["login --server URL", "logout", "push PATH...", "pull [--out DIR]", "ls [--public]", "rm ID...", "share ID"]) {
      expect(main.stdout).toContain(`  ${usage}`);
    }
    for (const [command, words] of [
      ["login", ["--insecure-skip-verify", "DANGEROUS", "0600", "PIXVAULT_SERVER"]],
      ["logout", ["revoke"]],
      ["push", ["--dry-run", "--album NAME", "8 MiB", "sha256"]],
      ["pull", ["--zip FILE", ".part", "mtime"]],
      ["ls", ["--label L", "SPEC §9", "--long", "--json"]],
      ["rm", ["--yes", "exit 2"]],
      ["share", ["--expires", "--max-downloads", "--password-stdin"]],
    ] as const) {
      const r = await runCli([command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith(`Usage: pixvault ${command}`);
      for (const w of [...words, "Exit 0", "3 when the server refused"])
        expect({ command, has: r.stdout.includes(w) }).toEqual({ command, has: true });
    }
  });
});
