import type { WebhookStatisticsSummaryWire } from "../bitbucket/schema";

/**
 * A hook's health as Bitbucket's statistics summary tells it (reference §5.7, §6: last success / failure / error).
 * The latest of the three decides; a failure and a success at the same moment count as failing (pessimistic).
 * `FAILURE` is a non-2xx answer (e.g. the edge rejected the signature: a wrong secret), `ERROR` no answer at all
 * (the edge unreachable, TLS). Bitbucket skips a hook for up to 10 hours after 5 failures in a row, so a failing
 * hook loses events: `doctor` should say so.
 */

export interface DeliveryCounts {
  successes: number | null;
  failures: number | null;
  errors: number | null;
}

export type WebhookHealth =
  | { status: "healthy"; lastSuccessAt: number | null; counts: DeliveryCounts }
  | {
      status: "failing";
      lastOutcome: "FAILURE" | "ERROR";
      lastFailureAt: number | null;
      /** Bitbucket's description of the last failed delivery (e.g. the HTTP status). */
      description: string | null;
      lastSuccessAt: number | null;
      counts: DeliveryCounts;
    }
  | { status: "never-delivered"; counts: DeliveryCounts }
  /** The summary could not be read. */
  | { status: "unknown"; reason: string };

type Invocation = NonNullable<WebhookStatisticsSummaryWire["lastSuccess"]>;

export function webhookHealth(summary: WebhookStatisticsSummaryWire): WebhookHealth {
  const counts: DeliveryCounts = {
    successes: summary.counts?.successes ?? null,
    failures: summary.counts?.failures ?? null,
    errors: summary.counts?.errors ?? null,
  };
  const success = summary.lastSuccess;
  const failures = [
    { outcome: "FAILURE" as const, invocation: summary.lastFailure },
    { outcome: "ERROR" as const, invocation: summary.lastError },
  ].flatMap(({ outcome, invocation }) =>
    invocation === undefined ? [] : [{ outcome, invocation, at: timeOf(invocation) }],
  );
  failures.sort((a, b) => b.at - a.at);
  const latestFailure = failures[0];
  const lastSuccessAt = success === undefined ? null : knownTime(success);
  if (latestFailure !== undefined && (success === undefined || latestFailure.at >= timeOf(success))) {
    return {
      status: "failing",
      lastOutcome: latestFailure.outcome,
      lastFailureAt: knownTime(latestFailure.invocation),
      description: latestFailure.invocation.result?.description ?? null,
      lastSuccessAt,
      counts,
    };
  }
  if (success === undefined) return { status: "never-delivered", counts };
  return { status: "healthy", lastSuccessAt, counts };
}

/** When the delivery ended (or began); invocations without a time sort first. */
function timeOf(invocation: Invocation): number {
  return invocation.finish ?? invocation.start ?? Number.NEGATIVE_INFINITY;
}

function knownTime(invocation: Invocation): number | null {
  return invocation.finish ?? invocation.start ?? null;
}
