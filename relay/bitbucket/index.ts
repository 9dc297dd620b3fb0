/**
 * The agent's Bitbucket Server / Data Center client. Everything other parts need is exported here.
 *
 * ```ts
 * const bitbucket = BitbucketClient.fromConfig(
 *   { baseUrl: env.BITBUCKET_URL, auth: { kind: "bearer", token }, limits: { maxConcurrency: 8 } },
 *   { logger }, // also: fetch, clock (now/sleep), random
 * );
 * await bitbucket.version();                                   // "8.10.2"; compare with compareVersions()
 * for await (const page of bitbucket.listProjects()) { ... }   // pages of raw project objects
 * bitbucket.listRepositories({ projectKey, includeArchived })  // per project; archived included by default
 * bitbucket.searchRepositories({ archived: "ALL" })            // global /repos (sends archived=ALL by default)
 * bitbucket.listPersonalRepositories()                         // ~USER projects' repositories
 * bitbucket.listPullRequests({ projectKey, repositorySlug, states })  // default every state (state=ALL)
 * bitbucket.listUsers() / bitbucket.listAdminUsers()           // /users or /admin/users: the caller chooses
 * await bitbucket.getProject|getRepository|getPullRequest|getUser(...)  // null on 404
 * await bitbucket.readme(ref) / latestCommit(ref) / defaultBranch(ref)  // null when absent or empty
 * await bitbucket.webhooks.list|get|create|update|delete|statisticsSummary|test({ scope, ... })
 * ```
 *
 * Listings yield one page (an array) at a time and throw a `BitbucketError` if any page fails: never a silently
 * truncated list. Objects are Bitbucket's JSON as sent (validated only for the fields the relay reads), so jq
 * mappings can use any field. The client bounds concurrency per HTTP request (never across a page loop), follows
 * 429 `Retry-After` and `X-RateLimit-*`, retries 429/5xx/timeouts/network errors with full jitter (POST: 429 only),
 * times out each attempt and caps the total waiting of one call. No error message or log line carries a credential.
 */

export type {
  BitbucketClientOptions,
  ListPullRequestsOptions,
  ListRepositoriesOptions,
  RepositoryRef,
  SearchRepositoriesOptions,
} from "./client";
export { BitbucketClient } from "./client";
export type { BitbucketClientConfigInput } from "./config";
export { BitbucketAuth, BitbucketClientConfig, BitbucketLimits } from "./config";
export type { BitbucketErrorKind } from "./errors";
export { BitbucketError, isBitbucketError } from "./errors";
export type { Clock } from "./rate-pacer";
export { systemClock } from "./rate-pacer";
export type { PullRequestState } from "./schema";
export {
  ApplicationPropertiesWire,
  BranchWire,
  CommitWire,
  ProjectWire,
  PullRequestStates,
  PullRequestWire,
  RepositoryWire,
  UserWire,
  WebhookStatisticsSummaryWire,
  WebhookWire,
} from "./schema";
export { compareVersions, isVersionAtLeast, PROJECT_WEBHOOKS_SINCE, parseVersion } from "./version";
export type { WebhookInput, WebhookScope, WebhookTestResultWire } from "./webhooks";
export { BitbucketWebhooks } from "./webhooks";
