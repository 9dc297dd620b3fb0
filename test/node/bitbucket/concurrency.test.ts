import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RepositoryWire } from "../../../relay/bitbucket/schema";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor, drain } from "./support/client-for";

/** Fails with a clear message instead of hanging the suite when the work deadlocks. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no progress within ${ms} ms: deadlocked`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("concurrency: a bound per request, never across a page loop", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start({ latencyMs: 3, pageCaps: { projects: 25, repositories: 1 } });
    fake.generate({ seed: 9, projects: 60, repositories: 120, pullRequests: 240, users: 10, emptyRatio: 0 });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("adds no listener to the client's signal per request, however many are in flight", async () => {
    const shutdown = new AbortController();
    let most = 0;
    // Counted as each request leaves: the listeners of every request then in flight are on the signal.
    const counting: typeof fetch = (input, init) => {
      most = Math.max(most, getEventListeners(shutdown.signal, "abort").length);
      return fetch(input, init);
    };
    const client = clientFor(fake, { signal: shutdown.signal, fetch: counting, limits: { maxConcurrency: 16 } });
    const projects = (await drain(client.listProjects())).items;
    // Slow answers, so that the requests the client allows at once are in flight at once.
    fake.settings.latencyMs = 50;

    await Promise.all(projects.map((project) => drain(client.listRepositories({ projectKey: project.key }))));

    expect(most).toBe(0);
    expect(fake.requests.maxInFlight).toBeGreaterThan(10);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
  });

  it("lists the pull requests of 60 projects with 60 repository listings suspended at yield, without deadlock", async () => {
    const client = clientFor(fake, { limits: { maxConcurrency: 4 } });

    // Ocean's shape: one repository stream per project, all open at once and paused at `yield` while the
    // consumer starts the nested pull-request listings. A permit held across `yield` would starve those.
    async function run(): Promise<{ repositories: number; pullRequestsOfFirstPages: number }> {
      const projects = (await drain(client.listProjects())).items;
      const streams = projects.map((project) => client.listRepositories({ projectKey: project.key }));
      const firstPages = await Promise.all(streams.map((stream) => stream.next()));
      const repositories: RepositoryWire[] = firstPages.flatMap((result) => (result.done === true ? [] : result.value));
      const counts = await Promise.all(
        repositories.map(
          async (repo) =>
            (await drain(client.listPullRequests({ projectKey: repo.project.key, repositorySlug: repo.slug }))).items
              .length,
        ),
      );
      for (const stream of streams) for await (const page of stream) repositories.push(...page);
      return {
        repositories: repositories.length,
        pullRequestsOfFirstPages: counts.reduce((sum, count) => sum + count, 0),
      };
    }

    const totals = await withDeadline(run(), 30_000);

    expect(totals.repositories).toBe(120);
    expect(totals.pullRequestsOfFirstPages).toBeGreaterThan(0);
    expect(fake.requests.maxInFlight).toBeLessThanOrEqual(4);
    expect(fake.requests.maxInFlight).toBeGreaterThan(1);
    expect(client.load).toEqual({ active: 0, waiting: 0 });
  });

  it("lists everything of 60 projects with every listing running at once", async () => {
    const client = clientFor(fake, { limits: { maxConcurrency: 4 } });

    async function run(): Promise<{ repositories: number; pullRequests: number }> {
      const projects = (await drain(client.listProjects())).items;
      const perProject = await Promise.all(
        projects.map(async (project) => {
          let repositories = 0;
          const nested: Promise<number>[] = [];
          for await (const page of client.listRepositories({ projectKey: project.key })) {
            repositories += page.length;
            for (const repo of page) {
              nested.push(
                drain(client.listPullRequests({ projectKey: project.key, repositorySlug: repo.slug })).then(
                  (r) => r.items.length,
                ),
              );
            }
          }
          const prs = (await Promise.all(nested)).reduce((sum, count) => sum + count, 0);
          return { repositories, prs };
        }),
      );
      return {
        repositories: perProject.reduce((sum, p) => sum + p.repositories, 0),
        pullRequests: perProject.reduce((sum, p) => sum + p.prs, 0),
      };
    }

    const totals = await withDeadline(run(), 30_000);

    expect(totals).toEqual({ repositories: 120, pullRequests: 240 });
    expect(fake.requests.maxInFlight).toBeLessThanOrEqual(4);
  });
});
