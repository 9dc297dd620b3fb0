import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bbrelay } from "../../support/cli-runner";
import { seedPath } from "../mapping/seed-files";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bbrelay-explain-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("bbrelay map --explain", () => {
  it("lists every field of the kind with the engine that serves it and why, without mapping anything", async () => {
    const config = join(dir, "mapping.yaml");
    await writeFile(
      config,
      `resources:
  - kind: user
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .slug
          title: .displayName
          blueprint: '"bitbucketUser"'
          properties:
            home: env.HOME
            tags: .tags | @csv
`,
    );

    const run = await bbrelay(["map", "--kind", "user", "--config", config, "--explain", "--json"]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        resource: "resources[0]",
        path: "identifier",
        engine: "compiled",
        reason: "every construct is in the compiled subset",
        source: ".slug",
      },
      {
        resource: "resources[0]",
        path: "title",
        engine: "compiled",
        reason: "every construct is in the compiled subset",
        source: ".displayName",
      },
      {
        resource: "resources[0]",
        path: "blueprint",
        engine: "compiled",
        reason: "every construct is in the compiled subset",
        source: '"bitbucketUser"',
      },
      {
        resource: "resources[0]",
        path: "properties.home",
        engine: "jq-wasm",
        reason: "env (the mapper binds it to the variables BBRELAY_JQ_ENV names)",
        source: "env.HOME",
      },
      {
        resource: "resources[0]",
        path: "properties.tags",
        engine: "jq-wasm",
        reason: "format @csv",
        source: ".tags | @csv",
      },
    ]);
  });

  it("shows the seed's pull-request mapping served entirely by the compiled engine", async () => {
    const run = await bbrelay([
      "map",
      "--kind",
      "pull-request",
      "--config",
      seedPath("port-app-config.yaml"),
      "--explain",
      "--json",
    ]);

    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { engine: string }[];
    expect(rows).toHaveLength(15);
    expect(new Set(rows.map((row) => row.engine))).toEqual(new Set(["compiled"]));
  });
});
