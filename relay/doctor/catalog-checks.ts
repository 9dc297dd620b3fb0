import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { Catalog } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import type { LoadedMapping } from "../config/mapping-loader";
import { messageOf } from "../log/message-of";
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
 * Every property and relation the mapping writes exists in its blueprint: Port refuses an entity with a field its
 * blueprint lacks, so a mismatch would fail every write of the kind.
 */
export function checkMappingFitsBlueprints(
  mapping: LoadedMapping,
  blueprints: readonly Blueprint[] | null,
): CheckResult {
  if (blueprints === null)
    return ok(
      "mapping.blueprints",
      "no blueprints file given (BBRELAY_BLUEPRINTS): the catalog's own blueprints are checked above",
    );
  const byId = new Map(blueprints.map((blueprint) => [blueprint.identifier, blueprint]));
  const problems: string[] = [];
  for (const mapper of mapping.mappers) {
    const mappings = mapper.resource.port.entity.mappings;
    const identifier = jqStringLiteral(mappings.blueprint);
    if (identifier === null) continue;
    const blueprint = byId.get(identifier);
    const where = `resources[${mapper.index}]`;
    if (blueprint === undefined) {
      problems.push(`${where}: blueprint "${identifier}" is not in the blueprints file`);
      continue;
    }
    for (const name of Object.keys(mappings.properties)) {
      if (blueprint.schema.properties[name] === undefined)
        problems.push(`${where}.port.entity.mappings.properties.${name}: "${identifier}" has no such property`);
    }
    for (const name of Object.keys(mappings.relations)) {
      if (blueprint.relations[name] === undefined)
        problems.push(`${where}.port.entity.mappings.relations.${name}: "${identifier}" has no such relation`);
    }
  }
  return problems.length === 0
    ? ok("mapping.blueprints", `every mapped property and relation exists in its blueprint`)
    : fail(
        "mapping.blueprints",
        problems.join("; "),
        "add the fields to the blueprints (BBRELAY_BLUEPRINTS), or remove them from the mapping",
      );
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
