// Runs work over a list with at most `limit` items in flight (--jobs); results keep the list's order.
// Work that throws stops the others from taking new items, and the first error is thrown.
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (e) {
        next = items.length; // a failure the work did not absorb (authentication) stops the rest
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
