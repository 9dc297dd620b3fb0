import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogEntity } from "../../../relay/catalog/catalog";
import DEFAULT_BLUEPRINTS from "../../../relay/config/default-blueprints.json";
import { type LoadedMapping, loadMapping, loadMappingText, mappersOfKind } from "../../../relay/config/mapping-loader";
import type { Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import {
  isBlueprintIdentifier,
  isEntityIdentifier,
  isPropertyIdentifier,
} from "../../../shared/mapping-config/port-identifiers";
import { jqStringLiteral } from "../../../shared/mapping-config/rules";
import { seedPayload, seedText } from "./seed-files";

/**
 * The built-in mapping on the seed's payloads gives the corrected values (ocean-bitbucket-server.md §5.1).
 * The captured payloads redact user names and slugs as "[REDACTED]"; the seed's entities show the user was
 * "admin", so the user slug is put back where the default mapping keys on it.
 */
function unredacted(value: Json): Json {
  return JSON.parse(JSON.stringify(value).replaceAll('"slug":"[REDACTED]"', '"slug":"admin"'));
}

function pullRequest(changes: Record<string, Json>): Json {
  const base = unredacted(seedPayload("pull-request"));
  return typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base, ...changes } : base;
}

function repository(projectKey: string, slug: string): Json {
  return {
    slug,
    name: slug,
    project: { key: projectKey, name: projectKey, type: projectKey.startsWith("~") ? "PERSONAL" : "NORMAL" },
    links: { self: [] },
  };
}

function pullRequestIn(projectKey: string, slug: string, id: number): Json {
  return pullRequest({ id, toRef: { displayId: "main", repository: repository(projectKey, slug) } });
}

describe("the default mapping", () => {
  const engine = new JqWasmEngine();
  let mapping: LoadedMapping;

  beforeAll(async () => {
    mapping = await loadMapping({ source: { kind: "default" }, engine });
  });
  afterAll(() => engine.close());

  async function mapOne(
    kind: "project" | "repository" | "pull-request" | "user",
    item: Json,
  ): Promise<CatalogEntity | undefined> {
    const [mapper] = mappersOfKind(mapping, kind);
    const result = await mapper?.mapItem(item);
    expect(result?.warnings).toEqual([]);
    return result?.entities[0];
  }

  it("maps the seed's open PR with collision-free identifiers and no merge data", async () => {
    const entity = await mapOne("pull-request", unredacted(seedPayload("pull-request")));

    expect(entity).toEqual({
      blueprint: "bitbucketPullRequest",
      identifier: "PRO3/repostiroy-3/1",
      title: "readme.md edited online with Bitbucket",
      properties: {
        description: null,
        state: "OPEN",
        draft: false,
        created_on: "2025-05-20T08:38:44Z",
        updated_on: "2025-05-20T08:38:44Z",
        closed_on: null,
        mergedAt: null,
        merge_commit: null,
        source_commit: "3e4df0573a0ba1845ebdfa919c907745497313aa",
        link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/pull-requests/1",
        destination: "master",
        source: "main",
      },
      relations: { repository: "PRO3/repostiroy-3", author: "admin", reviewers: [], participants: [] },
    });
  });

  it("takes the real merge commit and the merge date of a merged PR", async () => {
    const merged = pullRequest({
      state: "MERGED",
      open: false,
      closed: true,
      closedDate: 1747744649000,
      properties: {
        mergeResult: { outcome: "CLEAN", current: true },
        mergeCommit: { id: "965068d1461f119139bb6be582bb22a555a195ba", displayId: "965068d1461" },
      },
    });

    const entity = await mapOne("pull-request", merged);

    expect(entity?.properties).toMatchObject({
      state: "MERGED",
      mergedAt: "2025-05-20T12:37:29Z",
      closed_on: "2025-05-20T12:37:29Z",
      merge_commit: "965068d1461f119139bb6be582bb22a555a195ba",
      source_commit: "3e4df0573a0ba1845ebdfa919c907745497313aa",
    });
  });

  it("gives a declined PR a closing date but no merge date (the seed's mapping gives both)", async () => {
    const declined = pullRequest({ state: "DECLINED", open: false, closed: true, closedDate: 1747744649000 });

    const entity = await mapOne("pull-request", declined);
    const [seedMapper] = mappersOfKind(
      await loadMappingText(seedText("port-app-config.yaml"), "the seed", { engine }),
      "pull-request",
    );
    const seedEntity = (await seedMapper?.mapItem(declined))?.entities[0];

    expect(entity?.properties).toMatchObject({
      state: "DECLINED",
      closed_on: "2025-05-20T12:37:29Z",
      mergedAt: null,
      merge_commit: null,
    });
    expect(seedEntity?.properties).toMatchObject({ mergedAt: "2025-05-20T12:37:29Z" });
  });

  it("keeps same-named repositories and PRs of two projects apart (the seed's mapping collides)", async () => {
    const entities = await Promise.all([
      mapOne("repository", repository("ALPHA", "api")),
      mapOne("repository", repository("BETA", "api")),
      mapOne("pull-request", pullRequestIn("ALPHA", "api", 7)),
      mapOne("pull-request", pullRequestIn("BETA", "api", 7)),
    ]);
    const [seedRepositories] = mappersOfKind(
      await loadMappingText(seedText("port-app-config.yaml"), "the seed", { engine }),
      "repository",
    );
    const seedIdentifiers = await Promise.all(
      [repository("ALPHA", "api"), repository("BETA", "api")].map(
        async (item) => (await seedRepositories?.mapItem(item))?.entities[0]?.identifier,
      ),
    );

    expect(entities.map((entity) => entity?.identifier)).toEqual([
      "ALPHA/api",
      "BETA/api",
      "ALPHA/api/7",
      "BETA/api/7",
    ]);
    expect(entities.map((entity) => entity?.relations.repository ?? entity?.relations.project)).toEqual([
      "ALPHA",
      "BETA",
      "ALPHA/api",
      "BETA/api",
    ]);
    expect(seedIdentifiers).toEqual(["api", "api"]);
  });

  it("turns a personal project's ~ (refused by Port) into @, in identifiers and relations", async () => {
    const project = await mapOne("project", {
      key: "~ALICE",
      name: "Alice",
      type: "PERSONAL",
      public: false,
      links: { self: [] },
    });
    const repo = await mapOne("repository", repository("~ALICE", "dots"));
    const pr = await mapOne("pull-request", pullRequestIn("~ALICE", "dots", 3));

    expect([
      project?.identifier,
      repo?.identifier,
      repo?.relations.project,
      pr?.identifier,
      pr?.relations.repository,
    ]).toEqual(["@ALICE", "@ALICE/dots", "@ALICE", "@ALICE/dots/3", "@ALICE/dots"]);
    expect(project?.properties.key).toBe("~ALICE");
  });

  it("maps the seed's repository with its README and latest commit, and the seed's user by slug", async () => {
    const repo = await mapOne("repository", unredacted(seedPayload("repository")));
    const user = await mapOne("user", unredacted(seedPayload("user")));
    const project = await mapOne("project", seedPayload("project"));

    expect(repo).toEqual({
      blueprint: "bitbucketRepository",
      identifier: "PRO3/repostiroy-3",
      title: "Repostiroy-3",
      properties: {
        slug: "repostiroy-3",
        description: null,
        state: "AVAILABLE",
        forkable: true,
        public: false,
        archived: false,
        link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/browse",
        readme: "",
        last_commit: "965068d1461f119139bb6be582bb22a555a195ba",
        last_commit_at: "2025-05-20T12:37:29Z",
      },
      relations: { project: "PRO3", latestCommitAuthor: "admin" },
    });
    expect(user).toEqual({
      blueprint: "bitbucketUser",
      identifier: "admin",
      title: "Admin",
      properties: {
        username: "[REDACTED]",
        email: "admin@gmail.com",
        active: true,
        type: "NORMAL",
        url: "http://localhost:7990/users/[REDACTED]",
        portUser: "admin@gmail.com",
      },
      relations: {},
    });
    expect(project).toMatchObject({
      blueprint: "bitbucketProject",
      identifier: "PROJ",
      properties: { key: "PROJ", link: "http://localhost:7990/projects/PROJ" },
    });
  });

  it("asks for README and latest commit on repositories only, because it maps them", () => {
    expect(mapping.mappers.map((mapper) => [mapper.kind, mapper.enrichment])).toEqual([
      ["project", { readme: false, latestCommit: false, includedFiles: [] }],
      ["user", { readme: false, latestCommit: false, includedFiles: [] }],
      ["repository", { readme: true, latestCommit: true, includedFiles: [] }],
      ["pull-request", { readme: false, latestCommit: false, includedFiles: [] }],
    ]);
    expect(mapping.config.resources.find((resource) => resource.kind === "pull-request")?.selector).toMatchObject({
      state: ["OPEN", "MERGED", "DECLINED"],
    });
  });

  it("produces only identifiers and relation targets Port accepts", async () => {
    const entities = [
      await mapOne("project", seedPayload("project")),
      await mapOne("repository", unredacted(seedPayload("repository"))),
      await mapOne("pull-request", unredacted(seedPayload("pull-request"))),
      await mapOne("user", unredacted(seedPayload("user"))),
    ];
    const targets = entities.flatMap((entity) =>
      Object.values(entity?.relations ?? {})
        .flat()
        .filter((value) => typeof value === "string"),
    );

    expect(
      entities.every((entity) => typeof entity?.identifier === "string" && isEntityIdentifier(entity.identifier)),
    ).toBe(true);
    expect(targets).toEqual(["PRO3", "admin", "PRO3/repostiroy-3", "admin"]);
    expect(targets.every((target) => isEntityIdentifier(target))).toBe(true);
  });
});

describe("the default blueprints", () => {
  const blueprints = new Map(DEFAULT_BLUEPRINTS.map((blueprint) => [blueprint.identifier, blueprint]));

  it("have identifiers, property and relation names that Port accepts, and relations to known blueprints", () => {
    for (const blueprint of DEFAULT_BLUEPRINTS) {
      expect(isBlueprintIdentifier(blueprint.identifier), blueprint.identifier).toBe(true);
      for (const name of [...Object.keys(blueprint.schema.properties), ...Object.keys(blueprint.relations)]) {
        expect(isPropertyIdentifier(name), `${blueprint.identifier}.${name}`).toBe(true);
      }
      for (const [name, relation] of Object.entries(blueprint.relations)) {
        expect(blueprints.has(relation.target), `${blueprint.identifier}.${name} → ${relation.target}`).toBe(true);
        expect(relation).toMatchObject({ required: false, many: expect.any(Boolean) });
      }
    }
  });

  it("define every property and relation the default mapping writes, with many-relations where it maps lists", async () => {
    const engine = new JqWasmEngine();
    const mapping = await loadMapping({ source: { kind: "default" }, engine });
    await engine.close();

    for (const resource of mapping.config.resources) {
      const { mappings } = resource.port.entity;
      const blueprint = blueprints.get(jqStringLiteral(mappings.blueprint) ?? "");
      expect(blueprint, resource.kind).toBeDefined();
      expect(Object.keys(mappings.properties).sort()).toEqual(Object.keys(blueprint?.schema.properties ?? {}).sort());
      expect(Object.keys(mappings.relations).sort()).toEqual(Object.keys(blueprint?.relations ?? {}).sort());
      const relations = new Map<string, unknown>(Object.entries(blueprint?.relations ?? {}));
      for (const [name, source] of Object.entries(mappings.relations)) {
        const many = typeof source === "string" && source.trim().startsWith("[");
        expect(relations.get(name), name).toMatchObject({ many });
      }
    }
  });

  it("keep the seed's blueprint identifiers and the seed's shape", () => {
    const seed: { identifier: string }[] = JSON.parse(seedText("blueprints.json"));

    expect([...blueprints.keys()].sort()).toEqual(seed.map((blueprint) => blueprint.identifier).sort());
    for (const blueprint of DEFAULT_BLUEPRINTS) {
      expect(Object.keys(blueprint).sort()).toEqual(
        [
          "identifier",
          "description",
          "title",
          "icon",
          "schema",
          "mirrorProperties",
          "calculationProperties",
          "aggregationProperties",
          "relations",
        ].sort(),
      );
    }
  });
});
