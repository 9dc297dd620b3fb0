import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BitbucketClient } from "../../../relay/bitbucket/client";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay } from "../../support/cli-runner";

const fakes: FakeBitbucketServer[] = [];

afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.stop();
});

async function fakeAt(version: string): Promise<{ fake: FakeBitbucketServer; env: Record<string, string> }> {
  const fake = await FakeBitbucketServer.start({ version });
  fakes.push(fake);
  fake.generate({ seed: 9, projects: 2, repositories: 4, pullRequests: 0, users: 1, archivedRatio: 0 });
  const env = {
    BITBUCKET_URL: fake.url,
    BITBUCKET_USERNAME: FAKE_ADMIN.username,
    BITBUCKET_PASSWORD: FAKE_ADMIN.password,
    RELAY_URL: "https://relay.example.com",
    RELAY_AGENT_TOKEN: "agent-token-0123456789abcdef",
    RELAY_WEBHOOK_SECRET: "webhook-secret-value-42",
    HOME: "/nonexistent",
  };
  return { fake, env };
}

const Report = z.looseObject({
  mode: z.looseObject({ scope: z.enum(["project", "repository"]) }),
  ok: z.boolean(),
  counts: z.looseObject({
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    removed: z.number(),
    failed: z.number(),
  }),
});

function hooks(fake: FakeBitbucketServer) {
  return [...fake.state.webhooks.values()];
}

describe("bbrelay webhooks", () => {
  it.each([
    { version: "8.7.2", mode: "repository", perScope: 4 },
    { version: "8.10.1", mode: "project", perScope: 2 },
  ])("installs $mode hooks on $version, and a second sync changes nothing", async ({ version, mode, perScope }) => {
    const { fake, env } = await fakeAt(version);

    const first = await bbrelay(["webhooks", "sync"], { env });
    const writesBefore = fake.requests.entries.filter((entry) => entry.method !== "GET").length;
    const second = await bbrelay(["webhooks", "sync"], { env });

    expect(first.code).toBe(0);
    expect(Report.parse(JSON.parse(first.stdout))).toMatchObject({
      mode: { scope: mode },
      ok: true,
      counts: { created: perScope },
    });
    expect(hooks(fake)).toHaveLength(perScope);
    expect(
      hooks(fake).every(
        (hook) =>
          hook.url === "https://relay.example.com/webhooks/default" && hook.name === "Bitbucket Relay (default)",
      ),
    ).toBe(true);
    expect(Report.parse(JSON.parse(second.stdout))).toMatchObject({
      counts: { created: 0, updated: 0, unchanged: perScope },
    });
    expect(fake.requests.entries.filter((entry) => entry.method !== "GET").length).toBe(writesBefore);
    expect(`${first.stdout}${first.stderr}${second.stdout}`).not.toContain("webhook-secret-value-42");
  });

  it("removes only its own hooks", async () => {
    const { fake, env } = await fakeAt("8.10.1");
    await bbrelay(["webhooks", "sync"], { env });
    const [project] = [...fake.state.projects.values()];
    if (project === undefined) throw new Error("no project");
    const client = BitbucketClient.fromConfig({
      baseUrl: fake.url,
      auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
    });
    await client.webhooks.create({
      scope: { type: "project", projectKey: project.key },
      webhook: {
        name: "Jenkins",
        url: "https://jenkins.example.com/hook",
        events: ["repo:refs_changed"],
        active: true,
      },
    });

    const removal = await bbrelay(["webhooks", "remove"], { env });

    expect(removal.code).toBe(0);
    expect(hooks(fake).map((hook) => hook.name)).toEqual(["Jenkins"]);
  });

  it("prints a readable listing on a terminal", async () => {
    const { env } = await fakeAt("9.4.2");
    await bbrelay(["webhooks", "sync"], { env });

    const listing = await bbrelay(["webhooks", "list"], { env, tty: true });

    expect(listing.code).toBe(0);
    expect(listing.stdout).toMatch(/project P\d+: #\d+ ours "Bitbucket Relay \(default\)" active, never-delivered/);
    expect(listing.stdout).toMatch(/2 of 2 wanted hooks present, 0 missing/);
    expect(listing.stdout).toMatch(/\(project hooks, Bitbucket 9\.4\.2\)/);
  });

  it("names the missing secret with exit 2", async () => {
    const { env } = await fakeAt("9.4.2");
    const { RELAY_WEBHOOK_SECRET: _secret, ...withoutSecret } = env;

    const run = await bbrelay(["webhooks", "sync"], { env: withoutSecret });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/RELAY_WEBHOOK_SECRET: is not set/);
  });
});
