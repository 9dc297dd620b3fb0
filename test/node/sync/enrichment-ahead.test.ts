import { afterEach, describe, expect, it } from "vitest";
import { listKind } from "../../../relay/sync/kind-listing";
import { type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";
import { silentLogger } from "../../support/silent-logger";

const fixtures: ResyncFixture[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

/** The repositories (`PROJECT/slug`) the fake was asked about (their enrichment: latest commit, README). */
function enrichedRepositories(started: ResyncFixture): Set<string> {
  const asked = new Set<string>();
  for (const entry of started.fake.requests.entries) {
    const match = /\/projects\/([^/]+)\/repos\/([^/?]+)\//.exec(entry.path);
    if (match !== null) asked.add(`${match[1]}/${match[2]}`);
  }
  return asked;
}

/** Polls (the reads are already sent; they only have to land), failing after `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a repository listing enriches the next page while this one is mapped and written", () => {
  it("has the next page's reads under way while the consumer still holds the first page", async () => {
    // One project of 12 repositories in pages of 4: three pages to enrich.
    const started = await startResyncFixture({
      clientLimits: { pageSize: 4, baseRetryDelayMs: 1, maxRetryDelayMs: 5 },
    });
    fixtures.push(started);
    started.fake.generate({ seed: 5, projects: 1, repositories: 12, pullRequests: 0, users: 2 });
    const mapper = started.mapping.mappers.find((candidate) => candidate.resource.kind === "repository");
    if (mapper === undefined) throw new Error("the default mapping has no repository resource");

    const pages = listKind(mapper, { client: started.client, logger: silentLogger() });
    const first = await pages.next();
    const firstPage = first.done === true ? [] : first.value;
    // The consumer holds the first page and has not asked for the next one.
    await until(() => enrichedRepositories(started).size >= 8, 5_000);
    const asked = enrichedRepositories(started);
    await pages.return(undefined);

    expect(firstPage).toHaveLength(4);
    // Page one's four repositories and page two's: a listing that enriched a page at a time would have asked four.
    expect(asked.size).toBe(8);
  });
});
