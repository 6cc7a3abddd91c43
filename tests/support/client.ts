// The client commands (SPEC §11) as a person runs them: pixvault as a process with its own HOME and
// XDG_CONFIG_HOME, signed in to a real server through `pixvault login`.
import { expect } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type TestUser, registerUser } from "./accounts.ts";
import { type CliResult, cleanEnv, pixvaultCommand, runCli, tempDir } from "./pixvault.ts";

export interface ClientHome {
  /** The temp dir holding home/, config/ and whatever the test writes. */
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly credentialsFile: string;
  run(args: string[], opts?: { stdin?: string; env?: Record<string, string>; cwd?: string }): Promise<CliResult>;
  remove(): void;
}

/** A fresh HOME and XDG_CONFIG_HOME for one client. */
export function clientHome(): ClientHome {
  const dir = tempDir("pixvault-client-");
  const home = join(dir.path, "home");
  const config = join(dir.path, "config");
  mkdirSync(home);
  const env = { HOME: home, XDG_CONFIG_HOME: config };
  return {
    dir: dir.path,
    env,
    credentialsFile: join(config, "pixvault", "client.json"),
    run: (args, opts = {}) =>
      runCli(args, { env: { ...env, ...opts.env }, cwd: opts.cwd ?? dir.path, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) }),
    remove: dir.remove,
  };
}

/** A new user on `url`, logged in from a fresh client home (asserting exit 0). */
export async function loggedInClient(url: string): Promise<{ home: ClientHome; user: TestUser; token: string }> {
  const user = await registerUser(url);
  const home = clientHome();
  const r = await home.run(["login", "--server", url, "--username", user.username, "--password-stdin"], { stdin: `${user.password}\n` });
  expect(r.code, r.stderr).toBe(0);
  const token = (JSON.parse(readFileSync(home.credentialsFile, "utf8")) as { token: string }).token;
  return { home, user, token };
}

/**
 * Runs pixvault on a pseudo-terminal (util-linux `script`) and answers its prompts: each step waits
 * until the terminal shows `prompt`, then types `answer` and Enter. Returns the terminal's transcript.
 */
export async function runOnTerminal(
  args: string[],
  steps: readonly { prompt: RegExp; answer: string }[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const quoted = [...pixvaultCommand(), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const proc = Bun.spawn(["script", "-qec", quoted, "/dev/null"], {
    cwd,
    env: cleanEnv({ ...env, TERM: "dumb" }),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let transcript = "";
  const decoder = new TextDecoder();
  const pumping = (async () => {
    for await (const chunk of proc.stdout) transcript += decoder.decode(chunk, { stream: true });
  })();
  const stderr = new Response(proc.stderr).text();
  let seen = 0;
  for (const step of steps) {
    const deadline = Date.now() + 10_000;
    while (!step.prompt.test(transcript.slice(seen))) {
      if (Date.now() > deadline) throw new Error(`no prompt ${step.prompt} on the terminal:\n${transcript}`);
      await Bun.sleep(20);
    }
    seen = transcript.length;
    await Bun.sleep(50); // the prompt is written just before the terminal mode is set
    proc.stdin.write(`${step.answer}\r`);
    await proc.stdin.flush();
  }
  const code = await proc.exited;
  proc.stdin.end();
  await pumping;
  return { code, stdout: transcript, stderr: await stderr };
}
