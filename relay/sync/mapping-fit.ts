import type { MappingConfig } from "../../shared/mapping-config/schema";
import type { Catalog } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import {
  type CompatibilityProblem,
  compatibilityProblems,
  literalBlueprints,
} from "../mapping/blueprint-compatibility";

export type MappingFit =
  | {
      ok: true;
      blueprints: number;
      problems: CompatibilityProblem[];
      /** The blueprints read (those the catalog has, or will create): the resync orders its writes by their relations. */
      found: Blueprint[];
    }
  | { ok: false; error: unknown };

/**
 * The mapping checked against the blueprints in force: each literal blueprint the resources write is read from the
 * catalog (Port's as fetched, or the local catalog's), then {@link compatibilityProblems} names what cannot fit.
 * @returns the problems, or why the blueprints could not be read (never throws)
 */
export async function checkMappingFit(
  resources: MappingConfig["resources"],
  catalog: Pick<Catalog, "getBlueprint">,
  options: {
    signal?: AbortSignal;
    /** Blueprints the agent creates where the catalog lacks them (BBRELAY_BLUEPRINTS): those will be in force. */
    toCreate?: readonly Blueprint[] | null;
  } = {},
): Promise<MappingFit> {
  const identifiers = literalBlueprints(resources);
  const blueprints = new Map<string, Blueprint | null>();
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  try {
    for (const identifier of identifiers) {
      const fallback = options.toCreate?.find((blueprint) => blueprint.identifier === identifier) ?? null;
      blueprints.set(identifier, (await catalog.getBlueprint(identifier, signal)) ?? fallback);
    }
  } catch (error) {
    return { ok: false, error };
  }
  const found = [...blueprints.values()].filter((blueprint): blueprint is Blueprint => blueprint !== null);
  return { ok: true, blueprints: identifiers.length, problems: compatibilityProblems(resources, blueprints), found };
}
