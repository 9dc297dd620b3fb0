import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay } from "../../support/cli-runner";
import { SEED_EXPECTED_ENTITIES } from "../mapping/seed-expected";
import { seedPath } from "../mapping/seed-files";

const LogLine = z.looseObject({ level: z.string(), msg: z.string() });
function logLines(stderr: string): z.infer<typeof LogLine>[] {
  return stderr
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => LogLine.parse(JSON.parse(line)));
}

const SEED_CONFIG = seedPath("port-app-config.yaml");
const SEED_PR = seedPath("payload-pull-request.json");

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bbrelay-map-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("bbrelay map", () => {
  it("explains itself with --help", async () => {
    const run = await bbrelay(["map", "--help"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: bbrelay map --kind K [--config FILE] (--input FILE | --live N) [--json]");
    for (const flag of [
      "--kind K",
      "--config FILE",
      "--input FILE",
      "--live N",
      "--json",
      "--print-default",
      "Exit codes: 0 mapped",
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it("prints the seed mapping's entity for the seed PR as JSON when stdout is not a terminal, and a summary on stderr", async () => {
    const run = await bbrelay(["map", "--kind", "pull-request", "--config", SEED_CONFIG, "--input", SEED_PR]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([SEED_EXPECTED_ENTITIES["pull-request"]]);
    expect(logLines(run.stderr).find((line) => line.msg === "mapping summary")).toMatchObject({
      kind: "pull-request",
      items: 1,
      selected: 1,
      entities: 1,
      errors: 0,
    });
  });

  it("lets a mapping read the variables BBRELAY_JQ_ENV names, and refuses to hand it a secret", async () => {
    const config = await file(
      "env-mapping.yaml",
      DEFAULT_MAPPING_YAML.replace("title: .title", `title: 'env.TEAM + ": " + .title'`),
    );
    const env = {
      BBRELAY_CONFIG: config,
      TEAM: "platform",
      BITBUCKET_TOKEN: "bbt-0e41f7",
      BITBUCKET_URL: "https://bb.example.com",
    };

    const allowed = await bbrelay(["map", "--kind", "pull-request", "--input", SEED_PR], {
      env: { ...env, BBRELAY_JQ_ENV: "TEAM" },
    });
    const secret = await bbrelay(["map", "--kind", "pull-request", "--input", SEED_PR], {
      env: { ...env, BBRELAY_JQ_ENV: "BITBUCKET_TOKEN" },
    });

    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)[0].title).toBe(
      `platform: ${SEED_EXPECTED_ENTITIES["pull-request"].title as string}`,
    );
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain("BBRELAY_JQ_ENV: BITBUCKET_TOKEN is one of the agent's secrets");
    expect(secret.stderr + secret.stdout).not.toContain("bbt-0e41f7");
  });

  it("uses the built-in mapping when no file is given, and BBRELAY_CONFIG when set", async () => {
    const builtIn = await bbrelay(["map", "--kind", "pull-request", "--input", SEED_PR]);
    const fromEnv = await bbrelay(["map", "--kind", "pull-request", "--input", SEED_PR], {
      env: { BBRELAY_CONFIG: SEED_CONFIG },
    });

    expect(JSON.parse(builtIn.stdout)[0].identifier).toBe("PRO3/repostiroy-3/1");
    expect(JSON.parse(fromEnv.stdout)[0].identifier).toBe("1");
  });

  it("prints a readable form on a terminal, and JSON there with --json", async () => {
    const human = await bbrelay(["map", "--kind", "pull-request", "--config", SEED_CONFIG, "--input", SEED_PR], {
      tty: true,
    });
    const json = await bbrelay(
      ["map", "--kind", "pull-request", "--config", SEED_CONFIG, "--input", SEED_PR, "--json"],
      { tty: true },
    );

    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      'bitbucketPullRequest  1\n  title: "readme.md edited online with Bitbucket"\n  properties:\n    created_on:   "2025-05-20T08:38:44Z"',
    );
    expect(human.stdout).toContain('  relations:\n    repository:   "repostiroy-3"');
    expect(human.stderr).toContain("mapping summary  kind=pull-request items=1");
    expect(JSON.parse(json.stdout)).toHaveLength(1);
  });

  it("maps an array of items and reports each warning on stderr with its path, exiting 0", async () => {
    const input = await file(
      "users.json",
      JSON.stringify([
        { emailAddress: "a@example.com", displayName: "A", name: "a" },
        { displayName: "no email" },
        { emailAddress: "b@example.com", name: 5 },
      ]),
    );
    const config = await file(
      "users.yaml",
      `resources:\n  - kind: user\n    port:\n      entity:\n        mappings:\n          identifier: .emailAddress\n          blueprint: '"bitbucketUser"'\n          properties:\n            username: .name | ascii_downcase\n`,
    );

    const run = await bbrelay(["map", "--kind", "user", "--config", config, "--input", input]);
    const lines = logLines(run.stderr);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { blueprint: "bitbucketUser", identifier: "a@example.com", properties: { username: "a" }, relations: {} },
      { blueprint: "bitbucketUser", identifier: "b@example.com", properties: { username: null }, relations: {} },
    ]);
    expect(lines.filter((line) => line.level === "warn")).toEqual([
      expect.objectContaining({
        msg: "jq error in a field: set to null",
        item: 1,
        path: "resources[0].port.entity.mappings.properties.username",
      }),
      expect.objectContaining({ msg: "entity skipped", item: 1, path: "resources[0].port.entity.mappings.identifier" }),
      expect.objectContaining({
        msg: "jq error in a field: set to null",
        item: 2,
        path: "resources[0].port.entity.mappings.properties.username",
      }),
    ]);
  });

  it("exits 1 when the selector fails for an item (an error for the kind), still printing what mapped", async () => {
    const config = await file(
      "selector.yaml",
      `resources:\n  - kind: project\n    selector:\n      query: .public\n    port:\n      entity:\n        mappings:\n          identifier: .key\n          blueprint: '"bitbucketProject"'\n`,
    );
    const input = await file(
      "projects.json",
      JSON.stringify([
        { key: "A", public: true },
        { key: "B", public: "no" },
      ]),
    );

    const run = await bbrelay(["map", "--kind", "project", "--config", config, "--input", input]);

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      { blueprint: "bitbucketProject", identifier: "A", properties: {}, relations: {} },
    ]);
    expect(logLines(run.stderr).find((line) => line.level === "error")).toMatchObject({
      path: "resources[0].selector.query",
      item: 1,
      reason: 'must give true or false, gave a string "no"',
    });
  });

  it("exits 2 and names every problem of a broken mapping file", async () => {
    const config = await file(
      "broken.yaml",
      `resources:\n  - kind: project\n    selector:\n      querry: "true"\n    port:\n      entity:\n        mappings:\n          identifier: .key |\n          blueprint: '"p"'\n`,
    );

    const run = await bbrelay(["map", "--kind", "project", "--config", config, "--input", SEED_PR]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `the mapping file ${config} has 2 problems:\n` +
        `  - resources[0].selector.querry: unknown key; did you mean "query"? (line 4)\n` +
        "  - resources[0].port.entity.mappings.identifier: jq does not compile: syntax error, unexpected end of file (Unix shell quoting issues?) at <top-level>, line 1: .key | (line 8)\n",
    );
  });

  it.each([
    [["map", "--input", SEED_PR], "bbrelay: --kind is required: one of project, repository, pull-request, user, file"],
    [
      ["map", "--kind", "repo", "--input", SEED_PR],
      'bbrelay: --kind must be one of project, repository, pull-request, user, file, got "repo"',
    ],
    [["map", "--kind", "user"], "bbrelay: --input FILE or --live N is required: the items to map"],
    [
      ["map", "--kind", "user", "--input", SEED_PR, "--live", "2"],
      "bbrelay: give either --input FILE or --live N, not both",
    ],
    [["map", "--kind", "user", "--live", "0"], 'bbrelay: --live must be a number of items from 1 to 10000, got "0"'],
    [
      ["map", "--kind", "user", "--input", "/nonexistent.json"],
      "bbrelay: cannot read --input /nonexistent.json: no such file",
    ],
    [["map", "--kind", "user", "--live", "3"], "BITBUCKET_URL: is not set"],
    [["map", "--kind", "user", "--input", SEED_PR, "--bogus"], "Unknown option '--bogus'"],
  ])("exits 2 on a usage problem: %j", async (argv, message) => {
    const run = await bbrelay(argv);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("exits 2 on input that is not JSON, on a kind the mapping lacks, and on a bad environment", async () => {
    const notJson = await file("bad.json", "{ nope");
    const config = await file(
      "only-users.yaml",
      `resources:\n  - kind: user\n    port:\n      entity:\n        mappings:\n          identifier: .slug\n          blueprint: '"u"'\n`,
    );

    const runs = await Promise.all([
      bbrelay(["map", "--kind", "user", "--input", notJson]),
      bbrelay(["map", "--kind", "project", "--config", config, "--input", SEED_PR]),
      bbrelay(["map", "--kind", "user", "--input", SEED_PR], {
        env: { PORT_CLIENT_ID: "id", BITBUCKET_TOKEN: "very-secret-token" },
      }),
    ]);

    expect(runs.map((run) => run.code)).toEqual([2, 2, 2]);
    expect(runs[0]?.stderr).toContain(`--input ${notJson} is not JSON`);
    expect(runs[1]?.stderr).toContain("resources: has no resource of kind project; the kinds it maps: user");
    expect(runs[2]?.stderr).toContain("the environment has 2 problems");
    expect(runs[2]?.stderr).toContain("PORT_CLIENT_SECRET: is not set");
    expect(runs[2]?.stderr).not.toContain("very-secret-token");
  });

  it("prints the built-in mapping with --print-default, and that text loads", async () => {
    const printed = await bbrelay(["map", "--print-default"]);
    const path = await file("default.yaml", printed.stdout);
    const mapped = await bbrelay(["map", "--kind", "pull-request", "--config", path, "--input", SEED_PR]);

    expect(printed.stdout).toBe(DEFAULT_MAPPING_YAML);
    expect(mapped.code).toBe(0);
    expect(JSON.parse(mapped.stdout)[0].identifier).toBe("PRO3/repostiroy-3/1");
  });
});

describe("bbrelay map --live", () => {
  let fake: FakeBitbucketServer;
  beforeAll(async () => {
    fake = await FakeBitbucketServer.start();
    fake.loadSeedSamples();
    fake.generate({
      seed: 7,
      projects: 2,
      repositories: 6,
      pullRequests: 12,
      users: 3,
      archivedRatio: 0,
      emptyRatio: 0,
    });
  });
  afterAll(() => fake.stop());

  const env = () => ({ BITBUCKET_URL: fake.url, BITBUCKET_TOKEN: FAKE_ADMIN.token });

  it("maps the first N items of each resource read from Bitbucket, enriched as the mapping needs", async () => {
    const before = fake.requests.count;

    const run = await bbrelay(["map", "--kind", "repository", "--live", "3"], { env: env() });
    const entities = z
      .array(
        z.looseObject({ identifier: z.string(), properties: z.looseObject({ last_commit: z.string().nullable() }) }),
      )
      .parse(JSON.parse(run.stdout));
    const paths = fake.requests.entries.slice(before).map((entry) => entry.path);

    expect(run.code).toBe(0);
    expect(entities).toHaveLength(3);
    for (const entity of entities) expect(entity.identifier).toMatch(/^[A-Z0-9_]+\/[a-z0-9._-]+$/);
    expect(entities.every((entity) => typeof entity.properties.last_commit === "string")).toBe(true);
    expect(paths.filter((path) => path.endsWith("/readme")).length).toBe(3);
    expect(paths.filter((path) => path.endsWith("/commits")).length).toBe(3);
  });

  it("applies the resource's selectors: projects and PR states", async () => {
    const config = await file(
      "live.yaml",
      `resources:\n  - kind: pull-request\n    selector:\n      projects: [PRO3]\n      state: OPEN\n    port:\n      entity:\n        mappings:\n          identifier: .toRef.repository.project.key + "/" + (.id | tostring)\n          blueprint: '"pr"'\n          properties:\n            state: .state\n`,
    );

    const run = await bbrelay(["map", "--kind", "pull-request", "--config", config, "--live", "50"], { env: env() });
    const entities = z
      .array(z.object({ identifier: z.string(), properties: z.object({ state: z.string() }) }))
      .parse(JSON.parse(run.stdout));

    expect(run.code).toBe(0);
    expect(entities.length).toBeGreaterThan(0);
    expect(
      entities.every((entity) => entity.identifier.startsWith("PRO3/") && entity.properties.state === "OPEN"),
    ).toBe(true);
  });

  it("exits 1 with Bitbucket's reason, and no credential, when Bitbucket refuses", async () => {
    const run = await bbrelay(["map", "--kind", "user", "--live", "1"], {
      env: { BITBUCKET_URL: fake.url, BITBUCKET_TOKEN: "wrong-token-1234567" },
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("reading Bitbucket failed");
    expect(run.stderr).toContain("401");
    expect(run.stderr).not.toContain("wrong-token-1234567");
  });
});

describe("the bbrelay bin", () => {
  const exec = promisify(execFile);
  const bin = resolve("bin/bbrelay.js");

  it("exits 2 after naming the problem of a blueprints file (nothing keeps it running)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bbrelay-bin-blueprints-"));
    try {
      await writeFile(join(dir, "blueprints.json"), "this is not JSON");
      // A kill after a minute is only a bound on a hang: a healthy run exits at once.
      const failed = await exec(process.execPath, [bin, "resync"], {
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          BBRELAY_STATE_DIR: join(dir, "state"),
          CATALOG_PATH: join(dir, "catalog.sqlite"),
          BITBUCKET_URL: "http://127.0.0.1:9",
          BITBUCKET_TOKEN: "token-1234567890",
          BBRELAY_BLUEPRINTS: join(dir, "blueprints.json"),
        },
      }).catch((error: unknown) =>
        z.object({ code: z.number().nullable(), signal: z.string().nullable(), stderr: z.string() }).parse(error),
      );

      expect(failed).toMatchObject({ code: 2, signal: null });
      expect(failed.stderr).toMatch(/^BBRELAY_BLUEPRINTS \(.*blueprints\.json\) has 1 problem/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs map from the built bundle and exits 0, or 2 on a usage error", async () => {
    const ok = await exec(process.execPath, [
      bin,
      "map",
      "--kind",
      "user",
      "--config",
      SEED_CONFIG,
      "--input",
      seedPath("payload-user.json"),
    ]);
    const failed = await exec(process.execPath, [bin, "map"]).catch((error: unknown) =>
      z.object({ code: z.number(), stderr: z.string() }).parse(error),
    );

    expect(JSON.parse(ok.stdout)).toEqual([
      {
        blueprint: "bitbucketUser",
        identifier: "admin@gmail.com",
        title: "Admin",
        properties: {
          username: "[REDACTED]",
          url: "http://localhost:7990/users/[REDACTED]",
          portUser: "admin@gmail.com",
        },
        relations: {},
      },
    ]);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining("--kind is required") });
  });
});
