// useInProcessServer(): a suite's server as the test app (createTestApp) served on 127.0.0.1, with
// its clock, for suites that only check rules and would otherwise spawn the binary and sleep.
import { afterAll, beforeAll } from "bun:test";
import { createTestApp, type TestApp } from "../../src/test-app.ts";

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface InProcessServer {
  readonly app: TestApp;
  readonly url: string;
  readonly dataDir: string;
  /** The same shape as a spawned server's, for the log checks: every line the app logged, as text or parsed. */
  readonly server: { output(): string; logs(): LogLine[] };
}

/** Registers beforeAll/afterAll in the calling describe block, like useSuiteServer. */
export function useInProcessServer(flags: string[] = []): InProcessServer {
  let app: TestApp | undefined;
  let url: string | undefined;
  // As startServer does: suites register dozens of users from 127.0.0.1, and the sign-up limit
  // per address has its own tests, which set the flag themselves.
  const limit = flags.includes("--registration-max-per-ip") ? [] : ["--registration-max-per-ip", "1000000"];
  beforeAll(async () => {
    app = await createTestApp({ flags: [...limit, ...flags] });
    url = await app.listen();
  });
  afterAll(() => app?.close());
  const started = () => {
    if (!app || url === undefined) throw new Error("the suite's app is used before beforeAll started it");
    return { app, url };
  };
  return {
    get app() {
      return started().app;
    },
    get url() {
      return started().url;
    },
    get dataDir() {
      return started().app.config.dataDir;
    },
    server: {
      output: () => started().app.logs.join(""),
      logs: () => started().app.logs.map((line) => JSON.parse(line) as LogLine),
    },
  };
}
