import { type CatalogEntityError, type EntityKey, keyText } from "../catalog";
import type { EntityStoreView } from "./entity-store-view";
import { hasDependents } from "./port-error";

export interface RelationToClear {
  /** The entity that keeps existing but loses its relation value. */
  entity: EntityKey;
  relation: string;
  /** The deleted target to remove from the relation. */
  target: string;
}

export type DeletePlan =
  | { kind: "delete"; keys: EntityKey[]; clear: RelationToClear[] }
  | { kind: "not_found" }
  | { kind: "failed"; error: CatalogEntityError };

/**
 * Port's delete of one entity (port-api.md §2.4, docs "Delete dependents"): the entities holding a **required**
 * relation to it are its dependents. Without `delete_dependents` the delete fails when it has any; with it they are
 * deleted too, and their own dependents after them. Relations that are not required are cleared on the entities
 * that keep existing (a single relation becomes unset, a many relation loses that identifier).
 * @returns what to delete (the entity first, then the cascade) and which relations to clear
 */
export function planDelete(key: EntityKey, deleteDependents: boolean, store: EntityStoreView): DeletePlan {
  if (!store.exists(key.blueprint, key.identifier)) return { kind: "not_found" };
  const doomed = new Map<string, EntityKey>([[keyText(key), key]]);
  const queue: EntityKey[] = [key];
  const candidates: RelationToClear[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const current = next;
    const dependents: EntityKey[] = [];
    for (const referrer of store.referrers(current)) {
      const required = store.blueprint(referrer.blueprint)?.relations[referrer.relation]?.required === true;
      const entity = { blueprint: referrer.blueprint, identifier: referrer.identifier };
      if (required) dependents.push(entity);
      else candidates.push({ entity, relation: referrer.relation, target: current.identifier });
    }
    const outside = dependents.filter((dependent) => !doomed.has(keyText(dependent)));
    if (outside.length === 0) continue;
    if (!deleteDependents) {
      return {
        kind: "failed",
        error: hasDependents(
          key.blueprint,
          key.identifier,
          outside.map((dependent) => `${dependent.blueprint}/${dependent.identifier}`),
        ),
      };
    }
    for (const dependent of outside) {
      doomed.set(keyText(dependent), dependent);
      queue.push(dependent);
    }
  }
  const clear = candidates.filter((candidate) => !doomed.has(keyText(candidate.entity)));
  return { kind: "delete", keys: [...doomed.values()], clear };
}
