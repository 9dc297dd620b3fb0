import { type BackoffPolicy, backoffDelay } from "./backoff";

/**
 * The one retry loop of the agent (Bitbucket, Port, the edge's lease and ack calls): attempts, a waiting budget,
 * full-jitter or proportional backoff, the server's `Retry-After`, an abort signal, and one notion of "worth
 * retrying". Each client says what a failure is ({@link Retryability}) and builds its own error from the result;
 * the loop decides whether and how long to wait.
 */

/**
 * What a failure says about trying again; the single notion of "retryable" every client maps its failures onto.
 * - `throttled`: refused before any work was done (429): retried whatever the method, after `Retry-After`.
 * - `transient`: may have reached the server and may pass next time (5xx, 408, a timeout, a reset connection):
 *   retried only when the request is idempotent, so that nothing is created twice.
 * - `final`: will fail the same way again (another 4xx, an unexpected answer, a host that cannot be reached).
 */
export type Retryability = "throttled" | "transient" | "final";

/** @returns how an HTTP error status bears on retrying (429; 408 and 5xx; the rest) */
export function retryabilityOfStatus(status: number): Retryability {
  if (status === 429) return "throttled";
  return status === 408 || status >= 500 ? "transient" : "final";
}

/** @returns whether a failure of this class is tried again */
export function isRetryable(retryability: Retryability, idempotent = true): boolean {
  return retryability === "throttled" || (retryability === "transient" && idempotent);
}

/** One attempt's outcome, as the client reads it. */
export type AttemptOutcome<T, E> =
  | { ok: true; value: T; status?: number }
  | {
      ok: false;
      error: E;
      retryability: Retryability;
      /** The server's own delay (`Retry-After`, a rate window's reset), already parsed; null or absent = none. */
      retryAfterMs?: number | null;
      /** The HTTP status, or null when no response arrived. */
      status?: number | null;
    };

export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Waits `ms` within the call's waiting budget (a pacer's slot): false, without waiting, when the budget would be
   * passed.
   */
  spend(ms: number): Promise<boolean>;
}

/** What an observer (metrics, a debug log) learns of every attempt. */
export interface AttemptReport {
  attempt: number;
  /** From the attempt's start to its outcome (pacing waits included). */
  durationMs: number;
  outcome: "ok" | Retryability;
  status: number | null;
  /** The wait before the next attempt, or null when there is none. */
  retryInMs: number | null;
}

export interface RetryInfo<E> {
  /** The attempt that failed. */
  attempt: number;
  error: E;
  retryability: Retryability;
  delayMs: number;
  /** Whether the server set the delay (`Retry-After`) rather than the backoff. */
  fromServer: boolean;
}

export interface RetryOptions<E> {
  /** Tries, the first included; `Infinity` for a loop that only an abort or a final failure ends. */
  maxAttempts: number;
  /** The longest this call may spend waiting (retry delays and `spend`), in all; a wait that would pass it is not begun. */
  maxWaitMs?: number;
  backoff: BackoffPolicy;
  /** How a server's delay is taken: plus up to `jitterMs` (so paused callers do not return at once), capped at `maxMs`. */
  retryAfter?: { jitterMs?: number; maxMs?: number };
  /** Whether a `transient` failure may be retried (false for a POST that may have created something). */
  idempotent?: boolean;
  /** Resolves after `ms`, or early once `signal` aborts (a rejection counts as an early end). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ends the retries: no attempt begins once it is aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Takes a `throttled` failure's wait instead of sleeping it here: a client-wide pacer that holds every request
   * (a rate limit is per user, not per request); the next attempt then waits through `spend`.
   */
  throttle?: (delayMs: number) => void;
  /** Before each wait (a warning in the log). */
  onRetry?: (info: RetryInfo<E>) => void;
  /** After every attempt (request metrics). */
  onAttempt?: (report: AttemptReport) => void;
  /** For `onAttempt`'s durations. */
  now?: () => number;
}

export type RetryResult<T, E> =
  | { ok: true; value: T; attempts: number }
  /** The signal was aborted before an attempt (or during a wait); `attempts` were made. */
  | { ok: false; gaveUp: "aborted"; attempts: number; error: E | undefined }
  /** `final`: not worth retrying; `attempts`: the last one failed; `budget`: the next wait would pass `maxWaitMs`. */
  | { ok: false; gaveUp: "final" | "attempts" | "budget"; attempts: number; error: E };

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of tries or waiting budget, or the signal aborts.
 * An attempt that throws ends the loop with that error (a client's own refusal, or a bug).
 */
export async function withRetries<T, E>(
  attempt: (context: AttemptContext) => Promise<AttemptOutcome<T, E>>,
  options: RetryOptions<E>,
): Promise<RetryResult<T, E>> {
  const { signal, sleep } = options;
  const maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  let waited = 0;
  let lastError: E | undefined;
  const wait = async (ms: number) => {
    await sleep(ms, signal).catch(() => undefined);
    waited += ms;
  };
  const spend = async (ms: number) => {
    if (waited + ms > maxWaitMs) return false;
    await wait(ms);
    return true;
  };
  for (let number = 1; ; number++) {
    if (signal?.aborted === true) return { ok: false, gaveUp: "aborted", attempts: number - 1, error: lastError };
    const started = now();
    const outcome = await attempt({ attempt: number, spend });
    const report = (retryInMs: number | null) =>
      options.onAttempt?.({
        attempt: number,
        durationMs: now() - started,
        outcome: outcome.ok ? "ok" : outcome.retryability,
        status: outcome.status ?? null,
        retryInMs,
      });
    if (outcome.ok) {
      report(null);
      return { ok: true, value: outcome.value, attempts: number };
    }
    const { error, retryability } = outcome;
    lastError = error;
    if (!isRetryable(retryability, options.idempotent ?? true)) {
      report(null);
      return { ok: false, gaveUp: "final", attempts: number, error };
    }
    if (number >= options.maxAttempts) {
      report(null);
      return { ok: false, gaveUp: "attempts", attempts: number, error };
    }
    const fromServer = outcome.retryAfterMs !== undefined && outcome.retryAfterMs !== null;
    const delayMs = fromServer
      ? serverDelay(outcome.retryAfterMs ?? 0, options.retryAfter, options.backoff.random)
      : backoffDelay(number, options.backoff);
    if (waited + delayMs > maxWaitMs) {
      report(null);
      return { ok: false, gaveUp: "budget", attempts: number, error };
    }
    report(delayMs);
    options.onRetry?.({ attempt: number, error, retryability, delayMs, fromServer });
    if (retryability === "throttled" && options.throttle !== undefined) options.throttle(delayMs);
    else await wait(delayMs);
  }
}

function serverDelay(
  hintMs: number,
  policy: { jitterMs?: number; maxMs?: number } | undefined,
  random: () => number = Math.random,
): number {
  const jitterMs = policy?.jitterMs ?? 0;
  const delay = Math.max(0, hintMs) + (jitterMs > 0 ? Math.floor(random() * jitterMs) : 0);
  return Math.min(policy?.maxMs ?? Number.POSITIVE_INFINITY, delay);
}
