// How far apart two 64-bit perceptual hashes are: the number of bits in which they differ.

/** The hash's 16 hex digits as two 32-bit halves (numbers: popcounts on them are much cheaper than on bigints). */
export function hashHalves(hex: string): readonly [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`a perceptual hash is 16 lower-case hex digits, not ${JSON.stringify(hex)}`);
  return [Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8), 16)];
}

/** Set bits of a 32-bit integer (the SWAR popcount). */
export function bitCount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The Hamming distance between two hashes given as 16 hex digits (0–64). */
export function hashDistance(a: string, b: string): number {
  const [ah, al] = hashHalves(a);
  const [bh, bl] = hashHalves(b);
  return bitCount((ah ^ bh) >>> 0) + bitCount((al ^ bl) >>> 0);
}
