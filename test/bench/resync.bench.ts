// bench:resync — a full resync of a generated Bitbucket instance (200 projects, 5,000 repositories, 100,000 pull
// requests, 2,000 users at scale 1) served by the fake over loopback HTTP with a per-request latency (20 ms by
// default), through the agent's real client, mapper (the production engine unless told otherwise) and writer into
// the local catalog in a temporary directory, with the built-in mapping. Then the same resync again: nothing changed,
// so it must write nothing. Prints, for each run: wall time, requests made (the fake's log), the request-bound limit
// (requests × latency ÷ requests in flight: no agent can be faster against that server) and the wall time's ratio
// to it, entities per second, the agent's CPU time per entity, peak RSS (sampled, and the kernel's maxRSS), heap
// after GC, and the time spent in jq with its share of the wall time; also the memory every 10% of the listed
// items, to show that it stays flat as the instance grows. The fake runs in a child process so that its memory and
// CPU are not counted as the agent's. Asserts nothing, but exits 1 if a run failed or the second run wrote anything.
//
// Usage: npm run bench:resync -- --help
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { limitHeapGrowth } from "../../relay/agent/heap-growth";
import { BitbucketClient } from "../../relay/bitbucket/client";
import { LocalCatalog } from "../../relay/catalog/local/local-catalog";
import { bundledLocalWriter } from "../../relay/catalog/local/local-writer-thread";
import { loadMapping } from "../../relay/config/mapping-loader";
import { Logger } from "../../relay/log/logger";
import { HybridJqEngine } from "../../relay/mapping/compiled";
import { createMappingEngine } from "../../relay/mapping/create-engine";
import { JqWasmEngine } from "../../relay/mapping/jq-wasm-engine";
import { AgentState } from "../../relay/state/agent-state";
import { formatSummary } from "../../relay/sync/format-resync-summary";
import { type KindProgress, runResync } from "../../relay/sync/resync";
import type { ResyncSummary } from "../../relay/sync/resync-summary";
import { FAKE_ADMIN } from "../fakes/bitbucket-server/index";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "../support/resync-fixture";
import {
  type Generated,
  isFakeBitbucketRole,
  serveFakeBitbucket,
  startFakeBitbucketProcess,
} from "./support/fake-bitbucket-process";
import { heapAfterGcMb, MemorySampler, maxRssMb, mb } from "./support/memory-sampler";
import { TimedEngine } from "./support/timed-engine";

const FULL = { projects: 200, repositories: 5_000, pullRequests: 100_000, users: 2_000 };

const HELP = `bench:resync — two full resyncs (empty catalog, then nothing changed) of a generated instance

Usage: npm run bench:resync -- [--scale N] [--latency MS] [--concurrency N] [--engine hybrid|jq-wasm]
       (or BENCH_ARGS="…", or BENCH_SCALE, BENCH_LATENCY_MS, BENCH_CONCURRENCY, BENCH_ENGINE)

  --scale N         size of the instance, in (0, 10]: 1 is 200 projects, 5,000 repositories, 100,000 pull requests
                    and 2,000 users (default 1; 0.05 for a quick run)
  --latency MS      the fake's latency per request, 0 to 10000 (default 20)
  --concurrency N   Bitbucket requests in flight (BBRELAY_BITBUCKET_CONCURRENCY), 1 to 256 (default 8)
  --engine E        hybrid (the production engine; default) or jq-wasm
  --profile FILE    write a CPU profile of the third run (the pull-request kind alone, unchanged) to FILE (.cpuprofile; open it in Chrome's DevTools)
  --profile-run R   which run --profile records: first, second or third (default third)
  BENCH_WRITER_THREAD=0  the local catalog writes on the agent's thread instead of its writer thread (to compare)
  --help            this text`;

interface Settings {
  scale: number;
  latencyMs: number;
  concurrency: number;
  engine: "hybrid" | "jq-wasm";
  /** Where to write a CPU profile of one run, or null. */
  profile: string | null;
  /** The run the profile records. */
  profileRun: "first" | "second" | "third";
}

function settings(): Settings | null {
  const { values } = parseArgs({
    options: {
      scale: { type: "string" },
      latency: { type: "string" },
      concurrency: { type: "string" },
      engine: { type: "string" },
      profile: { type: "string" },
      "profile-run": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) return null;
  const scale = Number(values.scale ?? process.env.BENCH_SCALE ?? "1");
  const concurrency = Number(values.concurrency ?? process.env.BENCH_CONCURRENCY ?? "8");
  const latencyMs = Number(values.latency ?? process.env.BENCH_LATENCY_MS ?? "20");
  const engine = values.engine ?? process.env.BENCH_ENGINE ?? "hybrid";
  if (!(scale > 0 && scale <= 10))
    throw new Error(`--scale must be a number in (0, 10], got ${String(values.scale ?? process.env.BENCH_SCALE)}`);
  if (!(latencyMs >= 0 && latencyMs <= 10_000)) throw new Error(`--latency must be milliseconds from 0 to 10000`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256))
    throw new Error(`--concurrency must be a whole number from 1 to 256`);
  if (engine !== "hybrid" && engine !== "jq-wasm") throw new Error(`--engine must be hybrid or jq-wasm, got ${engine}`);
  const profileRun = values["profile-run"] ?? "third";
  if (profileRun !== "first" && profileRun !== "second" && profileRun !== "third")
    throw new Error(`--profile-run must be first, second or third, got ${profileRun}`);
  return { scale, latencyMs, concurrency, engine, profile: values.profile ?? null, profileRun };
}

/** Keeps warnings and errors (the logger's level) out of the figures' way, but counted and sampled. */
function quietLogger(): { logger: Logger; lines: string[]; count: () => number } {
  const lines: string[] = [];
  let count = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      count++;
      if (lines.length < 5) lines.push(chunk.toString().trim());
      done();
    },
  });
  return { logger: new Logger({ stream, format: "json", level: "warn" }), lines, count: () => count };
}

/** How often the per-kind CPU attribution reads the process's CPU time. */
const CPU_READ_INTERVAL_MS = 50;

/** Memory every 10% of the items the run will list (all kinds together), with the heap after a full GC there. */
function milestoneTracker(expected: number, sampler: MemorySampler, started: () => number) {
  // Kinds may run at once: the items listed are the sum of each kind's latest count.
  const listedByKind = new Map<string, number>();
  const cpuByKind = new Map<string, number>();
  let lastCpu = process.cpuUsage();
  let lastCpuRead = performance.now();
  let next = 1;
  let gcMs = 0;
  const rows: string[] = [];
  const heapAfterGc: number[] = [];
  return {
    rows,
    /** Heap after GC at each 10% of the listed items (index 0: 10%). */
    heapAfterGc,
    gcMs: () => gcMs,
    /**
     * Agent CPU µs by kind: the CPU since the previous reading (every 50 ms at most) goes to the kind reporting now
     * (a report follows each page the kind mapped and wrote). Exact for the run alone of one kind; when kinds overlap,
     * the other kinds' work in between is counted too, so a kind's figure is an estimate.
     */
    cpuByKind,
    onProgress(progress: KindProgress) {
      const key = `${progress.kind}#${progress.resource}`;
      const attribute = () => {
        const cpuNow = process.cpuUsage();
        cpuByKind.set(key, (cpuByKind.get(key) ?? 0) + cpuNow.user - lastCpu.user + cpuNow.system - lastCpu.system);
        lastCpu = cpuNow;
        lastCpuRead = performance.now();
      };
      // process.cpuUsage() is a getrusage call that cost 8% of an unchanged resync's CPU when read after every page:
      // read it at most every 50 ms (the kind reporting then gets the slice), so the bench measures the agent.
      if (performance.now() - lastCpuRead >= CPU_READ_INTERVAL_MS) attribute();
      listedByKind.set(key, progress.listed);
      let listed = 0;
      for (const count of listedByKind.values()) listed += count;
      const milestone = next <= 10 && listed >= (expected * next) / 10;
      if (milestone) attribute();
      while (next <= 10 && listed >= (expected * next) / 10) {
        const usage = sampler.sample();
        const gcStarted = performance.now();
        const heapGc = heapAfterGcMb();
        gcMs += performance.now() - gcStarted;
        heapAfterGc.push(heapGc);
        rows.push(
          `  ${String(next * 10).padStart(3)}%  ${String(listed).padStart(7)} listed (${progress.kind.padEnd(12)})  ` +
            `t ${((performance.now() - started()) / 1000).toFixed(1).padStart(6)} s  rss ${mb(usage.rss).toFixed(0).padStart(4)} MB  ` +
            `heap ${mb(usage.heapUsed).toFixed(0).padStart(4)} MB  heap after GC ${heapGc.toFixed(0).padStart(4)} MB`,
        );
        next++;
      }
      // The forced GCs of the milestones are the bench's, not the kind's.
      if (milestone) lastCpu = process.cpuUsage();
    },
  };
}

/** The V8 CPU profiler on this thread, through the inspector (the agent's own code, not the fake's). */
async function startProfile(): Promise<{ stop(): Promise<unknown> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      return profile;
    },
  };
}

function entitiesOf(summary: ResyncSummary): { processed: number; written: number } {
  let processed = 0;
  let written = 0;
  for (const kind of summary.kinds) {
    processed += kind.created + kind.updated + kind.unchanged;
    written += kind.created + kind.updated;
  }
  return { processed, written };
}

async function main(): Promise<void> {
  // The agent's heap growth, as bin/bbrelay sets it for every command (the fake's process keeps V8's default).
  limitHeapGrowth();
  const benchStarted = performance.now();
  const chosen = settings();
  if (chosen === null) {
    console.log(HELP);
    return;
  }
  const { scale, latencyMs, concurrency, engine: engineName, profile, profileRun } = chosen;
  const spec = {
    seed: 7,
    projects: Math.max(1, Math.round(FULL.projects * scale)),
    repositories: Math.max(1, Math.round(FULL.repositories * scale)),
    pullRequests: Math.round(FULL.pullRequests * scale),
    users: Math.max(1, Math.round(FULL.users * scale)),
  };
  const entry = process.argv[1];
  if (entry === undefined) throw new Error("bench:resync: no entry path to start the fake's process from");
  const fake = await startFakeBitbucketProcess(entry, { latencyMs });
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-bench-resync-"));
  const problems: string[] = [];
  const { logger, lines, count: logLines } = quietLogger();
  const inner = engineName === "hybrid" ? createMappingEngine({ logger }) : new JqWasmEngine();
  const engine = new TimedEngine(inner);
  const catalogPath = join(dir, "catalog.sqlite");
  const writerThread = process.env.BENCH_WRITER_THREAD === "0" ? null : bundledLocalWriter();
  const catalog = LocalCatalog.open({
    path: catalogPath,
    identity: TEST_IDENTITY,
    blueprints: DEFAULT_BLUEPRINTS,
    writerThread,
  });
  const state = AgentState.open(join(dir, "state.sqlite"));
  try {
    const generated: Generated = await fake.generate(spec);
    const expected = generated.projects + generated.users + generated.repositories + generated.pullRequests;
    console.log(
      `bench:resync — scale ${scale}: ${generated.projects} projects, ${generated.repositories} repositories, ${generated.pullRequests} pull requests, ` +
        `${generated.users} users (the fake's admin included); fake latency ${latencyMs} ms per request; ${concurrency} requests in flight; engine ${engineName}; built-in mapping; local catalog ${writerThread === null ? "written on the agent's thread" : "written by its writer thread"}; ` +
        `load average ${loadavg()[0]?.toFixed(2)}`,
    );
    console.log(
      `  generated in ${(generated.ms / 1000).toFixed(1)} s in the fake's own process (${(await fake.requests()).rssMb.toFixed(0)} MB RSS there, not counted below)`,
    );
    const client = BitbucketClient.fromConfig(
      {
        baseUrl: fake.url,
        auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
        limits: { maxConcurrency: concurrency },
      },
      { logger },
    );
    const mapping = await loadMapping({ source: { kind: "default" }, engine });
    const baseline = process.memoryUsage();
    console.log(
      `  agent before the first run: rss ${mb(baseline.rss).toFixed(0)} MB, heap after GC ${heapAfterGcMb().toFixed(0)} MB`,
    );

    const sampler = new MemorySampler();
    const runs = [
      "first resync (empty catalog)",
      "second resync (nothing changed)",
      // The kinds overlap in a full run, so the CPU of one kind is only estimated there: alone, it is exact.
      "third resync: the pull-request kind alone (nothing changed), for its exact CPU per entity",
    ] as const;
    for (const run of runs) {
      const first = run.startsWith("first");
      const alone = run.startsWith("third");
      await fake.clearRequests();
      engine.reset();
      let started = 0;
      const items = alone ? generated.pullRequests : expected;
      const milestones = milestoneTracker(items, sampler, () => started);
      const profiler = run.startsWith(profileRun) && profile !== null ? await startProfile() : null;
      sampler.start();
      const loopDelay = monitorEventLoopDelay({ resolution: 1 });
      loopDelay.enable();
      const cpuStarted = process.cpuUsage();
      started = performance.now();
      const summary = await runResync({
        mapping,
        client,
        catalog,
        state,
        logger,
        onProgress: (p: KindProgress) => milestones.onProgress(p),
        ...(alone ? { kinds: ["pull-request" as const] } : {}),
      });
      const wallMs = performance.now() - started;
      loopDelay.disable();
      const cpu = process.cpuUsage(cpuStarted);
      const peak = sampler.stop();
      if (profiler !== null && profile !== null) {
        writeFileSync(profile, JSON.stringify(await profiler.stop()));
        console.log(`\n  CPU profile of the ${profileRun} run in ${profile}`);
      }
      const requests = await fake.requests();
      const heapGc = heapAfterGcMb();
      const { processed, written } = entitiesOf(summary);
      const jq = engine.figures;

      console.log(`\n${run}:`);
      console.log(formatSummary(summary).trimEnd().replace(/^/gm, "  "));
      console.log(
        `  wall time        ${(wallMs / 1000).toFixed(1)} s${first ? ` (of which ${milestones.gcMs().toFixed(0)} ms in the 10 forced GCs of the memory milestones)` : ""}`,
      );
      console.log(
        `  requests         ${requests.count} (${Math.round(requests.count / (wallMs / 1000))}/s, at most ${requests.maxInFlight} in flight at the fake)`,
      );
      // No client can finish sooner against this server: every request takes the latency, `concurrency` at a time.
      const limitMs = (requests.count * latencyMs) / concurrency;
      console.log(
        `  request bound    ${(limitMs / 1000).toFixed(1)} s (${requests.count} requests × ${latencyMs} ms ÷ ${concurrency} in flight); wall time ${limitMs > 0 ? `${(wallMs / limitMs).toFixed(2)}× of it` : "- (no latency)"}`,
      );
      for (const [route, n] of Object.entries(requests.byRoute).sort((a, b) => b[1] - a[1]))
        console.log(`                     ${String(n).padStart(7)}  ${route}`);
      console.log(
        `  entities         ${processed} mapped and compared, ${written} written: ${Math.round(processed / (wallMs / 1000))} entities/s`,
      );
      const cpuMs = (cpu.user + cpu.system) / 1000;
      console.log(
        `  agent CPU        ${(cpuMs / 1000).toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s, forced GCs included): ` +
          `${processed > 0 ? Math.round((1000 * cpuMs) / processed) : "-"} µs per entity`,
      );
      for (const kind of summary.kinds) {
        const micros = milestones.cpuByKind.get(`${kind.kind}#${kind.resource}`) ?? 0;
        const entities = kind.created + kind.updated + kind.unchanged;
        console.log(
          `    ${kind.kind.padEnd(13)} ${(micros / 1e6).toFixed(2).padStart(6)} s CPU, ${entities > 0 ? Math.round(micros / entities) : "-"} µs per entity`,
        );
      }
      // Every answer from Bitbucket waits for the agent's thread: what it is busy with is added to each request.
      const delayMs = (percentile: number) => (loopDelay.percentile(percentile) / 1e6).toFixed(1);
      console.log(
        `  event loop delay p50 ${delayMs(50)} ms, p90 ${delayMs(90)} ms, p99 ${delayMs(99)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms ` +
          "(sampled every ms, so 1.1 ms is an idle loop)",
      );
      console.log(
        `  peak RSS         ${peak.rssMb.toFixed(0)} MB sampled every 100 ms (${peak.samples} samples; peak heap ${peak.heapUsedMb.toFixed(0)} MB); process maxRSS so far ${maxRssMb().toFixed(0)} MB; ` +
          `at the peak: V8 heap ${peak.atRssPeak.heapTotalMb.toFixed(0)} MB committed, external ${peak.atRssPeak.externalMb.toFixed(0)} MB`,
      );
      const tenth = milestones.heapAfterGc[0];
      const whole = milestones.heapAfterGc[milestones.heapAfterGc.length - 1];
      console.log(
        `  heap after GC    ${heapGc.toFixed(0)} MB at the end of the run; ${tenth === undefined || whole === undefined ? "-" : `${tenth.toFixed(0)} MB at 10% of the items, ${whole.toFixed(0)} MB at 100%`}`,
      );
      console.log(
        `  time in jq       ${(jq.spentMs / 1000).toFixed(2)} s in ${jq.calls} evaluations = ${((100 * jq.spentMs) / wallMs).toFixed(1)}% of the wall time ` +
          `(${processed > 0 ? ((1000 * jq.spentMs) / processed).toFixed(1) : "-"} µs an entity)`,
      );
      if (inner instanceof HybridJqEngine) {
        const s = inner.stats;
        console.log(
          `  hybrid engine    ${s.compiledPrograms} programs compiled, ${s.referencePrograms} on jq-wasm; ${s.shadowRuns} shadow runs so far, ${s.deferredRuns} deferred runs, ${s.divergences} divergences`,
        );
      }
      console.log(`  memory while listing (${items} items expected):`);
      for (const row of milestones.rows) console.log(row);
      if (first) {
        console.log(`  catalog file     ${mb(statSync(catalogPath).size).toFixed(0)} MB, ${catalog.count()} entities`);
      }

      if (summary.status !== "succeeded")
        problems.push(
          `${run} ${summary.status}: ${summary.failures.map((failure) => `${failure.count} × ${failure.cause}: ${failure.message}`).join("; ")}`,
        );
      if (first && written !== expected)
        problems.push(`${run} wrote ${written} entities, expected ${expected} (one per listed item)`);
      if (!first && (written !== 0 || summary.reconcile.deleted !== 0)) {
        problems.push(
          `${run} wrote ${written} and deleted ${summary.reconcile.deleted} entities; an unchanged instance must write nothing`,
        );
      }
    }
    console.log(
      `\n  bench:resync took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s in all (generation and both runs); load average ${loadavg()[0]?.toFixed(2)}; log lines at warn or above: ${logLines()}${lines.length > 0 ? `; first: ${lines.join(" | ")}` : ""}`,
    );
  } finally {
    state.close();
    await catalog.close();
    await engine.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`bench:resync: ${problem}`);
    process.exitCode = 1;
  }
}

if (isFakeBitbucketRole()) await serveFakeBitbucket();
else await main();
