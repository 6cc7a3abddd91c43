// The search index of SPEC §9, both sides: the blind-index terms an image is written with
// (keyed trigrams of its filename, keyed words of its description and tags), and what `q=`
// looks up in them and confirms on the decrypted candidates. docs/FORMAT.md §1 ("Search terms") writes it down.
import { blindIndex } from "../../crypto/image-keys.ts";
import { foldLabel, labelIndexes } from "../analysis/analysis-result.ts";
import type { TermMatch, TermSet } from "./ports.ts";

/** The text search indexes (analysis adds labels and colours beside it). */
export interface SearchableText {
  readonly filename: string;
  readonly description: string | null;
  readonly tags: readonly string[];
  /** The labels analysis found (the image object's), whose words `q=` matches too; absent while writing terms. */
  readonly analysis?: { readonly labels: readonly { readonly name: string }[] };
}

/** A parsed `q`: the filename substring it is, and the words it holds. */
export interface TextSearch {
  readonly needle: string;
  readonly words: readonly string[];
}

/**
 * Names and queries compare case-insensitively and whatever the Unicode normal form they were
 * typed in; lowercasing after NFC is what both sides do, so they agree whatever it yields.
 */
const fold = (text: string) => text.normalize("NFC").toLowerCase();

/** Distinct runs of three code points (not UTF-16 units: an emoji or a CJK extension-B character is one). */
function trigramsOf(folded: string): string[] {
  const chars = Array.from(folded);
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 1) grams.add(chars.slice(i, i + 3).join(""));
  return [...grams];
}

/** Distinct maximal runs of letters, combining marks and digits, in any script. */
function wordsOf(text: string): string[] {
  const words = fold(text).split(/[^\p{L}\p{M}\p{N}]+/u);
  return [...new Set(words.filter((w) => w.length > 0))];
}

/** Every term of the text kinds, under `key` (the key the image's tags use). */
export function textTerms(key: Buffer, text: SearchableText): TermSet {
  return {
    trigram: trigramsOf(fold(text.filename)).map((gram) => blindIndex(key, "trigram", gram)),
    word: wordsOf([text.description ?? "", ...text.tags].join(" ")).map((word) => blindIndex(key, "word", word)),
  };
}

/** undefined for a blank `q`, which filters nothing. */
export function parseTextSearch(q: string | undefined): TextSearch | undefined {
  const needle = fold(q ?? "");
  return needle === "" ? undefined : { needle, words: wordsOf(needle) };
}

/**
 * What the index holds for every image matching `search` under one of `keys`: all the needle's
 * trigrams, or all its words. undefined when the needle is shorter than a trigram: the index
 * cannot narrow it, and the listing reads rows in order under its bound instead.
 */
export function textSearchTerms(keys: readonly Buffer[], search: TextSearch): TermMatch | undefined {
  const grams = trigramsOf(search.needle);
  if (grams.length === 0) return undefined;
  const anyKey = (kind: "trigram" | "word", value: string) => keys.map((key) => blindIndex(key, kind, value));
  const byName = grams.map((gram) => anyKey("trigram", gram));
  // A word of the query is a word of the description or tags, or of a label (under its own kind).
  const byWords = search.words.map((word) => [...anyKey("word", word), ...labelIndexes(keys, word)]);
  return byWords.length > 0 ? [byName, byWords] : [byName];
}

/** The decrypted check of a candidate: trigrams can all be there without the substring ("abcd" in "abc bcd"). */
export function matchesTextSearch(text: SearchableText, search: TextSearch): boolean {
  if (fold(text.filename).includes(search.needle)) return true;
  if (search.words.length === 0) return false;
  const labels = (text.analysis?.labels ?? []).map((label) => foldLabel(label.name));
  const held = new Set(wordsOf([text.description ?? "", ...text.tags, ...labels].join(" ")));
  return search.words.every((word) => held.has(word));
}
