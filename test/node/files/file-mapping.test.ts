import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "../../../relay/config/config-error";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay } from "../../support/cli-runner";
import { seedPath } from "../mapping/seed-files";

/** A `file` resource in a Port mapping: loaded as Port's integrations take it, and mapped live by `bbrelay map`. */

const FILE_RESOURCE = `
  - kind: file
    selector:
      query: 'true'
      files:
        path: '**/package.json'
        skipParsing: false
    port:
      entity:
        mappings:
          identifier: .repo.slug + "/" + .metadata.path
          title: .content.name
          blueprint: '"manifest"'
          properties:
            version: .content.version
            commit: .metadata.commit.id
`;

const engine = new JqWasmEngine();
let dir = "";
let fake: FakeBitbucketServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bbrelay-file-mapping-"));
  fake = await FakeBitbucketServer.start();
  fake.generate({
    seed: 11,
    projects: 1,
    repositories: 3,
    pullRequests: 0,
    users: 2,
    archivedRatio: 0,
    emptyRatio: 0,
    files: ({ number }) => ({
      "package.json": `{"name":"svc-${number}","version":"1.${number}.0"}`,
      "apps/a/package.json": `{"name":"a-${number}","version":"0.${number}.0"}`,
    }),
  });
});

afterAll(async () => {
  await engine.close();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(text: string): Promise<readonly string[]> {
  try {
    await loadMappingText(text, "the mapping file m.yaml", { engine });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("a file resource in the mapping", () => {
  it("loads the seed's mapping with a file resource added, as it is", async () => {
    const seed = await readFile(seedPath("port-app-config.yaml"), "utf8");

    const mapping = await loadMappingText(`${seed.trimEnd()}\n${FILE_RESOURCE}`, "seed + file", { engine });

    expect(mapping.config.resources.map((resource) => resource.kind)).toEqual([
      "project",
      "repository",
      "pull-request",
      "user",
      "file",
    ]);
    expect(mapping.config.resources[4]?.selector).toEqual({
      query: "true",
      includeArchived: true,
      includePersonalProjects: false,
      files: { path: "**/package.json", skipParsing: false },
    });
  });

  it("names what is wrong in a file selector", async () => {
    const problems = await problemsOf(
      "resources:\n  - kind: file\n    selector:\n      files: {repos: [], skipParsing: 'yes'}\n    port:\n      entity:\n        mappings: {identifier: .x, blueprint: '\"b\"'}\n",
    );

    expect(problems).toEqual([
      expect.stringMatching(/^resources\[0\]\.selector\.files\.repos: is empty/),
      expect.stringMatching(/^resources\[0\]\.selector\.files\.skipParsing: must be true or false, got the text "yes"/),
    ]);
    expect(
      await problemsOf(
        "resources:\n  - kind: file\n    selector: {}\n    port:\n      entity:\n        mappings: {identifier: .x, blueprint: '\"b\"'}\n",
      ),
    ).toEqual([expect.stringMatching(/^resources\[0\]\.selector\.files: is required/)]);
  });

  it("bbrelay map --kind file --live N maps the first N files read from Bitbucket", async () => {
    const config = join(dir, "files.yaml");
    await writeFile(config, `resources:${FILE_RESOURCE}`);

    const run = await bbrelay(["map", "--kind", "file", "--config", config, "--live", "3"], {
      env: { BITBUCKET_URL: fake.url, BITBUCKET_TOKEN: FAKE_ADMIN.token },
    });
    const entities = z
      .array(z.object({ identifier: z.string(), title: z.string(), properties: z.looseObject({ commit: z.string() }) }))
      .parse(JSON.parse(run.stdout));

    expect(run.code).toBe(0);
    expect(entities.map((entity) => entity.identifier)).toEqual([
      "repo-00001/apps/a/package.json",
      "repo-00001/package.json",
      "repo-00002/apps/a/package.json",
    ]);
    expect(entities[1]?.title).toBe("svc-1");
    const repository = fake.state.repositoryBySlug("P001", "repo-00001");
    expect(entities[1]?.properties.commit).toBe(repository?.branches.get("main"));
  });
});
