/**
 * How many requests, and how long, a full listing of a generated Bitbucket instance takes through the client:
 * 50 projects, 1,000 repositories, 20,000 pull requests, 200 users, against the fake (loopback HTTP), with and
 * without added latency, at several concurrency bounds, and with enrichment (README, latest commit, default
 * branch). Run with `node scripts/bench.mjs bitbucket-listing`. Prints figures; asserts nothing.
 */
import { performance } from "node:perf_hooks";
import { BitbucketClient } from "../../relay/bitbucket/client";
import type { RepositoryWire } from "../../relay/bitbucket/schema";
import { FAKE_ADMIN, FakeBitbucketServer } from "../fakes/bitbucket-server/fake-bitbucket-server";

interface Scenario {
  name: string;
  latencyMs: number;
  maxConcurrency: number;
  enrich: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "no latency, 8 in flight", latencyMs: 0, maxConcurrency: 8, enrich: false },
  { name: "no latency, 8 in flight, + enrichment", latencyMs: 0, maxConcurrency: 8, enrich: true },
  { name: "20 ms latency, 8 in flight", latencyMs: 20, maxConcurrency: 8, enrich: false },
  { name: "20 ms latency, 32 in flight", latencyMs: 20, maxConcurrency: 32, enrich: false },
];

async function listEverything(client: BitbucketClient, enrich: boolean): Promise<Record<string, number>> {
  const counts = { projects: 0, repositories: 0, pullRequests: 0, users: 0, readmes: 0, commits: 0 };
  const repositories: RepositoryWire[] = [];
  const perProject: Promise<void>[] = [];
  for await (const page of client.listProjects()) {
    counts.projects += page.length;
    for (const project of page) {
      perProject.push(
        (async () => {
          for await (const repos of client.listRepositories({ projectKey: project.key })) repositories.push(...repos);
        })(),
      );
    }
  }
  await Promise.all(perProject);
  counts.repositories = repositories.length;
  await Promise.all([
    ...repositories.map(async (repo) => {
      const ref = { projectKey: repo.project.key, repositorySlug: repo.slug };
      for await (const prs of client.listPullRequests(ref)) counts.pullRequests += prs.length;
      if (!enrich) return;
      const [readme, commit] = await Promise.all([
        client.readme(ref),
        client.latestCommit(ref),
        client.defaultBranch(ref),
      ]);
      if (readme !== null) counts.readmes++;
      if (commit !== null) counts.commits++;
    }),
    (async () => {
      for await (const users of client.listAdminUsers()) counts.users += users.length;
    })(),
  ]);
  return counts;
}

async function main(): Promise<void> {
  const fake = await FakeBitbucketServer.start();
  const generating = performance.now();
  fake.generate({ seed: 1, projects: 50, repositories: 1000, pullRequests: 20_000, users: 200 });
  console.log(
    `generated 50 projects, 1,000 repositories, 20,000 pull requests, 200 users in ${Math.round(performance.now() - generating)} ms`,
  );
  console.log(
    "scenario                                  | requests | wall ms | req/s | PRs/s  | items (projects/repos/PRs/users)",
  );
  try {
    for (const scenario of SCENARIOS) {
      fake.settings.latencyMs = scenario.latencyMs;
      fake.requests.clear();
      const client = BitbucketClient.fromConfig({
        baseUrl: fake.url,
        auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
        limits: { maxConcurrency: scenario.maxConcurrency },
      });
      const started = performance.now();
      const counts = await listEverything(client, scenario.enrich);
      const seconds = (performance.now() - started) / 1000;
      const requests = fake.requests.count;
      console.log(
        [
          scenario.name.padEnd(41),
          String(requests).padStart(8),
          String(Math.round(seconds * 1000)).padStart(7),
          String(Math.round(requests / seconds)).padStart(5),
          String(Math.round((counts.pullRequests ?? 0) / seconds)).padStart(6),
          `${counts.projects}/${counts.repositories}/${counts.pullRequests}/${counts.users}` +
            (scenario.enrich ? ` (+${counts.readmes} READMEs, ${counts.commits} latest commits)` : ""),
        ].join(" | "),
      );
      console.log(
        `  max in flight at the server: ${fake.requests.maxInFlight}; rss ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB`,
      );
    }
  } finally {
    await fake.stop();
  }
}

await main();
