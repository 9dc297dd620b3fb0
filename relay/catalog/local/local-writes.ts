import type { CatalogEntity, DeleteResult, EntityKey, UpsertResult } from "../catalog";
import { planDelete } from "../port-rules/plan-delete";
import { planUpsert, type UpsertFlags } from "../port-rules/plan-upsert";
import type { LocalStore } from "./local-store";

/**
 * The local catalog's two writes, as store operations: what one `upsert` or `delete` call does inside its
 * transaction. They live apart from `LocalCatalog` because they run in two places: on the agent's thread, or in
 * the catalog's writer thread (local-writer-thread.ts), which must give exactly the same results.
 */

/** Writes entities with Port's `upsert=true` semantics; one result per entity, in input order. */
export function upsertEntities(
  store: LocalStore,
  entities: readonly CatalogEntity[],
  flags: UpsertFlags,
  datasource: string,
  now: string,
): UpsertResult[] {
  return entities.map((entity): UpsertResult => {
    const plan = planUpsert(entity, entity.blueprint, flags, store);
    if (plan.kind === "failed")
      return { result: "failed", blueprint: entity.blueprint, identifier: entity.identifier, error: plan.error };
    if (plan.kind === "unresolved")
      return { result: "unresolved", blueprint: entity.blueprint, identifier: plan.query, message: plan.message };
    for (const placeholder of plan.placeholders) store.writePlaceholder(placeholder, datasource, now);
    store.write(plan.key, plan.content, plan.previous, datasource, now);
    return {
      result: plan.created ? "created" : "updated",
      blueprint: plan.key.blueprint,
      identifier: plan.key.identifier,
    };
  });
}

/** Deletes entities (with their dependents when asked); one result per key, in input order. */
export function deleteEntities(
  store: LocalStore,
  keys: readonly EntityKey[],
  deleteDependents: boolean,
  now: string,
): DeleteResult[] {
  return keys.map((key): DeleteResult => {
    const plan = planDelete(key, deleteDependents, store);
    if (plan.kind === "not_found") return { result: "not_found", ...key };
    if (plan.kind === "failed") return { result: "failed", ...key, error: plan.error };
    for (const doomed of plan.keys) store.remove(doomed);
    for (const clear of plan.clear) store.clearRelation(clear, now);
    return { result: "deleted", ...key };
  });
}
