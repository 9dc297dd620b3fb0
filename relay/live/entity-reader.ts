import type { EntityRef } from "../../shared/events/entity-ref";
import type { BitbucketClient } from "../bitbucket/client";
import type { LoadedMapping } from "../config/mapping-loader";
import type { RepositoryFiles } from "../files/repository-files";
import type { Json } from "../mapping/engine";
import { enrichRepository, repositoryNeedsOf } from "../sync/enrich-repository";

/**
 * Re-reads what an event concerns as Bitbucket has it now (DESIGN.md decision 3: refetch, don't trust payload
 * order). Repositories are enriched as the resync enriches them, for every repository resource of the mapping.
 * @returns the object, or null when Bitbucket says it no longer exists (404)
 */
export async function readEntity(
  client: BitbucketClient,
  mapping: LoadedMapping,
  ref: EntityRef,
  /** A push's file reader (its head known, its changed paths shared), for the repository's included files. */
  files?: RepositoryFiles,
): Promise<Json | null> {
  switch (ref.kind) {
    case "project":
      return client.getProject({ projectKey: ref.projectKey });
    case "repository": {
      const repository = await client.getRepository({ projectKey: ref.projectKey, repositorySlug: ref.repositorySlug });
      if (repository === null) return null;
      return enrichRepository(client, repository, repositoryNeedsOf(mapping), files);
    }
    case "pull-request":
      return client.getPullRequest({
        projectKey: ref.projectKey,
        repositorySlug: ref.repositorySlug,
        pullRequestId: ref.pullRequestId,
      });
  }
}
