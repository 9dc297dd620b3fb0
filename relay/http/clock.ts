import { setTimeout as delay } from "node:timers/promises";

/** Time, injected wherever a test would fake it (pacing, retry waits, lease deadlines). */
export interface Clock {
  /** Milliseconds, monotonic enough for pacing and deadlines (Date.now by default). */
  now(): number;
  /** Resolves after `ms`, or early (without error) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // An abort ends the wait early, without error: the caller checks its signal next.
  sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined),
};
