import { setFlagsFromString } from "node:v8";

/**
 * How much V8 lets the heap grow past what survived the last full collection, in percent. A resync allocates a
 * great deal that dies young and keeps little (about 20 MB live at any scale), but by default V8 grows the old
 * generation by up to 4× between full collections, so dead objects piled up to 100+ MB committed and the agent's
 * RSS reached 240 MB at bench:resync's scale 1. A fixed 10% keeps it under 200 MB at the same or lower CPU
 * (full collections of a 20 MB heap take a few milliseconds). It is a growth rate, not a cap: a large input (a
 * 10 MB README) still gets the heap it needs.
 */
export const HEAP_GROWING_PERCENT = 10;

/**
 * Sets the heap growth for this process (the jq worker thread's isolate included). V8 reads this flag each time
 * it sizes the heap after a collection, so setting it at start, after the heap exists, takes effect; NODE_OPTIONS
 * does not accept it, and a flag in a shebang would not reach `node bin/bbrelay.js`. Call it before any work.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
