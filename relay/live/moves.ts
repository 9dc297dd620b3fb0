import type { BitbucketClient } from "../bitbucket/client";
import { keyText } from "../catalog/catalog";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import type { Json } from "../mapping/engine";
import { enrichRepository, repositoryNeedsOf } from "../sync/enrich-repository";
import { asObject, field } from "./json-fields";
import { type LiveEntitySync, type LiveSyncResult, mergeResults } from "./live-entity-sync";

/**
 * Renames and moves. Bitbucket sends `repo:modified` with `old` and `new` when a repository is renamed or moved to
 * another project, and `project:modified` when a project's key changes; the entities' identifiers (which contain
 * the key and slug) change with them. So the old entities are deleted and the new ones written, and everything
 * named after them follows: a repository's pull requests, a project's repositories and their pull requests.
 * The old side is computed by mapping the current objects with the old key or slug put back, so any mapping works.
 */

export interface MoveContext {
  client: BitbucketClient;
  mapping: LoadedMapping;
  sync: LiveEntitySync;
  signal?: AbortSignal;
}

/**
 * @param oldRepository the payload's `old` repository (REST dialect)
 * @param current the repository as Bitbucket has it now (its new name/project)
 */
export async function followRepositoryMove(
  context: MoveContext,
  oldRepository: Json,
  current: Json,
): Promise<LiveSyncResult> {
  const result = await context.sync.apply("repository", current, context.signal);
  const kept = new Set(result.written.map(keyText));
  mergeResults(result, await context.sync.remove("repository", oldRepository, kept, context.signal));
  if (mappersOfKind(context.mapping, "pull-request").length === 0) return result;
  const ref = refOf(current);
  if (ref === null) return result;
  for await (const page of context.client.listPullRequests({ ...ref })) {
    for (const pullRequest of page) {
      const now = await context.sync.apply("pull-request", pullRequest, context.signal);
      mergeResults(result, now);
      const before = withRepository(pullRequest, current, oldRepository);
      mergeResults(
        result,
        await context.sync.remove("pull-request", before, new Set(now.written.map(keyText)), context.signal),
      );
    }
  }
  return result;
}

/**
 * @param oldProject the payload's `old` project
 * @param current the project as Bitbucket has it now (its new key)
 */
export async function followProjectKeyChange(
  context: MoveContext,
  oldProject: Json,
  current: Json,
): Promise<LiveSyncResult> {
  const result = await context.sync.apply("project", current, context.signal);
  mergeResults(
    result,
    await context.sync.remove("project", oldProject, new Set(result.written.map(keyText)), context.signal),
  );
  const key = field(current, "key");
  if (typeof key !== "string") return result;
  const needs = repositoryNeedsOf(context.mapping);
  for await (const page of context.client.listRepositories({ projectKey: key })) {
    for (const repository of page) {
      const now = await enrichRepository(context.client, repository, needs);
      const before = { ...asObject(now), project: oldProject };
      mergeResults(result, await followRepositoryMove(context, before, now));
    }
  }
  return result;
}

/** The pull request as it was before the move: its target (and, for a same-repository PR, its source) put back. */
function withRepository(pullRequest: Json, current: Json, old: Json): Json {
  const pr = asObject(pullRequest);
  const swap = (ref: Json | undefined): Json | undefined => {
    const refObject = asObject(ref ?? null);
    const repository = refObject.repository ?? null;
    return sameRepository(repository, current) ? { ...refObject, repository: old } : (ref ?? null);
  };
  return { ...pr, toRef: swap(pr.toRef) ?? null, fromRef: swap(pr.fromRef) ?? null };
}

function sameRepository(a: Json, b: Json): boolean {
  const idA = field(a, "id");
  const idB = field(b, "id");
  if (typeof idA === "number" && typeof idB === "number") return idA === idB;
  return (
    field(a, "slug") === field(b, "slug") && field(field(a, "project"), "key") === field(field(b, "project"), "key")
  );
}

function refOf(repository: Json): { projectKey: string; repositorySlug: string } | null {
  const slug = field(repository, "slug");
  const key = field(field(repository, "project"), "key");
  return typeof slug === "string" && typeof key === "string" ? { projectKey: key, repositorySlug: slug } : null;
}
