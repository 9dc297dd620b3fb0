import { z } from "zod";

/**
 * Permissive wire schemas for Bitbucket Server webhook payloads: only the fields the relay reads, everything
 * else passes through untouched. Field names follow the REST shapes (reference notes §3 and §5.4).
 */

export const ProjectRefWire = z.looseObject({ key: z.string().min(1) });
export type ProjectRefWire = z.infer<typeof ProjectRefWire>;

export const RepositoryRefWire = z.looseObject({ slug: z.string().min(1), project: ProjectRefWire });
export type RepositoryRefWire = z.infer<typeof RepositoryRefWire>;

export const PullRequestRefWire = z.looseObject({
  id: z.number().int().nonnegative(),
  toRef: z.looseObject({ repository: RepositoryRefWire }),
});
export type PullRequestRefWire = z.infer<typeof PullRequestRefWire>;

/** `pr:*` events: `{ eventKey, date, actor, pullRequest, ... }`. The PR belongs to its target repository. */
export const PullRequestEventWire = z.looseObject({ pullRequest: PullRequestRefWire });

/** `repo:refs_changed`, `repo:forked` (the new fork) and `mirror:repo_synchronized`. */
export const RepositoryEventWire = z.looseObject({ repository: RepositoryRefWire });

/**
 * `repo:modified`: `{ old, new }`. `old` can lack fields on some versions (reference §7.3), so it is optional
 * here and a rename is only recognised when both sides are complete.
 */
export const RepositoryModifiedEventWire = z.looseObject({
  old: RepositoryRefWire.optional().catch(undefined),
  new: RepositoryRefWire,
});

/** `project:modified`: `{ old, new }`; a changed `key` is a move of every repository in the project. */
export const ProjectModifiedEventWire = z.looseObject({
  old: ProjectRefWire.optional().catch(undefined),
  new: ProjectRefWire,
});
