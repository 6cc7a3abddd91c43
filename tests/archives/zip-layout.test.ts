// The zip layout on its own: ZIP64 records read by real unzip and Python, the arithmetic of
// archives past 4 GiB, any range equal to the same bytes of the whole, and safe entry names.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { zipLayout, type ZipEntry, type ZipLayout } from "../../src/archive/zip-layout.ts";
import { safeEntryName, uniqueEntryNames } from "../../src/domain/archives/entry-names.ts";
import { tempDir } from "../support/pixvault.ts";
import { pythonZipView } from "../support/zip.ts";

const WHEN = new Date("2026-03-01T12:34:56Z");
const scratch = tempDir("pixvault-ziplayout-");
afterAll(() => scratch.remove());

function entriesOf(files: { name: string; data: Buffer }[]): ZipEntry[] {
  return files.map((f) => ({ name: f.name, size: f.data.length, crc32: crc32(f.data), modified: WHEN }));
}

/** The bytes of start..end, with entry data taken from `files`. */
function render(layout: ZipLayout, files: Buffer[], start = 0, end = layout.size - 1): Buffer {
  const out: Buffer[] = [];
  for (const slice of layout.slices(start, end)) {
    out.push(slice.kind === "bytes" ? Buffer.from(slice.bytes) : files[slice.entry]!.subarray(slice.start, slice.endInclusive + 1));
  }
  return Buffer.concat(out);
}

describe("zip layout", () => {
  const files = [
    { name: "a.png", data: randomBytes(70_000) },
    { name: "empty.gif", data: Buffer.alloc(0) },
    { name: "ünïcødé 猫.jpg", data: randomBytes(1234) },
  ];

  for (const forceZip64 of [false, true]) {
    test(`${forceZip64 ? "with ZIP64 records" : "classic"}: unzip -t and Python's zipfile accept it, names and times intact`, () => {
      const layout = zipLayout(entriesOf(files), { forceZip64 });
      const bytes = render(
        layout,
        files.map((f) => f.data),
      );
      expect(bytes.length).toBe(layout.size);
      const path = join(scratch.path, `${forceZip64 ? "zip64" : "classic"}.zip`);
      writeFileSync(path, bytes);
      const unzip = spawnSync("unzip", ["-t", path], { encoding: "utf8" });
      expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
      const read = pythonZipView(path);
      expect(read.ok).toBe(true);
      expect(read.names).toEqual(files.map((f) => f.name));
      expect(read.times).toEqual(files.map(() => "2026-03-01T12:34:56"));
      if (forceZip64) {
        // The ZIP64 end record and its locator are there.
        expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
        expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true);
      }
    });
  }

  test("every range is exactly the same bytes of the whole archive", () => {
    const layout = zipLayout(entriesOf(files));
    const data = files.map((f) => f.data);
    const whole = render(layout, data);
    for (const [start, end] of [
      [0, 0],
      [0, 29],
      [17, 70_100],
      [70_000, layout.size - 1],
      [layout.size - 22, layout.size - 1],
    ] as const) {
      expect(render(layout, data, start, end).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    expect(() => [...layout.slices(0, layout.size)]).toThrow(RangeError);
  });

  test("past 4 GiB: entries and the central directory switch to ZIP64 only where needed", () => {
    const big = 5 * 2 ** 30;
    const layout = zipLayout([
      { name: "big.tiff", size: big, crc32: 1, modified: WHEN },
      { name: "after.png", size: 10, crc32: 2, modified: WHEN },
    ]);
    const headers = [...layout.slices(0, layout.size - 1)]
      .filter((s) => s.kind === "bytes")
      .map((s) => Buffer.from((s as { bytes: Uint8Array }).bytes));
    const [firstLocal, secondLocal, central, end] = headers as [Buffer, Buffer, Buffer, Buffer];
    // First entry: sizes in a ZIP64 extra (0xFFFFFFFF in the 32-bit slots).
    expect(firstLocal.readUInt32LE(18)).toBe(0xffffffff);
    expect(firstLocal.readUInt16LE(4)).toBe(45);
    // Second entry: small, so a classic local header, but its offset is past 4 GiB…
    expect(secondLocal.readUInt32LE(18)).toBe(10);
    // …so the central directory and the end records use ZIP64.
    const centralSecond = central.indexOf(Buffer.from("after.png")) - 46;
    expect(central.readUInt32LE(centralSecond)).toBe(0x02014b50);
    expect(central.readUInt32LE(centralSecond + 42)).toBe(0xffffffff);
    expect(end.readUInt32LE(0)).toBe(0x06064b50);
    // The ZIP64 end record points at the central directory, past 4 GiB.
    expect(Number(end.readBigUInt64LE(48))).toBe(big + 10 + firstLocal.length + secondLocal.length);
    expect(layout.size).toBeGreaterThan(big + 10);
  });
});

describe("entry names", () => {
  test("path separators, drive colons, dot names and control characters never reach an entry", () => {
    expect(safeEntryName("../../etc/passwd")).toBe(".._.._etc_passwd");
    expect(safeEntryName("C:\\Windows\\x.png")).toBe("C__Windows_x.png");
    expect(safeEntryName("..")).toBe("image");
    expect(safeEntryName(".")).toBe("image");
    expect(safeEntryName("a\u0000b\u001fc.png")).toBe("a_b_c.png");
    for (const name of ["../x", "a/b", "a\\b", "c:d"]) expect(safeEntryName(name)).not.toMatch(/[/\\:]/);
  });

  test("duplicates are made unique regardless of case, in order, and stay linear for thousands", () => {
    expect(uniqueEntryNames(["cat.png", "Cat.PNG", "cat.png", "cat (1).png"])).toEqual([
      "cat.png",
      "Cat (1).PNG",
      "cat (2).png",
      "cat (1) (1).png",
    ]);
    const many = uniqueEntryNames(Array.from({ length: 10_000 }, () => "IMG.jpg"));
    expect(new Set(many.map((n) => n.toLowerCase())).size).toBe(10_000);
    expect(many[9_999]).toBe("IMG (9999).jpg");
  });
});
