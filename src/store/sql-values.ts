// Values as the drivers return them from raw SQL.

/** Blobs arrive as Buffer from the local driver and as ArrayBuffer from a libSQL server. */
export function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("expected a blob column");
}
