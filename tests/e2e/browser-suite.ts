// The frame of a feature's browser suite: dist/pixvault copied alone into an empty directory (so the
// UI must come from inside the executable), its server, headless Chromium and a desktop-sized page
// whose errors are collected; and signing up through the UI, which is each suite's first step.
import { afterAll, beforeAll, expect } from "bun:test";
import { readdirSync } from "node:fs";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { type RunningServer, startServer, tempDir } from "../support/pixvault.ts";
import { useBuiltBinary } from "./built-binary.ts";

export interface BrowserSuite {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** The suite's own page (1100×800), the one that signs up. */
  readonly page: Page;
  /** Where the executable runs (its data in data/), for files a test writes. */
  readonly dir: string;
  /** Every uncaught error of the suite's pages: a suite ends by expecting none. */
  readonly pageErrors: string[];
  /** A page in a context of its own, without the suite's cookie: a stranger, or another screen. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

export interface SuiteOptions {
  /** Playwright's wait for each action, 10 s unless said. */
  timeoutMs?: number;
  /** Lets the suite's page read and write the clipboard (copy buttons). */
  clipboard?: boolean;
}

/** Registers the hooks that start and stop the suite; the handle is usable once beforeAll has run. */
export function useBrowserSuite(prefix: string, options: SuiteOptions = {}): BrowserSuite {
  const dir = tempDir(prefix);
  const pageErrors: string[] = [];
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const open = async (contextOptions: BrowserContextOptions = {}) => {
    const context = await started(browser).newContext({ viewport: { width: 1100, height: 800 }, ...contextOptions });
    context.setDefaultTimeout(options.timeoutMs ?? 10_000);
    const opened = await context.newPage();
    opened.on("pageerror", (e) => pageErrors.push(e.message));
    return opened;
  };
  beforeAll(async () => {
    useBuiltBinary(dir.path);
    expect(readdirSync(dir.path)).toEqual(["pixvault"]);
    server = await startServer([], { cwd: dir.path });
    browser = await launchChromium();
    page = await open();
    if (options.clipboard) await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir.remove();
  });
  return {
    get server() {
      return started(server);
    },
    get browser() {
      return started(browser);
    },
    get page() {
      return started(page);
    },
    dir: dir.path,
    pageErrors,
    newPage: open,
  };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the browser suite is used before its beforeAll started it");
  return value;
}

/** Creates an account on the sign-up page and waits for the user's (empty) images. */
export async function signUp(suite: BrowserSuite, person: { name: string; username: string; password: string }): Promise<void> {
  const { page } = suite;
  await page.goto(suite.server.url);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByRole("heading", { level: 1, name: "Create an account" }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill(person.name);
  await page.getByLabel("Username", { exact: true }).fill(person.username);
  await page.getByLabel("Email", { exact: true }).fill(`${person.username}@example.org`);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { level: 1, name: "My images" }).waitFor();
}
