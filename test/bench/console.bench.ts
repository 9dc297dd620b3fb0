/**
 * The console's catalog pages on a local catalog of 100,000 pull requests (with their 5,000 repositories and 2,000
 * users): the blueprint page, the first and a deep page of the list (keyset), searches (a rare text: the worst case,
 * a scan to the end; a common one: stops at the page), a property filter, and an entity page with its referrers.
 * Each is rendered through the console's Hono app in this process (no HTTP), 20 times; the median and the slowest
 * are printed. Run with `node scripts/bench.mjs console` (`CONSOLE_BENCH_PRS=N` to resize). Asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { CatalogEntity } from "../../relay/catalog/catalog";
import type { IntegrationIdentity } from "../../relay/catalog/integration-identity";
import { LocalCatalog } from "../../relay/catalog/local/local-catalog";
import DEFAULT_BLUEPRINTS from "../../relay/config/default-blueprints.json";
import { loadMapping } from "../../relay/config/mapping-loader";
import { AgentMonitor } from "../../relay/console/agent-monitor";
import { consoleApp } from "../../relay/console/console-app";
import { EdgeClient } from "../../relay/edge/edge-client";
import { createMappingEngine } from "../../relay/mapping/create-engine";
import { RelayMetrics } from "../../relay/metrics/relay-metrics";
import { AgentState } from "../../relay/state/agent-state";
import { silentLogger } from "../support/silent-logger";

const PRS = Number(process.env.CONSOLE_BENCH_PRS ?? 100_000);
const RUNS = 20;
const IDENTITY: IntegrationIdentity = {
  integrationType: "bitbucket-relay",
  version: "bench",
  installationId: "bench",
  feature: "exporter",
};

function pullRequest(index: number): CatalogEntity {
  const repository = `P${index % 200}/repo-${index % 5000}`;
  return {
    blueprint: "bitbucketPullRequest",
    identifier: `${repository}/${index}`,
    title: `Pull request ${index}`,
    properties: {
      state: index % 3 === 0 ? "MERGED" : "OPEN",
      description: "Some description of the change. ".repeat(6),
      link: `https://bitbucket.example.com/projects/P/repos/x/pull-requests/${index}`,
    },
    relations: { repository, author: `user-${index % 2000}` },
  };
}

const dir = mkdtempSync(join(tmpdir(), "bbrelay-console-bench-"));
const catalog = LocalCatalog.open({
  path: join(dir, "catalog.sqlite"),
  identity: IDENTITY,
  blueprints: DEFAULT_BLUEPRINTS,
});
const started = performance.now();
for (let first = 0; first < PRS; first += 500) {
  const page = Array.from({ length: Math.min(500, PRS - first) }, (_, offset) => pullRequest(first + offset));
  await catalog.upsert(page, { merge: true, createMissingRelatedEntities: true });
}
console.log(
  `catalog: ${catalog.count().toLocaleString("en-US")} entities written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const engine = createMappingEngine();
const mapping = await loadMapping({ source: { kind: "default" }, engine });
const state = AgentState.open(":memory:");
const app = consoleApp({
  version: "bench",
  logger: silentLogger(),
  monitor: new AgentMonitor({ metrics: new RelayMetrics({ processMetrics: false }) }),
  mapping,
  catalog,
  state,
  // The catalog pages never call the edge.
  edge: new EdgeClient({ baseUrl: "http://127.0.0.1:9", tenant: "default", token: "unused-token" }),
  leaseWindowMs: 60_000,
  // The catalog pages never read Bitbucket.
  async *liveItems() {},
  token: null,
});

const deep = `P199/repo-4999/${PRS - 1}`;
const pages: [string, string][] = [
  ["blueprints with counts", "/catalog"],
  ["entity list, first page", "/catalog/entities"],
  ["pull requests, first page", "/catalog/entities?blueprint=bitbucketPullRequest"],
  [
    "pull requests, deep page (keyset)",
    `/catalog/entities?blueprint=bitbucketPullRequest&after_bp=bitbucketPullRequest&after_id=${encodeURIComponent("P199/repo-4")}`,
  ],
  ["search, common text", "/catalog/entities?q=repo-42"],
  ["search, rare text (one window)", `/catalog/entities?q=${encodeURIComponent(deep)}`],
  ["search, no match (one window)", "/catalog/entities?q=no-such-thing"],
  ["property filter, rare value (one window)", "/catalog/entities?prop=state&value=NOPE"],
  ["property filter state=MERGED", "/catalog/entities?blueprint=bitbucketPullRequest&prop=state&value=MERGED"],
  [
    "repository page (20 referrers)",
    `/catalog/entity?blueprint=bitbucketRepository&identifier=${encodeURIComponent("P7/repo-7")}`,
  ],
  ["pull request page", `/catalog/entity?blueprint=bitbucketPullRequest&identifier=${encodeURIComponent(deep)}`],
];

console.log(`\npage (${RUNS} renders each)                      median     slowest   size`);
for (const [name, path] of pages) {
  const times: number[] = [];
  let size = 0;
  for (let run = 0; run < RUNS; run++) {
    const begin = performance.now();
    const response = await app.request(path);
    const body = await response.text();
    times.push(performance.now() - begin);
    size = body.length;
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const slowest = times.at(-1) ?? 0;
  console.log(
    `${name.padEnd(44)} ${`${median.toFixed(1)} ms`.padStart(9)} ${`${slowest.toFixed(1)} ms`.padStart(10)}  ${(size / 1024).toFixed(0)} KiB`,
  );
}

state.close();
await catalog.close();
await engine.close();
rmSync(dir, { recursive: true, force: true });
