import type { EnrichmentNeeds } from "../../shared/mapping-config/leaves";
import type { BitbucketClient } from "../bitbucket/client";
import type { CommitWire, RepositoryWire } from "../bitbucket/schema";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import { RepositoryFiles, repositoryKey } from "../files/repository-files";
import type { Json, JsonObject } from "../mapping/engine";
import type { ReadmeMemory } from "../state/readme-memory";

/**
 * Adds what a repository listing lacks and the mapping uses: `__readme` (the README text, or null),
 * `__latestCommit` (the default branch's tip commit, or null for an empty repository) and `__includedFiles` (Port's
 * `includedFiles`). Each is fetched only when asked for: requests per repository otherwise spent for nothing. Shared by the resync and live events, so a
 * repository maps the same way on both paths.
 *
 * With `readmes` (a resync's), the README is read at the default branch's head and remembered with it, and a
 * repository whose head has not moved since is not asked for it again: a README cannot change without a push, and a
 * push moves the head, so the item is the same as if it had been read. The head costs no request of its own when
 * the latest commit is wanted anyway (it is that commit), and otherwise one cheap request shared with the files'
 * reader (`branches/default`). A moved head, a new repository, or a missing record reads it as before.
 */
export async function enrichRepository(
  client: BitbucketClient,
  repository: RepositoryWire,
  needs: EnrichmentNeeds,
  files: RepositoryFiles = new RepositoryFiles(client, null),
  readmes?: ReadmeMemory,
): Promise<Json> {
  const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
  const latest = needs.latestCommit ? client.latestCommit(ref) : undefined;
  let readme: Promise<string | null> | undefined;
  if (needs.readme)
    readme = readmes === undefined ? client.readme(ref) : readmeAtHead(client, repository, latest, files, readmes);
  const [readmeText, latestCommit, included] = await Promise.all([
    readme,
    latest,
    needs.includedFiles.length > 0 ? includedFiles(repository, needs.includedFiles, files) : undefined,
  ]);
  const item: JsonObject = { ...repository };
  if (needs.readme) item.__readme = readmeText ?? null;
  if (needs.latestCommit) item.__latestCommit = latestCommit ?? null;
  if (included !== undefined) item.__includedFiles = included;
  return item;
}

/**
 * The README at the default branch's head, from memory when it was read at that head (and cap) before. It is read
 * at the head itself (`at=`), so what is remembered is exactly that commit's README even when a push lands between
 * the two requests. A repository without a head (no commit on its default branch) has no README there: none is
 * asked for, as the README endpoint would answer 404.
 */
async function readmeAtHead(
  client: BitbucketClient,
  repository: RepositoryWire,
  latest: Promise<CommitWire | null> | undefined,
  files: RepositoryFiles,
  readmes: ReadmeMemory,
): Promise<string | null> {
  const ref = { projectKey: repository.project.key, repositorySlug: repository.slug };
  const head = latest === undefined ? (await files.tip(repository))?.commit : (await latest)?.id;
  if (head === undefined) return null;
  const key = repositoryKey(repository);
  const cap = client.readmeByteCap;
  const known = readmes.readmeAt(key, head, cap);
  if (known !== undefined) return known;
  const readme = await client.readme({ ...ref, at: head });
  readmes.rememberReadme(key, head, cap, readme);
  return readme;
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
