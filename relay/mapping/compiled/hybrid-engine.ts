import type { Logger } from "../../log/logger";
import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "../engine";
import { JqWasmEngine } from "../jq-wasm-engine";
import type { JqWasmRuntimeOptions } from "../jq-wasm-runtime";
import { type CompiledProgram, compileJq } from "./compiled-program";
import type { Builtin } from "./compiled-types";
import { describeOutcome, outcomesEqual } from "./outcomes-equal";
import { InputPreparer, NEEDS_REFERENCE } from "./prepare-input";

/** A compiled program whose output differed from jq-wasm's: it is served by jq-wasm from then on. */
export interface Divergence {
  expression: string;
  compiled: JqOutcome;
  reference: JqOutcome;
}

export interface HybridJqEngineOptions {
  /** The reference engine (jq-wasm); one is created when not given, and closed with this engine. */
  reference?: JqWasmEngine;
  referenceOptions?: JqWasmRuntimeOptions;
  /**
   * Runs of each compiled program that are also run on jq-wasm in the current shadow round (default 8). During
   * those runs the caller receives jq-wasm's outcome, after the comparison: nothing unchecked is handed out.
   */
  shadowRuns?: number;
  /**
   * After the round's first runs, one run in this many is still shadowed (default 5000; 0 turns it off), so that
   * inputs unlike the first ones keep being checked during a long resync.
   */
  shadowEvery?: number;
  /**
   * A new shadow round starts by itself when this long has passed since the last one began (default 15 minutes),
   * so that a long-running agent checks again at each resync even if nobody calls `newShadowRound()`.
   */
  shadowRoundIntervalMs?: number;
  /** Milliseconds clock for shadow rounds (injectable for tests). */
  clock?: () => number;
  /** Called when a shadow run finds a divergence (the expression is then sent back to jq-wasm for good). */
  onDivergence?: (divergence: Divergence) => void;
  logger?: Logger;
  /** jq's `now` in seconds; injectable for tests. */
  now?: () => number;
  /** Replaces compiled builtins by `name/arity`: how tests break one on purpose. */
  builtinOverrides?: Readonly<Record<string, Builtin>>;
}

export interface HybridStats {
  compiledPrograms: number;
  referencePrograms: number;
  shadowRuns: number;
  divergences: number;
  /** Runs handed to jq-wasm because a value could not be treated exactly (see DeferToReference). */
  deferredRuns: number;
}

/**
 * The engine mappings use: each expression is served, per expression and at compile time, by the compiled engine
 * when every construct in it is in the verified subset, and by jq-wasm otherwise (`JqProgram.engine` says which).
 * Compiled programs are shadowed: their first runs in each round are also run on jq-wasm, and a mismatch sends
 * the expression back to jq-wasm for good, with a warning naming it.
 */
export class HybridJqEngine implements JqEngine {
  readonly name = "hybrid";
  readonly #reference: JqWasmEngine;
  readonly #ownsReference: boolean;
  readonly #options: HybridJqEngineOptions;
  readonly #preparer = new InputPreparer();
  readonly #stats: HybridStats = {
    compiledPrograms: 0,
    referencePrograms: 0,
    shadowRuns: 0,
    divergences: 0,
    deferredRuns: 0,
  };

  constructor(options: HybridJqEngineOptions = {}) {
    this.#options = options;
    this.#ownsReference = options.reference === undefined;
    this.#reference = options.reference ?? new JqWasmEngine(options.referenceOptions ?? {});
  }

  get stats(): Readonly<HybridStats> {
    return { ...this.#stats };
  }

  get reference(): JqWasmEngine {
    return this.#reference;
  }

  async compile(source: string): Promise<CompileOutcome> {
    // jq-wasm decides what compiles, so syntax and compile errors are jq's own, whichever engine then runs it.
    const checked = await this.#reference.compile(source);
    if (checked.kind === "error") return checked;
    const compiled = compileJq(source, {
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
      ...(this.#options.builtinOverrides === undefined ? {} : { builtinOverrides: this.#options.builtinOverrides }),
    });
    // jq-wasm compiled it, so a compile error here would be the compiled engine's mistake: jq-wasm serves it.
    if (compiled.kind !== "ok") {
      this.#stats.referencePrograms++;
      return checked;
    }
    this.#stats.compiledPrograms++;
    const program = new HybridProgram(source, compiled.program, checked.program, this.#context);
    return { kind: "ok", program };
  }

  #round = 0;
  #roundStartedAt: number | null = null;

  /** Starts a new shadow round (call it at the start of each resync): every compiled program is checked again. */
  newShadowRound(): void {
    this.#round++;
    this.#roundStartedAt = (this.#options.clock ?? Date.now)();
  }

  #currentRound(): number {
    const now = (this.#options.clock ?? Date.now)();
    if (this.#roundStartedAt === null) this.#roundStartedAt = now;
    else if (now - this.#roundStartedAt >= (this.#options.shadowRoundIntervalMs ?? 15 * 60_000)) this.newShadowRound();
    return this.#round;
  }

  async close(): Promise<void> {
    if (this.#ownsReference) await this.#reference.close();
  }

  #referenceWithNow = async (source: string, now: number, input: Json): Promise<JqOutcome> => {
    // jq-wasm gets the very instant the compiled run used, so that the comparison is exact.
    const compiled = await this.#reference.compile(`def now: ${String(now)}; ${source}`);
    if (compiled.kind === "error") return { kind: "error", message: compiled.message };
    return await compiled.program.first(input);
  };

  #reportDivergence = (divergence: Divergence): void => {
    this.#stats.divergences++;
    this.#options.logger?.warn(
      {
        expression: divergence.expression,
        compiled: describeOutcome(divergence.compiled),
        reference: describeOutcome(divergence.reference),
      },
      "compiled jq differs from jq-wasm: expression sent back to jq-wasm for good",
    );
    this.#options.onDivergence?.(divergence);
  };

  /** What programs share with their engine, without making it public API. */
  readonly #context: ProgramContext = {
    shadowRuns: () => this.#options.shadowRuns ?? 8,
    shadowEvery: () => this.#options.shadowEvery ?? 5000,
    round: () => this.#currentRound(),
    prepare: (input) => this.#preparer.prepare(input),
    countShadowRun: () => {
      this.#stats.shadowRuns++;
    },
    countDeferred: () => {
      this.#stats.deferredRuns++;
    },
    referenceWithNow: (source, now, input) => this.#referenceWithNow(source, now, input),
    reportDivergence: (divergence) => this.#reportDivergence(divergence),
  };
}

interface ProgramContext {
  shadowRuns(): number;
  shadowEvery(): number;
  round(): number;
  prepare(input: Json): Json | typeof NEEDS_REFERENCE;
  countShadowRun(): void;
  countDeferred(): void;
  referenceWithNow(source: string, now: number, input: Json): Promise<JqOutcome>;
  reportDivergence(divergence: Divergence): void;
}

class HybridProgram implements JqProgram {
  #demoted = false;
  #shadowLeft: number;
  #round = 0;
  #runsSinceShadow = 0;

  constructor(
    readonly source: string,
    readonly compiled: CompiledProgram,
    readonly reference: JqProgram,
    readonly context: ProgramContext,
  ) {
    this.#shadowLeft = context.shadowRuns();
  }

  get engine(): string {
    return this.#demoted ? "jq-wasm" : "compiled";
  }

  first(input: Json): JqOutcome | Promise<JqOutcome> {
    if (this.#demoted) return this.reference.first(input);
    const prepared = this.context.prepare(input);
    const outcome = prepared === NEEDS_REFERENCE ? null : this.compiled.run(prepared);
    if (outcome === null || outcome.kind === "defer") {
      this.context.countDeferred();
      return this.reference.first(input);
    }
    const round = this.context.round();
    if (round !== this.#round) {
      this.#round = round;
      this.#shadowLeft = this.context.shadowRuns();
    }
    if (this.#shadowLeft > 0) {
      this.#shadowLeft--;
      return this.#shadow(input, outcome, this.compiled.usesNow ? this.compiled.lastNow : null);
    }
    const every = this.context.shadowEvery();
    if (every > 0 && ++this.#runsSinceShadow >= every) {
      this.#runsSinceShadow = 0;
      return this.#shadow(input, outcome, this.compiled.usesNow ? this.compiled.lastNow : null);
    }
    return outcome;
  }

  async #shadow(input: Json, compiled: JqOutcome, now: number | null): Promise<JqOutcome> {
    this.context.countShadowRun();
    const reference =
      now === null ? await this.reference.first(input) : await this.context.referenceWithNow(this.source, now, input);
    // jq-wasm broke on this input (an abort, its time budget) and gave no verdict: there is nothing to compare, and
    // the compiled outcome is the only one there is. A slow moment must not send the expression to jq-wasm for good.
    if (reference.kind === "error" && reference.fault === true) return compiled;
    if (!this.#demoted && !outcomesEqual(compiled, reference)) {
      this.#demoted = true;
      this.context.reportDivergence({ expression: this.source, compiled, reference });
    }
    return reference;
  }
}
