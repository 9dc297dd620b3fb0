import { Buffer } from "node:buffer";
import { messageOf } from "../log/message-of";
import { type JqModule, loadJqModuleFactory } from "./jq-wasm-module";

/**
 * One jq-wasm instance at a time, wrapped so that it survives (reference: jq-wasm.md).
 *
 * - jq-wasm runs jq's whole `main()` per call and an instance breaks after about 310 calls (assertion failures,
 *   out-of-bounds accesses; every later call fails too). We replace the instance well before that, and also
 *   whenever a call fails in a way that is not a jq error.
 * - How soon it breaks depends on the filter: each call uses up about 3,300 + (filter bytes) of something jq's
 *   `main()` never gives back, and an instance breaks once about 1,030,000 are used, whatever the input (measured:
 *   `.id` 313 calls, a 2.9 KB fused mapping 169, 5.7 KB 115, 11.5 KB about 70; mixed filters add up). Past that it
 *   usually traps, but it may also spin forever inside wasm, which no timeout can interrupt: the process hangs. So
 *   an instance is also replaced before that budget is two-thirds used.
 * - The instance keeps its stdin/stdout in module-level buffers, so calls must never overlap: they are chained.
 * - Callers never batch many items into one call: its stdin and stdout handling is quadratic in size.
 */

/** What one call uses up of an instance's budget, besides the filter's bytes (see above). */
const CALL_COST = 3_300;
/** Two-thirds of the ~1,030,000 at which instances break: 200 calls of a short filter, 110 of a 2.9 KB one. */
const INSTANCE_BUDGET = 680_000;

export interface JqWasmRuntimeOptions {
  /** Calls served by one instance before it is replaced (the failure starts at about 310). */
  callsPerInstance?: number;
  /** Makes a fresh instance; injectable so tests can simulate a broken one. */
  createInstance?: () => Promise<JqModule>;
}

/** A failure of jq itself (syntax, compile or runtime error), with jq's message. */
export class JqError extends Error {
  override readonly name = "JqError";
}

export class JqWasmRuntime {
  readonly #callsPerInstance: number;
  readonly #createInstance: () => Promise<JqModule>;
  #instance: Promise<JqModule> | null = null;
  #callsOnInstance = 0;
  #costOnInstance = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #instancesCreated = 0;

  constructor(options: JqWasmRuntimeOptions = {}) {
    this.#callsPerInstance = options.callsPerInstance ?? 200;
    // The package's factory with its quadratic stdin read fixed (jq-wasm-module.ts): ~5x faster on a PR.
    this.#createInstance = options.createInstance ?? loadJqModuleFactory().factory;
  }

  /** How many instances were created so far (for tests and benchmarks). */
  get instancesCreated(): number {
    return this.#instancesCreated;
  }

  /**
   * Runs jq once: `jq -M -c <filter>` on the input text.
   * @returns jq's standard output (one compact JSON text per output, newline separated; "" for no output)
   * @throws JqError when jq reports an error and produced no output
   */
  run(filter: string, input: string): Promise<string> {
    const result = this.#queue.then(() => this.#runNow(filter, input));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #runNow(filter: string, input: string): Promise<string> {
    try {
      return await this.#callOnce(filter, input);
    } catch (error) {
      if (error instanceof JqError) throw error;
      // Not a jq error: the instance is broken. One retry on a fresh instance tells a broken instance from a
      // broken engine.
      this.#instance = null;
      return await this.#callOnce(filter, input);
    }
  }

  async #callOnce(filter: string, input: string): Promise<string> {
    const cost = CALL_COST + Buffer.byteLength(filter, "utf8");
    if (
      this.#instance === null ||
      this.#callsOnInstance >= this.#callsPerInstance ||
      this.#costOnInstance + cost > INSTANCE_BUDGET
    ) {
      this.#instance = this.#createInstance();
      this.#instancesCreated++;
      this.#callsOnInstance = 0;
      this.#costOnInstance = 0;
    }
    const instance = await this.#instance;
    this.#callsOnInstance++;
    this.#costOnInstance += cost;
    try {
      return await instance.raw(input, filter, ["-c"]);
    } catch (error) {
      const message = messageOf(error);
      if (message.startsWith("jq: ")) throw new JqError(message);
      this.#instance = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#instance = null;
  }
}
