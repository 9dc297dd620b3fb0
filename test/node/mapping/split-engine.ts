import type { CompileOutcome, JqEngine } from "../../../relay/mapping/engine";

/**
 * Serves each expression with one of two engines, as `useSecond(source)` decides: mixes of engines that real
 * mappings rarely produce (the seed's mapping is fully compiled), to check the mapper on every mix.
 */
export class SplitEngine implements JqEngine {
  readonly name = "split";

  constructor(
    readonly first: JqEngine,
    readonly second: JqEngine,
    readonly useSecond: (source: string) => boolean,
  ) {}

  compile(source: string): Promise<CompileOutcome> {
    return (this.useSecond(source) ? this.second : this.first).compile(source);
  }

  async close(): Promise<void> {
    await this.first.close();
    await this.second.close();
  }
}

/** A stable coin toss per expression text. */
export function sourceParity(source: string): 0 | 1 {
  let hash = 7;
  for (let i = 0; i < source.length; i++) hash = (hash * 31 + source.charCodeAt(i)) >>> 0;
  return (hash & 1) as 0 | 1;
}
