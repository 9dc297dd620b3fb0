import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { Catalog } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import type { LoadedMapping } from "../config/mapping-loader";
import { messageOf } from "../log/message-of";
import { checkMappingFit } from "../sync/mapping-fit";
import { type CheckResult, fail, ok } from "./check-result";

/** The catalog reachable, the credentials valid, the mapped blueprints present, writable (the catalog's own checks). */
export async function checkCatalog(
  catalog: Catalog,
  mapping: LoadedMapping,
  signal: AbortSignal,
): Promise<CheckResult[]> {
  try {
    const checks = await catalog.check({ blueprints: mappedBlueprints(mapping), signal });
    return checks.map((check) =>
      check.ok
        ? ok(`catalog.${check.check}`, check.message)
        : fail(`catalog.${check.check}`, check.message, check.fix ?? "see the message"),
    );
  } catch (error) {
    return [
      fail(
        "catalog.reachable",
        messageOf(error),
        catalog.kind === "port" ? "check PORT_BASE_URL and the network" : "check CATALOG_PATH",
      ),
    ];
  }
}

/**
 * The mapping against the blueprints in force (the catalog's; where it lacks one, the blueprints file's, which the
 * agent creates): one line per field that cannot fit, with its fix. Port refuses every entity that carries such a
 * field, so a mismatch would fail every write of the kind.
 */
export async function checkMappingFitsBlueprints(
  mapping: LoadedMapping,
  catalog: Pick<Catalog, "getBlueprint" | "kind">,
  toCreate: readonly Blueprint[] | null,
  signal: AbortSignal,
): Promise<CheckResult[]> {
  const fit = await checkMappingFit(mapping.config.resources, catalog, { signal, toCreate });
  if (!fit.ok)
    return [
      fail(
        "mapping.blueprints",
        `the blueprints could not be read from the ${catalog.kind} catalog: ${messageOf(fit.error)}`,
        "fix the catalog's problem above, then run bbrelay doctor again",
      ),
    ];
  if (fit.problems.length === 0)
    return [
      ok(
        "mapping.blueprints",
        `every mapped property and relation exists in its blueprint (${fit.blueprints} blueprints of the ${catalog.kind} catalog)`,
      ),
    ];
  return fit.problems.map((problem) => fail("mapping.blueprints", `${problem.path}: ${problem.message}`, problem.fix));
}

/** The blueprints the mapping writes to (literal ones; a blueprint computed by jq cannot be known up front). */
export function mappedBlueprints(mapping: LoadedMapping): string[] {
  return [
    ...new Set(
      mapping.mappers
        .map((mapper) => jqStringLiteral(mapper.resource.port.entity.mappings.blueprint))
        .filter((id): id is string => id !== null),
    ),
  ];
}
