import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";
import { type EdgeHarness, startEdge } from "../../support/edge-harness";

const Check = z.strictObject({
  name: z.string(),
  status: z.enum(["ok", "warn", "fail"]),
  message: z.string(),
  fix: z.string().optional(),
});
type Check = z.infer<typeof Check>;

function checks(stdout: string): Check[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => Check.parse(JSON.parse(line)));
}

function byName(list: Check[], name: string): Check {
  const found = list.find((check) => check.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${list.map((check) => check.name).join(", ")}`);
  return found;
}

let fake: FakeBitbucketServer;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  fake = await FakeBitbucketServer.start({ version: "8.10.1" });
  fake.generate({ seed: 2, projects: 2, repositories: 3, pullRequests: 2, users: 2 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-doctor-"));
  env = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("bbrelay doctor", () => {
  it("passes on a working setup without an edge, warning that live events need one", async () => {
    const run = await bbrelay(["doctor"], { env });

    const list = checks(run.stdout);
    expect(run.code).toBe(0);
    expect(byName(list, "bitbucket.reachable")).toMatchObject({
      status: "ok",
      message: expect.stringContaining("Bitbucket 8.10.1"),
    });
    expect(byName(list, "bitbucket.version").message).toMatch(/project-level webhooks/);
    expect(byName(list, "bitbucket.credentials").status).toBe("ok");
    expect(byName(list, "bitbucket.permissions").status).toBe("ok");
    expect(byName(list, "bitbucket.users").status).toBe("ok");
    // A fresh machine: doctor looks and creates nothing, so the local catalog is not there yet.
    expect(byName(list, "catalog.reachable")).toMatchObject({
      status: "ok",
      message: expect.stringContaining("not created yet"),
    });
    expect(byName(list, "mapping.blueprints").status).toBe("ok");
    expect(byName(list, "edge.configured")).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("RELAY_URL"),
    });
  });

  it("reports each GitOps file that is not valid with the place of its problem, until a push fixes it", async () => {
    const repository = [...fake.state.repositories.values()].find((repo) => !repo.archived && repo.branches.size > 0);
    if (repository === undefined) throw new Error("no active repository");
    const ref = { projectKey: fake.state.requireProject(repository.projectId).key, repositorySlug: repository.slug };
    const file = `${ref.projectKey}/${ref.repositorySlug}/port.yml`;
    const fresh = byName(checks((await bbrelay(["doctor"], { env })).stdout), "gitops.files");
    expect(fresh).toMatchObject({ status: "ok", message: expect.stringContaining("no resync") });

    await fake.mutations.pushCommits({
      ...ref,
      files: { "port.yml": "- identifier: orders\n  blueprint: [service]\n" },
    });
    // The resync's own summary names the file and the place of its problem.
    const resync = await bbrelay(["resync"], { env, tty: true });
    expect(resync.stdout).toContain(
      `GitOps: ${file} is not valid ([0].blueprint: must be a string); nothing of it was written or deleted.`,
    );
    const invalid = byName(checks((await bbrelay(["doctor"], { env })).stdout), "gitops.files");

    expect(invalid).toMatchObject({
      status: "warn",
      message: expect.stringContaining(`${file}: [0].blueprint: must be a string`),
      fix: expect.stringContaining("push"),
    });

    await fake.mutations.pushCommits({
      ...ref,
      files: { "port.yml": "identifier: orders\nblueprint: bitbucketProject\ntitle: Orders\n" },
    });
    await bbrelay(["resync"], { env });
    const fixed = byName(checks((await bbrelay(["doctor"], { env })).stdout), "gitops.files");
    expect(fixed).toMatchObject({ status: "ok", message: expect.stringContaining("1 file(s) declare entities") });
  });

  it("fails on rejected credentials with a fix, and never prints the password", async () => {
    const run = await bbrelay(["doctor"], { env: { ...env, BITBUCKET_PASSWORD: "wrong-password-123" } });

    const credentials = byName(checks(run.stdout), "bitbucket.credentials");
    expect(run.code).toBe(1);
    expect(credentials).toMatchObject({ status: "fail", fix: expect.stringContaining("BITBUCKET_TOKEN") });
    expect(`${run.stdout}${run.stderr}`).not.toContain("wrong-password-123");
  });

  it("reports configuration problems as failed checks, all at once", async () => {
    const run = await bbrelay(["doctor"], {
      env: { ...env, RELAY_URL: "ftp://nope", BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER: "perhaps" },
    });

    const list = checks(run.stdout);
    expect(run.code).toBe(1);
    expect(list.map((check) => check.message)).toEqual([
      expect.stringMatching(/^RELAY_URL/),
      expect.stringMatching(/^RELAY_AGENT_TOKEN/),
      expect.stringMatching(/^BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER/),
    ]);
  });

  it("warns when the mapping reads a variable BBRELAY_JQ_ENV does not let through, naming the field", async () => {
    const config = join(dir, "env-mapping.yaml");
    writeFileSync(
      config,
      DEFAULT_MAPPING_YAML.replace("title: .title", `title: 'env.TEAM + ": " + .title'`).replace(
        "username: .name",
        'username: $ENV["REGION"] + .name',
      ),
    );
    const withMapping = { ...env, BBRELAY_CONFIG: config, TEAM: "platform", REGION: "eu" };

    const missing = byName(checks((await bbrelay(["doctor"], { env: withMapping })).stdout), "config.jq-env");
    const listed = byName(
      checks((await bbrelay(["doctor"], { env: { ...withMapping, BBRELAY_JQ_ENV: "TEAM,REGION" } })).stdout),
      "config.jq-env",
    );
    const plain = checks((await bbrelay(["doctor"], { env })).stdout);

    expect(missing).toEqual({
      name: "config.jq-env",
      status: "warn",
      message:
        "resources[1].port.entity.mappings.properties.username reads env.REGION; resources[3].port.entity.mappings.title reads env.TEAM; " +
        "BBRELAY_JQ_ENV does not list REGION, TEAM, so they map null",
      fix: "set REGION, TEAM and add them to BBRELAY_JQ_ENV (comma-separated), or change the mapping",
    });
    expect(listed).toMatchObject({
      status: "ok",
      message: "the mapping reads REGION, TEAM, all let through by BBRELAY_JQ_ENV",
    });
    expect(plain.map((check) => check.name)).not.toContain("config.jq-env");
  });

  it("reports missing webhooks and the edge's silence, then passes the webhook checks after a sync", async () => {
    const edge: EdgeHarness = await startEdge({
      webhookSecret: "doctor-webhook-secret",
      agentToken: "doctor-agent-token-0123456789",
    });
    try {
      const withEdge = {
        ...env,
        RELAY_URL: edge.url,
        RELAY_AGENT_TOKEN: "doctor-agent-token-0123456789",
        RELAY_WEBHOOK_SECRET: "doctor-webhook-secret",
      };

      const before = checks((await bbrelay(["doctor"], { env: withEdge })).stdout);
      await bbrelay(["webhooks", "sync"], { env: withEdge });
      const after = await bbrelay(["doctor"], { env: withEdge, tty: true });

      expect(byName(before, "edge.reachable").status).toBe("ok");
      expect(byName(before, "edge.ping")).toMatchObject({
        status: "warn",
        fix: expect.stringContaining("`bbrelay webhooks list` says where they are"),
      });
      // Fix texts name only what exists: no route written as a "…" path a user cannot call.
      expect(byName(before, "edge.ping").fix).not.toContain("…");
      expect(byName(before, "webhooks.present")).toMatchObject({
        status: "fail",
        message: expect.stringContaining("0 of 2"),
        fix: expect.stringContaining("bbrelay webhooks sync"),
      });
      expect(after.code).toBe(0);
      expect(after.stdout).toMatch(/✔ webhooks\.present\s+2 of 2 wanted hooks present \(project hooks\)/);
      expect(after.stdout).toMatch(/All checks passed/);
    } finally {
      await edge.stop();
    }
  });

  it("does not check the webhooks when Bitbucket cannot be reached: the first failure is the one to fix", async () => {
    const edge = await startEdge({
      webhookSecret: "doctor-webhook-secret",
      agentToken: "doctor-agent-token-0123456789",
    });
    const unreachable = fake.url;
    await fake.stop();
    try {
      const unreachableEnv = {
        ...env,
        BITBUCKET_URL: unreachable,
        RELAY_URL: edge.url,
        RELAY_AGENT_TOKEN: "doctor-agent-token-0123456789",
        RELAY_WEBHOOK_SECRET: "doctor-webhook-secret",
      };

      const list = checks((await bbrelay(["doctor"], { env: unreachableEnv })).stdout);

      expect(byName(list, "bitbucket.reachable").status).toBe("fail");
      expect(byName(list, "edge.reachable").status).toBe("ok");
      expect(list.map((check) => check.name).filter((name) => name.startsWith("webhooks."))).toEqual([]);
    } finally {
      await edge.stop();
      fake = await FakeBitbucketServer.start();
    }
  });

  it("fails when the agent token is wrong", async () => {
    const edge = await startEdge({
      webhookSecret: "doctor-webhook-secret",
      agentToken: "doctor-agent-token-0123456789",
    });
    try {
      const run = await bbrelay(["doctor"], {
        env: { ...env, RELAY_URL: edge.url, RELAY_AGENT_TOKEN: "not-the-token-0123456789" },
      });

      expect(run.code).toBe(1);
      expect(byName(checks(run.stdout), "edge.reachable")).toMatchObject({
        status: "fail",
        fix: expect.stringContaining("RELAY_AGENT_TOKEN"),
      });
    } finally {
      await edge.stop();
    }
  });
});
