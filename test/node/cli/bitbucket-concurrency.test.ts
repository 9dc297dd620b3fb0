import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";

let fake: FakeBitbucketServer;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  // Each answer takes a while, so requests the agent allows at once are seen at once by the fake.
  fake = await FakeBitbucketServer.start({ latencyMs: 15 });
  fake.generate({ seed: 5, projects: 2, repositories: 24, pullRequests: 24, users: 3 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-cli-concurrency-"));
  env = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("BBRELAY_BITBUCKET_CONCURRENCY", () => {
  it("bounds the Bitbucket requests in flight of a whole resync, every kind together", async () => {
    const bounded = await bbrelay(["resync"], { env: { ...env, BBRELAY_BITBUCKET_CONCURRENCY: "2" } });

    expect(bounded.code).toBe(0);
    expect(fake.requests.count).toBeGreaterThan(50);
    expect(fake.requests.maxInFlight).toBeLessThanOrEqual(2);

    // The same resync with room for more: the bound above was the setting's, not the instance's.
    fake.requests.clear();
    rmSync(join(dir, "state"), { recursive: true, force: true });
    const wide = await bbrelay(["resync"], { env: { ...env, BBRELAY_BITBUCKET_CONCURRENCY: "16" } });

    expect(wide.code).toBe(0);
    expect(fake.requests.maxInFlight).toBeGreaterThan(2);
  });

  it("refuses a value the client cannot take, naming the variable and the range", async () => {
    const run = await bbrelay(["resync"], { env: { ...env, BBRELAY_BITBUCKET_CONCURRENCY: "0" } });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'BBRELAY_BITBUCKET_CONCURRENCY: must be a whole number of requests from 1 to 256 (default 8), got "0"',
    );
    expect(fake.requests.count).toBe(0);
  });
});
