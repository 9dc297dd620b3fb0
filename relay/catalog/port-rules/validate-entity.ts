import { isSearchQuery } from "../search-query";
import type { Blueprint, BlueprintProperty, PropertyType } from "./blueprint";
import { formatProblem } from "./property-format";

/**
 * The checks Port makes of an entity against its blueprint (port-api.md §3), shared by the local catalog and the
 * fake Port so both answer the same thing. A `null` property or relation means "unset" in Port (Ocean sends explicit
 * nulls and Port accepts them), so nulls pass every check but `required`.
 */

/** An entity's content as stored: search queries already resolved, nulls removed (unset). */
export interface EntityContent {
  title: string | null;
  team: string[];
  icon: string | null;
  properties: Record<string, unknown>;
  relations: Record<string, string | string[]>;
}

/**
 * Checks the supplied properties and relations (before a merge: what the request carries).
 * @returns problems as `path: message`, empty when the request fits the blueprint
 */
export function suppliedFieldProblems(
  supplied: { properties: Record<string, unknown>; relations: Record<string, unknown> },
  blueprint: Blueprint,
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(supplied.properties)) {
    const property = blueprint.schema.properties[name];
    if (property === undefined) {
      problems.push(`properties.${name}: is not a property of blueprint "${blueprint.identifier}"`);
      continue;
    }
    if (value === null) continue;
    for (const problem of valueProblems(value, property)) problems.push(`properties.${name}: ${problem}`);
  }
  for (const [name, value] of Object.entries(supplied.relations)) {
    const relation = blueprint.relations[name];
    if (relation === undefined) {
      problems.push(`relations.${name}: is not a relation of blueprint "${blueprint.identifier}"`);
      continue;
    }
    if (value === null || isSearchQuery(value)) continue;
    if (relation.many && !Array.isArray(value)) {
      problems.push(`relations.${name}: must be an array of identifiers (relation "${name}" is many)`);
    } else if (!relation.many && typeof value !== "string") {
      problems.push(`relations.${name}: must be one identifier or null (relation "${name}" is not many)`);
    }
  }
  return problems;
}

/**
 * Checks what must hold of the entity as it will be stored (after a merge): required properties and relations.
 * @returns problems as `path: message`
 */
export function requiredFieldProblems(content: EntityContent, blueprint: Blueprint): string[] {
  const problems: string[] = [];
  for (const name of blueprint.schema.required) {
    if (content.properties[name] === undefined)
      problems.push(`properties.${name}: is required by blueprint "${blueprint.identifier}"`);
  }
  for (const [name, relation] of Object.entries(blueprint.relations)) {
    if (!relation.required) continue;
    const value = content.relations[name];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      problems.push(`relations.${name}: is required by blueprint "${blueprint.identifier}"`);
    }
  }
  return problems;
}

function valueProblems(value: unknown, property: BlueprintProperty): string[] {
  const typeProblem = typeMismatch(value, property.type);
  if (typeProblem !== null) return [typeProblem];
  const problems: string[] = [];
  if (property.enum !== undefined && !property.enum.some((allowed) => sameJson(allowed, value))) {
    problems.push(`${JSON.stringify(value)} must be one of ${JSON.stringify(property.enum)}`);
  }
  if (typeof value === "string") {
    if (property.format !== undefined) {
      const problem = formatProblem(property.format, value);
      if (problem !== null) problems.push(problem);
    }
    if (property.minLength !== undefined && value.length < property.minLength) {
      problems.push(`must be at least ${property.minLength} characters`);
    }
    if (property.maxLength !== undefined && value.length > property.maxLength) {
      problems.push(`must be at most ${property.maxLength} characters`);
    }
    if (property.pattern !== undefined && !safeTest(property.pattern, value)) {
      problems.push(`must match pattern "${property.pattern}"`);
    }
  }
  if (typeof value === "number") {
    if (property.minimum !== undefined && value < property.minimum) problems.push(`must be >= ${property.minimum}`);
    if (property.maximum !== undefined && value > property.maximum) problems.push(`must be <= ${property.maximum}`);
  }
  if (Array.isArray(value) && property.items !== undefined) {
    const items = property.items;
    value.forEach((item, index) => {
      const itemType = items.type === undefined ? null : typeMismatch(item, items.type);
      if (itemType !== null) {
        problems.push(`[${index}] ${itemType}`);
        return;
      }
      if (items.enum !== undefined && !items.enum.some((allowed) => sameJson(allowed, item))) {
        problems.push(`[${index}] ${JSON.stringify(item)} must be one of ${JSON.stringify(items.enum)}`);
      }
      if (items.format !== undefined && typeof item === "string") {
        const problem = formatProblem(items.format, item);
        if (problem !== null) problems.push(`[${index}] ${problem}`);
      }
    });
  }
  return problems;
}

function typeMismatch(value: unknown, type: PropertyType): string | null {
  const actual = jsonTypeOf(value);
  return actual === type ? null : `must be of type ${type} (got ${actual})`;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    // A pattern JavaScript cannot compile is not ours to reject: Port accepted the blueprint.
    return true;
  }
}
