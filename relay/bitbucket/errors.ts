import { type Retryability, retryabilityOfStatus } from "../http/retry";

/**
 * Typed Bitbucket failures. Every failure of the client is a `BitbucketError` whose `kind` says what happened
 * and whose message says what to do about it. Messages carry the HTTP method, the URL path (never the host's
 * credentials: the base URL may not hold any, see config.ts), the status and Bitbucket's own `errors[].message`.
 * Credentials never appear: the client scrubs every message through its known secrets before throwing.
 */

export type BitbucketErrorKind =
  /** 401: Bitbucket answers 401 both for bad credentials and for a missing permission (reference §0, §7.5). */
  | "unauthorized"
  /** 403: mostly licence limits or "would lower your own permission". */
  | "forbidden"
  | "not-found"
  /** 400 or 415: Bitbucket's validation failed (`context` names the field). */
  | "bad-request"
  /** 409: duplicate key, stale `version`. */
  | "conflict"
  /** 429 after the retries and the waiting budget ran out. */
  | "rate-limited"
  /** 5xx after the retries ran out. */
  | "server-error"
  /** No answer within the per-request timeout (or a 408 from a proxy). */
  | "timeout"
  /** DNS, refused connection, reset, TLS. */
  | "network"
  /** A 2xx whose body is not what Bitbucket sends (not JSON, no `values`, a loop in `nextPageStart`). */
  | "invalid-response"
  /** The client's `signal` was aborted (shutdown): not retried. */
  | "aborted"
  /** Any other status. */
  | "http";

export interface BitbucketErrorDetails {
  kind: BitbucketErrorKind;
  method: string;
  /** The URL path with its query, relative to the server (context path included). */
  path: string;
  /** The HTTP status, or null when no response arrived (timeout, network). */
  status: number | null;
  /** Bitbucket's `errors[].message` values, in order. */
  bitbucketMessages?: readonly string[];
  /** Bitbucket's `errors[0].exceptionName`, e.g. `com.atlassian.bitbucket.project.NoSuchProjectException`. */
  exceptionName?: string | null;
  /** How many HTTP attempts were made before giving up. */
  attempts?: number;
  /** What went wrong when there is no Bitbucket message (a timeout, a refused connection, a spent budget). */
  reason?: string;
  /** What the operator can do about it. */
  hint?: string;
  cause?: unknown;
}

export class BitbucketError extends Error {
  override readonly name = "BitbucketError";
  readonly kind: BitbucketErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | null;
  readonly bitbucketMessages: readonly string[];
  readonly exceptionName: string | null;
  readonly attempts: number;
  readonly details: Readonly<BitbucketErrorDetails>;

  constructor(details: BitbucketErrorDetails) {
    super(describeFailure(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.details = details;
    this.kind = details.kind;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.bitbucketMessages = details.bitbucketMessages ?? [];
    this.exceptionName = details.exceptionName ?? null;
    this.attempts = details.attempts ?? 1;
  }

  /**
   * Whether retrying the same call may succeed: the status's, or for a call without an answer, a timeout or a
   * network failure is transient (the client has already retried what it could).
   */
  get retryability(): Retryability {
    if (this.status !== null) return retryabilityOfStatus(this.status);
    if (this.kind === "rate-limited") return "throttled";
    return this.kind === "timeout" || this.kind === "network" ? "transient" : "final";
  }
}

export function isBitbucketError(error: unknown): error is BitbucketError {
  return error instanceof BitbucketError;
}

/** @returns the kind for an HTTP error status */
export function kindOfStatus(status: number): BitbucketErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status === 400 || status === 415 || status === 422) return "bad-request";
  if (status === 409) return "conflict";
  if (status === 408) return "timeout";
  if (status === 429) return "rate-limited";
  if (status >= 500) return "server-error";
  return "http";
}

const HINTS: Partial<Record<BitbucketErrorKind, string>> = {
  unauthorized:
    "Bitbucket answers 401 both for wrong credentials and for a missing permission: check BITBUCKET_TOKEN (or " +
    "BITBUCKET_USERNAME and BITBUCKET_PASSWORD) and that this account may read the resource " +
    "(PROJECT_READ/REPO_READ; REPO_ADMIN or PROJECT_ADMIN for webhooks)",
  forbidden: "Bitbucket refused the operation (often a licence limit); ask a Bitbucket administrator",
  "rate-limited":
    "Bitbucket's rate limiter kept answering 429: exempt the service account in Administration > Rate limiting, " +
    "or lower the client's concurrency",
  "server-error": "Bitbucket kept failing; check its health and logs, then retry",
  timeout: "Bitbucket did not answer in time; check that it is reachable and not overloaded, or raise the timeout",
  network: "could not reach Bitbucket; check BITBUCKET_URL, DNS, proxies and TLS",
  "invalid-response":
    "the answer does not look like Bitbucket's REST API; check that BITBUCKET_URL is the server root " +
    "(with its context path, without /rest)",
};

function describeFailure(details: BitbucketErrorDetails): string {
  const status = details.status === null ? details.kind : String(details.status);
  const said = details.bitbucketMessages?.length ? `: ${details.bitbucketMessages.join("; ")}` : "";
  const reason = details.reason ? `: ${details.reason}` : "";
  const attempts = details.attempts !== undefined && details.attempts > 1 ? ` after ${details.attempts} attempts` : "";
  const hint = details.hint ?? HINTS[details.kind];
  return `Bitbucket ${details.method} ${details.path} failed${attempts} (${status})${said}${reason}${hint ? ` — ${hint}` : ""}`;
}
