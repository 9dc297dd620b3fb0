import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMappingText, mappersOfKind, type LoadedMapping } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import type { MappedEntity } from "../../../relay/mapping/mapping-result";
import { seedPayload, seedText } from "./seed-files";

/**
 * The seed's mapping, verbatim, on the seed's payloads. The expected entities were computed once with the jq
 * binary (/usr/bin/jq 1.6) from the payloads, field by field, and written here; they are what Port receives.
 */
const EXPECTED: Record<"project" | "repository" | "pull-request" | "user", MappedEntity> = {
  project: {
    blueprint: "bitbucketProject",
    identifier: "PROJ",
    title: "Project",
    properties: { public: false, type: "NORMAL", description: null, link: "http://localhost:7990/projects/PROJ" },
    relations: {},
  },
  repository: {
    blueprint: "bitbucketRepository",
    identifier: "repostiroy-3",
    title: "Repostiroy-3",
    properties: {
      description: null,
      state: "AVAILABLE",
      forkable: true,
      public: false,
      link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/browse",
      documentation: "",
    },
    relations: { project: "PRO3", latestCommitAuthor: "admin@gmail.com" },
  },
  "pull-request": {
    blueprint: "bitbucketPullRequest",
    identifier: "1",
    title: "readme.md edited online with Bitbucket",
    properties: {
      created_on: "2025-05-20T08:38:44Z",
      updated_on: "2025-05-20T08:38:44Z",
      merge_commit: "3e4df0573a0ba1845ebdfa919c907745497313aa",
      state: "OPEN",
      owner: "admin@gmail.com",
      link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/pull-requests/1",
      destination: "master",
      source: "main",
      mergedAt: null,
      reviewers: [],
    },
    relations: { repository: "repostiroy-3", participants: [] },
  },
  user: {
    blueprint: "bitbucketUser",
    identifier: "admin@gmail.com",
    title: "Admin",
    properties: { username: "[REDACTED]", url: "http://localhost:7990/users/[REDACTED]", portUser: "admin@gmail.com" },
    relations: {},
  },
};

const NULL_FIELDS = {
  project: ["properties.description"],
  repository: ["properties.description"],
  "pull-request": ["properties.mergedAt"],
  user: [],
};

const KINDS = ["project", "repository", "pull-request", "user"] as const;

describe.each([
  { strategy: "fused", fuseEngines: ["jq-wasm"] },
  { strategy: "per-leaf", fuseEngines: [] },
])("the seed's mapping on the seed's payloads ($strategy)", ({ strategy, fuseEngines }) => {
  const engine = new JqWasmEngine();
  let mapping: LoadedMapping;

  beforeAll(async () => {
    mapping = await loadMappingText(seedText("port-app-config.yaml"), "the seed", { engine, mapperOptions: { fuseEngines } });
  });
  afterAll(() => engine.close());

  it.each(KINDS)("maps the %s payload to exactly what jq computes", async (kind) => {
    const [mapper] = mappersOfKind(mapping, kind);

    const result = await mapper?.mapItem(seedPayload(kind));

    expect(mapper?.strategy).toBe(strategy);
    expect(result?.entities).toEqual([EXPECTED[kind]]);
    // Key order too: Port's field order, then the mapping's own order of properties.
    expect(JSON.stringify(result?.entities[0])).toBe(JSON.stringify(EXPECTED[kind]));
    expect(result?.warnings).toEqual([]);
    expect(result?.errors).toEqual([]);
    expect(result?.nullFields).toEqual(NULL_FIELDS[kind]);
    expect(result?.counts).toEqual({ items: 1, considered: 1, selected: 1, rejected: 0, entities: 1, dropped: 0, fieldErrors: 0, errors: 0 });
  });

  it("gives a PR's dates in UTC from epoch milliseconds, and mergedAt from closedDate when present", async () => {
    const [mapper] = mappersOfKind(mapping, "pull-request");
    const merged = { ...(seedPayload("pull-request") as object), state: "MERGED", closedDate: 1747744649000, updatedDate: 1747744649000 };

    const result = await mapper?.mapItem(merged);

    expect(result?.entities[0]?.properties).toMatchObject({
      created_on: "2025-05-20T08:38:44Z",
      updated_on: "2025-05-20T12:37:29Z",
      mergedAt: "2025-05-20T12:37:29Z",
      state: "MERGED",
    });
  });
});
