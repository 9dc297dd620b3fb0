import { Writable } from "node:stream";
import { z } from "zod";
import { ConfigError } from "../config/config-error";
import type { AttemptReport } from "../http/retry";
import { Logger } from "../log/logger";
import type { AttemptWatch } from "../metrics/instrumented-fetch";
import {
  BitbucketClientConfig,
  type BitbucketClientConfigInput,
  type BitbucketLimits,
  normaliseBaseUrl,
} from "./config";
import type { ListingWatch } from "./dropped-items";
import { BitbucketTransport, type HttpRequest, type QueryValue } from "./http-transport";
import { paginate } from "./paginate";
import { parseWire } from "./parse-wire";
import { type Clock, systemClock } from "./rate-pacer";
import { api } from "./rest-path";
import {
  ApplicationPropertiesWire,
  BranchWire,
  ChangeWire,
  CommitWire,
  isPersonalProject,
  PageWire,
  ProjectWire,
  type PullRequestState,
  PullRequestStates,
  PullRequestWire,
  RepositoryWire,
  UserWire,
} from "./schema";
import { BitbucketWebhooks } from "./webhooks";

/**
 * The Bitbucket Server / Data Center REST client of the agent.
 *
 * - Construction: `BitbucketClient.fromConfig({ baseUrl, auth, limits }, { fetch, clock, random, logger })`.
 * - Listings are async generators that yield one page (an array of raw Bitbucket objects, validated for the fields
 *   the relay uses and otherwise as Bitbucket sent them) at a time, so a resync streams. Any failed page throws.
 * - Single reads (`getProject`, `getRepository`, `getPullRequest`, `getUser`) return null on 404.
 * - Enrichment: `readme`, `latestCommit`, `defaultBranch`. Webhook management: `client.webhooks`.
 * - Every failure is a `BitbucketError` (see errors.ts); no message or log line carries a credential.
 */

export interface BitbucketClientOptions {
  fetch?: typeof fetch;
  /** Told as each attempt starts and ends (metrics), whatever sends it. */
  watch?: AttemptWatch;
  /** `now()` and `sleep()` for pacing and backoff, `deadline()` for each attempt's time limit; tests pass a virtual clock. */
  clock?: Clock;
  /** Uniform in [0, 1), for jitter. */
  random?: () => number;
  logger?: Logger;
  /** Aborting it stops every call of this client (kind `aborted`): wire it to SIGTERM. */
  signal?: AbortSignal;
  /** Told of every attempt (metrics: retries). */
  onAttempt?: (report: AttemptReport) => void;
}

/** The global fetch as Node provides it, captured before anything could replace it. */
const nativeFetch = globalThis.fetch;

/**
 * @returns the global fetch when someone replaced it (a test spying on it), so that the client still goes through
 *   it; undefined when it is Node's own, and the transport then sends with undici directly (cheaper in CPU)
 */
function substitutedFetch(): typeof fetch | undefined {
  return globalThis.fetch === nativeFetch ? undefined : globalThis.fetch;
}

export interface RepositoryRef {
  projectKey: string;
  repositorySlug: string;
}

/** A file at a commit, as `readFile` found it. */
export type FileRead =
  | { kind: "text"; text: string }
  | { kind: "binary" }
  /** Longer than `limits.maxFileBytes`: not read whole, so not to be parsed. */
  | { kind: "too-large"; maxBytes: number };

export interface FileRef extends RepositoryRef {
  /** A commit id (what a resync and a push name), or a branch. */
  at: string;
}

export interface ListRepositoriesOptions extends ListingWatch {
  projectKey: string;
  /** `/projects/{key}/repos` lists archived repositories too; false drops them client-side. Default true. */
  includeArchived?: boolean;
}

export interface SearchRepositoriesOptions extends ListingWatch {
  /** `/repos` defaults to ACTIVE on the server: the client sends ALL unless told otherwise. */
  archived?: "ACTIVE" | "ARCHIVED" | "ALL";
  projectKey?: string;
}

export interface ListPullRequestsOptions extends RepositoryRef, ListingWatch {
  /**
   * States wanted; default all. One state is sent as `state=X`; several (not all) are listed with `state=ALL` and
   * filtered here. The server's default would be OPEN only, so `state` is always sent.
   */
  states?: readonly PullRequestState[];
}

/** What the clients of one connection share (see {@link BitbucketClient.inLane}). */
interface ClientCore {
  config: BitbucketClientConfig;
  options: BitbucketClientOptions;
  transport: BitbucketTransport;
  limits: BitbucketLimits;
  logger: Logger;
  /** The server has answered the `readme` endpoint with a README at least once. */
  readmeEndpointSeen: boolean;
}

export class BitbucketClient {
  readonly webhooks: BitbucketWebhooks;
  readonly #core: ClientCore;
  /** Whose turn this client's requests wait in for a permit (see {@link inLane}); the shared lane when undefined. */
  readonly #lane: string | undefined;

  /**
   * @param config a plain object (from relay/config); validated here
   * @throws ConfigError naming every problem, with `bitbucket.` dot-paths
   */
  static fromConfig(config: BitbucketClientConfigInput, options: BitbucketClientOptions = {}): BitbucketClient {
    const parsed = BitbucketClientConfig.safeParse(config);
    if (!parsed.success) {
      throw new ConfigError(
        "bitbucket-connection",
        parsed.error.issues.map((issue) => `bitbucket.${issue.path.join(".")}: ${issue.message}`),
        "Bitbucket connection",
      );
    }
    return new BitbucketClient(parsed.data, options);
  }

  /** @param laneOf for {@link inLane}: the client whose connection this one shares, and its lane */
  constructor(
    config: BitbucketClientConfig,
    options: BitbucketClientOptions = {},
    laneOf?: { client: BitbucketClient; lane: string },
  ) {
    this.#lane = laneOf?.lane;
    if (laneOf !== undefined) {
      this.#core = laneOf.client.#core;
      this.webhooks = laneOf.client.webhooks;
      return;
    }
    const logger = (options.logger ?? silentLogger()).child({ component: "bitbucket" });
    const transport = new BitbucketTransport({
      baseUrl: normaliseBaseUrl(config.baseUrl),
      auth: config.auth,
      limits: config.limits,
      fetch: options.fetch ?? substitutedFetch(),
      watch: options.watch,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      logger,
      signal: options.signal,
      onAttempt: options.onAttempt,
    });
    this.#core = { config, options, transport, limits: config.limits, logger, readmeEndpointSeen: false };
    this.webhooks = new BitbucketWebhooks({
      transport,
      logger,
      pageSize: config.limits.pageSize,
      maxPages: config.limits.maxPages,
    });
  }

  /**
   * This client's connection (one in-flight bound, one pacing, one circuit) with its own lane: while several lanes
   * have requests waiting for a permit, each gets one in turn (concurrency-limiter.ts). A resync gives each kind
   * one, so that a kind with few requests queued is not starved by one that queues many.
   */
  inLane(lane: string): BitbucketClient {
    return new BitbucketClient(this.#core.config, this.#core.options, { client: this, lane });
  }

  /** Requests in flight and waiting for a permit. */
  get load(): { active: number; waiting: number } {
    return this.#core.transport.load;
  }

  /** `application-properties` (readable anonymously). */
  async applicationProperties(): Promise<ApplicationPropertiesWire> {
    return this.#getJson(api("application-properties"), ApplicationPropertiesWire);
  }

  /** @returns the server version, e.g. `8.10.2`; compare with `compareVersions` (never as a float) */
  async version(): Promise<string> {
    return (await this.applicationProperties()).version;
  }

  /** Every project the credential may view. Filter by key or regex on the caller's side. */
  listProjects(watch: ListingWatch = {}): AsyncGenerator<ProjectWire[]> {
    return this.#list(api("projects"), ProjectWire, {}, undefined, watch);
  }

  /** One project's repositories (`/projects/{key}/repos`; works for personal projects `~SLUG` too). */
  listRepositories(options: ListRepositoriesOptions): AsyncGenerator<RepositoryWire[]> {
    const keep = options.includeArchived === false ? (repo: RepositoryWire) => repo.archived !== true : undefined;
    return this.#list(api("projects", options.projectKey, "repos"), RepositoryWire, {}, keep, options);
  }

  /** The global `/repos` search, which honours `archived` (8.0+) and includes personal repositories. */
  searchRepositories(options: SearchRepositoriesOptions = {}): AsyncGenerator<RepositoryWire[]> {
    return this.#list(
      api("repos"),
      RepositoryWire,
      { archived: options.archived ?? "ALL", projectkey: options.projectKey },
      undefined,
      options,
    );
  }

  /** Repositories of personal projects (`~SLUG`), which `/projects` does not list. */
  listPersonalRepositories(
    options: Pick<SearchRepositoriesOptions, "archived" | "onDropped"> = {},
  ): AsyncGenerator<RepositoryWire[]> {
    return this.#list(
      api("repos"),
      RepositoryWire,
      { archived: options.archived ?? "ALL" },
      (repo) => isPersonalProject(repo.project),
      options,
    );
  }

  /** Pull requests whose target is the repository (`direction` left at INCOMING, so PRs from forks count). */
  listPullRequests(options: ListPullRequestsOptions): AsyncGenerator<PullRequestWire[]> {
    const states = [...new Set(options.states ?? PullRequestStates)];
    if (states.length === 0) throw new Error("listPullRequests: states must name at least one state");
    const path = api("projects", options.projectKey, "repos", options.repositorySlug, "pull-requests");
    const [only] = states;
    if (states.length === 1 && only !== undefined)
      return this.#list(path, PullRequestWire, { state: only }, undefined, options);
    const wanted = new Set<string>(states);
    const keep = states.length === PullRequestStates.length ? undefined : (pr: PullRequestWire) => wanted.has(pr.state);
    return this.#list(path, PullRequestWire, { state: "ALL" }, keep, options);
  }

  /** `/users`: any authenticated account may call it; may hide deactivated users. */
  listUsers(watch: ListingWatch = {}): AsyncGenerator<UserWire[]> {
    return this.#list(api("users"), UserWire, {}, undefined, watch);
  }

  /** `/admin/users`: everyone, with `active`, `directoryName`, `lastAuthenticationTimestamp`; needs more rights. */
  listAdminUsers(watch: ListingWatch = {}): AsyncGenerator<UserWire[]> {
    return this.#list(api("admin", "users"), UserWire, {}, undefined, watch);
  }

  async getProject(options: { projectKey: string }): Promise<ProjectWire | null> {
    return this.#getOrNull(api("projects", options.projectKey), ProjectWire);
  }

  /** Note: `defaultBranch` is not part of a repository GET; use `defaultBranch()`. */
  async getRepository(options: RepositoryRef): Promise<RepositoryWire | null> {
    return this.#getOrNull(api("projects", options.projectKey, "repos", options.repositorySlug), RepositoryWire);
  }

  async getPullRequest(options: RepositoryRef & { pullRequestId: number }): Promise<PullRequestWire | null> {
    const { projectKey, repositorySlug, pullRequestId } = options;
    return this.#getOrNull(
      api("projects", projectKey, "repos", repositorySlug, "pull-requests", pullRequestId),
      PullRequestWire,
    );
  }

  async getUser(options: { userSlug: string }): Promise<UserWire | null> {
    return this.#getOrNull(api("users", options.userSlug), UserWire);
  }

  /**
   * The repository's README: the `readme` endpoint (finds README, README.md, README.txt), falling back to
   * `raw/README.md` on servers without it. Cut at `limits.maxReadmeBytes`. `at` reads it at a commit (both take
   * it), else on the default branch.
   * @returns the text, or null when there is none (404)
   */
  async readme(options: RepositoryRef & { at?: string }): Promise<string | null> {
    const base = ["projects", options.projectKey, "repos", options.repositorySlug] as const;
    const endpoint = api(...base, "readme");
    for (const path of [endpoint, api(...base, "raw", "README.md")]) {
      const response = await this.#core.transport.request({
        method: "GET",
        path,
        lane: this.#lane,
        ...(options.at === undefined ? {} : { query: { at: options.at } }),
        expect: "text",
        accept: [404],
        maxBytes: this.#core.limits.maxReadmeBytes,
      });
      // A 404 from the endpoint means "no README" or "no such endpoint" (its version is unverified). Once it has
      // answered with a README (checked now, not at the call: calls queue together), the server has it, and
      // raw/README.md, a file it would have found, is not worth asking for.
      if (response.status === 404 && path === endpoint && this.#core.readmeEndpointSeen) return null;
      if (response.status === 404) continue;
      if (path === endpoint) this.#core.readmeEndpointSeen = true;
      if (response.truncated)
        this.#core.logger.debug({ path, maxBytes: this.#core.limits.maxReadmeBytes }, "README cut at the size cap");
      return typeof response.body === "string" ? response.body : "";
    }
    return null;
  }

  /** Requests in flight at once at most (`limits.maxConcurrency`): a listing fans out no wider. */
  get maxConcurrency(): number {
    return this.#core.limits.maxConcurrency;
  }

  /** Where a README is cut (`limits.maxReadmeBytes`): a README remembered at another cap is read again. */
  get readmeByteCap(): number {
    return this.#core.limits.maxReadmeBytes;
  }

  /** @returns the tip commit of the default branch (`commits?limit=1`), or null for an empty repository */
  async latestCommit(options: RepositoryRef): Promise<CommitWire | null> {
    const path = api("projects", options.projectKey, "repos", options.repositorySlug, "commits");
    // One page of one commit, not a listing. An empty repository answers with an empty page or a 404
    // (reference §7.4: unverified which), so both give null.
    const response = await this.#request({ method: "GET", path, query: { limit: 1 }, expect: "json", accept: [404] });
    if (response.status === 404) return null;
    const first = parseWire(PageWire, response.body, "GET", path).values[0];
    return first === undefined ? null : parseWire(CommitWire, first, "GET", path);
  }

  /** @returns the default branch with its `latestCommit`, or null for an empty repository (204) or an unborn one (404) */
  async defaultBranch(options: RepositoryRef): Promise<BranchWire | null> {
    const path = api("projects", options.projectKey, "repos", options.repositorySlug, "branches", "default");
    const response = await this.#request({ method: "GET", path, expect: "json", accept: [204, 404] });
    if (response.status === 204 || response.status === 404) return null;
    return parseWire(BranchWire, response.body, "GET", path);
  }

  /**
   * Every file path of the repository at `at` (`/files`: recursive, one page of path strings at a time), from the
   * repository root.
   */
  listFiles(options: FileRef): AsyncGenerator<string[]> {
    const path = api("projects", options.projectKey, "repos", options.repositorySlug, "files");
    return this.#list(path, z.string().min(1), { at: options.at });
  }

  /**
   * One file at `at` (`/raw/{path}`), cut at `limits.maxFileBytes`. A file with a NUL byte or bytes that are not
   * UTF-8 is binary (git's own test is the NUL byte): its content is not returned.
   * @returns the file, or null when the path does not exist at that commit (404)
   */
  async readFile(options: FileRef & { path: string }): Promise<FileRead | null> {
    const segments = options.path.split("/").filter((segment) => segment !== "");
    const path = api("projects", options.projectKey, "repos", options.repositorySlug, "raw", ...segments);
    const maxBytes = this.#core.limits.maxFileBytes;
    const response = await this.#request({
      method: "GET",
      path,
      query: { at: options.at },
      expect: "text",
      accept: [404],
      maxBytes,
    });
    if (response.status === 404) return null;
    if (response.truncated) return { kind: "too-large", maxBytes };
    const text = typeof response.body === "string" ? response.body : "";
    if (text.includes("\u0000") || text.includes("\ufffd")) return { kind: "binary" };
    return { kind: "text", text };
  }

  /**
   * The paths a commit changed since another (`/commits/{id}/changes?since=`; without `since`, against its first
   * parent), page by page: what a push touched, in one request for most pushes.
   */
  listChanges(options: RepositoryRef & { commitId: string; since?: string }): AsyncGenerator<ChangeWire[]> {
    const path = api(
      "projects",
      options.projectKey,
      "repos",
      options.repositorySlug,
      "commits",
      options.commitId,
      "changes",
    );
    return this.#list(path, ChangeWire, options.since === undefined ? {} : { since: options.since });
  }

  /** A listing; it fails on items without the fields the relay reads unless `watch.onDropped` takes them. */
  #list<T>(
    path: string,
    item: z.ZodType<T>,
    query: Record<string, QueryValue> = {},
    keep?: (item: T) => boolean,
    watch: ListingWatch = {},
  ) {
    const { pageSize, maxPages } = this.#core.limits;
    const { onDropped } = watch;
    return paginate({
      transport: this.#core.transport,
      lane: this.#lane,
      logger: this.#core.logger,
      path,
      query,
      item,
      pageSize,
      maxPages,
      keep,
      ...(onDropped === undefined ? {} : { onDropped }),
    });
  }

  async #getJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const response = await this.#request({ method: "GET", path, expect: "json" });
    return parseWire(schema, response.body, "GET", path);
  }

  async #getOrNull<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
    const response = await this.#request({ method: "GET", path, expect: "json", accept: [404] });
    return response.status === 404 ? null : parseWire(schema, response.body, "GET", path);
  }

  #request(request: HttpRequest) {
    return this.#core.transport.request({ ...request, lane: this.#lane });
  }
}

function silentLogger(): Logger {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new Logger({ stream: sink, format: "json", level: "error" });
}
