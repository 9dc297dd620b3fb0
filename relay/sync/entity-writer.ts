import type { Catalog, CatalogEntity, EntityKey, UpsertOptions, UpsertResult } from "../catalog/catalog";
import type { LoadedMapping } from "../config/mapping-loader";
import { retryabilityOfStatus } from "../http/retry";
import type { AgentState } from "../state/agent-state";
import { contentHash } from "./content-hash";

/**
 * Writes mapped entities to the catalog, skipping those whose content has not changed since this agent last wrote
 * them (the content hash in the agent state), and keeps the state true to what the catalog accepted. Shared by the
 * resync and the live path, so both skip and record the same way.
 *
 * - An entity is unchanged when its hash matches and, during a resync, the catalog still held it when the run
 *   started (someone may have deleted it from Port by hand: it is written again).
 * - Only a write the catalog accepted records the hash; a failed one clears it, so the next sighting retries.
 * - Search-query identifiers (Port resolves them) are always written and never tracked, as Ocean does.
 */

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Search-query identifiers that matched nothing in Port (it creates nothing). */
  unresolved: number;
}

export interface WriteFailure {
  blueprint: string;
  identifier: string;
  /** The catalog's status and code (Port's, or the same made locally): what the resync's summary sorts by. */
  status: number;
  code: string;
  /** The catalog's message, without its status and code. */
  message: string;
  /** Whether retrying later may help (a 5xx, a rate limit, a missing relation target), not an entity Port refuses. */
  transient: boolean;
}

export interface WriteOutcome {
  counts: WriteCounts;
  failures: WriteFailure[];
  /** Dry runs: what would be written, for samples in the summary. */
  changed: { entity: CatalogEntity; change: "create" | "update" }[];
  /**
   * Per entity given (same order): its content hash when the catalog now holds exactly it (unchanged, or written and
   * accepted), null otherwise (failed, a dry run's change, a search-query identifier). For the item digests.
   */
  settled: (string | null)[];
}

export interface EntityWriterOptions {
  catalog: Catalog;
  state: AgentState;
  /** From the mapping file's top level. */
  upsertOptions: Omit<UpsertOptions, "signal">;
}

export interface WriteContext {
  /** Present during a resync: the entities are recorded in the run's ledger (seen, relation targets). */
  ledger?: { snapshotTaken: boolean };
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** The writer a mapping's top-level flags configure: resyncs and live events write the same way. */
export function entityWriterFor(mapping: LoadedMapping, catalog: Catalog, state: AgentState): EntityWriter {
  return new EntityWriter({
    catalog,
    state,
    upsertOptions: {
      merge: mapping.config.enableMergeEntity,
      createMissingRelatedEntities: mapping.config.createMissingRelatedEntities,
    },
  });
}

export function emptyWriteCounts(): WriteCounts {
  return { created: 0, updated: 0, unchanged: 0, failed: 0, unresolved: 0 };
}

export class EntityWriter {
  readonly #catalog: Catalog;
  readonly #state: AgentState;
  readonly #upsertOptions: Omit<UpsertOptions, "signal">;
  readonly #mode: string;

  constructor(options: EntityWriterOptions) {
    this.#catalog = options.catalog;
    this.#state = options.state;
    this.#upsertOptions = options.upsertOptions;
    // What a write does depends on these flags: changing them must rewrite, so they are part of the hash.
    this.#mode = `merge=${options.upsertOptions.merge};missing=${options.upsertOptions.createMissingRelatedEntities}`;
  }

  /** What a write does besides the entity's content (part of every content hash). */
  get mode(): string {
    return this.#mode;
  }

  async write(entities: readonly CatalogEntity[], context: WriteContext = {}): Promise<WriteOutcome> {
    const outcome: WriteOutcome = {
      counts: emptyWriteCounts(),
      failures: [],
      changed: [],
      settled: entities.map(() => null),
    };
    type Item = { entity: CatalogEntity; key: EntityKey | null; hash: string | null; at: number };
    const toWrite: Item[] = [];
    const snapshotTaken = context.ledger?.snapshotTaken === true;
    const items: Item[] = [];
    const keys: EntityKey[] = [];
    // Relation targets repeat across a batch (twenty pull requests of one repository, the same reviewers).
    const targets = new Set<string>();
    for (const entity of entities) {
      const key = trackedKey(entity);
      items.push({ entity, key, hash: key === null ? null : contentHash(entity, this.#mode), at: items.length });
      if (key === null) continue;
      keys.push(key);
      if (context.ledger !== undefined) addRelationTargets(entity, targets);
    }
    this.#state.transaction(() => {
      if (context.ledger !== undefined) this.#state.recordSightings(keys, targets);
      const known = this.#state.known(keys);
      let index = 0;
      for (const item of items) {
        if (item.key === null) {
          toWrite.push(item);
          continue;
        }
        const { hash: stored, inSnapshot } = known[index++] ?? { hash: undefined, inSnapshot: false };
        // Unchanged only if the catalog still holds it (someone may have deleted it by hand since).
        if (stored === item.hash && (!snapshotTaken || inSnapshot)) {
          outcome.counts.unchanged++;
          outcome.settled[item.at] = item.hash;
          continue;
        }
        toWrite.push(item);
        if (context.dryRun === true) {
          const exists = snapshotTaken ? inSnapshot : stored !== undefined;
          outcome.changed.push({ entity: item.entity, change: exists ? "update" : "create" });
          outcome.counts[exists ? "updated" : "created"]++;
        }
      }
    });
    if (context.dryRun === true || toWrite.length === 0) return outcome;

    const results = await this.#catalog.upsert(
      toWrite.map(({ entity }) => entity),
      { ...this.#upsertOptions, ...(context.signal === undefined ? {} : { signal: context.signal }) },
    );
    this.#state.transaction(() => {
      const accepted: { key: EntityKey; hash: string }[] = [];
      results.forEach((result, index) => {
        const item = toWrite[index];
        if (item === undefined) return;
        if (this.#record(result, item, outcome) && item.key !== null && item.hash !== null) {
          accepted.push({ key: item.key, hash: item.hash });
          outcome.settled[item.at] = item.hash;
        }
      });
      this.#state.recordWrites(accepted);
    });
    return outcome;
  }

  /**
   * Deletes entities and forgets them in the state (one transaction for the batch): an entity already gone counts
   * as deleted for the state, but is not reported as deleted.
   * @returns what was deleted, and what failed (transient when retrying later may help)
   */
  async delete(
    keys: readonly EntityKey[],
    options: { deleteDependents: boolean; signal?: AbortSignal },
  ): Promise<{ deleted: EntityKey[]; failures: WriteFailure[] }> {
    const results = await this.#catalog.delete(keys, options);
    const deleted: EntityKey[] = [];
    const failures: WriteFailure[] = [];
    this.#state.transaction(() => {
      for (const result of results) {
        const key = { blueprint: result.blueprint, identifier: result.identifier };
        if (result.result === "failed") {
          const { status, code, message } = result.error;
          failures.push({
            ...key,
            status,
            code,
            message,
            transient: retryabilityOfStatus(status) !== "final",
          });
          continue;
        }
        this.#state.forget(key);
        if (result.result === "deleted") deleted.push(key);
      }
    });
    return { deleted, failures };
  }

  /**
   * Counts one result; a failure also invalidates what the state knows of the entity.
   * @returns whether the catalog accepted the write
   */
  #record(
    result: UpsertResult,
    item: { entity: CatalogEntity; key: EntityKey | null },
    outcome: WriteOutcome,
  ): boolean {
    switch (result.result) {
      case "created":
      case "updated":
        outcome.counts[result.result]++;
        return true;
      case "unresolved":
        outcome.counts.unresolved++;
        return false;
      case "failed":
        outcome.counts.failed++;
        outcome.failures.push({
          blueprint: result.blueprint,
          identifier: typeof result.identifier === "string" ? result.identifier : JSON.stringify(result.identifier),
          status: result.error.status,
          code: result.error.code,
          message: result.error.message,
          // A missing relation target (404 not_found without createMissingRelatedEntities) may appear later.
          transient: retryabilityOfStatus(result.error.status) !== "final" || result.error.code === "not_found",
        });
        if (item.key !== null) this.#state.invalidate(item.key);
        return false;
    }
  }
}

/** The key under which an entity is tracked, or null for a search-query identifier (Port resolves it). */
export function trackedKey(entity: CatalogEntity): EntityKey | null {
  return typeof entity.identifier === "string" ? { blueprint: entity.blueprint, identifier: entity.identifier } : null;
}

export function addRelationTargets(entity: CatalogEntity, targets: Set<string>): void {
  for (const value of Object.values(entity.relations)) {
    if (typeof value === "string") targets.add(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") targets.add(item);
  }
}
