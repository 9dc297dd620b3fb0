/** What one HTTP attempt gave: the status, or null when no answer came (refused, reset, timed out, aborted). */
export interface FetchReport {
  status: number | null;
  /** From the call until the response headers (or the failure). */
  seconds: number;
  /** When it finished (epoch ms). */
  at: number;
}

/**
 * Watches one attempt: called as it starts, it returns the function to call once with its status (null when no
 * answer came). What a transport that does not send through `fetch` takes instead of an instrumented one.
 */
export type AttemptWatch = () => (status: number | null) => void;

/** @returns a watch that reports each attempt it sees, as {@link instrumentedFetch} does */
export function attemptWatch(report: (outcome: FetchReport) => void, now: () => number = Date.now): AttemptWatch {
  return () => {
    const started = now();
    return (status) => {
      const at = now();
      try {
        report({ status, seconds: (at - started) / 1_000, at });
      } catch {
        // An observer's bug must not fail a request.
      }
    };
  };
}

/**
 * A `fetch` that reports every call it makes: the transports (Bitbucket, Port) take it as their injected fetch, so
 * the metrics and the health checks see each attempt, retries included, without a change to the transports.
 */
export function instrumentedFetch(
  inner: typeof fetch,
  report: (outcome: FetchReport) => void,
  now: () => number = Date.now,
): typeof fetch {
  const watch = attemptWatch(report, now);
  return async (input, init) => {
    const finish = watch();
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      finish(null);
      throw error;
    }
    finish(response.status);
    return response;
  };
}
