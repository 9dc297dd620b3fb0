import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { Kind, MappingConfig } from "../../shared/mapping-config/schema";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import { suppliedFieldProblems } from "../catalog/port-rules/validate-entity";

/**
 * Does a mapping fit the blueprints in force (the local catalog's, or Port's as fetched)? Port refuses every
 * entity that carries a property or relation its blueprint lacks, or a value of the wrong type, so a mismatch fails
 * every write of the kind: this names each such field, with its fix, before anything is written. It checks what
 * can be known without data: blueprints given as jq string literals, the names of properties and relations, and
 * fields whose jq is a JSON literal (`'"go"'`, `42`, `true`), whose value is checked as Port would check it.
 *
 * A pure function of the resources and the blueprints, so that `doctor`, `resync --dry-run`, the start of every
 * resync and the Port integration (with Port's mapping) all check the same way.
 */

export interface CompatibilityProblem {
  /** The mapping path at fault: `resources[2].port.entity.mappings.properties.language`. */
  path: string;
  /** The resource's position in `resources[]`. */
  resource: number;
  kind: Kind;
  blueprint: string;
  /** `properties.language`, `relations.owner`, or `blueprint` when the blueprint itself is missing. */
  field: string;
  problem: "unknown-blueprint" | "unknown-property" | "unknown-relation" | "literal-mismatch";
  message: string;
  fix: string;
}

type Resources = MappingConfig["resources"];

/** The literal blueprints the resources write to, in mapping order (the ones to fetch). */
export function literalBlueprints(resources: Resources): string[] {
  const identifiers = resources
    .map((resource) => jqStringLiteral(resource.port.entity.mappings.blueprint))
    .filter((identifier): identifier is string => identifier !== null);
  return [...new Set(identifiers)];
}

/**
 * @param blueprints each literal blueprint of the resources, as the catalog has it (null: the catalog has none)
 * @returns every problem, in mapping order; empty when the mapping fits
 */
export function compatibilityProblems(
  resources: Resources,
  blueprints: ReadonlyMap<string, Blueprint | null>,
): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  resources.forEach((resource, index) => {
    const mappings = resource.port.entity.mappings;
    const identifier = jqStringLiteral(mappings.blueprint);
    if (identifier === null || !blueprints.has(identifier)) return;
    const base = `resources[${index}].port.entity.mappings`;
    const blueprint = blueprints.get(identifier) ?? null;
    const at = { resource: index, kind: resource.kind, blueprint: identifier };
    if (blueprint === null) {
      problems.push({
        ...at,
        path: `${base}.blueprint`,
        field: "blueprint",
        problem: "unknown-blueprint",
        message: `blueprint "${identifier}" does not exist in the catalog`,
        fix: `create blueprint "${identifier}" (BBRELAY_BLUEPRINTS, or in Port), or change the mapping's blueprint`,
      });
      return;
    }
    for (const [name, jq] of Object.entries(mappings.properties)) {
      const field = `properties.${name}`;
      if (blueprint.schema.properties[name] === undefined) {
        problems.push({
          ...at,
          path: `${base}.${field}`,
          field,
          problem: "unknown-property",
          message: `blueprint "${identifier}" has no property "${name}"`,
          fix: `add property "${name}" to blueprint "${identifier}", or remove it from the mapping`,
        });
        continue;
      }
      const literal = jsonLiteral(jq);
      if (literal === undefined) continue;
      for (const problem of suppliedFieldProblems({ properties: { [name]: literal }, relations: {} }, blueprint))
        problems.push(literalProblem(at, `${base}.${field}`, field, jq, problem));
    }
    for (const [name, value] of Object.entries(mappings.relations)) {
      const field = `relations.${name}`;
      if (blueprint.relations[name] === undefined) {
        problems.push({
          ...at,
          path: `${base}.${field}`,
          field,
          problem: "unknown-relation",
          message: `blueprint "${identifier}" has no relation "${name}"`,
          fix: `add relation "${name}" to blueprint "${identifier}", or remove it from the mapping`,
        });
        continue;
      }
      const literal = typeof value === "string" ? jsonLiteral(value) : undefined;
      if (literal === undefined) continue;
      for (const problem of suppliedFieldProblems({ properties: {}, relations: { [name]: literal } }, blueprint))
        problems.push(literalProblem(at, `${base}.${field}`, field, value as string, problem));
    }
  });
  return problems;
}

function literalProblem(
  at: { resource: number; kind: Kind; blueprint: string },
  path: string,
  field: string,
  jq: string,
  problem: string,
): CompatibilityProblem {
  // suppliedFieldProblems says `properties.x: must be …`; the field is already named.
  const text = problem.startsWith(`${field}: `) ? problem.slice(field.length + 2) : problem;
  return {
    ...at,
    path,
    field,
    problem: "literal-mismatch",
    message: `the constant ${jq.trim()} can never fit blueprint "${at.blueprint}": ${text}`,
    fix: `change the mapping's ${field} to a value blueprint "${at.blueprint}" accepts, or change the ${field.startsWith("relations.") ? "relation" : "property"} in the blueprint`,
  };
}

/** @returns the value of a jq program that is a JSON literal (`"go"`, `42`, `[1]`), else undefined */
function jsonLiteral(jq: string): unknown {
  try {
    return JSON.parse(jq.trim());
  } catch {
    return undefined;
  }
}

/** One line per problem, for logs and `resync --dry-run`. */
export function describeProblem(problem: CompatibilityProblem): string {
  return `${problem.path}: ${problem.message} (fix: ${problem.fix})`;
}
