import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Keeps a resync's own work in short slices, so that Bitbucket's answers are taken in as they arrive. Buffered
 * pages, mappings by the compiled jq engine and local catalog writes all resolve as microtasks, which run before
 * any I/O: a kind could map and write many pages in one go while the answers to the requests in flight waited,
 * holding their permits, and the request slots sat idle. Measured in bench:resync's first run with the kinds
 * overlapping: a request took 34 ms of the fake's 20 ms latency when nothing yielded.
 *
 * One clock for the whole process (not one per kind): what matters is how long the event loop has gone without a
 * turn, whoever held it.
 */

/** Longest stretch of the agent's own work between two turns of the event loop (1 ms measured the same, 5 ms slower). */
const SLICE_MS = 2;

let sliceStarted = performance.now();

/** Resolves at once, or after a turn of the event loop if the current stretch of work ran past the slice. */
export async function yieldWhenSliceSpent(): Promise<void> {
  if (performance.now() - sliceStarted < SLICE_MS) return;
  await nextTurn();
  sliceStarted = performance.now();
}
