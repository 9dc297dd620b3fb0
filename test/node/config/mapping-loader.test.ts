import { afterAll, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../../relay/cli/errors";
import { ConfigError } from "../../../relay/config/config-error";
import { loadMapping, loadMappingText, mappingSourceOf } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { seedPath } from "../mapping/seed-files";

const engine = new JqWasmEngine();
afterAll(() => engine.close());

async function problemsOf(text: string): Promise<readonly string[]> {
  try {
    await loadMappingText(text, "the mapping file m.yaml", { engine });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loading a mapping file", () => {
  it("loads the seed's file as it is, normalised with Port's defaults and ours", async () => {
    const mapping = await loadMapping({ source: { kind: "file", path: seedPath("port-app-config.yaml") }, engine });

    expect(mapping.origin).toMatch(/^the mapping file .*port-app-config\.yaml$/);
    expect(mapping.config).toMatchObject({
      createMissingRelatedEntities: true,
      deleteDependentEntities: true,
      enableMergeEntity: true,
      entityDeletionThreshold: 0.9,
    });
    expect(mapping.config.resources.map((resource) => resource.kind)).toEqual([
      "project",
      "repository",
      "pull-request",
      "user",
    ]);
    expect(mapping.config.resources[1]?.selector).toEqual({
      query: "true",
      includeArchived: true,
      includePersonalProjects: false,
      enrich: { readme: "auto", latestCommit: "auto" },
      includedFiles: [],
    });
    expect(mapping.config.resources[2]?.selector).toMatchObject({ state: ["OPEN", "MERGED", "DECLINED"] });
    expect(mapping.config.resources[2]?.port).toMatchObject({
      itemsToParseName: "item",
      itemsToParseTopLevelTransform: true,
    });
    // The seed maps __readme and __latestCommit: with `auto`, the repository kind is enriched with both.
    expect(mapping.mappers[1]?.enrichment).toEqual({ readme: true, latestCommit: true, includedFiles: [] });
    expect(mapping.mappers.map((mapper) => mapper.fields.length)).toEqual([7, 11, 15, 6]);
  });

  it("reports every problem of a broken file at once, each with its dot-path and line", async () => {
    const broken = `createMissingRelatedEntities: yes
entityDeletionThreshold: 1.5
resoures: []
resources:
  - kind: repo
    selector:
      query: "true"
  - kind: project
    selector:
      querry: "true"
      projects: []
      projectFilterRegex: "(unclosed"
    port:
      entity:
        mappings:
          identifier: .key
          blueprint: bitbucketProject
          properties:
            link: .links.self[0].href |
            count: .repos | lenght
            nested:
              a: .b
  - kind: pull-request
    selector:
      state: [open, bogus]
      enrich:
        readme: true
    port:
      entity:
        mappings:
          - identifier: .id
  - kind: user
    port:
      itemsToParse: .groups[
      entity:
        mappings:
          identifier:
            combinator: '"and"'
            rules:
              - property: '"email"'
                value: .emailAddress
          blueprint: '"bitbucketUser"'
          relations:
            "bad.name": .x
`;

    const problems = await problemsOf(broken);

    expect(problems).toEqual([
      'createMissingRelatedEntities: must be true or false, got the text "yes" (YAML 1.2 reads yes/no/on/off, and quoted values, as text) (line 1)',
      "entityDeletionThreshold: must be between 0 and 1 (a share of the entities: 0.9 allows deleting 90 %) (line 2)",
      'resoures: unknown key; did you mean "resources"? (line 3)',
      'resources[0].kind: must be one of project, repository, pull-request, user, file, got "repo" (line 5)',
      'resources[1].selector.querry: unknown key; did you mean "query"? (line 10)',
      "resources[1].selector.projects: is empty: remove `projects` to take every project, or list project keys (line 11)",
      "resources[1].selector.projectFilterRegex: is not a valid regular expression (JavaScript syntax): /(unclosed/: Unterminated group (line 12)",
      `resources[1].port.entity.mappings.blueprint: jq does not compile: bitbucketProject/0 is not defined at <top-level>, line 1: bitbucketProject (every leaf is jq: for the text "bitbucketProject" write '"bitbucketProject"') (line 17)`,
      "resources[1].port.entity.mappings.properties.link: jq does not compile: syntax error, unexpected end of file (Unix shell quoting issues?) at <top-level>, line 1: .links.self[0].href | (line 19)",
      "resources[1].port.entity.mappings.properties.count: jq does not compile: lenght/0 is not defined at <top-level>, line 1: .repos | lenght (line 20)",
      "resources[1].port.entity.mappings.properties.nested: must be a jq expression written as a string, got a mapping (object) (to build an object, write it in jq: '{a: .x}') (line 22)",
      'resources[2].selector.state[1]: must be ALL, OPEN, MERGED or DECLINED, got "BOGUS" (line 25)',
      "resources[2].selector.enrich: is not a setting here: it is a selector of the repository kind only (line 27)",
      "resources[2].port.entity.mappings: a list of mappings is not supported: repeat the resource (same kind) once per mapping instead (line 31)",
      "resources[3].port.itemsToParse: jq does not compile: syntax error, unexpected end of file (Unix shell quoting issues?) at <top-level>, line 1: .groups[ (line 34)",
      "resources[3].port.entity.mappings.identifier.rules[0].operator: is required: write a jq expression (line 40)",
      'resources[3].port.entity.mappings.relations["bad.name"]: is not a name Port accepts for a blueprint field (letters, digits, @ _ = -, at most 100) (line 44)',
    ]);
  });

  it("names the file and the count in the error's message", async () => {
    const error = await loadMappingText("resources: []\n", "the mapping file m.yaml", { engine }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConfigError);
    // The CLI maps it to exit 2 (a configuration error); the error itself knows nothing of exit codes.
    expect(exitCodeOf(error)).toBe(2);
    expect(error).toMatchObject({
      kind: "mapping",
      message:
        "the mapping file m.yaml has 1 problem:\n  - resources: is empty: list at least one resource (an empty list would make a resync delete everything) (line 1)",
    });
  });

  it.each([
    ["a: 1\na: 2\n", ["line 2, column 1: Map keys must be unique"]],
    ["resources:\n\t- kind: user\n", ["line 2, column 1: Tabs are not allowed as indentation"]],
    ["", ["(top level): must be a YAML mapping with `resources`, got null"]],
    ["- just\n- a list\n", ["(top level): must be a YAML mapping with `resources`, got a list (line 1)"]],
  ])("reports YAML that is not a mapping file: %j", async (text, expected) => {
    expect(await problemsOf(text)).toEqual(expected);
  });

  it("says when the file cannot be read", async () => {
    const loading = loadMapping({ source: { kind: "file", path: "/nonexistent/mapping.yaml" }, engine });

    await expect(loading).rejects.toThrow(
      "the mapping file /nonexistent/mapping.yaml has 1 problem:\n  - cannot be read (no such file); check --config or BBRELAY_CONFIG",
    );
  });

  it("takes --config over BBRELAY_CONFIG, and the built-in mapping when neither is given", () => {
    expect(mappingSourceOf("/flag.yaml", "/env.yaml")).toEqual({ kind: "file", path: "/flag.yaml" });
    expect(mappingSourceOf(undefined, "/env.yaml")).toEqual({ kind: "file", path: "/env.yaml" });
    expect(mappingSourceOf(undefined, null)).toEqual({ kind: "default" });
  });

  it("normalises what YAML gives as booleans or numbers into the jq literals they are, and PR states into a list", async () => {
    const mapping = await loadMappingText(
      `resources:
  - kind: pull-request
    selector:
      query: true
      state: [merged, Open]
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"pr"'
          properties:
            answer: 42
            flag: false
`,
      "t",
      { engine },
    );

    const [resource] = mapping.config.resources;
    const result = await mapping.mappers[0]?.mapItem({ id: 1 });

    expect(resource?.selector).toMatchObject({ query: "true", state: ["OPEN", "MERGED"] });
    expect(result?.entities[0]?.properties).toEqual({ answer: 42, flag: false });
  });

  it("enriches repositories when the mapping mentions the fields, or when told to, and not otherwise", async () => {
    const repository = (selector: string, property: string) =>
      `resources:\n  - kind: repository\n    selector:\n      query: "true"\n${selector}    port:\n      entity:\n        mappings:\n          identifier: .slug\n          blueprint: '"r"'\n          properties:\n            p: ${property}\n`;

    const needs = await Promise.all(
      [
        repository("", ".__readme"),
        repository("", '.["__latestCommit"].id'),
        repository("      enrich:\n        readme: false\n", ".__readme"),
        repository("      enrich:\n        latestCommit: true\n", ".name"),
      ].map(async (text) => (await loadMappingText(text, "t", { engine })).mappers[0]?.enrichment),
    );

    expect(needs).toEqual([
      { readme: true, latestCommit: false, includedFiles: [] },
      { readme: false, latestCommit: true, includedFiles: [] },
      { readme: false, latestCommit: false, includedFiles: [] },
      { readme: false, latestCommit: true, includedFiles: [] },
    ]);
  });
});
