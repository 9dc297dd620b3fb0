/**
 * Runs `work` over `items` with at most `limit` in flight and returns the results in the items' order. The work is
 * expected to turn failures into values; if one throws anyway (a bug), no new item starts, the ones in flight
 * finish (no promise outlives the call) and the first error is rethrown. Calls may nest: the Bitbucket client holds
 * its own concurrency permit per HTTP request, never across this loop, so nesting cannot deadlock.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const entries = items.entries();
  const failures: unknown[] = [];
  async function worker(): Promise<void> {
    for (const [index, item] of entries) {
      if (failures.length > 0) return;
      try {
        results[index] = await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  }
  const workers = Math.max(1, Math.min(Math.floor(limit), items.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  if (failures.length > 0) throw failures[0];
  return results;
}
