import type { EnrichmentNeeds } from "../../shared/mapping-config/leaves";
import type { BitbucketClient } from "../bitbucket/client";
import type { RepositoryWire } from "../bitbucket/schema";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import type { Json } from "../mapping/engine";

/**
 * Adds what a repository listing lacks and the mapping uses: `__readme` (the README text, or null) and
 * `__latestCommit` (the default branch's tip commit, or null for an empty repository). Both are fetched only when
 * asked for: two requests per repository otherwise spent for nothing. Shared by the resync and live events, so a
 * repository maps the same way on both paths.
 */
export async function enrichRepository(
  client: BitbucketClient,
  repository: RepositoryWire,
  needs: EnrichmentNeeds,
): Promise<Json> {
  const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
  const [readme, latestCommit] = await Promise.all([
    needs.readme ? client.readme(ref) : undefined,
    needs.latestCommit ? client.latestCommit(ref) : undefined,
  ]);
  // The objects are Bitbucket's JSON as parsed; the wire types only name the fields the relay reads.
  const item = { ...repository } as Record<string, unknown>;
  if (needs.readme) item.__readme = readme ?? null;
  if (needs.latestCommit) item.__latestCommit = latestCommit ?? null;
  return item as Json;
}

/** Whether any of the needs asks for a fetch. */
export function needsEnrichment(needs: EnrichmentNeeds): boolean {
  return needs.readme || needs.latestCommit;
}

/** What the mapping's repository resources need together (a live event enriches once for all of them). */
export function repositoryNeedsOf(mapping: LoadedMapping): EnrichmentNeeds {
  const all = mappersOfKind(mapping, "repository").map((mapper) => mapper.enrichment);
  return { readme: all.some((needs) => needs.readme), latestCommit: all.some((needs) => needs.latestCommit) };
}
