import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { parseBlueprints } from "../../../relay/catalog/blueprints-file";
import type { StoredEntity } from "../../../relay/catalog/catalog";
import { BODY_TOO_LARGE_MESSAGE, PORT_MAX_BODY_BYTES } from "../../../relay/catalog/port-rules/port-error";
import { FakePortIntegrations } from "./fake-port-integrations";
import { routeRequest } from "./fake-port-routes";
import { FakePortStore } from "./fake-port-store";

export interface FakePortOptions {
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (Port's is 10,800). */
  tokenTtlSeconds?: number;
  /** Blueprints to start with, in `seed/blueprints.json`'s shape. */
  blueprints?: unknown;
  /** Largest accepted body (Port's 1 MiB by default; smaller to provoke 413s). */
  maxBodyBytes?: number;
  /** The fake's clock, epoch ms: token expiry, `createdAt`/`updatedAt`, `x-ratelimit-reset`. */
  now?: () => number;
  /** Added to every answer (benchmarks: Port is far away; real waits, so not for tests with a manual clock). */
  latencyMs?: number;
  /**
   * The credentials' role: the integration routes need an admin or moderator (enforced by Port from 2026-03-08,
   * port-api.md §4); a `member` gets 403 on them and may still write entities.
   */
  role?: "admin" | "member";
}

/** One request as the fake saw it: for assertions. */
export interface FakePortRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  userAgent: string | null;
  /** The bearer token sent, if any (the fake knows its own tokens; tests compare them). */
  token: string | null;
  bodyBytes: number;
  body: unknown;
  status: number;
}

export type ThrottleHeader = "retry-after" | "reset-epoch" | "reset-seconds";

const TokenRequest = z.strictObject({ clientId: z.string(), clientSecret: z.string() });
const RATE_PERIOD_SECONDS = 300;
const RATE_LIMIT = 35_000;

/**
 * A fake of Port's API over real HTTP on 127.0.0.1 (port-api.md §9): client-credentials tokens that expire (same
 * token while active), entities with Port's checks, bulk limits and 207s, the 1 MiB body limit, deletes with and
 * without dependents, `$datasource` from the User-Agent and the datasource listing, search, blueprints, rate-limit
 * headers and an injectable 429/5xx mode, and a log of every request.
 */
export class FakePort {
  readonly store = new FakePortStore();
  readonly requests: FakePortRequest[] = [];
  readonly integrations: FakePortIntegrations;
  readonly #server: Server;
  readonly #options: Required<Omit<FakePortOptions, "blueprints">>;
  #token: { value: string; expiresAt: number } | null = null;
  #tokensIssued = 0;
  #throttles: { header: ThrottleHeader; seconds: number }[] = [];
  #failures: number[] = [];
  #routeFailures: { suffix: string; status: number }[] = [];
  #windowStart: number;
  #windowCount = 0;

  private constructor(options: FakePortOptions) {
    this.#options = {
      clientId: options.clientId ?? "fake-client-id",
      clientSecret: options.clientSecret ?? "fake-client-secret-0123456789",
      tokenTtlSeconds: options.tokenTtlSeconds ?? 10_800,
      maxBodyBytes: options.maxBodyBytes ?? PORT_MAX_BODY_BYTES,
      now: options.now ?? Date.now,
      latencyMs: options.latencyMs ?? 0,
      role: options.role ?? "admin",
    };
    this.integrations = new FakePortIntegrations(
      () => this.url,
      () => new Date(this.#options.now()).toISOString(),
    );
    this.#windowStart = this.#options.now();
    if (options.blueprints !== undefined) {
      for (const blueprint of parseBlueprints(options.blueprints, "fake Port blueprints"))
        this.store.putBlueprint(blueprint);
    }
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(
          JSON.stringify({
            ok: false,
            error: "internal_error",
            message: error instanceof Error ? error.message : String(error),
          }),
        );
      });
    });
  }

  static async start(options: FakePortOptions = {}): Promise<FakePort> {
    const fake = new FakePort(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once("error", reject);
      fake.#server.listen(0, "127.0.0.1", () => resolve());
    });
    return fake;
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("the fake Port is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  get clientId(): string {
    return this.#options.clientId;
  }

  get clientSecret(): string {
    return this.#options.clientSecret;
  }

  /** How many distinct tokens were issued. */
  get tokensIssued(): number {
    return this.#tokensIssued;
  }

  /** Revokes the active token: the next request with it gets 401 (as after an expiry the client did not foresee). */
  revokeToken(): void {
    this.#token = null;
  }

  /** The next `count` API requests (not the token route) get 429 with the given header. */
  throttle(count: number, header: ThrottleHeader, seconds: number): void {
    for (let i = 0; i < count; i++) this.#throttles.push({ header, seconds });
  }

  /** The next API requests get these statuses (5xx) instead of an answer. */
  failNext(...statuses: number[]): void {
    this.#failures.push(...statuses);
  }

  /** The next `times` API requests whose path ends with `suffix` get `status` (5xx) instead of an answer. */
  failOn(suffix: string, status: number, times: number): void {
    for (let i = 0; i < times; i++) this.#routeFailures.push({ suffix, status });
  }

  entity(blueprint: string, identifier: string): StoredEntity | null {
    return this.store.get(blueprint, identifier);
  }

  /** Requests to routes whose path ends with `suffix` (e.g. `/entities/bulk`). */
  requestsTo(method: string, suffix: string): FakePortRequest[] {
    return this.requests.filter((request) => request.method === method && request.path.endsWith(suffix));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake-port");
    const method = request.method ?? "GET";
    const authorization = request.headers.authorization ?? null;
    const record: FakePortRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      userAgent: request.headers["user-agent"] ?? null,
      token: authorization?.startsWith("Bearer ") === true ? authorization.slice("Bearer ".length) : null,
      bodyBytes: 0,
      body: null,
      status: 0,
    };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      response.writeHead(status, { "content-type": "application/json", ...this.#rateHeaders(), ...headers });
      response.end(JSON.stringify(body));
    };

    const raw = await readBody(request, this.#options.maxBodyBytes);
    if (this.#options.latencyMs > 0) await delay(this.#options.latencyMs);
    record.bodyBytes = raw.bytes;
    if (raw.tooLarge) {
      send(413, { ok: false, error: "request_too_large", message: BODY_TOO_LARGE_MESSAGE });
      return;
    }
    let body: unknown = null;
    if (raw.text.length > 0) {
      try {
        body = JSON.parse(raw.text);
      } catch {
        send(400, { ok: false, error: "invalid_json", message: "The body is not JSON" });
        return;
      }
    }
    record.body = body;

    if (method === "POST" && url.pathname === "/v1/auth/access_token") {
      const credentials = TokenRequest.safeParse(body);
      if (!credentials.success) {
        send(422, {
          ok: false,
          error: "invalid_request",
          message: "The json provided does not match the route's schema",
        });
        return;
      }
      if (
        credentials.data.clientId !== this.#options.clientId ||
        credentials.data.clientSecret !== this.#options.clientSecret
      ) {
        send(401, { ok: false, error: "unauthorized", message: "Invalid client credentials" });
        return;
      }
      send(200, {
        ok: true,
        accessToken: this.#activeToken(),
        expiresIn: this.#options.tokenTtlSeconds,
        tokenType: "Bearer",
      });
      return;
    }
    const token = this.#token;
    if (token === null || record.token !== token.value || this.#options.now() >= token.expiresAt) {
      send(401, { ok: false, error: "unauthorized", message: "Unauthorized" });
      return;
    }
    const throttle = this.#throttles.shift();
    if (throttle !== undefined) {
      send(429, { ok: false, error: "rate_limited", message: "Too many requests" }, this.#throttleHeaders(throttle));
      return;
    }
    const routed = this.#routeFailures.findIndex((entry) => url.pathname.endsWith(entry.suffix));
    const failure = routed >= 0 ? this.#routeFailures.splice(routed, 1)[0]?.status : this.#failures.shift();
    if (failure !== undefined) {
      send(failure, { ok: false, error: "internal_error", message: "Injected failure" });
      return;
    }
    const segments = url.pathname
      .split("/")
      .filter((segment) => segment.length > 0)
      .map((segment) => decodeURIComponent(segment));
    if (method === "POST" && segments[0] === "logs" && segments[1] === "ingest" && segments[2] !== undefined) {
      const answer = this.integrations.ingestLogs(segments[2], body);
      send(answer.status, answer.body);
      return;
    }
    if (segments[0] === "v1" && segments[1] === "integration") {
      if (this.#options.role !== "admin") {
        send(403, {
          ok: false,
          error: "forbidden",
          message: "You do not have permission to perform this action (integrations need an admin or moderator)",
        });
        return;
      }
      const answer = this.integrations.route({
        method,
        segments: segments.slice(2),
        body,
        headers: request.headers,
        now: new Date(this.#options.now()).toISOString(),
      });
      if (answer === null)
        send(404, { ok: false, error: "not_found", message: "A resource with the provided identifier was not found" });
      else send(answer.status, answer.body);
      return;
    }
    if (segments[0] !== "v1") {
      send(404, { ok: false, error: "not_found", message: "A resource with the provided identifier was not found" });
      return;
    }
    const answer = routeRequest(this.store, {
      method,
      segments: segments.slice(1),
      query: url.searchParams,
      body,
      userAgent: record.userAgent,
      now: new Date(this.#options.now()).toISOString(),
    });
    if (answer === null)
      send(404, { ok: false, error: "not_found", message: "A resource with the provided identifier was not found" });
    else send(answer.status, answer.body);
  }

  /** Port keeps one active token per credential pair and returns it again until it expires. */
  #activeToken(): string {
    const now = this.#options.now();
    if (this.#token !== null && now < this.#token.expiresAt) return this.#token.value;
    this.#tokensIssued++;
    this.#token = {
      value: `fake-token-${this.#tokensIssued}-${randomBytes(8).toString("hex")}`,
      expiresAt: now + this.#options.tokenTtlSeconds * 1000,
    };
    return this.#token.value;
  }

  #rateHeaders(): Record<string, string> {
    const now = this.#options.now();
    if (now >= this.#windowStart + RATE_PERIOD_SECONDS * 1000) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    this.#windowCount++;
    return {
      "x-ratelimit-period": String(RATE_PERIOD_SECONDS),
      "x-ratelimit-limit": String(RATE_LIMIT),
      "x-ratelimit-remaining": String(Math.max(0, RATE_LIMIT - this.#windowCount)),
      "x-ratelimit-reset": String(Math.ceil((this.#windowStart + RATE_PERIOD_SECONDS * 1000) / 1000)),
    };
  }

  #throttleHeaders(throttle: { header: ThrottleHeader; seconds: number }): Record<string, string> {
    if (throttle.header === "retry-after") return { "retry-after": String(throttle.seconds) };
    if (throttle.header === "reset-seconds")
      return { "x-ratelimit-reset": String(throttle.seconds), "x-ratelimit-remaining": "0" };
    return {
      "x-ratelimit-reset": String(Math.ceil(this.#options.now() / 1000) + throttle.seconds),
      "x-ratelimit-remaining": "0",
    };
  }
}

async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ text: string; bytes: number; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    // Keep reading (and counting) past the limit so the client gets the 413, not a reset connection.
    if (bytes <= limit) chunks.push(buffer);
  }
  return { text: bytes > limit ? "" : Buffer.concat(chunks).toString("utf8"), bytes, tooLarge: bytes > limit };
}
