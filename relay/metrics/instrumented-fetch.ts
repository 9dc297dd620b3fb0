/** What one HTTP attempt gave: the status, or null when no answer came (refused, reset, timed out, aborted). */
export interface FetchReport {
  status: number | null;
  /** From the call until the response headers (or the failure). */
  seconds: number;
  /** When it finished (epoch ms). */
  at: number;
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
  return async (input, init) => {
    const started = now();
    const finish = (status: number | null) => {
      const at = now();
      try {
        report({ status, seconds: (at - started) / 1_000, at });
      } catch {
        // An observer's bug must not fail a request.
      }
    };
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
