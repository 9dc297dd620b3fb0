import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authenticate } from "./auth";
import { FakeMutations } from "./fake-mutations";
import { type FakeClock, FakeState } from "./fake-state";
import { FaultInjector } from "./faults";
import { type GeneratedInstance, generateInstance, type InstanceSpec } from "./generator";
import type { ResourcePermission, TokenRecord, UserRecord } from "./model";
import { addUser, type NewUser } from "./records";
import { type LoggedRequest, RequestLog } from "./request-log";
import { EXCEPTIONS, errorResponse, type FakeResponse } from "./rest-errors";
import type { PagedResource, RouteSettings } from "./routes/route-context";
import { matchRoute } from "./routes/router";
import { loadSeedSamples, type SeedSamples } from "./seed-samples";
import { type RateLimitOptions, TokenBuckets } from "./token-bucket";
import { versionAtLeast } from "./version-gate";
import { type DispatcherSettings, type WebhookDialect, WebhookDispatcher } from "./webhook-dispatcher";

/**
 * A faithful fake Bitbucket Server / Data Center (reference bitbucket-server-api.md, Appendix A) on a real HTTP
 * server (127.0.0.1, port 0): context path, `/rest/api/1.0` and `/rest/api/latest`, Basic and Bearer auth with
 * Bitbucket's 401 semantics, the error envelope, paging with caps and silent clamps, the biting defaults, shapes
 * from real payloads, webhook CRUD and signed delivery, a token-bucket rate limiter, fault injection, latency and
 * a request log. `settings` may be changed between requests (version, caps, switches).
 */

export interface FakeBitbucketOptions {
  /** The port on 127.0.0.1; any free one by default (a test brings a stopped server back on its old port). */
  port?: number;
  /** e.g. `/bitbucket`; default none. */
  contextPath?: string;
  /** Default 9.4.2. */
  version?: string;
  pageCaps?: Partial<Record<PagedResource, number>>;
  /** `nextPageStart` that is not `start + size` (a client adding `start + size` gets wrong pages). */
  nonContiguousPaging?: boolean;
  /** Whether the `readme` endpoint exists (older servers: only `raw/README.md`). Default true. */
  readmeEndpoint?: boolean;
  /** Whether a webhook GET returns `configuration.secret`. Default false (reference §6: don't rely on it). */
  webhookSecretsReadable?: boolean;
  /** What `/admin/users` needs. Default ADMIN. */
  adminUsersPermission?: "LICENSED_USER" | "ADMIN";
  /** Whether `/users` hides deactivated users. Default true. */
  usersHidesInactive?: boolean;
  /** What `commits` answers for an empty repository. Default an empty page. */
  emptyRepositoryCommits?: "empty-page" | "not-found";
  rateLimit?: RateLimitOptions;
  /** Real milliseconds added before each answer. */
  latencyMs?: number;
  /** Default: ISO strings from 10.0, epoch milliseconds before. */
  webhookDialect?: WebhookDialect;
  deliveryTimeoutMs?: number;
  dispatch?: "await" | "background";
  clock?: FakeClock;
  /** For webhook deliveries. */
  fetch?: typeof fetch;
}

export type FakeSettings = RouteSettings &
  DispatcherSettings & { latencyMs: number; rateLimit: RateLimitOptions | null; contextPath: string };

/** The administrator every fake starts with (SYS_ADMIN; a password and a user token). */
export const FAKE_ADMIN = {
  username: "admin",
  password: "fake-admin-password",
  token: "fake-admin-token-6b1f0c2e9d",
} as const;

const DEFAULT_CAPS: Record<PagedResource, number> = {
  projects: 1000,
  repositories: 1000,
  pullRequests: 1000,
  users: 1000,
  commits: 1000,
  branches: 1000,
  files: 1000,
  changes: 1000,
  webhooks: 1000,
};

export class FakeBitbucketServer {
  readonly state: FakeState;
  readonly settings: FakeSettings;
  readonly requests = new RequestLog();
  readonly faults = new FaultInjector();
  readonly dispatcher: WebhookDispatcher;
  readonly mutations: FakeMutations;
  readonly admin: UserRecord;
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  #hangs = 0;
  #buckets: { options: RateLimitOptions; buckets: TokenBuckets } | null = null;
  #origin = "";

  private constructor(options: FakeBitbucketOptions) {
    const version = options.version ?? "9.4.2";
    this.state = new FakeState(options.clock ?? { now: () => Date.now() });
    this.settings = {
      contextPath: (options.contextPath ?? "").replace(/\/+$/, ""),
      version,
      pageCaps: { ...DEFAULT_CAPS, ...options.pageCaps },
      nonContiguousPaging: options.nonContiguousPaging ?? false,
      readmeEndpoint: options.readmeEndpoint ?? true,
      webhookSecretsReadable: options.webhookSecretsReadable ?? false,
      adminUsersPermission: options.adminUsersPermission ?? "ADMIN",
      usersHidesInactive: options.usersHidesInactive ?? true,
      emptyRepositoryCommits: options.emptyRepositoryCommits ?? "empty-page",
      webhookDialect: options.webhookDialect ?? (versionAtLeast(version, "10.0") ? "iso" : "epoch"),
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
      dispatch: options.dispatch ?? "await",
      maxInFlightDeliveries: 250,
      latencyMs: options.latencyMs ?? 0,
      rateLimit: options.rateLimit ?? null,
    };
    this.dispatcher = new WebhookDispatcher({
      state: this.state,
      settings: this.settings,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.mutations = new FakeMutations({
      state: this.state,
      ser: () => this.#serializeContext(),
      dispatcher: this.dispatcher,
      version: () => this.settings.version,
    });
    this.admin = addUser(this.state, {
      name: FAKE_ADMIN.username,
      displayName: "Administrator",
      globalPermission: "SYS_ADMIN",
      password: FAKE_ADMIN.password,
    });
    this.addToken({ token: FAKE_ADMIN.token, user: this.admin, permissions: ["PROJECT_ADMIN", "REPO_ADMIN"] });
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch(() => res.destroy());
    });
  }

  static async start(options: FakeBitbucketOptions = {}): Promise<FakeBitbucketServer> {
    const fake = new FakeBitbucketServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once("error", reject);
      fake.#server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const address = fake.#server.address();
    if (address === null || typeof address === "string") throw new Error("fake Bitbucket: no TCP address");
    fake.#origin = `http://127.0.0.1:${address.port}`;
    return fake;
  }

  /** How many requests a `hang` fault has held so far: a test lets the client's time limit pass after each. */
  get hangs(): number {
    return this.#hangs;
  }

  /** The base URL a client is given: origin plus context path. */
  get url(): string {
    return `${this.#origin}${this.settings.contextPath}`;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    await this.dispatcher.idle();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  generate(spec: InstanceSpec): GeneratedInstance {
    return generateInstance(this.state, spec);
  }

  loadSeedSamples(directory?: string): SeedSamples {
    return loadSeedSamples(this.state, directory);
  }

  addUser(input: NewUser): UserRecord {
    return addUser(this.state, input);
  }

  /** A token of a user (`scope` user), or a project/repository token (Bearer only). */
  addToken(input: {
    token: string;
    user: UserRecord;
    permissions: ResourcePermission[];
    scope?: TokenRecord["scope"];
  }): TokenRecord {
    const record: TokenRecord = {
      token: input.token,
      userId: input.user.id,
      scope: input.scope ?? { type: "user" },
      permissions: input.permissions,
    };
    this.state.tokens.set(input.token, record);
    return record;
  }

  grant(
    user: UserRecord,
    permission: ResourcePermission,
    target: { projectKey: string; repositorySlug?: string },
  ): void {
    const project = this.state.projectByKey(target.projectKey);
    if (project === undefined) throw new Error(`fake Bitbucket: no project ${target.projectKey}`);
    if (target.repositorySlug === undefined) {
      this.state.grants.push({ userId: user.id, target: { type: "project", projectId: project.id }, permission });
      return;
    }
    const repository = this.state.repositoryBySlug(target.projectKey, target.repositorySlug);
    if (repository === undefined)
      throw new Error(`fake Bitbucket: no repository ${target.projectKey}/${target.repositorySlug}`);
    this.state.grants.push({
      userId: user.id,
      target: { type: "repository", repositoryId: repository.id },
      permission,
    });
  }

  #serializeContext() {
    return {
      state: this.state,
      baseUrl: this.url,
      hasArchived: versionAtLeast(this.settings.version, "8.0"),
      host: "127.0.0.1",
    };
  }

  #bucketsFor(options: RateLimitOptions): TokenBuckets {
    if (this.#buckets?.options !== options)
      this.#buckets = { options, buckets: new TokenBuckets(options, this.state.clock) };
    return this.#buckets.buckets;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.enter();
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      at: this.state.clock.now(),
      user: null,
    };
    let response: FakeResponse | "hang";
    try {
      const body = await readBody(req);
      if (this.settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settings.latencyMs));
      response = await this.#respond(method, url, body, req.headers.authorization, entry);
    } catch (error) {
      response = errorResponse(500, error instanceof Error ? error.message : String(error), EXCEPTIONS.server);
    }
    if (response === "hang") {
      this.#hanging.add(res);
      this.#hangs++;
      res.on("close", () => this.#hanging.delete(res));
      this.requests.leave(entry);
      return;
    }
    entry.status = response.status;
    this.requests.leave(entry);
    this.#write(res, response, entry);
  }

  async #respond(
    method: string,
    url: URL,
    rawBody: string,
    authorization: string | undefined,
    entry: LoggedRequest,
  ): Promise<FakeResponse | "hang"> {
    const prefix = `${this.settings.contextPath}/rest/api/`;
    if (!url.pathname.startsWith(prefix))
      return { status: 404, text: "<html><body>Not Found</body></html>", contentType: "text/html;charset=UTF-8" };
    entry.path = url.pathname.slice(this.settings.contextPath.length);
    const [apiVersion, ...rest] = url.pathname.slice(prefix.length).split("/");
    if (apiVersion !== "1.0" && apiVersion !== "latest") return errorResponse(404, "Not Found", null);
    const fault = this.faults.match(method, entry.path);
    if (fault?.type === "hang") return "hang";
    if (fault?.type === "wait") await fault.until;
    if (fault?.type === "status")
      return errorResponse(fault.status, fault.message ?? "An unexpected error occurred.", EXCEPTIONS.server);
    const auth = authenticate(authorization, this.state);
    if (!auth.ok) return auth.response;
    const principal = auth.principal;
    entry.user = principal.kind === "user" ? principal.user.name : null;
    const rateHeaders: Record<string, string> = {};
    if (this.settings.rateLimit !== null && principal.kind === "user") {
      const taken = this.#bucketsFor(this.settings.rateLimit).take(principal.user.name);
      Object.assign(rateHeaders, taken.headers);
      if (!taken.ok) {
        entry.retryAfterSeconds = taken.retryAfterSeconds;
        const headers = { ...rateHeaders, "Retry-After": String(taken.retryAfterSeconds) };
        return { status: 429, text: "Rate limit exceeded", contentType: "text/plain;charset=UTF-8", headers };
      }
    }
    const segments = rest.filter((segment) => segment !== "").map(decodeURIComponent);
    const match = matchRoute(method, segments);
    if (match.result !== "matched") {
      if (match.result === "method-not-allowed") return errorResponse(405, `Method ${method} is not supported`, null);
      return errorResponse(404, "Not Found", null);
    }
    let body: unknown;
    if (rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return errorResponse(400, "The request body is not valid JSON.", EXCEPTIONS.validation);
      }
    }
    const response = await match.route.handler({
      method,
      params: match.params,
      query: url.searchParams,
      body,
      principal,
      state: this.state,
      ser: this.#serializeContext(),
      settings: this.settings,
      dispatcher: this.dispatcher,
    });
    const rewritten =
      fault?.type === "rewrite" && isRecord(response.body)
        ? { ...response, body: fault.rewrite(response.body) }
        : response;
    return { ...rewritten, headers: { ...rateHeaders, ...response.headers } };
  }

  #write(res: ServerResponse, response: FakeResponse, entry: LoggedRequest): void {
    const user = entry.user === null ? undefined : this.state.userByName(entry.user);
    const headers: Record<string, string> = {
      "X-AREQUESTID": `@${randomBytes(4).toString("hex").toUpperCase()}x${this.requests.count}x0`,
      "X-ASESSIONID": randomBytes(3).toString("hex"),
      "Cache-Control": "no-cache, no-transform",
      Vary: "X-AUSERNAME,Accept-Encoding",
      "X-Content-Type-Options": "nosniff",
      ...(user === undefined ? {} : { "X-AUSERID": String(user.id), "X-AUSERNAME": user.name }),
      ...response.headers,
    };
    if (response.bytes !== undefined) {
      res.writeHead(response.status, {
        ...headers,
        "Content-Type": response.contentType ?? "application/octet-stream",
      });
      res.end(Buffer.from(response.bytes));
    } else if (response.text !== undefined) {
      res.writeHead(response.status, {
        ...headers,
        "Content-Type": response.contentType ?? "text/plain;charset=UTF-8",
      });
      res.end(response.text);
    } else if (response.body === undefined) {
      res.writeHead(response.status, headers);
      res.end();
    } else {
      res.writeHead(response.status, { ...headers, "Content-Type": "application/json;charset=UTF-8" });
      res.end(JSON.stringify(response.body));
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}
