// The byte layout of a stored (uncompressed) zip whose entries' sizes and CRC-32s are known
// before any data is read. Because every header can be computed up front, the archive's
// length is known (an exact Content-Length), the same entries always give the same bytes
// (a strong ETag), and any byte range can be produced without writing what comes before it
// (Range requests, resumed downloads). archiver cannot do the last two: it writes an archive
// from its first byte and learns sizes and CRCs by reading the data.
//
// Format: PKWARE APPNOTE 6.3.x: local header, data (no data descriptor), central directory,
// then ZIP64 end records when needed, then the classic end record. Names are UTF-8 (flag
// bit 11); times are DOS time (UTC fields) plus an extended-timestamp field (0x5455).

export interface ZipEntry {
  /** Already safe and unique (see archive-names.ts). */
  readonly name: string;
  readonly size: number;
  readonly crc32: number;
  readonly modified: Date;
}

/** A piece of the archive: header bytes, or a range of one entry's data. */
type ZipSlice =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "data"; readonly entry: number; readonly start: number; readonly endInclusive: number };

export interface ZipLayout {
  readonly size: number;
  readonly entries: readonly ZipEntry[];
  /** The pieces covering archive bytes start..endInclusive, in order. */
  slices(start: number, endInclusive: number): Generator<ZipSlice>;
}

export interface ZipOptions {
  /** ZIP64 records on every entry and at the end even when not needed (tests of ZIP64 readers). */
  readonly forceZip64?: boolean;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_FLAG = 0x0800;
const VERSION_STORED = 20;
const VERSION_ZIP64 = 45;
// Made by "UNIX" (3), so unzip applies the mode in the external attributes: a plain 0644 file.
const MADE_BY_UNIX = 3 << 8;
const FILE_MODE = 0o100644;

interface Part {
  readonly offset: number;
  readonly length: number;
  readonly slice: { readonly kind: "bytes"; readonly bytes: Uint8Array } | { readonly kind: "data"; readonly entry: number };
}

export function zipLayout(entries: readonly ZipEntry[], options: ZipOptions = {}): ZipLayout {
  const force = options.forceZip64 === true;
  const parts: Part[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (slice: Part["slice"], length: number) => {
    parts.push({ offset, length, slice });
    offset += length;
  };

  entries.forEach((entry, index) => {
    const name = Buffer.from(entry.name, "utf8");
    if (name.length > MAX16) throw new RangeError("entry name too long for a zip");
    const bigSize = force || entry.size >= MAX32;
    const bigOffset = force || offset >= MAX32;
    const local = localHeader(entry, name, bigSize);
    central.push(centralHeader(entry, name, bigSize, bigOffset, offset));
    push({ kind: "bytes", bytes: local }, local.length);
    if (entry.size > 0) push({ kind: "data", entry: index }, entry.size);
  });

  const centralStart = offset;
  const centralBytes = Buffer.concat(central);
  if (centralBytes.length > 0) push({ kind: "bytes", bytes: centralBytes }, centralBytes.length);
  const end = endRecords(entries.length, centralStart, centralBytes.length, force);
  push({ kind: "bytes", bytes: end }, end.length);

  return {
    size: offset,
    entries,
    *slices(start, endInclusive) {
      if (!(start >= 0 && endInclusive < offset && start <= endInclusive)) {
        throw new RangeError(`range ${start}-${endInclusive} outside the ${offset}-byte archive`);
      }
      for (let i = firstPartAt(parts, start); i < parts.length; i += 1) {
        const part = parts[i]!;
        if (part.offset > endInclusive) return;
        const from = Math.max(start, part.offset) - part.offset;
        const to = Math.min(endInclusive, part.offset + part.length - 1) - part.offset;
        if (part.slice.kind === "bytes") yield { kind: "bytes", bytes: part.slice.bytes.subarray(from, to + 1) };
        else yield { kind: "data", entry: part.slice.entry, start: from, endInclusive: to };
      }
    },
  };
}

/** Binary search: the part that holds byte `at`. */
function firstPartAt(parts: readonly Part[], at: number): number {
  let lo = 0;
  let hi = parts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (parts[mid]!.offset <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function localHeader(entry: ZipEntry, name: Buffer, zip64: boolean): Uint8Array {
  const zip64Extra = zip64 ? extraField(0x0001, [u64(entry.size), u64(entry.size)]) : EMPTY;
  const extra = Buffer.concat([zip64Extra, timestampExtra(entry.modified)]);
  const { time, date } = dosDateTime(entry.modified);
  const head = Buffer.alloc(30);
  head.writeUInt32LE(0x04034b50, 0);
  head.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_STORED, 4);
  head.writeUInt16LE(UTF8_FLAG, 6);
  head.writeUInt16LE(0, 8); // stored
  head.writeUInt16LE(time, 10);
  head.writeUInt16LE(date, 12);
  head.writeUInt32LE(entry.crc32 >>> 0, 14);
  head.writeUInt32LE(zip64 ? MAX32 : entry.size, 18);
  head.writeUInt32LE(zip64 ? MAX32 : entry.size, 22);
  head.writeUInt16LE(name.length, 26);
  head.writeUInt16LE(extra.length, 28);
  return Buffer.concat([head, name, extra]);
}

function centralHeader(entry: ZipEntry, name: Buffer, bigSize: boolean, bigOffset: boolean, localOffset: number): Uint8Array {
  // Only the fields whose 32-bit slot holds 0xFFFFFFFF appear, in this order (APPNOTE 4.5.3).
  const zip64Values = [...(bigSize ? [u64(entry.size), u64(entry.size)] : []), ...(bigOffset ? [u64(localOffset)] : [])];
  const zip64Extra = zip64Values.length > 0 ? extraField(0x0001, zip64Values) : EMPTY;
  const extra = Buffer.concat([zip64Extra, timestampExtra(entry.modified)]);
  const needs = bigSize || bigOffset ? VERSION_ZIP64 : VERSION_STORED;
  const { time, date } = dosDateTime(entry.modified);
  const head = Buffer.alloc(46);
  head.writeUInt32LE(0x02014b50, 0);
  head.writeUInt16LE(MADE_BY_UNIX | needs, 4);
  head.writeUInt16LE(needs, 6);
  head.writeUInt16LE(UTF8_FLAG, 8);
  head.writeUInt16LE(0, 10);
  head.writeUInt16LE(time, 12);
  head.writeUInt16LE(date, 14);
  head.writeUInt32LE(entry.crc32 >>> 0, 16);
  head.writeUInt32LE(bigSize ? MAX32 : entry.size, 20);
  head.writeUInt32LE(bigSize ? MAX32 : entry.size, 24);
  head.writeUInt16LE(name.length, 28);
  head.writeUInt16LE(extra.length, 30);
  head.writeUInt16LE(0, 32); // comment
  head.writeUInt16LE(0, 34); // disk
  head.writeUInt16LE(0, 36); // internal attributes
  head.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
  head.writeUInt32LE(bigOffset ? MAX32 : localOffset, 42);
  return Buffer.concat([head, name, extra]);
}

function endRecords(count: number, centralStart: number, centralSize: number, force: boolean): Uint8Array {
  const zip64 = force || count >= MAX16 || centralStart >= MAX32 || centralSize >= MAX32;
  const records: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of this record
    record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(centralSize), 40);
    record.writeBigUInt64LE(BigInt(centralStart), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(centralStart + centralSize), 8);
    locator.writeUInt32LE(1, 16);
    records.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? MAX16 : count, 8);
  end.writeUInt16LE(zip64 ? MAX16 : count, 10);
  end.writeUInt32LE(zip64 ? MAX32 : centralSize, 12);
  end.writeUInt32LE(zip64 ? MAX32 : centralStart, 16);
  end.writeUInt16LE(0, 20);
  records.push(end);
  return Buffer.concat(records);
}

const EMPTY = Buffer.alloc(0);

function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

function extraField(id: number, values: Buffer[]): Buffer {
  const body = Buffer.concat(values);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** Extended timestamp (0x5455), modification time only: exact UTC seconds, unlike DOS time. */
function timestampExtra(modified: Date): Buffer {
  const body = Buffer.alloc(5);
  body.writeUInt8(1, 0);
  body.writeUInt32LE(Math.max(0, Math.min(MAX32, Math.floor(modified.getTime() / 1000))), 1);
  return extraField(0x5455, [body]);
}

/** DOS date/time from the UTC fields, clamped to DOS's 1980–2107 range. */
function dosDateTime(modified: Date): { time: number; date: number } {
  const year = modified.getUTCFullYear();
  if (year < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (modified.getUTCHours() << 11) | (modified.getUTCMinutes() << 5) | Math.floor(modified.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((modified.getUTCMonth() + 1) << 5) | modified.getUTCDate(),
  };
}
