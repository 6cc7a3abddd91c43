// Grouping one user's images into identical and similar duplicates (SPEC §9), as the review screen will list them.
import { describe, expect, test } from "bun:test";
import { type DuplicateGroup, groupDuplicates, type HashedImage, SIMILAR_MAX_DISTANCE } from "../../src/domain/analysis/duplicates.ts";
import { hashDistance } from "../../src/domain/analysis/hash-distance.ts";

/** A hash with the given bits (0 = leftmost) flipped from `base`. */
function flip(base: string, ...bits: number[]): string {
  let value = BigInt(`0x${base}`);
  for (const bit of bits) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, "0");
}

const A = "f0f0f0f00f0f0f0f";
const B = "123456789abcdef0";
const image = (id: string, sha256: string, hash: string | null): HashedImage => ({ id, sha256, hash });

describe("identical and similar", () => {
  const scenarios: { name: string; images: HashedImage[]; groups: DuplicateGroup[] }[] = [
    {
      name: "nothing alike: no group",
      images: [image("a", "s1", A), image("b", "s2", B)],
      groups: [],
    },
    {
      name: "same bytes: identical, and not also similar",
      images: [image("a", "s1", A), image("b", "s1", A)],
      groups: [{ kind: "identical", ids: ["a", "b"] }],
    },
    {
      name: "a re-encoded copy (a few bits off): similar",
      images: [image("a", "s1", A), image("x", "s9", B), image("b", "s2", flip(A, 3, 40))],
      groups: [{ kind: "similar", ids: ["a", "b"] }],
    },
    {
      name: "exactly the threshold apart is similar, one bit more is not",
      images: [
        image("a", "s1", A),
        image("b", "s2", flip(A, ...Array.from({ length: SIMILAR_MAX_DISTANCE }, (_, i) => i * 7))),
        image("c", "s3", B),
        image("d", "s4", flip(B, ...Array.from({ length: SIMILAR_MAX_DISTANCE + 1 }, (_, i) => i * 5))),
      ],
      groups: [{ kind: "similar", ids: ["a", "b"] }],
    },
    {
      name: "copies of copies: one group, though the ends are further apart than the threshold",
      images: [
        image("a", "s1", A),
        image("b", "s2", flip(A, 0, 1, 2, 3, 4, 5)),
        image("c", "s3", flip(A, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)),
      ],
      groups: [{ kind: "similar", ids: ["a", "b", "c"] }],
    },
    {
      name: "identical copies of a photo with a resized copy: the identical group has both, the similar group the first of them",
      images: [image("a1", "s1", A), image("b", "s2", flip(A, 9)), image("a2", "s1", A)],
      groups: [
        { kind: "identical", ids: ["a1", "a2"] },
        { kind: "similar", ids: ["a1", "b"] },
      ],
    },
    {
      name: "images not analysed yet can be identical, never similar",
      images: [image("a", "s1", null), image("b", "s1", null), image("c", "s2", A), image("d", "s3", null)],
      groups: [{ kind: "identical", ids: ["a", "b"] }],
    },
    {
      name: "an identical set whose first image has no hash yet is represented by one that has",
      images: [image("a1", "s1", null), image("a2", "s1", A), image("b", "s2", flip(A, 60))],
      groups: [
        { kind: "identical", ids: ["a1", "a2"] },
        { kind: "similar", ids: ["a2", "b"] },
      ],
    },
    {
      name: "groups and their images in the caller's order, identical groups first",
      images: [image("z", "s5", B), image("c", "s3", A), image("y", "s5", B), image("b", "s2", flip(A, 1)), image("w", "s6", flip(B, 2))],
      groups: [
        { kind: "identical", ids: ["z", "y"] },
        { kind: "similar", ids: ["z", "w"] },
        { kind: "similar", ids: ["c", "b"] },
      ],
    },
  ];
  for (const s of scenarios) test(s.name, () => expect(groupDuplicates(s.images).groups).toEqual(s.groups));

  test("an empty library has no groups", () => expect(groupDuplicates([])).toEqual({ groups: [] }));
});

describe("the band index finds exactly the pairs that comparing every pair finds", () => {
  /** The similar groups by brute force: every pair compared, then joined transitively. */
  function everyPair(images: HashedImage[], maxDistance: number): string[][] {
    const parent = images.map((_, i) => i);
    const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        if (hashDistance(images[i]!.hash!, images[j]!.hash!) <= maxDistance) parent[root(j)] = root(i);
      }
    }
    const groups = new Map<number, string[]>();
    images.forEach((img, i) => void groups.set(root(i), [...(groups.get(root(i)) ?? []), img.id]));
    return [...groups.values()].filter((ids) => ids.length > 1);
  }

  // Hashes in a few clusters (as real libraries are: many photos of similar scenes), seeded.
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const centres = Array.from({ length: 8 }, () => flip("0000000000000000", ...Array.from({ length: 32 }, () => Math.floor(random() * 64))));
  const images = Array.from({ length: 1500 }, (_, i) => {
    const centre = centres[i % centres.length]!;
    return image(`i${i}`, `s${i}`, flip(centre, ...Array.from({ length: 1 + Math.floor(random() * 14) }, () => Math.floor(random() * 64))));
  });

  for (const maxDistance of [0, 1, 2, 3, 4, 5, 8, 11, 12]) {
    test(`within ${maxDistance} bits`, () => {
      const found = groupDuplicates(images, maxDistance).groups.map((g) => [...g.ids].sort());
      const expected = everyPair(images, maxDistance).map((ids) => [...ids].sort());
      // The clusters are tight enough that every distance tried here joins some images.
      expect(expected.length).toBeGreaterThan(0);
      const key = (groups: string[][]) => groups.map((ids) => ids.join(",")).sort();
      expect(key(found)).toEqual(key(expected));
    });
  }
});

test("50,000 random hashes with a resized copy of every tenth: each copy found with its source", () => {
  let seed = 7;
  const word = () => (seed = (Math.imul(seed ^ (seed >>> 13), 0x5bd1e995) + 0x6b43a9b5) >>> 0).toString(16).padStart(8, "0");
  const images = Array.from({ length: 50_000 }, (_, i) => image(`i${i}`, `s${i}`, word() + word()));
  for (let i = 0; i < 50_000; i += 10) images.push(image(`copy${i}`, `c${i}`, flip(images[i]!.hash!, i % 64, (i * 7) % 64)));
  const groupOf = new Map<string, number>();
  for (const [n, g] of groupDuplicates(images).groups.entries()) {
    if (g.kind === "similar") for (const id of g.ids) groupOf.set(id, n);
  }
  const lost = images.filter(
    (img) => img.id.startsWith("copy") && (!groupOf.has(img.id) || groupOf.get(img.id) !== groupOf.get(`i${img.id.slice(4)}`)),
  );
  expect(lost.map((img) => img.id)).toEqual([]);
  expect(groupOf.size).toBeGreaterThanOrEqual(10_000);
});
