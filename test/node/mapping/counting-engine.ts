import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "../../../relay/mapping/engine";

/**
 * A real engine seen through a counter: every `first()` call is counted, and the programs can present another
 * engine name, to check which strategy the mapper picks for an engine and how many calls an item costs.
 */
export class CountingEngine implements JqEngine {
  readonly name: string;
  calls = 0;

  constructor(
    readonly inner: JqEngine,
    readonly programEngine = inner.name,
  ) {
    this.name = `counting(${inner.name})`;
  }

  async compile(source: string): Promise<CompileOutcome> {
    const outcome = await this.inner.compile(source);
    if (outcome.kind === "error") return outcome;
    const counter = this;
    const program: JqProgram = {
      source,
      engine: this.programEngine,
      first(input: Json): JqOutcome | Promise<JqOutcome> {
        counter.calls++;
        return outcome.program.first(input);
      },
    };
    return { kind: "ok", program };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
