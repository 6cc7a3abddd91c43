// Entry names of an archive: the images' filenames made safe for every unzip and unique.
import { nameKey, renameCandidate } from "../images/filenames.ts";

// Path separators, drive/stream colons and controls never reach an entry name: an unzip
// could otherwise write outside its target directory or to a device (zip-slip).
const UNSAFE = /[/\\:\u0000-\u001f\u007f-\u009f]/gu;

// Only dots and spaces: "." and "..", and names like "..." or ". ." that Windows, which drops
// trailing dots and spaces, would turn into one of them.
const ONLY_DOTS = /^[.\s]*$/u;

export function safeEntryName(filename: string): string {
  const cleaned = filename.replace(UNSAFE, "_").trim();
  return ONLY_DOTS.test(cleaned) ? "image" : cleaned;
}

/** Safe names, unique without regard to case, first come first served: `cat.png`, `cat (1).png`. */
export function uniqueEntryNames(filenames: readonly string[]): string[] {
  const taken = new Set<string>();
  // Where the search for a free `base (n)` resumes: 10,000 files named IMG.jpg stay linear.
  const nextSuffix = new Map<string, number>();
  return filenames.map((filename) => {
    const base = safeEntryName(filename);
    let name = base;
    let n = nextSuffix.get(nameKey(base)) ?? 1;
    while (taken.has(nameKey(name))) name = renameCandidate(base, n++);
    nextSuffix.set(nameKey(base), n);
    taken.add(nameKey(name));
    return name;
  });
}
