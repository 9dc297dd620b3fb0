import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor } from "./support/client-for";

describe("lanes: clients of one connection share its bound, and take permits in turn", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start({ latencyMs: 2 });
    fake.generate({ seed: 3, projects: 8, repositories: 8, pullRequests: 0, users: 2, emptyRatio: 0 });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("serves a lane with few requests waiting between those of a lane with many, instead of after them", async () => {
    const client = clientFor(fake, { limits: { maxConcurrency: 1 } });
    const projects = client.inLane("projects");
    const users = client.inLane("users");
    const keys = [1, 2, 3, 4, 5, 6].map((n) => `PROJECT_${n}`);
    const before = fake.requests.entries.length;

    // Six project reads queue in one lane, then two user reads in another, while the first read holds the permit.
    const calls = [
      ...keys.map((key) => projects.getProject({ projectKey: key })),
      users.getUser({ userSlug: "nobody-1" }),
      users.getUser({ userSlug: "nobody-2" }),
    ];
    await Promise.all(calls);

    const served = fake.requests.entries.slice(before).map((entry) => entry.path.split("/").slice(-2).join("/"));
    expect(served).toEqual([
      "projects/PROJECT_1",
      "projects/PROJECT_2",
      "users/nobody-1",
      "projects/PROJECT_3",
      "users/nobody-2",
      "projects/PROJECT_4",
      "projects/PROJECT_5",
      "projects/PROJECT_6",
    ]);
    // One bound for all lanes.
    expect(fake.requests.maxInFlight).toBe(1);
  });
});
