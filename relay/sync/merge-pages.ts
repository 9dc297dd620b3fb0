/**
 * Runs several page streams at once and yields their pages as they arrive: how a resync lists the pull requests
 * of thousands of repositories without waiting on each in turn.
 *
 * Memory stays bounded: at most `concurrency` streams are open, each with at most one page requested ahead, and
 * sources are drawn from `sources` lazily as streams finish. No concurrency permit is held here across a `yield`:
 * the Bitbucket client takes its own permit per HTTP request, so nested fan-out cannot deadlock (the Ocean bug of
 * ocean-bitbucket-server.md §4.3). If any stream fails, the others are closed and the error is rethrown.
 *
 * @param sources factories of page streams, pulled one at a time when a slot frees
 * @param concurrency how many streams run at once (at least 1)
 */
export async function* mergePages<T>(
  sources: AsyncIterable<() => AsyncIterable<T[]>> | Iterable<() => AsyncIterable<T[]>>,
  concurrency: number,
): AsyncGenerator<T[]> {
  const limit = Math.max(1, Math.floor(concurrency));
  const sourceIterator = toAsyncIterator(sources);
  let sourcesDone = false;
  const active = new Map<
    number,
    { iterator: AsyncIterator<T[]>; next: Promise<{ slot: number; step: IteratorResult<T[]> }> }
  >();
  let nextSlot = 0;

  const pull = (slot: number, iterator: AsyncIterator<T[]>) => {
    const next = iterator.next().then((step) => ({ slot, step }));
    // A stream's page is requested ahead, while the consumer still works on the last one: if it fails then, no
    // race is waiting on it yet, and Node would report (or, by default, crash on) an unhandled rejection. The
    // next race still sees the failure.
    next.catch(() => undefined);
    return next;
  };

  const fill = async () => {
    while (!sourcesDone && active.size < limit) {
      const source = await sourceIterator.next();
      if (source.done === true) {
        sourcesDone = true;
        return;
      }
      const iterator = source.value()[Symbol.asyncIterator]();
      const slot = nextSlot++;
      active.set(slot, { iterator, next: pull(slot, iterator) });
    }
  };

  try {
    await fill();
    while (active.size > 0) {
      const { slot, step } = await Promise.race([...active.values()].map((entry) => entry.next));
      const entry = active.get(slot);
      if (entry === undefined) continue;
      if (step.done === true) {
        active.delete(slot);
        await fill();
        continue;
      }
      entry.next = pull(slot, entry.iterator);
      yield step.value;
    }
  } finally {
    // On failure or early exit: close every open stream and the source list, ignoring their own errors.
    const closing = [...active.values()].map(async (entry) => {
      entry.next.catch(() => undefined);
      await entry.iterator.return?.().catch(() => undefined);
    });
    active.clear();
    await Promise.all(closing);
    if (!sourcesDone) await sourceIterator.return?.().catch(() => undefined);
  }
}

function toAsyncIterator<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const iterator = source[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}
