import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "../mapping/engine";
import type { JqCounts } from "./relay-metrics";

/**
 * Wraps the mapping's jq engine to count the runs each engine serves. Plain integers per run (a prom-client
 * counter with labels costs a label lookup per field, and a resync runs millions); the metrics read them at each
 * scrape. The fallbacks come from the hybrid engine's own statistics when it keeps them.
 */
export class CountingJqEngine implements JqEngine {
  readonly #inner: JqEngine;
  readonly #evaluations = new Map<string, number>();

  constructor(inner: JqEngine) {
    this.#inner = inner;
  }

  get name(): string {
    return this.#inner.name;
  }

  async compile(source: string): Promise<CompileOutcome> {
    const outcome = await this.#inner.compile(source);
    if (outcome.kind === "error") return outcome;
    return { kind: "ok", program: this.#counted(outcome.program) };
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  counts(): JqCounts {
    const stats = statsOf(this.#inner);
    return {
      evaluations: Object.fromEntries(this.#evaluations),
      fallbacks: { deferred: stats?.deferredRuns ?? 0, divergence: stats?.divergences ?? 0 },
    };
  }

  #counted(program: JqProgram): JqProgram {
    const evaluations = this.#evaluations;
    return {
      source: program.source,
      get engine() {
        return program.engine;
      },
      first(input: Json): JqOutcome | Promise<JqOutcome> {
        // Read per run: a compiled program sent back to jq-wasm after a divergence counts as jq-wasm from then on.
        const engine = program.engine;
        evaluations.set(engine, (evaluations.get(engine) ?? 0) + 1);
        return program.first(input);
      },
    };
  }
}

interface FallbackStats {
  deferredRuns: number;
  divergences: number;
}

function statsOf(engine: JqEngine): FallbackStats | null {
  if (!("stats" in engine)) return null;
  const stats: unknown = engine.stats;
  if (typeof stats !== "object" || stats === null) return null;
  const { deferredRuns, divergences } = stats as Partial<Record<keyof FallbackStats, unknown>>;
  return typeof deferredRuns === "number" && typeof divergences === "number" ? { deferredRuns, divergences } : null;
}
