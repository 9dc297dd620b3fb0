// bench:edge — signed ~2 KB pull-request webhooks through the bundled edge Worker in local workerd (Miniflare),
// at several concurrency levels, against a trivial baseline route (GET /healthz) measured in the same run.
// Prints throughput and p50/p99 latency for both, and their ratio. Usage: npm run bench:edge
// (BENCH_ARGS="--requests 4000 --levels 1,16,64" to change the load).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { signWebhookBody } from "../../shared/crypto/hmac";
import { QueueStats } from "../../shared/protocol/schema";
import { startEdge } from "../support/edge-harness";
import { buildWorkerBundle } from "../support/worker-bundle";

const SECRET = "bench-secret";
const TOKEN = "bench-agent-token-0123456789";
const TENANT = "bench";
const BODY_BYTES = 2048;
const DISTINCT_BODIES = 500;

interface Round {
  route: string;
  concurrency: number;
  requests: number;
  seconds: number;
  latenciesMs: number[];
}

const { values } = parseArgs({
  options: { requests: { type: "string", default: "2000" }, levels: { type: "string", default: "1,8,32,64" } },
});
const requestsPerRound = Number(values.requests);
const levels = values.levels.split(",").map(Number);

/** A `pr:modified` delivery padded with a description to exactly `BODY_BYTES` bytes. */
function pullRequestBody(id: number): string {
  const repository = {
    slug: "repostiroy-3",
    id: 3,
    name: "Repostiroy 3",
    project: { key: "PRO3", id: 3, name: "Project Three", type: "NORMAL" },
  };
  const event = {
    eventKey: "pr:modified",
    date: "2026-08-19T17:27:55+0000",
    actor: {
      name: "admin",
      emailAddress: "admin@example.com",
      id: 1,
      displayName: "Admin",
      active: true,
      slug: "admin",
      type: "NORMAL",
    },
    pullRequest: {
      id,
      version: 3,
      title: `Pull request ${id}`,
      state: "OPEN",
      open: true,
      closed: false,
      createdDate: 1747730324792,
      updatedDate: "2026-08-19T17:27:55.266Z",
      fromRef: {
        id: "refs/heads/feature",
        displayId: "feature",
        latestCommit: "3e4df0573a0ba1845ebdfa919c907745497313aa",
        repository,
      },
      toRef: {
        id: "refs/heads/master",
        displayId: "master",
        latestCommit: "8d51122def5632836d1cb1026e879069e10a1e13",
        repository,
      },
      description: "",
    },
    previousTitle: `Pull request ${id}`,
  };
  const bare = JSON.stringify(event).length;
  event.pullRequest.description = "d".repeat(Math.max(0, BODY_BYTES - bare));
  return JSON.stringify(event);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Sends `requests` requests from `concurrency` workers; `expected` null checks no status (warm-up). */
async function round(
  route: string,
  concurrency: number,
  requests: number,
  send: (i: number) => Promise<Response>,
  expected: number | null,
): Promise<Round> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        const response = await send(i);
        await response.arrayBuffer();
        latenciesMs.push(performance.now() - t0);
        if (expected !== null && response.status !== expected) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${route}: ${failures} of ${requests} requests did not answer ${expected}`);
  latenciesMs.sort((a, b) => a - b);
  return { route, concurrency, requests, seconds, latenciesMs };
}

function describeRound(r: Round): string {
  const rate = (r.requests / r.seconds).toFixed(0).padStart(6);
  const p50 = percentile(r.latenciesMs, 50).toFixed(2).padStart(7);
  const p99 = percentile(r.latenciesMs, 99).toFixed(2).padStart(7);
  return `${r.route.padEnd(8)} c=${String(r.concurrency).padEnd(3)} ${rate} req/s   p50 ${p50} ms   p99 ${p99} ms`;
}

const root = process.cwd();
buildWorkerBundle(root);
const edge = await startEdge({
  root,
  tenants: { tenants: { [TENANT]: { webhookSecrets: [SECRET], agentTokens: [TOKEN] } } },
});
try {
  const bodies = await Promise.all(
    Array.from({ length: DISTINCT_BODIES }, async (_, i) => {
      const text = pullRequestBody(i + 1);
      return { bytes: new TextEncoder().encode(text), signature: await signWebhookBody(SECRET, text) };
    }),
  );
  const ingest = (i: number) => {
    const body = bodies[i % bodies.length];
    if (body === undefined) throw new Error("no body");
    return fetch(`${edge.url}/webhooks/${TENANT}`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-event-key": "pr:modified",
        "x-request-id": crypto.randomUUID(),
        "x-hub-signature": body.signature,
      },
      body: body.bytes,
    });
  };
  const baseline = () => fetch(`${edge.url}/healthz`);

  console.log(
    `edge: ${edge.url}; body ${bodies[0]?.bytes.byteLength ?? 0} bytes; ${requestsPerRound} requests per round; node ${process.version}`,
  );
  // Warm up the isolate, the Durable Object and the connection pool.
  await round("warmup", 8, 200, (i) => (i % 2 === 0 ? ingest(i) : baseline()), null);

  let ingested = 0;
  const rows: string[] = [];
  for (const concurrency of levels) {
    const base = await round("healthz", concurrency, requestsPerRound, baseline, 200);
    const hooks = await round("ingest", concurrency, requestsPerRound, ingest, 202);
    ingested += hooks.requests;
    const throughputRatio = hooks.requests / hooks.seconds / (base.requests / base.seconds);
    const p50Ratio = percentile(hooks.latenciesMs, 50) / percentile(base.latenciesMs, 50);
    const p99Ratio = percentile(hooks.latenciesMs, 99) / percentile(base.latenciesMs, 99);
    console.log(describeRound(base));
    console.log(describeRound(hooks));
    const ratio = `ingest/baseline: throughput ${throughputRatio.toFixed(2)}x, p50 ${p50Ratio.toFixed(2)}x, p99 ${p99Ratio.toFixed(2)}x`;
    console.log(`         ${ratio}`);
    rows.push(
      `| ${concurrency} | ${(base.requests / base.seconds).toFixed(0)} | ${percentile(base.latenciesMs, 50).toFixed(2)} / ${percentile(base.latenciesMs, 99).toFixed(2)} | ${(hooks.requests / hooks.seconds).toFixed(0)} | ${percentile(hooks.latenciesMs, 50).toFixed(2)} / ${percentile(hooks.latenciesMs, 99).toFixed(2)} | ${throughputRatio.toFixed(2)} |`,
    );
  }

  // Every 202 was a durable insert: the queue must hold them all.
  const stats = QueueStats.parse(
    await (
      await fetch(`${edge.url}/agent/v1/${TENANT}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json(),
  );
  console.log(
    `\nstored: ${stats.counters.received} (${ingested} measured + warm-up), backlog ${stats.backlog}, duplicates ${stats.counters.duplicates}`,
  );
  if (stats.counters.received < ingested) throw new Error("the edge answered 202 for more webhooks than it stored");
  console.log(
    "\n| concurrency | healthz req/s | healthz p50 / p99 ms | ingest req/s | ingest p50 / p99 ms | ingest/healthz throughput |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  await edge.stop();
}
