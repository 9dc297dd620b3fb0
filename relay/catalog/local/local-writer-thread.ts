import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CatalogEntity, DeleteResult, EntityKey, UpsertResult } from "../catalog";
import { CatalogUnavailableError } from "../catalog-unavailable-error";
import type { UpsertFlags } from "../port-rules/plan-upsert";
import { type WriterData, WriterReply, type WriterRequest } from "./local-writer-protocol";

/**
 * The local catalog's writes, done by a worker thread with its own connection to the file
 * (local-writer-entry.ts). A resync writes 100,000 entities: Port's checks, the SQL and each transaction's commit
 * took a quarter of the agent's thread, and while they ran no answer from Bitbucket was taken in, so every request
 * held its concurrency permit longer. Measured with bench:resync, back to back: the first run went from 1.30-1.31x of
 * its request bound to 1.26-1.27x at scale 0.3, and from 1.28x to 1.21-1.23x at scale 1 (writes that cost the
 * agent's thread nothing at all, a catalog answering at once, gave 1.22-1.24x at scale 0.3).
 *
 * Calls are answered in the order they were sent, each one transaction, committed before its promise resolves:
 * what a caller reads after `await upsert(...)` on the agent's thread (its own connection, WAL) includes it.
 */
export class LocalWriterThread {
  readonly #script: URL;
  readonly #path: string;
  /** The running thread, or null before the first call and after one stopped (the next call starts another). */
  #live: LiveThread | null = null;
  #closed = false;
  #nextId = 0;

  constructor(script: URL, path: string) {
    this.#script = script;
    this.#path = path;
    // Started now, not at the first write: it reads the blueprints from the file as they are when the catalog opens.
    this.#live = this.#start();
  }

  upsert(
    entities: readonly CatalogEntity[],
    flags: UpsertFlags,
    datasource: string,
    now: string,
  ): Promise<UpsertResult[]> {
    return this.#call({ op: "upsert", entities: [...entities], flags, datasource, now }) as Promise<UpsertResult[]>;
  }

  delete(keys: readonly EntityKey[], deleteDependents: boolean, now: string): Promise<DeleteResult[]> {
    return this.#call({ op: "delete", keys: [...keys], deleteDependents, now }) as Promise<DeleteResult[]>;
  }

  /**
   * The agent's thread changed the blueprints: the writer reads them again before its next call (calls are taken
   * in order). A thread started later reads them anyway. Nothing to await: if the thread stops, the calls fail.
   */
  reloadBlueprints(): void {
    if (this.#live !== null) this.#call({ op: "reloadBlueprints" }).catch(() => undefined);
  }

  /** Finishes the calls already sent, closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    this.#closed = true;
    const live = this.#live;
    if (live === null) return;
    await this.#send(live, { op: "close" }).catch(() => undefined);
    await live.exited;
  }

  #call(request: WithoutId<WriterRequest>): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#unavailable("it is closed"));
    // A thread that stopped (it failed, or its file could not be loaded) is replaced at the next call, so one
    // failure fails the calls it held, not every write until the agent restarts.
    this.#live ??= this.#start();
    return this.#send(this.#live, request);
  }

  #send(live: LiveThread, request: WithoutId<WriterRequest>): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      live.pending.set(id, { resolve, reject });
      // A thread with calls in flight keeps the process alive (they must finish); an idle one does not.
      live.worker.ref();
      live.worker.postMessage({ ...request, id });
    });
  }

  #start(): LiveThread {
    const data: WriterData = { path: this.#path };
    // A small young generation: the thread's garbage is one batch at a time, and its heap is the agent's memory.
    const worker = new Worker(this.#script, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    let exited = () => {};
    const live: LiveThread = { worker, pending: new Map(), exited: new Promise((resolve) => (exited = resolve)) };
    worker.on("message", (message: unknown) => this.#settle(live, message));
    worker.on("error", (error) => this.#stop(live, `its writer thread failed: ${error.message}`));
    worker.on("exit", (code) => {
      this.#stop(live, `its writer thread exited (code ${code})`);
      exited();
    });
    worker.unref();
    return live;
  }

  #settle(live: LiveThread, message: unknown): void {
    const reply = WriterReply.safeParse(message);
    if (!reply.success) {
      this.#stop(live, `its writer thread answered something unreadable: ${reply.error.message}`);
      void live.worker.terminate();
      return;
    }
    const pending = live.pending.get(reply.data.id);
    live.pending.delete(reply.data.id);
    if (live.pending.size === 0) live.worker.unref();
    if (pending === undefined) return;
    if (reply.data.ok) pending.resolve(reply.data.value);
    else if (reply.data.storage) pending.reject(this.#unavailable(reply.data.message));
    else pending.reject(new Error(`local catalog ${this.#path}: ${reply.data.message}`));
  }

  #stop(live: LiveThread, reason: string): void {
    if (this.#live === live) this.#live = null;
    for (const pending of live.pending.values()) pending.reject(this.#unavailable(reason));
    live.pending.clear();
  }

  #unavailable(reason: string): CatalogUnavailableError {
    return new CatalogUnavailableError("storage", `local catalog ${this.#path}: ${reason}`);
  }
}

interface LiveThread {
  worker: Worker;
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>;
  exited: Promise<void>;
}

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The writer thread's script, next to the running bundle (dist/local-writer.mjs beside dist/bbrelay.mjs; the
 * bench and `npm start` build theirs beside their own), or null when there is none: run from the TypeScript
 * sources (the tests), the catalog writes on the agent's thread.
 */
export function bundledLocalWriter(): URL | null {
  const script = new URL("./local-writer.mjs", import.meta.url);
  return existsSync(fileURLToPath(script)) ? script : null;
}
