// Reading zips back the way users' tools do: Python's zipfile (and `unzip`, called directly).
import { expect } from "bun:test";
import { spawnSync } from "node:child_process";

export interface PythonZipView {
  names: string[];
  sizes: number[];
  /** date_time of each entry as an ISO string without zone (DOS time: two-second steps). */
  times: string[];
  /** testzip() found every CRC right. */
  ok: boolean;
}

export function pythonZipView(path: string): PythonZipView {
  const script =
    "import sys, zipfile, json\n" +
    "z = zipfile.ZipFile(sys.argv[1])\n" +
    "bad = z.testzip()\n" +
    "print(json.dumps({'names': z.namelist(), 'sizes': [i.file_size for i in z.infolist()], 'ok': bad is None,\n" +
    "  'times': ['%04d-%02d-%02dT%02d:%02d:%02d' % i.date_time for i in z.infolist()]}))";
  const r = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
