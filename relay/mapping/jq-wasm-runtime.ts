import { Buffer } from "node:buffer";
import { messageOf } from "../log/message-of";
import type { JqModule } from "./jq-wasm-module";
import { JqTimeoutError, JqWasmWorkerHost } from "./jq-wasm-worker";

/**
 * One jq-wasm instance at a time, wrapped so that it survives (reference: jq-wasm.md).
 *
 * - jq-wasm runs jq's whole `main()` per call and an instance breaks after about 310 calls (assertion failures,
 *   out-of-bounds accesses; every later call fails too). We replace the instance well before that, and also
 *   whenever a call fails in a way that is not a jq error.
 * - How soon it breaks depends on the filter: each call uses up about 3,300 + (filter bytes) of something jq's
 *   `main()` never gives back, and an instance breaks once about 1,030,000 are used, whatever the input (measured:
 *   `.id` 313 calls, a 2.9 KB fused mapping 169, 5.7 KB 115, 11.5 KB about 70; mixed filters add up). Past that it
 *   usually traps, but it may also spin forever inside wasm. So an instance is also replaced before that budget is
 *   two-thirds used.
 * - Some filters break jq itself on a fresh instance: `del(.[nan])` and `strftime([])` abort (an assertion in jq's
 *   C code), deep `setpath` paths run out of memory, `. * 1000000000` on `""` loops for minutes. Such a call fails
 *   with a `fault` {@link JqError}: a jq error like any other for the caller (the field maps to null with a warning), after
 *   one retry on a fresh instance (which tells a worn-out instance from a filter that breaks jq). The instances run
 *   in a worker (jq-wasm-worker.ts) that is terminated at the time budget, so no call runs longer than that.
 * - The instance keeps its stdin/stdout in module-level buffers, so calls must never overlap: they are chained.
 * - Callers never batch many items into one call: one call per item keeps the instance budget predictable.
 */

/** What one call uses up of an instance's budget, besides the filter's bytes (see above). */
const CALL_COST = 3_300;
/** Two-thirds of the ~1,030,000 at which instances break: 200 calls of a short filter, 110 of a 2.9 KB one. */
const INSTANCE_BUDGET = 680_000;

/** How long one jq-wasm call may run by default before it is stopped (`BBRELAY_JQ_TIMEOUT_MS` sets it). */
export const DEFAULT_JQ_TIMEOUT_MS = 2_000;

export interface JqWasmRuntimeOptions {
  /** Calls served by one instance before it is replaced (the failure starts at about 310). */
  callsPerInstance?: number;
  /**
   * Makes a fresh instance; injectable so tests can simulate a broken one. When given, the instances run in this
   * thread and `timeoutMs` does not apply; by default they run in a worker (jq-wasm-worker.ts).
   */
  createInstance?: () => Promise<JqModule>;
  /** A call running longer than this is stopped and fails with a `fault` {@link JqError} (default 2,000 ms). */
  timeoutMs?: number;
}

/**
 * Why a jq-wasm call failed:
 * - `jq`: jq itself reported an error (syntax, compile or runtime), with jq's message;
 * - `fault`: jq-wasm broke on this call (an abort, an out-of-bounds access, a stack overflow, the time budget) even on
 *   a fresh instance. The caller treats it as a jq error: the filter cannot be evaluated on this input.
 */
export type JqErrorKind = "jq" | "fault";

/** A failed jq call, of either {@link JqErrorKind}; the message is jq's, or says how jq-wasm broke. */
export class JqError extends Error {
  override readonly name = "JqError";
  constructor(
    readonly kind: JqErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export class JqWasmRuntime {
  readonly #callsPerInstance: number;
  readonly #createInstance: () => Promise<JqModule>;
  readonly #host: JqWasmWorkerHost | null;
  #instance: Promise<JqModule> | null = null;
  #callsOnInstance = 0;
  #costOnInstance = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #instancesCreated = 0;
  #closed = false;

  constructor(options: JqWasmRuntimeOptions = {}) {
    this.#callsPerInstance = options.callsPerInstance ?? 200;
    // The package's factory with its quadratic stdin and stdout fixed (jq-wasm-module.ts), in a worker.
    if (options.createInstance === undefined) {
      const host = new JqWasmWorkerHost({ timeoutMs: options.timeoutMs ?? DEFAULT_JQ_TIMEOUT_MS });
      this.#host = host;
      this.#createInstance = () => host.createInstance();
    } else {
      this.#host = null;
      this.#createInstance = options.createInstance;
    }
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
      if (!(error instanceof CallBroke)) throw error;
      // Not a jq error: the instance is broken. One retry on a fresh instance tells a worn-out instance from a
      // filter that breaks jq on this input.
    }
    try {
      return await this.#callOnce(filter, input);
    } catch (error) {
      if (!(error instanceof CallBroke)) throw error;
      throw new JqError("fault", faultMessage(error.cause));
    }
  }

  async #callOnce(filter: string, input: string): Promise<string> {
    if (this.#closed) throw new JqError("fault", CLOSED);
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
    // An instance that cannot be made at all means the engine is broken: that is thrown as it is.
    const instance = await this.#instance.catch((error: unknown) => {
      // Closed while the instance was being made: the same answer as a call that comes after the close.
      if (this.#closed) throw new JqError("fault", CLOSED);
      throw error;
    });
    this.#callsOnInstance++;
    this.#costOnInstance += cost;
    try {
      return await instance.raw(input, filter, ["-c"]);
    } catch (error) {
      const message = messageOf(error);
      if (message.startsWith("jq: ")) throw new JqError("jq", message);
      this.#instance = null;
      // Running it again would only take as long again.
      if (error instanceof JqTimeoutError) throw new JqError("fault", faultMessage(error));
      throw new CallBroke(message, { cause: error });
    }
  }

  /**
   * Stops the worker first, then waits for the calls: a call still running (a long evaluation under a large
   * `BBRELAY_JQ_TIMEOUT_MS`) fails at once instead of holding up the agent's exit, and no queued call starts again.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#host?.close();
    await this.#queue;
    this.#instance = null;
  }
}

const CLOSED = "the jq-wasm engine was closed (the agent is stopping)";

/** A call that failed in jq-wasm rather than in jq (it ends as a `fault` {@link JqError}). */
class CallBroke extends Error {}

/**
 * `Aborted(Assertion failed: …). Build with -sASSERTIONS for more info.` → `jq-wasm aborted (Assertion failed: …)`;
 * `memory access out of bounds` → `jq-wasm failed: memory access out of bounds`.
 */
function faultMessage(error: unknown): string {
  if (error instanceof JqTimeoutError) {
    return `${error.message} (BBRELAY_JQ_TIMEOUT_MS sets how long a jq-wasm call may run)`;
  }
  const message = messageOf(error)
    .replace(/\.? ?Build with -sASSERTIONS for more info\.?/, "")
    .trim();
  const aborted = /^Aborted\((.*)\)$/s.exec(message);
  if (aborted !== null) return aborted[1] === "" ? "jq-wasm aborted" : `jq-wasm aborted (${aborted[1]})`;
  return `jq-wasm failed: ${message}`;
}
