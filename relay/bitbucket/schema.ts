import { z } from "zod";
import type { Json } from "../mapping/engine";

/**
 * Permissive wire schemas for Bitbucket Server REST responses (reference §3, §6). Only the fields the relay
 * reads are declared; every other field passes through untouched (`looseObject`), because users' jq mappings may
 * reference any of them. No `.default()` or `.transform()` on item schemas: the parsed object must be the object
 * Bitbucket sent. Items that fail are dropped from their page (and logged), never the whole page.
 */

/**
 * A Bitbucket object: the fields the relay reads are checked, every other one passes through as Bitbucket sent it.
 * The body was parsed JSON and nothing here transforms it, so the rest is JSON too: typed so (a JSON value is not
 * checked again, which would cost a walk of every page), the mapper takes the objects as they are.
 */
function wireObject<Shape extends z.ZodRawShape>(shape: Shape) {
  // The declared fields are checked by a schema that keeps only them (it builds a small object, dropped at once);
  // what parsing returns is the object itself. A catchall schema would copy every field of every object (and of
  // its nested objects) into a new one: a quarter of the agent's work on an unchanged pull request, with its garbage.
  const declared = z.object(shape);
  return z.custom<z.output<ReturnType<typeof withCatchall<Shape>>>>().superRefine((value, context) => {
    const checked = declared.safeParse(value);
    if (checked.success) return;
    for (const issue of checked.error.issues)
      context.addIssue({ code: "custom", message: issue.message, path: issue.path });
  });
}

/** The type of a Bitbucket object: its declared fields, and any other field as JSON. */
function withCatchall<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape).catchall(z.custom<Json>());
}

const Key = z.string().min(1);

export const ProjectWire = wireObject({
  key: Key,
  id: z.number().optional(),
  name: z.string().optional(),
  /** `NORMAL` or `PERSONAL` (personal project keys start with `~`). */
  type: z.string().optional(),
});
export type ProjectWire = z.infer<typeof ProjectWire>;

/** A user's personal project (`~SLUG`): `/projects` does not list these. One test for the resync and live events. */
export function isPersonalProject(project: { key: string; type?: unknown }): boolean {
  return project.type === "PERSONAL" || project.key.startsWith("~");
}

export const RepositoryWire = wireObject({
  slug: Key,
  id: z.number().optional(),
  name: z.string().optional(),
  /** Since 8.0; absent on older servers, which cannot archive. */
  archived: z.boolean().optional(),
  project: wireObject({ key: Key, type: z.string().optional() }),
});
export type RepositoryWire = z.infer<typeof RepositoryWire>;

export const PullRequestStates = ["OPEN", "MERGED", "DECLINED"] as const;
export type PullRequestState = (typeof PullRequestStates)[number];

export const PullRequestWire = wireObject({
  /** Per target repository, not global. */
  id: z.number().int().nonnegative(),
  state: z.string(),
  toRef: wireObject({ repository: wireObject({ slug: Key, project: wireObject({ key: Key }) }) }),
});
export type PullRequestWire = z.infer<typeof PullRequestWire>;

export const UserWire = wireObject({
  /** Address users by slug: it may differ from `name` (reference §3.4). */
  slug: Key,
  name: z.string().optional(),
  id: z.number().optional(),
});
export type UserWire = z.infer<typeof UserWire>;

export const CommitWire = wireObject({ id: z.string().min(1) });
export type CommitWire = z.infer<typeof CommitWire>;

/** `branches/default`: the wire flag is `isDefault` (the spec's `default` is wrong). */
export const BranchWire = wireObject({
  id: z.string().min(1),
  displayId: z.string().optional(),
  latestCommit: z.string().optional(),
});
export type BranchWire = z.infer<typeof BranchWire>;

/** A path as change listings give it; `toString` is the whole path from the repository root. */
const PathWire = wireObject({ toString: z.string().min(1) });

/**
 * One entry of `…/commits/{id}/changes` or `…/compare/changes`: `type` is ADD, MODIFY, DELETE, MOVE, COPY (or
 * UNKNOWN); a MOVE or COPY also names its `srcPath`. `nodeType` is FILE, DIRECTORY or SUBMODULE.
 */
export const ChangeWire = wireObject({
  path: PathWire,
  type: z.string(),
  srcPath: PathWire.nullish(),
  nodeType: z.string().optional(),
});
export type ChangeWire = z.infer<typeof ChangeWire>;

export const WebhookWire = wireObject({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  scopeType: z.string().optional(),
  /** Free-form string map; `secret` may or may not be read back (reference §6): never rely on it. */
  configuration: z.record(z.string(), z.unknown()).optional(),
  sslVerificationRequired: z.boolean().optional(),
});
export type WebhookWire = z.infer<typeof WebhookWire>;

const Invocation = wireObject({
  event: z.string().optional(),
  start: z.number().optional(),
  finish: z.number().optional(),
  result: wireObject({ outcome: z.string(), description: z.string().optional() }).optional(),
});

/** `…/webhooks/{id}/statistics/summary`, for `bbrelay doctor`. Field-for-field unverified: all optional. */
export const WebhookStatisticsSummaryWire = wireObject({
  lastSuccess: Invocation.optional(),
  lastFailure: Invocation.optional(),
  lastError: Invocation.optional(),
  counts: z
    .looseObject({
      successes: z.number().optional(),
      failures: z.number().optional(),
      errors: z.number().optional(),
    })
    .optional(),
});
export type WebhookStatisticsSummaryWire = z.infer<typeof WebhookStatisticsSummaryWire>;

export const ApplicationPropertiesWire = wireObject({
  version: z.string().min(1),
  buildNumber: z.string().optional(),
  displayName: z.string().optional(),
});
export type ApplicationPropertiesWire = z.infer<typeof ApplicationPropertiesWire>;

/** The envelope of every paged listing. There is no total count. */
export const PageWire = wireObject({
  values: z.array(z.unknown()),
  isLastPage: z.boolean(),
  /** Only when `isLastPage` is false. Not necessarily `start + size`. */
  nextPageStart: z.number().int().nonnegative().nullish(),
  /** The limit the server applied after its silent clamp. */
  limit: z.number().optional(),
  start: z.number().optional(),
  size: z.number().optional(),
});
export type PageWire = z.infer<typeof PageWire>;

/** `{"errors":[{"context":null,"message":"…","exceptionName":"…"}]}` on every 4xx/5xx with a body. */
export const ErrorEnvelopeWire = wireObject({
  errors: z.array(
    wireObject({
      message: z.string().nullish(),
      exceptionName: z.string().nullish(),
      context: z.string().nullish(),
    }),
  ),
});
export type ErrorEnvelopeWire = z.infer<typeof ErrorEnvelopeWire>;
