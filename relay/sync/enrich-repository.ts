import type { EnrichmentNeeds } from "../../shared/mapping-config/leaves";
import type { BitbucketClient } from "../bitbucket/client";
import type { RepositoryWire } from "../bitbucket/schema";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import { RepositoryFiles } from "../files/repository-files";
import type { Json, JsonObject } from "../mapping/engine";

/**
 * Adds what a repository listing lacks and the mapping uses: `__readme` (the README text, or null),
 * `__latestCommit` (the default branch's tip commit, or null for an empty repository) and `__includedFiles` (Port's
 * `includedFiles`). Each is fetched only when asked for: requests per repository otherwise spent for nothing. Shared by the resync and live events, so a
 * repository maps the same way on both paths.
 */
export async function enrichRepository(
  client: BitbucketClient,
  repository: RepositoryWire,
  needs: EnrichmentNeeds,
  files: RepositoryFiles = new RepositoryFiles(client, null),
): Promise<Json> {
  const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
  const [readme, latestCommit, included] = await Promise.all([
    needs.readme ? client.readme(ref) : undefined,
    needs.latestCommit ? client.latestCommit(ref) : undefined,
    needs.includedFiles.length > 0 ? includedFiles(repository, needs.includedFiles, files) : undefined,
  ]);
  const item: JsonObject = { ...repository };
  if (needs.readme) item.__readme = readme ?? null;
  if (needs.latestCommit) item.__latestCommit = latestCommit ?? null;
  if (included !== undefined) item.__includedFiles = included;
  return item;
}

/**
 * Port's `__includedFiles`: each path's text on the default branch's tip, null when absent (or binary, or too
 * large). Read at the tip's commit, so the file store serves them again while the repository does not move.
 */
async function includedFiles(
  repository: RepositoryWire,
  paths: readonly string[],
  files: RepositoryFiles,
): Promise<Record<string, string | null>> {
  const tip = await files.tip(repository);
  const out: Record<string, string | null> = {};
  const reads = await Promise.all(
    paths.map(async (path) => ({ path, read: tip === null ? null : await files.read(repository, tip.commit, path) })),
  );
  for (const { path, read } of reads) out[path] = read?.kind === "text" ? read.text : null;
  return out;
}

/** Whether any of the needs asks for a fetch. */
export function needsEnrichment(needs: EnrichmentNeeds): boolean {
  return needs.readme || needs.latestCommit || needs.includedFiles.length > 0;
}

/** What the mapping's repository resources need together (a live event enriches once for all of them). */
export function repositoryNeedsOf(mapping: LoadedMapping): EnrichmentNeeds {
  const all = mappersOfKind(mapping, "repository").map((mapper) => mapper.enrichment);
  return {
    readme: all.some((needs) => needs.readme),
    latestCommit: all.some((needs) => needs.latestCommit),
    includedFiles: [...new Set(all.flatMap((needs) => needs.includedFiles))],
  };
}
