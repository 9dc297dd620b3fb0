import type { Kind } from "../../shared/mapping-config/schema";
import type { CatalogEntity } from "../catalog/catalog";
import { type EntityKey, keyText } from "../catalog/catalog";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import type { Json } from "../mapping/engine";
import { type EntityWriter, trackedKey, type WriteFailure } from "../sync/entity-writer";
import { passesApiSelectors } from "./api-selectors";

/**
 * The catalog side of a live event, for every resource of a kind (a kind may appear several times in the mapping):
 * - `apply(kind, item)`: the item as Bitbucket has it now. Resources whose selectors (API and jq) take it get their
 *   entity written (skipped when unchanged); resources that do not get their entity deleted, as Ocean's live
 *   events do, so an entity that stops matching (a PR merged while only OPEN ones are synced) leaves the catalog.
 * - `remove(kind, item)`: the item is gone from Bitbucket (a 404, `pr:deleted`, the old side of a rename): whatever
 *   it maps to is deleted, except entities just written under the same key.
 */

export interface LiveSyncResult {
  written: EntityKey[];
  deleted: EntityKey[];
  failures: WriteFailure[];
  /** Mapping errors for the kind (the selector failed): the event cannot be processed as the mapping stands. */
  mappingErrors: string[];
}

export interface LiveEntitySyncOptions {
  mapping: LoadedMapping;
  writer: EntityWriter;
}

export class LiveEntitySync {
  readonly #options: LiveEntitySyncOptions;

  constructor(options: LiveEntitySyncOptions) {
    this.#options = options;
  }

  async apply(kind: Kind, item: Json, signal?: AbortSignal): Promise<LiveSyncResult> {
    const result = emptyResult();
    const toWrite: CatalogEntity[] = [];
    const toDelete: EntityKey[] = [];
    for (const mapper of mappersOfKind(this.#options.mapping, kind)) {
      const mapped = await mapper.mapItem(item, { includeRejected: true });
      for (const error of mapped.errors) result.mappingErrors.push(`${error.path}: ${error.message}`);
      if (mapped.errors.length > 0) continue;
      if (passesApiSelectors(mapper, item)) {
        toWrite.push(...mapped.entities);
        toDelete.push(...keys(mapped.rejected));
      } else {
        toDelete.push(...keys([...mapped.entities, ...mapped.rejected]));
      }
    }
    if (result.mappingErrors.length > 0) return result;
    const written = await this.#write(toWrite, result, signal);
    await this.#delete(
      toDelete.filter((key) => !written.has(keyText(key))),
      result,
      signal,
    );
    return result;
  }

  async remove(
    kind: Kind,
    item: Json,
    keep: ReadonlySet<string> = new Set(),
    signal?: AbortSignal,
  ): Promise<LiveSyncResult> {
    const result = emptyResult();
    const toDelete: EntityKey[] = [];
    for (const mapper of mappersOfKind(this.#options.mapping, kind)) {
      const mapped = await mapper.mapItem(item, { includeRejected: true });
      toDelete.push(...keys([...mapped.entities, ...mapped.rejected]));
    }
    await this.#delete(
      toDelete.filter((key) => !keep.has(keyText(key))),
      result,
      signal,
    );
    return result;
  }

  async #write(entities: CatalogEntity[], result: LiveSyncResult, signal?: AbortSignal): Promise<Set<string>> {
    const written = new Set<string>();
    if (entities.length === 0) return written;
    const outcome = await this.#options.writer.write(entities, signal === undefined ? {} : { signal });
    result.failures.push(...outcome.failures);
    const failed = new Set(outcome.failures.map((failure) => keyText(failure)));
    for (const entity of entities) {
      const key = trackedKey(entity);
      if (key === null || failed.has(keyText(key))) continue;
      written.add(keyText(key));
      result.written.push(key);
    }
    return written;
  }

  async #delete(keysToDelete: EntityKey[], result: LiveSyncResult, signal?: AbortSignal): Promise<void> {
    const unique = [...new Map(keysToDelete.map((key) => [keyText(key), key])).values()];
    if (unique.length === 0) return;
    const { deleted, failures } = await this.#options.writer.delete(unique, {
      deleteDependents: this.#options.mapping.config.deleteDependentEntities,
      ...(signal === undefined ? {} : { signal }),
    });
    result.deleted.push(...deleted);
    for (const failure of failures) result.failures.push({ ...failure, message: `delete: ${failure.message}` });
  }
}

function keys(entities: readonly CatalogEntity[]): EntityKey[] {
  return entities.map(trackedKey).filter((key): key is EntityKey => key !== null);
}

function emptyResult(): LiveSyncResult {
  return { written: [], deleted: [], failures: [], mappingErrors: [] };
}

/** Adds one result into another (a move touches several entities). */
export function mergeResults(into: LiveSyncResult, more: LiveSyncResult): LiveSyncResult {
  into.written.push(...more.written);
  into.deleted.push(...more.deleted);
  into.failures.push(...more.failures);
  into.mappingErrors.push(...more.mappingErrors);
  return into;
}
