import type { BitbucketClient, RepositoryWire } from "../bitbucket/index";
import type { Json } from "./engine";
import type { ItemSource } from "./item-source";
import { isJsonObject, type JsonObject } from "./mapping-result";
import type { ResourceMapper } from "./resource-mapper";

/**
 * Raw items of one resource, read from Bitbucket as a resync reads them: the resource's project selectors
 * (`projects`, `projectFilterRegex`), `includeArchived`, `includePersonalProjects` and pull-request states
 * applied; repositories enriched with `__readme` / `__latestCommit` when the mapping needs them. Streams: items
 * come one at a time, pages are fetched as they are consumed, and a failed page throws (a BitbucketError).
 */
export async function* listResourceItems(client: BitbucketClient, mapper: ResourceMapper, signal: AbortSignal): AsyncGenerator<Json> {
  const resource = mapper.resource;
  switch (resource.kind) {
    case "user":
      for await (const page of client.listUsers()) yield* page.map(toJson);
      return;
    case "project":
      for await (const page of client.listProjects()) yield* page.filter((project) => selected(mapper, project.key)).map(toJson);
      return;
    case "repository":
      for await (const repository of repositories(client, mapper, resource.selector, signal)) {
        yield await enriched(client, mapper, repository);
      }
      return;
    case "pull-request":
      for await (const repository of repositories(client, mapper, resource.selector, signal)) {
        const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
        for await (const page of client.listPullRequests({ ...ref, states: resource.selector.state })) yield* page.map(toJson);
      }
  }
}

/**
 * `bbrelay map --live N`: the first N items of each resource of the kind.
 * @param client the Bitbucket client
 * @param limit items per resource
 */
export function liveItemSource(client: BitbucketClient, limit: number): ItemSource {
  return {
    description: `Bitbucket (first ${limit} item${limit === 1 ? "" : "s"} of each resource)`,
    async *items(mapper, signal) {
      if (limit <= 0) return;
      let count = 0;
      for await (const item of listResourceItems(client, mapper, signal)) {
        yield item;
        if (++count >= limit) return;
      }
    },
  };
}

async function* repositories(
  client: BitbucketClient,
  mapper: ResourceMapper,
  selector: { includeArchived: boolean; includePersonalProjects: boolean },
  signal: AbortSignal,
): AsyncGenerator<RepositoryWire> {
  for await (const page of client.listProjects()) {
    for (const project of page) {
      if (signal.aborted) return;
      if (!selected(mapper, project.key)) continue;
      for await (const repositoryPage of client.listRepositories({ projectKey: project.key, includeArchived: selector.includeArchived })) {
        yield* repositoryPage;
      }
    }
  }
  // `/projects` does not list personal projects: their repositories come from `/repos`, when asked for.
  if (!selector.includePersonalProjects) return;
  for await (const page of client.listPersonalRepositories({ archived: selector.includeArchived ? "ALL" : "ACTIVE" })) {
    yield* page.filter((repository) => selected(mapper, repository.project.key));
  }
}

function selected(mapper: ResourceMapper, projectKey: string): boolean {
  return mapper.projectFilter === null || mapper.projectFilter(projectKey);
}

async function enriched(client: BitbucketClient, mapper: ResourceMapper, repository: RepositoryWire): Promise<Json> {
  const item = toJson(repository);
  if (!isJsonObject(item)) return item;
  const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
  const [readme, latestCommit] = await Promise.all([
    mapper.enrichment.readme ? client.readme(ref) : undefined,
    mapper.enrichment.latestCommit ? client.latestCommit(ref) : undefined,
  ]);
  const out: JsonObject = { ...item };
  if (readme !== undefined) out.__readme = readme;
  if (latestCommit !== undefined) out.__latestCommit = latestCommit === null ? null : toJson(latestCommit);
  return out;
}

/** Bitbucket's objects came from JSON; this re-checks that as a type, without a cast. */
function toJson(value: unknown): Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const out: JsonObject = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toJson(field);
    return out;
  }
  return null;
}
