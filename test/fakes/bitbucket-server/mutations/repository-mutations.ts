import { basePayload } from "../event-payloads";
import type { FileContent, RepositoryRecord, UserRecord } from "../model";
import { addRepository, type NewRepository, slugify } from "../records";
import { commitJson, pullRequestJson, repositoryJson } from "../serialize";
import { versionAtLeast } from "../version-gate";
import {
  actorOf,
  emit,
  type MutationContext,
  type MutationResult,
  type PendingEvent,
  type RepositoryInput,
  repositoryTarget,
  requireRepository,
} from "./mutation-context";

/**
 * Repository changes. Creating, deleting and archiving send nothing (Bitbucket has no such events, reference
 * §5.3): only a resync sees them. Rename and move send `repo:modified` with `old` and `new`; a push sends
 * `repo:refs_changed`, plus `pr:from_ref_updated` for each open pull request whose source branch moved.
 */

const ZERO = "0".repeat(40);

export interface PushInput {
  branch?: string;
  count?: number;
  message?: string;
  /** Files the last commit changes: path → content (text or bytes), `null` deletes the path. */
  files?: Readonly<Record<string, FileContent | null>>;
}

export interface RefChange {
  branch: string;
  fromHash: string;
  toHash: string;
}

/** `repo:refs_changed`; from 9.0 it also carries `commits` (at most 5, newest first) and `toCommit`. */
export function refsChangedEvent(
  ctx: MutationContext,
  repository: RepositoryRecord,
  actor: UserRecord,
  changes: readonly RefChange[],
): PendingEvent {
  const ser = ctx.ser();
  const first = changes[0];
  const withCommits = versionAtLeast(ctx.version(), "9.0") && first !== undefined && first.toHash !== ZERO;
  const commits = withCommits ? ctx.state.history(first.toHash).slice(0, 5) : [];
  const payload = {
    ...basePayload("repo:refs_changed", actor, ser),
    repository: repositoryJson(repository, ser),
    changes: changes.map((change) => ({
      ref: { id: `refs/heads/${change.branch}`, displayId: change.branch, type: "BRANCH" },
      refId: `refs/heads/${change.branch}`,
      fromHash: change.fromHash,
      toHash: change.toHash,
      type: change.fromHash === ZERO ? "ADD" : change.toHash === ZERO ? "DELETE" : "UPDATE",
    })),
    ...(withCommits && commits[0] !== undefined
      ? { commits: commits.map((commit) => commitJson(commit, ser)), toCommit: commitJson(commits[0], ser) }
      : {}),
  };
  return { eventKey: "repo:refs_changed", payload, target: repositoryTarget(repository) };
}

export async function createRepository(
  ctx: MutationContext,
  input: Omit<NewRepository, "projectId"> & { projectKey: string },
): Promise<MutationResult<RepositoryRecord>> {
  const project = ctx.state.projectByKey(input.projectKey);
  if (project === undefined) throw new Error(`fake Bitbucket: no project ${input.projectKey}`);
  const { projectKey: _ignored, ...rest } = input;
  return emit(ctx, addRepository(ctx.state, { ...rest, projectId: project.id }), []);
}

/** Deletes the repository, its pull requests and its own webhooks. No event. */
export async function deleteRepository(
  ctx: MutationContext,
  input: RepositoryInput,
): Promise<MutationResult<RepositoryRecord>> {
  const repository = requireRepository(ctx, input);
  ctx.state.repositories.delete(repository.id);
  ctx.state.pullRequests.delete(repository.id);
  for (const hook of [...ctx.state.webhooks.values()]) {
    if (hook.scope.type === "repository" && hook.scope.repositoryId === repository.id)
      ctx.state.webhooks.delete(hook.id);
  }
  return emit(ctx, repository, []);
}

/** Archive or unarchive (8.0+). No documented event. */
export async function setArchived(
  ctx: MutationContext,
  input: RepositoryInput & { archived: boolean },
): Promise<MutationResult<RepositoryRecord>> {
  const repository = requireRepository(ctx, input);
  repository.archived = input.archived;
  return emit(ctx, repository, []);
}

export async function renameRepository(
  ctx: MutationContext,
  input: RepositoryInput & { name: string },
): Promise<MutationResult<RepositoryRecord>> {
  const repository = requireRepository(ctx, input);
  const ser = ctx.ser();
  const old = repositoryJson(repository, ser);
  repository.name = input.name;
  repository.slug = slugify(input.name);
  const payload = {
    ...basePayload("repo:modified", actorOf(ctx, input.actorSlug), ser),
    old,
    new: repositoryJson(repository, ser),
  };
  return emit(ctx, repository, [{ eventKey: "repo:modified", payload, target: repositoryTarget(repository) }]);
}

/**
 * Moves the repository to another project. The event goes to the repository's hooks and to its new project's
 * hooks: the scope is resolved after the move (the old project's hooks are not told).
 */
export async function moveRepository(
  ctx: MutationContext,
  input: RepositoryInput & { toProjectKey: string },
): Promise<MutationResult<RepositoryRecord>> {
  const repository = requireRepository(ctx, input);
  const project = ctx.state.projectByKey(input.toProjectKey);
  if (project === undefined) throw new Error(`fake Bitbucket: no project ${input.toProjectKey}`);
  const ser = ctx.ser();
  const old = repositoryJson(repository, ser);
  repository.projectId = project.id;
  const payload = {
    ...basePayload("repo:modified", actorOf(ctx, input.actorSlug), ser),
    old,
    new: repositoryJson(repository, ser),
  };
  return emit(ctx, repository, [{ eventKey: "repo:modified", payload, target: repositoryTarget(repository) }]);
}

/** Forks into `toProjectKey`; `repo:forked` (the fork, with `origin`) goes to the origin's hooks. */
export async function forkRepository(
  ctx: MutationContext,
  input: RepositoryInput & { toProjectKey: string; name?: string },
): Promise<MutationResult<RepositoryRecord>> {
  const origin = requireRepository(ctx, input);
  const project = ctx.state.projectByKey(input.toProjectKey);
  if (project === undefined) throw new Error(`fake Bitbucket: no project ${input.toProjectKey}`);
  const fork = addRepository(ctx.state, {
    projectId: project.id,
    name: input.name ?? origin.name,
    originId: origin.id,
  });
  const ser = ctx.ser();
  const payload = {
    ...basePayload("repo:forked", actorOf(ctx, input.actorSlug), ser),
    repository: repositoryJson(fork, ser),
  };
  return emit(ctx, fork, [{ eventKey: "repo:forked", payload, target: repositoryTarget(origin) }]);
}

/**
 * Pushes `count` commits to a branch (default: the default branch; a new branch is created from the default
 * branch's tip); `files` (path → content, `null` deletes) are changed by the last one. @returns the new tip
 */
export async function pushCommits(
  ctx: MutationContext,
  input: RepositoryInput & PushInput,
): Promise<MutationResult<string>> {
  const repository = requireRepository(ctx, input);
  const actor = actorOf(ctx, input.actorSlug);
  const branch = input.branch ?? repository.defaultBranch;
  const fromHash = repository.branches.get(branch) ?? ZERO;
  let tip = fromHash;
  const count = input.count ?? 1;
  for (let i = 0; i < count; i++) {
    tip = ctx.state.commit(repository, branch, {
      authorId: actor.id,
      message: input.message ?? `Change ${i + 1} on ${branch}`,
      ...(i === count - 1 && input.files !== undefined ? { files: input.files } : {}),
    }).id;
  }
  const events: PendingEvent[] = [refsChangedEvent(ctx, repository, actor, [{ branch, fromHash, toHash: tip }])];
  for (const list of ctx.state.pullRequests.values()) {
    for (const pr of list) {
      if (pr.state !== "OPEN") continue;
      if (pr.toRef.repositoryId === repository.id && pr.toRef.branch === branch) pr.toRef.latestCommit = tip;
      if (pr.fromRef.repositoryId !== repository.id || pr.fromRef.branch !== branch) continue;
      const previousFromHash = pr.fromRef.latestCommit;
      pr.fromRef.latestCommit = tip;
      pr.version++;
      pr.updatedDate = ctx.state.clock.now();
      const target = ctx.state.requireRepository(pr.toRef.repositoryId);
      const ser = ctx.ser();
      const payload = {
        ...basePayload("pr:from_ref_updated", actor, ser),
        pullRequest: pullRequestJson(pr, ser),
        previousFromHash,
      };
      events.push({ eventKey: "pr:from_ref_updated", payload, target: repositoryTarget(target) });
    }
  }
  return emit(ctx, tip, events);
}

/** A smart mirror finished a sync: `mirror:repo_synchronized` (no actor). */
export async function synchronizeMirror(
  ctx: MutationContext,
  input: RepositoryInput,
): Promise<MutationResult<RepositoryRecord>> {
  const repository = requireRepository(ctx, input);
  const ser = ctx.ser();
  const { actor: _none, ...base } = basePayload("mirror:repo_synchronized", actorOf(ctx, input.actorSlug), ser);
  const payload = {
    ...base,
    mirrorServer: { id: "B1C2-D3E4-F5G6-H7I8", name: "Fake mirror" },
    syncType: "incremental",
    refLimitExceeded: false,
    repository: repositoryJson(repository, ser),
    changes: [],
  };
  return emit(ctx, repository, [
    { eventKey: "mirror:repo_synchronized", payload, target: repositoryTarget(repository) },
  ]);
}
