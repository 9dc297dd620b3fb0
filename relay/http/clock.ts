import { setTimeout as delay } from "node:timers/promises";

/** Time, injected wherever a test would fake it (pacing, retry waits, lease deadlines, request time limits). */
export interface Clock {
  /** Milliseconds, monotonic enough for pacing and deadlines (Date.now by default). */
  now(): number;
  /** Resolves after `ms`, or early (without error) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * A time limit: its signal aborts once `ms` have passed, unless cleared before, with the reason
   * `AbortSignal.timeout` gives (a `TimeoutError`), so that messages read the same.
   */
  deadline(ms: number): Deadline;
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer (the work finished in time); the signal then never aborts. */
  clear(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // An abort ends the wait early, without error: the caller checks its signal next. The wait listens on a signal of its
  // own that follows the caller's, not on the caller's: many concurrent waits on one client's signal would otherwise
  // each add a listener to it (Node warns past 10).
  sleep: (ms, signal) =>
    delay(ms, undefined, signal === undefined ? {} : { signal: AbortSignal.any([signal]) }).catch(() => undefined),
  deadline: (ms) => {
    const controller = new AbortController();
    // Cleared by the caller, unlike AbortSignal.timeout's: a resync's thousands of requests leave no timers behind.
    const timer = setTimeout(() => controller.abort(timeoutReason()), ms);
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
  },
};

/** What `AbortSignal.timeout` aborts with. */
export function timeoutReason(): DOMException {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}
