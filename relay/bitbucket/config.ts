import { z } from "zod";

/**
 * What `BitbucketClient.fromConfig()` takes: a plain object, validated strictly because it is ours (built from
 * the environment by relay/config). Limits have defaults that are safe for a Data Center instance with rate
 * limiting on (60-token bucket, 5 tokens/s by default, reference §4).
 */

export const BitbucketAuth = z.discriminatedUnion("kind", [
  /** Username + password, or username + a user's HTTP access token used as the password. */
  z.strictObject({ kind: z.literal("basic"), username: z.string().min(1), password: z.string().min(1) }),
  /** Any HTTP access token; project- and repository-scoped tokens work only this way. */
  z.strictObject({ kind: z.literal("bearer"), token: z.string().min(1) }),
]);
export type BitbucketAuth = z.infer<typeof BitbucketAuth>;

export const BitbucketLimits = z.strictObject({
  /** HTTP requests in flight at once, per client. Taken per request, never across a page loop. */
  maxConcurrency: z.number().int().min(1).max(256).default(8),
  /** Per attempt, headers and body included. */
  requestTimeoutMs: z.number().int().min(1).default(30_000),
  /** Attempts per call, the first included. */
  maxAttempts: z.number().int().min(1).max(50).default(6),
  /** Full-jitter backoff: the n-th retry waits random(0, min(max, base·2ⁿ)). */
  baseRetryDelayMs: z.number().int().min(0).default(500),
  maxRetryDelayMs: z.number().int().min(0).default(30_000),
  /** Waiting (backoff, Retry-After, pacing) one call may accumulate before it fails. */
  maxTotalWaitMs: z.number().int().min(0).default(600_000),
  /** Optional proactive pacing (requests per second, per client); unset = only what the server asks for. */
  requestsPerSecond: z.number().positive().optional(),
  /** `limit` sent on every listing; the server clamps it silently to its `page.max.*` (default 1000). */
  pageSize: z.number().int().min(1).max(10_000).default(1000),
  /** A listing longer than this many pages fails (a guard against a server that never says `isLastPage`). */
  maxPages: z.number().int().min(1).default(100_000),
  /** README bytes kept; longer files are cut at a character boundary. */
  maxReadmeBytes: z
    .number()
    .int()
    .min(1)
    .default(256 * 1024),
  /** Bytes of a repository file (`kind: file`, `includedFiles`, `port.yml`) read; a longer file is reported, not parsed. */
  maxFileBytes: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
});
export type BitbucketLimits = z.infer<typeof BitbucketLimits>;

export const BitbucketClientConfig = z.strictObject({
  /**
   * The server root, with its context path if any (`https://bb.example.com/bitbucket`), without `/rest`.
   * Credentials in the URL are refused: they would end up in logs and error messages.
   */
  baseUrl: z
    .string()
    .url()
    .refine((value) => /^https?:/i.test(value), "must be an http:// or https:// URL")
    .refine((value) => {
      const url = new URL(value);
      return url.username === "" && url.password === "";
    }, "must not contain credentials: give them as a token or a username and password instead")
    .refine((value) => !/\/rest(\/|$)/.test(new URL(value).pathname), "must be the server root, without /rest/…"),
  auth: BitbucketAuth,
  limits: BitbucketLimits.default(BitbucketLimits.parse({})),
});
export type BitbucketClientConfig = z.infer<typeof BitbucketClientConfig>;
export type BitbucketClientConfigInput = z.input<typeof BitbucketClientConfig>;

/** @returns the base URL without a trailing slash, so that `/rest/…` can be appended */
export function normaliseBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
