import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";
import { startEdge } from "../../support/edge-harness";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("bbrelay status", () => {
  it("shows the edge's figures and the last resync", async () => {
    const fake = await FakeBitbucketServer.start();
    cleanups.push(() => fake.stop());
    fake.generate({ seed: 4, projects: 1, repositories: 2, pullRequests: 3, users: 2 });
    const edge = await startEdge({ webhookSecret: "status-secret", agentToken: "status-agent-token-0123456789" });
    cleanups.push(() => edge.stop());
    const dir = mkdtempSync(join(tmpdir(), "bbrelay-status-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN),
      RELAY_URL: edge.url,
      RELAY_AGENT_TOKEN: "status-agent-token-0123456789",
    };

    const before = await bbrelay(["status"], { env, tty: true });
    await bbrelay(["resync"], { env });
    const after = await bbrelay(["status"], { env });
    const human = await bbrelay(["status"], { env, tty: true });

    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/Edge, tenant default: 0 waiting/);
    expect(before.stdout).toMatch(/Last resync: none yet/);
    const parsed = z
      .looseObject({ edge: z.looseObject({ tenant: z.string() }), lastResync: z.looseObject({ status: z.string() }) })
      .parse(JSON.parse(after.stdout));
    expect(parsed).toMatchObject({ edge: { tenant: "default" }, lastResync: { status: "succeeded" } });
    expect(human.stdout).toMatch(/pull-request\s+succeeded\s+3/);
  });

  it("exits 1 when the edge cannot be reached", async () => {
    const run = await bbrelay(["status"], {
      env: {
        RELAY_URL: "http://127.0.0.1:9",
        RELAY_AGENT_TOKEN: "token-0123456789abcdef",
        BBRELAY_STATE_DIR: mkdtempSync(join(tmpdir(), "bbrelay-status-")),
      },
    });

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ edge: { error: expect.stringContaining("edge unreachable") } });
  });
});
