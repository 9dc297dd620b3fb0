import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { selectionFromMappers, selectProjects, type WebhookSelection } from "../../../relay/webhooks/project-selection";
import { webhookFixtures } from "./support/webhook-fixture";

const engine = new JqWasmEngine();
afterAll(() => engine.close());

const start = webhookFixtures();

const WITH_PERSONAL = {
  seed: 5,
  projects: 3,
  repositories: 9,
  pullRequests: 0,
  users: 4,
  personalRepositories: 1,
  emptyRatio: 0,
  archivedRatio: 0,
};

function resource(kind: string, selector: string): string {
  return `  - kind: ${kind}
    selector:
      query: "true"
${selector}
    port:
      entity:
        mappings:
          identifier: .key // .slug
          blueprint: '"b_${kind.replace("-", "_")}"'
`;
}

async function selectionOf(...resources: string[]): Promise<WebhookSelection> {
  const mapping = await loadMappingText(`resources:\n${resources.join("")}`, "the mapping file test.yaml", { engine });
  return selectionFromMappers(mapping.mappers);
}

describe("the projects that get hooks follow the mapping's selectors", () => {
  it.each([
    {
      name: "a repository resource on P001 and a pull-request resource whose regex selects P003 (a user resource adds nothing)",
      resources: [
        resource("repository", "      projects: [P001]"),
        resource("pull-request", '      projectFilterRegex: "P00[3]"'),
        resource("user", ""),
      ],
      onModern: ["project P001", "project P003"],
      onOld: [
        "P001/repo-00001",
        "P001/repo-00004",
        "P001/repo-00007",
        "P003/repo-00003",
        "P003/repo-00006",
        "P003/repo-00009",
      ],
    },
    {
      name: "a project-only mapping: a project hook carries project:modified, repository hooks would carry nothing it uses",
      resources: [resource("project", "      projects: [P002]")],
      onModern: ["project P002"],
      onOld: [],
    },
    {
      name: "a user-only mapping needs no hooks at all",
      resources: [resource("user", "")],
      onModern: [],
      onOld: [],
    },
    {
      name: "personal repositories when a resource asks for them (always repository hooks), and no ordinary project",
      resources: [resource("repository", '      projectFilterRegex: "~"\n      includePersonalProjects: true')],
      onModern: ["repository ~USER-0001/scratch-user-0001"],
      onOld: ["~USER-0001/scratch-user-0001"],
    },
  ])("$name", async ({ resources, onModern: expectedModern, onOld: expectedOld }) => {
    const selection = await selectionOf(...resources);
    const modern = await start({ version: "9.4.2", instance: WITH_PERSONAL });
    await modern.installer({ selection }).sync();
    const onModern = modern.ours();
    await modern.stop();
    const old = await start({ version: "8.7.2", instance: WITH_PERSONAL });
    await old.installer({ selection }).sync();

    expect(onModern).toEqual(expectedModern);
    expect(old.ours()).toEqual(expectedOld.map((where) => `repository ${where}`));
  });

  it("the built-in mapping selects every ordinary project and no personal one", async () => {
    const mapping = await loadMappingText(DEFAULT_MAPPING_YAML, "the built-in mapping", { engine });
    const f = await start({ version: "9.4.2", instance: WITH_PERSONAL });

    await f.installer({ selection: selectionFromMappers(mapping.mappers) }).sync();

    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
  });

  it("a project the mapping stops selecting loses our hook (9.4); other hooks there stay", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const foreign = f.addHook({ projectKey: "P002" });

    const report = await f.installer({ selection: selectProjects(["P001"]) }).sync();

    expect(report.counts).toMatchObject({ unchanged: 1, removed: 2, failed: 0 });
    expect(report.scopes.filter((scope) => !scope.role.wanted).map((scope) => [scope.label, scope.role])).toEqual([
      ["project P002", { wanted: false, reason: "project-not-selected" }],
      ["project P003", { wanted: false, reason: "project-not-selected" }],
    ]);
    expect(f.ours()).toEqual(["project P001"]);
    expect(f.hooks().map((hook) => hook.id)).toContain(foreign);
  });
});

describe("paging of existing hooks", () => {
  it.each([
    { version: "9.4.2", where: { projectKey: "P001" }, path: "/rest/api/1.0/projects/P001/webhooks" },
    {
      version: "8.7.2",
      where: { projectKey: "P001", repositorySlug: "repo-00001" },
      path: "/rest/api/1.0/projects/P001/repos/repo-00001/webhooks",
    },
  ])(
    "on $version finds our hook on the third page (2 per page) and creates no second one",
    async ({ version, where, path }) => {
      const f = await start({ version, pageCaps: { webhooks: 2 } });
      for (let i = 0; i < 5; i++) f.addHook(where, { name: `Someone else ${i}` });
      await f.installer().sync();
      f.fake.requests.clear();

      const again = await f.installer().sync();

      expect(f.writes()).toEqual([]);
      expect(again.counts.created).toBe(0);
      expect(f.hooks().filter((hook) => hook.name.startsWith("Bitbucket Relay"))).toHaveLength(
        version === "9.4.2" ? 3 : 9,
      );
      const starts = f.fake.requests.entries
        .filter((entry) => entry.path === path)
        .map((entry) => new URLSearchParams(entry.query).get("start") ?? "0");
      expect(starts).toEqual(["0", "2", "4"]);
    },
  );
});
