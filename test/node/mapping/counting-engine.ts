import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "../../../relay/mapping/engine";

/**
 * A real engine seen through a counter: every `first()` call is counted, per engine too, and the programs can
 * present another engine name, to check which strategy the mapper picks for an engine and how many calls an item
 * costs.
 */
export class CountingEngine implements JqEngine {
  readonly name: string;
  calls = 0;
  readonly callsByEngine = new Map<string, number>();

  /** @param programEngine the engine name the programs present (default: the inner program's own) */
  constructor(
    readonly inner: JqEngine,
    readonly programEngine?: string,
  ) {
    this.name = `counting(${inner.name})`;
  }

  async compile(source: string): Promise<CompileOutcome> {
    const outcome = await this.inner.compile(source);
    if (outcome.kind === "error") return outcome;
    const counter = this;
    const engine = this.programEngine ?? outcome.program.engine;
    const program: JqProgram = {
      source,
      engine,
      first(input: Json): JqOutcome | Promise<JqOutcome> {
        counter.calls++;
        counter.callsByEngine.set(engine, (counter.callsByEngine.get(engine) ?? 0) + 1);
        return outcome.program.first(input);
      },
    };
    return { kind: "ok", program };
  }

  resetCounts(): void {
    this.calls = 0;
    this.callsByEngine.clear();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
