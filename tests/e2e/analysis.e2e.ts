// Analysis in the web UI (SPEC §9): dist/pixvault alone in an empty directory, driven by headless
// Chromium — upload real photos and wait for their analysis; filter the grid by label and by colour
// (kept in the address, after a reload too, and for the public gallery signed out); an image's page
// lists its objects and colours, each a link to the grid they filter; then the duplicates page finds an
// identical and a resized copy of a photo, and keeping one of each group deletes the others after
// the confirmation. Run by .ci/run after the build.
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { colorBucket } from "../../src/media/analysis/color-buckets.ts";
import { signUp, useBrowserSuite } from "./browser-suite.ts";

const PHOTOS = join(import.meta.dir, "../fixtures/photos");
const STEP_MS = 30_000;
const ANALYSIS_MS = 180_000;
/** A person, a cup, a black cat, green park and a plate: objects and colours apart. */
const UPLOADED = ["astronaut.jpg", "coffee.jpg", "black-cat.jpg", "park-sculpture.jpg", "food-dip.jpg"];

interface Listed {
  id: string;
  filename: string;
  analysis: { status: string; colors: string[]; labels: { name: string; score: number }[] };
}

const suite = useBrowserSuite("pixvault-e2e-analysis-");

const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name });
const cardNames = (p: Page) => p.locator(".grid .card .name").allTextContents();
const sorted = (names: string[]) => [...names].sort();

/** The signed-in user's images, through the page's own cookie. */
const listed = (): Promise<Listed[]> =>
  suite.page.evaluate(async () => ((await (await fetch("/api/v1/images?limit=100")).json()) as { items: Listed[] }).items);

/** Polls the API until no image's analysis is pending; returns the images. */
async function analysed(count: number): Promise<Listed[]> {
  const until = Date.now() + ANALYSIS_MS - 10_000;
  for (;;) {
    const items = await listed();
    if (items.length === count && items.every((i) => i.analysis.status !== "pending")) return items;
    if (Date.now() > until) throw new Error(`analysis still pending: ${JSON.stringify(items.map((i) => [i.filename, i.analysis.status]))}`);
    await Bun.sleep(1000);
  }
}

const withLabel = (items: Listed[], label: string) => items.filter((i) => i.analysis.labels.some((l) => l.name === label));
const withColor = (items: Listed[], color: string) => items.filter((i) => i.analysis.colors.map(colorBucket).includes(color as never));
const namesOf = (items: Listed[]) => sorted(items.map((i) => i.filename));

/** Clicks a colour's swatch (its radio button is hidden behind it), as a person would. */
const chooseColour = (p: Page, name: string) => p.locator(".color-option", { has: p.getByRole("radio", { name, exact: true }) }).click();

/** Waits for the grid to show exactly `names` (in any order). */
async function gridShows(p: Page, names: string[]): Promise<void> {
  await p.getByText(`${names.length} image${names.length === 1 ? "" : "s"} shown.`).waitFor();
  expect(sorted(await cardNames(p))).toEqual(sorted(names));
}

let photos: Listed[] = [];

test(
  "sign up, upload five real photos, and wait for their analysis",
  async () => {
    const { page } = suite;
    await signUp(suite, { name: "Lena Example", username: "lena", password: "violet kites drift over harbour" });
    await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles(UPLOADED.map((f) => join(PHOTOS, f)));
    await page.getByText("5 files uploaded.").waitFor();
    photos = await analysed(UPLOADED.length);
    expect(photos.every((p) => p.analysis.status === "ready")).toBe(true);
    expect(namesOf(withLabel(photos, "person"))).toContain("astronaut.jpg");
    expect(namesOf(withLabel(photos, "cup"))).toContain("coffee.jpg");
  },
  ANALYSIS_MS,
);

test(
  "the grid filters by label and by colour, together and with a reload; Show all clears both",
  async () => {
    const { page } = suite;
    const people = namesOf(withLabel(photos, "person"));
    expect(people).not.toContain("coffee.jpg");
    await page.reload();
    await page.getByLabel("Label", { exact: true }).fill("Person");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await gridShows(page, people);
    expect(page.url()).toEndWith("#/?label=person");

    const greens = namesOf(withColor(photos, "green"));
    expect(greens).toContain("park-sculpture.jpg");
    expect(greens.length).toBeLessThan(UPLOADED.length);
    await page.getByRole("button", { name: "Show all" }).click();
    await gridShows(page, UPLOADED);
    await chooseColour(page, "green");
    await gridShows(page, greens);
    expect(page.url()).toEndWith("#/?color=green");

    // Both at once: a cup in the coffee photo's own main colour; the address keeps them over a reload.
    const coffee = photos.find((p) => p.filename === "coffee.jpg")!;
    const coffeeColor = colorBucket(coffee.analysis.colors[0]!);
    await chooseColour(page, coffeeColor);
    await page.getByLabel("Label", { exact: true }).fill("cup");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    const cups = withLabel(photos, "cup").filter((i) => withColor([i], coffeeColor).length);
    await gridShows(page, namesOf(cups));
    expect(page.url()).toEndWith(`#/?label=cup&color=${coffeeColor}`);
    await page.reload();
    await gridShows(page, namesOf(cups));
    await expect(page.getByLabel("Label", { exact: true }).inputValue()).resolves.toBe("cup");
    await expect(page.getByRole("radio", { name: coffeeColor, exact: true }).isChecked()).resolves.toBe(true);

    await page.getByLabel("Label", { exact: true }).fill("giraffe");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.getByText(/^No image matches\./).waitFor();
    await page.getByRole("button", { name: "Show all" }).click();
    await gridShows(page, UPLOADED);
    await expect(page.getByRole("radio", { name: "Any", exact: true }).isChecked()).resolves.toBe(true);
    expect(page.url()).toEndWith("#/");
  },
  STEP_MS,
);

test(
  "an image's page lists its objects with their scores and its colours; a label filters the grid",
  async () => {
    const { page } = suite;
    const astronaut = photos.find((p) => p.filename === "astronaut.jpg")!;
    await page.getByRole("link", { name: "astronaut.jpg", exact: true }).click();
    await heading(page, "astronaut.jpg").waitFor();
    const found = page.getByRole("region", { name: "Found in this image" });
    const person = astronaut.analysis.labels.find((l) => l.name === "person")!;
    const link = found.getByRole("link", { name: `person ${Math.round(person.score * 100)}%`, exact: true });
    await expect(link.getAttribute("href")).resolves.toBe("#/?label=person");
    expect(await found.getByRole("list", { name: "Objects" }).getByRole("listitem").count()).toBe(astronaut.analysis.labels.length);

    const colours = found.getByRole("list", { name: "Colours" }).getByRole("link");
    expect(await colours.count()).toBe(astronaut.analysis.colors.length);
    const first = astronaut.analysis.colors[0]!;
    const bucket = colorBucket(first);
    await expect(colours.first().getAttribute("aria-label")).resolves.toBe(`${bucket} (${first})`);
    await expect(colours.first().getAttribute("href")).resolves.toBe(`#/?color=${bucket}`);
    // The swatch is painted in the colour itself (through the CSSOM: the CSP refuses style attributes).
    const rgb = [1, 3, 5].map((i) => Number.parseInt(first.slice(i, i + 2), 16)).join(", ");
    const painted = await colours
      .first()
      .locator(".swatch")
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(painted).toBe(`rgb(${rgb})`);

    await link.click();
    await heading(page, "My images").waitFor();
    await gridShows(page, namesOf(withLabel(photos, "person")));
    await expect(page.getByLabel("Label", { exact: true }).inputValue()).resolves.toBe("person");
  },
  STEP_MS,
);

test(
  "the public gallery filters by label too, signed out",
  async () => {
    const { page } = suite;
    await page.getByRole("checkbox", { name: "Select astronaut.jpg", exact: true }).check();
    await page.getByRole("button", { name: "Make public" }).click();
    await page.getByRole("status").getByText("1 image made public.").waitFor();
    await page.getByRole("button", { name: "Clear selection" }).click();

    const other = await suite.newPage({ viewport: { width: 390, height: 844 } });
    await other.goto(`${suite.server.url}/#/public?label=person`);
    await heading(other, "Public images").waitFor();
    await gridShows(other, ["astronaut.jpg"]);
    // On a phone the label and colour filters fold into the filter bar with the others.
    expect(await other.locator("#listing-controls").isHidden()).toBe(true);
    await other.getByRole("button", { name: "Filter and sort" }).click();
    await expect(other.getByLabel("Label", { exact: true }).inputValue()).resolves.toBe("person");
    await other.getByRole("radio", { name: "white", exact: true }).waitFor({ state: "attached" });
    expect(await other.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await other.getByLabel("Label", { exact: true }).fill("cup");
    await other.getByLabel("Label", { exact: true }).press("Enter");
    await other.getByText(/^No image matches\./).waitFor();
    await other.context().close();
  },
  STEP_MS,
);

test(
  "duplicates: an identical and a resized copy are grouped; keeping one of each deletes the others",
  async () => {
    const { page } = suite;
    const original = readFileSync(join(PHOTOS, "food-dip.jpg"));
    const small = join(suite.dir, "food-dip-small.jpg");
    const copy = join(suite.dir, "food-dip-copy.jpg");
    writeFileSync(small, await sharp(original).resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer());
    writeFileSync(copy, original);
    await page.getByLabel("Choose images to upload", { exact: true }).setInputFiles([small, copy]);
    await page.getByText("2 files uploaded.").waitFor();
    const before = await analysed(UPLOADED.length + 2);
    const idOf = (name: string) => before.find((i) => i.filename === name)!.id;

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Duplicates" }).click();
    await heading(page, "Duplicates").waitFor();
    await page.getByText("2 groups: 1 of identical copies, 1 of similar images.").waitFor();
    const identical = page.locator(".duplicate-group[data-kind=identical]");
    const similar = page.locator(".duplicate-group[data-kind=similar]");
    expect(sorted(await identical.locator(".name").allTextContents())).toEqual(["food-dip-copy.jpg", "food-dip.jpg"]);
    const similarNames = await similar.locator(".name").allTextContents();
    expect(similarNames).toHaveLength(2);
    expect(similarNames).toContain("food-dip-small.jpg");
    // Suggested: the oldest of identical copies, the largest of similar images.
    await expect(identical.getByRole("radio", { name: "Keep food-dip.jpg" }).isChecked()).resolves.toBe(true);
    await expect(similar.getByRole("radio", { name: "Keep food-dip-small.jpg" }).isChecked()).resolves.toBe(false);

    // Keep the copy, by keyboard; cancelling the confirmation deletes nothing.
    const keepCopy = identical.getByRole("radio", { name: "Keep food-dip-copy.jpg" });
    await keepCopy.focus();
    await page.keyboard.press("Space");
    await expect(keepCopy.isChecked()).resolves.toBe(true);
    // A look at one large in the viewer comes back here with the choice kept.
    await identical.getByRole("link", { name: "food-dip.jpg", exact: true }).click();
    await heading(page, "food-dip.jpg").waitFor();
    await page.keyboard.press("Escape");
    await heading(page, "Duplicates").waitFor();
    await expect(keepCopy.isChecked()).resolves.toBe(true);
    await identical.getByRole("button", { name: "Delete the others…" }).press("Enter");
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading").textContent()).resolves.toBe("Delete 1 image?");
    await expect(dialog.textContent()).resolves.toContain("“food-dip.jpg” will be deleted for good");
    await expect(dialog.textContent()).resolves.toContain("“food-dip-copy.jpg” stays");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await identical.locator(".card").count()).toBe(2);

    await identical.getByRole("button", { name: "Delete the others…" }).click();
    await dialog.getByRole("button", { name: "Delete 1 image" }).click();
    await page.getByRole("status").getByText("Deleted 1 image, kept “food-dip-copy.jpg”.").waitFor();
    await page.getByText("1 group: 0 of identical copies, 1 of similar images.").waitFor();
    expect(await identical.count()).toBe(0);
    // Focus moves on to the group now in its place; that group is the copy and the resized one.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Similar images: 2 images");
    expect(sorted(await similar.locator(".name").allTextContents())).toEqual(["food-dip-copy.jpg", "food-dip-small.jpg"]);
    await expect(similar.getByRole("radio", { name: "Keep food-dip-copy.jpg" }).isChecked()).resolves.toBe(true);

    await similar.getByRole("button", { name: "Delete the others…" }).click();
    await dialog.getByRole("button", { name: "Delete 1 image" }).click();
    await page.getByRole("status").getByText("Deleted 1 image, kept “food-dip-copy.jpg”.").waitFor();
    await page.getByText("No duplicates: none of your images is a copy of another.").waitFor();

    const after = await listed();
    expect(namesOf(after)).toEqual(sorted([...UPLOADED.filter((n) => n !== "food-dip.jpg"), "food-dip-copy.jpg"]));
    const status = (id: string) => page.evaluate(async (id) => (await fetch(`/api/v1/images/${id}`)).status, id);
    await expect(status(idOf("food-dip.jpg"))).resolves.toBe(404);
    await expect(status(idOf("food-dip-small.jpg"))).resolves.toBe(404);
    await expect(status(idOf("food-dip-copy.jpg"))).resolves.toBe(200);
    expect(suite.pageErrors).toEqual([]);
  },
  ANALYSIS_MS,
);
