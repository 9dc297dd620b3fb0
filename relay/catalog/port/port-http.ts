import { HostCircuit, unreachableCode } from "../../http/host-circuit";
import type { Logger } from "../../log/logger";
import { CatalogUnavailableError } from "../catalog";
import { PortTokenProvider } from "./port-token";
import { type RetryDelayPolicy, retryDelay } from "./retry-delay";

export interface PortHttpOptions {
  /** `https://api.getport.io` (EU) or `https://api.us.getport.io` (US), or a test server; routes go under `/v1`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Port records it as each written entity's `$datasource` (see integration-identity.ts). */
  userAgent: string;
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: Logger;
  /** Tries per request, the first included (Ocean: 10). */
  maxAttempts: number;
  /** One request's time limit; a timeout is retried like a network error (Ocean: 60 s). */
  requestTimeoutMs: number;
  retryDelay: RetryDelayPolicy;
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

/** Statuses retried (port-api.md §5: Ocean retries 429, 408, 502, 503, 504; we retry every 5xx). 401 is handled apart. */
function isRetryable(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

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
    this.#circuit = new HostCircuit({ now: options.now });
    this.#api = `${options.baseUrl.replace(/\/+$/, "")}/v1`;
    this.#tokens = new PortTokenProvider({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      now: options.now,
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
    const { fetch, log, maxAttempts, requestTimeoutMs, sleep, now } = this.#options;
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
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(request.signal, method, path);
      const refused = this.#circuit.refusal();
      if (refused !== null)
        throw unreachable(method, path, `${refused}; not sent: Port could not be reached moments ago`);
      const started = now();
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(requestTimeoutMs);
        response = await fetch(url, {
          ...init,
          signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
        });
      } catch (error) {
        throwIfAborted(request.signal, method, path);
        const reason =
          error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        // A refused connection or a name that does not resolve will not heal within a retry's delay (see HostCircuit).
        if (unreachableCode(error) !== null) {
          this.#circuit.open(reason);
          throw unreachable(method, path, reason, error);
        }
        if (attempt >= maxAttempts) throw unreachable(method, path, `failed ${attempt} times: ${reason}`, error);
        const { delayMs } = retryDelay(null, null, attempt, now(), this.#options.retryDelay);
        log.warn({ method, path, attempt, delayMs, reason }, "Port request failed; retrying");
        await sleep(delayMs, request.signal);
        continue;
      }
      this.#circuit.close();
      const body = await readBody(response);
      log.debug({ method, path, status: response.status, attempt, ms: now() - started }, "Port request");
      if (!isRetryable(response.status)) return { status: response.status, headers: response.headers, body };
      if (attempt >= maxAttempts) {
        throw new CatalogUnavailableError(
          "server_error",
          `Port answered HTTP ${response.status} to ${method} /v1${path} ${attempt} times in a row${describe(body)}; try again later`,
        );
      }
      const { delayMs, source } = retryDelay(
        response.status,
        response.headers,
        attempt,
        now(),
        this.#options.retryDelay,
      );
      log.warn(
        { method, path, status: response.status, attempt, delayMs, source },
        "Port request throttled or failed; retrying",
      );
      await sleep(delayMs, request.signal);
    }
  }

  #url(path: string, query: PortRequest["query"]): string {
    const url = new URL(`${this.#api}${path}`);
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
