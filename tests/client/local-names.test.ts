// The names pull gives files, from whatever filename a server sends (a hostile one included):
// never a path, never `.` or `..`, no control characters, bounded, with the type's extension.
import { describe, expect, test } from "bun:test";
import { numbered, safeLocalName } from "../../src/client/local-names.ts";

describe("safe local names", () => {
  test.each([
    ["cat.png", "image/png", "cat.png"],
    ["Cat.JPEG", "image/jpeg", "Cat.JPEG"],
    ["invoice.html", "image/gif", "invoice.html.gif"],
    ["../../etc/passwd", "image/png", ".._.._etc_passwd.png"],
    ["..\\..\\win.ini", "image/bmp", ".._.._win.ini.bmp"],
    ["..", "image/png", "_...png"],
    [".", "image/webp", "_..webp"],
    ["", "image/png", "_.png"],
    ["bell\u0007\u001b[31mred.png", "image/png", "bell__[31mred.png"],
    ["rtl\u202egnp.exe", "image/png", "rtl_gnp.exe.png"],
    ["no-extension", "image/heic", "no-extension.heic"],
    ["photo.heif", "image/heic", "photo.heif"],
  ])("%j (%s) → %j", (name, type, expected) => {
    const safe = safeLocalName(name, type);
    expect(safe).toBe(expected);
    expect(safe).not.toMatch(/[/\\\u0000-\u001f]/);
    expect([".", ".."]).not.toContain(safe);
  });

  test("long names are cut on a character boundary, keeping the extension, with room for a number and .part", () => {
    const safe = safeLocalName(`${"é".repeat(300)}.png`, "image/png");
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200);
    expect(safe).toEndWith("é.png");
    expect(Buffer.byteLength(`${numbered(safe, 9999)}.part`)).toBeLessThanOrEqual(255);
  });

  test("numbered names go before the extension", () => {
    expect(numbered("cat.png", 1)).toBe("cat (1).png");
    expect(numbered("README", 2)).toBe("README (2)");
    expect(numbered(".hidden", 3)).toBe(".hidden (3)");
  });
});
