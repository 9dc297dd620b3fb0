// bench:live — the live path, webhook accepted → entity written. The fake Bitbucket renames pull requests and delivers
// the signed `pr:modified` webhooks to the edge (the bundled Worker in local workerd); the real agent (`bbrelay run`
// in-process, production defaults: 8 messages at once) leases them, re-reads each pull request over REST, maps it and
// writes the local catalog. "Accepted" is when the edge's 202 reached the fake; "written" is the `updatedAt` the
// catalog stamped on the entity (see support/live-probe.ts): 1 ms resolution, no clock skew.
//
// For each Bitbucket latency (instant and 20 ms a request by default), three phases, each on pull requests of its own
// so that every write belongs to exactly one event:
// - one at a time: an event, wait until it is written, the next: p50/p99 latency with nothing queued;
// - burst: N events from several senders while the agent runs: accepted/s, drained/s (N over first accepted → last
//   written), the largest backlog seen at the edge, and the latency under that load (mostly time spent queued);
// - backlog: N events queued while the agent is stopped, then drained by a fresh agent: the agent's sustained pace
//   without deliveries competing for the CPU (everything here shares one machine: 2 cores on the reference box).
// Prints figures (and this process's memory: agent, fake and bench together; workerd is a process of its own);
// asserts nothing. Usage: npm run bench:live
//   BENCH_ARGS="--sequential 200 --burst 1000 --senders 16 --latencies 0,20 --agent-concurrency 8"
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type LiveFixture, startLiveFixture } from "../support/live-fixture";
import { buildWorkerBundle } from "../support/worker-bundle";
import { AgentRun } from "./support/agent-run";
import { AcceptedTimes, LiveProbe, type PullRequestRef, pullRequestsOf, type Timed } from "./support/live-probe";
import { heapAfterGcMb, MemorySampler, maxRssMb } from "./support/memory-sampler";

const { values } = parseArgs({
  options: {
    sequential: { type: "string", default: "200" },
    burst: { type: "string", default: "1000" },
    senders: { type: "string", default: "16" },
    latencies: { type: "string", default: "0,20" },
    "agent-concurrency": { type: "string", default: "8" },
  },
});
const sequential = wholeNumber(values.sequential, "--sequential");
const burst = wholeNumber(values.burst, "--burst");
const senders = Math.max(1, wholeNumber(values.senders, "--senders"));
const agentArgs = [
  "--concurrency",
  String(wholeNumber(values["agent-concurrency"], "--agent-concurrency")),
  "--log-format",
  "json",
  "--log-level",
  "warn",
];
const latencies = values.latencies.split(",").map((value) => wholeNumber(value, "--latencies"));
const WARM_UP = 20;
/** The drain loop's long-poll wait per lease call (DrainLoop's default `waitMs`, which `bbrelay run` keeps). */
const LONG_POLL_MS = 20_000;

function wholeNumber(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new Error(`${flag} takes whole numbers, got ${JSON.stringify(value)}`);
  return number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function latencyLine(timed: readonly Timed[]): string {
  const sorted = timed.map((t) => t.writtenAt - t.acceptedAt).sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, mean ${mean.toFixed(1)} ms, max ${sorted.at(-1) ?? Number.NaN} ms (${sorted.length} events)`;
}

function rate(events: number, ms: number): string {
  return ((events * 1000) / Math.max(1, ms)).toFixed(0);
}

async function oneAtATime(probe: LiveProbe, prs: readonly PullRequestRef[], tag: string): Promise<Timed[]> {
  const timed: Timed[] = [];
  for (const [i, pr] of prs.entries()) {
    const title = `${tag} ${i}`;
    const acceptedAt = await probe.send(pr, title);
    // The poll only decides when to send the next event; the latency comes from the catalog's own timestamp.
    const deadline = Date.now() + 30_000;
    let writtenAt = await probe.writtenAt(pr, title);
    while (writtenAt === null) {
      if (Date.now() > deadline) throw new Error(`timed out after 30 s waiting for ${pr.identifier} to be written`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      writtenAt = await probe.writtenAt(pr, title);
    }
    timed.push({ acceptedAt, writtenAt });
  }
  return timed;
}

/** One event per pull request from `senders` concurrent senders; resolves with when each was accepted. */
async function sendAll(
  probe: LiveProbe,
  prs: readonly PullRequestRef[],
  tag: string,
): Promise<{ acceptedAt: Map<PullRequestRef, number>; seconds: number }> {
  const acceptedAt = new Map<PullRequestRef, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < prs.length) {
        const pr = prs[next++];
        if (pr !== undefined) acceptedAt.set(pr, await probe.send(pr, `${tag} ${pr.identifier}`));
      }
    }),
  );
  return { acceptedAt, seconds: (performance.now() - started) / 1000 };
}

/**
 * Each event's timing, once the edge's queue is drained. Every event is acked only after its write, so a drained
 * queue means every entity is written; waiting on the edge (one small HTTP call every 50 ms) rather than polling a
 * thousand catalog rows keeps the bench off the agent's CPU.
 */
async function collect(
  live: LiveFixture,
  probe: LiveProbe,
  acceptedAt: Map<PullRequestRef, number>,
  tag: string,
): Promise<Timed[]> {
  await live.waitDrained(120_000 + acceptedAt.size * 100);
  const timed: Timed[] = [];
  for (const [pr, accepted] of acceptedAt) {
    const writtenAt = await probe.writtenAt(pr, `${tag} ${pr.identifier}`);
    if (writtenAt === null)
      throw new Error(`${pr.identifier}: the queue is drained but the entity does not have its new title`);
    timed.push({ acceptedAt: accepted, writtenAt });
  }
  return timed;
}

/** The edge's largest backlog while `work` runs: whether the agent fell behind the deliveries at all. */
async function watchBacklog<T>(live: LiveFixture, work: () => Promise<T>): Promise<{ result: T; maxBacklog: number }> {
  let maxBacklog = 0;
  const watching = { on: true };
  const watcher = (async () => {
    while (watching.on) {
      maxBacklog = Math.max(maxBacklog, (await live.stats()).backlog);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })().catch((error: unknown) => console.error("bench:live: reading the edge's stats failed", error));
  try {
    return { result: await work(), maxBacklog };
  } finally {
    watching.on = false;
    await watcher;
  }
}

async function main(): Promise<void> {
  const bundling = performance.now();
  buildWorkerBundle(process.cwd());
  const accepted = new AcceptedTimes();
  const needed = WARM_UP + sequential + 2 * burst;
  const instance = { seed: 5, projects: 10, repositories: 100, pullRequests: needed, users: 50, emptyRatio: 0 };
  const live = await startLiveFixture({ fake: { fetch: accepted.fetch } });
  const sampler = new MemorySampler();
  let agent: AgentRun | null = null;
  let probe: LiveProbe | null = null;
  try {
    live.fake.generate(instance);
    console.log(
      `bench:live — edge bundled and started in ${((performance.now() - bundling) / 1000).toFixed(1)} s; instance ${instance.projects} projects, ` +
        `${instance.repositories} repositories, ${instance.pullRequests} pull requests; pr:modified events on distinct pull requests; ` +
        `bbrelay run ${agentArgs.slice(0, 2).join(" ")}; ${senders} concurrent senders; load average ${loadavg()[0]?.toFixed(2)}`,
    );
    sampler.start();
    agent = new AgentRun(live.env, agentArgs);
    const resyncStarted = performance.now();
    await agent.whileRunning(live.waitFirstResync(300_000));
    console.log(
      `  agent started, webhooks installed, first resync done and acked in ${((performance.now() - resyncStarted) / 1000).toFixed(1)} s`,
    );
    const reader = new LiveProbe({ fake: live.fake, accepted, catalogPath: live.env.CATALOG_PATH ?? "" });
    probe = reader;
    const prs = pullRequestsOf(live.fake);
    if (prs.length < needed) throw new Error(`the instance has ${prs.length} pull requests, ${needed} needed`);
    const slice = (from: number, count: number) => prs.slice(from, from + count);

    for (const latencyMs of latencies) {
      live.fake.settings.latencyMs = latencyMs;
      const tag = `bench ${latencyMs}ms`;
      await agent.whileRunning(oneAtATime(reader, slice(0, WARM_UP), `${tag} warm-up`));
      const requestsBefore = live.fake.requests.count;
      const single = await agent.whileRunning(oneAtATime(reader, slice(WARM_UP, sequential), `${tag} single`));
      const restPerEvent = (live.fake.requests.count - requestsBefore) / Math.max(1, sequential);
      console.log(
        `\nBitbucket answering ${latencyMs === 0 ? "instantly" : `in ${latencyMs} ms`} (${restPerEvent.toFixed(1)} REST requests an event):`,
      );
      console.log(`  one at a time    webhook accepted → entity written: ${latencyLine(single)}`);
      if (burst === 0) continue;

      const running = agent;
      const { result: sent, maxBacklog } = await watchBacklog(live, async () => {
        const sending = await sendAll(reader, slice(WARM_UP + sequential, burst), `${tag} burst`);
        return {
          ...sending,
          timed: await running.whileRunning(collect(live, reader, sending.acceptedAt, `${tag} burst`)),
        };
      });
      const firstAccepted = Math.min(...sent.timed.map((t) => t.acceptedAt));
      const lastAccepted = Math.max(...sent.timed.map((t) => t.acceptedAt));
      const lastWritten = Math.max(...sent.timed.map((t) => t.writtenAt));
      console.log(
        `  burst of ${burst}    sent in ${sent.seconds.toFixed(1)} s: accepted ${rate(burst, lastAccepted - firstAccepted)}/s, ` +
          `drained ${rate(burst, lastWritten - firstAccepted)} events/s (first accepted → last written); largest backlog seen ${maxBacklog}`,
      );
      console.log(`                   latency under that load (mostly time queued): ${latencyLine(sent.timed)}`);

      await agent.stop();
      agent = null;
      // The stopped agent's last long-poll lease is still waiting inside the edge (up to the agent's 20 s `waitMs`):
      // it would lease the first event queued now for nobody, and that event would come back only after its
      // visibility timeout (60 s), making the drain look a minute long. Let it end empty first.
      await new Promise((resolve) => setTimeout(resolve, LONG_POLL_MS + 1_000));
      const queued = await sendAll(reader, slice(WARM_UP + sequential + burst, burst), `${tag} backlog`);
      const restarted = Date.now();
      agent = new AgentRun(live.env, [...agentArgs, "--no-webhooks", "--no-initial-resync"]);
      const drained = await agent.whileRunning(collect(live, reader, queued.acceptedAt, `${tag} backlog`));
      const firstWritten = Math.min(...drained.map((t) => t.writtenAt));
      const lastDrained = Math.max(...drained.map((t) => t.writtenAt));
      console.log(
        `  backlog of ${burst}  queued while the agent was stopped, then drained by a fresh agent: ${rate(burst - 1, lastDrained - firstWritten)} events/s ` +
          `(first written → last written; the first was written ${firstWritten - restarted} ms after the agent started)`,
      );
    }
    const stats = await live.stats();
    const peak = sampler.stop();
    console.log(
      `\n  edge counters: ${JSON.stringify(stats.counters)}; dead letters ${stats.deadLetters}\n` +
        `  this process (agent + fake + bench): peak RSS ${peak.rssMb.toFixed(0)} MB sampled (maxRSS ${maxRssMb().toFixed(0)} MB), ` +
        `peak heap ${peak.heapUsedMb.toFixed(0)} MB, heap after GC ${heapAfterGcMb().toFixed(0)} MB; load average ${loadavg()[0]?.toFixed(2)}`,
    );
  } finally {
    sampler.stop();
    await probe?.close();
    await agent?.stop();
    await live.close();
  }
}

await main();
