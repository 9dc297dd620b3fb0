import type { Clock } from "../http/clock";
import { HostCircuit, unreachableCode } from "../http/host-circuit";
import { type AttemptReport, withRetries } from "../http/retry";
import { parseRetryAfter } from "../http/retry-after";
import type { Logger } from "../log/logger";
import type { AttemptWatch } from "../metrics/instrumented-fetch";
import { ConcurrencyLimiter } from "./concurrency-limiter";
import type { BitbucketAuth, BitbucketLimits } from "./config";
import { BitbucketError, type BitbucketErrorKind, kindOfStatus } from "./errors";
import { type Exchange, fetchSend, type Send } from "./http-exchange";
import { RatePacer } from "./rate-pacer";
import { ErrorEnvelopeWire } from "./schema";
import { undiciSend } from "./undici-send";

/**
 * One HTTP call to Bitbucket, with everything that makes it hold under load: a concurrency permit per attempt,
 * pacing (fixed rate, `Retry-After`, `X-RateLimit-*`), a timeout per attempt, retries with full jitter and a cap
 * on the total time one call may spend waiting. Failures become `BitbucketError`s with credentials scrubbed.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest {
  method: HttpMethod;
  /** Already encoded, starting with `/rest/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** How to read a successful body. */
  expect: "json" | "text" | "none";
  /** Statuses returned as values instead of errors (404 on single reads, 204 on an empty repository). */
  accept?: readonly number[];
  /** For `text`: bytes kept; the rest of the body is not read. */
  maxBytes?: number;
  /** Whose turn the request waits in for a permit (concurrency-limiter.ts); one shared lane by default. */
  lane?: string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, text, or null (no body, `expect: "none"`, or an accepted error status). */
  body: unknown;
  /** For `text`: whether the body was cut at `maxBytes`. */
  truncated: boolean;
  /** For `json`: the text the body was parsed from (a listing recognises a page it saw before by it, page-source.ts). */
  text?: string;
}

export interface BitbucketTransportOptions {
  baseUrl: string;
  auth: BitbucketAuth;
  limits: BitbucketLimits;
  /** When given, every attempt goes through it (tests counting calls, metrics); else undici's `request`, cheaper in CPU. */
  fetch?: typeof fetch | undefined;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Told as each attempt is sent and answered (metrics), whether through `fetch` or not. */
  watch?: AttemptWatch | undefined;
  /** Aborting it fails every call in flight and every later one with kind `aborted` (graceful shutdown). */
  signal?: AbortSignal | undefined;
  /** After every attempt (request metrics). */
  onAttempt?: ((report: AttemptReport & { method: HttpMethod; path: string }) => void) | undefined;
}

type Attempt =
  | { ok: true; response: HttpResponse }
  | { ok: false; error: BitbucketError; retryAfterMs: number | null; unreachable?: true };

export class BitbucketTransport {
  readonly #options: BitbucketTransportOptions;
  readonly #authorization: string;
  readonly #secrets: string[];
  readonly #limiter: ConcurrencyLimiter;
  readonly #pacer: RatePacer;
  readonly #circuit: HostCircuit;
  readonly #send: Send;

  constructor(options: BitbucketTransportOptions) {
    this.#options = options;
    // fetch refuses the ports of the Fetch standard's block list before connecting ("bad port"), which the host
    // circuit and doctor report; such a URL keeps going through fetch so that it still fails the same way.
    this.#send =
      options.fetch !== undefined
        ? fetchSend(options.fetch)
        : onBlockedPort(options.baseUrl)
          ? fetchSend(globalThis.fetch)
          : undiciSend;
    const { auth } = options;
    this.#authorization =
      auth.kind === "bearer"
        ? `Bearer ${auth.token}`
        : `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    const basic = this.#authorization.slice(this.#authorization.indexOf(" ") + 1);
    this.#secrets = (auth.kind === "bearer" ? [auth.token, basic] : [auth.password, basic]).filter(
      (s) => s.length >= 3,
    );
    this.#limiter = new ConcurrencyLimiter(options.limits.maxConcurrency);
    this.#pacer = new RatePacer({
      clock: options.clock,
      requestsPerSecond: options.limits.requestsPerSecond,
      concurrency: options.limits.maxConcurrency,
    });
    this.#circuit = new HostCircuit({ now: () => options.clock.now() });
    for (const secret of this.#secrets) options.logger.redactor.add(secret);
  }

  /** Requests waiting for a permit and holding one, for diagnostics and tests. */
  get load(): { active: number; waiting: number } {
    return { active: this.#limiter.active, waiting: this.#limiter.waiting };
  }

  /** Removes every known credential from a text (belt and braces: we never put one in). */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join("[redacted]");
    return out;
  }

  /**
   * @returns the response of the first successful attempt
   * @throws BitbucketError when the call fails for good (after the retries the policy allows)
   */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const { limits, clock, logger, random, signal } = this.#options;
    const { method } = request;
    const path = withQuery(request.path, request.query);
    const result = await withRetries<HttpResponse, BitbucketError>(
      async ({ attempt, spend }) => {
        const pacing = this.#pacer.reserve();
        if (pacing > 0 && !(await spend(pacing))) throw this.#waitBudgetExceeded(method, path, attempt - 1);
        if (signal?.aborted === true) throw this.#aborted(method, path, attempt - 1);
        const refused = this.#circuit.refusal();
        if (refused !== null) throw this.#unreachable(method, path, attempt - 1, refused);
        const outcome = await this.#limiter.run(() => this.#attempt(request, path), request.lane);
        if (outcome.ok) return { ok: true, value: outcome.response, status: outcome.response.status };
        const { error } = outcome;
        // A host that refuses or does not resolve will not start answering within a retry's delay: say so once.
        const retryability = outcome.unreachable === true ? "final" : error.retryability;
        return { ok: false, error, retryability, retryAfterMs: outcome.retryAfterMs, status: error.status };
      },
      {
        maxAttempts: limits.maxAttempts,
        maxWaitMs: limits.maxTotalWaitMs,
        // 5xx, timeouts and network errors may have reached the server: a POST is not retried then, so that a
        // webhook is never created twice. A 429 is refused before any work is done, so it is retried whatever the method.
        idempotent: method !== "POST",
        backoff: { baseMs: limits.baseRetryDelayMs, maxMs: limits.maxRetryDelayMs, jitter: "full", random },
        // A 429's Retry-After is the server telling us when a token exists: obey it (plus a little jitter so that
        // the paused requests do not all come back in the same millisecond)…
        retryAfter: { jitterMs: limits.baseRetryDelayMs },
        // …and make every other request wait too: the limit is per user.
        throttle: (delayMs) => this.#pacer.pauseFor(delayMs),
        sleep: (ms, abort) => clock.sleep(ms, abort),
        signal,
        now: () => clock.now(),
        onRetry: ({ attempt, error, delayMs }) =>
          logger.warn(
            { method, path, status: error.status, kind: error.kind, attempt, delayMs },
            "Bitbucket request failed, retrying",
          ),
        onAttempt: (report) => this.#options.onAttempt?.({ ...report, method, path }),
      },
    );
    if (result.ok) return result.value;
    if (result.gaveUp === "aborted") throw this.#aborted(method, path, result.attempts);
    throw withAttempts(result.error, result.attempts, result.gaveUp === "budget" ? limits.maxTotalWaitMs : undefined);
  }

  async #attempt(request: HttpRequest, path: string): Promise<Attempt> {
    const { baseUrl, limits, logger, clock } = this.#options;
    const deadline = clock.deadline(limits.requestTimeoutMs);
    const shutdown = this.#options.signal;
    // Combined rather than a listener per attempt on the client's one signal: with more than 10 requests in flight,
    // those listeners made Node warn of a leak (MaxListenersExceededWarning).
    const signal = shutdown === undefined ? deadline.signal : AbortSignal.any([shutdown, deadline.signal]);
    const started = clock.now();
    try {
      const headers: Record<string, string> = {
        Authorization: this.#authorization,
        Accept: request.expect === "text" ? "text/plain, */*" : "application/json",
      };
      if (request.body !== undefined) headers["Content-Type"] = "application/json";
      const watched = this.#options.watch?.();
      let response: Exchange;
      try {
        response = await this.#send({
          url: `${baseUrl}${path}`,
          method: request.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal,
        });
      } catch (error) {
        watched?.(null);
        throw error;
      }
      watched?.(response.status);
      this.#pacer.observe(response.headers);
      this.#circuit.close();
      const ok = response.status >= 200 && response.status <= 299;
      const accepted = request.accept?.includes(response.status) ?? false;
      if (!ok && !accepted) return await this.#failure(request, path, response);
      const result = accepted && !ok ? await discard(response) : await this.#read(request, path, response);
      logger.debug(
        { method: request.method, path, status: response.status, durationMs: clock.now() - started },
        "Bitbucket request",
      );
      return result;
    } catch (error) {
      if (error instanceof BitbucketError) return { ok: false, error, retryAfterMs: null };
      const timedOut = deadline.signal.aborted;
      if (!timedOut && shutdown?.aborted === true) {
        return { ok: false, error: this.#aborted(request.method, path, 1), retryAfterMs: null };
      }
      const kind: BitbucketErrorKind = timedOut ? "timeout" : "network";
      const reason = timedOut ? `no answer within ${limits.requestTimeoutMs} ms` : this.scrub(networkReason(error));
      const failure = new BitbucketError({ kind, method: request.method, path, status: null, reason });
      if (!timedOut && unreachableCode(error) !== null) {
        this.#circuit.open(reason);
        return { ok: false, error: failure, retryAfterMs: null, unreachable: true };
      }
      return { ok: false, error: failure, retryAfterMs: null };
    } finally {
      deadline.clear();
    }
  }

  #unreachable(method: HttpMethod, path: string, attempts: number, reason: string): BitbucketError {
    return new BitbucketError({
      kind: "network",
      method,
      path,
      status: null,
      attempts,
      reason: `${reason}; not sent: Bitbucket could not be reached moments ago`,
    });
  }

  #aborted(method: HttpMethod, path: string, attempts: number): BitbucketError {
    return new BitbucketError({
      kind: "aborted",
      method,
      path,
      status: null,
      attempts,
      reason: "stopped by the caller",
    });
  }

  async #read(request: HttpRequest, path: string, response: Exchange): Promise<Attempt> {
    const base = { status: response.status, headers: response.headers, truncated: false };
    if (request.expect === "none" || response.status === 204) {
      await response.discard();
      return { ok: true, response: { ...base, body: null } };
    }
    if (request.expect === "text") {
      const { text, truncated } = await response.readText(request.maxBytes ?? Number.POSITIVE_INFINITY);
      return { ok: true, response: { ...base, body: text, truncated } };
    }
    const text = await response.text();
    try {
      return { ok: true, response: { ...base, body: JSON.parse(text) as unknown, text } };
    } catch {
      const error = new BitbucketError({
        kind: "invalid-response",
        method: request.method,
        path,
        status: response.status,
        reason: `the body is not JSON (content type ${response.headers.get("content-type") ?? "none"})`,
      });
      return { ok: false, error, retryAfterMs: null };
    }
  }

  async #failure(request: HttpRequest, path: string, response: Exchange): Promise<Attempt> {
    const text = await response.text().catch(() => "");
    let messages: string[] = [];
    let exceptionName: string | null = null;
    try {
      const envelope = ErrorEnvelopeWire.safeParse(JSON.parse(text));
      if (envelope.success) {
        messages = envelope.data.errors.flatMap((entry) => (entry.message ? [this.scrub(entry.message)] : []));
        exceptionName = envelope.data.errors[0]?.exceptionName ?? null;
      }
    } catch {
      // Not JSON (a proxy's HTML page, a 429 in plain text): the status says enough.
    }
    const error = new BitbucketError({
      kind: kindOfStatus(response.status),
      method: request.method,
      path,
      status: response.status,
      bitbucketMessages: messages,
      exceptionName,
    });
    const retryAfterMs =
      response.status === 429 ? parseRetryAfter(response.headers.get("retry-after"), this.#options.clock.now()) : null;
    return { ok: false, error, retryAfterMs };
  }

  #waitBudgetExceeded(method: HttpMethod, path: string, attempts: number): BitbucketError {
    return new BitbucketError({
      kind: "rate-limited",
      method,
      path,
      status: null,
      attempts,
      reason: `waiting for the rate limit would exceed the waiting budget of ${this.#options.limits.maxTotalWaitMs} ms`,
    });
  }
}

/** @returns the path with its query string; undefined values are left out */
export function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

function withAttempts(error: BitbucketError, attempts: number, budgetMs?: number): BitbucketError {
  if (attempts <= 1 && budgetMs === undefined) return error;
  const reason = budgetMs === undefined ? error.details.reason : `the waiting budget of ${budgetMs} ms is spent`;
  return new BitbucketError({ ...error.details, attempts, ...(reason === undefined ? {} : { reason }) });
}

async function discard(response: Exchange): Promise<Attempt> {
  await response.discard();
  return { ok: true, response: { status: response.status, headers: response.headers, body: null, truncated: false } };
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return "request failed";
  // fetch wraps the socket's error in `cause`; undici's `request` throws it as is.
  return codeOf(error.cause) ?? codeOf(error) ?? error.message;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** The Fetch standard's "bad ports", which fetch refuses to connect to. */
const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

function onBlockedPort(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.port !== "" && BLOCKED_PORTS.has(Number(url.port));
  } catch {
    return false;
  }
}
