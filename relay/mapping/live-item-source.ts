import type { BitbucketClient } from "../bitbucket/index";
import type { Logger } from "../log/logger";
import { listKind } from "../sync/kind-listing";
import type { ItemSource } from "./item-source";

/**
 * `bbrelay map --live N`: the first N items of each resource of the kind, read from Bitbucket exactly as a resync
 * reads them (the same listing: the resource's project selectors, `includeArchived`, `includePersonalProjects`,
 * pull-request states, and `__readme` / `__latestCommit` enrichment when the mapping needs it). One listing at a
 * time, so that asking for 5 items costs a few requests, not a fan-out over every repository.
 * @param client the Bitbucket client
 * @param limit items per resource
 */
export function liveItemSource(client: BitbucketClient, limit: number, logger: Logger): ItemSource {
  return {
    description: `Bitbucket (first ${limit} item${limit === 1 ? "" : "s"} of each resource)`,
    async *items(mapper, signal) {
      if (limit <= 0) return;
      let count = 0;
      // A preview of the first items, not a listing anything deletes by: an item Bitbucket sends without the
      // fields the relay reads is left out with a warning (paginate logs it), as a resync leaves it out.
      const onDropped = () => undefined;
      const listing = listKind(mapper, { client, logger, concurrency: 1, signal, onDropped, enrichAhead: false });
      for await (const page of listing) {
        for (const item of page) {
          yield item;
          if (++count >= limit) return;
        }
      }
    },
  };
}
