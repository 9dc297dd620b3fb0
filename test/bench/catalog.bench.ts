/**
 * The catalogs' throughput and memory: the local catalog writing 100,000 pull requests (with their repositories and
 * users created as missing relation targets) in pages of 500, then the same again unchanged (a second resync), the
 * owned listing a reconcile reads, an export's page walk and a delete of 10,000; then the Port client writing 5,000
 * entities into the fake Port over loopback HTTP with 20 ms added per request, at 1 and 4 bulk requests in flight.
 * Run with `node scripts/bench.mjs catalog` (`CATALOG_BENCH_PRS=N` to resize). Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import type { CatalogEntity } from "../../relay/catalog/catalog";
import type { IntegrationIdentity } from "../../relay/catalog/integration-identity";
import { LocalCatalog } from "../../relay/catalog/local/local-catalog";
import { PortCatalog } from "../../relay/catalog/port/port-catalog";
import { Logger } from "../../relay/log/logger";
import { FakePort } from "../fakes/port/fake-port";
import seedBlueprints from "../node/catalog/fixtures/seed-blueprints.json";

const PRS = Number(process.env.CATALOG_BENCH_PRS ?? 100_000);
const PAGE = 500;
const IDENTITY: IntegrationIdentity = {
  integrationType: "bitbucket-relay",
  version: "bench",
  installationId: "bench",
  feature: "exporter",
};
const BLUEPRINTS: unknown = seedBlueprints;
const WRITE = { merge: true, createMissingRelatedEntities: true };

function repositoryOf(index: number): string {
  return `P${index % 200}/repo-${index % 5000}`;
}

function pullRequest(index: number): CatalogEntity {
  const project = `P${index % 200}`;
  const repository = repositoryOf(index);
  return {
    blueprint: "bitbucketPullRequest",
    identifier: `${repository}/${index}`,
    title: `Pull request ${index}`,
    properties: {
      state: index % 3 === 0 ? "MERGED" : "OPEN",
      created_on: "2025-05-20T08:38:44Z",
      updated_on: "2025-05-21T08:38:44Z",
      description: "Some description of the change. ".repeat(6),
      owner: `user${index % 2000}@example.com`,
      link: `https://bitbucket.example.com/projects/${project}/repos/x/pull-requests/${index}`,
      reviewers: [`user${(index + 1) % 2000}@example.com`],
    },
    relations: {
      repository,
      participants: [`user${index % 2000}@example.com`, `user${(index + 7) % 2000}@example.com`],
    },
  };
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function timed<T>(label: string, count: number, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  sampleRss();
  console.log(
    `  ${label.padEnd(44)} ${count.toLocaleString("en").padStart(8)} in ${seconds.toFixed(2).padStart(6)} s  ${Math.round(
      count / seconds,
    )
      .toLocaleString("en")
      .padStart(7)}/s`,
  );
  return result;
}

async function local(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-bench-catalog-"));
  const path = join(dir, "catalog.sqlite");
  const catalog = LocalCatalog.open({ path, identity: IDENTITY, blueprints: BLUEPRINTS });
  console.log(`local catalog (${path})`);
  for (const pass of ["first write", "second write (unchanged)"]) {
    await timed(`upsert PRs, pages of ${PAGE}, ${pass}`, PRS, async () => {
      for (let start = 0; start < PRS; start += PAGE) {
        const page = Array.from({ length: Math.min(PAGE, PRS - start) }, (_, offset) => pullRequest(start + offset));
        const results = await catalog.upsert(page, WRITE);
        const failed = results.find((result) => result.result === "failed");
        if (failed !== undefined) throw new Error(`bench entity failed: ${JSON.stringify(failed)}`);
        if (start % 10_000 === 0) sampleRss();
      }
    });
  }
  const total = catalog.count();
  await timed("listOwned (reconcile's read)", total, async () => {
    let seen = 0;
    for await (const page of catalog.listOwned()) seen += page.length;
    return seen;
  });
  await timed("page walk (export)", total, async () => {
    let bytes = 0;
    for (const page of catalog.pages()) for (const entity of page) bytes += JSON.stringify(entity).length;
    return bytes;
  });
  const doomed = Array.from({ length: 10_000 }, (_, index) => ({
    blueprint: "bitbucketPullRequest",
    identifier: `${repositoryOf(index)}/${index}`,
  }));
  await timed("delete PRs, 500 a call", doomed.length, async () => {
    for (let start = 0; start < doomed.length; start += PAGE)
      await catalog.delete(doomed.slice(start, start + PAGE), { deleteDependents: true });
  });
  await catalog.close();
  console.log(`  file ${mb(statSync(path).size)} for ${total.toLocaleString("en")} entities`);
  rmSync(dir, { recursive: true, force: true });
}

async function port(concurrency: number): Promise<void> {
  const fake = await FakePort.start({ blueprints: BLUEPRINTS, latencyMs: 20 });
  const silent = new Logger({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), format: "json" });
  const catalog = new PortCatalog({
    baseUrl: fake.url,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    identity: IDENTITY,
    log: silent,
    concurrency,
  });
  const count = 5000;
  await timed(`Port client → fake Port (20 ms), ${concurrency} in flight`, count, async () => {
    for (let start = 0; start < count; start += PAGE) {
      await catalog.upsert(
        Array.from({ length: PAGE }, (_, offset) => pullRequest(start + offset)),
        WRITE,
      );
    }
  });
  const bulks = fake.requestsTo("POST", "/entities/bulk");
  console.log(
    `    ${bulks.length} bulk requests, largest body ${Math.max(...bulks.map((request) => request.bodyBytes)).toLocaleString("en")} bytes`,
  );
  await catalog.close();
  await fake.close();
}

await local();
console.log("Port client");
await port(1);
await port(4);
console.log(`peak RSS ${mb(peakRss)}`);
