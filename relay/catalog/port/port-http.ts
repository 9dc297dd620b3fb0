import type { Clock } from "../../http/clock";
import { HostCircuit, unreachableCode } from "../../http/host-circuit";
import { type AttemptReport, retryabilityOfStatus, withRetries } from "../../http/retry";
import { serverRetryHint } from "../../http/retry-after";
import type { Logger } from "../../log/logger";
import { CatalogUnavailableError } from "../catalog-unavailable-error";
import { PortTokenProvider } from "./port-token";

export interface PortHttpOptions {
  /** `https://api.getport.io` (EU) or `https://api.us.getport.io` (US), or a test server; routes go under `/v1`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Port records it as each written entity's `$datasource` (see integration-identity.ts). */
  userAgent: string;
  fetch: typeof fetch;
  /** Epoch milliseconds, the retries' waits and each request's time limit. */
  clock: Clock;
  log: Logger;
  /** Tries per request, the first included (Ocean: 10). */
  maxAttempts: number;
  /** One request's time limit; a timeout is retried like a network error (Ocean: 60 s). */
  requestTimeoutMs: number;
  /** In [0, 1): the backoff's jitter, injected so tests are deterministic. */
  random: () => number;
  /** After every attempt (request metrics). */
  onAttempt?: ((report: AttemptReport & { method: string; path: string }) => void) | undefined;
  /** A token is renewed this long before Port says it expires, so no request carries a token that expires in flight. */
  tokenRefreshMarginMs: number;
}

export interface PortResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON, or null when empty. */
  body: unknown;
}

export interface PortRequest {
  query?: Record<string, string | boolean | number>;
  /** Already serialised JSON (the caller measured its size). */
  body?: string;
  signal?: AbortSignal | undefined;
}

/**
 * Port's retries (port-api.md §5): Ocean retries 429, 408, 502, 503, 504 (we retry every 5xx), waiting what the
 * server says (`Retry-After`, then `x-ratelimit-reset`) or 0.3 s × 2^(n−1) ± 10 % (Ocean's), every wait capped at
 * 300 s (Ocean's `max_backoff_wait`).
 */
export const PORT_BACKOFF = { baseMs: 300, maxMs: 300_000, jitter: { spread: 0.1 } } as const;

/** Why an attempt failed in a way worth retrying. */
type PortFailure =
  | { kind: "network"; reason: string; cause: unknown }
  | { kind: "status"; response: PortResponse; source: "retry-after" | "x-ratelimit-reset" | "backoff" };

/**
 * HTTP to Port's API: the bearer token (cached, renewed before expiry, and renewed once on a 401), a stable
 * User-Agent, and retries of 429/408/5xx and network failures honouring `Retry-After` and `x-ratelimit-reset`.
 * Other answers (2xx, 4xx) are returned for the caller to read. Failures of Port as a whole throw
 * {@link CatalogUnavailableError}. No message or log line carries a token or the client secret.
 */
export class PortHttp {
  readonly #options: PortHttpOptions;
  readonly #api: string;
  readonly #tokens: PortTokenProvider;
  readonly #circuit: HostCircuit;

  constructor(options: PortHttpOptions) {
    this.#options = options;
    const now = () => options.clock.now();
    this.#circuit = new HostCircuit({ now });
    this.#api = `${options.baseUrl.replace(/\/+$/, "")}/v1`;
    this.#tokens = new PortTokenProvider({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      now,
      refreshMarginMs: options.tokenRefreshMarginMs,
      requestToken: (body, signal) => this.#send("POST", "/auth/access_token", {}, { body, signal }),
    });
  }

  /** Gets a token now: `doctor`'s reachability and credentials check. */
  async authenticate(signal?: AbortSignal): Promise<void> {
    await this.#tokens.header(signal);
  }

  async request(method: string, path: string, request: PortRequest = {}): Promise<PortResponse> {
    const first = await this.#tokens.header(request.signal);
    const response = await this.#send(method, path, { Authorization: first }, request);
    if (response.status !== 401) return response;
    // Port keeps one active token per credential pair and answers 401 once it expired or was revoked: renew once.
    this.#tokens.invalidate(first);
    this.#options.log.info({ method, path }, "Port token rejected; renewing it");
    const second = await this.#tokens.header(request.signal);
    const retried = await this.#send(method, path, { Authorization: second }, request);
    if (retried.status === 401) {
      throw new CatalogUnavailableError(
        "credentials",
        `Port answered 401 to ${method} /v1${path} even with a new token: the credentials are valid but not accepted for this route; check that PORT_CLIENT_ID/PORT_CLIENT_SECRET are the organization's machine credentials`,
      );
    }
    return retried;
  }

  async #send(
    method: string,
    path: string,
    headers: Record<string, string>,
    request: PortRequest,
  ): Promise<PortResponse> {
    const { fetch, log, maxAttempts, requestTimeoutMs, clock } = this.#options;
    const now = () => clock.now();
    const url = this.#url(path, request.query);
    const init: RequestInit = {
      method,
      headers: {
        accept: "application/json",
        "user-agent": this.#options.userAgent,
        ...(request.body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(request.body === undefined ? {} : { body: request.body }),
    };
    const result = await withRetries<PortResponse, PortFailure>(
      async ({ attempt }) => {
        throwIfAborted(request.signal, method, path);
        const refused = this.#circuit.refusal();
        if (refused !== null)
          throw unreachable(method, path, `${refused}; not sent: Port could not be reached moments ago`);
        const started = now();
        // The time limit covers the answer and its body; cleared once both arrived.
        const deadline = clock.deadline(requestTimeoutMs);
        let response: Response;
        try {
          response = await fetch(url, {
            ...init,
            signal: request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal,
          });
        } catch (error) {
          deadline.clear();
          throwIfAborted(request.signal, method, path);
          const reason =
            error instanceof Error
              ? error.cause instanceof Error
                ? error.cause.message
                : error.message
              : String(error);
          // A refused connection or a name that does not resolve will not heal within a retry's delay (see HostCircuit).
          if (unreachableCode(error) !== null) {
            this.#circuit.open(reason);
            throw unreachable(method, path, reason, error);
          }
          return {
            ok: false,
            error: { kind: "network", reason, cause: error },
            retryability: "transient",
            status: null,
          };
        }
        this.#circuit.close();
        const body = await readBody(response).finally(() => deadline.clear());
        log.debug({ method, path, status: response.status, attempt, ms: now() - started }, "Port request");
        const value = { status: response.status, headers: response.headers, body };
        // 401 is handled apart (a new token); other 4xx answers are the caller's to read.
        const retryability = retryabilityOfStatus(response.status);
        if (retryability === "final") return { ok: true, value, status: response.status };
        const hint = serverRetryHint(response.status, response.headers, now());
        return {
          ok: false,
          error: { kind: "status", response: value, source: hint?.source ?? "backoff" },
          retryability,
          retryAfterMs: hint?.delayMs ?? null,
          status: response.status,
        };
      },
      {
        maxAttempts,
        backoff: { ...PORT_BACKOFF, random: this.#options.random },
        retryAfter: { maxMs: PORT_BACKOFF.maxMs },
        sleep: (ms, signal) => clock.sleep(ms, signal),
        signal: request.signal,
        now,
        onRetry: ({ attempt, error, delayMs }) => {
          if (error.kind === "network")
            log.warn({ method, path, attempt, delayMs, reason: error.reason }, "Port request failed; retrying");
          else
            log.warn(
              { method, path, status: error.response.status, attempt, delayMs, source: error.source },
              "Port request throttled or failed; retrying",
            );
        },
        onAttempt: (report) => this.#options.onAttempt?.({ ...report, method, path }),
      },
    );
    if (result.ok) return result.value;
    if (result.gaveUp === "aborted" || result.error === undefined)
      throw new CatalogUnavailableError("aborted", `${method} /v1${path} to Port was aborted`);
    const { error, attempts } = result;
    if (error.kind === "network")
      throw unreachable(method, path, `failed ${attempts} times: ${error.reason}`, error.cause);
    throw new CatalogUnavailableError(
      "server_error",
      `Port answered HTTP ${error.response.status} to ${method} /v1${path} ${attempts} times in a row${describe(error.response.body)}; try again later`,
    );
  }

  #url(path: string, query: PortRequest["query"]): string {
    // An absolute URL is one Port handed out (the integration's log ingest URL), on its own host.
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.#api}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, String(value));
    return url.toString();
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(body: unknown): string {
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string")
    return ` (${body.message})`;
  return "";
}

function unreachable(method: string, path: string, reason: string, cause?: unknown): CatalogUnavailableError {
  return new CatalogUnavailableError(
    "unreachable",
    `Port is unreachable (${method} /v1${path}: ${reason}); check PORT_BASE_URL, the network and any proxy`,
    cause === undefined ? undefined : { cause },
  );
}

function throwIfAborted(signal: AbortSignal | undefined, method: string, path: string): void {
  if (signal?.aborted === true)
    throw new CatalogUnavailableError("aborted", `${method} /v1${path} to Port was aborted`);
}
