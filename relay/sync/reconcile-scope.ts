import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { ResourceMapper } from "../mapping/resource-mapper";

export type ReconcileScope =
  | { kind: "blueprints"; blueprints: string[] | null; order: string[] }
  | { kind: "none"; reason: string };

/**
 * Which blueprints a run may reconcile. A full run covers every blueprint its resources write; a `--kind` run only
 * the blueprints no other resource writes (or it would delete what the kinds it skipped produce). A blueprint
 * computed by jq (not a literal) cannot be known up front: then a full run covers everything the integration owns,
 * as Ocean does, and a `--kind` run does not delete.
 */
export function reconcileScope(all: readonly ResourceMapper[], selected: readonly ResourceMapper[]): ReconcileScope {
  const literal = (mapper: ResourceMapper) => jqStringLiteral(mapper.resource.port.entity.mappings.blueprint);
  const order = [...new Set(all.map(literal).filter((blueprint): blueprint is string => blueprint !== null))];
  const partial = selected.length < all.length;
  if (all.some((mapper) => literal(mapper) === null)) {
    if (partial)
      return {
        kind: "none",
        reason:
          "a blueprint is computed by jq, so a run of some kinds cannot tell which entities are its own; run a full resync to delete stale entities",
      };
    return { kind: "blueprints", blueprints: null, order };
  }
  if (!partial) return { kind: "blueprints", blueprints: order, order };
  const others = new Set(all.filter((mapper) => !selected.includes(mapper)).map(literal));
  const blueprints = [...new Set(selected.map(literal))].filter(
    (blueprint): blueprint is string => blueprint !== null && !others.has(blueprint),
  );
  if (blueprints.length === 0)
    return {
      kind: "none",
      reason:
        "the selected kinds share their blueprints with kinds not run; run a full resync to delete stale entities",
    };
  return { kind: "blueprints", blueprints, order };
}
