import { Worker } from "node:worker_threads";
import { z } from "zod";
import { type JqModule, patchedJqGlue } from "./jq-wasm-module";

/**
 * jq-wasm in a worker thread, so that a call can be stopped. A call runs synchronously inside wasm: a filter that
 * loops (`. * 1000000000` on `""` runs for minutes) cannot be interrupted on the thread that runs it, and would hold
 * the agent's event loop (its leases, its SIGTERM) for as long. In a worker, the agent's thread only awaits a
 * message: past the time budget the worker is terminated, which stops the wasm wherever it is, and the next call
 * starts a new one. An abort or a stack overflow inside jq ends that call with a message; the worker goes on.
 *
 * The worker evaluates the same patched glue as jq-wasm-module.ts (the source is handed to it), from a script given
 * as text, so that it works as well from the bundled agent (dist/bbrelay.mjs) as from the TypeScript sources.
 */

/** A call stopped at the time budget (the worker that ran it is gone). */
export class JqTimeoutError extends Error {
  override readonly name = "JqTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`jq ran longer than ${timeoutMs} ms and was stopped`);
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { runInThisContext } = require("node:vm");
// Emscripten prints an abort's message before it throws it; the thrown message is what the agent reports.
console.error = () => {};
const glue = { exports: {} };
const wrapper = runInThisContext(
  "(function (exports, require, module, __filename, __dirname) {" + workerData.source + "\\n})",
  { filename: workerData.file },
);
wrapper(glue.exports, createRequire(workerData.file), glue, workerData.file, dirname(workerData.file));
let instance = null;
parentPort.on("message", async (message) => {
  try {
    if (message.type === "fresh") {
      instance = null;
      instance = await glue.exports();
      parentPort.postMessage({ id: message.id, kind: "ready" });
      return;
    }
    if (instance === null) throw new Error("no jq-wasm instance in the worker");
    const output = await instance.raw(message.input, message.filter, message.flags);
    parentPort.postMessage({ id: message.id, kind: "output", output });
  } catch (error) {
    parentPort.postMessage({ id: message.id, kind: "thrown", message: error instanceof Error ? error.message : String(error) });
  }
});
`;

const Reply = z.discriminatedUnion("kind", [
  z.object({ id: z.number(), kind: z.literal("ready") }),
  z.object({ id: z.number(), kind: z.literal("output"), output: z.string() }),
  z.object({ id: z.number(), kind: z.literal("thrown"), message: z.string() }),
]);
type Reply = z.infer<typeof Reply>;

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

interface LiveWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface JqWasmWorkerHostOptions {
  /** A call running longer than this is stopped (its worker terminated) and fails with {@link JqTimeoutError}. */
  timeoutMs: number;
}

/** One worker at a time, holding one jq-wasm instance at a time; `createInstance` gives the runtime a fresh one. */
export class JqWasmWorkerHost {
  readonly #timeoutMs: number;
  #glue: { file: string; source: string } | null = null;
  #live: LiveWorker | null = null;
  #nextId = 0;

  constructor(options: JqWasmWorkerHostOptions) {
    this.#timeoutMs = options.timeoutMs;
  }

  /** Replaces the worker's instance by a fresh one; the previous instance's handle then fails its calls. */
  async createInstance(): Promise<JqModule> {
    const live = this.#ensureWorker();
    const ready = await this.#send(live, { type: "fresh" }, null);
    if (ready.kind === "thrown") throw new Error(`jq-wasm could not start: ${ready.message}`);
    return {
      raw: async (input, filter, flags) => {
        if (this.#live !== live) throw new Error("the jq-wasm worker was replaced");
        const reply = await this.#send(live, { type: "run", input, filter, flags }, this.#timeoutMs);
        if (reply.kind === "output") return reply.output;
        throw new Error(reply.kind === "thrown" ? reply.message : "jq-wasm answered a call with no output");
      },
    };
  }

  async close(): Promise<void> {
    const live = this.#live;
    this.#live = null;
    if (live !== null) await live.worker.terminate();
  }

  #ensureWorker(): LiveWorker {
    if (this.#live !== null) return this.#live;
    this.#glue ??= patchedJqGlue();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: this.#glue,
      // The worker's stdout and stderr are its own: jq-wasm writes nothing there that the agent's output should hold.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const live: LiveWorker = { worker, pending: new Map() };
    worker.on("message", (message: unknown) => {
      const reply = Reply.safeParse(message);
      if (!reply.success) return;
      const pending = live.pending.get(reply.data.id);
      live.pending.delete(reply.data.id);
      pending?.resolve(reply.data);
      this.#refWhileBusy(live);
    });
    const fail = (error: Error) => {
      if (this.#live === live) this.#live = null;
      for (const pending of live.pending.values()) pending.reject(error);
      live.pending.clear();
    };
    worker.on("error", (error) => fail(new Error(`the jq-wasm worker failed: ${error.message}`)));
    worker.on("exit", (code) => fail(new Error(`the jq-wasm worker exited (code ${code})`)));
    this.#live = live;
    this.#refWhileBusy(live);
    return live;
  }

  #send(live: LiveWorker, message: object, timeoutMs: number | null): Promise<Reply> {
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (timeoutMs !== null) {
        // Real time on purpose, not the injected clock: the budget bounds how long wasm may run, which fake time
        // cannot measure.
        timer = setTimeout(() => {
          live.pending.delete(id);
          if (this.#live === live) this.#live = null;
          // Terminating is the only way to stop wasm that is running; the next call starts a new worker.
          void live.worker.terminate();
          reject(new JqTimeoutError(timeoutMs));
        }, timeoutMs);
      }
      live.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#refWhileBusy(live);
      live.worker.postMessage({ id, ...message });
    });
  }

  /** An idle worker must not keep the agent's process alive; a busy one must, or a call could be cut short. */
  #refWhileBusy(live: LiveWorker): void {
    if (live.pending.size > 0) live.worker.ref();
    else live.worker.unref();
  }
}
