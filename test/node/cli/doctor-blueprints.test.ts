import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { FakePort } from "../../fakes/port/fake-port";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";

// The mapping against the blueprints in force (the local catalog's, or Port's as fetched), in doctor and in
// resync --dry-run: each field that cannot fit is named with the fix, before anything is written.

const Check = z.strictObject({
  name: z.string(),
  status: z.enum(["ok", "warn", "fail"]),
  message: z.string(),
  fix: z.string().optional(),
});

function checksNamed(stdout: string, name: string): z.infer<typeof Check>[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => Check.parse(JSON.parse(line)))
    .filter((check) => check.name === name);
}

/** The built-in mapping with a repository property the default blueprint lacks, and a constant of the wrong type. */
const MISFIT = DEFAULT_MAPPING_YAML.replace(
  "            slug: .slug\n",
  "            slug: .slug\n            language: '\"go\"'\n",
).replace("            forkable: .forkable\n", "            forkable: '\"yes\"'\n");

const DEFAULT_BLUEPRINTS: unknown = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "..", "relay", "config", "default-blueprints.json"), "utf8"),
);

let fake: FakeBitbucketServer;
let dir: string;
let env: Record<string, string>;
let config: string;

beforeEach(async () => {
  fake = await FakeBitbucketServer.start();
  fake.generate({ seed: 2, projects: 1, repositories: 2, pullRequests: 2, users: 2 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-doctor-blueprints-"));
  env = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
  config = join(dir, "mapping.yaml");
  writeFileSync(config, MISFIT);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const EXPECTED = [
  {
    name: "mapping.blueprints",
    status: "fail",
    message:
      'resources[2].port.entity.mappings.properties.language: blueprint "bitbucketRepository" has no property "language"',
    fix: 'add property "language" to blueprint "bitbucketRepository", or remove it from the mapping',
  },
  {
    name: "mapping.blueprints",
    status: "fail",
    message:
      'resources[2].port.entity.mappings.properties.forkable: the constant "yes" can never fit blueprint "bitbucketRepository": must be of type boolean (got string)',
    fix: 'change the mapping\'s properties.forkable to a value blueprint "bitbucketRepository" accepts, or change the property in the blueprint',
  },
];

describe("the mapping against the blueprints in force", () => {
  it("doctor names each misfit field of the local catalog's blueprints, with the fix, and exits 1", async () => {
    // The local catalog holds the default blueprints (a resync of the built-in mapping loaded them).
    expect((await bbrelay(["resync", "--kind", "project"], { env })).code).toBe(0);

    const run = await bbrelay(["doctor", "--config", config], { env });

    expect(run.code).toBe(1);
    expect(checksNamed(run.stdout, "mapping.blueprints")).toEqual(EXPECTED);
  });

  it("doctor checks Port's blueprints as fetched", async () => {
    const port = await FakePort.start({ blueprints: DEFAULT_BLUEPRINTS });
    try {
      const run = await bbrelay(["doctor", "--config", config], {
        env: {
          ...env,
          PORT_CLIENT_ID: port.clientId,
          PORT_CLIENT_SECRET: port.clientSecret,
          PORT_BASE_URL: port.url,
          BBRELAY_PORT_INTEGRATION: "false",
        },
      });

      expect(run.code).toBe(1);
      expect(checksNamed(run.stdout, "mapping.blueprints")).toEqual(EXPECTED);
      expect(
        port.requests.some(
          (request) => request.method === "GET" && request.path === "/v1/blueprints/bitbucketRepository",
        ),
      ).toBe(true);
    } finally {
      await port.close();
    }
  });

  it("resync --dry-run shows each misfit field with the fix, and a resync logs them once at its start", async () => {
    expect((await bbrelay(["resync", "--kind", "project"], { env })).code).toBe(0);

    const dry = await bbrelay(["resync", "--dry-run", "--config", config], { env, tty: true });
    const real = await bbrelay(["resync", "--config", config, "--log-format", "json"], { env });

    expect(dry.stdout).toContain(
      'Warning: 1 × resources[2].port.entity.mappings.properties.language: blueprint "bitbucketRepository" has no property "language" (add property "language" to blueprint "bitbucketRepository", or remove it from the mapping)',
    );
    expect(dry.stdout).toContain("resources[2].port.entity.mappings.properties.forkable");
    // A dry run writes nothing, yet it must not call a mapping the catalog would refuse a success.
    expect(dry.code).toBe(1);
    expect(dry.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /^Dry run: nothing was written\. Resync partial in .*: 2 mapped field\(s\) do not fit their blueprints/,
    );
    const logged = real.stderr.split("\n").filter((line) => line.includes("does not fit its blueprint"));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain("properties.language");
    expect(real.code).toBe(1);
  });
});
