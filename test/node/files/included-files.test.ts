import { afterEach, describe, expect, it } from "vitest";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";
import { BLUEPRINTS } from "./support/blueprints";

/** Port's `includedFiles` on the repository kind, over real HTTP into the local catalog. */

function mapping(properties: string): string {
  return `
resources:
  - kind: repository
    selector:
      query: 'true'
      includedFiles:
        - README.md
        - CODEOWNERS
    port:
      entity:
        mappings:
          identifier: .project.key + "/" + .slug
          title: .name
          blueprint: '"repositoryDocs"'
          properties:
${properties}
`;
}

const fixtures: ResyncFixture[] = [];
afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

async function fixture(properties: string): Promise<ResyncFixture> {
  const started = await startResyncFixture({ mappingText: mapping(properties), blueprints: BLUEPRINTS });
  fixtures.push(started);
  started.fake.generate({
    seed: 9,
    projects: 1,
    repositories: 3,
    pullRequests: 0,
    users: 2,
    archivedRatio: 0,
    emptyRatio: 0,
    files: ({ number }) => (number === 1 ? { CODEOWNERS: "* @platform-team\n" } : undefined),
  });
  return started;
}

const fileRequests = (started: ResyncFixture) =>
  started.fake.requests.entries.filter((entry) => entry.path.includes("/raw/")).map((entry) => entry.path);

describe("includedFiles", () => {
  it("puts each listed file's content in .__includedFiles, null when the repository lacks it", async () => {
    const started = await fixture(
      '            readme: .__includedFiles["README.md"]\n            codeowners: .__includedFiles["CODEOWNERS"]',
    );

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    const entities = (started.catalog as LocalCatalog).query({ blueprint: "repositoryDocs" });
    const first = entities.find((entity) => entity.identifier === "P001/repo-00001");
    const second = entities.find((entity) => entity.identifier === "P001/repo-00002");
    const repository = started.fake.state.repositoryBySlug("P001", "repo-00001");
    if (repository === undefined) throw new Error("no repo-00001");
    const readme = started.fake.state.fileAt(repository, "README.md");
    expect(first?.properties).toEqual({
      codeowners: "* @platform-team\n",
      ...(readme === undefined ? {} : { readme }),
    });
    // Port drops null properties: a missing CODEOWNERS leaves the property unset.
    expect(second?.properties.codeowners).toBeUndefined();
    // One read per listed file and repository (3 × 2), at the tip's commit.
    expect(fileRequests(started)).toHaveLength(6);
  });

  it("reads nothing when no jq expression reads __includedFiles, and nothing again while a repository does not move", async () => {
    const unused = await fixture("            readme: .name");
    await unused.resync();
    expect(fileRequests(unused)).toEqual([]);

    const used = await fixture('            codeowners: .__includedFiles["CODEOWNERS"]');
    await used.resync();
    const first = fileRequests(used).length;
    await used.resync();

    expect(first).toBe(6);
    expect(fileRequests(used)).toHaveLength(first);
  });
});
