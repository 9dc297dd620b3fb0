// bench:resync-mapping-share — how much of a full resync is spent mapping (jq), with the jq-wasm engine and
// with the compiled (hybrid) engine, on the same generated instance served by the fake Bitbucket over HTTP into the
// local catalog. The engine is wrapped to add up the time spent inside its programs. Prints figures; asserts
// nothing. Usage: node scripts/bench.mjs resync-mapping-share   (BENCH_ARGS="<pull requests>", default 1500)
import { HybridJqEngine } from "../../relay/mapping/compiled/hybrid-engine";
import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "../../relay/mapping/engine";
import { JqWasmEngine } from "../../relay/mapping/jq-wasm-engine";
import { startResyncFixture } from "../support/resync-fixture";

const pullRequests = Number(process.argv[2] ?? 1500);
const spec = { seed: 11, projects: 4, repositories: 40, pullRequests, users: 25 };

/**
 * Wraps an engine to time its programs: the wall time during which at least one evaluation is under way (the
 * mapper starts an item's leaves together, so their intervals overlap and must not be added up).
 */
class TimedEngine implements JqEngine {
  readonly name: string;
  spentMs = 0;
  calls = 0;
  #active = 0;
  #since = 0;

  #enter(): void {
    if (this.#active++ === 0) this.#since = performance.now();
  }

  #leave(): void {
    if (--this.#active === 0) this.spentMs += performance.now() - this.#since;
  }

  constructor(readonly inner: JqEngine) {
    this.name = inner.name;
  }

  async compile(source: string): Promise<CompileOutcome> {
    const outcome = await this.inner.compile(source);
    if (outcome.kind === "error") return outcome;
    const program = outcome.program;
    const timed: JqProgram = {
      source: program.source,
      get engine() {
        return program.engine;
      },
      first: (input: Json): JqOutcome | Promise<JqOutcome> => {
        this.calls++;
        this.#enter();
        const result = program.first(input);
        if (!(result instanceof Promise)) {
          this.#leave();
          return result;
        }
        return result.finally(() => this.#leave());
      },
    };
    return { kind: "ok", program: timed };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

console.log(`bench:resync-mapping-share — fake Bitbucket instance ${JSON.stringify(spec)}, default mapping, local catalog`);
for (const [label, make] of [
  ["jq-wasm engine", (): JqEngine => new JqWasmEngine()],
  ["compiled (hybrid) engine", (): JqEngine => new HybridJqEngine()],
  // The same without shadow runs, to show their fixed cost (about 440 jq-wasm calls for the default mapping).
  ["compiled, shadow runs off", (): JqEngine => new HybridJqEngine({ shadowRuns: 0, shadowEvery: 0 })],
] as const) {
  const engine = new TimedEngine(make());
  const fixture = await startResyncFixture({ engine });
  try {
    fixture.fake.generate(spec);
    const started = performance.now();
    const summary = await fixture.resync();
    const totalMs = performance.now() - started;
    const entities = summary.kinds.reduce((sum, k) => sum + ((k as { mapped?: number }).mapped ?? 0), 0);
    console.log(
      `  ${label.padEnd(26)} resync ${(totalMs / 1000).toFixed(2)} s (${summary.status}), jq ${(engine.spentMs / 1000).toFixed(2)} s in ${engine.calls} calls: ` +
        `mapping is ${((100 * engine.spentMs) / totalMs).toFixed(1)}% of the resync${entities > 0 ? `, ${entities} entities` : ""}`,
    );
  } finally {
    await fixture.close();
  }
}
