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
 * held its concurrency permit longer. Measured with bench:resync, scale 0.3, back to back: the first run went from
 * 1.31-1.32x of its request bound to 1.22-1.24x when the writes cost the agent's thread nothing.
 *
 * Calls are answered in the order they were sent, each one transaction, committed before its promise resolves:
 * what a caller reads after `await upsert(...)` on the agent's thread (its own connection, WAL) includes it.
 */
export class LocalWriterThread {
  readonly #worker: Worker;
  readonly #path: string;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #exited: Promise<void>;
  #nextId = 0;
  /** Why the thread cannot take calls any more (closed, or it stopped), or null while it can. */
  #stopped: string | null = null;

  constructor(script: URL, path: string) {
    this.#path = path;
    const data: WriterData = { path };
    this.#worker = new Worker(script, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.WY ?? 4) },
    });
    this.#worker.on("message", (message: unknown) => this.#settle(message));
    this.#worker.on("error", (error) => this.#stop(`its writer thread failed: ${error.message}`));
    this.#exited = new Promise((resolve) => {
      this.#worker.on("exit", (code) => {
        this.#stop(`its writer thread exited (code ${code})`);
        resolve();
      });
    });
    this.#worker.unref();
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
   * in order). Nothing to await: if the thread has stopped, that next call fails and says so.
   */
  reloadBlueprints(): void {
    this.#call({ op: "reloadBlueprints" }).catch(() => undefined);
  }

  /** Finishes the calls already sent, closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped === null) {
      const closing = this.#call({ op: "close" });
      this.#stopped = "it is closed";
      await closing.catch(() => undefined);
    }
    await this.#exited;
  }

  #call(request: WithoutId<WriterRequest>): Promise<unknown> {
    if (this.#stopped !== null) return Promise.reject(this.#unavailable(this.#stopped));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // A thread with calls in flight keeps the process alive (they must finish); an idle one does not.
      this.#worker.ref();
      this.#worker.postMessage({ ...request, id });
    });
  }

  #settle(message: unknown): void {
    const reply = WriterReply.safeParse(message);
    if (!reply.success) {
      this.#stop(`its writer thread answered something unreadable: ${reply.error.message}`);
      return;
    }
    const pending = this.#pending.get(reply.data.id);
    this.#pending.delete(reply.data.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (pending === undefined) return;
    if (reply.data.ok) pending.resolve(reply.data.value);
    else if (reply.data.storage) pending.reject(this.#unavailable(reply.data.message));
    else pending.reject(new Error(`local catalog ${this.#path}: ${reply.data.message}`));
  }

  #stop(reason: string): void {
    this.#stopped ??= reason;
    for (const pending of this.#pending.values()) pending.reject(this.#unavailable(reason));
    this.#pending.clear();
  }

  #unavailable(reason: string): CatalogUnavailableError {
    return new CatalogUnavailableError("storage", `local catalog ${this.#path}: ${reason}`);
  }
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
